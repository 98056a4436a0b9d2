"""The daily formation-window check: groups not constituted in time owe refunds."""

from __future__ import annotations

import logging
from datetime import date

from sqlalchemy import select

from lastro.infra.database import Database
from lastro.kit.clock import today_sp
from lastro.modules.consorcio.groups.models import Group
from lastro.modules.consorcio.groups.service import expire_formation

log = logging.getLogger(__name__)


async def check_formations(db: Database, *, today: date | None = None) -> int:
    """Every tenant's overdue groups in formation, each in its own tenant-bound transaction
    (a failure in one leaves the others done). Returns how many groups were flagged."""
    today = today or today_sp()
    async with db.session(platform=True, readonly=True) as session:
        found = (
            await session.execute(
                select(Group.tenant_id, Group.id).where(
                    Group.status == "em_formacao",
                    Group.formation_expired_on.is_(None),
                    Group.formation_deadline < today,
                )
            )
        ).all()
    flagged = 0
    for tenant_id, group_id in found:
        try:
            async with db.unit_of_work(tenant_id=tenant_id) as session:
                group = await session.scalar(
                    select(Group).where(Group.id == group_id).with_for_update()
                )
                if group is not None and await expire_formation(session, group, today):
                    flagged += 1
        except Exception:
            log.exception("formation check failed", extra={"group_id": str(group_id)})
    return flagged
