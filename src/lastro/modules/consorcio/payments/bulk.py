"""Set-based writes for large batches: one statement per chunk of rows (on PostgreSQL a whole
retorno of 100,000 lines is one statement per table: a join of the array with the table
scans the table once, however many rows it updates).

On PostgreSQL rows travel by binary ``COPY`` into a temporary staging table (``ON COMMIT
DROP``; PostgreSQL refuses ``COPY FROM`` into tables with row-level security, so the real
table is then written by one ``INSERT … SELECT`` / ``UPDATE … FROM`` that row-level security
checks). COPY encodes each value with its codec and nothing else, where arrays passed to
``unnest`` cost an abstract-base-class check per element (a third of a 100,000-line import).
Where the role may not create temporary tables, one array per column through ``unnest``.
All in the caller's transaction on its connection; the statements name the bound tenant.
Elsewhere (SQLite) they go through the ORM's executemany, where the tenancy guard stamps and
filters them.
"""

from __future__ import annotations

import itertools
import uuid
import weakref
from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy import JSON, Boolean, Date, Integer, Table, Uuid, bindparam, func, update
from sqlalchemy import insert as sa_insert
from sqlalchemy.ext.asyncio import AsyncSession

from lastro.infra.database import bound_tenant
from lastro.kit.orm import Money, UTCDateTime

CHUNK = 100_000
_STAGES = itertools.count(1)
_CAN_STAGE: weakref.WeakKeyDictionary[Any, bool] = weakref.WeakKeyDictionary()


def _pg_type(table: Table, name: str) -> str:
    if name == "tenant_id":
        return "uuid"
    t = table.c[name].type
    if isinstance(t, Uuid):
        return "uuid"
    if isinstance(t, Money):
        return "numeric"
    if isinstance(t, UTCDateTime):
        return "timestamptz"
    if isinstance(t, Date):
        return "date"
    if isinstance(t, Boolean):
        return "bool"
    if isinstance(t, Integer):
        return "int8"
    if isinstance(t, JSON):
        return "json"
    return "text"


def _wire(pg_type: str) -> str:
    """How a column travels: JSON and numeric as text (asyncpg's Decimal encoder costs more
    than ``str`` plus a server-side cast), the rest natively."""
    return "text" if pg_type in ("json", "numeric") else pg_type


def _json(value: Any) -> str | None:
    return None if value is None else orjson.dumps(value, default=str).decode()


async def _driver(session: AsyncSession) -> Any:
    conn = await session.connection()
    raw = await conn.get_raw_connection()
    return raw.driver_connection


def _is_pg(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _tenant(session: AsyncSession) -> uuid.UUID:
    tenant_id = bound_tenant(session)
    if tenant_id is None:  # pragma: no cover - the guard would have refused earlier
        raise RuntimeError("bulk writes need a tenant-bound session")
    return tenant_id


async def insert_rows(
    session: AsyncSession, model: type[Any], rows: Sequence[dict[str, Any]]
) -> None:
    """Insert ``rows`` of ``model``'s table (dicts with the same keys, no ``tenant_id``)."""
    table: Table = model.__table__
    if not rows:
        return
    names = list(rows[0])
    tenant_id = _tenant(session)
    if not _is_pg(session):
        for i in range(0, len(rows), CHUNK):
            chunk = [{**r, "tenant_id": tenant_id} for r in rows[i : i + CHUNK]]
            await session.execute(sa_insert(table), chunk)
        return
    types = [_pg_type(table, n) for n in names]
    conn = await _driver(session)
    if await _can_stage(conn):
        select = ", ".join(_cast(n, t) for n, t in zip(names, types, strict=True))
        for i in range(0, len(rows), CHUNK):
            stage = await _stage(conn, names, types, rows[i : i + CHUNK])
            await conn.execute(
                f"INSERT INTO {table.name} (tenant_id, {', '.join(names)}) "  # noqa: S608
                f"SELECT $1::uuid, {select} FROM {stage} u",
                tenant_id,
            )
            await conn.execute(f"DROP TABLE {stage}")
        return
    args = ", ".join(f"${i + 2}::{'text' if t == 'json' else t}[]" for i, t in enumerate(types))
    select = ", ".join(
        f"u.{n}::json" if t == "json" else f"u.{n}" for n, t in zip(names, types, strict=True)
    )
    sql = (
        f"INSERT INTO {table.name} (tenant_id, {', '.join(names)}) "  # noqa: S608 - own names
        f"SELECT $1::uuid, {select} FROM unnest({args}) AS u({', '.join(names)})"
    )
    for i in range(0, len(rows), CHUNK):
        part = rows[i : i + CHUNK]
        await conn.execute(sql, tenant_id, *_columns(names, types, part))


def _columns(
    names: Sequence[str], types: Sequence[str], rows: Sequence[dict[str, Any]]
) -> list[list[Any]]:
    """One list per column, JSON and numeric as text (see :func:`_wire`)."""
    columns = []
    for n, t in zip(names, types, strict=True):
        values = [r[n] for r in rows]
        if t == "json":
            values = [_json(v) for v in values]
        elif t == "numeric":
            values = [None if v is None else str(v) for v in values]
        columns.append(values)
    return columns


def _cast(name: str, pg_type: str) -> str:
    return f"u.{name}::{pg_type}" if _wire(pg_type) != pg_type else f"u.{name}"


async def _can_stage(conn: Any) -> bool:
    """Whether the role may create temporary tables (asked once per connection)."""
    found = _CAN_STAGE.get(conn)
    if found is None:
        found = bool(
            await conn.fetchval("SELECT has_database_privilege(current_database(), 'TEMP')")
        )
        _CAN_STAGE[conn] = found
    return found


async def _stage(
    conn: Any, names: Sequence[str], types: Sequence[str], rows: Sequence[dict[str, Any]]
) -> str:
    """A temporary table holding ``rows`` (binary COPY), dropped at commit at the latest."""
    name = f"lastro_stage_{next(_STAGES)}"
    cols = ", ".join(f"{n} {_wire(t)}" for n, t in zip(names, types, strict=True))
    await conn.execute(f"CREATE TEMP TABLE {name} ({cols}) ON COMMIT DROP")
    columns = _columns(names, types, rows)
    await conn.copy_records_to_table(name, records=zip(*columns, strict=True), columns=names)
    return name


async def update_rows(
    session: AsyncSession,
    model: type[Any],
    key: str,
    rows: Sequence[dict[str, Any]],
    *,
    constants: dict[str, Any] | None = None,
    coalesce: Sequence[str] = (),
) -> None:
    """Update each row found by ``key`` with its values; ``constants`` are the same for every
    row; columns in ``coalesce`` keep their current value when already set."""
    table: Table = model.__table__
    if not rows:
        return
    constants = constants or {}
    names = [n for n in rows[0] if n != key]
    if not _is_pg(session):
        column = table.c[key]
        values: dict[str, Any] = {n: bindparam(f"v_{n}") for n in names}
        for n, v in constants.items():
            values[n] = func.coalesce(table.c[n], v) if n in coalesce else v
        stmt = (
            update(table)
            .where(column == bindparam("k_key"))
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        params: list[dict[str, Any]] = [
            {"k_key": r[key], **{f"v_{n}": r[n] for n in names}} for r in rows
        ]
        conn = await session.connection()
        for i in range(0, len(params), CHUNK):
            await conn.execute(stmt, params[i : i + CHUNK])
        return
    tenant_id = _tenant(session)
    all_names = [key, *names]
    types = [_pg_type(table, n) for n in all_names]
    args = ", ".join(f"${i + 2}::{_wire(t)}[]" for i, t in enumerate(types))
    consts = list(constants)
    cast = {n: (f"::{t}" if _wire(t) != t else "") for n, t in zip(all_names, types, strict=True)}
    sets = [
        f"{n} = COALESCE(t.{n}, u.{n}{cast[n]})" if n in coalesce else f"{n} = u.{n}{cast[n]}"
        for n in names
    ] + [
        f"{n} = COALESCE(t.{n}, ${len(all_names) + 2 + j}::{_pg_type(table, n)})"
        if n in coalesce
        else f"{n} = ${len(all_names) + 2 + j}::{_pg_type(table, n)}"
        for j, n in enumerate(consts)
    ]
    conn = await _driver(session)
    if await _can_stage(conn):
        staged = [
            f"{n} = COALESCE(t.{n}, {_cast(n, t)})" if n in coalesce else f"{n} = {_cast(n, t)}"
            for n, t in zip(names, types[1:], strict=True)
        ] + [
            f"{n} = COALESCE(t.{n}, ${2 + j}::{_pg_type(table, n)})"
            if n in coalesce
            else f"{n} = ${2 + j}::{_pg_type(table, n)}"
            for j, n in enumerate(consts)
        ]
        for i in range(0, len(rows), CHUNK):
            stage = await _stage(conn, all_names, types, rows[i : i + CHUNK])
            # a join: the planner needs the staged table's size and key distribution
            await conn.execute(f"ANALYZE {stage}")
            await conn.execute(
                f"UPDATE {table.name} AS t SET {', '.join(staged)} "  # noqa: S608 - own names
                f"FROM {stage} u WHERE t.tenant_id = $1::uuid "
                f"AND t.{key} = {_cast(key, types[0])}",
                tenant_id,
                *(constants[n] for n in consts),
            )
            await conn.execute(f"DROP TABLE {stage}")
        return
    sql = (
        f"UPDATE {table.name} AS t SET {', '.join(sets)} "  # noqa: S608 - own names
        f"FROM unnest({args}) AS u({', '.join(all_names)}) "
        f"WHERE t.tenant_id = $1::uuid AND t.{key} = u.{key}{cast[key]}"
    )
    for i in range(0, len(rows), CHUNK):
        chunk = rows[i : i + CHUNK]
        await conn.execute(
            sql, tenant_id, *_columns(all_names, types, chunk), *(constants[n] for n in consts)
        )


def is_pg(session: AsyncSession) -> bool:
    return _is_pg(session)


async def fetch(session: AsyncSession, sql: str, *args: Any) -> list[Any]:
    """Rows of a PostgreSQL query run on the session's connection; ``$1`` is the bound
    tenant (every query filters on it; row-level security checks it again)."""
    conn = await _driver(session)
    rows: list[Any] = await conn.fetch(sql, _tenant(session), *args)
    return rows
