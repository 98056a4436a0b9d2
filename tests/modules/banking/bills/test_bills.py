"""Bill payment through the HTTP API against the real ledger: validation vectors (boleto and
arrecadação, wrong check digits), paying, BILL_ALREADY_PAID (also under concurrency),
scheduling and the job, receipts, and the tenant-isolation walk."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from lastro.br.arrecadacao import build_arrecadacao
from lastro.br.boleto import build_boleto
from lastro.core.ledger.verify import verify_ledgers
from lastro.core.runtime import Runtime
from lastro.kit.clock import today_sp
from lastro.modules.banking.bills.service import run_scheduled
from tests.architecture.isolation import IsolationCase, assert_tenant_isolation
from tests.modules.banking.accounts.support import API, Bank

B = f"{API}/bills"
CAIXA = "10492.00650 61000.100042 00997.263900 9 89810000021403"  # 2022-05-10, R$ 214,03
CAIXA_BARCODE = "10499898100000214032006561000100040099726390"
TELECOM = "846700000009 109910422020 312310000004 000000543215"  # segment 4, R$ 10,99


def _boleto(amount: str = "150.00", days: int = 10, seed: int = 1) -> str:
    return build_boleto(
        "341", today_sp() + timedelta(days=days), Decimal(amount), f"{seed:025d}"
    ).linha_digitavel


async def _holder_account(
    bank: Bank, funds: str = "1000.00"
) -> tuple[dict[str, str], dict[str, Any]]:
    holder, headers = await bank.holder()
    return headers, await bank.account(holder=holder, funds=funds)


@pytest.mark.parametrize("line", [CAIXA, CAIXA_BARCODE, CAIXA.replace(" ", "").replace(".", "")])
async def test_validate_boleto_vectors(bank: Bank, line: str) -> None:
    r = await bank.client.post(f"{B}/validate", json={"line": line}, headers=bank.admin)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["kind"] == "boleto" and body["bank_code"] == "104" and body["bank_name"] == "Caixa"
    assert Decimal(body["amount"]) == Decimal("214.03") and body["due_date"] == "2022-05-10"
    assert body["barcode"] == CAIXA_BARCODE and body["overdue"] is True and not body["already_paid"]


async def test_validate_arrecadacao(bank: Bank) -> None:
    r = await bank.client.post(f"{B}/validate", json={"line": TELECOM}, headers=bank.admin)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["kind"] == "arrecadacao" and body["segment"] == "4" and body["company_id"] == "1042"
    assert Decimal(body["amount"]) == Decimal("10.99") and body["due_date"] is None


@pytest.mark.parametrize(
    "line",
    [
        "10492.00650 61000.100042 00997.263900 8 89810000021403",  # general DV
        "10492.00651 61000.100042 00997.263900 9 89810000021403",  # field 1 DV
        "10499898100000214032006561000100040099726391",  # barcode: content changed
        "846700000008 109910422020 312310000004 000000543215",  # arrecadação block DV
        "846700000009 109910422020 312310000004 00000054321",  # length
        "abcdefghijklmnopqrstuvwxyz",
    ],
)
async def test_wrong_check_digit_is_invalid_barcode(bank: Bank, line: str) -> None:
    r = await bank.client.post(f"{B}/validate", json={"line": line}, headers=bank.admin)
    assert r.status_code == 400, r.text
    assert r.json()["code"] == "INVALID_BARCODE" and r.json()["reason"]
    headers, account = await _holder_account(bank)
    r = await bank.client.post(
        f"{B}/pay", json={"account_id": account["id"], "line": line}, headers=headers
    )
    assert r.status_code == 400 and r.json()["code"] == "INVALID_BARCODE"


async def test_pay_now_receipt_and_second_payment_refused(bank: Bank, runtime: Runtime) -> None:
    headers, account = await _holder_account(bank, "500.00")
    line = _boleto("150.00")
    r = await bank.client.post(
        f"{B}/pay",
        json={"accountId": account["id"], "line": line, "description": "Escola"},
        headers=headers,
    )
    assert r.status_code == 201, r.text
    paid = r.json()
    assert paid["status"] == "paid" and paid["entry_id"] and paid["authentication"]
    assert Decimal(paid["amount"]) == Decimal("150.00")
    assert await bank.balance(account["id"]) == Decimal("350.00")

    r = await bank.client.post(
        f"{B}/pay", json={"account_id": account["id"], "line": line}, headers=headers
    )
    assert r.status_code == 409 and r.json()["code"] == "BILL_ALREADY_PAID"
    # the same bill from another account of the bank, scanned as a barcode
    other_headers, other = await _holder_account(bank)
    barcode = (await bank.client.post(f"{B}/validate", json={"line": line}, headers=headers)).json()
    assert barcode["already_paid"] is True
    r = await bank.client.post(
        f"{B}/pay",
        json={"account_id": other["id"], "line": barcode["barcode"]},
        headers=other_headers,
    )
    assert r.status_code == 409 and r.json()["code"] == "BILL_ALREADY_PAID"
    assert await bank.balance(account["id"]) == Decimal("350.00")
    assert await bank.balance(other["id"]) == Decimal("1000.00")

    r = await bank.client.get(f"{B}/{paid['id']}/receipt", headers=headers)
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    assert r.headers["content-type"] == "application/pdf"
    listed = (await bank.client.get(B, headers=headers)).json()
    assert [p["id"] for p in listed["items"]] == [paid["id"]]
    assert (await bank.client.get(B, headers=other_headers)).json()["items"] == []
    r = await bank.client.get(f"{B}/{paid['id']}/receipt", headers=other_headers)
    assert r.status_code == 404
    assert (await verify_ledgers(runtime.db, bank.tenant.id)).ok


async def test_amounts_and_balance(bank: Bank) -> None:
    headers, account = await _holder_account(bank, "100.00")
    r = await bank.client.post(
        f"{B}/pay",
        json={"account_id": account["id"], "line": _boleto("100.01", seed=2)},
        headers=headers,
    )
    assert r.status_code == 402 and r.json()["code"] == "INSUFFICIENT_BALANCE"
    # nothing was kept: the bill can be paid once there is money
    await bank.fund(account["id"], Decimal("0.01"))
    r = await bank.client.post(
        f"{B}/pay",
        json={"account_id": account["id"], "line": _boleto("100.01", seed=2)},
        headers=headers,
    )
    assert r.status_code == 201, r.text
    assert await bank.balance(account["id"]) == Decimal("0.00")
    # a bill with an amount is paid for that amount
    await bank.fund(account["id"], Decimal("50.00"))
    slip = build_arrecadacao("2", "8", Decimal("12.34"), "0222", "0" * 24 + "7").linha_digitavel
    r = await bank.client.post(
        f"{B}/pay",
        json={"account_id": account["id"], "line": slip, "amount": "10.00"},
        headers=headers,
    )
    assert r.status_code == 422 and r.json()["code"] == "AMOUNT_MISMATCH"
    # one without (a reference value) needs the payer's amount
    ref = build_arrecadacao("5", "7", Decimal("9.99"), "0555", "1" * 25).linha_digitavel
    r = await bank.client.post(
        f"{B}/pay", json={"account_id": account["id"], "line": ref}, headers=headers
    )
    assert r.status_code == 422 and r.json()["code"] == "AMOUNT_REQUIRED"
    r = await bank.client.post(
        f"{B}/pay",
        json={"account_id": account["id"], "line": ref, "amount": "20.00"},
        headers=headers,
    )
    assert r.status_code == 201 and Decimal(r.json()["amount"]) == Decimal("20.00")
    assert await bank.balance(account["id"]) == Decimal("30.00")


async def test_schedule_cancel_and_job(bank: Bank, runtime: Runtime) -> None:
    headers, account = await _holder_account(bank, "300.00")
    tomorrow = today_sp() + timedelta(days=1)
    line = _boleto("120.00", seed=3)
    r = await bank.client.post(
        f"{B}/pay",
        json={"account_id": account["id"], "line": line, "scheduledFor": tomorrow.isoformat()},
        headers=headers,
    )
    assert r.status_code == 201, r.text
    scheduled = r.json()
    assert scheduled["status"] == "scheduled" and scheduled["entry_id"] is None
    assert await bank.balance(account["id"]) == Decimal("300.00")
    r = await bank.client.post(
        f"{B}/pay", json={"account_id": account["id"], "line": line}, headers=headers
    )
    assert r.status_code == 409 and r.json()["code"] == "BILL_ALREADY_PAID"
    r = await bank.client.post(f"{B}/{scheduled['id']}/cancel", headers=headers)
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    # cancelled: it can be scheduled again
    r = await bank.client.post(
        f"{B}/pay",
        json={"account_id": account["id"], "line": line, "scheduled_for": tomorrow.isoformat()},
        headers=headers,
    )
    again = r.json()
    # one that will fail for lack of money
    big = _boleto("250.00", seed=4)
    r = await bank.client.post(
        f"{B}/pay",
        json={"account_id": account["id"], "line": big, "scheduled_for": tomorrow.isoformat()},
        headers=headers,
    )
    assert r.status_code == 201
    assert await run_scheduled(runtime.db, day=today_sp()) == {"paid": 0, "failed": 0, "skipped": 0}
    outcome = await run_scheduled(runtime.db, day=tomorrow)
    assert outcome == {"paid": 1, "failed": 1, "skipped": 0}
    assert (await bank.client.get(f"{B}/{again['id']}", headers=headers)).json()["status"] == "paid"
    failed = (await bank.client.get(B, params={"status": "failed"}, headers=headers)).json()[
        "items"
    ]
    assert len(failed) == 1 and "insuficiente" in failed[0]["failure_reason"].lower()
    assert await bank.balance(account["id"]) == Decimal("180.00")
    # the failed bill is free to be paid another way
    await bank.fund(account["id"], Decimal("100.00"))
    r = await bank.client.post(
        f"{B}/pay", json={"account_id": account["id"], "line": big}, headers=headers
    )
    assert r.status_code == 201
    assert await run_scheduled(runtime.db, day=tomorrow) == {"paid": 0, "failed": 0, "skipped": 0}
    r = await bank.client.post(
        f"{B}/pay",
        json={"account_id": account["id"], "line": _boleto(seed=5), "scheduled_for": "2020-01-01"},
        headers=headers,
    )
    assert r.status_code == 422


async def test_concurrent_double_payment_pays_once(bank: Bank, db_backend: str) -> None:
    headers, account = await _holder_account(bank, "1000.00")
    line = _boleto("90.00", seed=6)

    async def pay() -> int:
        r = await bank.client.post(
            f"{B}/pay", json={"account_id": account["id"], "line": line}, headers=headers
        )
        assert r.status_code in (201, 409), r.text
        if r.status_code == 409:
            assert r.json()["code"] == "BILL_ALREADY_PAID"
        return r.status_code

    codes = await asyncio.gather(*(pay() for _ in range(8 if db_backend == "postgres" else 3)))
    assert codes.count(201) == 1
    assert await bank.balance(account["id"]) == Decimal("910.00")


async def test_tenant_isolation(bank: Bank) -> None:
    headers, account = await _holder_account(bank)
    paid = (
        await bank.client.post(
            f"{B}/pay", json={"account_id": account["id"], "line": _boleto(seed=7)}, headers=headers
        )
    ).json()
    other = await bank.factory.tenant(modules=["banking"])
    other_account = await Bank(bank.client, bank.factory, other).account(funds="500.00")
    # the same bill in another bank (tenant) is not "already paid" there
    r = await bank.client.post(
        f"{B}/validate", json={"line": _boleto(seed=7)}, headers=other.headers
    )
    assert r.json()["already_paid"] is False
    r = await bank.client.post(
        f"{B}/pay",
        json={"account_id": account["id"], "line": _boleto(seed=8)},
        headers=other.headers,
    )
    assert r.status_code == 404
    assert other_account["id"]
    app = bank.client._transport.app  # type: ignore[attr-defined]
    await assert_tenant_isolation(
        IsolationCase(
            app=app,
            client=bank.client,
            owner_headers=bank.admin,
            intruder_headers=other.headers,
            resources={"payment_id": paid["id"]},
            only_prefixes=("/api/v1/banking/bills",),
        )
    )
