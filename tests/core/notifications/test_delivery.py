"""Delivery: e-mail over a real local SMTP server, WhatsApp and SMS against a local HTTP server
in the providers' shapes, retries with backoff, manual resend and cancel."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
import pytest

from lastro.core.notifications import Recipient, notify
from lastro.core.notifications.config import NotificationSettings
from lastro.core.notifications.delivery import Deliverer
from lastro.core.notifications.live import MemoryHub
from lastro.core.notifications.models import FAILED, QUEUED, SENT
from lastro.core.notifications.providers import (
    DeliveryError,
    ProviderMessage,
    SandboxProvider,
    WhatsAppCloudProvider,
    WhatsAppTemplate,
    ZenviaSmsProvider,
)
from lastro.core.runtime import Runtime
from lastro.kit.clock import utcnow
from tests.conftest import Factory
from tests.core.notifications.helpers import (
    INVOICE,
    HttpCapture,
    MailSink,
    deliveries,
    http_server,
    smtp_server,
)

DATA = {"nome": "Ana", "valor": "150.00", "vencimento": "2026-12-05"}


def _smtp(port: int, **kw: object) -> NotificationSettings:
    return NotificationSettings(
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_starttls=False,
        smtp_from="avisos@lastro.example",
        **kw,  # type: ignore[arg-type]
    )


async def _notify(
    runtime: Runtime, tenant_id: uuid.UUID, channels: list[str], **who: str
) -> uuid.UUID:
    async with runtime.db.unit_of_work(tenant_id=tenant_id) as session:
        return await notify(session, Recipient(**who), INVOICE.key, DATA, channels)  # type: ignore[arg-type]


async def test_email_goes_over_smtp_branded_with_a_text_alternative(
    runtime: Runtime, factory: Factory, client: httpx.AsyncClient
) -> None:
    tenant = await factory.tenant()
    await client.put(
        "/api/v1/branding",
        headers=tenant.headers,
        json={
            "name": "Banco Azul",
            "primary_color": "#1234ab",
            "logo_url": "https://cdn.azul.example/l.png",
        },
    )
    sink = MailSink()
    async with smtp_server(sink) as port:
        worker = Deliverer(runtime.db, _smtp(port), MemoryHub())
        nid = await _notify(
            runtime, tenant.id, ["email"], email="ana@cliente.example", name="Ana Lima"
        )
        assert await worker.deliver_notification(tenant.id, nid) == 1
    row = (await deliveries(runtime, tenant.id, nid))["email"]
    assert row.status == SENT and row.attempts == 1 and row.provider == "smtp"
    assert sink.received[0].rcpt_tos == ["ana@cliente.example"]
    message = sink.message()
    assert message["Subject"] == "Fatura de R$ 150,00 vence em 2026-12-05"
    assert message["From"] == "Banco Azul <avisos@lastro.example>"
    assert message["To"] == "Ana Lima <ana@cliente.example>"
    assert message["Message-ID"] == row.provider_message_id
    parts = {
        p.get_content_type(): bytes(p.get_payload(decode=True)).decode()
        for p in message.walk()
        if not p.is_multipart()
    }
    assert "Olá, Ana! Sua fatura de R$ 150,00" in parts["text/plain"]
    html = parts["text/html"]
    assert "<b>Ana</b>" in html and "#1234ab" in html and "https://cdn.azul.example/l.png" in html


async def test_failures_are_retried_with_backoff_then_succeed(
    runtime: Runtime, factory: Factory
) -> None:
    tenant = await factory.tenant()
    sink = MailSink(refuse=2)
    scheduled: list[float] = []

    async def retry(_t: uuid.UUID, _n: uuid.UUID, delay: float) -> None:
        scheduled.append(delay)

    async with smtp_server(sink) as port:
        worker = Deliverer(
            runtime.db,
            _smtp(port, retry_base_seconds=60.0, max_attempts=5),
            MemoryHub(),
            retry=retry,
        )
        nid = await _notify(runtime, tenant.id, ["email"], email="a@b.example")
        t0 = utcnow()
        await worker.deliver_notification(tenant.id, nid, now=t0)
        row = (await deliveries(runtime, tenant.id, nid))["email"]
        assert (row.status, row.attempts) == (QUEUED, 1)
        assert row.next_attempt_at == t0 + timedelta(seconds=60)
        assert "451" in (row.last_error or "")
        # not due yet: nothing happens
        assert (
            await worker.deliver_notification(tenant.id, nid, now=t0 + timedelta(seconds=59)) == 0
        )
        t1 = t0 + timedelta(seconds=61)
        assert await worker.sweep(now=t1) == 1
        row = (await deliveries(runtime, tenant.id, nid))["email"]
        assert (row.status, row.attempts) == (QUEUED, 2)
        assert row.next_attempt_at == t1 + timedelta(seconds=240)  # 60 × 4
        assert await worker.sweep(now=t1 + timedelta(seconds=241)) == 1
    row = (await deliveries(runtime, tenant.id, nid))["email"]
    assert (row.status, row.attempts, row.last_error) == (SENT, 3, None)
    assert scheduled == [60.0, 240.0] and len(sink.received) == 1


async def test_giving_up_after_max_attempts_and_permanent_errors(
    runtime: Runtime, factory: Factory
) -> None:
    tenant = await factory.tenant()
    sink = MailSink(refuse=10)
    async with smtp_server(sink) as port:
        worker = Deliverer(
            runtime.db, _smtp(port, retry_base_seconds=1.0, max_attempts=2), MemoryHub()
        )
        nid = await _notify(runtime, tenant.id, ["email"], email="a@b.example")
        now = utcnow()
        await worker.deliver_notification(tenant.id, nid, now=now)
        await worker.deliver_notification(tenant.id, nid, now=now + timedelta(minutes=1))
    row = (await deliveries(runtime, tenant.id, nid))["email"]
    assert (row.status, row.attempts, row.next_attempt_at) == (FAILED, 2, None)

    capture = HttpCapture(
        responses=[(400, {"error": {"message": "Invalid parameter", "code": 100}})]
    )
    with http_server(capture) as base:
        wa = WhatsAppCloudProvider(base_url=base, phone_number_id="1", token="t")
        worker = Deliverer(runtime.db, NotificationSettings(), MemoryHub(), whatsapp=wa)
        nid = await _notify(runtime, tenant.id, ["whatsapp"], phone="11987654321")
        await worker.deliver_notification(tenant.id, nid)
    row = (await deliveries(runtime, tenant.id, nid))["whatsapp"]
    assert (row.status, row.attempts) == (FAILED, 1)  # a 400 is not retried
    assert "Invalid parameter" in (row.last_error or "")


async def test_resend_and_cancel_from_the_delivery_log(
    runtime: Runtime, factory: Factory, client: httpx.AsyncClient
) -> None:
    tenant = await factory.tenant()
    sink = MailSink()
    async with smtp_server(sink) as port:
        worker = Deliverer(runtime.db, _smtp(port), MemoryHub())
        nid = await _notify(runtime, tenant.id, ["email"], email="a@b.example")
        await worker.deliver_notification(tenant.id, nid)
        original = (await deliveries(runtime, tenant.id, nid))["email"]
        log = await client.get(
            "/api/v1/notifications/deliveries", headers=tenant.headers, params={"status": "sent"}
        )
        assert [d["id"] for d in log.json()["items"]] == [str(original.id)]
        r = await client.post(
            f"/api/v1/notifications/deliveries/{original.id}/resend", headers=tenant.headers
        )
        assert r.status_code == 201, r.text
        copy = r.json()
        assert copy["status"] == QUEUED and copy["resend_of"] == str(original.id)
        assert copy["subject"].startswith("Fatura")
        again = await client.post(
            f"/api/v1/notifications/deliveries/{copy['id']}/resend", headers=tenant.headers
        )
        assert again.status_code == 409 and again.json()["code"] == "DELIVERY_NOT_RESENDABLE"
        await worker.deliver_notification(tenant.id, nid)
    assert len(sink.received) == 2
    detail = (
        await client.get(f"/api/v1/notifications/deliveries/{copy['id']}", headers=tenant.headers)
    ).json()
    assert detail["status"] == SENT and detail["attempts"] == 1

    async with runtime.db.unit_of_work(tenant_id=tenant.id) as session:
        later = await notify(
            session,
            Recipient(email="a@b.example"),
            INVOICE.key,
            DATA,
            ["email"],
            send_at=utcnow() + timedelta(days=1),
        )
    queued = (await deliveries(runtime, tenant.id, later))["email"]
    r = await client.post(
        f"/api/v1/notifications/deliveries/{queued.id}/cancel", headers=tenant.headers
    )
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    r = await client.post(
        f"/api/v1/notifications/deliveries/{queued.id}/cancel", headers=tenant.headers
    )
    assert r.status_code == 409
    assert await worker.sweep(now=utcnow() + timedelta(days=2)) == 0


def test_whatsapp_cloud_api_shapes() -> None:
    text = WhatsAppCloudProvider.payload(ProviderMessage(to="+5511987654321", text="Oi"))
    assert text == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "5511987654321",
        "type": "text",
        "text": {"preview_url": False, "body": "Oi"},
    }
    template = WhatsAppCloudProvider.payload(
        ProviderMessage(
            to="+5511987654321",
            text="",
            template=WhatsAppTemplate("fatura", "pt_BR", ("Ana", "R$ 10,00")),
        )
    )
    assert template["type"] == "template"
    assert template["template"] == {
        "name": "fatura",
        "language": {"code": "pt_BR"},
        "components": [
            {
                "type": "body",
                "parameters": [
                    {"type": "text", "text": "Ana"},
                    {"type": "text", "text": "R$ 10,00"},
                ],
            }
        ],
    }


async def test_whatsapp_delivery_against_a_local_cloud_api(
    runtime: Runtime, factory: Factory
) -> None:
    tenant = await factory.tenant()
    capture = HttpCapture(
        responses=[
            (500, {"error": {"message": "temporarily unavailable"}}),
            (
                200,
                {
                    "messaging_product": "whatsapp",
                    "contacts": [{"input": "5511987654321", "wa_id": "5511987654321"}],
                    "messages": [{"id": "wamid.HBgLNTUxMTk4NzY1NDMyMRUCABEYEjA="}],
                },
            ),
        ]
    )
    settings = NotificationSettings(
        retry_base_seconds=1.0,
        whatsapp_templates={INVOICE.key: {"name": "fatura_vencendo", "params": ["nome", "valor"]}},
    )
    with http_server(capture) as base:
        wa = WhatsAppCloudProvider(
            base_url=f"{base}/v21.0", phone_number_id="10987", token="segredo"
        )
        worker = Deliverer(runtime.db, settings, MemoryHub(), whatsapp=wa)
        nid = await _notify(runtime, tenant.id, ["whatsapp"], phone="(11) 98765-4321")
        now = utcnow()
        await worker.deliver_notification(tenant.id, nid, now=now)
        assert (await deliveries(runtime, tenant.id, nid))[
            "whatsapp"
        ].status == QUEUED  # 500 retried
        await worker.deliver_notification(tenant.id, nid, now=now + timedelta(seconds=2))
    row = (await deliveries(runtime, tenant.id, nid))["whatsapp"]
    assert (
        row.status == SENT and row.provider_message_id == "wamid.HBgLNTUxMTk4NzY1NDMyMRUCABEYEjA="
    )
    request = capture.requests[-1]
    assert request["path"] == "/v21.0/10987/messages"
    assert request["headers"]["authorization"] == "Bearer segredo"
    assert request["headers"]["content-type"] == "application/json"
    assert request["json"]["to"] == "5511987654321" and request["json"]["type"] == "template"
    assert request["json"]["template"]["name"] == "fatura_vencendo"
    assert request["json"]["template"]["components"][0]["parameters"][0] == {
        "type": "text",
        "text": "Ana",
    }
    assert row.request == request["json"]


async def test_sms_sandbox_and_zenvia_client(runtime: Runtime, factory: Factory) -> None:
    tenant = await factory.tenant()
    worker = Deliverer(runtime.db, NotificationSettings(), MemoryHub())  # sandbox by default
    nid = await _notify(runtime, tenant.id, ["sms"], phone="11987654321")
    await worker.deliver_notification(tenant.id, nid)
    row = (await deliveries(runtime, tenant.id, nid))["sms"]
    assert row.status == SENT and row.provider == "sandbox"
    kept = [m for m in SandboxProvider.outbox if m["id"] == row.provider_message_id]
    assert kept and kept[0]["to"] == "+5511987654321" and "R$ 150,00" in kept[0]["text"]
    assert row.request is not None and row.request["to"] == "+5511987654321"

    capture = HttpCapture(responses=[(200, {"id": "zen-1"})])
    with http_server(capture) as base:
        sms = ZenviaSmsProvider(base_url=base, token="tk", sender="lastro")
        result = await sms.send(ProviderMessage(to="+5511987654321", text="Olá"))
    assert result.message_id == "zen-1"
    assert capture.requests[0]["path"] == "/channels/sms/messages"
    assert capture.requests[0]["headers"]["x-api-token"] == "tk"
    assert capture.requests[0]["json"] == {
        "from": "lastro",
        "to": "5511987654321",
        "contents": [{"type": "text", "text": "Olá"}],
    }
    with pytest.raises(DeliveryError) as caught:
        await ZenviaSmsProvider(base_url="http://127.0.0.1:9", token="x", sender="y").send(
            ProviderMessage(to="+5511987654321", text="x")
        )
    assert caught.value.permanent is False  # connection refused: try again later
