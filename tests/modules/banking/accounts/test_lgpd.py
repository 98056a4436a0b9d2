"""The banking LGPD source through the real data-subject request API: export of accounts, PIX
keys and tickets; rectification of holder name/e-mail; erasure that keeps what the law
requires and anonymises what may go; another tenant's person is never touched."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from lastro.contracts.lgpd import register_source, unregister_source
from lastro.core.runtime import Runtime
from lastro.kit.clock import utcnow
from lastro.modules.banking.accounts.models import BankAccount, PixKey
from lastro.modules.banking.support.models import Ticket, TicketMessage
from tests.core.lgpd.helpers import CPF, CPF_DIGITS, download, execute, open_request
from tests.modules.banking.accounts.support import API, Bank

EMAIL = "ana@exemplo.com.br"


@pytest.fixture(autouse=True)
def banking_source() -> Iterator[None]:
    """The source registers once at import; take it out afterwards so tests that count the
    registered sources (tests/core/lgpd) see the same set whatever ran before them."""
    from lastro.modules.banking.accounts.lgpd_source import BankingSource

    register_source(BankingSource())
    yield
    unregister_source("banking")


async def _ticket(
    runtime: Runtime, tenant_id: uuid.UUID, user_id: uuid.UUID, number: str, status: str
) -> uuid.UUID:
    async with runtime.db.unit_of_work(tenant_id=tenant_id) as session:
        ticket = Ticket(
            number=number,
            customer_id=user_id,
            category="pix",
            priority="normal",
            subject=f"PIX não chegou {number}",
            description="Fiz um PIX para minha mãe e não chegou.",
            status=status,
            closed_at=utcnow() if status == "CLOSED" else None,
        )
        session.add(ticket)
        await session.flush()
        for kind, author in (("customer", user_id), ("staff", uuid.uuid4())):
            session.add(
                TicketMessage(
                    ticket_id=ticket.id,
                    author_id=author,
                    author_kind=kind,
                    body=f"mensagem de {kind}",
                    created_at=utcnow(),
                )
            )
        return ticket.id


async def _setup(bank: Bank, runtime: Runtime) -> dict[str, Any]:
    user_id = await bank.factory.user(bank.tenant.id, email=EMAIL, cpf=CPF, role="customer")
    r = await bank.client.post(
        f"{API}/accounts",
        json={"kind": "individual", "holderName": "Ana Lima", "document": CPF, "email": EMAIL},
        headers=bank.admin,
    )
    assert r.status_code == 201, r.text
    open_account = r.json()
    closing = await bank.account(document=CPF_DIGITS, name="Ana Lima")
    other = await bank.account(name="Bia Costa")  # another person, never touched
    keys = {}
    for account in (open_account, closing, other):
        r = await bank.client.post(
            f"{API}/accounts/{account['id']}/pix-keys", json={"type": "evp"}, headers=bank.admin
        )
        assert r.status_code == 201, r.text
        keys[account["id"]] = r.json()["id"]
    r = await bank.client.post(
        f"{API}/accounts/{closing['id']}/close", json={"reason": "pedido"}, headers=bank.admin
    )
    assert r.status_code == 200, r.text
    closed_ticket = await _ticket(runtime, bank.tenant.id, user_id, "2026-000001", "CLOSED")
    open_ticket = await _ticket(runtime, bank.tenant.id, user_id, "2026-000002", "OPEN")
    return {
        "user": user_id,
        "open": open_account,
        "closed": closing,
        "other": other,
        "keys": keys,
        "closed_ticket": closed_ticket,
        "open_ticket": open_ticket,
    }


async def test_access_exports_accounts_keys_and_tickets(bank: Bank, runtime: Runtime) -> None:
    data = await _setup(bank, runtime)
    request = await open_request(bank.client, bank.admin, kind="access", cpf=CPF)
    done = await execute(bank.client, bank.admin, request["id"])
    # 2 accounts + 2 PIX keys + 2 tickets
    assert done["outcome"]["sources"]["banking"]["records"] == 6
    files = await download(bank.client, bank.admin, request["id"])
    name = next(n for n in files if "banking" in n)
    records = files[name]
    records = records["records"] if isinstance(records, dict) else records
    by_cat: dict[str, list[dict[str, Any]]] = {}
    for rec in records:
        by_cat.setdefault(rec["category"], []).append(rec)
    accounts = {a["data"]["id"]: a for a in by_cat["conta"]}
    assert set(accounts) == {data["open"]["id"], data["closed"]["id"]}
    assert all(not a["erasable"] and "9.613" in a["retention"] for a in accounts.values())
    assert accounts[data["open"]["id"]]["data"]["email"] == EMAIL
    keys = {k["data"]["account_id"]: k for k in by_cat["chave_pix"]}
    assert set(keys) == {data["open"]["id"], data["closed"]["id"]}
    assert keys[data["closed"]["id"]]["erasable"] is True
    assert keys[data["open"]["id"]]["erasable"] is False
    tickets = {t["data"]["number"]: t for t in by_cat["chamado"]}
    assert tickets["2026-000001"]["erasable"] and not tickets["2026-000002"]["erasable"]
    assert tickets["2026-000001"]["data"]["messages"][0]["body"] == "mensagem de customer"
    text = str(records)
    assert "Bia Costa" not in text and data["keys"][data["other"]["id"]] not in text

    # found by e-mail alone too (the e-mail account and the user's tickets)
    by_email = await open_request(
        bank.client, bank.admin, kind="access", email="ANA@exemplo.com.br"
    )
    done = await execute(bank.client, bank.admin, by_email["id"])
    assert done["outcome"]["sources"]["banking"]["records"] == 1 + 1 + 2


async def test_rectification_changes_holder_name_and_email(bank: Bank, runtime: Runtime) -> None:
    data = await _setup(bank, runtime)
    request = await open_request(
        bank.client,
        bank.admin,
        kind="rectification",
        cpf=CPF,
        changes={"name": "Ana Lima Souza", "email": "ana.souza@exemplo.com.br"},
    )
    done = await execute(bank.client, bank.admin, request["id"])
    applied = done["outcome"]["applied"]["banking"]
    assert sum("Nome" in line for line in applied) == 2
    assert sum("E-mail" in line for line in applied) == 2
    r = await bank.client.get(f"{API}/accounts/{data['open']['id']}", headers=bank.admin)
    assert r.json()["holder_name"] == "Ana Lima Souza"
    assert r.json()["email"] == "ana.souza@exemplo.com.br"
    r = await bank.client.get(f"{API}/accounts/{data['other']['id']}", headers=bank.admin)
    assert r.json()["holder_name"] == "Bia Costa"


async def test_erasure_keeps_accounts_and_anonymises_what_may_go(
    bank: Bank, runtime: Runtime
) -> None:
    data = await _setup(bank, runtime)
    request = await open_request(bank.client, bank.admin, kind="erasure", cpf=CPF, email=EMAIL)
    done = await execute(bank.client, bank.admin, request["id"])
    outcome = done["outcome"]["sources"]["banking"]
    # kept: 2 accounts, the open account's key, the open ticket; erased: the closed account's
    # key; anonymised: the closed ticket
    assert outcome["kept"] == 4 and outcome["erased"] == 1 and outcome["anonymised"] == 1
    assert any("9.613" in reason for reason in outcome["kept_reasons"])

    async with runtime.db.unit_of_work(tenant_id=bank.tenant.id) as session:
        accounts = (await session.scalars(select(BankAccount))).all()
        assert len(accounts) == 3  # nothing deleted
        keys = set((await session.scalars(select(PixKey.id))).all())
        assert uuid.UUID(data["keys"][data["closed"]["id"]]) not in keys
        assert uuid.UUID(data["keys"][data["open"]["id"]]) in keys
        assert uuid.UUID(data["keys"][data["other"]["id"]]) in keys
        closed = await session.get(Ticket, (bank.tenant.id, data["closed_ticket"]))
        still = await session.get(Ticket, (bank.tenant.id, data["open_ticket"]))
        assert closed is not None and still is not None
        assert "LGPD" in closed.subject and "LGPD" in closed.description
        assert still.subject.startswith("PIX não chegou")
        bodies = dict(
            (
                await session.execute(
                    select(TicketMessage.author_kind, TicketMessage.body).where(
                        TicketMessage.ticket_id == data["closed_ticket"]
                    )
                )
            ).all()
        )
        assert "LGPD" in bodies["customer"] and bodies["staff"] == "mensagem de staff"


async def test_other_tenant_person_is_untouched(bank: Bank, runtime: Runtime) -> None:
    await _setup(bank, runtime)
    other = await bank.factory.tenant(modules=["banking"])
    r = await bank.client.post(
        f"{API}/accounts",
        json={"kind": "individual", "holderName": "Ana Lima", "document": CPF},
        headers=other.headers,
    )
    assert r.status_code == 201, r.text
    request = await open_request(bank.client, bank.admin, kind="erasure", cpf=CPF)
    await execute(bank.client, bank.admin, request["id"])
    mine = await open_request(bank.client, other.headers, kind="access", cpf=CPF)
    done = await execute(bank.client, other.headers, mine["id"])
    assert done["outcome"]["sources"]["banking"]["records"] == 1
