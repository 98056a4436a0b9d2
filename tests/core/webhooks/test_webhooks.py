"""Webhooks end to end against a real HTTP receiver on 127.0.0.1: fan-out to the right tenant
and event types, signed delivery, retries with backoff, the attempt log, replay, test events,
secret rotation and automatic disabling of endpoints that keep failing."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from typing import Any, ClassVar

import httpx
import orjson
import pytest
from sqlalchemy import select

from lastro.core.audit.models import AuditRecord
from lastro.core.notifications.models import Notification
from lastro.core.runtime import Runtime
from lastro.core.webhooks import crypto, delivery
from lastro.core.webhooks.models import WebhookDelivery, WebhookEndpoint
from lastro.core.webhooks.policy import WebhookPolicy
from lastro.core.webhooks.registry import register_webhook_event
from lastro.core.webhooks.signing import verify_signature
from lastro.infra.bus import Message
from lastro.kit.clock import utcnow
from lastro.kit.events import Event
from tests.architecture.isolation import IsolationCase, assert_tenant_isolation
from tests.conftest import Factory, TenantHandle, login
from tests.core.webhooks.receiver import Receiver, running_receiver


class PagamentoRecebido(Event):
    topic: ClassVar[str] = "testes.pagamento.recebido"
    valor: str
    pagador: str


class CobrancaEmitida(Event):
    topic: ClassVar[str] = "testes.cobranca.emitida"
    numero: int


register_webhook_event(PagamentoRecebido, "Pagamento recebido (teste)")
register_webhook_event(CobrancaEmitida, "Cobrança emitida (teste)")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as r:
        yield r


def policy_of(runtime: Runtime, **overrides: Any) -> WebhookPolicy:
    base = WebhookPolicy.from_settings(runtime.settings)
    return WebhookPolicy(**{**base.__dict__, **overrides})


async def create_endpoint(
    client: httpx.AsyncClient, tenant: TenantHandle, url: str, types: list[str]
) -> dict[str, Any]:
    r = await client.post(
        "/api/v1/webhooks/endpoints",
        headers=tenant.headers,
        json={"url": url, "event_types": types, "description": "ERP"},
    )
    assert r.status_code == 201, r.text
    data: dict[str, Any] = r.json()
    return data


async def publish(runtime: Runtime, evt: Event) -> None:
    """What the dispatcher does with an event from the outbox: run this service's handler."""
    sub = next(s for s in runtime.dispatcher.subscriptions if s.name == "core.webhooks.fan_out")
    message = Message(
        id=str(evt.event_id), topic=evt.topic, body=orjson.dumps(evt.payload()), headers={}
    )
    assert await runtime.dispatcher.handle(sub, message)


async def deliveries(runtime: Runtime) -> list[WebhookDelivery]:
    async with runtime.db.session(platform=True) as s:
        return list(await s.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


async def test_fan_out_only_to_the_tenant_and_its_subscribed_types(
    runtime: Runtime, client: httpx.AsyncClient, factory: Factory, receiver: Receiver
) -> None:
    a = await factory.tenant()
    b = await factory.tenant()
    ep_pag = await create_endpoint(client, a, receiver.url, [PagamentoRecebido.topic])
    ep_all = await create_endpoint(client, a, receiver.url + "/todos", ["*"])
    await create_endpoint(client, b, receiver.url + "/b", ["*"])
    disabled = await create_endpoint(client, a, receiver.url + "/off", ["*"])
    r = await client.patch(
        f"/api/v1/webhooks/endpoints/{disabled['id']}",
        headers=a.headers,
        json={"is_active": False},
    )
    assert r.status_code == 200 and r.json()["is_active"] is False

    await publish(runtime, PagamentoRecebido(tenant_id=a.id, valor="10.00", pagador="Ana"))
    await publish(runtime, CobrancaEmitida(tenant_id=a.id, numero=7))
    rows = await deliveries(runtime)
    got = sorted((str(d.endpoint_id), d.event_type) for d in rows)
    assert got == sorted(
        [
            (ep_pag["id"], PagamentoRecebido.topic),
            (ep_all["id"], PagamentoRecebido.topic),
            (ep_all["id"], CobrancaEmitida.topic),
        ]
    )
    assert all(d.tenant_id == a.id for d in rows)

    sent = await delivery.deliver_due(runtime.db, policy_of(runtime))
    assert sent == 3
    paths = sorted(req.path for req in receiver.requests)
    assert paths == ["/hooks", "/hooks/todos", "/hooks/todos"]
    # B's API sees none of A's deliveries
    listed = await client.get("/api/v1/webhooks/deliveries", headers=b.headers)
    assert listed.json()["total"] == 0


async def test_signed_delivery_verified_by_the_receiver(
    runtime: Runtime, client: httpx.AsyncClient, factory: Factory, receiver: Receiver
) -> None:
    a = await factory.tenant()
    ep = await create_endpoint(client, a, receiver.url, [PagamentoRecebido.topic])
    assert ep["secret"].startswith("whsec_")
    evt = PagamentoRecebido(tenant_id=a.id, valor="1234.56", pagador="Bia")
    await publish(runtime, evt)
    assert await delivery.deliver_due(runtime.db, policy_of(runtime)) == 1

    [req] = receiver.requests
    verify_signature(ep["secret"], req.headers["lastro-signature"], req.body)
    body = orjson.loads(req.body)
    assert body["id"] == str(evt.event_id) and body["type"] == PagamentoRecebido.topic
    assert body["data"] == {"valor": "1234.56", "pagador": "Bia"}
    assert req.headers["lastro-event"] == PagamentoRecebido.topic
    assert req.headers["lastro-event-id"] == str(evt.event_id)
    [row] = await deliveries(runtime)
    assert req.headers["lastro-delivery"] == str(row.id)
    assert row.status == "succeeded" and row.attempts == 1 and row.delivered_at is not None

    # the secret is stored encrypted, and only the right key opens it
    async with runtime.db.session(platform=True) as s:
        stored = await s.scalar(select(WebhookEndpoint))
    assert stored is not None and ep["secret"] not in stored.secret_ciphertext
    assert crypto.decrypt(runtime.settings.secret_key, stored.secret_ciphertext) == ep["secret"]
    # and never shown again
    r = await client.get(f"/api/v1/webhooks/endpoints/{ep['id']}", headers=a.headers)
    assert "secret" not in r.json()


async def test_retries_with_backoff_then_success_and_attempt_log(
    runtime: Runtime, client: httpx.AsyncClient, factory: Factory, receiver: Receiver
) -> None:
    a = await factory.tenant()
    await create_endpoint(client, a, receiver.url, ["*"])
    receiver.statuses.extend([500, 503])
    await publish(runtime, CobrancaEmitida(tenant_id=a.id, numero=1))
    policy = policy_of(runtime, base_delay_seconds=30.0)

    t0 = utcnow()
    assert await delivery.deliver_due(runtime.db, policy, now=t0) == 1
    [row] = await deliveries(runtime)
    assert row.status == "pending" and row.attempts == 1 and row.last_status_code == 500
    assert row.next_attempt_at is not None
    first_wait = (row.next_attempt_at - t0).total_seconds()
    assert 15 <= first_wait <= 30  # base 30 s with equal jitter
    assert await delivery.deliver_due(runtime.db, policy, now=t0) == 0  # not due yet

    t1 = row.next_attempt_at + timedelta(seconds=1)
    assert await delivery.deliver_due(runtime.db, policy, now=t1) == 1
    [row] = await deliveries(runtime)
    assert row.attempts == 2 and row.last_status_code == 503
    assert row.next_attempt_at is not None
    assert 30 <= (row.next_attempt_at - t1).total_seconds() <= 60  # doubled

    t2 = row.next_attempt_at + timedelta(seconds=1)
    assert await delivery.deliver_due(runtime.db, policy, now=t2) == 1
    [row] = await deliveries(runtime)
    assert row.status == "succeeded" and row.attempts == 3
    assert len(receiver.requests) == 3
    assert len({r.headers["lastro-delivery"] for r in receiver.requests}) == 1
    assert [r.headers["lastro-attempt"] for r in receiver.requests] == ["1", "2", "3"]

    r = await client.get(f"/api/v1/webhooks/deliveries/{row.id}", headers=a.headers)
    detail = r.json()
    assert [x["status_code"] for x in detail["attempt_log"]] == [500, 503, 200]
    assert detail["attempt_log"][0]["response_body"].startswith("erro no receptor")
    assert len(detail["attempt_log"][0]["response_body"]) <= policy.response_max_bytes
    assert detail["attempt_log"][2]["response_body"] == "ok"
    listed = await client.get(
        "/api/v1/webhooks/deliveries", headers=a.headers, params={"status": "succeeded"}
    )
    assert [d["id"] for d in listed.json()["items"]] == [str(row.id)]


async def test_gives_up_after_max_attempts_and_replay_sends_again(
    runtime: Runtime, client: httpx.AsyncClient, factory: Factory, receiver: Receiver
) -> None:
    a = await factory.tenant()
    ep = await create_endpoint(client, a, receiver.url, ["*"])
    receiver.default_status = 500
    evt = CobrancaEmitida(tenant_id=a.id, numero=2)
    await publish(runtime, evt)
    policy = policy_of(runtime, max_attempts=2)
    t0 = utcnow()
    await delivery.deliver_due(runtime.db, policy, now=t0)
    await delivery.deliver_due(runtime.db, policy, now=t0 + timedelta(hours=1))
    [row] = await deliveries(runtime)
    assert row.status == "failed" and row.attempts == 2 and row.next_attempt_at is None
    assert await delivery.deliver_due(runtime.db, policy, now=t0 + timedelta(days=1)) == 0

    receiver.default_status = 204
    r = await client.post(f"/api/v1/webhooks/deliveries/{row.id}/replay", headers=a.headers)
    assert r.status_code == 202, r.text
    replay = r.json()
    assert replay["replay_of"] == str(row.id) and replay["status"] == "pending"
    assert await delivery.deliver_due(runtime.db, policy) == 1
    last = receiver.requests[-1]
    assert last.headers["lastro-delivery"] == replay["id"]
    assert last.headers["lastro-event-id"] == str(evt.event_id)
    verify_signature(ep["secret"], last.headers["lastro-signature"], last.body)
    r = await client.get(f"/api/v1/webhooks/deliveries/{replay['id']}", headers=a.headers)
    assert r.json()["status"] == "succeeded"


async def test_test_event_and_secret_rotation(
    runtime: Runtime, client: httpx.AsyncClient, factory: Factory, receiver: Receiver
) -> None:
    a = await factory.tenant()
    ep = await create_endpoint(client, a, receiver.url, [PagamentoRecebido.topic])
    r = await client.post(
        f"/api/v1/webhooks/endpoints/{ep['id']}/rotate-secret",
        headers=a.headers,
        json={"grace_hours": 24},
    )
    assert r.status_code == 200, r.text
    new_secret = r.json()["secret"]
    assert new_secret != ep["secret"] and r.json()["previous_secret_expires_at"]

    r = await client.post(f"/api/v1/webhooks/endpoints/{ep['id']}/test", headers=a.headers)
    assert r.status_code == 202 and r.json()["event_type"] == "webhook.test"
    assert await delivery.deliver_due(runtime.db, policy_of(runtime)) == 1
    [req] = receiver.requests
    assert orjson.loads(req.body)["type"] == "webhook.test"
    verify_signature(new_secret, req.headers["lastro-signature"], req.body)
    verify_signature(ep["secret"], req.headers["lastro-signature"], req.body)  # grace period

    r = await client.post(
        f"/api/v1/webhooks/endpoints/{ep['id']}/rotate-secret",
        headers=a.headers,
        json={"grace_hours": 0},
    )
    newest = r.json()["secret"]
    await client.post(f"/api/v1/webhooks/endpoints/{ep['id']}/test", headers=a.headers)
    await delivery.deliver_due(runtime.db, policy_of(runtime))
    header = receiver.requests[-1].headers["lastro-signature"]
    assert header.count("v1=") == 1
    verify_signature(newest, header, receiver.requests[-1].body)


async def test_endpoint_failing_for_days_is_disabled_and_admins_told(
    runtime: Runtime, client: httpx.AsyncClient, factory: Factory, receiver: Receiver
) -> None:
    a = await factory.tenant()
    ep = await create_endpoint(client, a, receiver.url, ["*"])
    healthy = await create_endpoint(client, a, receiver.url + "/ok", [PagamentoRecebido.topic])
    receiver.default_status = 502
    policy = policy_of(runtime, disable_after_days=3)
    await publish(runtime, CobrancaEmitida(tenant_id=a.id, numero=3))
    t0 = utcnow()
    await delivery.deliver_due(runtime.db, policy, now=t0)
    r = await client.get(f"/api/v1/webhooks/endpoints/{ep['id']}", headers=a.headers)
    assert r.json()["failing_since"] is not None and r.json()["is_active"] is True

    assert await delivery.disable_failing(runtime.db, policy, now=t0 + timedelta(days=2)) == 0
    await publish(runtime, CobrancaEmitida(tenant_id=a.id, numero=4))
    # a failure four days later, with no success in between, disables it
    await delivery.deliver_due(runtime.db, policy, now=t0 + timedelta(days=4))
    r = await client.get(f"/api/v1/webhooks/endpoints/{ep['id']}", headers=a.headers)
    assert r.json()["is_active"] is False and r.json()["disabled_at"] is not None
    r = await client.get(f"/api/v1/webhooks/endpoints/{healthy['id']}", headers=a.headers)
    assert r.json()["is_active"] is True
    async with runtime.db.session(tenant_id=a.id) as s:
        notices = list(await s.scalars(select(Notification)))
    assert [(n.template_key, n.legal) for n in notices] == [("webhooks.endpoint_disabled", True)]
    assert notices[0].user_id is not None and receiver.url in notices[0].subject
    async with runtime.db.session(tenant_id=a.id) as s:
        actions = list(await s.scalars(select(AuditRecord.action)))
    assert "webhook_endpoint.disabled" in actions

    # a disabled endpoint gets nothing, even when its deliveries fall due
    before = len(receiver.requests)
    assert await delivery.deliver_due(runtime.db, policy, now=t0 + timedelta(days=10)) == 0
    assert len(receiver.requests) == before
    # re-enabling restarts the failure clock and resumes the pending deliveries
    r = await client.patch(
        f"/api/v1/webhooks/endpoints/{ep['id']}", headers=a.headers, json={"is_active": True}
    )
    assert r.json()["is_active"] is True and r.json()["failing_since"] is None
    receiver.default_status = 200
    assert await delivery.deliver_due(runtime.db, policy, now=t0 + timedelta(days=10)) >= 1


async def test_validation_permissions_and_event_types(
    runtime: Runtime, client: httpx.AsyncClient, factory: Factory
) -> None:
    a = await factory.tenant()
    r = await client.post(
        "/api/v1/webhooks/endpoints",
        headers=a.headers,
        json={"url": "https://erp.example/hooks", "event_types": ["nao.existe"]},
    )
    assert r.status_code == 422 and r.json()["code"] == "WEBHOOK_EVENT_TYPE_UNKNOWN"
    r = await client.post(
        "/api/v1/webhooks/endpoints",
        headers=a.headers,
        json={"url": "ftp://erp.example/hooks", "event_types": ["*"]},
    )
    assert r.status_code == 422 and r.json()["code"] == "WEBHOOK_URL_INVALID"
    r = await client.get("/api/v1/webhooks/event-types", headers=a.headers)
    types = {t["type"] for t in r.json()}
    assert {"*", PagamentoRecebido.topic, CobrancaEmitida.topic} <= types

    await factory.user(a.id, email="op@a.example", role="operator")
    op = await login(client, "op@a.example", tenant=a.slug)
    r = await client.get(
        "/api/v1/webhooks/endpoints",
        headers={"Authorization": f"Bearer {op['access_token']}"},
    )
    assert r.status_code == 403


@pytest.mark.parametrize(
    ("url", "production", "ok"),
    [
        ("https://example.com/hooks", True, True),
        ("http://example.com/hooks", True, False),
        ("https://127.0.0.1/hooks", True, False),
        ("https://10.1.2.3/hooks", True, False),
        ("https://[::1]/hooks", True, False),
        ("https://169.254.169.254/latest", True, False),
        ("https://localhost/hooks", True, False),
        ("https://user:pw@example.com/hooks", True, False),
        ("http://127.0.0.1:8080/hooks", False, True),
        ("https://93.184.215.14/hooks", True, True),
    ],
)
async def test_url_rules(url: str, production: bool, ok: bool) -> None:
    from lastro.core.webhooks.errors import InvalidWebhookUrl
    from lastro.core.webhooks.urls import check_destination, check_syntax

    if url == "https://example.com/hooks":  # no DNS in tests: the syntax rules only
        check_syntax(url, production=production)
        return
    if ok:
        await check_destination(url, production=production)
    else:
        with pytest.raises(InvalidWebhookUrl):
            await check_destination(url, production=production)


async def test_webhook_routes_isolate_tenants(
    runtime: Runtime, client: httpx.AsyncClient, factory: Factory, receiver: Receiver
) -> None:
    a = await factory.tenant()
    b = await factory.tenant()
    ep = await create_endpoint(client, a, receiver.url, ["*"])
    r = await client.post(f"/api/v1/webhooks/endpoints/{ep['id']}/test", headers=a.headers)
    delivery_id = r.json()["id"]
    app = client._transport.app  # type: ignore[attr-defined]
    report = await assert_tenant_isolation(
        IsolationCase(
            app=app,
            client=client,
            owner_headers=a.headers,
            intruder_headers=b.headers,
            resources={"webhook_endpoint_id": ep["id"], "webhook_delivery_id": delivery_id},
            only_prefixes=("/api/v1/webhooks/",),
        )
    )
    for route in (
        "DELETE /api/v1/webhooks/endpoints/{webhook_endpoint_id}",
        "POST /api/v1/webhooks/endpoints/{webhook_endpoint_id}/rotate-secret",
        "POST /api/v1/webhooks/endpoints/{webhook_endpoint_id}/test",
        "POST /api/v1/webhooks/deliveries/{webhook_delivery_id}/replay",
        "GET /api/v1/webhooks/deliveries",
    ):
        assert route in report.checked
    r = await client.get(f"/api/v1/webhooks/endpoints/{ep['id']}", headers=a.headers)
    assert r.status_code == 200 and r.json()["url"] == receiver.url


async def test_module_publishes_and_this_service_delivers_end_to_end(
    runtime: Runtime, client: httpx.AsyncClient, factory: Factory, receiver: Receiver
) -> None:
    """Outbox → relay → bus → fan-out handler → immediate delivery job → signed POST."""
    from lastro.infra.outbox import publish as publish_to_outbox

    a = await factory.tenant()
    ep = await create_endpoint(client, a, receiver.url, [PagamentoRecebido.topic])
    await runtime.bus.start()
    await runtime.dispatcher.start()
    await runtime.jobs.run_worker()
    evt = PagamentoRecebido(tenant_id=a.id, valor="99.90", pagador="Caio")
    async with runtime.db.unit_of_work(tenant_id=a.id) as session:
        publish_to_outbox(session, evt)
    assert await runtime.relay.relay_once() == 1
    for _ in range(200):  # the worker runs in the background; wait for its outcome
        if receiver.requests:
            break
        await asyncio.sleep(0.05)
    [req] = receiver.requests
    verify_signature(ep["secret"], req.headers["lastro-signature"], req.body)
    assert orjson.loads(req.body)["id"] == str(evt.event_id)
