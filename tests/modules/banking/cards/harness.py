"""The runtime for the cards, bills, budgets and support tests: the whole banking module (the
accounts tests load only their own areas). Tenants, holders and funded accounts come from the
accounts tests' ``Bank`` helper."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from lastro.core.platform.service import tenant_cache
from lastro.core.runtime import Runtime
from lastro.main import build_runtime, load_modules, stop_background
from lastro.settings import Settings
from tests.conftest import truncate_all


@pytest.fixture
async def runtime(settings: Settings, database_urls: Any) -> AsyncIterator[Runtime]:
    from lastro.core.modules import ServiceParts
    from lastro.infra.bus import build_bus
    from lastro.infra.cache import build_cache
    from lastro.infra.database import Database
    from lastro.infra.locks import build_lock_manager

    tenant_cache.clear()
    parts = ServiceParts(
        settings,
        Database(settings.database_url, pool_size=1),
        build_cache(None),
        build_bus(None),
        build_lock_manager(None),
    )
    rt = build_runtime(settings, modules=load_modules(["banking"], parts))
    try:
        yield rt
    finally:
        await stop_background(rt)
        await truncate_all(database_urls.owner)
        tenant_cache.clear()
