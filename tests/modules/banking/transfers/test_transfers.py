"""Transfers through the HTTP API: P2P, PIX with the sandbox rail outcomes, TED window and
fee, limits, scheduling and cancel, incoming PIX webhook, refunds and MED."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import orjson
import pytest

from lastro.br.pix import generate_end_to_end_id, is_valid_end_to_end_id
from lastro.modules.banking.transfers import domain
from lastro.modules.banking.transfers.webhook import sign_rail_event
from tests.modules.banking.accounts.support import API, Bank

DAY = "lastro.modules.banking.transfers.service.utcnow"


def _noon(monkeypatch: pytest.MonkeyPatch, at: datetime | None = None) -> datetime:
    """Pin the transfer clock to a business day at noon in Brasília (limits and TED window
    depend on it)."""
    at = at or datetime(2026, 11, 25, 15, 0, tzinfo=UTC)  # Wednesday 12:00 -03
    monkeypatch.setattr(DAY, lambda: at)
    return at


async def _settings(bank: Bank, **values: Any) -> None:
    r = await bank.client.patch("/api/v1/settings/banking", json=values, headers=bank.admin)
    assert r.status_code == 200, r.text


async def _webhook(bank: Bank, payload: dict[str, Any], slug: str | None = None) -> Any:
    body = orjson.dumps(payload)
    slug = slug or bank.tenant.slug
    sig = sign_rail_event(bank.factory.runtime.settings, slug, body)
    return await bank.client.post(
        f"{API}/webhooks/rail/{slug}",
        content=body,
        headers={"X-Rail-Signature": sig, "Content-Type": "application/json"},
    )


def test_ted_window_and_night() -> None:
    sat = datetime(2026, 11, 28, 15, 0, tzinfo=UTC)
    start, end = domain.parse_hhmm("06:30"), domain.parse_hhmm("17:00")
    assert not domain.in_ted_window(sat, start, end)
    nxt = domain.next_ted_window(sat, start, end)
    assert nxt == datetime(2026, 11, 30, 9, 30, tzinfo=UTC)  # Monday 06:30 -03
    # Christmas (national holiday) on a Friday → next window on Monday 28/12
    xmas = datetime(2026, 12, 25, 13, 0, tzinfo=UTC)
    assert domain.next_ted_window(xmas, start, end).date().isoformat() == "2026-12-28"
    late = datetime(2026, 11, 25, 23, 30, tzinfo=UTC)  # 20:30 -03
    window = domain.night_window(late, 20)
    assert window is not None and window[1] == datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    assert domain.night_window(datetime(2026, 11, 25, 15, 0, tzinfo=UTC), 20) is None


async def test_p2p_moves_money_and_refuses_overdraft(
    bank: Bank, monkeypatch: pytest.MonkeyPatch
) -> None:
    _noon(monkeypatch)
    holder, headers = await bank.holder()
    a = await bank.account(holder=holder, funds="100.00")
    b = await bank.account(name="João Lima")
    r = await bank.client.post(
        f"{API}/transfers/p2p",
        json={"accountId": a["id"], "toAccountId": b["id"], "amount": "40.50"},
        headers=headers,
    )
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "completed"
    assert await bank.balance(a["id"]) == Decimal("59.50")
    assert await bank.balance(b["id"]) == Decimal("40.50")
    r = await bank.client.post(
        f"{API}/transfers/p2p",
        json={
            "accountId": a["id"],
            "toAgency": b["agency"],
            "toAccount": b["number"] + "-" + b["check_digit"],
            "amount": "59.51",
        },
        headers=headers,
    )
    assert r.status_code == 402 and r.json()["code"] == "INSUFFICIENT_BALANCE"
    # a holder cannot send from someone else's account
    r = await bank.client.post(
        f"{API}/transfers/p2p",
        json={"accountId": b["id"], "toAccountId": a["id"], "amount": "1.00"},
        headers=headers,
    )
    assert r.status_code == 404 and r.json()["code"] == "ACCOUNT_NOT_FOUND"
    st = (await bank.client.get(f"{API}/accounts/{b['id']}/statement", headers=bank.admin)).json()
    assert st["lines"][0]["kind"] == "p2p" and st["lines"][0]["transfer_id"]


async def test_pix_outcomes(bank: Bank, monkeypatch: pytest.MonkeyPatch) -> None:
    _noon(monkeypatch)
    a = await bank.account(funds="500.00")
    url = f"{API}/transfers/pix"
    body = {"accountId": a["id"], "amount": "100.00", "pixKey": "fulano@example.com"}
    ok = await bank.client.post(url, json=body, headers=bank.admin)
    assert ok.status_code == 201, ok.text
    assert ok.json()["status"] == "completed"
    assert is_valid_end_to_end_id(ok.json()["end_to_end_id"])
    assert ok.json()["end_to_end_id"].startswith("E99999999")
    rejected = await bank.client.post(
        url, json=body, headers={**bank.admin, "X-Sandbox-Outcome": "reject"}
    )
    assert rejected.json()["status"] == "rejected"
    assert await bank.balance(a["id"]) == Decimal("400.00")
    timeout = await bank.client.post(
        url, json=body, headers={**bank.admin, "X-Sandbox-Outcome": "timeout"}
    )
    assert timeout.json()["status"] == "pending"
    assert await bank.balance(a["id"]) == Decimal("300.00")  # held
    bad = await bank.client.post(url, json={**body, "pixKey": "123.456.789-00"}, headers=bank.admin)
    assert bad.status_code == 400 and bad.json()["code"] == "INVALID_PIX_KEY"
    # the rail settles late through its webhook, delivered twice: the money moves once
    tid = timeout.json()["id"]
    e2e = timeout.json()["end_to_end_id"]
    for expected in ("processed", "duplicate"):
        r = await _webhook(bank, {"event": "transfer.settled", "endToEndId": e2e})
        assert r.status_code == 200 and r.json()["status"] == expected
    got = (await bank.client.get(f"{API}/transfers/{tid}", headers=bank.admin)).json()
    assert got["status"] == "completed"
    r = await bank.client.get(f"{API}/accounts/{a['id']}/balance", headers=bank.admin)
    assert Decimal(r.json()["balance"]) == Decimal("300.00")
    assert Decimal(r.json()["blocked"]) == Decimal("0.00")


async def test_late_reject_releases_hold_via_status_query(
    bank: Bank, monkeypatch: pytest.MonkeyPatch
) -> None:
    _noon(monkeypatch)
    a = await bank.account(funds="50.00")
    r = await bank.client.post(
        f"{API}/transfers/pix",
        json={"accountId": a["id"], "amount": "50.00", "pixKey": "+5511987654321"},
        headers={**bank.admin, "X-Sandbox-Outcome": "late-reject"},
    )
    assert r.json()["status"] == "pending"
    assert await bank.balance(a["id"]) == Decimal("0.00")
    r = await bank.client.post(f"{API}/transfers/{r.json()['id']}/refresh", headers=bank.admin)
    assert r.json()["status"] == "rejected"
    assert await bank.balance(a["id"]) == Decimal("50.00")


async def test_ted_fee_and_window(bank: Bank, monkeypatch: pytest.MonkeyPatch) -> None:
    _noon(monkeypatch)
    a = await bank.account(funds="100.00")
    body = {
        "accountId": a["id"],
        "amount": "50.00",
        "bank": "341",
        "agency": "1234",
        "account": "56789-0",
        "holderName": "Ana Paula",
        "holderDocument": "529.982.247-25",
    }
    r = await bank.client.post(f"{API}/transfers/ted", json=body, headers=bank.admin)
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "completed" and Decimal(r.json()["fee"]) == Decimal("8.50")
    assert await bank.balance(a["id"]) == Decimal("41.50")
    st = (await bank.client.get(f"{API}/accounts/{a['id']}/statement", headers=bank.admin)).json()
    assert st["lines"][-1]["kind"] == "ted_out" and Decimal(st["lines"][-1]["amount"]) == Decimal(
        "-58.50"
    )
    # on Saturday it is scheduled for Monday's window, and can be cancelled
    _noon(monkeypatch, datetime(2026, 11, 28, 15, 0, tzinfo=UTC))
    r = await bank.client.post(
        f"{API}/transfers/ted", json={**body, "amount": "10.00"}, headers=bank.admin
    )
    assert r.json()["status"] == "scheduled"
    assert r.json()["scheduled_for"].startswith("2026-11-30T09:30")
    c = await bank.client.post(f"{API}/transfers/{r.json()['id']}/cancel", headers=bank.admin)
    assert c.json()["status"] == "cancelled"
    again = await bank.client.post(f"{API}/transfers/{c.json()['id']}/cancel", headers=bank.admin)
    assert again.json()["status"] == "cancelled"


async def test_scheduled_pix_runs_by_job(bank: Bank, monkeypatch: pytest.MonkeyPatch) -> None:
    now = _noon(monkeypatch)
    a = await bank.account(funds="30.00")
    when = now + timedelta(hours=2)
    r = await bank.client.post(
        f"{API}/transfers/pix",
        json={
            "accountId": a["id"],
            "amount": "20.00",
            "pixKey": "5e6c3b1a-1111-4222-8333-944455556666",
            "scheduledFor": when.isoformat(),
        },
        headers=bank.admin,
    )
    assert r.json()["status"] == "scheduled"
    other = await bank.client.post(
        f"{API}/transfers/pix",
        json={
            "accountId": a["id"],
            "amount": "20.00",
            "pixKey": "x@y.com.br",
            "scheduledFor": when.isoformat(),
        },
        headers=bank.admin,
    )
    from lastro.modules.banking.transfers.tasks import run_scheduled

    monkeypatch.setattr(DAY, lambda: when)
    assert await run_scheduled(bank.factory.runtime.db, now=when + timedelta(seconds=1)) == 2
    states = []
    for t in (r, other):
        got = await bank.client.get(f"{API}/transfers/{t.json()['id']}", headers=bank.admin)
        states.append(got.json()["status"])
    states.sort()
    assert states == ["completed", "failed"]  # the second found no balance left
    assert await bank.balance(a["id"]) == Decimal("10.00")


async def test_limits(bank: Bank, monkeypatch: pytest.MonkeyPatch) -> None:
    _noon(monkeypatch)
    holder, headers = await bank.holder()
    a = await bank.account(holder=holder, funds="5000.00")
    b = await bank.account()
    await _settings(bank, transfers_per_hour_limit=3, transfers_daily_limit_individual="300.00")
    body = {"accountId": a["id"], "toAccountId": b["id"], "amount": "100.00"}
    for _ in range(3):
        assert (
            await bank.client.post(f"{API}/transfers/p2p", json=body, headers=headers)
        ).status_code == 201
    r = await bank.client.post(
        f"{API}/transfers/p2p", json={**body, "amount": "1.00"}, headers=headers
    )
    assert r.status_code == 402 and r.json()["code"] == "TRANSFER_LIMIT_EXCEEDED"
    await _settings(bank, transfers_per_hour_limit=100)
    r = await bank.client.post(
        f"{API}/transfers/p2p", json={**body, "amount": "0.01"}, headers=headers
    )
    assert r.status_code == 402 and "diário" in r.json()["detail"]
    # night: individuals limited to R$ 1.000 between 20h and 6h
    await _settings(bank, transfers_daily_limit_individual="100000.00")
    _noon(monkeypatch, datetime(2026, 11, 26, 0, 30, tzinfo=UTC))  # 21:30 -03
    r = await bank.client.post(
        f"{API}/transfers/p2p", json={**body, "amount": "1000.01"}, headers=headers
    )
    assert r.status_code == 402 and "noturno" in r.json()["detail"]


async def test_incoming_pix_refund_and_med(bank: Bank, monkeypatch: pytest.MonkeyPatch) -> None:
    _noon(monkeypatch)
    holder, headers = await bank.holder()
    a = await bank.account(holder=holder)
    key = await bank.client.post(
        f"{API}/accounts/{a['id']}/pix-keys",
        json={"type": "email", "value": "Maria@Example.com"},
        headers=headers,
    )
    assert key.status_code == 201
    e2e = generate_end_to_end_id("12345678", datetime.now(UTC))
    payload = {
        "event": "pix.received",
        "endToEndId": e2e,
        "amount": "200.00",
        "key": "maria@example.com",
        "payer": {"name": "Loja X", "document": "11222333000181"},
    }
    first = await _webhook(bank, payload)
    assert first.status_code == 200 and first.json()["status"] == "processed"
    second = await _webhook(bank, payload)
    assert second.json() == first.json() | {"status": "duplicate"}
    assert await bank.balance(a["id"]) == Decimal("200.00")
    # forged or cross-tenant signatures are refused
    body = orjson.dumps(
        payload | {"endToEndId": generate_end_to_end_id("12345678", datetime.now(UTC))}
    )
    r = await bank.client.post(
        f"{API}/webhooks/rail/{bank.tenant.slug}",
        content=body,
        headers={"X-Rail-Signature": "t=1,v1=00"},
    )
    assert r.status_code == 401
    incoming = first.json()["transfer_id"]
    r = await bank.client.post(
        f"{API}/transfers/{incoming}/refund", json={"amount": "50.00"}, headers=headers
    )
    assert r.status_code == 201 and r.json()["status"] == "completed"
    assert r.json()["end_to_end_id"].startswith("D")
    assert await bank.balance(a["id"]) == Decimal("150.00")
    r = await bank.client.post(
        f"{API}/transfers/{incoming}/refund", json={"amount": "150.01"}, headers=headers
    )
    assert r.status_code == 409 and r.json()["code"] == "REFUND_EXCEEDS_ORIGINAL"
    # MED: blocks what remains refundable, accepted → returned
    med = await _webhook(
        bank,
        {"event": "med.opened", "originalEndToEndId": e2e, "amount": "500.00", "reason": "golpe"},
    )
    assert med.json()["status"] == "processed"
    assert (
        await _webhook(bank, {"event": "med.opened", "originalEndToEndId": e2e, "amount": "500.00"})
    ).json()["status"] == "duplicate"
    assert await bank.balance(a["id"]) == Decimal("0.00")
    r = await bank.client.post(
        f"{API}/transfers/{med.json()['transfer_id']}/med",
        json={"accept": True},
        headers=bank.admin,
    )
    assert r.json()["status"] == "completed" and Decimal(r.json()["amount"]) == Decimal("150.00")
    bal = await bank.client.get(f"{API}/accounts/{a['id']}/balance", headers=bank.admin)
    assert Decimal(bal.json()["balance"]) == Decimal("0.00")


async def test_return_of_outbound_pix(bank: Bank, monkeypatch: pytest.MonkeyPatch) -> None:
    _noon(monkeypatch)
    a = await bank.account(funds="80.00")
    r = await bank.client.post(
        f"{API}/transfers/pix",
        json={"accountId": a["id"], "amount": "80.00", "pixKey": "a@b.com"},
        headers=bank.admin,
    )
    e2e = r.json()["end_to_end_id"]
    ret = generate_end_to_end_id("12345678", datetime.now(UTC), prefix="D")
    for expected in ("processed", "duplicate"):
        w = await _webhook(
            bank,
            {
                "event": "pix.returned",
                "returnId": ret,
                "originalEndToEndId": e2e,
                "amount": "30.00",
            },
        )
        assert w.json()["status"] == expected
    assert await bank.balance(a["id"]) == Decimal("30.00")


async def test_list_filters_and_visibility(bank: Bank, monkeypatch: pytest.MonkeyPatch) -> None:
    _noon(monkeypatch)
    h1, headers1 = await bank.holder()
    h2, headers2 = await bank.holder()
    a = await bank.account(holder=h1, funds="10.00")
    b = await bank.account(holder=h2)
    c = await bank.account()
    await bank.client.post(
        f"{API}/transfers/p2p",
        json={"accountId": a["id"], "toAccountId": b["id"], "amount": "1.00"},
        headers=headers1,
    )
    await bank.client.post(
        f"{API}/transfers/pix",
        json={"accountId": a["id"], "amount": "1.00", "pixKey": "q@w.com"},
        headers=headers1,
    )
    await bank.client.post(
        f"{API}/transfers/p2p",
        json={"accountId": c["id"], "toAccountId": c["id"], "amount": "1.00"},
        headers=bank.admin,
    )
    mine = (await bank.client.get(f"{API}/transfers", headers=headers1)).json()
    assert mine["total"] == 2
    theirs = (await bank.client.get(f"{API}/transfers?type=p2p", headers=headers2)).json()
    assert theirs["total"] == 1 and theirs["items"][0]["counterparty_account_id"] == b["id"]
    assert (await bank.client.get(f"{API}/transfers?type=pix", headers=headers2)).json()[
        "total"
    ] == 0
    other = mine["items"][0]["id"]
    assert (
        await bank.client.get(f"{API}/transfers/{uuid.uuid4()}", headers=headers2)
    ).status_code == 404
    del other


async def test_frozen_or_unapproved_accounts_cannot_send(
    bank: Bank, monkeypatch: pytest.MonkeyPatch
) -> None:
    _noon(monkeypatch)
    a = await bank.account(funds="20.00")
    b = await bank.account()
    body = {"accountId": a["id"], "toAccountId": b["id"], "amount": "5.00"}
    await bank.client.post(f"{API}/accounts/{a['id']}/freeze", json={}, headers=bank.admin)
    r = await bank.client.post(f"{API}/transfers/p2p", json=body, headers=bank.admin)
    assert r.status_code == 403 and r.json()["code"] == "ACCOUNT_FROZEN"
    # a frozen account still receives
    r = await bank.client.post(
        f"{API}/transfers/p2p",
        json={"accountId": b["id"], "toAccountId": a["id"], "amount": "0.01"},
        headers=bank.admin,
    )
    assert r.status_code == 402  # b is empty: the ledger refuses, not the freeze
    await bank.client.post(f"{API}/accounts/{a['id']}/unfreeze", headers=bank.admin)
    await bank.client.post(
        f"{API}/accounts/{a['id']}/kyc", json={"status": "pending"}, headers=bank.admin
    )
    r = await bank.client.post(f"{API}/transfers/p2p", json=body, headers=bank.admin)
    assert r.status_code == 403 and r.json()["code"] == "KYC_NOT_APPROVED"
    assert await bank.balance(a["id"]) == Decimal("20.00")


async def test_p2p_target_checks_and_keyed_retry(
    bank: Bank, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The source lock and the target are read together: every refusal about either still
    answers on its own, and a keyed retry replays the first answer without moving money."""
    _noon(monkeypatch)
    a = await bank.account(funds="50.00")
    b = await bank.account(name="Ana Dias")
    url = f"{API}/transfers/p2p"
    unknown = {"accountId": a["id"], "toAccountId": str(uuid.uuid4()), "amount": "1.00"}
    r = await bank.client.post(url, json=unknown, headers=bank.admin)
    assert r.status_code == 404 and r.json()["code"] == "ACCOUNT_NOT_FOUND"
    r = await bank.client.post(url, json={**unknown, "toAccountId": a["id"]}, headers=bank.admin)
    assert r.status_code == 400 and r.json()["code"] == "INVALID_TRANSFER"
    # an account of another tenant is not found, from either side
    other = Bank(bank.client, bank.factory, await bank.factory.tenant(modules=["banking"]))
    foreign = await other.account(funds="10.00")
    r = await bank.client.post(
        url, json={**unknown, "toAccountId": foreign["id"]}, headers=bank.admin
    )
    assert r.status_code == 404 and r.json()["code"] == "ACCOUNT_NOT_FOUND"
    r = await bank.client.post(
        url,
        json={"accountId": foreign["id"], "toAccountId": b["id"], "amount": "1.00"},
        headers=bank.admin,
    )
    assert r.status_code == 404 and r.json()["code"] == "ACCOUNT_NOT_FOUND"
    # a closed target refuses credits
    c = await bank.account()
    closed = await bank.client.post(
        f"{API}/accounts/{c['id']}/close", json={"reason": "pedido"}, headers=bank.admin
    )
    assert closed.status_code == 200, closed.text
    r = await bank.client.post(url, json={**unknown, "toAccountId": c["id"]}, headers=bank.admin)
    assert r.status_code == 409 and r.json()["code"] == "ACCOUNT_CLOSED"
    # the same key twice: one movement, the first answer replayed
    body = {"accountId": a["id"], "toAccountId": b["id"], "amount": "7.25"}
    keyed = {**bank.admin, "Idempotency-Key": f"p2p-{uuid.uuid4().hex}"}
    first = await bank.client.post(url, json=body, headers=keyed)
    again = await bank.client.post(url, json=body, headers=keyed)
    assert first.status_code == again.status_code == 201, first.text
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    assert await bank.balance(a["id"]) == Decimal("42.75")
    assert await bank.balance(b["id"]) == Decimal("7.25")
    assert await other.balance(foreign["id"]) == Decimal("10.00")


async def test_night_limit_spans_midnight_daily_resets(
    bank: Bank, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One statement reads both totals: the night period runs 20:00–06:00 across midnight,
    while the daily limit starts again at 00:00 (Brasília)."""
    holder, headers = await bank.holder()
    a = await bank.account(holder=holder, funds="2000.00")
    b = await bank.account()
    await _settings(bank, transfers_night_limit="300.00", transfers_daily_limit_individual="250.00")
    url = f"{API}/transfers/p2p"

    async def send(at: datetime, amount: str) -> Any:
        _noon(monkeypatch, at)
        body = {"accountId": a["id"], "toAccountId": b["id"], "amount": amount}
        return await bank.client.post(url, json=body, headers=headers)

    r = await send(datetime(2026, 11, 26, 2, 0, tzinfo=UTC), "200.00")  # 23:00 -03
    assert r.status_code == 201 and r.json()["night"] is True
    r = await send(datetime(2026, 11, 26, 2, 30, tzinfo=UTC), "60.00")  # 23:30: day 260
    assert r.status_code == 402 and "diário" in r.json()["detail"]
    r = await send(datetime(2026, 11, 26, 3, 30, tzinfo=UTC), "60.00")  # 00:30: new day
    assert r.status_code == 201, r.text
    r = await send(datetime(2026, 11, 26, 3, 40, tzinfo=UTC), "50.00")  # night 310
    assert r.status_code == 402 and "noturno" in r.json()["detail"]
    r = await send(datetime(2026, 11, 26, 9, 30, tzinfo=UTC), "50.00")  # 06:30: day 110
    assert r.status_code == 201 and r.json()["night"] is False
    assert await bank.balance(b["id"]) == Decimal("310.00")


async def test_hourly_limit_also_for_scheduled_orders(
    bank: Bank, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _noon(monkeypatch)
    holder, headers = await bank.holder()
    a = await bank.account(holder=holder, funds="100.00")
    b = await bank.account()
    await _settings(bank, transfers_per_hour_limit=2)
    body = {"accountId": a["id"], "toAccountId": b["id"], "amount": "1.00"}
    later = {**body, "scheduledFor": (at + timedelta(days=1)).isoformat()}
    url = f"{API}/transfers/p2p"
    assert (await bank.client.post(url, json=body, headers=headers)).status_code == 201
    r = await bank.client.post(url, json=later, headers=headers)
    assert r.status_code == 201 and r.json()["status"] == "scheduled"
    for attempt in (body, later):
        r = await bank.client.post(url, json=attempt, headers=headers)
        assert r.status_code == 402 and r.json()["code"] == "TRANSFER_LIMIT_EXCEEDED"
    # an hour later the window has moved on
    _noon(monkeypatch, at + timedelta(hours=1, seconds=1))
    assert (await bank.client.post(url, json=body, headers=headers)).status_code == 201
    assert await bank.balance(b["id"]) == Decimal("2.00")
