"""Recording and verifying the audit log.

:func:`record` queues a record on the session; the chain is extended in ``before_commit`` so
the head row is locked only while the transaction commits, and a rolled-back change leaves no
record. Hash = SHA-256 over the canonical JSON of the record and the previous hash.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from lastro.core.audit.models import PLATFORM_SCOPE, AuditChainHead, AuditRecord
from lastro.infra.database import BYPASS_KEY, bound_tenant, sync_pg_context
from lastro.kit.clock import utcnow
from lastro.kit.context import current_context
from lastro.kit.ids import new_id

GENESIS = "0" * 64
PENDING_KEY = "audit_pending"

_HASHED_FIELDS = (
    "tenant_id",
    "id",
    "seq",
    "occurred_at",
    "actor_kind",
    "actor_id",
    "actor_label",
    "action",
    "resource_type",
    "resource_id",
    "before",
    "after",
    "ip",
    "user_agent",
    "request_id",
    "prev_hash",
)


def _jsonable(value: Any) -> Any:
    """The exact JSON shape that will be stored, so hashing the stored row gives the same hash."""
    if value is None:
        return None
    return orjson.loads(orjson.dumps(value, default=str))


def record(
    session: AsyncSession | Session,
    action: str,
    resource_type: str,
    resource_id: object | None = None,
    *,
    before: Any = None,
    after: Any = None,
    tenant_id: uuid.UUID | None = None,
) -> None:
    """Queue an audit record for the current transaction (written when it commits)."""
    scope = tenant_id or bound_tenant(session)
    if scope is None:
        if not session.info.get(BYPASS_KEY):
            raise RuntimeError("audit record without a tenant outside a platform session")
        scope = PLATFORM_SCOPE
    ctx = current_context()
    row = {
        "tenant_id": scope,
        "id": new_id(),
        "occurred_at": utcnow(),
        "actor_kind": ctx.actor_kind,
        "actor_id": ctx.actor_id,
        "actor_label": ctx.actor_label,
        "action": action,
        "resource_type": resource_type,
        "resource_id": None if resource_id is None else str(resource_id),
        "before": _jsonable(before),
        "after": _jsonable(after),
        "ip": ctx.ip,
        "user_agent": (ctx.user_agent or "")[:300] or None,
        "request_id": ctx.request_id,
    }
    session.info.setdefault(PENDING_KEY, []).append(row)


def compute_hash(row: dict[str, Any]) -> str:
    payload = {name: row.get(name) for name in _HASHED_FIELDS}
    payload["tenant_id"] = str(payload["tenant_id"])
    payload["id"] = str(payload["id"])
    occurred = payload["occurred_at"]
    if isinstance(occurred, datetime):
        payload["occurred_at"] = occurred.isoformat()
    data = orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(data).hexdigest()


def _lock_head(conn: Connection, tenant_id: uuid.UUID) -> tuple[int, str]:
    stmt = select(AuditChainHead.seq, AuditChainHead.hash).where(
        AuditChainHead.tenant_id == tenant_id
    )
    if conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    row = conn.execute(stmt).first()
    if row is not None:
        return int(row[0]), str(row[1])
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        conn.execute(
            pg_insert(AuditChainHead)
            .values(tenant_id=tenant_id, seq=0, hash=GENESIS)
            .on_conflict_do_nothing()
        )
        locked = conn.execute(stmt).one()
        return int(locked[0]), str(locked[1])
    conn.execute(insert(AuditChainHead).values(tenant_id=tenant_id, seq=0, hash=GENESIS))
    return 0, GENESIS


def _seal_pending(session: Session) -> None:
    pending: list[dict[str, Any]] = session.info.pop(PENDING_KEY, [])
    if not pending:
        return
    sync_pg_context(session)  # the session may have been re-bound since its last query
    conn = session.connection()
    by_tenant: dict[uuid.UUID, list[dict[str, Any]]] = {}
    for row in pending:
        by_tenant.setdefault(row["tenant_id"], []).append(row)
    for tenant_id in sorted(by_tenant, key=str):  # fixed order: no deadlock between chains
        seq, prev = _lock_head(conn, tenant_id)
        rows = by_tenant[tenant_id]
        for row in rows:
            seq += 1
            row["seq"] = seq
            row["prev_hash"] = prev
            row["hash"] = prev = compute_hash(row)
        conn.execute(insert(AuditRecord), rows)
        conn.execute(
            update(AuditChainHead)
            .where(AuditChainHead.tenant_id == tenant_id)
            .values(seq=seq, hash=prev)
        )


def _discard_pending(session: Session, *_args: Any) -> None:
    session.info.pop(PENDING_KEY, None)


def install_audit_hooks() -> None:
    from sqlalchemy import event

    if not event.contains(Session, "before_commit", _seal_pending):
        event.listen(Session, "before_commit", _seal_pending)
        event.listen(Session, "after_soft_rollback", _discard_pending)


@dataclass
class VerifyResult:
    tenant_id: uuid.UUID
    records: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


async def _iter_chain(session: AsyncSession, tenant_id: uuid.UUID) -> AsyncIterator[AuditRecord]:
    stmt = (
        select(AuditRecord)
        .where(AuditRecord.tenant_id == tenant_id)
        .order_by(AuditRecord.seq)
        .execution_options(yield_per=1000)
    )
    result = await session.stream_scalars(stmt)
    async for rec in result:
        yield rec


async def verify_chain(session: AsyncSession, tenant_id: uuid.UUID) -> VerifyResult:
    """Walk one chain: any altered, removed, inserted or reordered record is reported."""
    result = VerifyResult(tenant_id=tenant_id)
    expected_seq, prev = 1, GENESIS
    async for rec in _iter_chain(session, tenant_id):
        result.records += 1
        if rec.seq != expected_seq:
            result.problems.append(
                f"registro {rec.id}: sequência {rec.seq}, esperada {expected_seq}"
            )
        if rec.prev_hash != prev:
            result.problems.append(f"registro seq {rec.seq}: encadeamento quebrado (prev_hash)")
        row = {name: getattr(rec, name) for name in _HASHED_FIELDS}
        if compute_hash(row) != rec.hash:
            result.problems.append(f"registro seq {rec.seq}: conteúdo alterado (hash não confere)")
        expected_seq, prev = rec.seq + 1, rec.hash
    head = await session.get(AuditChainHead, tenant_id)
    last_seq = expected_seq - 1
    if head is None:
        if result.records:
            result.problems.append("cabeça da cadeia ausente")
    elif head.seq != last_seq or head.hash != prev:
        result.problems.append(
            f"cabeça da cadeia aponta para seq {head.seq}, último registro é {last_seq}"
            " (registros removidos do fim?)"
        )
    return result
