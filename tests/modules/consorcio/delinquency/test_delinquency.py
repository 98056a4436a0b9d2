"""Delinquency: the amount due on a date (primer §6.1 to the cent), collection stages and
exclusion at the group's threshold (never for contemplated quotas), reminders sent once,
price updates with the diferença de parcela, and tenant isolation of the routes."""

from __future__ import annotations

import uuid
from datetime import date
from typing import TypeVar

import httpx
from sqlalchemy import Select, select

from lastro.core.notifications.models import Delivery, Notification
from lastro.core.runtime import Runtime
from lastro.infra.outbox import OutboxEvent
from lastro.modules.consorcio.billing.models import Installment, PendingAdjustment
from lastro.modules.consorcio.delinquency.collections import pick_reminder
from lastro.modules.consorcio.delinquency.models import (
    DelinquencyReminder,
    DelinquencyTransition,
    PriceUpdate,
)
from lastro.modules.consorcio.delinquency.tasks import daily
from lastro.modules.consorcio.quotas.models import QuotaRefund
from tests.architecture.isolation import IsolationCase, assert_tenant_isolation
from tests.conftest import Factory
from tests.modules.consorcio.delinquency.support import (
    D,
    add_installment,
    contemplate,
    group_with_quotas,
)
from tests.modules.consorcio.groups.support import tenant

API = "/api/v1/consorcio"
M = TypeVar("M")


async def _run(client: httpx.AsyncClient, headers: dict[str, str], on: date) -> dict[str, object]:
    r = await client.post(f"{API}/delinquency/runs", headers=headers, json={"date": on.isoformat()})
    assert r.status_code == 200, r.text
    data: dict[str, object] = r.json()
    return data


async def _rows(runtime: Runtime, tenant_id: uuid.UUID, model: type[M], **where: object) -> list[M]:
    async with runtime.db.session(tenant_id=tenant_id, readonly=True) as session:
        stmt: Select[M] = select(model)
        for key, value in where.items():
            stmt = stmt.where(getattr(model, key) == value)
        return list((await session.scalars(stmt)).all())


async def test_amount_due_719_55_and_755_53_after_a_5_percent_update(
    client: httpx.AsyncClient, factory: Factory, runtime: Runtime
) -> None:
    t = await tenant(factory)
    group, (quota,) = await group_with_quotas(client, t)
    # R$ 702 due on Monday 11/01/2027, paid 15 days late
    await add_installment(runtime, t.id, quota, 1, date(2027, 1, 11))
    url = f"{API}/quotas/{quota['id']}/debts"

    on_time = (await client.get(url, headers=t.headers, params={"on": "2027-01-11"})).json()
    assert on_time["installments"] == 0 and D(on_time["total"]) == 0

    r = await client.get(url, headers=t.headers, params={"on": "2027-01-26"})
    assert r.status_code == 200, r.text
    due = r.json()
    assert due["days_late"] == 15 and due["installments"] == 1
    assert D(due["principal"]) == D("702.00")
    assert (D(due["fine"]), D(due["interest"])) == (D("14.04"), D("3.51"))
    assert D(due["total"]) == D("719.55")
    # split by the group's rule (50 % to the group; banker's rounding of 1.755)
    item = due["items"][0]
    assert (D(item["fine_group"]), D(item["interest_group"])) == (D("7.02"), D("1.76"))
    assert D(due["group_share"]) + D(due["administradora_share"]) == D("17.55")

    # a 5 % price update in between: the overdue installment follows the current price
    r = await client.post(
        f"{API}/groups/{group['id']}/price-updates",
        headers=t.headers,
        json={"effective_on": "2027-01-15", "variation_pct": "5", "source": "tabela"},
    )
    assert r.status_code == 201, r.text
    update = r.json()
    assert update["status"] == "scheduled" and D(update["price"]) == D("31500.00")
    due = (await client.get(url, headers=t.headers, params={"on": "2027-01-26"})).json()
    assert D(due["price_now"]) == D("31500.00")
    assert D(due["principal"]) == D("737.10")
    assert (D(due["fine"]), D(due["interest"])) == (D("14.74"), D("3.69"))
    assert D(due["total"]) == D("755.53")
    assert D(due["boleto_amount"]) == D("702.00")

    listed = (
        await client.get(f"{API}/groups/{group['id']}/price-updates", headers=t.headers)
    ).json()
    assert [u["status"] for u in listed] == ["scheduled"]

    # a partial payment (reais at the boleto price) comes off the re-priced amount
    other = (await group_with_quotas(client, t, 1))[1][0]
    partial = await add_installment(runtime, t.id, other, 1, date(2027, 1, 11))
    async with runtime.db.unit_of_work(tenant_id=t.id) as session:
        row = await session.scalar(select(Installment).where(Installment.id == partial))
        assert row is not None
        row.status, row.paid_amount, row.paid_on = "partial", D("302.00"), date(2027, 1, 11)
    due = (
        await client.get(
            f"{API}/quotas/{other['id']}/debts", headers=t.headers, params={"on": "2027-01-26"}
        )
    ).json()
    assert (D(due["principal"]), D(due["fine"]), D(due["interest"])) == (
        D("400.00"),
        D("8.00"),
        D("2.00"),
    )

    missing = await client.get(f"{API}/quotas/{uuid.uuid4()}/debts", headers=t.headers)
    assert missing.status_code == 404 and missing.json()["code"] == "QUOTA_NOT_FOUND"


async def test_stages_progress_and_non_contemplated_quota_is_excluded_at_threshold(
    client: httpx.AsyncClient, factory: Factory, runtime: Runtime
) -> None:
    t = await tenant(factory)
    group, (late, contemplated, payer) = await group_with_quotas(client, t, 3)
    await contemplate(runtime, t.id, contemplated["id"], date(2026, 7, 20))
    dues = [date(2026, 8, 10), date(2026, 9, 10), date(2026, 10, 13)]
    for n, due in enumerate(dues, start=1):
        await add_installment(runtime, t.id, late, n, due)
        await add_installment(runtime, t.id, contemplated, n, due)
        await add_installment(runtime, t.id, payer, n, due, paid_on=due)
    # a future installment of the defaulter, to be cancelled by the exclusion
    future = await add_installment(runtime, t.id, late, 4, date(2026, 12, 10))

    run = await _run(client, t.headers, date(2026, 8, 20))
    assert run["delinquent"] == 2 and run["stage_changes"] == 2 and run["exclusions"] == 0
    page = (await client.get(f"{API}/delinquency", headers=t.headers)).json()
    by_quota = {row["quota_id"]: row for row in page["items"]}
    assert set(by_quota) == {late["id"], contemplated["id"]}
    assert (by_quota[late["id"]]["stage"], by_quota[late["id"]]["flag"]) == ("cobranca", "atraso_1")
    assert by_quota[contemplated["id"]]["stage"] == "bloqueio_contemplado"

    again = await _run(client, t.headers, date(2026, 8, 20))  # same day: nothing new
    assert again["stage_changes"] == 2 and again["attempts"] == 2

    await _run(client, t.headers, date(2026, 9, 20))
    state = (await client.get(f"{API}/quotas/{late['id']}/delinquency", headers=t.headers)).json()
    assert state["collection_flag"] == "pre_exclusao" and state["overdue_installments"] == 2
    assert state["position"]["stage"] == "mediacao" and state["position"]["missed_consecutive"] == 2
    notices = await _rows(runtime, t.id, Notification, template_key="consorcio.pre_exclusao")
    assert len(notices) == 1 and notices[0].legal

    run = await _run(client, t.headers, date(2026, 10, 20))
    assert run["exclusions"] == 1
    quota = (await client.get(f"{API}/quotas/{late['id']}", headers=t.headers)).json()
    assert quota["status"] == "excluida"
    other = (await client.get(f"{API}/quotas/{contemplated['id']}", headers=t.headers)).json()
    assert other["status"] == "contemplada"  # contemplated defaulters are collected, not excluded
    assert other["collection_flag"] == "cobranca_judicial"

    history = await _rows(runtime, t.id, DelinquencyTransition, quota_id=uuid.UUID(late["id"]))
    assert [h.to_flag for h in sorted(history, key=lambda h: h.changed_on)] == [
        "atraso_1",
        "pre_exclusao",
        "excluida",
    ]
    assert [h.excluded for h in history].count(True) == 1
    refunds = await _rows(runtime, t.id, QuotaRefund, quota_id=uuid.UUID(late["id"]))
    assert [r.reason for r in refunds] == ["exclusao"]
    async with runtime.db.session(tenant_id=t.id, readonly=True) as session:
        cancelled = await session.scalar(select(Installment.status).where(Installment.id == future))
        topics = list((await session.scalars(select(OutboxEvent.topic))).all())
    assert cancelled == "cancelled"
    assert topics.count("consorcio.quota.excluded") == 1
    excluded_notice = await _rows(
        runtime, t.id, Notification, template_key="consorcio.cota_excluida"
    )
    assert len(excluded_notice) == 1 and excluded_notice[0].legal

    summary = (await client.get(f"{API}/delinquency/summary", headers=t.headers)).json()
    stages = {s["stage"]: s for s in summary["stages"]}
    assert stages["juridico"]["quotas"] == 1 and summary["delinquent"] == 1
    assert summary["active_quotas"] == 2 and summary["em_dia"] == 1
    assert summary["excluded_last_30_days"] == 0  # excluded on 20/10, more than 30 days ago
    assert D(stages["juridico"]["total"]) > D("2106.00")  # 3 × 702 plus fine and interest
    with_excluded = (
        await client.get(f"{API}/delinquency", headers=t.headers, params={"include_excluded": True})
    ).json()
    assert {r["flag"] for r in with_excluded["items"]} == {"excluida", "cobranca_judicial"}
    filtered = (
        await client.get(
            f"{API}/delinquency",
            headers=t.headers,
            params={"group_id": group["id"], "stage": "juridico", "min_days_late": 30},
        )
    ).json()
    assert [r["quota_id"] for r in filtered["items"]] == [contemplated["id"]]
    bad = await client.get(f"{API}/delinquency", headers=t.headers, params={"stage": "x"})
    assert bad.status_code == 422


async def test_threshold_is_the_group_rule_and_exclusion_may_wait_for_a_person(
    client: httpx.AsyncClient, factory: Factory, runtime: Runtime
) -> None:
    from tests.modules.consorcio.groups.support import rules

    t = await tenant(factory)
    _, (quota,) = await group_with_quotas(client, t, rules=rules(exclusion_threshold=2))
    r = await client.patch(
        f"{API.replace('/consorcio', '')}/settings/consorcio",
        headers=t.headers,
        json={"delinquency_auto_exclude": False},
    )
    assert r.status_code == 200, r.text
    await add_installment(runtime, t.id, quota, 1, date(2026, 8, 10))
    await add_installment(runtime, t.id, quota, 2, date(2026, 9, 10))
    run = await _run(client, t.headers, date(2026, 9, 20))
    assert run["exclusions"] == 0
    state = (await client.get(f"{API}/quotas/{quota['id']}/delinquency", headers=t.headers)).json()
    assert state["position"]["stage"] == "exclusao" and state["collection_flag"] == "pre_exclusao"
    assert (await client.get(f"{API}/quotas/{quota['id']}", headers=t.headers)).json()[
        "status"
    ] == "ativa"


def test_pick_reminder_uses_the_latest_offset_reached() -> None:
    due = date(2026, 11, 10)
    assert pick_reminder(due, date(2026, 11, 4), [5, 1], [1, 5]) is None
    assert pick_reminder(due, date(2026, 11, 5), [5, 1], [1, 5]) == ("before", 5)
    assert pick_reminder(due, date(2026, 11, 9), [5, 1], [1, 5]) == ("before", 1)
    assert pick_reminder(due, date(2026, 11, 10), [5, 1], [1, 5]) == ("before", 1)
    assert pick_reminder(due, date(2026, 11, 12), [5, 1], [1, 5]) == ("after", 1)
    assert pick_reminder(due, date(2026, 11, 30), [5, 1], [1, 5]) == ("after", 5)
    # due on a Sunday: paying on Monday is on time, so no "late" reminder yet
    sunday = date(2026, 11, 15)
    assert pick_reminder(sunday, date(2026, 11, 16), [1], [1]) == ("before", 1)


async def test_reminders_before_and_after_the_due_date_are_sent_once(
    client: httpx.AsyncClient, factory: Factory, runtime: Runtime
) -> None:
    t = await tenant(factory)
    _, (quota,) = await group_with_quotas(client, t)
    installment = await add_installment(runtime, t.id, quota, 1, date(2026, 11, 10))
    for on in (date(2026, 11, 5), date(2026, 11, 5), date(2026, 11, 9), date(2026, 11, 11)):
        await _run(client, t.headers, on)
    await _run(client, t.headers, date(2026, 11, 11))  # again: nothing more

    sent = await _rows(runtime, t.id, DelinquencyReminder, installment_id=installment)
    assert sorted((r.kind, r.offset_days) for r in sent) == [
        ("after", 1),
        ("before", 1),
        ("before", 5),
    ]
    assert all(r.status == "queued" and r.notification_id for r in sent)
    assert {tuple(r.channels) for r in sent} == {("email", "sms", "whatsapp")}
    late = next(r for r in sent if r.kind == "after")
    assert late.amount == D("702.00") + D("14.04") + D("0.23")  # 1 day of interest

    notes = await _rows(runtime, t.id, Notification)
    keys = sorted(n.template_key for n in notes)
    assert keys == [
        "consorcio.parcela_a_vencer",
        "consorcio.parcela_a_vencer",
        "consorcio.parcela_vencida",
    ]
    overdue_note = next(n for n in notes if n.template_key == "consorcio.parcela_vencida")
    assert "R$ 716,27" in overdue_note.body and "10/11/2026" in overdue_note.body
    deliveries = await _rows(runtime, t.id, Delivery, notification_id=overdue_note.id)
    assert sorted(d.channel for d in deliveries) == ["email", "sms", "whatsapp"]

    history = (
        await client.get(f"{API}/quotas/{quota['id']}/delinquency", headers=t.headers)
    ).json()
    assert len(history["reminders"]) == 3


async def test_price_update_gives_the_next_installment_its_diferenca_de_parcela(
    client: httpx.AsyncClient, factory: Factory, runtime: Runtime
) -> None:
    t = await tenant(factory)
    group, (quota, other) = await group_with_quotas(client, t, 2)
    # installment 1 billed at R$ 30,000 and paid on time; the assembly on 20/01 runs at 31,500
    paid = await add_installment(
        runtime, t.id, quota, 1, date(2027, 1, 11), paid_on=date(2027, 1, 8)
    )
    await add_installment(runtime, t.id, other, 1, date(2027, 1, 11))  # still open: re-priced later
    r = await client.post(
        f"{API}/groups/{group['id']}/price-updates",
        headers=t.headers,
        json={"effective_on": "2027-01-15", "price": "31500.00"},
    )
    assert r.status_code == 201 and r.json()["status"] == "scheduled"

    # the daily run before the assembly applies the price but owes no difference yet
    await daily(runtime.db, {"tenant_id": str(t.id), "date": "2027-01-16"})
    applied = await _rows(runtime, t.id, PriceUpdate, group_id=uuid.UUID(group["id"]))
    assert len(applied) == 1 and applied[0].variation_pct == D("5")
    assert applied[0].overdue_installments == 1 and applied[0].overdue_amount_after == D("737.10")
    assert await _rows(runtime, t.id, PendingAdjustment) == []

    for _ in range(2):  # after the assembly, once
        await daily(runtime.db, {"tenant_id": str(t.id), "date": "2027-01-21"})
    (adjustment,) = await _rows(runtime, t.id, PendingAdjustment)
    assert adjustment.quota_id == uuid.UUID(quota["id"]) and adjustment.kind == "diferenca_parcela"
    assert adjustment.source_ref == f"delinquency:diferenca:{paid}"
    assert adjustment.amount == D("35.10") and adjustment.status == "pending"
    total_pct = adjustment.fc_pct + adjustment.ta_pct + adjustment.fr_pct + adjustment.ins_pct
    assert total_pct == D("0.1114285714")

    listed = (
        await client.get(f"{API}/quotas/{quota['id']}/price-differences", headers=t.headers)
    ).json()
    assert [D(a["amount"]) for a in listed] == [D("35.10")]
    updates = (
        await client.get(f"{API}/groups/{group['id']}/price-updates", headers=t.headers)
    ).json()
    assert updates[0]["status"] == "applied" and D(updates[0]["previous_price"]) == D("30000.00")

    bad = await client.post(
        f"{API}/groups/{group['id']}/price-updates",
        headers=t.headers,
        json={"effective_on": "2027-02-15", "price": "1.00", "variation_pct": "2"},
    )
    assert bad.status_code == 422


async def test_delinquency_routes_are_isolated_between_tenants(
    client: httpx.AsyncClient, factory: Factory, runtime: Runtime
) -> None:
    owner = await tenant(factory)
    intruder = await tenant(factory)
    group, (quota,) = await group_with_quotas(client, owner)
    await add_installment(runtime, owner.id, quota, 1, date(2026, 10, 13))
    await _run(client, owner.headers, date(2026, 11, 3))
    assert (await client.get(f"{API}/delinquency", headers=owner.headers)).json()["total"] == 1
    app = client._transport.app  # type: ignore[attr-defined]
    await assert_tenant_isolation(
        IsolationCase(
            app=app,
            client=client,
            owner_headers=owner.headers,
            intruder_headers=intruder.headers,
            resources={"quota_id": quota["id"], "group_id": group["id"]},
            bodies={
                ("POST", "/api/v1/consorcio/groups/{group_id}/price-updates"): {
                    "effective_on": "2027-03-01",
                    "variation_pct": "3",
                }
            },
            only_prefixes=(
                "/api/v1/consorcio/delinquency",
                "/api/v1/consorcio/quotas/{quota_id}/debts",
                "/api/v1/consorcio/quotas/{quota_id}/delinquency",
                "/api/v1/consorcio/quotas/{quota_id}/price-differences",
                "/api/v1/consorcio/groups/{group_id}/price-updates",
            ),
        )
    )
    intruder_view = (
        await client.get(f"{API}/delinquency/summary", headers=intruder.headers)
    ).json()
    assert intruder_view["delinquent"] == 0 and intruder_view["last_run"] is None


async def test_billing_run_carries_the_diferenca_into_the_next_installment(
    client: httpx.AsyncClient, factory: Factory, runtime: Runtime
) -> None:
    from lastro.modules.consorcio.billing.run import execute_run
    from lastro.modules.consorcio.groups.models import Group
    from tests.modules.consorcio.groups.support import cnpj

    t = await tenant(factory)
    group, (quota,) = await group_with_quotas(client, t)
    r = await client.post(
        f"{API}/billing/accounts",
        headers=t.headers,
        json={
            "name": "Cobrança BB",
            "is_default": True,
            "bank_code": "001",
            "agencia": "1234",
            "agencia_dv": "3",
            "conta": "56789",
            "conta_dv": "0",
            "convenio": "1234567",
            "carteira": "17",
            "beneficiary_name": "Administradora Teste Ltda",
            "beneficiary_document": cnpj(),
            "beneficiary_city": "São Paulo",
            "pix_key": "cobranca@administradora.example",
            "pix_location_base": "pix.example.com/qr/v2/cobv",
        },
    )
    assert r.status_code == 201, r.text
    async with runtime.db.unit_of_work(tenant_id=t.id) as session:  # constituted in January
        row = await session.scalar(select(Group).where(Group.id == uuid.UUID(group["id"])))
        assert row is not None
        row.status, row.constituted_on = "em_andamento", date(2026, 12, 20)
        row.first_assembly_on = date(2027, 1, 20)
    await add_installment(runtime, t.id, quota, 1, date(2027, 1, 11), paid_on=date(2027, 1, 11))
    r = await client.post(
        f"{API}/groups/{group['id']}/price-updates",
        headers=t.headers,
        json={"effective_on": "2027-01-15", "variation_pct": "5"},
    )
    assert r.status_code == 201, r.text
    await daily(runtime.db, {"tenant_id": str(t.id), "date": "2027-01-21"})

    await execute_run(runtime.db, t.id, "2027-02", issued_on=date(2027, 1, 25))
    (adjustment,) = await _rows(runtime, t.id, PendingAdjustment)
    assert adjustment.status == "billed" and adjustment.installment_id is not None
    (second,) = await _rows(runtime, t.id, Installment, id=adjustment.installment_id)
    assert second.number == 2 and second.price == D("31500.00")
    assert second.extra_amount == D("35.10")
    assert second.total == D("737.10") + D("35.10")
    assert [line["source_ref"] for line in second.lines] == [adjustment.source_ref]
