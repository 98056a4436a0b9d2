"""The whole path in the background, as in the embedded default: commit → outbox → handler →
job → delivered, with no test code calling the deliverer."""

from __future__ import annotations

import asyncio
import uuid

from lastro.core.notifications import Recipient, notify
from lastro.core.notifications.models import SENT
from lastro.core.runtime import Runtime
from lastro.main import start_background
from tests.conftest import Factory
from tests.core.notifications.helpers import INVOICE, deliveries


async def _until_sent(runtime: Runtime, tenant_id: uuid.UUID, nid: uuid.UUID) -> dict[str, str]:
    while True:
        rows = {c: d.status for c, d in (await deliveries(runtime, tenant_id, nid)).items()}
        if all(s == SENT for s in rows.values()):
            return rows
        await asyncio.sleep(0.05)


async def test_notify_is_delivered_after_commit_by_the_background_job(
    runtime: Runtime, factory: Factory
) -> None:
    tenant = await factory.tenant()
    user = await factory.user(tenant.id, email="fundo@t.example")
    await start_background(runtime, consumers=True)
    await runtime.jobs.run_worker()
    async with runtime.db.unit_of_work(tenant_id=tenant.id) as session:
        nid = await notify(
            session,
            Recipient(user_id=user, phone="11987654321"),
            INVOICE.key,
            {"nome": "F"},
            ["in_app", "email", "sms"],
        )
    rows = await asyncio.wait_for(_until_sent(runtime, tenant.id, nid), 60)
    assert rows == {"in_app": SENT, "email": SENT, "sms": SENT}
