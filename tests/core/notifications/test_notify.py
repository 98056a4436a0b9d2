"""``notify``: written in the caller's transaction, rendered from the tenant's active template
version, channels decided by preferences (legal notices ignore opt-outs), sent after commit."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from lastro.core.notifications import Recipient, notify, notify_admins
from lastro.core.notifications.events import NotificationQueued
from lastro.core.notifications.models import CANCELLED, QUEUED, SENT, Notification
from lastro.core.runtime import Runtime
from lastro.infra.outbox import OutboxEvent
from lastro.kit.clock import utcnow
from tests.conftest import Factory, login
from tests.core.notifications.helpers import INVOICE, LEGAL, deliverer, deliveries, notification

DATA = {"nome": "Ana", "valor": Decimal("99.9"), "vencimento": "2026-12-05"}


async def _send(
    runtime: Runtime,
    tenant_id: uuid.UUID,
    recipient: Recipient,
    *,
    template: str = INVOICE.key,
    data: Mapping[str, Any] = DATA,
    channels: list[str] | None = None,
    legal: bool = False,
    send_at: datetime | None = None,
) -> uuid.UUID:
    async with runtime.db.unit_of_work(tenant_id=tenant_id) as session:
        return await notify(
            session, recipient, template, data, channels, legal=legal, send_at=send_at
        )


async def test_notify_records_in_the_callers_transaction_and_queues_after_commit(
    runtime: Runtime, factory: Factory
) -> None:
    tenant = await factory.tenant()
    user = await factory.user(tenant.id, email="ana@cliente.example")
    nid = await _send(runtime, tenant.id, Recipient(user_id=user, phone="(11) 98765-4321"))
    n = await notification(runtime, tenant.id, nid)
    assert n.subject == "Fatura de R$ 99,90 vence em 2026-12-05"
    assert n.recipient_email == "ana@cliente.example" and n.recipient_phone == "+5511987654321"
    assert n.data["valor"] == "99.9" and n.template_version == 0 and n.category == "testbilling"
    rows = await deliveries(runtime, tenant.id, nid)
    # no channels named: the quiet defaults (e-mail and in-app); SMS/WhatsApp only if chosen
    assert {c: d.status for c, d in rows.items()} == {"email": QUEUED, "in_app": QUEUED}
    async with runtime.db.unit_of_work(platform=True) as session:
        events = (
            await session.scalars(
                select(OutboxEvent).where(OutboxEvent.topic == NotificationQueued.topic)
            )
        ).all()
    assert [e.payload["notification_id"] for e in events] == [str(nid)]

    with pytest.raises(RuntimeError):
        async with runtime.db.unit_of_work(tenant_id=tenant.id) as session:
            await notify(session, Recipient(user_id=user), INVOICE.key, DATA)
            raise RuntimeError("the caller's change failed")
    async with runtime.db.unit_of_work(tenant_id=tenant.id) as session:
        assert await session.scalar(select(func.count()).select_from(Notification)) == 1


async def test_mistakes_fail_in_the_caller(runtime: Runtime, factory: Factory) -> None:
    tenant = await factory.tenant()
    async with runtime.db.unit_of_work(tenant_id=tenant.id) as session:
        with pytest.raises(ValueError, match="unknown notification template"):
            await notify(session, Recipient(email="a@b.example"), "nao.existe", {})
        with pytest.raises(ValueError, match="channels"):
            await notify(session, Recipient(email="a@b.example"), INVOICE.key, {}, ["pombo"])
        with pytest.raises(ValueError, match="not a user"):
            await notify(session, Recipient(user_id=uuid.uuid4()), INVOICE.key, {})
    async with runtime.db.unit_of_work(platform=True) as session:
        with pytest.raises(RuntimeError, match="bound"):
            await notify(session, Recipient(email="a@b.example"), INVOICE.key, {})


async def test_opt_out_is_honoured_except_for_legal_notices(
    runtime: Runtime, factory: Factory, client: httpx.AsyncClient
) -> None:
    tenant = await factory.tenant()
    user = await factory.user(tenant.id, email="bia@cliente.example")
    token = (await login(client, "bia@cliente.example", tenant=tenant.slug))["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    r = await client.put(
        "/api/v1/notifications/preferences",
        headers=headers,
        json={
            "items": [
                {"category": "testbilling", "channel": "email", "enabled": False},
                {"category": "*", "channel": "whatsapp", "enabled": True},
                {"category": "*", "channel": "email", "enabled": True},
            ]
        },
    )
    assert r.status_code == 200, r.text
    assert {"category": "testbilling", "channel": "email", "enabled": False} in r.json()["items"]
    assert "testbilling" in r.json()["categories"]
    who = Recipient(user_id=user, phone="11987654321")

    rows = await deliveries(runtime, tenant.id, await _send(runtime, tenant.id, who))
    assert rows["email"].status == CANCELLED and "optou" in (rows["email"].last_error or "")
    assert rows["whatsapp"].status == QUEUED  # chosen for every category
    assert rows["in_app"].status == QUEUED and "sms" not in rows

    explicit = await _send(runtime, tenant.id, who, channels=["email", "sms"])
    rows = await deliveries(runtime, tenant.id, explicit)
    assert rows["email"].status == CANCELLED and rows["sms"].status == QUEUED

    # a legal template, or legal=True, ignores the opt-out
    legal = await _send(runtime, tenant.id, who, template=LEGAL.key, data={"quando": "hoje"})
    rows = await deliveries(runtime, tenant.id, legal)
    assert rows["email"].status == QUEUED
    forced = await _send(runtime, tenant.id, who, channels=["email"], legal=True)
    assert (await deliveries(runtime, tenant.id, forced))["email"].status == QUEUED

    # back to the default: the person's null removes the choice
    r = await client.put(
        "/api/v1/notifications/preferences",
        headers=headers,
        json={"items": [{"category": "testbilling", "channel": "email", "enabled": None}]},
    )
    assert all(i["category"] != "testbilling" for i in r.json()["items"])
    rows = await deliveries(runtime, tenant.id, await _send(runtime, tenant.id, who))
    assert rows["email"].status == QUEUED


async def test_missing_addresses_are_logged_not_guessed(runtime: Runtime, factory: Factory) -> None:
    tenant = await factory.tenant()
    nid = await _send(
        runtime,
        tenant.id,
        Recipient(email="x@y.example", phone="123"),
        channels=["sms", "in_app", "email"],
    )
    rows = await deliveries(runtime, tenant.id, nid)
    assert rows["sms"].status == CANCELLED and "inválido" in (rows["sms"].last_error or "")
    assert rows["in_app"].status == CANCELLED  # not a user: no centre to show it in
    assert rows["email"].status == QUEUED and rows["email"].address == "x@y.example"


async def test_tenant_overrides_are_versioned_per_locale(
    runtime: Runtime, factory: Factory, client: httpx.AsyncClient
) -> None:
    a = await factory.tenant()
    b = await factory.tenant()
    url = "/api/v1/notifications/templates/versions"
    body = {"key": INVOICE.key, "subject": "v1 {{ nome }}", "body": "corpo v1"}
    r1 = await client.post(url, headers=a.headers, json=body)
    assert r1.status_code == 201 and r1.json()["version"] == 1, r1.text
    r2 = await client.post(url, headers=a.headers, json={**body, "subject": "v2 {{ nome }}"})
    assert r2.json()["version"] == 2
    en = await client.post(
        url, headers=a.headers, json={**body, "locale": "en", "subject": "Hi {{ nome }}"}
    )
    assert en.json()["version"] == 1

    who = Recipient(email="c@d.example")
    n = await notification(runtime, a.id, await _send(runtime, a.id, who))
    assert (n.subject, n.template_version) == ("v2 Ana", 2)
    n = await notification(
        runtime, a.id, await _send(runtime, a.id, who, data={**DATA, "locale": "en"})
    )
    assert (n.subject, n.locale) == ("Hi Ana", "en")
    n = await notification(runtime, b.id, await _send(runtime, b.id, who))
    assert n.template_version == 0 and n.subject.startswith("Fatura")  # B has no override

    r = await client.post(f"{url}/{r2.json()['id']}/deactivate", headers=a.headers)
    assert r.status_code == 200 and r.json()["is_active"] is False
    n = await notification(runtime, a.id, await _send(runtime, a.id, who))
    assert n.subject == "v1 Ana"
    r = await client.post(f"{url}/{r2.json()['id']}/restore", headers=a.headers)
    assert r.status_code == 201 and r.json()["version"] == 3
    history = (
        await client.get(url, headers=a.headers, params={"key": INVOICE.key, "locale": "pt-BR"})
    ).json()
    assert [h["version"] for h in history] == [3, 2, 1]
    listed = (await client.get("/api/v1/notifications/templates", headers=a.headers)).json()
    invoice = next(t for t in listed if t["key"] == INVOICE.key)
    assert invoice["active_versions"] == {"pt-BR": 3, "en": 1}

    bad = await client.post(url, headers=a.headers, json={**body, "body": "{% if x %}"})
    assert bad.status_code == 422 and bad.json()["code"] == "TEMPLATE_INVALID"
    assert bad.headers["content-type"].startswith("application/problem+json")
    unknown = await client.post(url, headers=a.headers, json={**body, "key": "nao.existe"})
    assert unknown.status_code == 422 and unknown.json()["code"] == "TEMPLATE_UNKNOWN"
    operator = await factory.user(a.id, email="op@a.example")
    del operator
    op_token = (await login(client, "op@a.example", tenant=a.slug))["access_token"]
    denied = await client.post(url, headers={"Authorization": f"Bearer {op_token}"}, json=body)
    assert denied.status_code == 403


async def test_preview_renders_with_sample_data_on_the_brand(
    factory: Factory, client: httpx.AsyncClient
) -> None:
    tenant = await factory.tenant()
    await client.put(
        "/api/v1/branding",
        headers=tenant.headers,
        json={"name": "Banco Azul", "primary_color": "#1234ab"},
    )
    r = await client.post(
        "/api/v1/notifications/templates/preview",
        headers=tenant.headers,
        json={"key": INVOICE.key, "data": {"nome": "Zé"}},
    )
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["variables"] == ["nome", "valor", "vencimento"]
    assert out["sample_data"]["valor"] == "[valor]" and out["sample_data"]["nome"] == "Zé"
    assert (
        "Zé" in out["body"] and "Banco Azul" in out["email_html"] and "#1234ab" in out["email_html"]
    )
    bad = await client.post(
        "/api/v1/notifications/templates/preview",
        headers=tenant.headers,
        json={"key": INVOICE.key, "subject": "{{ nome "},
    )
    assert bad.status_code == 422 and bad.json()["code"] == "TEMPLATE_INVALID"


async def test_scheduled_sends_wait_for_the_sweep(runtime: Runtime, factory: Factory) -> None:
    tenant = await factory.tenant()
    later = utcnow() + timedelta(hours=1)
    nid = await _send(
        runtime, tenant.id, Recipient(email="e@f.example"), channels=["email"], send_at=later
    )
    async with runtime.db.unit_of_work(platform=True) as session:
        published = await session.scalar(
            select(func.count())
            .select_from(OutboxEvent)
            .where(OutboxEvent.topic == NotificationQueued.topic)
        )
    assert published == 0  # nothing to send now
    worker = deliverer(runtime)
    assert await worker.sweep(now=utcnow()) == 0
    assert await worker.sweep(now=later + timedelta(seconds=1)) == 1
    sent = (await deliveries(runtime, tenant.id, nid))["email"]
    assert sent.status == SENT and sent.provider == "file"  # no SMTP in tests: the .eml outbox
    assert sent.request is not None
    assert (runtime.settings.data_dir / "mail-outbox").exists()


async def test_notify_admins_reaches_every_active_admin(runtime: Runtime, factory: Factory) -> None:
    tenant = await factory.tenant()
    await factory.user(tenant.id, email="admin2@t.example", role="tenant_admin")
    await factory.user(tenant.id, email="op@t.example", role="operator")
    async with runtime.db.unit_of_work(tenant_id=tenant.id) as session:
        ids = await notify_admins(session, INVOICE.key, DATA, ["in_app"])
    assert len(ids) == 2
    emails = set()
    for nid in ids:
        emails.add((await notification(runtime, tenant.id, nid)).recipient_email)
    assert emails == {tenant.admin_email, "admin2@t.example"}
