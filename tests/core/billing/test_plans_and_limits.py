"""Plans, provisioning on a plan, module access by plan, and usage limits at the boundary and
under concurrency."""

from __future__ import annotations

import asyncio
from datetime import date
from decimal import Decimal

import httpx
from sqlalchemy import select

from lastro.core.billing import service as billing
from lastro.core.billing.models import Plan, UsageAlert
from lastro.core.runtime import Runtime
from tests.conftest import TEST_PASSWORD, Factory, login


async def _seeded(runtime: Runtime) -> None:
    async with runtime.db.unit_of_work(platform=True) as session:
        await billing.seed_plans(session)


async def _plan(client: httpx.AsyncClient, admin: dict[str, str], code: str, users: int) -> None:
    r = await client.post(
        "/api/v1/platform/plans",
        headers=admin,
        json={
            "code": code,
            "name": f"Plano {code}",
            "price": "100.00",
            "modules": ["chat"],
            "limits": {"users": users},
        },
    )
    assert r.status_code == 201, r.text


async def _provision(client: httpx.AsyncClient, admin: dict[str, str], slug: str, plan: str) -> str:
    r = await client.post(
        "/api/v1/platform/tenants",
        headers=admin,
        json={
            "slug": slug,
            "name": f"Empresa {slug}",
            "plan": plan,
            "trial": False,
            "admin": {"email": f"admin@{slug}.example", "name": "Admin", "password": TEST_PASSWORD},
        },
    )
    assert r.status_code == 201, r.text
    tokens = await login(client, f"admin@{slug}.example", tenant=slug)
    return str(tokens["access_token"])


def _user(i: int) -> dict[str, str]:
    return {"email": f"u{i}@x.example", "name": f"Usuária {i}", "password": TEST_PASSWORD}


async def test_seeded_catalogue_and_plan_api(
    client: httpx.AsyncClient, factory: Factory, runtime: Runtime
) -> None:
    await _seeded(runtime)
    admin = await factory.platform_admin()
    plans = {
        p["code"]: p for p in (await client.get("/api/v1/platform/plans", headers=admin)).json()
    }
    starter = plans["chat-starter"]
    assert starter["price"] == "197.00"
    assert starter["limits"]["agents"] == 3 and starter["limits"]["conversations"] == 1000
    assert plans["chat-business"]["price"] == "997.00"
    assert [t["price"] for t in plans["consorcio"]["tiers"]][:2] == ["2500.00", "4500.00"]
    r = await client.post(
        "/api/v1/platform/plans",
        headers=admin,
        json={"code": "x", "name": "X", "limits": {"galaxias": 1}},
    )
    assert r.status_code == 422
    r = await client.post(
        "/api/v1/platform/plans", headers=admin, json={"code": "chat-starter", "name": "dup"}
    )
    assert r.status_code == 409 and r.json()["code"] == "PLAN_EXISTS"
    tenant = await factory.tenant()
    r = await client.get("/api/v1/platform/plans", headers=tenant.headers)
    assert r.status_code == 403


async def test_user_limit_at_the_boundary(client: httpx.AsyncClient, factory: Factory) -> None:
    admin = await factory.platform_admin()
    await _plan(client, admin, "tiny", users=3)  # the admin is user 1
    token = await _provision(client, admin, "pequena", "tiny")
    headers = {"Authorization": f"Bearer {token}"}
    assert (await client.post("/api/v1/users", headers=headers, json=_user(1))).status_code == 201
    assert (await client.post("/api/v1/users", headers=headers, json=_user(2))).status_code == 201
    r = await client.post("/api/v1/users", headers=headers, json=_user(3))
    assert r.status_code == 402
    body = r.json()
    assert body["code"] == "PLAN_LIMIT_REACHED" and body["metric"] == "users"
    assert "usuários" in body["detail"]
    # nothing half-written: the refused user does not exist
    users = (await client.get("/api/v1/users", headers=headers)).json()
    assert users["total"] == 3
    sub = (await client.get("/api/v1/subscription", headers=headers)).json()
    usage = {u["metric"]: u for u in sub["usage"]}
    assert usage["users"]["value"] == 3 and usage["users"]["limit"] == 3
    # releasing a seat makes room again
    victim = next(u for u in users["items"] if u["email"] == "u1@x.example")
    assert (
        await client.delete(f"/api/v1/users/{victim['id']}", headers=headers)
    ).status_code == 204
    assert (await client.post("/api/v1/users", headers=headers, json=_user(4))).status_code == 201


async def test_concurrent_creations_never_overshoot(
    client: httpx.AsyncClient, factory: Factory, runtime: Runtime
) -> None:
    admin = await factory.platform_admin()
    await _plan(client, admin, "dez", users=10)
    token = await _provision(client, admin, "corrida", "dez")
    headers = {"Authorization": f"Bearer {token}"}
    results = await asyncio.gather(
        *[client.post("/api/v1/users", headers=headers, json=_user(i)) for i in range(20)]
    )
    codes = sorted(r.status_code for r in results)
    assert codes.count(201) == 9, codes
    assert set(codes) == {201, 402}
    users = (await client.get("/api/v1/users", headers=headers)).json()
    assert users["total"] == 10
    # the 90 % and 100 % alerts were raised once each
    async with runtime.db.unit_of_work(platform=True) as session:
        alerts = (await session.scalars(select(UsageAlert.threshold))).all()
    assert sorted(alerts) == [90, 100]


async def test_modules_follow_the_plan(
    client: httpx.AsyncClient, factory: Factory, runtime: Runtime
) -> None:
    await _seeded(runtime)
    admin = await factory.platform_admin()
    token = await _provision(client, admin, "loja", "marketplace-pro")
    headers = {"Authorization": f"Bearer {token}"}
    me = (await client.get("/api/v1/me", headers=headers)).json()
    assert me["tenant"]["enabled_modules"] == ["marketplace", "finance"]
    r = await client.post(
        "/api/v1/subscription/change", headers=headers, json={"plan": "chat-professional"}
    )
    assert r.status_code == 200, r.text
    me = (await client.get("/api/v1/me", headers=headers)).json()
    assert me["tenant"]["enabled_modules"] == ["chat"]


async def test_provisioning_is_all_or_nothing(client: httpx.AsyncClient, factory: Factory) -> None:
    admin = await factory.platform_admin()
    r = await client.post(
        "/api/v1/platform/tenants",
        headers=admin,
        json={"slug": "quebrada", "name": "Quebrada", "plan": "nao-existe"},
    )
    assert r.status_code == 404 and r.json()["code"] == "PLAN_NOT_FOUND"
    r = await client.post(
        "/api/v1/platform/tenants",
        headers=admin,
        json={
            "slug": "fraca",
            "name": "Fraca",
            "plan": "chat-starter",
            "admin": {"email": "a@fraca.example", "name": "A", "password": "fraca"},
        },
    )
    assert r.status_code in (404, 422)
    tenants = (await client.get("/api/v1/platform/tenants", headers=admin)).json()
    assert not [t for t in tenants["items"] if t["slug"] in ("quebrada", "fraca")]


async def test_plan_change_prorates_to_the_cent(runtime: Runtime, factory: Factory) -> None:
    await _seeded(runtime)
    assert billing.proration(
        Decimal("197.00"),
        Decimal("497.00"),
        date(2026, 11, 1),
        date(2026, 11, 30),
        date(2026, 11, 16),
    ) == Decimal("150.00")
    assert billing.proration(
        Decimal("497.00"), Decimal("197.00"), date(2026, 2, 1), date(2026, 2, 28), date(2026, 2, 15)
    ) == Decimal("-150.00")
    # 300 × 1/31 = 9.677… → 9.68
    assert billing.proration(
        Decimal("197.00"),
        Decimal("497.00"),
        date(2026, 12, 1),
        date(2026, 12, 31),
        date(2026, 12, 31),
    ) == Decimal("9.68")
    async with runtime.db.unit_of_work(platform=True) as session:
        plan = await session.scalar(select(Plan).where(Plan.code == "chat-starter"))
        assert plan is not None
        assert billing.cycle_price(plan, "yearly") == Decimal("2127.60")  # 197×12×0.9
        consorcio = await session.scalar(select(Plan).where(Plan.code == "consorcio"))
        assert consorcio is not None
        assert billing.tier_price(consorcio, 1_000) == Decimal("2500.00")
        assert billing.tier_price(consorcio, 1_001) == Decimal("4500.00")
        assert billing.tier_price(consorcio, 80_000) == Decimal("25000.00")
    assert billing.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
