"""The ``tenants`` table: global (not tenant-scoped), read by slug at login and per request."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import JSON, Boolean, String, false
from sqlalchemy.orm import Mapped, mapped_column

from lastro.kit.orm import Base, HasId, Timestamps


class Tenant(HasId, Timestamps, Base):
    __tablename__ = "tenants"

    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="active")
    document: Mapped[str | None] = mapped_column(String(18), default=None)
    reseller_id: Mapped[uuid.UUID | None] = mapped_column(default=None, index=True)
    # A reseller owns the tenants whose ``reseller_id`` is its id (see core.platform.resellers).
    is_reseller: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    branding: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    custom_domain: Mapped[str | None] = mapped_column(String(253), unique=True, default=None)
    enabled_modules: Mapped[list[str]] = mapped_column(JSON, default=list)
    # unpaid past the grace period: its people may sign in only to see and pay invoices
    billing_blocked: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    @property
    def is_active(self) -> bool:
        return self.status == "active"
