"""Each group's own books: a payment split into components is posted, balanced, to the group's
book and the administradora's, once; the books endpoint shows balances and the daily series."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from decimal import Decimal

import httpx
import pytest

from lastro.core.ledger.verify import verify_ledgers
from lastro.core.runtime import Runtime
from lastro.kit.clock import today_sp
from lastro.modules.consorcio.groups import books
from lastro.modules.consorcio.groups.errors import InvalidPaymentSplit, PaymentSplitConflict
from tests.conftest import Factory
from tests.modules.consorcio.groups.support import create_group, tenant

API = "/api/v1/consorcio/groups"


async def _balances(client: httpx.AsyncClient, headers: dict[str, str], gid: str) -> dict[str, str]:
    data = (await client.get(f"{API}/{gid}/books", headers=headers)).json()
    return {a["code"]: a["balance"] for a in data["group_book"]["accounts"]}


async def test_payment_split_posts_balanced_entries_once(
    client: httpx.AsyncClient, factory: Factory, runtime: Runtime
) -> None:
    t = await tenant(factory)
    g = await create_group(client, t)
    gid = uuid.UUID(g["id"])
    paid_on = today_sp() - timedelta(days=2)
    # the primer's late payment: 702.00 + fine 14.04 + interest 3.51 = 719.55
    components = {
        "fc": Decimal("600.00"),
        "ta": Decimal("90.00"),
        "fr": Decimal("12.00"),
        "multa": Decimal("14.04"),
        "juros": Decimal("3.51"),
    }
    async with runtime.db.unit_of_work(tenant_id=t.id) as session:
        first = await books.post_payment_split(session, gid, "boleto:123", components, paid_on)
        assert first.created and first.posting.amount == Decimal("719.55")
    async with runtime.db.unit_of_work(tenant_id=t.id) as session:
        again = await books.post_payment_split(session, gid, "boleto:123", components, paid_on)
        assert not again.created and again.posting.id == first.posting.id
    async with runtime.db.unit_of_work(tenant_id=t.id) as session:
        with pytest.raises(PaymentSplitConflict):
            await books.post_payment_split(
                session, gid, "boleto:123", {**components, "fc": Decimal("601.00")}, paid_on
            )
    async with runtime.db.unit_of_work(tenant_id=t.id) as session:
        for bad in ({"fc": Decimal("-1")}, {"xx": Decimal(1)}, {"fc": Decimal("0.001")}, {}):
            with pytest.raises(InvalidPaymentSplit):
                await books.post_payment_split(session, gid, "boleto:bad", bad, paid_on)

    balances = await _balances(client, t.headers, g["id"])
    assert balances["1.1.1"] == "719.55"  # bank
    assert balances["3.1.1"] == "600.00"  # fundo comum
    assert balances["3.1.2"] == "12.00"  # fundo de reserva
    assert balances["2.1.1"] == "90.00"  # fee to hand over
    # 50 % of fines/interest to the group, rounded in its favour: 7.02 + 1.76
    assert balances["3.1.3"] == "8.78"
    assert balances["2.1.2"] == "8.77"

    data = (
        await client.get(
            f"{API}/{g['id']}/books?since={(paid_on - timedelta(days=1)).isoformat()}",
            headers=t.headers,
        )
    ).json()
    series = {d["date"]: d["balances"]["1.1.1"] for d in data["daily"]}
    assert series[(paid_on - timedelta(days=1)).isoformat()] == "0.00"
    assert series[paid_on.isoformat()] == "719.55"
    assert series[today_sp().isoformat()] == "719.55"

    async with runtime.db.unit_of_work(tenant_id=t.id) as session:
        admin = await books.admin_book(session)
        from lastro.core.ledger.service import ledger_service

        accounts = await ledger_service.list_accounts(session, admin.id)
        bal = await ledger_service.balances(session, [a.id for a in accounts])
        by_code = {a.code: bal[a.id].posted for a in accounts}
    assert by_code["4.1.1"] == Decimal("90.00") and by_code["4.1.2"] == Decimal("8.77")
    assert by_code["1.2.1"] == Decimal("90.00")

    async with runtime.db.unit_of_work(tenant_id=t.id) as session:
        await books.post_fee_transfer(session, gid, "2026-11", Decimal("90.00"), today_sp())
    balances = await _balances(client, t.headers, g["id"])
    assert balances["2.1.1"] == "0.00" and balances["1.1.1"] == "629.55"

    report = await verify_ledgers(runtime.db, t.id)
    assert report.ok, report.problems


async def test_concurrent_double_notification_posts_once(
    client: httpx.AsyncClient, factory: Factory, runtime: Runtime, db_backend: str
) -> None:
    if db_backend != "postgres":
        pytest.skip("concurrency needs PostgreSQL")
    t = await tenant(factory)
    g = await create_group(client, t)
    gid = uuid.UUID(g["id"])
    parts = {"fc": Decimal("600.00"), "ta": Decimal("90.00"), "fr": Decimal("12.00")}

    async def post() -> bool:
        async with runtime.db.unit_of_work(tenant_id=t.id) as session:
            return (
                await books.post_payment_split(session, gid, "pix:E1", parts, today_sp())
            ).created

    results = await asyncio.gather(*(post() for _ in range(4)))
    assert sorted(results) == [False, False, False, True]
    assert (await _balances(client, t.headers, g["id"]))["1.1.1"] == "702.00"


async def test_books_period_is_validated(client: httpx.AsyncClient, factory: Factory) -> None:
    t = await tenant(factory)
    g = await create_group(client, t)
    r = await client.get(
        f"{API}/{g['id']}/books?since=2026-01-10&until=2026-01-01", headers=t.headers
    )
    assert r.status_code == 422 and r.json()["code"] == "INVALID_PERIOD"
