"""A daily reminder to each tenant's admins while titular requests near or pass their deadline.

Runs as a platform job: one cross-tenant query finds the tenants with pending requests due
within :data:`WARN_BEFORE`, then each tenant is handled in its own tenant-bound transaction,
so one tenant's failure neither blocks nor leaks into another's.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from sqlalchemy import func, select

from lastro.core.lgpd.models import DataSubjectRequest
from lastro.core.notifications.api import DefaultTemplate, notify_admins, register_template
from lastro.infra.database import Database
from lastro.kit.clock import SAO_PAULO, ensure_utc, utcnow

log = logging.getLogger(__name__)

REMINDER_JOB = "core.lgpd.deadline_reminders"
REMINDER_CRON = "0 11 * * *"  # 08:00 in São Paulo
WARN_BEFORE = timedelta(days=3)
PENDING = ("open", "in_progress")

TEMPLATE = register_template(
    DefaultTemplate(
        key="lgpd.requests_due",
        subject="LGPD: {{ count }} solicitação(ões) de titulares perto do prazo",
        body=(
            "Há {{ count }} solicitação(ões) de titulares de dados pendentes com prazo até "
            "{{ next_deadline }}{% if overdue %}, das quais {{ overdue }} já em atraso{% endif %}."
            "\n\nA LGPD dá 15 dias para responder (art. 19, II). Atenda pelo painel ou pela API "
            "(GET /api/v1/lgpd/requests?overdue=true)."
        ),
        description="Solicitações de titulares (LGPD) perto do prazo ou em atraso",
        legal=True,
    )
)


async def send_deadline_reminders(db: Database, *, now: datetime | None = None) -> int:
    """Notify the admins of every tenant with requests due soon; returns how many tenants."""
    now = now or utcnow()
    horizon = now + WARN_BEFORE
    due = DataSubjectRequest.status.in_(PENDING) & (DataSubjectRequest.deadline < horizon)
    async with db.unit_of_work(platform=True) as session:
        tenants = list(
            await session.scalars(select(DataSubjectRequest.tenant_id).where(due).distinct())
        )
    reminded = 0
    for tenant_id in tenants:
        try:
            await _remind(db, tenant_id, now, horizon)
        except Exception:  # one tenant's failure must not stop the others' reminders
            log.exception("lgpd deadline reminder failed", extra={"tenant_id": str(tenant_id)})
            continue
        reminded += 1
    return reminded


async def _remind(db: Database, tenant_id: uuid.UUID, now: datetime, horizon: datetime) -> None:
    pending = DataSubjectRequest.status.in_(PENDING)
    async with db.unit_of_work(tenant_id=tenant_id) as session:
        count, first = (
            await session.execute(
                select(func.count(), func.min(DataSubjectRequest.deadline))
                .select_from(DataSubjectRequest)
                .where(pending, DataSubjectRequest.deadline < horizon)
            )
        ).one()
        overdue = await session.scalar(
            select(func.count())
            .select_from(DataSubjectRequest)
            .where(pending, DataSubjectRequest.deadline < now)
        )
        if not count:
            return
        next_deadline = ensure_utc(first).astimezone(SAO_PAULO).strftime("%d/%m/%Y %H:%M")
        await notify_admins(
            session,
            TEMPLATE.key,
            {"count": int(count), "overdue": int(overdue or 0), "next_deadline": next_deadline},
            legal=True,
        )
