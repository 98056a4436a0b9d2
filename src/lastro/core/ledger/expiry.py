"""Releasing holds whose timeout passed (to be scheduled as a platform job).

A hold past its ``expires_at`` already refuses to be posted; this job returns its reservation
to the accounts by writing an ``expire_pending`` entry. It races safely with a late settlement:
both take the hold's derived key, so exactly one of them resolves it.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.orm import aliased

from lastro.core.ledger.models import LedgerEntry
from lastro.core.ledger.runner import Ledger
from lastro.core.ledger.types import EntryKind
from lastro.infra.database import Database
from lastro.kit.clock import utcnow


async def overdue_holds(
    db: Database, now: datetime, *, limit: int
) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """(tenant, hold) pairs past their deadline and not yet resolved, oldest first."""
    resolution = aliased(LedgerEntry)
    stmt = (
        select(LedgerEntry.tenant_id, LedgerEntry.id)
        .where(
            LedgerEntry.expires_at.is_not(None),
            LedgerEntry.expires_at <= now,
            LedgerEntry.kind == EntryKind.PENDING.value,
            ~exists().where(
                resolution.tenant_id == LedgerEntry.tenant_id,
                resolution.pending_id == LedgerEntry.id,
            ),
        )
        .order_by(LedgerEntry.expires_at)
        .limit(limit)
    )
    async with db.session(platform=True, readonly=True) as session:
        return [(r[0], r[1]) for r in await session.execute(stmt)]


async def expire_pending(db: Database, now: datetime | None = None, *, chunk: int = 1000) -> int:
    """Void every overdue hold across tenants; returns how many this call released."""
    now = now or utcnow()
    released = 0
    attempted: set[uuid.UUID] = set()
    while True:
        due = [(t, h) for t, h in await overdue_holds(db, now, limit=chunk) if h not in attempted]
        if not due:
            return released
        by_tenant: dict[uuid.UUID, list[uuid.UUID]] = {}
        for tenant_id, hold_id in due:
            by_tenant.setdefault(tenant_id, []).append(hold_id)
            attempted.add(hold_id)
        for tenant_id, holds in by_tenant.items():
            result = await Ledger(db, tenant_id).expire(holds, now)
            released += result.created
