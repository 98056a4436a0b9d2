"""Reliability of banking under concurrency and failures (PostgreSQL for the concurrent one).

* 64 concurrent clients make random P2P and PIX transfers through the HTTP API among 100
  accounts, retrying the same Idempotency-Key: every retry gets the first answer, the ledger
  verifies, no account goes below zero and not a cent is created or lost.
* A rail that times out and settles late, its webhook delivered twice: money moves once.
* Tenant isolation over every banking accounts/transfers route; account data never in logs
  or error bodies.
"""

from __future__ import annotations

import asyncio
import logging
import random
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import orjson
import pytest

from lastro.br.documents import generate_cpf
from lastro.core.ledger.verify import verify_ledgers
from lastro.modules.banking.accounts import service as accounts
from lastro.modules.banking.accounts.books import bank_books
from lastro.modules.banking.transfers.webhook import sign_rail_event
from tests.architecture.isolation import IsolationCase, assert_tenant_isolation
from tests.modules.banking.accounts.support import API, Bank, bank, runtime

__all__ = ["bank", "runtime"]

CLIENTS = 64
ACCOUNTS = 100
OPS_PER_CLIENT = 3
FUNDS = Decimal("100.00")
NOON = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)


async def _open_funded(bank: Bank, count: int) -> list[str]:
    """Open and fund ``count`` accounts through the services in one transaction (the HTTP
    path is what is under test, not the set-up)."""
    db = bank.factory.runtime.db
    ids: list[str] = []
    async with db.unit_of_work(tenant_id=bank.tenant.id) as session:
        books = await bank_books(session)
        for i in range(count):
            account = await accounts.open_account(
                session, kind="individual", holder_name=f"Cliente {i}", document=generate_cpf()
            )
            await accounts.credit(
                session,
                account,
                amount=FUNDS,
                debit_from=books.reserve,
                idempotency_key=f"seed:{account.id}",
                metadata=accounts.movement_metadata("deposit", "depositos", "Carga inicial"),
            )
            ids.append(str(account.id))
    return ids


async def test_concurrent_transfers_with_retries(
    bank: Bank, db_backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if db_backend == "sqlite":
        pytest.skip("concurrency is measured on PostgreSQL (SQLite has a single writer)")
    monkeypatch.setattr("lastro.modules.banking.transfers.service.utcnow", lambda: NOON)
    r = await bank.client.patch(
        "/api/v1/settings/banking",
        json={
            "transfers_per_hour_limit": 100_000,
            "transfers_daily_limit_individual": "1000000.00",
        },
        headers=bank.admin,
    )
    assert r.status_code == 200, r.text
    ids = await _open_funded(bank, ACCOUNTS)
    rng = random.Random(8)
    answers: dict[str, tuple[int, bytes]] = {}
    mismatches: list[str] = []
    statuses: dict[int, int] = {}

    async def send(path: str, body: dict[str, Any], key: str) -> tuple[int, bytes]:
        for _ in range(20):  # a key still in flight answers 409 IN_PROGRESS: ask again
            resp = await bank.client.post(
                path, json=body, headers={**bank.admin, "Idempotency-Key": key}
            )
            if resp.status_code != 409:
                return resp.status_code, resp.content
            await asyncio.sleep(0.01)
        return resp.status_code, resp.content

    async def client(n: int) -> None:
        local = random.Random(n)
        for op in range(OPS_PER_CLIENT):
            src = local.choice(ids)
            amount = f"{local.randint(100, 6000) / 100:.2f}"
            if local.random() < 0.6:
                dst = local.choice([i for i in ids if i != src])
                path, body = (
                    f"{API}/transfers/p2p",
                    {"accountId": src, "toAccountId": dst, "amount": amount},
                )
            else:
                path, body = (
                    f"{API}/transfers/pix",
                    {"accountId": src, "amount": amount, "pixKey": f"c{n}.{op}@example.com"},
                )
            key = f"k-{n}-{op}-{uuid.uuid4().hex[:6]}"
            first = await send(path, body, key)
            answers[key] = first
            statuses[first[0]] = statuses.get(first[0], 0) + 1
            for _ in range(local.choice((1, 2))):
                again = await send(path, body, key)
                if again != first:
                    mismatches.append(f"{key}: {first[0]} then {again[0]}")

    del rng
    await asyncio.gather(*(client(n) for n in range(CLIENTS)))
    assert not mismatches, mismatches[:5]
    assert set(statuses) <= {201, 402}, statuses
    assert statuses.get(201, 0) > CLIENTS * OPS_PER_CLIENT // 2

    report = await verify_ledgers(bank.factory.runtime.db, bank.tenant.id)
    assert report.ok, [p.message for p in report.problems]
    total = Decimal(0)
    sent_out = Decimal(0)
    async with bank.factory.runtime.db.unit_of_work(tenant_id=bank.tenant.id) as session:
        for account_id in ids:
            acc = await accounts.get_account(session, uuid.UUID(account_id))
            bal = await accounts.balance(session, acc)
            assert bal.posted >= 0 and bal.available >= 0
            total += bal.posted
        books = await bank_books(session)
        from lastro.core.ledger.service import ledger_service

        pix = await ledger_service.balance(session, books.pix_settlement)
        sent_out = -pix.posted  # PIX settlement (asset) was credited by every PIX sent
    assert total + sent_out == FUNDS * ACCOUNTS
    # every 201 is a transfer row, and its money is in the books exactly once
    listed = await bank.client.get(f"{API}/transfers?limit=1", headers=bank.admin)
    assert listed.json()["total"] == statuses.get(201, 0)


async def test_timeout_then_late_settle_and_duplicate_webhook(bank: Bank) -> None:
    account = await bank.account(funds="100.00")
    r = await bank.client.post(
        f"{API}/transfers/pix",
        json={"accountId": account["id"], "amount": "60.00", "pixKey": "loja@example.com"},
        headers={**bank.admin, "X-Sandbox-Outcome": "timeout"},
    )
    if r.status_code == 402:  # the real clock is in the night period: stay under its limit
        pytest.fail(r.text)
    transfer = r.json()
    assert transfer["status"] == "pending"
    # a status query while the rail still does not know changes nothing
    r = await bank.client.post(f"{API}/transfers/{transfer['id']}/refresh", headers=bank.admin)
    assert r.json()["status"] == "pending"
    body = orjson.dumps({"event": "transfer.settled", "endToEndId": transfer["end_to_end_id"]})
    sig = sign_rail_event(bank.factory.runtime.settings, bank.tenant.slug, body)
    answers = await asyncio.gather(
        *(
            bank.client.post(
                f"{API}/webhooks/rail/{bank.tenant.slug}",
                content=body,
                headers={"X-Rail-Signature": sig, "Content-Type": "application/json"},
            )
            for _ in range(2)
        )
    )
    assert sorted(a.json()["status"] for a in answers if a.status_code == 200)[0] in (
        "processed",
        "duplicate",
    )
    again = await bank.client.post(
        f"{API}/webhooks/rail/{bank.tenant.slug}",
        content=body,
        headers={"X-Rail-Signature": sig, "Content-Type": "application/json"},
    )
    assert again.json()["status"] == "duplicate"
    bal = (
        await bank.client.get(f"{API}/accounts/{account['id']}/balance", headers=bank.admin)
    ).json()
    assert Decimal(bal["balance"]) == Decimal("40.00") and Decimal(bal["blocked"]) == 0
    report = await verify_ledgers(bank.factory.runtime.db, bank.tenant.id)
    assert report.ok, [p.message for p in report.problems]


async def test_tenant_isolation_and_no_account_data_in_logs(
    bank: Bank, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("lastro.modules.banking.transfers.service.utcnow", lambda: NOON)
    holder, _ = await bank.holder()
    a = await bank.account(holder=holder, funds="50.00", name="Titular Secreto")
    b = await bank.account(funds="5.00")
    key = await bank.client.post(
        f"{API}/accounts/{a['id']}/pix-keys", json={"type": "evp"}, headers=bank.admin
    )
    dep = await bank.client.post(
        f"{API}/accounts/{a['id']}/deposits", json={"amount": "10.00"}, headers=bank.admin
    )
    t = await bank.client.post(
        f"{API}/transfers/p2p",
        json={"accountId": a["id"], "toAccountId": b["id"], "amount": "1.00"},
        headers=bank.admin,
    )
    intruder = await bank.factory.tenant(modules=["banking"])
    app = bank.client._transport.app  # type: ignore[attr-defined]
    caplog.set_level(logging.DEBUG)
    case = IsolationCase(
        app=app,
        client=bank.client,
        owner_headers=bank.admin,
        intruder_headers=intruder.headers,
        resources={
            "account_id": a["id"],
            "transfer_id": t.json()["id"],
            "key_id": key.json()["id"],
            "deposit_id": dep.json()["id"],
        },
        bodies={
            ("POST", f"{API}/transfers/{{transfer_id}}/med"): {"accept": True},
            ("POST", f"{API}/transfers/{{transfer_id}}/sandbox-resolve"): {"outcome": "settled"},
            ("POST", f"{API}/transfers/{{transfer_id}}/refund"): {"amount": "1.00"},
            ("POST", f"{API}/accounts/{{account_id}}/kyc"): {"status": "approved"},
            ("POST", f"{API}/accounts/{{account_id}}/deposits"): {"amount": "1.00"},
            ("POST", f"{API}/accounts/{{account_id}}/pix-keys"): {"type": "evp"},
        },
        only_prefixes=(f"{API}/accounts", f"{API}/transfers"),
    )
    report = await assert_tenant_isolation(case)
    assert report.checked
    # an insufficient-balance refusal says nothing about the account
    r = await bank.client.post(
        f"{API}/transfers/p2p",
        json={"accountId": a["id"], "toAccountId": b["id"], "amount": "999999.00"},
        headers=bank.admin,
    )
    assert r.status_code == 402
    for secret in (a["document"], a["number"], "Titular Secreto"):
        assert secret not in r.text
        assert secret not in caplog.text
