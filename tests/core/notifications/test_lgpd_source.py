"""LGPD requests reach notifications: exported, ordinary messages erased, legal notices kept."""

from __future__ import annotations

import httpx
from sqlalchemy import func, select

from lastro.core.notifications import Recipient, notify
from lastro.core.notifications.models import Notification
from lastro.core.runtime import Runtime
from tests.conftest import Factory
from tests.core.lgpd.helpers import download, execute, open_request


async def test_export_and_erasure_of_notifications(
    client: httpx.AsyncClient, factory: Factory, runtime: Runtime
) -> None:
    tenant = await factory.tenant()
    async with runtime.db.unit_of_work(tenant_id=tenant.id) as session:
        person = Recipient(email="titular@exemplo.com.br", name="Titular")
        await notify(session, person, "billing.invoice_paid", {"number": "1", "amount": "R$ 1,00"})
        await notify(
            session,
            person,
            "billing.invoice_paid",
            {"number": "2", "amount": "R$ 2,00"},
            legal=True,
        )
        await notify(session, Recipient(email="outra@exemplo.com.br"), "billing.invoice_paid", {})

    access = await open_request(
        client, tenant.headers, kind="access", email="titular@exemplo.com.br"
    )
    await execute(client, tenant.headers, access["id"])
    files = await download(client, tenant.headers, access["id"])
    exported = next(v for k, v in files.items() if k.startswith("notifications"))
    records = exported["records"] if isinstance(exported, dict) else exported
    assert len(records) == 2

    erasure = await open_request(
        client, tenant.headers, kind="erasure", email="titular@exemplo.com.br"
    )
    await execute(client, tenant.headers, erasure["id"])
    async with runtime.db.session(tenant_id=tenant.id, readonly=True) as session:
        left = (
            await session.execute(
                select(Notification.recipient_email, Notification.legal).order_by(
                    Notification.created_at
                )
            )
        ).all()
        total = await session.scalar(select(func.count()).select_from(Notification))
    assert total == 2
    assert [tuple(r) for r in left] == [
        ("titular@exemplo.com.br", True),  # the legal notice is kept as proof
        ("outra@exemplo.com.br", False),  # someone else's message is untouched
    ]
