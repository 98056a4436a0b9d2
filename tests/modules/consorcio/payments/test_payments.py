"""Payments: CNAB 240/400 retorno import (idempotent per file and per payment, unknown nosso
número reported), the split of a late payment per the primer (R$ 719.55 and R$ 755.53), percent
at the price in force, advance and excess, books balanced per group, the PIX webhook (signature,
concurrent duplicates) and tenant isolation."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date
from decimal import Decimal

import httpx
import orjson
import pytest
from sqlalchemy import func, select

from lastro.core.billing.providers import sign
from lastro.core.runtime import Runtime
from lastro.modules.consorcio.billing.models import Charge, Installment
from lastro.modules.consorcio.payments.models import Payment
from lastro.modules.consorcio.payments.pix import derived_secret
from lastro.modules.consorcio.payments.retorno import import_retorno
from lastro.modules.consorcio.quotas.models import QuotaMovement, QuotaPosition
from tests.architecture.isolation import IsolationCase, walk
from tests.conftest import TEST_SECRET, Factory
from tests.modules.consorcio.payments.support import (
    API,
    D,
    World,
    admin_balances,
    another_quota,
    bill,
    group_balances,
    ocorrencia,
    retorno_240,
    retorno_400,
    txid_of,
    upload,
    world,
)

DUE = date(2026, 11, 10)
LATE = date(2026, 11, 25)  # 15 days after DUE


async def _position(runtime: Runtime, w: World, quota_id: str | None = None) -> QuotaPosition:
    async with runtime.db.unit_of_work(tenant_id=w.t.id) as s:
        found = await s.scalar(
            select(QuotaPosition).where(QuotaPosition.quota_id == uuid.UUID(quota_id or w.quota_id))
        )
        assert found is not None
        return found


async def _count(runtime: Runtime, w: World, model: type) -> int:
    async with runtime.db.unit_of_work(tenant_id=w.t.id) as s:
        return int(await s.scalar(select(func.count()).select_from(model)) or 0)


async def _row(runtime: Runtime, w: World, model: type, id_: str) -> object:
    async with runtime.db.unit_of_work(tenant_id=w.t.id) as s:
        return await s.scalar(select(model).where(model.id == uuid.UUID(id_)))


def _balanced(book: dict[str, Decimal]) -> bool:
    """Assets (1.x) equal liabilities plus equity (2.x, 3.x) on the group's own book."""
    assets = sum((v for k, v in book.items() if k.startswith("1.")), D(0))
    rest = sum((v for k, v in book.items() if k[:2] in ("2.", "3.")), D(0))
    return assets == rest


async def test_cnab240_import_is_idempotent_and_reports_unknown(
    client: httpx.AsyncClient, factory: Factory, runtime: Runtime
) -> None:
    w = await world(client, factory)
    q2 = await another_quota(client, w)
    inst1, charge1, nn1 = await bill(runtime, w, 1, DUE)
    _inst2, _charge2, nn2 = await bill(runtime, w, 1, DUE, quota_id=q2)
    content = retorno_240(
        [
            ocorrencia(nn1, D("702.00"), DUE),
            ocorrencia("9999999999", D("150.00"), DUE),  # nobody's nosso número
            ocorrencia(nn2, D("702.00"), DUE),
            ocorrencia(nn2, D("0.00"), DUE, movement="02"),  # entrada confirmada: ignored
            ocorrencia("1234", D("0.00"), DUE, movement="03", face=D("10.00")),  # rejected
        ]
    )
    r = await upload(client, w, content)
    assert r.status_code == 201, r.text
    first = r.json()
    assert first["created"] is True and first["layout"] == "cnab240"
    assert (first["lines"], first["applied"], first["unknown"]) == (5, 2, 1)
    assert (first["rejected"], first["ignored"], first["duplicates"]) == (1, 1, 0)
    assert D(first["amount_applied"]) == D("1404.00")
    assert D(first["amount_unknown"]) == D("150.00")

    detail = (await client.get(f"{API}/payments/imports/{first['id']}", headers=w.t.headers)).json()
    reasons = {e["reason"]: e for e in detail["exceptions"]}
    assert reasons["UNKNOWN_NOSSO_NUMERO"]["reference"] == "9999999999"
    assert reasons["UNKNOWN_NOSSO_NUMERO"]["line_no"] == 5  # header, lote header, T1, U1, T2
    assert D(reasons["UNKNOWN_NOSSO_NUMERO"]["amount"]) == D("150.00")
    assert reasons["BANK_REJECTED"]["payload"]["reasons"] == ["A1"]
    assert detail["payments_total"] == 2 and detail["exceptions_total"] == 2

    before = await group_balances(runtime, w)
    again = await upload(client, w, content, name="outro-nome.ret")
    assert again.status_code == 200
    assert again.json()["id"] == first["id"] and again.json()["created"] is False
    assert await _count(runtime, w, Payment) == 2
    assert await group_balances(runtime, w) == before
    listed = (await client.get(f"{API}/payments/imports", headers=w.t.headers)).json()
    assert listed["total"] == 1

    # another file carrying the same liquidação (the bank re-sent the day): a duplicate
    resent = retorno_240([ocorrencia(nn1, D("702.00"), DUE)], sequence=2)
    r3 = (await upload(client, w, resent)).json()
    assert (r3["applied"], r3["duplicates"]) == (0, 1)
    assert await _count(runtime, w, Payment) == 2

    inst = await _row(runtime, w, Installment, inst1)
    charge = await _row(runtime, w, Charge, charge1)
    assert isinstance(inst, Installment) and isinstance(charge, Charge)
    assert (inst.status, inst.paid_amount, inst.paid_on) == ("paid", D("702.00"), DUE)
    assert (charge.status, charge.paid_amount) == ("paid", D("702.00"))
    pos = await _position(runtime, w)
    assert (pos.fc_paid_pct, pos.ta_paid_pct, pos.fr_paid_pct) == (D(2), D("0.3"), D("0.04"))
    assert pos.installments_paid == 1 and pos.paid_amount == D("702.00")
    book = await group_balances(runtime, w)
    assert book["1.1.1"] == D("1404.00") and book["3.1.1"] == D("1200.00")
    assert book["2.1.1"] == D("180.00") and book["3.1.2"] == D("24.00")
    assert _balanced(book)
    admin = await admin_balances(runtime, w)
    assert admin["4.1.1"] == D("180.00") and admin["1.2.1"] == D("180.00")


async def test_late_payment_split_per_primer(
    client: httpx.AsyncClient, factory: Factory, runtime: Runtime
) -> None:
    """R$ 702 paid 15 days late: fine 14.04 + interest 3.51 = 719.55; the group keeps at
    least its share (50 %, rounded up for the group) and the components are 600/90/12."""
    w = await world(client, factory)
    inst_id, _charge, nn = await bill(runtime, w, 1, DUE)
    r = await upload(client, w, retorno_240([ocorrencia(nn, D("719.55"), LATE)]))
    assert r.json()["applied"] == 1, r.text
    page = (await client.get(f"{API}/quotas/{w.quota_id}/payments", headers=w.t.headers)).json()
    p = page["items"][0]
    assert p["days_late"] == 15
    assert (D(p["fine_amount"]), D(p["interest_amount"])) == (D("14.04"), D("3.51"))
    assert (D(p["fine_group"]), D(p["interest_group"])) == (D("7.02"), D("1.76"))
    assert (D(p["fc_amount"]), D(p["ta_amount"]), D(p["fr_amount"])) == (
        D("600.00"),
        D("90.00"),
        D("12.00"),
    )
    assert (D(p["fc_pct"]), D(p["ta_pct"]), D(p["fr_pct"])) == (D(2), D("0.3"), D("0.04"))
    assert D(p["advance_amount"]) == 0 and D(p["excess_amount"]) == 0
    inst = await _row(runtime, w, Installment, inst_id)
    assert isinstance(inst, Installment) and inst.status == "paid"
    assert inst.paid_amount == D("719.55")

    book = await group_balances(runtime, w)
    assert book["1.1.1"] == D("719.55")
    assert book["3.1.3"] == D("8.78")  # the group's fine and interest
    assert book["2.1.2"] == D("8.77")  # the administradora's, to hand over
    assert _balanced(book)
    admin = await admin_balances(runtime, w)
    assert admin["4.1.2"] == D("8.77")

    async with runtime.db.unit_of_work(tenant_id=w.t.id) as s:
        moves = list(await s.scalars(select(QuotaMovement).where(QuotaMovement.kind == "payment")))
    assert len(moves) == 1 and moves[0].installment_number == 1
    assert (moves[0].fine_amount, moves[0].interest_amount) == (D("14.04"), D("3.51"))
    assert moves[0].amount == D("719.55") and moves[0].price == D("30000.00")


async def test_late_payment_after_price_update_converts_at_price_in_force(
    client: httpx.AsyncClient, factory: Factory, runtime: Runtime
) -> None:
    """After a 5 % update the overdue installment is re-priced: 737.10 + 14.74 + 3.69 =
    R$ 755.53, recorded as 2.34 % at the new price 31,500."""
    w = await world(client, factory)
    due = date(2026, 12, 10)
    _inst, _charge, nn = await bill(runtime, w, 1, due)
    r = await client.post(
        f"{API}/groups/{w.group_id}/prices",
        headers=w.t.headers,
        json={"effective_on": "2026-12-15", "price": "31500.00"},
    )
    assert r.status_code == 201, r.text
    paid = await upload(client, w, retorno_240([ocorrencia(nn, D("755.53"), date(2026, 12, 25))]))
    assert paid.json()["applied"] == 1
    p = (await client.get(f"{API}/payments?quota_id={w.quota_id}", headers=w.t.headers)).json()
    item = p["items"][0]
    detail = (await client.get(f"{API}/payments/{item['id']}", headers=w.t.headers)).json()
    assert D(detail["price"]) == D("31500.00")
    assert (D(detail["fine_amount"]), D(detail["interest_amount"])) == (D("14.74"), D("3.69"))
    assert D(detail["fc_amount"]) + D(detail["ta_amount"]) + D(detail["fr_amount"]) == D("737.10")
    assert (D(detail["fc_pct"]), D(detail["ta_pct"]), D(detail["fr_pct"])) == (
        D(2),
        D("0.3"),
        D("0.04"),
    )
    assert detail["allocations"][0]["price"] == "31500.00"

    # the same 702 paid on time at the old price converts at the installment's own price
    w2 = await world(client, factory)
    _i, _c, nn2 = await bill(runtime, w2, 1, due)
    await upload(client, w2, retorno_240([ocorrencia(nn2, D("702.00"), due)]))
    pos = await _position(runtime, w2)
    assert pos.fc_paid_pct == D(2)


async def test_partial_then_rest_and_overpayment_becomes_advance(
    client: httpx.AsyncClient, factory: Factory, runtime: Runtime
) -> None:
    w = await world(client, factory)
    inst_id, charge_id, _nn = await bill(runtime, w, 1, DUE)
    # a manual deposit of half (351.00), then the rest plus 298.00 over
    r = await client.post(
        f"{API}/payments",
        headers=w.t.headers,
        json={
            "charge_id": charge_id,
            "amount": "351.00",
            "paid_on": DUE.isoformat(),
            "reference": "DEP-1",
        },
    )
    assert r.status_code == 201, r.text
    assert (D(r.json()["fc_amount"]), D(r.json()["fc_pct"])) == (D("300.00"), D(1))
    inst = await _row(runtime, w, Installment, inst_id)
    assert isinstance(inst, Installment) and inst.status == "partial"
    again = await client.post(
        f"{API}/payments",
        headers=w.t.headers,
        json={
            "charge_id": charge_id,
            "amount": "351.00",
            "paid_on": DUE.isoformat(),
            "reference": "DEP-1",
        },
    )
    assert again.status_code == 200 and again.json()["id"] == r.json()["id"]

    r2 = await client.post(
        f"{API}/payments",
        headers=w.t.headers,
        json={"charge_id": charge_id, "amount": "649.00", "paid_on": DUE.isoformat()},
    )
    assert r2.status_code == 201, r2.text
    body = r2.json()
    assert D(body["advance_amount"]) == D("298.00") and D(body["excess_amount"]) == 0
    inst = await _row(runtime, w, Installment, inst_id)
    assert isinstance(inst, Installment) and inst.status == "paid"
    pos = await _position(runtime, w)
    # 2.34 % for the installment plus 298 / 30,000 = 0.9933 % ahead, split pro rata
    paid = pos.fc_paid_pct + pos.ta_paid_pct + pos.fr_paid_pct
    assert abs(paid - (D("2.34") + D("298") * 100 / D("30000"))) < D("0.000000001")
    assert pos.paid_amount == D("1000.00")


async def test_payment_never_takes_percent_above_total(
    client: httpx.AsyncClient, factory: Factory, runtime: Runtime
) -> None:
    w = await world(client, factory)
    _i, charge_id, _nn = await bill(runtime, w, 1, DUE)
    r = await client.post(
        f"{API}/payments",
        headers=w.t.headers,
        json={"charge_id": charge_id, "amount": "40000.00", "paid_on": DUE.isoformat()},
    )
    assert r.status_code == 201, r.text
    body = r.json()
    # the whole balance is 117 % of 30,000 = 35,100; the rest is owed back
    assert D(body["excess_amount"]) == D("4900.00")
    pos = await _position(runtime, w)
    assert (pos.fc_paid_pct, pos.ta_paid_pct, pos.fr_paid_pct) == (
        pos.fc_total_pct,
        pos.ta_total_pct,
        pos.fr_total_pct,
    )
    book = await group_balances(runtime, w)
    assert book["2.1.5"] == D("4900.00") and book["1.1.1"] == D("40000.00")
    assert _balanced(book)
    quota = (await client.get(f"{API}/quotas/{w.quota_id}", headers=w.t.headers)).json()
    assert quota["status"] == "quitada"


async def test_cnab400_bradesco_import(
    client: httpx.AsyncClient, factory: Factory, runtime: Runtime
) -> None:
    w = await world(client, factory)
    _i, charge_id, nn = await bill(runtime, w, 1, DUE, bank="237")
    content = retorno_400(
        [ocorrencia(nn, D("702.00"), DUE), ocorrencia("00000099999", D("5.00"), DUE)]
    )
    r = await upload(client, w, content, name="CB281100.RET")
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["layout"], body["bank_code"]) == ("cnab400", "237")
    assert (body["applied"], body["unknown"]) == (1, 1)
    assert (await upload(client, w, content)).json()["created"] is False
    charge = await _row(runtime, w, Charge, charge_id)
    assert isinstance(charge, Charge) and charge.status == "paid"


async def test_malformed_file_is_refused_whole(
    client: httpx.AsyncClient, factory: Factory, runtime: Runtime
) -> None:
    w = await world(client, factory)
    _i, _c, nn = await bill(runtime, w, 1, DUE)
    good = retorno_240([ocorrencia(nn, D("702.00"), DUE)]).decode()
    lines = good.split("\r\n")
    lines[-2] = lines[-2][:23] + "000099" + lines[-2][29:]  # wrong record count in trailer
    r = await upload(client, w, "\r\n".join(lines).encode())
    assert r.status_code == 422 and r.json()["code"] == "CNAB_COUNT_MISMATCH"
    r2 = await upload(client, w, b"not a cnab file\n")
    assert r2.status_code == 422 and r2.json()["code"] == "RETORNO_UNKNOWN_LAYOUT"
    assert await _count(runtime, w, Payment) == 0


async def test_import_retorno_in_its_own_transaction(
    client: httpx.AsyncClient, factory: Factory, runtime: Runtime
) -> None:
    w = await world(client, factory)
    _i, _c, nn = await bill(runtime, w, 1, DUE)
    content = retorno_240([ocorrencia(nn, D("702.00"), DUE)])
    report = await import_retorno(runtime.db, w.t.id, content, filename="job.ret")
    assert report.created and report.applied == 1
    again = await import_retorno(runtime.db, w.t.id, content, filename="job.ret")
    assert again.id == report.id and not again.created


def _pix_body(txid: str, amount: str, e2e: str | None = None) -> bytes:
    return orjson.dumps(
        {
            "pix": [
                {
                    "endToEndId": e2e or "E12345678202611251300" + uuid.uuid4().hex[:11],
                    "txid": txid,
                    "valor": amount,
                    "horario": "2026-11-10T13:00:00-03:00",
                    "pagador": {"nome": "MARIA DA SILVA"},
                }
            ]
        }
    )


def _pix_headers(w: World, body: bytes, secret: str | None = None) -> dict[str, str]:
    key = secret or derived_secret(TEST_SECRET, w.t.id)
    return {
        "X-Tenant": w.t.slug,
        "X-Lastro-Signature": sign(key.encode(), body),
        "Content-Type": "application/json",
    }


async def test_pix_webhook_signature_and_unknown_txid(
    client: httpx.AsyncClient, factory: Factory, runtime: Runtime
) -> None:
    w = await world(client, factory)
    _i, charge_id, _nn = await bill(runtime, w, 1, DUE)
    txid = await txid_of(runtime, w, charge_id)
    body = _pix_body(txid, "702.00")
    url = f"{API}/payments/pix/webhook"

    bad = await client.post(url, content=body, headers=_pix_headers(w, body, secret="wrong"))
    assert bad.status_code == 401 and bad.json()["code"] == "PIX_WEBHOOK_SIGNATURE_INVALID"
    missing = await client.post(url, content=body, headers={"X-Tenant": w.t.slug})
    assert missing.status_code == 401 and missing.json()["code"] == "PIX_WEBHOOK_SIGNATURE_INVALID"
    nobody = await client.post(
        url, content=body, headers={**_pix_headers(w, body), "X-Tenant": "nope"}
    )
    assert nobody.status_code == 401

    config = (await client.get(f"{API}/payments/pix/webhook-config", headers=w.t.headers)).json()
    assert config["secret"] == derived_secret(TEST_SECRET, w.t.id)
    ok = await client.post(url, content=body, headers=_pix_headers(w, body))
    assert ok.status_code == 200, ok.text
    assert ok.json()["applied"] == 1 and ok.json()["items"][0]["status"] == "applied"
    redelivered = await client.post(url, content=body, headers=_pix_headers(w, body))
    assert redelivered.json()["duplicates"] == 1
    assert await _count(runtime, w, Payment) == 1

    stray = _pix_body("NAOEXISTE123", "50.00")
    r = await client.post(url, content=stray, headers=_pix_headers(w, stray))
    assert r.json()["unknown"] == 1
    exc = (await client.get(f"{API}/payments/exceptions?source=pix", headers=w.t.headers)).json()
    assert exc["total"] == 1 and exc["items"][0]["reason"] == "UNKNOWN_TXID"

    # a tenant-configured secret replaces the derived one
    s = await client.patch(
        "/api/v1/settings/consorcio",
        headers=w.t.headers,
        json={"payments_pix_webhook_secret": "segredo-do-psp"},
    )
    assert s.status_code == 200, s.text
    body2 = _pix_body(txid, "1.00")
    old = await client.post(url, content=body2, headers=_pix_headers(w, body2))
    assert old.status_code == 401
    new = await client.post(url, content=body2, headers=_pix_headers(w, body2, "segredo-do-psp"))
    assert new.status_code == 200


async def test_concurrent_double_pix_notification_applied_once(
    client: httpx.AsyncClient, factory: Factory, runtime: Runtime, db_backend: str
) -> None:
    if db_backend != "postgres":
        pytest.skip("concurrent writers need PostgreSQL")
    w = await world(client, factory)
    _i, charge_id, _nn = await bill(runtime, w, 1, DUE)
    txid = await txid_of(runtime, w, charge_id)
    body = _pix_body(txid, "702.00")
    url = f"{API}/payments/pix/webhook"
    results = await asyncio.gather(
        *(client.post(url, content=body, headers=_pix_headers(w, body)) for _ in range(4))
    )
    assert all(r.status_code == 200 for r in results), [r.text for r in results]
    statuses = sorted(r.json()["items"][0]["status"] for r in results)
    assert statuses == ["applied", "duplicate", "duplicate", "duplicate"]
    assert await _count(runtime, w, Payment) == 1
    pos = await _position(runtime, w)
    assert pos.fc_paid_pct == D(2) and pos.paid_amount == D("702.00")
    book = await group_balances(runtime, w)
    assert book["1.1.1"] == D("702.00") and _balanced(book)


async def test_payments_routes_are_tenant_isolated(
    client: httpx.AsyncClient, factory: Factory, runtime: Runtime
) -> None:
    w = await world(client, factory)
    _i, charge_id, nn = await bill(runtime, w, 1, DUE)
    imported = (await upload(client, w, retorno_240([ocorrencia(nn, D("702.00"), DUE)]))).json()
    payment = (await client.get(f"{API}/payments", headers=w.t.headers)).json()["items"][0]
    intruder = await world(client, factory)
    app = client._transport.app  # type: ignore[attr-defined]
    report = await walk(
        IsolationCase(
            app=app,
            client=client,
            owner_headers=w.t.headers,
            intruder_headers=intruder.t.headers,
            resources={
                "import_id": imported["id"],
                "payment_id": payment["id"],
                "quota_id": w.quota_id,
            },
            bodies={
                ("POST", f"{API}/payments"): {
                    "charge_id": charge_id,
                    "amount": "1.00",
                    "paid_on": "2026-11-10",
                }
            },
            only_prefixes=(f"{API}/payments", f"{API}/quotas/{{quota_id}}/payments"),
        )
    )
    assert not report.failures, report.failures
    assert len(report.checked) >= 5
    # the intruder cannot pay into the owner's charge either
    r = await client.post(
        f"{API}/payments",
        headers=intruder.t.headers,
        json={"charge_id": charge_id, "amount": "1.00", "paid_on": "2026-11-10"},
    )
    assert r.status_code == 404


def test_bulk_event_rows_carry_the_event_models_payload() -> None:
    """Events written set-based are read back by consumers with the pydantic models."""
    from lastro.kit.clock import utcnow
    from lastro.modules.consorcio.payments.events import ParcelaPaga
    from lastro.modules.consorcio.payments.service import event_row

    tenant = uuid.uuid4()
    row = event_row(
        ParcelaPaga.topic,
        tenant,
        utcnow(),
        quota_id=uuid.uuid4(),
        group_id=uuid.uuid4(),
        installment_id=uuid.uuid4(),
        number=7,
        payment_id=uuid.uuid4(),
        charge_id=uuid.uuid4(),
        paid_on=DUE,
        amount=D("719.55"),
        days_late=15,
    )
    event = ParcelaPaga.model_validate(row["payload"])
    assert event.payload() == row["payload"]
    assert (event.tenant_id, event.amount, event.number) == (tenant, D("719.55"), 7)
    assert str(event.event_id) == str(row["id"]) and row["topic"] == "consorcio.parcela.paga"


async def test_payments_routes_require_a_token_except_the_signed_webhook(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    from tests.architecture.isolation import _PARAM, api_routes

    app = client._transport.app  # type: ignore[attr-defined]
    checked = 0
    for path, methods in api_routes(app):
        if not path.startswith(f"{API}/payments") and not path.endswith("/payments"):
            continue
        if path == f"{API}/payments/pix/webhook":
            continue
        for method in methods:
            url = _PARAM.sub(str(uuid.uuid4()), path)
            r = await client.request(method, url, json={} if method != "GET" else None)
            assert r.status_code == 401, f"{method} {path} → {r.status_code}"
            checked += 1
    assert checked >= 9


@pytest.mark.parametrize("staged", [True, False], ids=["copy", "unnest"])
async def test_batch_written_in_slices_sees_earlier_slices(
    client: httpx.AsyncClient,
    factory: Factory,
    runtime: Runtime,
    monkeypatch: pytest.MonkeyPatch,
    staged: bool,
) -> None:
    """A batch is planned and written slice by slice (on PostgreSQL through a COPY-staged
    table, or arrays when the role may not create temporary tables): the same quota paying
    in two slices ends with both installments, and the books still balance."""
    from lastro.modules.consorcio.payments import bulk, service

    monkeypatch.setattr(service, "SLICE", 1)
    if not staged:

        async def no_stage(conn: object) -> bool:
            return False

        monkeypatch.setattr(bulk, "_can_stage", no_stage)
    w = await world(client, factory)
    q2 = await another_quota(client, w)
    inst1, charge1, nn1 = await bill(runtime, w, 1, DUE)
    inst2, charge2, nn2 = await bill(runtime, w, 2, date(2026, 12, 10))
    _i3, _c3, nn3 = await bill(runtime, w, 1, DUE, quota_id=q2)
    content = retorno_240(
        [
            ocorrencia(nn1, D("702.00"), DUE),
            ocorrencia(nn3, D("719.55"), LATE),
            ocorrencia(nn2, D("702.00"), DUE),
        ]
    )
    report = await import_retorno(runtime.db, w.t.id, content, filename="fatias.ret")
    assert (report.applied, report.unknown, report.amount_applied) == (3, 0, D("2123.55"))
    for inst_id, charge_id in ((inst1, charge1), (inst2, charge2)):
        inst = await _row(runtime, w, Installment, inst_id)
        charge = await _row(runtime, w, Charge, charge_id)
        assert isinstance(inst, Installment) and isinstance(charge, Charge)
        assert (inst.status, inst.paid_amount, charge.status) == ("paid", D("702.00"), "paid")
    pos = await _position(runtime, w)
    assert (pos.fc_paid_pct, pos.ta_paid_pct, pos.fr_paid_pct) == (D(4), D("0.6"), D("0.08"))
    assert (pos.installments_paid, pos.movements, pos.paid_amount) == (2, 2, D("1404.00"))
    other = await _position(runtime, w, q2)
    assert (other.fc_paid_pct, other.paid_amount) == (D(2), D("719.55"))
    assert await _count(runtime, w, QuotaMovement) == 3
    assert _balanced(await group_balances(runtime, w))
    again = await import_retorno(runtime.db, w.t.id, content, filename="fatias.ret")
    assert not again.created and await _count(runtime, w, Payment) == 3
