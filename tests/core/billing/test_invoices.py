"""Invoices end to end: the billing run (lines, numbering, idempotency), payment by the
provider's signed webhook, dunning to suspension and back, the PDF, and the platform's books."""

from __future__ import annotations

import asyncio
import io
import json
import uuid
from datetime import date, timedelta
from decimal import Decimal

import httpx
import pytest
from sqlalchemy import select

from lastro.br.boleto import parse_barcode
from lastro.br.pix import parse_br_code
from lastro.core.billing import books, collection, invoicing
from lastro.core.billing import service as billing
from lastro.core.billing.models import Invoice, Plan, Subscription
from lastro.core.billing.providers import SandboxProvider, sign
from lastro.core.ledger.service import ledger_service
from lastro.core.runtime import Runtime
from tests.conftest import TEST_PASSWORD, login

START = date(2026, 1, 5)


async def _setup(client: httpx.AsyncClient, runtime: Runtime, slug: str, plan: str) -> str:
    admin = await _platform(client, runtime)
    r = await client.post(
        "/api/v1/platform/tenants",
        headers=admin,
        json={
            "slug": slug,
            "name": f"Empresa {slug}",
            "plan": plan,
            "trial": False,
            "admin": {"email": f"admin@{slug}.example", "name": "Admin", "password": TEST_PASSWORD},
        },
    )
    assert r.status_code == 201, r.text
    async with runtime.db.unit_of_work(platform=True) as session:
        sub = await session.scalar(
            select(Subscription).where(Subscription.tenant_id == uuid.UUID(r.json()["id"]))
        )
        assert sub is not None
        sub.current_period_start = START
        sub.current_period_end = billing.period_end(START, sub.cycle)
    tokens = await login(client, f"admin@{slug}.example", tenant=slug)
    return str(tokens["access_token"])


_admins: dict[int, dict[str, str]] = {}


async def _platform(client: httpx.AsyncClient, runtime: Runtime) -> dict[str, str]:
    async with runtime.db.unit_of_work(platform=True) as session:
        await billing.seed_plans(session)
        from lastro.core.auth.models import PlatformUser

        exists = await session.scalar(
            select(PlatformUser.id).where(PlatformUser.email == "root@lastro.example")
        )
        if exists is None:
            await runtime.auth.create_user(
                session,
                email="root@lastro.example",
                name="Root",
                password=TEST_PASSWORD,
                role="platform_admin",
                platform=True,
            )
    tokens = await login(client, "root@lastro.example")
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_billing_run_issues_numbered_invoices_once(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    token = await _setup(client, runtime, "alfa", "chat-starter")
    await _setup(client, runtime, "beta", "chat-professional")
    report = await invoicing.run_billing(runtime.db, runtime.settings, day=START)
    assert report.issued == 2
    assert report.total == Decimal("694.00")
    again = await invoicing.run_billing(runtime.db, runtime.settings, day=START)
    assert again.issued == 0  # idempotent

    r = await client.get("/api/v1/invoices", headers=_auth(token))
    assert r.status_code == 200, r.text
    page = r.json()
    assert page["total"] == 1
    inv = page["items"][0]
    assert inv["number"].startswith("2026-")
    assert Decimal(inv["total"]) == Decimal("197.00")
    assert inv["status"] == "open"
    assert (
        inv["due_date"] == (START + timedelta(days=runtime.settings.billing_due_days)).isoformat()
    )
    boleto = parse_barcode(inv["boleto_barcode"])
    assert boleto.amount == Decimal("197.00") and boleto.bank_code == "341"
    assert boleto.due_date == date.fromisoformat(inv["due_date"])
    pix = parse_br_code(inv["pix_payload"])
    assert pix.amount == Decimal("197.00")

    detail = (await client.get(f"/api/v1/invoices/{inv['id']}", headers=_auth(token))).json()
    assert [(line["kind"], Decimal(line["amount"])) for line in detail["lines"]] == [
        ("plan", Decimal("197.00"))
    ]
    pdf = await client.get(f"/api/v1/invoices/{inv['id']}/pdf", headers=_auth(token))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    from pypdf import PdfReader

    text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert inv["number"] in text and "197,00" in text and "Pague com PIX" in text
    page = await client.get("/faturas", headers={"Cookie": f"lastro_access={token}"})
    assert page.status_code == 200 and inv["number"] in page.text
    assert inv["pix_payload"] in page.text

    async with runtime.db.session(platform=True, readonly=True) as session:
        numbers = sorted((await session.scalars(select(Invoice.number))).all())
    assert numbers == ["2026-000001", "2026-000002"]

    # next month: a new period, a new number; the tier plan of consórcio bills by quota level
    report = await invoicing.run_billing(runtime.db, runtime.settings, day=date(2026, 2, 5))
    assert report.renewed == 2 and report.issued == 2


def test_lines_tiers_overage_proration_and_credit() -> None:
    consorcio = Plan(
        code="c",
        name="Consórcio",
        price=None,
        yearly_discount_pct=Decimal("10.00"),
        tier_metric="active_quotas",
        tiers=[{"up_to": 1000, "price": "2500.00"}, {"up_to": None, "price": "4500.00"}],
        limits={},
        overage={},
    )
    p = invoicing.price_invoice(
        consorcio,
        "monthly",
        levels={"active_quotas": 1001},
        last_month={},
        prorations=[],
        credit=Decimal(0),
    )
    assert p.total == Decimal("4500.00") and p.lines[0].kind == "tier"
    yearly = invoicing.price_invoice(
        consorcio,
        "yearly",
        levels={"active_quotas": 10},
        last_month={},
        prorations=[],
        credit=Decimal(0),
    )
    assert yearly.total == Decimal("27000.00")  # 2,500 x 12 less 10 %

    soft = Plan(
        code="s",
        name="API",
        price=Decimal("100.00"),
        yearly_discount_pct=Decimal("10.00"),
        limits={"api_calls": 1000},
        overage={"api_calls": "0.015"},
        tiers=[],
    )
    p = invoicing.price_invoice(
        soft,
        "monthly",
        levels={},
        last_month={"api_calls": 1333},
        prorations=[("Ajuste", Decimal("-150.00"))],
        credit=Decimal("20.00"),
    )
    kinds = [(line.kind, line.amount) for line in p.lines]
    # 333 x 0.015 = 4.995 -> 5.00 (half-even at the cent)
    assert kinds == [
        ("plan", Decimal("100.00")),
        ("overage", Decimal("5.00")),
        ("proration", Decimal("-150.00")),
    ]
    assert p.total == Decimal("0.00")
    assert p.credit_left == Decimal("65.00")  # 20 held + 45 the proration left over


async def test_webhook_pays_once_and_rejects_forgery(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    token = await _setup(client, runtime, "gama", "chat-starter")
    await invoicing.run_billing(runtime.db, runtime.settings, day=START)
    inv = (await client.get("/api/v1/invoices", headers=_auth(token))).json()["items"][0]
    async with runtime.db.session(platform=True, readonly=True) as session:
        ref = await session.scalar(
            select(Invoice.provider_ref).where(Invoice.id == uuid.UUID(inv["id"]))
        )
    assert ref is not None
    provider = SandboxProvider(runtime.settings)
    headers, body = provider.paid_event(ref, Decimal("197.00"), method="boleto")

    forged = await client.post(
        "/api/v1/billing/webhooks/sandbox",
        content=body.replace(b"197.00", b"1.00"),
        headers={**headers, "content-type": "application/json"},
    )
    assert forged.status_code == 401
    assert forged.json()["code"] == "WEBHOOK_SIGNATURE_INVALID"
    stale = {provider.header: sign(provider.secret, body, timestamp=1_000_000_000)}
    r = await client.post("/api/v1/billing/webhooks/sandbox", content=body, headers=stale)
    assert r.status_code == 401
    unknown = await client.post("/api/v1/billing/webhooks/acme-pay", content=body, headers=headers)
    assert unknown.status_code == 404

    first, second = await asyncio.gather(
        client.post("/api/v1/billing/webhooks/sandbox", content=body, headers=headers),
        client.post("/api/v1/billing/webhooks/sandbox", content=body, headers=headers),
    )
    statuses = sorted([first.json()["status"], second.json()["status"]])
    assert first.status_code == second.status_code == 200
    assert statuses == ["applied", "duplicate"]
    detail = (await client.get(f"/api/v1/invoices/{inv['id']}", headers=_auth(token))).json()
    assert detail["status"] == "paid"
    assert len(detail["payments"]) == 1 and detail["payments"][0]["method"] == "boleto"

    # the platform's books: receivable raised by the issue, settled by the payment
    assert await books.post_pending(runtime.db, runtime.settings) == 2
    assert await books.post_pending(runtime.db, runtime.settings) == 0
    platform = await books.platform_books(runtime.db, runtime.settings)
    async with runtime.db.session(tenant_id=platform.tenant_id, readonly=True) as session:
        revenue = await ledger_service.balance(session, platform.revenue)
        receivable = await ledger_service.balance(session, platform.receivables)
        bank = await ledger_service.balance(session, platform.bank)
    assert revenue.posted == Decimal("197.00")
    assert receivable.posted == Decimal("0.00")
    assert bank.posted == Decimal("197.00")


async def test_dunning_suspends_blocks_and_payment_reactivates(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    token = await _setup(client, runtime, "delta", "chat-starter")
    admin = await _platform(client, runtime)
    await invoicing.run_billing(runtime.db, runtime.settings, day=START)
    due = START + timedelta(days=runtime.settings.billing_due_days)

    report = await collection.run_dunning(runtime.db, runtime.settings, day=due - timedelta(3))
    assert report.reminders == 1 and report.overdue == 0
    again = await collection.run_dunning(runtime.db, runtime.settings, day=due - timedelta(3))
    assert again.reminders == 0
    report = await collection.run_dunning(runtime.db, runtime.settings, day=due + timedelta(1))
    assert report.overdue == 1
    sub = (await client.get("/api/v1/subscription", headers=_auth(token))).json()
    assert sub["status"] == "past_due"

    grace = runtime.settings.billing_grace_days
    report = await collection.run_dunning(
        runtime.db, runtime.settings, day=due + timedelta(grace + 1)
    )
    assert report.suspended == 1
    from lastro.core.platform.service import tenant_cache

    tenant_cache.clear()
    blocked = await client.get("/api/v1/users", headers=_auth(token))
    assert blocked.status_code == 402
    assert blocked.json()["code"] == "SUBSCRIPTION_SUSPENDED"
    # a suspended tenant can still sign in and pay
    fresh = await login(client, "admin@delta.example", tenant="delta")
    invoices = await client.get("/api/v1/invoices", headers=_auth(fresh["access_token"]))
    assert invoices.status_code == 200
    inv = invoices.json()["items"][0]
    assert inv["status"] == "overdue"

    paid = await client.post(
        f"/api/v1/platform/invoices/{inv['id']}/sandbox-payment", headers=admin
    )
    assert paid.status_code == 200, paid.text
    assert paid.json()["invoice_status"] == "paid"
    tenant_cache.clear()
    assert (await client.get("/api/v1/users", headers=_auth(token))).status_code == 200
    sub = (await client.get("/api/v1/subscription", headers=_auth(token))).json()
    assert sub["status"] == "active"


async def test_platform_lists_every_tenant_invoice_and_tenants_only_theirs(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    a = await _setup(client, runtime, "epsilon", "chat-starter")
    b = await _setup(client, runtime, "zeta", "chat-business")
    admin = await _platform(client, runtime)
    r = await client.post(
        "/api/v1/platform/billing/run", headers=admin, json={"date": "2026-01-05"}
    )
    assert r.status_code == 200, r.text
    assert r.json()["issued"] == 2
    all_ = (await client.get("/api/v1/platform/invoices", headers=admin)).json()
    assert all_["total"] == 2
    mine = (await client.get("/api/v1/invoices", headers=_auth(a))).json()["items"]
    theirs = (await client.get("/api/v1/invoices", headers=_auth(b))).json()["items"]
    assert len(mine) == len(theirs) == 1 and mine[0]["id"] != theirs[0]["id"]
    other = await client.get(f"/api/v1/invoices/{theirs[0]['id']}", headers=_auth(a))
    assert other.status_code == 404
    pdf = await client.get(f"/api/v1/invoices/{theirs[0]['id']}/pdf", headers=_auth(a))
    assert pdf.status_code == 404
    bad = await client.post(
        "/api/v1/billing/webhooks/sandbox", content=b"{}", headers={"x-sandbox-signature": "x"}
    )
    assert bad.status_code == 401
    assert json.loads(bad.text)["detail"]


@pytest.mark.parametrize("count", [3])
async def test_concurrent_runs_never_repeat_a_number(
    client: httpx.AsyncClient, runtime: Runtime, count: int
) -> None:
    for i in range(count):
        await _setup(client, runtime, f"conc{i}", "chat-starter")
    reports = await asyncio.gather(
        *(invoicing.run_billing(runtime.db, runtime.settings, day=START) for _ in range(3)),
        return_exceptions=True,
    )
    issued = sum(r.issued for r in reports if not isinstance(r, BaseException))
    assert issued == count
    async with runtime.db.session(platform=True, readonly=True) as session:
        numbers = (await session.scalars(select(Invoice.number))).all()
    assert len(numbers) == len(set(numbers)) == count


async def test_invoices_export_as_csv(client: httpx.AsyncClient, runtime: Runtime) -> None:
    token = await _setup(client, runtime, "eta", "chat-starter")
    await invoicing.run_billing(runtime.db, runtime.settings, day=START)
    r = await client.get(
        "/api/v1/exports/stream",
        params={"source": "invoices", "format": "csv", "status": "open"},
        headers=_auth(token),
    )
    assert r.status_code == 200, r.text
    text = r.content.decode("utf-8-sig")
    assert "Fatura" in text.splitlines()[0]
    assert "2026-000001" in text and "197,00" in text


async def test_issued_invoice_reaches_the_tenants_webhook_and_admin(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    """Billing run → outbox → the tenant's webhook endpoint (signed) and its admin's e-mail."""
    from lastro.core.notifications.models import Notification
    from lastro.core.webhooks.signing import verify_signature
    from tests.core.webhooks.receiver import running_receiver

    token = await _setup(client, runtime, "theta", "chat-starter")
    with running_receiver() as receiver:
        r = await client.post(
            "/api/v1/webhooks/endpoints",
            headers=_auth(token),
            json={"url": receiver.url, "event_types": ["billing.invoice.issued"]},
        )
        assert r.status_code == 201, r.text
        secret = r.json()["secret"]
        await runtime.bus.start()
        await runtime.dispatcher.start()
        await runtime.jobs.run_worker()
        await invoicing.run_billing(runtime.db, runtime.settings, day=START)
        await runtime.relay.relay_once()
        for _ in range(200):
            if receiver.requests:
                break
            await asyncio.sleep(0.05)
        [req] = receiver.requests
        verify_signature(secret, req.headers["lastro-signature"], req.body)
        body = json.loads(req.body)
        assert body["type"] == "billing.invoice.issued"
        assert body["data"]["number"] == "2026-000001"
    for _ in range(100):
        async with runtime.db.session(platform=True, readonly=True) as session:
            subjects = (await session.scalars(select(Notification.subject))).all()
        if subjects:
            break
        await asyncio.sleep(0.05)
    assert any("Fatura 2026-000001" in s and "15/01/2026" in s for s in subjects)
