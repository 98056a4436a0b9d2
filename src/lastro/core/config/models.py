"""Tables of the config service: a tenant's overrides of each namespace's declared settings,
and the platform's feature flags."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import JSON, Boolean, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from lastro.kit.orm import Base, HasId, TenantScoped, Timestamps


class TenantSetting(TenantScoped, Timestamps, Base):
    """Only the values the tenant chose; defaults stay in code so they can evolve."""

    __tablename__ = "tenant_settings"
    __table_args__ = (Index("uq_tenant_settings_namespace", "tenant_id", "namespace", unique=True),)

    namespace: Mapped[str] = mapped_column(String(120))
    overrides: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_by: Mapped[uuid.UUID | None] = mapped_column(default=None)


class FeatureFlag(HasId, Timestamps, Base):
    """Global: evaluated per tenant (explicit lists, then plan, then a stable percentage)."""

    __tablename__ = "feature_flags"

    key: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str] = mapped_column(String(300), default="")
    default_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    enabled_plans: Mapped[list[str]] = mapped_column(JSON, default=list)
    enabled_tenants: Mapped[list[str]] = mapped_column(JSON, default=list)
    disabled_tenants: Mapped[list[str]] = mapped_column(JSON, default=list)
    rollout_percentage: Mapped[int] = mapped_column(Integer, default=0)
