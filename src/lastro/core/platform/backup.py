"""Tenant backup, restore and erasure.

An export is a zip with ``manifest.json`` (format, tenant, per-table row counts and SHA-256) and
one ``tables/<name>.jsonl`` per table, rows ordered by primary key and values in a typed,
backend-neutral JSON form — so an export restores into SQLite or PostgreSQL alike, and
export → import → export yields the same table files. Import checks every checksum before
writing anything and then inserts everything in one transaction.
"""

from __future__ import annotations

import base64
import hashlib
import io
import uuid
import zipfile
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Table, delete, insert, inspect, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from lastro.core.audit.service import record as audit
from lastro.core.platform.models import Tenant
from lastro.core.platform.service import domain_cache, tenant_cache
from lastro.infra.database import Database
from lastro.kit.clock import utcnow
from lastro.kit.errors import Conflict, NotFound, ValidationFailed
from lastro.kit.orm import Base

FORMAT = "lastro-tenant-export/1"
# Security and delivery state that must not travel: sessions, idempotency replies, outbox.
EXCLUDED = frozenset({"refresh_tokens", "idempotency_keys", "outbox_events", "processed_events"})
# What the law requires to keep after erasure (fiscal records); present once invoices exist.
RETAINED_ON_DELETE = frozenset({"invoices", "invoice_lines", "invoice_payments"})


# Global rows a tenant's rows point to (its plan), exported along and matched by natural key
# on import, since another installation has other ids for the same plan.
REFERENCED = {"plans": "code"}
metadata = Base.metadata  # complete once lastro.models is imported (the CLI does it)


class CorruptArchive(ValidationFailed):
    code = "CORRUPT_ARCHIVE"
    title = "Arquivo de exportação inválido ou corrompido"


def tenant_tables(existing: set[str] | None = None) -> list[Table]:
    """Every table holding one tenant's rows, parents before children (only those that exist
    in this database when ``existing`` is given: a module may not be installed here)."""
    return [
        t
        for t in metadata.sorted_tables
        if "tenant_id" in t.c
        and t.name not in EXCLUDED
        and (existing is None or t.name in existing)
    ]


async def _existing_tables(session: AsyncSession) -> set[str]:
    conn = await session.connection()
    return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))


def _encode(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return {"$uuid": str(value)}
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, Decimal):
        return {"$dec": str(value)}
    if isinstance(value, bytes):
        return {"$b64": base64.b64encode(value).decode()}
    return value


_DECODERS: dict[str, Callable[[str], Any]] = {
    "$uuid": uuid.UUID,
    "$dt": datetime.fromisoformat,
    "$date": date.fromisoformat,
    "$dec": Decimal,
    "$b64": base64.b64decode,
}


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        ((key, raw),) = value.items()
        decoder = _DECODERS.get(key)
        if decoder is not None:
            return decoder(raw)
    return value


async def _rows(session: AsyncSession, table: Table, tenant_id: uuid.UUID) -> list[bytes]:
    pk = list(table.primary_key.columns) or list(table.c)
    column = table.c.id if table.name == "tenants" else table.c.tenant_id
    result = await session.execute(select(table).where(column == tenant_id).order_by(*pk))
    return [
        orjson.dumps({k: _encode(v) for k, v in row._mapping.items()}, option=orjson.OPT_SORT_KEYS)
        for row in result
    ]


async def export_tenant(
    db: Database, slug: str, path: Path, progress: Callable[[str, int], None] | None = None
) -> dict[str, Any]:
    async with db.unit_of_work(platform=True) as session:
        tenant = await session.scalar(select(Tenant).where(Tenant.slug == slug))
        if tenant is None:
            raise NotFound(f"Cliente '{slug}' não encontrado.", code="TENANT_NOT_FOUND")
        tables: dict[str, dict[str, Any]] = {}
        files: dict[str, bytes] = {}
        present = tenant_tables(await _existing_tables(session))
        for name in REFERENCED:
            table = metadata.tables[name]
            ids: set[Any] = set()
            for child in present:
                for fk in child.foreign_keys:
                    if fk.column.table is table:
                        ids.update(
                            (
                                await session.scalars(
                                    select(fk.parent).where(child.c.tenant_id == tenant.id)
                                )
                            ).all()
                        )
            result = await session.execute(
                select(table).where(table.c.id.in_(ids)).order_by(table.c.id)
            )
            lines = [
                orjson.dumps(
                    {k: _encode(v) for k, v in r._mapping.items()}, option=orjson.OPT_SORT_KEYS
                )
                for r in result
            ]
            data = b"".join(line + b"\n" for line in lines)
            files[f"tables/{name}.jsonl"] = data
            tables[name] = {"rows": len(lines), "sha256": hashlib.sha256(data).hexdigest()}
        for table in [metadata.tables["tenants"], *present]:
            lines = await _rows(session, table, tenant.id)
            data = b"".join(line + b"\n" for line in lines)
            files[f"tables/{table.name}.jsonl"] = data
            tables[str(table.name)] = {
                "rows": len(lines),
                "sha256": hashlib.sha256(data).hexdigest(),
            }
            if progress:
                progress(table.name, len(lines))
        manifest = {
            "format": FORMAT,
            "tenant": {"id": str(tenant.id), "slug": tenant.slug},
            "exported_at": utcnow().isoformat(),
            "tables": tables,
        }
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", orjson.dumps(manifest, option=orjson.OPT_INDENT_2))
        for name, data in files.items():
            archive.writestr(name, data)
    return manifest


def read_archive(path: Path) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    """Open and verify an export; any doubt about its integrity refuses it whole."""
    try:
        with zipfile.ZipFile(path) as archive:
            manifest = orjson.loads(archive.read("manifest.json"))
            if manifest.get("format") != FORMAT:
                raise CorruptArchive(f"Formato desconhecido: {manifest.get('format')!r}.")
            content: dict[str, list[dict[str, Any]]] = {}
            for name, meta in manifest["tables"].items():
                data = archive.read(f"tables/{name}.jsonl")
                if hashlib.sha256(data).hexdigest() != meta["sha256"]:
                    raise CorruptArchive(f"Checksum não confere na tabela '{name}'.")
                rows = [orjson.loads(line) for line in data.splitlines() if line]
                if len(rows) != meta["rows"]:
                    raise CorruptArchive(f"Número de linhas não confere na tabela '{name}'.")
                content[name] = rows
    except (
        zipfile.BadZipFile,
        KeyError,
        orjson.JSONDecodeError,
        io.UnsupportedOperation,
        TypeError,
        AttributeError,
    ) as exc:
        raise CorruptArchive(f"Arquivo ilegível: {exc}.") from exc
    return manifest, content


async def import_tenant(db: Database, path: Path) -> dict[str, Any]:
    manifest, content = read_archive(path)
    unknown = [name for name in content if name not in metadata.tables]
    # global reference rows are handled apart from the tenant's own
    if unknown:
        raise CorruptArchive(f"Tabelas desconhecidas nesta instalação: {', '.join(unknown)}.")
    tenant_rows = content.get("tenants") or []
    if len(tenant_rows) != 1:
        raise CorruptArchive("O arquivo deve conter exatamente um cliente.")
    tenant_id = _decode(tenant_rows[0]["id"])
    slug = tenant_rows[0]["slug"]
    async with db.unit_of_work(platform=True) as session:
        clashes = (
            await session.execute(
                select(Tenant.id, Tenant.status).where(
                    (Tenant.id == tenant_id) | (Tenant.slug == slug)
                )
            )
        ).all()
        # restoring an erased tenant revives its tombstone (kept for retained records)
        tombstone = [c for c in clashes if c.id == tenant_id and c.status == "deleted"]
        if len(clashes) != len(tombstone):
            raise Conflict(f"O cliente '{slug}' já existe nesta instalação.", code="TENANT_EXISTS")
        remap = await _match_references(session, content)
        if tombstone:
            tenants_table = metadata.tables["tenants"]
            revived = {k: _decode(v) for k, v in tenant_rows[0].items() if k in tenants_table.c}
            await session.execute(
                update(tenants_table).where(tenants_table.c.id == tenant_id).values(**revived)
            )
        present = tenant_tables(await _existing_tables(session))
        missing = [
            n
            for n, rows in content.items()
            if rows
            and n not in REFERENCED
            and n != "tenants"
            and n not in {t.name for t in present}
        ]
        if missing:
            raise CorruptArchive(
                f"Esta instalação não tem as tabelas: {', '.join(sorted(missing))}."
            )
        for table in [metadata.tables["tenants"], *present]:
            rows = content.get(table.name) or []
            if not rows or (tombstone and table.name == "tenants"):
                continue
            decoded = [{k: _decode(v) for k, v in row.items() if k in table.c} for row in rows]
            if tombstone and table.name in RETAINED_ON_DELETE:
                # kept through the erasure: restore only what is not there already
                kept = set(
                    (
                        await session.scalars(
                            select(table.c.id).where(table.c.tenant_id == tenant_id)
                        )
                    ).all()
                )
                decoded = [row for row in decoded if row["id"] not in kept]
                if not decoded:
                    continue
            for fk in table.foreign_keys:
                mapping = remap.get(fk.column.table.name)
                if mapping:
                    for row in decoded:
                        row[fk.parent.name] = mapping.get(row[fk.parent.name], row[fk.parent.name])
            for start in range(0, len(decoded), 1000):
                await session.execute(insert(table), decoded[start : start + 1000])
        audit(
            session,
            "tenant.imported",
            "tenant",
            tenant_id,
            after={"slug": slug, "exported_at": manifest.get("exported_at")},
        )
    tenant_cache.forget(slug)
    return manifest


async def _match_references(
    session: AsyncSession, content: dict[str, list[dict[str, Any]]]
) -> dict[str, dict[Any, Any]]:
    """Insert the global rows this installation lacks; map those it has under another id."""
    remap: dict[str, dict[Any, Any]] = {}
    for name, natural_key in REFERENCED.items():
        table = metadata.tables[name]
        remap[name] = {}
        for raw in content.get(name) or []:
            row = {k: _decode(v) for k, v in raw.items() if k in table.c}
            existing = await session.scalar(
                select(table.c.id).where(table.c[natural_key] == row[natural_key])
            )
            if existing is None:
                await session.execute(insert(table).values(**row))
            elif existing != row["id"]:
                remap[name][row["id"]] = existing
    return remap


async def delete_tenant(db: Database, slug: str) -> dict[str, int]:
    """Erase a tenant (LGPD): every row goes except what the law requires to keep; the tenant
    row stays as an anonymised tombstone so retained records keep their reference."""
    removed: dict[str, int] = {}
    async with db.unit_of_work(platform=True) as session:
        tenant = await session.scalar(select(Tenant).where(Tenant.slug == slug))
        if tenant is None:
            raise NotFound(f"Cliente '{slug}' não encontrado.", code="TENANT_NOT_FOUND")
        for table in reversed(tenant_tables(await _existing_tables(session))):
            if table.name in RETAINED_ON_DELETE or table.name not in metadata.tables:
                continue
            result = await session.execute(delete(table).where(table.c.tenant_id == tenant.id))
            removed[str(table.name)] = int(result.rowcount or 0)  # type: ignore[attr-defined]
        for name in EXCLUDED:
            table = metadata.tables.get(name)
            if table is not None and "tenant_id" in table.c:
                await session.execute(delete(table).where(table.c.tenant_id == tenant.id))
        if tenant.custom_domain:
            domain_cache.forget(tenant.custom_domain)
        await session.execute(
            update(Tenant)
            .where(Tenant.id == tenant.id)
            .values(
                slug=f"excluido-{tenant.id.hex[:12]}",
                name="[cliente excluído]",
                status="deleted",
                document=None,
                branding={},
                enabled_modules=[],
                custom_domain=None,
                updated_at=utcnow(),
            )
        )
        audit(
            session, "tenant.deleted", "tenant", tenant.id, after={"slug": slug, "removed": removed}
        )
    tenant_cache.forget(slug)
    return removed
