"""Accounts through the HTTP API: opening, access, freezing, closing, deposits, keys."""

from __future__ import annotations

from decimal import Decimal

from lastro.modules.banking.accounts.domain import account_check_digit, is_valid_account
from tests.modules.banking.accounts.support import API, Bank


def test_check_digit_mod11() -> None:
    # 0001 + 1234568: weights 2..9 from the right → sum 123 → 11 - 123 % 11 = 9
    assert account_check_digit("0001", "1234568") == "9"
    assert is_valid_account("0001", "1234568-9")
    assert not is_valid_account("0001", "1234568-5")
    # 0001 + 1234567: sum 121, remainder 0 → DV 11 → "0"
    assert account_check_digit("0001", "1234567") == "0"
    # remainders 0 and 1 give DV 0
    for number in ("1000000", "2000003", "5555555"):
        dv = account_check_digit("0001", number)
        assert dv.isdigit() and is_valid_account("0001", number + dv)


async def test_open_fund_and_read(bank: Bank) -> None:
    holder, headers = await bank.holder()
    account = await bank.account(holder=holder, funds="150.25")
    assert account["status"] == "active" and account["agency"] == "0001"
    assert is_valid_account(account["agency"], account["number"] + account["check_digit"])
    assert await bank.balance(account["id"], headers) == Decimal("150.25")
    mine = await bank.client.get(f"{API}/accounts", headers=headers)
    assert [a["id"] for a in mine.json()["items"]] == [account["id"]]
    st = await bank.client.get(f"{API}/accounts/{account['id']}/statement", headers=headers)
    assert st.status_code == 200
    line = st.json()["lines"][0]
    assert line["kind"] == "deposit" and Decimal(line["amount"]) == Decimal("150.25")


async def test_holder_cannot_see_other_accounts(bank: Bank) -> None:
    _, headers = await bank.holder()
    other = await bank.account(name="Outra Pessoa")
    r = await bank.client.get(f"{API}/accounts/{other['id']}", headers=headers)
    assert r.status_code == 404 and r.json()["code"] == "ACCOUNT_NOT_FOUND"
    r = await bank.client.post(f"{API}/accounts/{other['id']}/freeze", json={}, headers=headers)
    assert r.status_code in (403, 404)
    listed = await bank.client.get(f"{API}/accounts", headers=headers)
    assert listed.json()["items"] == []


async def test_company_with_alphanumeric_cnpj(bank: Bank) -> None:
    account = await bank.account(kind="company", document="12.ABC.345/01DE-35", name="ACME")
    assert account["document"] == "12ABC34501DE35"
    bad = await bank.client.post(
        f"{API}/accounts",
        json={"kind": "individual", "holderName": "X Y", "document": "111.111.111-12"},
        headers=bank.admin,
    )
    assert bad.status_code == 422


async def test_freeze_blocks_debits_and_close_needs_zero(bank: Bank) -> None:
    account = await bank.account(funds="10.00")
    r = await bank.client.post(
        f"{API}/accounts/{account['id']}/close", json={"reason": "pedido"}, headers=bank.admin
    )
    assert r.status_code == 409 and r.json()["code"] == "ACCOUNT_NOT_EMPTY"
    r = await bank.client.post(
        f"{API}/accounts/{account['id']}/freeze", json={"reason": "suspeita"}, headers=bank.admin
    )
    assert r.json()["status"] == "frozen"
    empty = await bank.account()
    r = await bank.client.post(f"{API}/accounts/{empty['id']}/close", json={}, headers=bank.admin)
    assert r.status_code == 200 and r.json()["status"] == "closed"


async def test_deposit_paid_twice_credits_once(bank: Bank) -> None:
    account = await bank.account()
    r = await bank.client.post(
        f"{API}/accounts/{account['id']}/deposits", json={"amount": "80.00"}, headers=bank.admin
    )
    dep = r.json()
    assert len(dep["barcode"]) == 44 and len(dep["digitable_line"]) == 47
    for _ in range(2):
        r = await bank.client.post(
            f"{API}/accounts/{account['id']}/deposits/{dep['id']}/pay", headers=bank.admin
        )
        assert r.status_code == 200 and r.json()["status"] == "paid"
    assert await bank.balance(account["id"]) == Decimal("80.00")


async def test_pix_keys(bank: Bank) -> None:
    holder, headers = await bank.holder()
    account = await bank.account(holder=holder)
    url = f"{API}/accounts/{account['id']}/pix-keys"
    r = await bank.client.post(url, json={"type": "cpf"}, headers=headers)
    assert r.status_code == 201 and r.json()["value"] == account["document"]
    r = await bank.client.post(url, json={"type": "evp"}, headers=headers)
    assert r.status_code == 201 and len(r.json()["value"]) == 36
    r = await bank.client.post(url, json={"type": "email", "value": "não é email"}, headers=headers)
    assert r.status_code == 400 and r.json()["code"] == "INVALID_PIX_KEY"
    r = await bank.client.post(url, json={"type": "cpf"}, headers=headers)
    assert r.status_code == 409
    assert len((await bank.client.get(url, headers=headers)).json()) == 2
