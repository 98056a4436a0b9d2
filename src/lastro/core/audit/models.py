"""Audit records and the head of each tenant's hash chain.

The platform's own actions (no tenant) form their own chain under :data:`PLATFORM_SCOPE`.
``tenant_id`` has no foreign key: the log must outlive what it describes.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from lastro.kit.orm import Base, TenantScoped

PLATFORM_SCOPE = uuid.UUID(int=0)


class AuditRecord(TenantScoped, Base):
    __tablename__ = "audit_records"
    __table_args__ = (Index("uq_audit_records_tenant_seq", "tenant_id", "seq", unique=True),)

    # No foreign key: the platform chain uses PLATFORM_SCOPE, and the log outlives tenants.
    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, sort_order=-20)
    seq: Mapped[int] = mapped_column(BigInteger)
    occurred_at: Mapped[datetime]
    actor_kind: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[str | None] = mapped_column(String(64), default=None)
    actor_label: Mapped[str | None] = mapped_column(String(254), default=None)
    action: Mapped[str] = mapped_column(String(80))
    resource_type: Mapped[str] = mapped_column(String(80))
    resource_id: Mapped[str | None] = mapped_column(String(80), default=None)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    ip: Mapped[str | None] = mapped_column(String(64), default=None)
    user_agent: Mapped[str | None] = mapped_column(String(300), default=None)
    request_id: Mapped[str | None] = mapped_column(String(100), default=None)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditChainHead(Base):
    """One row per chain; locked while a transaction appends, so sequence numbers never fork."""

    __tablename__ = "audit_chain_heads"

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    hash: Mapped[str] = mapped_column(String(64))
