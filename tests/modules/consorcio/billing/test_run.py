"""The monthly billing run: installments per the primer, valid boletos and BR Codes, a CNAB 240
remessa that parses back, idempotency, resuming after a crash, and the scheduler."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from lastro.br.boleto import parse_boleto
from lastro.br.boleto_banks import Itau
from lastro.br.cnab import read_remessa_240
from lastro.br.pix import crc16, parse_br_code
from lastro.core.runtime import Runtime
from lastro.kit.clock import today_sp, utcnow
from lastro.modules.consorcio.billing import run as run_module
from lastro.modules.consorcio.billing import tasks
from lastro.modules.consorcio.billing.models import (
    BillingRun,
    Charge,
    Installment,
    PendingAdjustment,
)
from lastro.modules.consorcio.quotas.models import QuotaMovement, QuotaPosition
from tests.conftest import Factory
from tests.modules.consorcio.billing.support import (
    BASE,
    billing_setup,
    month_of,
    run_month,
    this_month,
)
from tests.modules.consorcio.groups.support import running_group, tenant

D = Decimal
N = 50  # quotas sold: enough for the group to be constituted


async def _charges(client: httpx.AsyncClient, headers: dict[str, str], quota_id: str) -> list[Any]:
    r = await client.get(f"{BASE}/quotas/{quota_id}/charges", headers=headers)
    assert r.status_code == 200, r.text
    data: list[Any] = r.json()
    return data


async def test_run_bills_every_quota_with_boleto_pix_and_remessa(
    client: httpx.AsyncClient, runtime: Runtime, factory: Factory
) -> None:
    s = await billing_setup(client, runtime, factory, months_ago=2)
    run = await run_month(client, s.t, this_month())
    assert run["status"] == "completed", run
    assert run["quotas_total"] == N and run["quotas_done"] == N
    assert run["installments_created"] == N and run["charges_created"] == N
    assert run["remessas_created"] == 1 and run["errors_count"] == 0
    assert D(run["progress_pct"]) == D(100) and D(run["amount_total"]) == D("702.00") * N

    r = await client.get(
        f"{BASE}/billing/installments", headers=s.t.headers, params={"month": this_month()}
    )
    items = r.json()["items"]
    assert len(items) == N
    for inst in items:  # the ABAC example: 2.34 % of 30,000 = 600 + 90 + 12
        assert inst["number"] == 3
        assert D(inst["fc_pct"]) == D(2) and D(inst["ta_pct"]) == D("0.3")
        assert D(inst["fr_pct"]) == D("0.04")
        assert D(inst["fc_amount"]) == D("600.00") and D(inst["ta_amount"]) == D("90.00")
        assert D(inst["fr_amount"]) == D("12.00") and D(inst["total"]) == D("702.00")
        assert inst["status"] == "open" and D(inst["price"]) == D("30000.00")

    nossos = set()
    for quota_id in s.quota_ids:
        (charge,) = await _charges(client, s.t.headers, quota_id)
        assert charge["kind"] == "mensal" and D(charge["amount"]) == D("702.00")
        due = date.fromisoformat(charge["due_date"])
        boleto = parse_boleto(charge["linha_digitavel"], today=due)
        assert boleto.barcode == charge["barcode"]
        assert (boleto.bank_code, boleto.amount, boleto.due_date) == ("341", D("702.00"), due)
        layout = Itau.parse(boleto.free_field)
        assert layout.nosso_numero == charge["nosso_numero"]
        assert (layout.agencia, layout.conta) == ("1234", "56789")
        payload = charge["pix_payload"]
        assert payload[-4:] == crc16(payload[:-4])
        code = parse_br_code(payload)
        assert code.is_dynamic and code.amount == D("702.00")
        assert code.url == f"pix.itau.example/qr/v2/cobv/{charge['pix_txid']}"
        assert len(charge["pix_txid"]) == 32
        assert charge["remessa_id"] is not None
        nossos.add(charge["nosso_numero"])
    assert len(nossos) == N

    r = await client.get(f"{BASE}/billing/remessas", headers=s.t.headers)
    (remessa,) = r.json()["items"]
    assert remessa["titulos_count"] == N and D(remessa["total_amount"]) == D("702.00") * N
    r = await client.get(f"{BASE}/billing/remessas/{remessa['id']}/file", headers=s.t.headers)
    assert r.status_code == 200
    parsed = read_remessa_240(r.text)
    assert parsed.beneficiario.bank_code == "341" and parsed.sequence == remessa["sequence"]
    assert {t.nosso_numero.strip().lstrip("0") for t in parsed.titulos} == {
        n.lstrip("0") for n in nossos
    }
    assert all(t.amount == D("702.00") for t in parsed.titulos)
    assert all(len(t.pagador.document) == 11 for t in parsed.titulos)

    async with runtime.db.session(tenant_id=s.t.id, readonly=True) as session:
        charged = (await session.scalars(select(QuotaPosition.fc_charged_pct))).all()
        moves = await session.scalar(
            select(func.count()).select_from(QuotaMovement).where(QuotaMovement.kind == "charge")
        )
    assert sorted(charged) == [D(2)] * N and moves == N


async def test_running_a_month_again_issues_nothing_twice(
    client: httpx.AsyncClient, runtime: Runtime, factory: Factory
) -> None:
    s = await billing_setup(client, runtime, factory, months_ago=1)
    first = await run_month(client, s.t, this_month())

    async def snapshot() -> tuple[set[uuid.UUID], set[uuid.UUID]]:
        async with runtime.db.session(tenant_id=s.t.id, readonly=True) as session:
            inst = set((await session.scalars(select(Installment.id))).all())
            charges = set((await session.scalars(select(Charge.id))).all())
        return inst, charges

    before = await snapshot()
    again = await run_month(client, s.t, this_month())
    assert await snapshot() == before and len(before[0]) == N and len(before[1]) == N
    assert again["id"] == first["id"] and again["attempts"] == 2
    assert again["installments_created"] == N and again["charges_created"] == N
    assert again["remessas_created"] == 1  # nothing new to send the second time
    r = await client.get(f"{BASE}/billing/runs", headers=s.t.headers)
    assert [x["reference_month"] for x in r.json()["items"]] == [this_month()]


async def test_a_crashed_run_resumes_where_it_stopped(
    client: httpx.AsyncClient,
    runtime: Runtime,
    factory: Factory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    s = await billing_setup(client, runtime, factory, months_ago=1)
    monkeypatch.setattr(run_module, "CHUNK", 20)
    real_flush = run_module._flush
    calls = {"n": 0}

    async def crashing_flush(*args: Any, **kwargs: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("processo interrompido")
        await real_flush(*args, **kwargs)

    monkeypatch.setattr(run_module, "_flush", crashing_flush)
    with pytest.raises(RuntimeError):
        await run_module.execute_run(runtime.db, s.t.id, this_month())
    r = await client.get(f"{BASE}/billing/runs", headers=s.t.headers)
    (failed,) = r.json()["items"]
    async with runtime.db.session(tenant_id=s.t.id, readonly=True) as session:
        written = await session.scalar(select(func.count()).select_from(Installment))
        issued = await session.scalar(select(func.count()).select_from(Charge))
    # the chunks committed before the failure stay, and the counters say exactly that
    assert failed["status"] == "failed" and failed["errors_count"] == 1
    assert written in (20, 30)  # chunk 1, and chunk 3 if it was in flight
    assert failed["installments_created"] == written == issued == failed["charges_created"]
    assert failed["quotas_done"] == written
    assert D(failed["progress_pct"]) == (D(written * 100) / N).quantize(D("0.1"))

    monkeypatch.setattr(run_module, "_flush", real_flush)
    done = await run_month(client, s.t, this_month())
    assert done["status"] == "completed" and done["attempts"] == 2
    assert done["installments_created"] == N and done["charges_created"] == N
    async with runtime.db.session(tenant_id=s.t.id, readonly=True) as session:
        per_quota = (
            await session.execute(
                select(Installment.quota_id, func.count()).group_by(Installment.quota_id)
            )
        ).all()
        nossos = (await session.scalars(select(Charge.nosso_numero))).all()
        unsent = await session.scalar(
            select(func.count()).select_from(Charge).where(Charge.remessa_id.is_(None))
        )
    assert len(per_quota) == N and all(n == 1 for _, n in per_quota)
    assert len(nossos) == len(set(nossos)) == N and unsent == 0
    (remessa,) = (await client.get(f"{BASE}/billing/remessas", headers=s.t.headers)).json()["items"]
    assert remessa["titulos_count"] == N and remessa["status"] == "generated"
    r = await client.get(f"{BASE}/billing/remessas/{remessa['id']}/file", headers=s.t.headers)
    assert sorted(t.nosso_numero.lstrip("0") for t in read_remessa_240(r.text).titulos) == sorted(
        n.lstrip("0") for n in nossos
    )


async def test_a_run_in_progress_is_not_started_twice(
    client: httpx.AsyncClient, runtime: Runtime, factory: Factory
) -> None:
    s = await billing_setup(client, runtime, factory, months_ago=1)
    async with runtime.db.unit_of_work(tenant_id=s.t.id) as session:
        run = await run_module.get_or_create_run(
            session, this_month(), trigger="api", requested_by=None
        )
        run.status, run.heartbeat_at = "running", utcnow()
    r = await client.post(f"{BASE}/billing/runs", headers=s.t.headers, json={"month": this_month()})
    assert r.status_code == 409 and r.json()["code"] == "CONSORCIO_BILLING_RUN_BUSY"
    async with runtime.db.unit_of_work(tenant_id=s.t.id) as session:  # the process died
        found = await session.scalar(select(BillingRun))
        assert found is not None
        found.heartbeat_at = utcnow() - timedelta(minutes=5)
    done = await run_month(client, s.t, this_month())
    assert done["status"] == "completed" and done["installments_created"] == N


async def test_invalid_months_and_groups_that_cannot_be_billed(
    client: httpx.AsyncClient, runtime: Runtime, factory: Factory
) -> None:
    t = await tenant(factory)
    await running_group(client, runtime, t, months_ago=1)
    for month in ("2026-13", "26-01", "2026/01"):
        r = await client.post(f"{BASE}/billing/runs", headers=t.headers, json={"month": month})
        assert r.status_code == 422, r.text
    run = await run_month(client, t, this_month())  # no collecting account yet
    assert run["status"] == "completed" and run["installments_created"] == 0
    assert run["errors_count"] == 1
    assert run["errors"][0]["code"] == "CONSORCIO_BILLING_GROUP_SKIPPED"
    before = await run_month(client, t, month_of(today_sp(), -6))  # before installment 1
    assert before["quotas_total"] == 0 and before["installments_created"] == 0
    r = await client.get(f"{BASE}/billing/runs/{uuid.uuid4()}", headers=t.headers)
    assert r.status_code == 404 and r.json()["code"] == "CONSORCIO_BILLING_RUN_NOT_FOUND"


async def test_scheduler_bills_a_month_within_the_lead_time(
    client: httpx.AsyncClient, runtime: Runtime, factory: Factory
) -> None:
    s = await billing_setup(client, runtime, factory, months_ago=1)
    today = today_sp()
    next_month = month_of(today, 1)
    year, month = (int(x) for x in next_month.split("-"))
    due = date(year, month, 10)
    assert next_month not in await tasks.months_due(runtime.db, s.t.id, due - timedelta(30))
    assert next_month in await tasks.months_due(runtime.db, s.t.id, due - timedelta(5))
    await tasks.daily(runtime.db, due - timedelta(5))
    r = await client.get(f"{BASE}/billing/runs", headers=s.t.headers)
    runs = {x["reference_month"]: x for x in r.json()["items"]}
    assert runs[next_month]["status"] == "completed"
    assert runs[next_month]["trigger"] == "schedule"
    assert runs[next_month]["installments_created"] == N
    assert next_month not in await tasks.months_due(runtime.db, s.t.id, due - timedelta(5))


async def test_pending_adjustments_ride_on_the_next_installment(
    client: httpx.AsyncClient, runtime: Runtime, factory: Factory
) -> None:
    s = await billing_setup(client, runtime, factory, months_ago=1)
    first, second = (uuid.UUID(q) for q in s.quota_ids[:2])
    async with runtime.db.unit_of_work(tenant_id=s.t.id) as session:
        session.add_all(
            [
                PendingAdjustment(  # the 5 % update after the boleto: 2.34 % of R$ 1,500
                    quota_id=first,
                    kind="diferenca_parcela",
                    description="Diferença de parcela (reajuste de 5 %)",
                    amount=D("35.10"),
                    fc_pct=D(0),
                    source_ref="test:dif:1",
                ),
                PendingAdjustment(  # a credit larger than the installment waits
                    quota_id=second,
                    kind="ajuste",
                    description="Crédito a compensar",
                    amount=D("-800.00"),
                    source_ref="test:credit:1",
                ),
            ]
        )
    await run_month(client, s.t, this_month())
    r = await client.get(f"{BASE}/quotas/{first}/installments", headers=s.t.headers)
    (inst,) = r.json()
    assert D(inst["total"]) == D("737.10") and D(inst["extra_amount"]) == D("35.10")
    assert inst["lines"][0]["kind"] == "diferenca_parcela"
    (charge,) = await _charges(client, s.t.headers, str(first))
    assert D(charge["amount"]) == D("737.10")
    r = await client.get(f"{BASE}/quotas/{second}/installments", headers=s.t.headers)
    assert D(r.json()[0]["total"]) == D("702.00") and r.json()[0]["lines"] == []
    async with runtime.db.session(tenant_id=s.t.id, readonly=True) as session:
        rows = {a.source_ref: a for a in (await session.scalars(select(PendingAdjustment))).all()}
    assert rows["test:dif:1"].status == "billed"
    assert str(rows["test:dif:1"].installment_id) == inst["id"]
    assert rows["test:credit:1"].status == "pending"
