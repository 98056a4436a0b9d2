"""The daily reminder reaches the admins of tenants whose requests are due or overdue."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
from sqlalchemy import select, update

from lastro.core.lgpd.models import DataSubjectRequest
from lastro.core.lgpd.reminders import REMINDER_JOB, TEMPLATE, send_deadline_reminders
from lastro.core.notifications.models import Notification
from lastro.core.runtime import Runtime
from lastro.kit.clock import utcnow
from tests.conftest import Factory
from tests.core.lgpd.helpers import CPF, open_request


async def _move_deadline(
    runtime: Runtime, tenant_id: uuid.UUID, request_id: str, days: int
) -> None:
    deadline = utcnow() + timedelta(days=days)
    async with runtime.db.unit_of_work(tenant_id=tenant_id) as session:
        await session.execute(
            update(DataSubjectRequest)
            .where(DataSubjectRequest.id == uuid.UUID(request_id))
            .values(opened_at=deadline - timedelta(days=15), deadline=deadline)
        )


async def _reminders(runtime: Runtime, tenant_id: uuid.UUID) -> list[Notification]:
    async with runtime.db.unit_of_work(tenant_id=tenant_id) as session:
        rows = await session.scalars(
            select(Notification).where(Notification.template_key == TEMPLATE.key)
        )
        return list(rows)


async def test_admins_are_reminded_of_requests_near_their_deadline(
    client: httpx.AsyncClient, factory: Factory, runtime: Runtime
) -> None:
    assert REMINDER_JOB in {s.name for s in runtime.core_schedules}
    a = await factory.tenant()
    b = await factory.tenant()
    soon = await open_request(client, a.headers, kind="access", cpf=CPF)
    late = await open_request(client, a.headers, kind="erasure", cpf=CPF)
    await open_request(client, a.headers, kind="access", email="x@exemplo.com")  # 15 days left
    await _move_deadline(runtime, a.id, soon["id"], 2)
    await _move_deadline(runtime, a.id, late["id"], -1)
    await open_request(client, b.headers, kind="access", cpf=CPF)  # B has time

    assert await send_deadline_reminders(runtime.db) == 1
    sent = await _reminders(runtime, a.id)
    assert len(sent) == 1 and sent[0].legal is True
    assert sent[0].recipient_email == a.admin_email
    assert "2 solicitação(ões)" in sent[0].subject
    assert "1 já em atraso" in sent[0].body
    assert await _reminders(runtime, b.id) == []
