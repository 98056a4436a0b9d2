"""ORM base shared by every table: naming convention, UUID keys, UTC timestamps, NUMERIC money.

Tenant-scoped tables inherit :class:`TenantScoped`, which puts ``tenant_id`` first in the primary
key so that every table can later be distributed by tenant (Citus) and no foreign key can cross
tenants. The tenancy hook in ``lastro.core.tenancy`` recognises tables by this mixin.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import DateTime, ForeignKey, MetaData, Numeric, TypeDecorator, Uuid
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from lastro.kit.clock import ensure_utc, utcnow
from lastro.kit.ids import new_id

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC on every backend (SQLite stores naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use timezone-aware UTC")
        return (
            ensure_utc(value)
            if dialect.name != "sqlite"
            else ensure_utc(value).replace(tzinfo=None)
        )

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else ensure_utc(value)


class Money(TypeDecorator[Decimal]):
    """NUMERIC(18, 2) as Decimal; SQLite keeps it exact through a string round-trip."""

    impl = Numeric(18, 2, asdecimal=True)
    cache_ok = True

    def __init__(self, precision: int = 18, scale: int = 2) -> None:
        super().__init__()
        self.impl = Numeric(precision, scale, asdecimal=True)
        self.scale = scale

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return Decimal(str(value)).quantize(Decimal(1).scaleb(-self.scale))


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        uuid.UUID: Uuid(),
        datetime: UTCDateTime(),
        Decimal: Money(),
    }


class HasId:
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id, sort_order=-10)


class Timestamps:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class TenantScoped:
    """Marks a table as tenant data: ``(tenant_id, id)`` key, filtered and stamped by tenancy."""

    __tenant_scoped__: ClassVar[bool] = True

    tenant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tenants.id", ondelete="RESTRICT"), primary_key=True, sort_order=-20
    )
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id, sort_order=-10)
