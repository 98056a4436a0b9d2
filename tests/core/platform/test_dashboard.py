"""The master dashboard: figures exact to the cent on known subscriptions, the page with its
inline SVG charts for platform administrators, and refusals for everyone else."""

from __future__ import annotations

import os
import re
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select, update

from lastro.core.audit.models import PLATFORM_SCOPE, AuditRecord
from lastro.core.auth.models import User
from lastro.core.billing import service as billing
from lastro.core.billing import usage
from lastro.core.billing.models import Subscription
from lastro.core.platform.dashboard import last_months, mrr_by_month
from lastro.core.runtime import Runtime
from lastro.infra.database import bind_platform, bind_tenant
from lastro.kit.clock import today_sp, utcnow
from lastro.kit.money import brl
from tests.conftest import Factory, TenantHandle, login

PLANS: list[dict[str, Any]] = [
    {"code": "mensal-197", "name": "Mensal 197", "price": Decimal("197.00"),
     "limits": {"users": 5, "conversations": 1000}},
    {"code": "mensal-297", "name": "Mensal 297", "price": Decimal("297.00"),
     "limits": {"users": 10}},
    {"code": "anual-99", "name": "Anual 99,99", "price": Decimal("99.99"),
     "yearly_discount_pct": Decimal("10.00")},
    {"code": "faixas", "name": "Por faixas", "price": None, "tier_metric": "active_quotas",
     "tiers": [{"up_to": 1000, "price": "2500.00"}, {"up_to": 5000, "price": "4500.00"},
               {"up_to": None, "price": "7500.00"}]},
]  # fmt: skip


async def _book(runtime: Runtime, factory: Factory, client: httpx.AsyncClient) -> dict[str, Any]:
    """Six tenants on known terms. Monthly MRR: 197.00 (monthly) + 89.99 (99.99 yearly less
    10 %: 1079.89 / 12) + 4500.00 (tier of 1500 quotas) + 297.00 (past due) = 5083.99; the
    trialing and the suspended tenant bring none."""
    first = today_sp().replace(day=1)
    terms = {  # slug: (plan, cycle, trial, start)
        "t-mensal": ("mensal-197", "monthly", False, billing.add_months(first, -2)),
        "t-anual": ("anual-99", "yearly", False, billing.add_months(first, -11)),
        "t-faixas": ("faixas", "monthly", False, billing.add_months(first, -20)),
        "t-atraso": ("mensal-297", "monthly", False, today_sp()),
        "t-teste": ("mensal-197", "monthly", True, today_sp()),
        "t-suspensa": ("mensal-197", "monthly", False, billing.add_months(first, -5)),
    }
    handles: dict[str, TenantHandle] = {}
    for slug in terms:
        handles[slug] = await factory.tenant(slug)
    async with runtime.db.unit_of_work(platform=True) as session:
        for data in PLANS:
            await billing.create_plan(session, dict(data))
        for slug, (plan, cycle, trial, start) in terms.items():
            await billing.subscribe(
                session, handles[slug].id, plan, cycle=cycle, trial=trial, start=start
            )
        await session.execute(
            update(Subscription)
            .where(Subscription.tenant_id == handles["t-atraso"].id)
            .values(status="past_due", past_due_since=today_sp())
        )
    async with runtime.db.unit_of_work(tenant_id=handles["t-faixas"].id) as session:
        await usage.set_level(session, "active_quotas", 1500)
    async with runtime.db.unit_of_work(tenant_id=handles["t-mensal"].id) as session:
        await usage.set_level(session, "users", 5)  # 100 % of 5
        await usage.consume(session, "conversations", 900)  # exactly 90 % of 1000
    async with runtime.db.unit_of_work(tenant_id=handles["t-atraso"].id) as session:
        await usage.set_level(session, "users", 8)  # 80 %: not near
    async with runtime.db.unit_of_work(tenant_id=handles["t-teste"].id) as session:
        await usage.consume(session, "conversations", 899)  # 89.9 %: not near
    return {"handles": handles, "first": first}


async def _login_activity(runtime: Runtime, factory: Factory, client: httpx.AsyncClient,
                          handles: dict[str, TenantHandle]) -> None:  # fmt: skip
    await factory.user(handles["t-faixas"].id, email="segunda@t-faixas.example")
    await login(client, "segunda@t-faixas.example", tenant="t-faixas")
    async with runtime.db.unit_of_work(platform=True) as session:
        await session.execute(
            update(User)
            .where(User.tenant_id == handles["t-suspensa"].id)
            .values(last_login_at=utcnow() - timedelta(days=2))
        )


async def test_dashboard_figures_to_the_cent(
    client: httpx.AsyncClient, factory: Factory, runtime: Runtime
) -> None:
    admin = await factory.platform_admin()
    book = await _book(runtime, factory, client)
    handles, first = book["handles"], book["first"]
    r = await client.post("/api/v1/platform/tenants/t-suspensa/suspend", headers=admin)
    assert r.status_code == 200
    await _login_activity(runtime, factory, client, handles)
    # one audit record three days ago, one before the 30-day window
    async with runtime.db.unit_of_work(platform=True) as session:
        ids = (
            await session.execute(
                select(AuditRecord.tenant_id, AuditRecord.id)
                .where(AuditRecord.tenant_id == handles["t-anual"].id)
                .order_by(AuditRecord.seq)
                .limit(2)
            )
        ).all()
        for (tenant_id, rec_id), days in zip(ids, (3, 40), strict=True):
            await session.execute(
                update(AuditRecord)
                .where(AuditRecord.tenant_id == tenant_id, AuditRecord.id == rec_id)
                .values(occurred_at=utcnow() - timedelta(days=days))
            )
        since = utcnow() - timedelta(days=20)
        recent = len(
            (
                await session.scalars(
                    select(AuditRecord.id).where(
                        AuditRecord.tenant_id != PLATFORM_SCOPE, AuditRecord.occurred_at >= since
                    )
                )
            ).all()
        )

    r = await client.get("/api/v1/platform/dashboard", headers=admin)
    assert r.status_code == 200, r.text
    d = r.json()
    assert d["currency"] == "BRL"
    assert d["mrr"] == "5083.99" and d["arr"] == "61007.88"
    assert d["tenants_total"] == 6
    assert d["tenants_by_status"] == {"active": 5, "suspended": 1}
    assert d["tenants_by_plan"][0] == {"code": "mensal-197", "name": "Mensal 197", "tenants": 3}
    assert {p["code"]: p["tenants"] for p in d["tenants_by_plan"]} == {
        "mensal-197": 3, "mensal-297": 1, "anual-99": 1, "faixas": 1,
    }  # fmt: skip
    assert d["subscriptions_by_status"] == {"active": 4, "past_due": 1, "trialing": 1}
    assert d["revenue_by_tenant"] == [
        {"slug": "t-faixas", "name": "Empresa t-faixas", "plan": "faixas", "cycle": "monthly",
         "mrr": "4500.00"},
        {"slug": "t-atraso", "name": "Empresa t-atraso", "plan": "mensal-297",
         "cycle": "monthly", "mrr": "297.00"},
        {"slug": "t-mensal", "name": "Empresa t-mensal", "plan": "mensal-197",
         "cycle": "monthly", "mrr": "197.00"},
        {"slug": "t-anual", "name": "Empresa t-anual", "plan": "anual-99", "cycle": "yearly",
         "mrr": "89.99"},
    ]  # fmt: skip
    top2 = (await client.get("/api/v1/platform/dashboard?top=2", headers=admin)).json()
    assert [t["slug"] for t in top2["revenue_by_tenant"]] == ["t-faixas", "t-atraso"]

    months = [m.strftime("%Y-%m") for m in last_months(first)]
    assert [m["month"] for m in d["mrr_by_month"]] == months and months[-1] == first.strftime(
        "%Y-%m"
    )
    expected = ["4589.99"] * 9 + ["4786.99", "4786.99", "5083.99"]
    assert [m["mrr"] for m in d["mrr_by_month"]] == expected
    assert "Estimativa" in d["mrr_by_month_basis"]

    active = d["active_users_24h"]
    assert active["window_hours"] == 24 and active["total"] == 6
    assert active["by_tenant"][0] == {"slug": "t-faixas", "name": "Empresa t-faixas", "users": 2}
    assert "t-suspensa" not in {u["slug"] for u in active["by_tenant"]}

    days = d["activity_by_day"]
    assert len(days) == 30 and days[-1]["day"] == today_sp().isoformat()
    assert days[0]["day"] == (today_sp() - timedelta(days=29)).isoformat()
    assert days[-4]["records"] == 1
    assert sum(x["records"] for x in days) == recent
    assert days[-1]["records"] == recent - 1

    near = [(n["slug"], n["metric"], n["value"], n["limit"], n["percent"])
            for n in d["tenants_near_limit"]]  # fmt: skip
    assert near == [
        ("t-mensal", "users", 5, 5, 100.0),
        ("t-mensal", "conversations", 900, 1000, 90.0),
    ]
    assert d["overdue_invoices"] == {"available": True, "count": 0, "total": "0.00", "items": []}


def test_money_and_month_helpers() -> None:
    assert brl(Decimal("1234567.885")) == "R$ 1.234.567,88"  # half-even
    assert brl(Decimal("0.125")) == "R$ 0,12"
    assert [m.isoformat() for m in last_months(date(2026, 3, 31), 4)] == [
        "2025-12-01", "2026-01-01", "2026-02-01", "2026-03-01",
    ]  # fmt: skip
    series = mrr_by_month(
        [(date(2026, 1, 31), Decimal("10.00")), (date(2026, 2, 1), Decimal("0.01"))],
        date(2026, 2, 15),
        3,
    )
    assert [(m.month, m.mrr) for m in series] == [
        ("2025-12", Decimal("0.00")), ("2026-01", Decimal("10.00")), ("2026-02", Decimal("10.01")),
    ]  # fmt: skip


async def test_dashboard_page_and_refusals(
    client: httpx.AsyncClient, factory: Factory, runtime: Runtime
) -> None:
    admin = await factory.platform_admin()
    await _book(runtime, factory, client)
    token = admin["Authorization"].removeprefix("Bearer ")
    r = await client.get("/platform/dashboard", headers={"Cookie": f"lastro_access={token}"})
    assert r.status_code == 200, r.text
    page = r.text
    if os.environ.get("LASTRO_SCREENSHOTS"):
        Path(os.environ["LASTRO_SCREENSHOTS"], "dashboard.html").write_text(page)
    assert "Painel mestre" in page and "R$ 5.280,99" in page  # t-suspensa active here
    for chart in ("chart-mrr", "chart-billed", "chart-activity", "chart-status"):
        assert f'data-testid="{chart}"' in page
    # bars: 12 months of MRR, 12 billed, 30 days of activity, one status
    assert page.count("<svg") == 4 and page.count("<rect") == 12 + 12 + 30 + 1
    assert "<script" not in page and "cdn" not in page.lower()
    urls = set(re.findall(r"https?://[^/\"']+", page))
    assert urls <= {"http://www.w3.org", "http://testserver"}, urls  # nothing from elsewhere
    assert 'data-testid="overdue-count"' in page

    tenant = await factory.tenant("curioso")
    r = await client.get(
        "/platform/dashboard", headers={"Cookie": f"lastro_access={tenant.access_token}"}
    )
    assert r.status_code == 303 and r.headers["location"] == "/login"
    r = await client.get("/platform/dashboard")
    assert r.status_code == 303 and r.headers["location"] == "/login"

    r = await client.get("/api/v1/platform/dashboard", headers=tenant.headers)
    assert r.status_code == 403 and r.json()["code"] == "PLATFORM_ADMIN_REQUIRED"
    assert (await client.get("/api/v1/platform/dashboard")).status_code == 401


async def test_tenant_sessions_cannot_see_other_tenants_through_the_dashboard_helpers(
    runtime: Runtime, factory: Factory
) -> None:
    """``build_dashboard`` binds its session to the platform itself; on a tenant-bound session
    the shared helpers stay filtered to that tenant (the guard still applies)."""
    from lastro.core.platform.dashboard import subscriptions_by_tenant

    a = await factory.tenant()
    b = await factory.tenant()
    async with runtime.db.unit_of_work(platform=True) as session:
        await billing.create_plan(session, dict(PLANS[0]))
        for t in (a, b):
            await billing.subscribe(session, t.id, "mensal-197")
    async with runtime.db.unit_of_work(tenant_id=a.id) as session:
        assert set(await subscriptions_by_tenant(session)) == {a.id}
        bind_tenant(session, b.id)
        assert set(await subscriptions_by_tenant(session, [a.id, b.id])) == {b.id}
        bind_platform(session)
        assert set(await subscriptions_by_tenant(session)) == {a.id, b.id}
