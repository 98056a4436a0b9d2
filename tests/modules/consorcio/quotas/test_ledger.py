"""The percentage ledger: ten on-time installments leave 93.6 % (R$ 28,080.00; R$ 29,484.00
after a 5 % price update); movements are idempotent by reference and percent paid never exceeds
the total or goes below zero."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from decimal import Decimal

import httpx
import pytest

from lastro.core.runtime import Runtime
from lastro.kit.clock import today_sp
from lastro.modules.consorcio.domain import PercentExceedsTotal
from lastro.modules.consorcio.quotas.errors import InvalidMovement, MovementRefConflict
from lastro.modules.consorcio.quotas.ledger import MovementDraft, ledger_state, record_movement
from tests.conftest import Factory
from tests.modules.consorcio.groups.support import (
    create_group,
    months_before,
    rules,
    sell_ok,
    tenant,
)

QUOTAS = "/api/v1/consorcio/quotas"
PRICE = Decimal("30000.00")


def installment(n: int, *, ref: str | None = None) -> MovementDraft:
    return MovementDraft(
        kind="payment",
        source_ref=ref or f"boleto:{n}",
        price=PRICE,
        installment_number=n,
        fc_pct=Decimal("2"),
        ta_pct=Decimal("0.3"),
        fr_pct=Decimal("0.04"),
        fc_amount=Decimal("600.00"),
        ta_amount=Decimal("90.00"),
        fr_amount=Decimal("12.00"),
    )


async def test_ten_installments_leave_93_6_percent(
    client: httpx.AsyncClient, factory: Factory, runtime: Runtime
) -> None:
    t = await tenant(factory)
    today = today_sp()
    start = months_before(today, 9)  # today falls in the group's 10th month
    g = await create_group(
        client, t, formation_started_on=start.isoformat(), rules=rules(due_day=1)
    )
    q = await sell_ok(client, t, g["id"], sold_on=start.isoformat())
    qid = uuid.UUID(q["id"])
    async with runtime.db.unit_of_work(tenant_id=t.id) as session:
        for n in range(1, 11):
            assert (await record_movement(session, qid, installment(n))).created

    data = (await client.get(f"{QUOTAS}/{q['id']}/ledger", headers=t.headers)).json()
    assert data["month"] == 10 and data["installments_paid"] == 10
    assert Decimal(data["total"]["paid_pct"]) == Decimal("23.4")
    assert Decimal(data["total"]["ideal_pct"]) == Decimal("23.4")
    assert Decimal(data["total"]["arrears_pct"]) == 0 and Decimal(data["total"]["advance_pct"]) == 0
    assert Decimal(data["saldo_devedor_pct"]) == Decimal("93.6")
    assert Decimal(data["saldo_devedor_amount"]) == Decimal("28080.00")
    comps = data["components"]
    assert [Decimal(comps[k]["paid_pct"]) for k in ("fc", "ta", "fr")] == [
        Decimal(20),
        Decimal(3),
        Decimal("0.4"),
    ]
    assert Decimal(comps["fc"]["balance_amount"]) == Decimal("24000.00")
    assert Decimal(data["fc_amortized_pct"]) == Decimal(20)
    assert Decimal(data["installment_amount"]) == Decimal("702.00")
    assert len(data["movements"]) == 10 and data["movements"][0]["installment_number"] == 10

    # a month later with nothing paid: one installment in arrears
    later = (today.replace(day=1) + timedelta(days=32)).replace(day=5)
    data = (
        await client.get(f"{QUOTAS}/{q['id']}/ledger?on={later.isoformat()}", headers=t.headers)
    ).json()
    assert data["month"] == 11
    assert Decimal(data["total"]["arrears_pct"]) == Decimal("2.34")
    assert Decimal(data["total"]["arrears_amount"]) == Decimal("702.00")

    # +5 %: the same percentages, the money follows the price
    tomorrow = today + timedelta(days=1)
    r = await client.post(
        f"/api/v1/consorcio/groups/{g['id']}/prices",
        headers=t.headers,
        json={"effective_on": tomorrow.isoformat(), "price": "31500.00"},
    )
    assert r.status_code == 201
    data = (
        await client.get(f"{QUOTAS}/{q['id']}/ledger?on={tomorrow.isoformat()}", headers=t.headers)
    ).json()
    assert Decimal(data["credit_in_force"]) == Decimal("31500.00")
    assert Decimal(data["saldo_devedor_pct"]) == Decimal("93.6")
    assert Decimal(data["saldo_devedor_amount"]) == Decimal("29484.00")
    assert Decimal(data["installment_amount"]) == Decimal("737.10")


async def test_movements_are_idempotent_and_capped(
    client: httpx.AsyncClient, factory: Factory, runtime: Runtime
) -> None:
    t = await tenant(factory)
    g = await create_group(client, t)
    q = await sell_ok(client, t, g["id"])
    other = await sell_ok(client, t, g["id"])
    qid = uuid.UUID(q["id"])
    async with runtime.db.unit_of_work(tenant_id=t.id) as session:
        first = await record_movement(session, qid, installment(1))
        again = await record_movement(session, qid, installment(1))
        assert first.created and not again.created and again.movement.id == first.movement.id
        with pytest.raises(MovementRefConflict):
            await record_movement(session, uuid.UUID(other["id"]), installment(1))
        charge = MovementDraft(
            kind="charge",
            source_ref="charge:2",
            price=PRICE,
            installment_number=2,
            fc_pct=Decimal(2),
            ta_pct=Decimal("0.3"),
            fr_pct=Decimal("0.04"),
        )
        assert (await record_movement(session, qid, charge)).created
        for bad in (
            MovementDraft(kind="gift", source_ref="x:1", price=PRICE),
            MovementDraft(kind="payment", source_ref="", price=PRICE),
            MovementDraft(kind="payment", source_ref="x:2", price=Decimal(0)),
            MovementDraft(kind="payment", source_ref="x:3", price=PRICE, fc_pct=Decimal(-1)),
        ):
            with pytest.raises(InvalidMovement):
                await record_movement(session, qid, bad)
    async with runtime.db.unit_of_work(tenant_id=t.id) as session:
        with pytest.raises(PercentExceedsTotal):  # 2 % paid + 98.5 % > 100 % of FC
            await record_movement(
                session,
                qid,
                MovementDraft(
                    kind="antecipacao", source_ref="lance:1", price=PRICE, fc_pct=Decimal("98.5")
                ),
            )
    async with runtime.db.unit_of_work(tenant_id=t.id) as session:
        with pytest.raises(PercentExceedsTotal):  # undoing more than was paid
            await record_movement(
                session,
                qid,
                MovementDraft(kind="estorno", source_ref="est:1", price=PRICE, fc_pct=Decimal(-3)),
            )
    async with runtime.db.unit_of_work(tenant_id=t.id) as session:
        state = await ledger_state(session, qid)
    assert state.lines["fc"].paid == Decimal(2) and state.installments_paid == 1
    data = (await client.get(f"{QUOTAS}/{q['id']}/ledger", headers=t.headers)).json()
    assert [m["kind"] for m in data["movements"]] == ["charge", "payment"] or [
        m["kind"] for m in data["movements"]
    ] == ["payment", "charge"]
    assert Decimal(data["components"]["fc"]["paid_pct"]) == Decimal(2)


async def test_paying_the_whole_balance_marks_the_quota_paid_off(
    client: httpx.AsyncClient, factory: Factory, runtime: Runtime
) -> None:
    t = await tenant(factory)
    g = await create_group(client, t, term_months=2, max_quotas=10)
    q = await sell_ok(client, t, g["id"])
    async with runtime.db.unit_of_work(tenant_id=t.id) as session:
        await record_movement(
            session,
            uuid.UUID(q["id"]),
            MovementDraft(
                kind="payment",
                source_ref="quitacao:1",
                price=PRICE,
                fc_pct=Decimal(100),
                ta_pct=Decimal(15),
                fr_pct=Decimal(2),
                fc_amount=Decimal("30000.00"),
                ta_amount=Decimal("4500.00"),
                fr_amount=Decimal("600.00"),
            ),
        )
    detail = (await client.get(f"{QUOTAS}/{q['id']}", headers=t.headers)).json()
    assert detail["status"] == "quitada" and detail["position"]["installments_paid"] == 2
    assert detail["position"]["paid_amount"] == "35100.00"


async def test_concurrent_writers_of_one_quota_apply_each_payment_once(
    client: httpx.AsyncClient, factory: Factory, runtime: Runtime, db_backend: str
) -> None:
    if db_backend != "postgres":
        pytest.skip("concurrency needs PostgreSQL")
    t = await tenant(factory)
    g = await create_group(client, t)
    q = await sell_ok(client, t, g["id"])
    qid = uuid.UUID(q["id"])

    async def pay(n: int) -> bool:
        async with runtime.db.unit_of_work(tenant_id=t.id) as session:
            return (await record_movement(session, qid, installment(n % 3 + 1))).created

    results = await asyncio.gather(*(pay(n) for n in range(9)))
    assert results.count(True) == 3
    async with runtime.db.unit_of_work(tenant_id=t.id) as session:
        state = await ledger_state(session, qid)
    assert state.lines["fc"].paid == Decimal(6) and state.installments_paid == 3
