"""Every table of the core and of the installed modules, for Alembic and the architecture tests."""

from __future__ import annotations

import importlib

from sqlalchemy import MetaData

from lastro.core.audit import models as _audit
from lastro.core.auth import models as _auth
from lastro.core.billing import models as _billing
from lastro.core.ledger import models as _ledger
from lastro.core.platform import models as _platform
from lastro.core.web import idempotency as _idempotency
from lastro.infra import events as _events
from lastro.infra import outbox as _outbox
from lastro.kit.orm import Base
from lastro.modules import INSTALLED

_CORE = (_audit, _auth, _billing, _ledger, _platform, _idempotency, _events, _outbox)


CORE_SERVICES = ("notifications", "webhooks", "documents", "exports", "config", "lgpd")


def _load_module_models() -> None:
    for name in CORE_SERVICES:
        importlib.import_module(f"lastro.core.{name}.models")
    for name in INSTALLED:
        importlib.import_module(f"lastro.modules.{name}.models")


_load_module_models()
metadata: MetaData = Base.metadata
