"""Budgets and analytics through the HTTP API, computed from real ledger postings: card
purchases by MCC, bill payments, refunds; thresholds notified once per crossing (through the
ledger's events and through the catch-up job); the tenant-isolation walk."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from lastro.br.boleto import build_boleto
from lastro.core.notifications.models import Notification
from lastro.core.runtime import Runtime
from lastro.kit.clock import today_sp
from lastro.modules.banking.budgets.service import check_all
from lastro.modules.banking.cards import crypto
from lastro.modules.banking.cards.models import Card
from tests.architecture.isolation import IsolationCase, assert_tenant_isolation
from tests.modules.banking.accounts.support import API, Bank


async def _purchase(
    bank: Bank,
    runtime: Runtime,
    card: dict[str, Any],
    amount: str,
    mcc: str,
    *,
    capture: bool = True,
) -> dict[str, Any]:
    async with runtime.db.session(platform=True, readonly=True) as session:
        row = await session.scalar(select(Card).where(Card.id == uuid.UUID(card["id"])))
        assert row is not None
    pan = crypto.cipher(production=False).decrypt(
        row.pan_encrypted, tenant_id=row.tenant_id, card_id=row.id, field="pan"
    )
    r = await bank.client.post(
        f"{API}/cards/authorizations",
        json={
            "processor_ref": uuid.uuid4().hex,
            "pan": pan,
            "amount": amount,
            "mcc": mcc,
            "merchant_name": f"Loja {mcc}",
        },
        headers=bank.admin,
    )
    assert r.status_code == 201, r.text
    auth: dict[str, Any] = r.json()
    if not capture:
        return auth
    r = await bank.client.post(
        f"{API}/cards/authorizations/{auth['id']}/capture", headers=bank.admin
    )
    assert r.status_code == 200, r.text
    return auth


async def _setup(
    bank: Bank, funds: str = "2000.00"
) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
    holder, headers = await bank.holder()
    account = await bank.account(holder=holder, funds=funds)
    card = (
        await bank.client.post(f"{API}/cards", json={"account_id": account["id"]}, headers=headers)
    ).json()
    return headers, account, card


async def _alerts(runtime: Runtime) -> list[Notification]:
    async with runtime.db.session(platform=True, readonly=True) as session:
        rows = await session.scalars(
            select(Notification)
            .where(Notification.template_key == "banking.budgets.threshold")
            .order_by(Notification.created_at)
        )
        return list(rows.all())


async def _deliver_events(runtime: Runtime) -> None:
    await runtime.relay.relay_once()
    await runtime.dispatcher.recover_unhandled()


async def test_analytics_from_ledger_postings(bank: Bank, runtime: Runtime) -> None:
    headers, account, card = await _setup(bank)
    await _purchase(bank, runtime, card, "200.00", "5411")
    await _purchase(bank, runtime, card, "50.00", "5812")
    refunded = await _purchase(bank, runtime, card, "30.00", "5812")
    r = await bank.client.post(
        f"{API}/cards/authorizations/{refunded['id']}/reversal", headers=bank.admin
    )
    assert r.status_code == 200
    # a held (uncaptured) purchase is not spending yet
    held = await _purchase(bank, runtime, card, "5.00", "5411", capture=False)
    assert held["status"] == "approved"
    line = build_boleto(
        "341", today_sp() + timedelta(days=5), Decimal("100.00"), "9" * 25
    ).linha_digitavel
    r = await bank.client.post(
        f"{API}/bills/pay", json={"account_id": account["id"], "line": line}, headers=headers
    )
    assert r.status_code == 201, r.text

    r = await bank.client.get(
        f"{API}/analytics/category-spending", params={"period": "month"}, headers=headers
    )
    assert r.status_code == 200, r.text
    body = r.json()
    got = {c["category"]: (Decimal(c["amount"]), c["count"]) for c in body["categories"]}
    assert got == {
        "supermercado": (Decimal("200.00"), 1),
        "contas": (Decimal("100.00"), 1),
        "alimentacao": (Decimal("50.00"), 2),  # 50 + 30 - 30 refunded
    }
    assert Decimal(body["total"]) == Decimal("350.00")
    assert Decimal(body["categories"][0]["percent"]) == Decimal("57.1")
    # deposits are not spending; the same numbers for staff naming the account
    staff = await bank.client.get(
        f"{API}/analytics/category-spending",
        params={"period": "last30", "account_id": account["id"]},
        headers=bank.admin,
    )
    assert Decimal(staff.json()["total"]) == Decimal("350.00")

    r = await bank.client.get(
        f"{API}/analytics/spending-trends", params={"days": 7}, headers=headers
    )
    trend = r.json()
    assert len(trend["series"]) == 7 and trend["series"][-1]["date"] == today_sp().isoformat()
    assert Decimal(trend["series"][-1]["amount"]) == Decimal("350.00")
    assert Decimal(trend["total"]) == Decimal("350.00") and Decimal(
        trend["daily_average"]
    ) == Decimal("50.00")
    r = await bank.client.get(
        f"{API}/analytics/category-spending", params={"period": "quarter"}, headers=headers
    )
    assert r.status_code == 422
    # facts recorded from the ledger's events give the same numbers
    await _deliver_events(runtime)
    again = await bank.client.get(
        f"{API}/analytics/category-spending", params={"period": "month"}, headers=headers
    )
    assert again.json() == body


async def test_budget_thresholds_notify_once(bank: Bank, runtime: Runtime) -> None:
    headers, account, card = await _setup(bank)
    r = await bank.client.post(
        f"{API}/budgets",
        json={"category": "supermercado", "period": "monthly", "amount": "500.00"},
        headers=headers,
    )
    assert r.status_code == 201, r.text
    budget = r.json()
    assert budget["thresholds"] == [50, 75, 90] and budget["account_id"] == account["id"]
    r = await bank.client.post(
        f"{API}/budgets",
        json={"category": "supermercado", "period": "monthly", "amount": "1.00"},
        headers=headers,
    )
    assert r.status_code == 409 and r.json()["code"] == "BUDGET_EXISTS"

    await _purchase(bank, runtime, card, "200.00", "5411")  # 40 %
    await _deliver_events(runtime)
    assert await _alerts(runtime) == []
    await _purchase(bank, runtime, card, "180.00", "5411")  # 76 %: crosses 50 and 75 at once
    await _deliver_events(runtime)
    alerts = await _alerts(runtime)
    assert len(alerts) == 1 and "75%" in alerts[0].subject
    summary = (await bank.client.get(f"{API}/budgets/summary", headers=headers)).json()
    [item] = summary["items"]
    assert item["status"] == "WARNING" and Decimal(item["spent"]) == Decimal("380.00")
    assert Decimal(item["percent"]) == Decimal("76.0") and item["alerts_sent"] == [50, 75]
    assert Decimal(item["remaining"]) == Decimal("120.00") and summary["warning"] == 1

    # again through the job: nothing new
    assert await check_all(runtime.db) == 0
    await _purchase(bank, runtime, card, "5.00", "5812")  # another category
    await _deliver_events(runtime)
    assert len(await _alerts(runtime)) == 1
    await _purchase(bank, runtime, card, "80.00", "5411")  # 92 %
    assert await check_all(runtime.db) == 1  # the job notices before the event arrives
    await _deliver_events(runtime)
    alerts = await _alerts(runtime)
    assert len(alerts) == 2 and "90%" in alerts[1].subject
    summary = (await bank.client.get(f"{API}/budgets/summary", headers=headers)).json()
    assert summary["items"][0]["status"] == "DANGER" and summary["danger"] == 1

    # raising the limit brings it back to safe; the alerts already sent stay sent
    r = await bank.client.patch(
        f"{API}/budgets/{budget['id']}", json={"amount": "2000.00"}, headers=headers
    )
    assert r.status_code == 200
    summary = (await bank.client.get(f"{API}/budgets/summary", headers=headers)).json()
    assert summary["items"][0]["status"] == "SAFE"
    assert (
        await bank.client.delete(f"{API}/budgets/{budget['id']}", headers=headers)
    ).status_code == 204
    assert (await bank.client.get(f"{API}/budgets", headers=headers)).json()["items"] == []


async def test_budget_validation_and_ownership(bank: Bank) -> None:
    headers, account, _ = await _setup(bank)
    r = await bank.client.post(
        f"{API}/budgets",
        json={"category": "foguetes", "period": "monthly", "amount": "10"},
        headers=headers,
    )
    assert r.status_code == 422
    r = await bank.client.post(
        f"{API}/budgets",
        json={"category": "lazer", "period": "weekly", "amount": "10", "thresholds": [0, 50]},
        headers=headers,
    )
    assert r.status_code == 422
    r = await bank.client.post(
        f"{API}/budgets",
        json={
            "accountId": account["id"],
            "category": "lazer",
            "period": "annual",
            "amount": "10",
            "thresholds": [80],
        },
        headers=headers,
    )
    assert r.status_code == 201 and r.json()["thresholds"] == [80]
    _, other = await bank.holder()
    r = await bank.client.get(f"{API}/budgets/{r.json()['id']}", headers=other)
    assert r.status_code == 404
    r = await bank.client.post(
        f"{API}/budgets",
        json={"account_id": account["id"], "category": "lazer", "amount": "10"},
        headers=other,
    )
    assert r.status_code == 404
    r = await bank.client.get(f"{API}/budgets/summary", headers=other)
    assert r.status_code == 200 and r.json()["items"] == []


async def test_pages_render(bank: Bank, runtime: Runtime) -> None:
    headers, _account, card = await _setup(bank)
    await _purchase(bank, runtime, card, "42.00", "5411")
    await bank.client.post(
        f"{API}/budgets", json={"category": "supermercado", "amount": "50.00"}, headers=headers
    )
    token = headers["Authorization"].split()[1]
    bank.client.cookies.set("lastro_access", token)
    try:
        for path in ("/banking/budgets", "/banking/cards", "/banking/bills", "/banking/support"):
            r = await bank.client.get(path)
            assert r.status_code == 200, (path, r.text[:300])
        page = await bank.client.get("/banking/budgets")
        assert 'data-testid="chart-categories"' in page.text and "Supermercado" in page.text
        assert 'data-status="WARNING"' in page.text
        r = await bank.client.get("/banking/support/queue")
        assert r.status_code == 403
        cards_page = await bank.client.get("/banking/cards")
        csrf = re.search(r'name="csrf" value="([^"]+)"', cards_page.text)
        assert csrf is not None and card["last4"] in cards_page.text
        r = await bank.client.post(
            f"/banking/cards/{card['id']}/block", data={"csrf": csrf.group(1)}
        )
        assert r.status_code == 303 and r.headers["location"] == "/banking/cards"
        got = await bank.client.get(f"{API}/cards/{card['id']}", headers=headers)
        assert got.json()["status"] == "blocked"
        bank.client.cookies.set("lastro_access", bank.tenant.access_token)
        for path in (
            "/banking/cards/admin",
            "/banking/bills/admin",
            "/banking/budgets/admin",
            "/banking/support/queue",
        ):
            r = await bank.client.get(path)
            assert r.status_code == 200, (path, r.text[:300])
    finally:
        bank.client.cookies.clear()


async def test_tenant_isolation(bank: Bank, runtime: Runtime) -> None:
    headers, account, card = await _setup(bank)
    await _purchase(bank, runtime, card, "10.00", "5411")
    budget = (
        await bank.client.post(
            f"{API}/budgets", json={"category": "supermercado", "amount": "100.00"}, headers=headers
        )
    ).json()
    other = await bank.factory.tenant(modules=["banking"])
    r = await bank.client.get(
        f"{API}/analytics/category-spending",
        params={"account_id": account["id"]},
        headers=other.headers,
    )
    assert r.status_code == 404
    app = bank.client._transport.app  # type: ignore[attr-defined]
    await assert_tenant_isolation(
        IsolationCase(
            app=app,
            client=bank.client,
            owner_headers=bank.admin,
            intruder_headers=other.headers,
            resources={"budget_id": budget["id"]},
            bodies={("PATCH", "/api/v1/banking/budgets/{budget_id}"): {"amount": "1.00"}},
            only_prefixes=("/api/v1/banking/budgets", "/api/v1/banking/analytics"),
        )
    )
    async with runtime.db.session(platform=True, readonly=True) as session:
        from lastro.modules.banking.budgets.models import Budget

        assert await session.scalar(select(func.count()).select_from(Budget)) == 1
