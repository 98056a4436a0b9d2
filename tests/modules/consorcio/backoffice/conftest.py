"""A runtime with the consorcio module, a tenant with it enabled, and page clients that carry
the login cookies like a browser does."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from lastro.core.platform.service import tenant_cache
from lastro.core.runtime import Runtime
from lastro.main import build_runtime, stop_background
from lastro.settings import Settings
from tests.conftest import TEST_PASSWORD, Factory, TenantHandle, login, truncate_all


@pytest.fixture
async def runtime(settings: Settings, database_urls: Any) -> AsyncIterator[Runtime]:
    tenant_cache.clear()
    rt = build_runtime(settings.model_copy(update={"enabled_modules": ["consorcio"]}))
    try:
        yield rt
    finally:
        await stop_background(rt)
        await truncate_all(database_urls.owner)
        tenant_cache.clear()


async def consorcio_tenant(factory: Factory, slug: str | None = None) -> TenantHandle:
    return await factory.tenant(slug, modules=["consorcio"])


def page_cookies(client: httpx.AsyncClient, token: str) -> None:
    """What the browser holds after /login: the access token in the page cookie."""
    client.cookies.set("lastro_access", token)


async def user_token(factory: Factory, tenant: TenantHandle, email: str, role: str) -> str:
    await factory.user(tenant.id, email=email, role=role)
    tokens = await login(factory.client, email, TEST_PASSWORD, tenant=tenant.slug)
    return str(tokens["access_token"])
