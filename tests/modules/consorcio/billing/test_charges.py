"""Charges on demand (antecipação, quitação, avulso, segunda via with the day's fine and
interest), the boleto PDF, collecting accounts and their errors."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import update

from lastro.br.boleto import parse_boleto
from lastro.br.pix import parse_br_code
from lastro.core.runtime import Runtime
from lastro.kit.clock import today_sp
from lastro.modules.consorcio.domain.rounding import q_money
from lastro.modules.consorcio.quotas.models import Quota
from tests.conftest import Factory
from tests.modules.consorcio.billing.support import (
    BASE,
    account_body,
    billing_setup,
    month_of,
    run_month,
)
from tests.modules.consorcio.groups.support import running_group, tenant

D = Decimal


async def _charge(
    client: httpx.AsyncClient, headers: dict[str, str], quota_id: str, **body: Any
) -> httpx.Response:
    return await client.post(f"{BASE}/quotas/{quota_id}/charges", headers=headers, json=body)


def _valid_documents(charge: dict[str, Any]) -> None:
    due = date.fromisoformat(charge["due_date"])
    boleto = parse_boleto(charge["linha_digitavel"], today=due)
    assert boleto.amount == D(charge["amount"]) and boleto.due_date == due
    assert boleto.barcode == charge["barcode"]
    assert (
        charge["linha_digitavel_formatada"].replace(".", "").replace(" ", "")
        == (charge["linha_digitavel"])
    )
    code = parse_br_code(charge["pix_payload"])
    assert code.amount == D(charge["amount"]) and code.url is not None
    assert code.url.endswith(charge["pix_txid"])


async def test_avulso_with_pdf_and_errors(
    client: httpx.AsyncClient, runtime: Runtime, factory: Factory
) -> None:
    s = await billing_setup(client, runtime, factory, months_ago=1)
    quota = s.quota_ids[0]
    r = await _charge(
        client, s.t.headers, quota, kind="avulso", amount="150.00", description="Taxa de cessão"
    )
    assert r.status_code == 201, r.text
    charge = r.json()
    assert charge["kind"] == "avulso" and D(charge["amount"]) == D("150.00")
    assert charge["status"] == "open" and charge["items"] == []
    _valid_documents(charge)

    r = await client.get(f"{BASE}/quotas/{quota}/charges/{charge['id']}/pdf", headers=s.t.headers)
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF")
    r = await client.get(f"{BASE}/quotas/{quota}/charges/{charge['id']}", headers=s.t.headers)
    assert r.status_code == 200 and r.json()["pix_payload"] == charge["pix_payload"]
    r = await client.get(
        f"{BASE}/quotas/{s.quota_ids[1]}/charges/{charge['id']}", headers=s.t.headers
    )
    assert r.status_code == 404 and r.json()["code"] == "CONSORCIO_CHARGE_NOT_FOUND"

    r = await _charge(client, s.t.headers, quota, kind="avulso", description="sem valor")
    assert r.status_code == 422 and r.json()["code"] == "CONSORCIO_INVALID_CHARGE"
    r = await _charge(client, s.t.headers, quota, kind="avulso", amount="10.00")
    assert r.status_code == 422 and r.json()["code"] == "CONSORCIO_INVALID_CHARGE"
    r = await _charge(client, s.t.headers, quota, kind="avulso", amount="-1", description="x")
    assert r.status_code == 422
    r = await _charge(client, s.t.headers, quota, kind="taxa_de_boleto")
    assert r.status_code == 422
    r = await _charge(
        client,
        s.t.headers,
        quota,
        kind="avulso",
        amount="1.00",
        description="x",
        due_date="2020-01-01",
    )
    assert r.status_code == 422 and r.json()["code"] == "CONSORCIO_INVALID_CHARGE"
    r = await _charge(client, s.t.headers, str(uuid.uuid4()), kind="quitacao")
    assert r.status_code == 404 and r.json()["code"] == "CONSORCIO_QUOTA_NOT_FOUND"
    r = await client.get(f"{BASE}/quotas/{quota}/charges", headers=s.t.headers)
    assert [c["id"] for c in r.json()] == [charge["id"]]


async def test_antecipacao_and_quitacao_at_the_current_price(
    client: httpx.AsyncClient, runtime: Runtime, factory: Factory
) -> None:
    s = await billing_setup(client, runtime, factory, months_ago=1)
    quota = s.quota_ids[0]
    r = await _charge(client, s.t.headers, quota, kind="antecipacao", installments=2)
    assert r.status_code == 201, r.text
    ante = r.json()
    # two installments of 2.34 % at R$ 30,000 (the group amortises in reverse order)
    assert D(ante["amount"]) == D("1404.00") and ante["breakdown"]["order"] == "reverse"
    assert D(ante["breakdown"]["percent"]["fundo_comum"]) == D(4)
    assert D(ante["breakdown"]["percent"]["taxa_administracao"]) == D("0.6")
    _valid_documents(ante)
    r = await _charge(client, s.t.headers, quota, kind="antecipacao")
    assert r.status_code == 422 and r.json()["code"] == "CONSORCIO_INVALID_CHARGE"

    r = await _charge(client, s.t.headers, quota, kind="quitacao")
    assert r.status_code == 201, r.text
    payoff = r.json()
    # nothing paid yet: the whole 117 % of R$ 30,000, no installment overdue
    assert D(payoff["amount"]) == D("35100.00") and payoff["items"] == []
    assert D(payoff["breakdown"]["late_charges"]) == D(0)
    _valid_documents(payoff)

    async with runtime.db.unit_of_work(tenant_id=s.t.id) as session:
        await session.execute(
            update(Quota).where(Quota.id == uuid.UUID(quota)).values(status="excluida")
        )
    r = await _charge(client, s.t.headers, quota, kind="quitacao")
    assert r.status_code == 409 and r.json()["code"] == "CONSORCIO_QUOTA_NOT_BILLABLE"


async def test_segunda_via_carries_the_fine_and_interest_of_the_day(
    client: httpx.AsyncClient, runtime: Runtime, factory: Factory
) -> None:
    s = await billing_setup(client, runtime, factory, months_ago=2)
    today = today_sp()
    last_month = month_of(today, -1)
    year, month = (int(x) for x in last_month.split("-"))
    await run_month(client, s.t, last_month, issue_date=date(year, month, 1))
    quota = s.quota_ids[0]
    r = await client.get(f"{BASE}/quotas/{quota}/installments", headers=s.t.headers)
    (installment,) = r.json()
    due = date.fromisoformat(installment["due_date"])
    assert due < today and D(installment["total"]) == D("702.00")
    (original,) = (await client.get(f"{BASE}/quotas/{quota}/charges", headers=s.t.headers)).json()

    r = await _charge(
        client, s.t.headers, quota, kind="segunda_via", installment_id=installment["id"]
    )
    assert r.status_code == 201, r.text
    copy = r.json()
    days = (today - due).days
    interest = q_money(D("702.00") * days / D(3000))  # 1 % a month pro rata die
    assert D(copy["breakdown"]["fine"]) == D("14.04")  # 2 %
    assert D(copy["breakdown"]["interest"]) == interest
    assert D(copy["amount"]) == D("702.00") + D("14.04") + interest
    assert copy["due_date"] == today.isoformat() and copy["replaces_charge_id"] == original["id"]
    (item,) = copy["items"]
    assert item["installment_id"] == installment["id"] and D(item["amount"]) == D("702.00")
    _valid_documents(copy)
    r = await client.get(f"{BASE}/quotas/{quota}/charges/{original['id']}", headers=s.t.headers)
    assert r.json()["status"] == "replaced"

    # quitação now adds that installment's fine and interest to the balance
    r = await _charge(client, s.t.headers, quota, kind="quitacao", due_date=today.isoformat())
    assert r.status_code == 201, r.text
    payoff = r.json()
    assert D(payoff["amount"]) == D("35100.00") + D("14.04") + interest
    assert [i["installment_id"] for i in payoff["items"]] == [installment["id"]]

    r = await _charge(client, s.t.headers, quota, kind="segunda_via")
    assert r.status_code == 422 and r.json()["code"] == "CONSORCIO_INVALID_CHARGE"
    r = await _charge(client, s.t.headers, quota, kind="segunda_via", installment_number=40)
    assert r.status_code == 404 and r.json()["code"] == "CONSORCIO_INSTALLMENT_NOT_FOUND"
    await run_month(client, s.t, month_of(today, 1))  # next month: not due yet
    r = await _charge(client, s.t.headers, quota, kind="segunda_via", installment_number=4)
    assert r.status_code == 409 and r.json()["code"] == "CONSORCIO_CHARGE_CONFLICT"


async def test_collecting_accounts(
    client: httpx.AsyncClient, runtime: Runtime, factory: Factory
) -> None:
    t = await tenant(factory)
    group, ids = await running_group(client, runtime, t, months_ago=1)
    r = await _charge(client, t.headers, str(ids[0]), kind="avulso", amount="5.00", description="x")
    assert r.status_code == 409 and r.json()["code"] == "CONSORCIO_NO_COLLECTING_ACCOUNT"

    url = f"{BASE}/billing/accounts"
    r = await client.post(url, headers=t.headers, json=account_body(bank_code="999"))
    assert r.status_code == 422
    r = await client.post(
        url, headers=t.headers, json=account_body(beneficiary_document="11222333000180")
    )
    assert r.status_code == 422 and r.json()["code"] == "CONSORCIO_INVALID_COLLECTING_ACCOUNT"
    r = await client.post(url, headers=t.headers, json=account_body(pix_key="nao e chave"))
    assert r.status_code == 422 and r.json()["code"] == "CONSORCIO_INVALID_COLLECTING_ACCOUNT"
    r = await client.post(url, headers=t.headers, json=account_body())
    assert r.status_code == 201, r.text
    default = r.json()
    assert default["is_default"] and default["bank_name"] == "Itaú Unibanco"
    assert default["pix_location_base"] == "pix.itau.example/qr/v2/cobv"
    assert default["beneficiary_document"] == "11222333000181"
    r = await client.post(url, headers=t.headers, json=account_body())
    assert r.status_code == 409 and r.json()["code"] == "CONSORCIO_COLLECTING_ACCOUNT_CONFLICT"
    bradesco = account_body(
        name="Bradesco grupo",
        bank_code="237",
        conta="1234567",
        carteira="09",
        group_id=group["id"],
        pix_location_base="pix.bradesco.example/cobv",
    )
    r = await client.post(url, headers=t.headers, json=bradesco)
    assert r.status_code == 201, r.text
    own = r.json()
    assert own["group_id"] == group["id"] and not own["is_default"]

    r = await _charge(client, t.headers, str(ids[0]), kind="avulso", amount="5.00", description="x")
    assert r.status_code == 201, r.text
    charge = r.json()
    assert charge["collecting_account_id"] == own["id"]  # the group's own account wins
    assert (
        parse_boleto(charge["barcode"], today=date.fromisoformat(charge["due_date"])).bank_code
        == "237"
    )

    r = await client.patch(f"{url}/{own['id']}", headers=t.headers, json={"is_default": True})
    assert r.status_code == 200 and r.json()["is_default"]
    r = await client.get(f"{url}/{default['id']}", headers=t.headers)
    assert r.status_code == 200 and not r.json()["is_default"]
    r = await client.get(url, headers=t.headers)
    assert [a["id"] for a in r.json()] == [default["id"], own["id"]]
    r = await client.get(f"{url}/{uuid.uuid4()}", headers=t.headers)
    assert r.status_code == 404
