"""Jobs: execute due scheduled transfers and ask the rail about pending (timed-out) ones,
each order in its own transaction bound to its tenant."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from lastro.infra.database import Database
from lastro.kit.clock import utcnow
from lastro.kit.errors import LastroError
from lastro.modules.banking.transfers import service
from lastro.modules.banking.transfers.models import Transfer

log = logging.getLogger(__name__)


async def _targets(
    db: Database, status: str, column: Any, before: datetime
) -> list[tuple[uuid.UUID, uuid.UUID]]:
    async with db.session(readonly=True, platform=True) as session:
        rows = await session.execute(
            select(Transfer.tenant_id, Transfer.id)
            .where(Transfer.status == status, column <= before)
            .order_by(column)
            .limit(1000)
        )
        return [(r[0], r[1]) for r in rows.all()]


async def run_scheduled(db: Database, now: datetime | None = None) -> int:
    """Execute every due scheduled order; returns how many were looked at."""
    now = now or utcnow()
    targets = await _targets(db, "scheduled", Transfer.scheduled_for, now)
    for tenant_id, transfer_id in targets:
        try:
            async with db.unit_of_work(tenant_id=tenant_id) as session:
                await service.run_due(session, transfer_id, now=now)
        except LastroError:
            log.exception("scheduled transfer failed", extra={"transfer_id": str(transfer_id)})
    return len(targets)


async def poll_pending(db: Database, now: datetime | None = None) -> int:
    """Status query for orders the rail left unanswered for over a minute."""
    now = now or utcnow()
    targets = await _targets(db, "pending", Transfer.executed_at, now - timedelta(minutes=1))
    for tenant_id, transfer_id in targets:
        try:
            async with db.unit_of_work(tenant_id=tenant_id) as session:
                await service.refresh(session, transfer_id)
        except LastroError:
            log.exception(
                "pending transfer refresh failed", extra={"transfer_id": str(transfer_id)}
            )
    return len(targets)
