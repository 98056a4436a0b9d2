"""Bulk inserts for the billing run: on PostgreSQL one ``INSERT ... SELECT FROM unnest(...)``
per call, each column sent as one typed array (a single statement for thousands of rows), in
the caller's transaction; elsewhere the ORM's bulk insert.

The driver path skips the ORM's per-row work (the run writes hundreds of thousands of rows),
so it stamps ``tenant_id`` itself from the session's bound tenant and refuses rows of another
tenant; row-level security still checks every row on PostgreSQL (``WITH CHECK``).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Date, Integer, Numeric, String, Text, Uuid, insert
from sqlalchemy.ext.asyncio import AsyncSession

from lastro.core.tenancy.guard import CrossTenantWrite, TenancyNotBound
from lastro.infra.database import bound_tenant

_MISSING = object()


def _pg_type(column: Any) -> str:
    """The array element type a column travels as (JSON goes as text and is cast)."""
    kind = column.type
    impl = getattr(kind, "impl", kind)
    for sa_type, name in (
        (JSON, "text"),
        (Uuid, "uuid"),
        (BigInteger, "int8"),
        (Integer, "int4"),
        (Boolean, "bool"),
        (Numeric, "numeric"),
        (Date, "date"),
        (String, "text"),
        (Text, "text"),
    ):
        if isinstance(kind, sa_type) or isinstance(impl, sa_type):
            return name
    if getattr(impl, "timezone", False):
        return "timestamptz"
    raise TypeError(f"no bulk type for column {column.name} ({kind!r})")


def _default(column: Any) -> Any:
    default = column.default
    if default is None:
        return None
    if default.is_callable:
        return default.arg(None)
    return default.arg


def _encode_json(value: Any) -> Any:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, default=str, separators=(",", ":"))


async def bulk_insert(
    session: AsyncSession, model: type[Any], rows: Sequence[dict[str, Any]]
) -> None:
    """Insert ``rows`` (attribute dicts) of ``model`` in the session's transaction."""
    if not rows:
        return
    tenant_id = bound_tenant(session)
    if not isinstance(tenant_id, uuid.UUID):
        raise TenancyNotBound("Nenhum cliente vinculado à sessão para gravar dados de cliente.")
    connection = await session.connection()
    if connection.dialect.name != "postgresql":
        await session.execute(insert(model), list(rows))
        return
    table = model.__table__
    columns = list(table.columns)
    names = [c.name for c in columns]
    json_columns = {c.name for c in columns if isinstance(c.type, JSON)}
    defaults = {c.name: c for c in columns}
    values: list[list[Any]] = [[] for _ in names]
    for row in rows:
        given = row.get("tenant_id", tenant_id)
        if given != tenant_id:
            raise CrossTenantWrite("Tentativa de gravar dados de outro cliente.")
        for i, name in enumerate(names):
            if name == "tenant_id":
                values[i].append(tenant_id)
                continue
            value = row.get(name, _MISSING)
            if value is _MISSING:
                value = _default(defaults[name])
            if name in json_columns:
                value = _encode_json(value)
            values[i].append(value)
    types = [_pg_type(c) for c in columns]
    arrays = ", ".join(f"${i}::{t}[]" for i, t in enumerate(types, 1))
    select_list = ", ".join(f"{name}::json" if name in json_columns else name for name in names)
    sql = (
        f"INSERT INTO {table.name} ({', '.join(names)}) "  # noqa: S608 - names from the model
        f"SELECT {select_list} FROM unnest({arrays}) AS t({', '.join(names)})"
    )
    raw = await connection.get_raw_connection()
    driver = raw.driver_connection
    assert driver is not None
    await driver.execute(sql, *values)
