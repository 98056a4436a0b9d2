"""Builders for the payments tests: a tenant with the ABAC example group (R$ 30,000, 50 months,
TA 15 %, FR 2 %), a quota, and installments with their charge written straight into the billing
tables (the billing area's own tests cover issuing them)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import select

from lastro.br.cnab import Beneficiario, Ocorrencia, Retorno, write_retorno_240, write_retorno_400
from lastro.core.ledger.service import ledger_service
from lastro.core.runtime import Runtime
from lastro.kit.clock import utcnow
from lastro.modules.consorcio.billing.models import (
    Charge,
    ChargeItem,
    CollectingAccount,
    Installment,
)
from lastro.modules.consorcio.groups.models import Group
from tests.conftest import Factory, TenantHandle
from tests.modules.consorcio.groups.support import create_group, sell_ok, tenant

D = Decimal
API = "/api/v1/consorcio"
AGENCIA = "01234"
CONTA = "000000056789"


@dataclass
class World:
    t: TenantHandle
    group_id: str
    quota_id: str
    account_id: uuid.UUID | None = None
    next_nn: int = 1


async def world(client: httpx.AsyncClient, factory: Factory, **group: Any) -> World:
    t = await tenant(factory)
    g = await create_group(client, t, **group)
    q = await sell_ok(client, t, g["id"])
    return World(t, g["id"], q["id"])


async def another_quota(client: httpx.AsyncClient, w: World) -> str:
    q = await sell_ok(client, w.t, w.group_id)
    quota_id: str = q["id"]
    return quota_id


async def bill(
    runtime: Runtime,
    w: World,
    number: int,
    due: date,
    *,
    quota_id: str | None = None,
    bank: str = "001",
    price: Decimal = D("30000.00"),
    pct: tuple[str, str, str] = ("2", "0.3", "0.04"),
) -> tuple[str, str, str]:
    """(installment id, charge id, nosso número) of one monthly installment and its charge."""
    quota = uuid.UUID(quota_id or w.quota_id)
    group = uuid.UUID(w.group_id)
    fc, ta, fr = (D(p) for p in pct)
    money = [(p * price / 100).quantize(D("0.01")) for p in (fc, ta, fr)]
    total = sum(money, D("0.00"))
    width = 11 if bank == "237" else 8 if bank == "341" else 10
    async with runtime.db.unit_of_work(tenant_id=w.t.id) as s:
        if w.account_id is None:
            account = CollectingAccount(
                name="Conta de cobrança",
                is_default=True,
                bank_code=bank,
                bank_name="BANCO",
                agencia=AGENCIA,
                agencia_dv="5",
                conta=CONTA[-7:] if bank in ("237", "341") else CONTA,
                conta_dv="6",
                convenio="1234567",
                carteira="09" if bank == "237" else "109" if bank == "341" else "17",
                beneficiary_name="ADMINISTRADORA DE CONSORCIO",
                beneficiary_document="11222333000181",
                beneficiary_city="SAO PAULO",
                pix_key="11222333000181",
                pix_location_base="pix.example.com/cobv",
            )
            s.add(account)
            await s.flush()
            w.account_id = account.id
        nn = str(w.next_nn).zfill(width)
        w.next_nn += 1
        inst = Installment(
            quota_id=quota,
            group_id=group,
            number=number,
            reference_month=f"{due:%Y-%m}",
            due_date=due,
            price=price,
            price_on=due,
            fc_pct=fc,
            ta_pct=ta,
            fr_pct=fr,
            fc_amount=money[0],
            ta_amount=money[1],
            fr_amount=money[2],
            total=total,
        )
        s.add(inst)
        await s.flush()
        charge = Charge(
            quota_id=quota,
            group_id=group,
            collecting_account_id=w.account_id,
            kind="mensal",
            amount=total,
            issue_date=due,
            due_date=due,
            document_number=f"{number:04d}{nn[-6:]}",
            nosso_numero=nn,
            nosso_numero_dv="",
            barcode="0" * 44,
            linha_digitavel="0" * 47,
            pix_txid=uuid.uuid4().hex,
            pix_payload="000201",
        )
        s.add(charge)
        await s.flush()
        s.add(ChargeItem(charge_id=charge.id, installment_id=inst.id, amount=total))
        return str(inst.id), str(charge.id), nn


async def txid_of(runtime: Runtime, w: World, charge_id: str) -> str:
    async with runtime.db.unit_of_work(tenant_id=w.t.id) as s:
        found = await s.scalar(select(Charge.pix_txid).where(Charge.id == uuid.UUID(charge_id)))
        assert found is not None
        return found


def ocorrencia(
    nosso: str, paid: Decimal, on: date, *, movement: str = "06", face: Decimal | None = None
) -> Ocorrencia:
    return Ocorrencia(
        movement=movement,
        nosso_numero=nosso,
        seu_numero="DOC",
        due_date=on,
        face_value=face if face is not None else paid,
        paid_amount=paid,
        net_amount=paid,
        occurrence_date=on,
        credit_date=on,
        reasons=("A1",) if movement == "03" else (),
    )


def retorno_240(items: list[Ocorrencia], *, sequence: int = 1, bank: str = "001") -> bytes:
    b = Beneficiario(
        bank, "11222333000181", "ADMINISTRADORA", AGENCIA, CONTA, agencia_dv="5", conta_dv="6"
    )
    text = write_retorno_240(Retorno(b, sequence, date(2026, 11, 28), tuple(items)))
    return text.encode()


def retorno_400(items: list[Ocorrencia], *, bank: str = "237", sequence: int = 1) -> bytes:
    b = Beneficiario(
        bank,
        "11222333000181",
        "ADMINISTRADORA",
        AGENCIA,
        CONTA[-7:],
        conta_dv="6",
        convenio="00000000000001234567",
        carteira="009",
    )
    text = write_retorno_400(Retorno(b, sequence, date(2026, 11, 28), tuple(items)))
    return text.encode()


async def upload(
    client: httpx.AsyncClient, w: World, content: bytes, name: str = "retorno.ret"
) -> httpx.Response:
    return await client.post(
        f"{API}/payments/cnab",
        headers=w.t.headers,
        files={"file": (name, content, "application/octet-stream")},
    )


async def group_balances(runtime: Runtime, w: World) -> dict[str, Decimal]:
    """Posted balance per account code of the group's own book."""
    async with runtime.db.unit_of_work(tenant_id=w.t.id) as s:
        group = await s.scalar(select(Group).where(Group.id == uuid.UUID(w.group_id)))
        assert group is not None and group.ledger_id is not None
        accounts = await ledger_service.list_accounts(s, group.ledger_id)
        balances = await ledger_service.balances(s, [a.id for a in accounts])
        return {a.code: balances[a.id].posted for a in accounts}


async def admin_balances(runtime: Runtime, w: World) -> dict[str, Decimal]:
    async with runtime.db.unit_of_work(tenant_id=w.t.id) as s:
        book = await ledger_service.find_ledger(s, "consorcio-administradora")
        assert book is not None
        accounts = await ledger_service.list_accounts(s, book.id)
        balances = await ledger_service.balances(s, [a.id for a in accounts])
        return {a.code: balances[a.id].posted for a in accounts}


async def ledger(client: httpx.AsyncClient, w: World, quota_id: str | None = None) -> Any:
    r = await client.get(f"{API}/quotas/{quota_id or w.quota_id}/payments", headers=w.t.headers)
    assert r.status_code == 200, r.text
    return r.json()


def now_stamp() -> str:
    return utcnow().isoformat()
