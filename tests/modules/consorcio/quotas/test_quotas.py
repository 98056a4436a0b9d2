"""Quotas: sale into a forming group with its contract PDF, the 10 % holding cap (spouse
included), reposição as a new version that keeps the old one's refund, cessão, lifecycle status
apart from the legal flags, and the active-quotas meter."""

from __future__ import annotations

import uuid
from decimal import Decimal

import httpx
from sqlalchemy import select

from lastro.core.billing.models import UsageCounter
from lastro.core.runtime import Runtime
from lastro.infra.outbox import OutboxEvent
from lastro.modules.consorcio.quotas.ledger import MovementDraft, record_movement
from lastro.modules.consorcio.quotas.service import count_active
from tests.conftest import Factory, TenantHandle
from tests.modules.consorcio.groups.support import (
    create_consorciado,
    create_group,
    running_group,
    sell,
    sell_ok,
    tenant,
)

GROUPS = "/api/v1/consorcio/groups"
QUOTAS = "/api/v1/consorcio/quotas"


async def _active_counter(runtime: Runtime, t: TenantHandle) -> tuple[int, int]:
    """(the SaaS core's usage counter, the module's meter) for active quotas."""
    async with runtime.db.session(tenant_id=t.id, readonly=True) as session:
        counter = await session.scalar(
            select(UsageCounter.value).where(UsageCounter.metric == "active_quotas")
        )
        return int(counter or 0), await count_active(session)


async def test_sale_into_forming_group_with_contract_pdf(
    client: httpx.AsyncClient, factory: Factory, runtime: Runtime
) -> None:
    t = await tenant(factory)
    g = await create_group(client, t, max_quotas=30)
    q = await sell_ok(
        client, t, g["id"], seller_code="V07", dealer_code="R01", proposal_number="P-1"
    )
    assert (q["number"], q["version"], q["origin"], q["status"]) == (
        1,
        1,
        "adesao_formacao",
        "ativa",
    )
    assert q["collection_flag"] == "em_dia" and q["legal_flags"] == []
    assert q["seller_code"] == "V07" and q["dealer_code"] == "R01"
    assert q["position"]["plan"] == "normal" and q["position"]["plan_last_installment"] == 50
    assert q["group_code"] == g["code"] and Decimal(q["credit_in_force"]) == Decimal("30000.00")

    link = (await client.get(f"{QUOTAS}/{q['id']}/contract", headers=t.headers)).json()
    assert link["document_id"] == q["contract_document_id"]
    pdf = await client.get(link["url"])
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")

    holder = await create_consorciado(client, t)
    r = await sell(client, t, g["id"], holder["id"], number=7)
    assert r.status_code == 201 and r.json()["number"] == 7
    r = await sell(client, t, g["id"], holder["id"], number=7)
    assert r.status_code == 409 and r.json()["code"] == "QUOTA_NUMBER_TAKEN"
    r = await sell(client, t, g["id"], holder["id"], number=31)
    assert r.status_code == 422 and r.json()["code"] == "INVALID_QUOTA_SALE"
    r = await sell(client, t, g["id"], holder["id"], credit_value="25000.00")
    assert r.status_code == 422 and r.json()["code"] == "INVALID_QUOTA_SALE"
    r = await sell(client, t, g["id"], str(uuid.uuid4()))
    assert r.status_code == 404 and r.json()["code"] == "CONSORCIADO_NOT_FOUND"
    assert await _active_counter(runtime, t) == (2, 2)

    listed = (await client.get(f"{GROUPS}/{g['id']}/quotas", headers=t.headers)).json()
    assert [i["number"] for i in listed["items"]] == [1, 7]
    mine = (await client.get(f"{QUOTAS}?consorciado_id={holder['id']}", headers=t.headers)).json()
    assert mine["total"] == 1


async def test_holding_cap_is_ten_percent_with_spouse(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    t = await tenant(factory)
    g = await create_group(client, t, max_quotas=20)  # at most 2 per holder (and spouse)
    a = await create_consorciado(client, t, name="Ana")
    for _ in range(2):
        assert (await sell(client, t, g["id"], a["id"])).status_code == 201
    r = await sell(client, t, g["id"], a["id"])
    assert r.status_code == 409 and r.json()["code"] == "HOLDING_CAP_EXCEEDED"
    spouse = await create_consorciado(client, t, name="Beto", spouse_document=a["document"])
    r = await sell(client, t, g["id"], spouse["id"])
    assert r.status_code == 409 and r.json()["code"] == "HOLDING_CAP_EXCEEDED"
    other = await create_consorciado(client, t, name="Carla")
    assert (await sell(client, t, g["id"], other["id"])).status_code == 201
    # another group has its own cap
    g2 = await create_group(client, t, max_quotas=20)
    assert (await sell(client, t, g2["id"], a["id"])).status_code == 201


async def test_reposicao_is_a_new_version_and_the_excluded_one_keeps_its_refund(
    client: httpx.AsyncClient, factory: Factory, runtime: Runtime
) -> None:
    t = await tenant(factory)
    g, ids = await running_group(client, runtime, t, months_ago=20)
    assert g["current_installment"] == 21
    first = ids[0]
    async with runtime.db.unit_of_work(tenant_id=t.id) as session:
        await record_movement(
            session,
            first,
            MovementDraft(
                kind="payment",
                source_ref="pay:1",
                price=Decimal("30000.00"),
                installment_number=1,
                fc_pct=Decimal(2),
                ta_pct=Decimal("0.3"),
                fr_pct=Decimal("0.04"),
                fc_amount=Decimal("600.00"),
                ta_amount=Decimal("90.00"),
                fr_amount=Decimal("12.00"),
            ),
        )
    assert await _active_counter(runtime, t) == (50, 50)
    r = await client.patch(
        f"{QUOTAS}/{first}",
        headers=t.headers,
        json={"status": "excluida", "status_reason": "3 parcelas em atraso"},
    )
    assert r.status_code == 200, r.text
    old = r.json()
    assert old["status"] == "excluida" and old["excluded_on"]
    assert [(x["reason"], x["status"], x["fc_paid_pct"]) for x in old["refunds"]] == [
        ("exclusao", "owed", "2.0000000000")
    ]
    assert await _active_counter(runtime, t) == (49, 49)

    newcomer = await create_consorciado(client, t)
    r = await sell(client, t, g["id"], newcomer["id"], number=1)
    assert r.status_code == 201, r.text
    new = r.json()
    assert (new["number"], new["version"], new["origin"]) == (1, 2, "reposicao")
    assert new["previous_version_id"] == str(first)
    assert new["joined_at_installment"] == 21 and new["position"]["plan"] == "late_joiner"
    assert [v["version"] for v in new["versions"]] == [1, 2]
    # joining at month 21 of 50: 117 % over the 30 remaining months = 3.90 % (R$ 1,170.00)
    ledger = (await client.get(f"{QUOTAS}/{new['id']}/ledger", headers=t.headers)).json()
    assert Decimal(ledger["installment_pct"]) == Decimal("3.90")
    assert Decimal(ledger["installment_amount"]) == Decimal("1170.00")
    assert await _active_counter(runtime, t) == (50, 50)

    again = (await client.get(f"{QUOTAS}/{first}", headers=t.headers)).json()
    assert again["status"] == "excluida" and again["refunds"][0]["status"] == "owed"
    r = await client.patch(f"{QUOTAS}/{first}", headers=t.headers, json={"status": "ativa"})
    assert r.status_code == 409 and r.json()["code"] == "INVALID_QUOTA_STATUS_CHANGE"

    # a number never sold before is a vacant quota
    r = await sell(client, t, g["id"], newcomer["id"])
    assert r.status_code == 201 and r.json()["origin"] == "adesao_vaga"
    assert r.json()["number"] == 51


async def test_cessao_pending_then_approved_or_rejected(
    client: httpx.AsyncClient, factory: Factory, runtime: Runtime
) -> None:
    t = await tenant(factory)
    g = await create_group(client, t)
    q = await sell_ok(client, t, g["id"])
    buyer = await create_consorciado(client, t, name="Comprador")
    url = f"{QUOTAS}/{q['id']}/transfers"
    r = await client.post(url, headers=t.headers, json={"to_consorciado_id": q["consorciado_id"]})
    assert r.status_code == 409 and r.json()["code"] == "TRANSFER_NOT_ALLOWED"
    r = await client.post(url, headers=t.headers, json={"to_consorciado_id": buyer["id"]})
    assert r.status_code == 201, r.text
    transfer = r.json()
    assert transfer["status"] == "pending"
    detail = (await client.get(f"{QUOTAS}/{q['id']}", headers=t.headers)).json()
    assert detail["pending_transfer"]["id"] == transfer["id"]
    assert detail["consorciado_id"] == q["consorciado_id"]
    r = await client.post(url, headers=t.headers, json={"to_consorciado_id": buyer["id"]})
    assert r.status_code == 409

    decide = f"{url}/{transfer['id']}/decision"
    r = await client.post(decide, headers=t.headers, json={"decision": "approve", "note": "ok"})
    assert r.status_code == 200 and r.json()["status"] == "approved"
    detail = (await client.get(f"{QUOTAS}/{q['id']}", headers=t.headers)).json()
    assert detail["consorciado_id"] == buyer["id"] and detail["pending_transfer"] is None
    assert detail["contract_document_id"] != q["contract_document_id"]
    r = await client.post(decide, headers=t.headers, json={"decision": "reject"})
    assert r.status_code == 409

    third = await create_consorciado(client, t, name="Terceiro")
    r = await client.post(url, headers=t.headers, json={"to_consorciado_id": third["id"]})
    second = r.json()
    r = await client.post(
        f"{url}/{second['id']}/decision", headers=t.headers, json={"decision": "reject"}
    )
    assert r.json()["status"] == "rejected"
    history = (await client.get(url, headers=t.headers)).json()
    assert [h["status"] for h in history] == ["rejected", "approved"]
    assert (await client.get(f"{QUOTAS}/{q['id']}", headers=t.headers)).json()[
        "consorciado_id"
    ] == buyer["id"]
    async with runtime.db.session(platform=True, readonly=True) as session:
        topics = list((await session.scalars(select(OutboxEvent.topic))).all())
    assert topics.count("consorcio.quota.transferred") == 1
    assert "consorcio.quota.sold" in topics


async def test_status_is_separate_from_legal_and_collection_flags(
    client: httpx.AsyncClient, factory: Factory, runtime: Runtime
) -> None:
    t = await tenant(factory)
    g = await create_group(client, t)
    q = await sell_ok(client, t, g["id"])
    url = f"{QUOTAS}/{q['id']}"
    r = await client.patch(url, headers=t.headers, json={"legal_flags": ["Ajuizada", "acordo"]})
    assert r.status_code == 200
    assert r.json()["legal_flags"] == ["acordo", "ajuizada"] and r.json()["status"] == "ativa"
    r = await client.patch(url, headers=t.headers, json={"status": "encerrada"})
    assert r.status_code == 409
    r = await client.patch(url, headers=t.headers, json={"status": "desistente"})
    assert r.status_code == 200 and r.json()["legal_flags"] == ["acordo", "ajuizada"]
    assert r.json()["refunds"][0]["reason"] == "desistencia"
    r = await client.patch(url, headers=t.headers, json={"status": "contemplada"})
    assert r.status_code == 409 and r.json()["code"] == "INVALID_QUOTA_STATUS_CHANGE"
    assert await _active_counter(runtime, t) == (0, 0)
    r = await client.patch(url, headers=t.headers, json={"status": "ativa"})  # readmission
    assert r.status_code == 200 and r.json()["refunds"][0]["status"] == "cancelled"
    assert await _active_counter(runtime, t) == (1, 1)
    r = await client.patch(url, headers=t.headers, json={"status": "contemplada"})
    assert r.status_code == 200 and r.json()["contemplated_on"]
    assert r.json()["collection_flag"] == "em_dia"
    r = await client.get(f"{QUOTAS}/{uuid.uuid4()}", headers=t.headers)
    assert r.status_code == 404 and r.json()["code"] == "QUOTA_NOT_FOUND"


async def test_meter_sync_corrects_a_drifted_counter(
    client: httpx.AsyncClient, factory: Factory, runtime: Runtime
) -> None:
    from sqlalchemy import update

    from lastro.modules.consorcio.quotas.tasks import sync_active_quotas

    t = await tenant(factory)
    g = await create_group(client, t)
    await sell_ok(client, t, g["id"])
    async with runtime.db.unit_of_work(tenant_id=t.id) as session:
        await session.execute(
            update(UsageCounter).where(UsageCounter.metric == "active_quotas").values(value=7)
        )
    assert await _active_counter(runtime, t) == (7, 1)
    assert await sync_active_quotas(runtime.db) >= 1
    assert await _active_counter(runtime, t) == (1, 1)
    spec = next(s for s in runtime.modules if s.name == "consorcio")
    assert "active_quotas" in spec.usage_meters
    assert "consorcio.quotas.meter_sync" in spec.jobs
    assert "consorcio.groups.formation_check" in spec.jobs


async def test_mixed_credit_group_sells_each_credit_and_scales_it_with_the_price(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    from datetime import timedelta

    from lastro.kit.clock import today_sp

    t = await tenant(factory)
    g = await create_group(client, t, credit_values=["30000.00", "15000.00"])
    holder = await create_consorciado(client, t)
    r = await sell(client, t, g["id"], holder["id"])
    assert r.status_code == 422 and r.json()["code"] == "INVALID_QUOTA_SALE"
    r = await sell(client, t, g["id"], holder["id"], credit_value="15000.00")
    assert r.status_code == 201 and r.json()["credit_in_force"] == "15000.00"
    q = r.json()
    tomorrow = today_sp() + timedelta(days=1)
    await client.post(
        f"{GROUPS}/{g['id']}/prices",
        headers=t.headers,
        json={"effective_on": tomorrow.isoformat(), "price": "31500.00"},
    )
    ledger = (
        await client.get(f"{QUOTAS}/{q['id']}/ledger?on={tomorrow.isoformat()}", headers=t.headers)
    ).json()
    assert ledger["credit_in_force"] == "15750.00"
    assert Decimal(ledger["installment_amount"]) == Decimal("368.55")  # 2.34 % of 15,750
