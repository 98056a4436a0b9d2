"""Resellers: provisioning, listing, inspecting and suspending their own sub-tenants, and never
anyone else's (404), with non-resellers refused (403) and everything audited."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import httpx
from sqlalchemy import select

from lastro.core.audit.models import AuditRecord
from lastro.core.billing import service as billing
from lastro.core.platform.models import Tenant
from lastro.core.runtime import Runtime
from tests.architecture.isolation import IsolationCase, assert_tenant_isolation
from tests.conftest import TEST_PASSWORD, Factory, login


@dataclass
class Reseller:
    slug: str
    id: uuid.UUID
    headers: dict[str, str]


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _reseller(client: httpx.AsyncClient, admin: dict[str, str], slug: str) -> Reseller:
    r = await client.post(
        "/api/v1/platform/tenants",
        headers=admin,
        json={
            "slug": slug,
            "name": f"Revenda {slug}",
            "plan": "chat-starter",
            "trial": False,
            "admin": {"email": f"admin@{slug}.example", "name": "Admin", "password": TEST_PASSWORD},
        },
    )
    assert r.status_code == 201, r.text
    tenant_id = uuid.UUID(r.json()["id"])
    r = await client.post(
        f"/api/v1/platform/tenants/{slug}/reseller", headers=admin, json={"is_reseller": True}
    )
    assert r.status_code == 200, r.text
    assert r.json()["is_reseller"] is True
    tokens = await login(client, f"admin@{slug}.example", tenant=slug)
    return Reseller(slug, tenant_id, _auth(tokens["access_token"]))


def _sub(slug: str, plan: str = "chat-starter", **extra: object) -> dict[str, object]:
    return {
        "slug": slug,
        "name": f"Cliente {slug}",
        "plan": plan,
        "admin": {"email": f"admin@{slug}.example", "name": "Admin", "password": TEST_PASSWORD},
        **extra,
    }


async def _setup(
    client: httpx.AsyncClient, factory: Factory, runtime: Runtime
) -> tuple[dict[str, str], Reseller, Reseller]:
    async with runtime.db.unit_of_work(platform=True) as session:
        await billing.seed_plans(session)
    admin = await factory.platform_admin()
    a = await _reseller(client, admin, "revenda-alfa")
    b = await _reseller(client, admin, "revenda-beta")
    return admin, a, b


async def test_reseller_creates_lists_inspects_and_suspends_sub_tenants(
    client: httpx.AsyncClient, factory: Factory, runtime: Runtime
) -> None:
    _admin, a, b = await _setup(client, factory, runtime)
    r = await client.post("/api/v1/reseller/tenants", headers=a.headers, json=_sub("padaria-sol"))
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["status"] == "active" and created["plan"]["code"] == "chat-starter"
    assert created["subscription"]["status"] == "trialing"
    assert created["invoices"] == []  # none issued yet (trialing)
    r = await client.post(
        "/api/v1/reseller/tenants",
        headers=a.headers,
        json=_sub("mercado-lua", "chat-professional", cycle="yearly", trial=False),
    )
    assert r.status_code == 201, r.text
    assert (
        await client.post("/api/v1/reseller/tenants", headers=b.headers, json=_sub("oficina-mar"))
    ).status_code == 201

    # private plans are the platform's to sell; unknown plans are unknown
    r = await client.post(
        "/api/v1/reseller/tenants", headers=a.headers, json=_sub("vip", "platform-all")
    )
    assert r.status_code == 422 and r.json()["code"] == "PLAN_NOT_AVAILABLE"
    r = await client.post("/api/v1/reseller/tenants", headers=a.headers, json=_sub("x", "nada"))
    assert r.status_code == 404 and r.json()["code"] == "PLAN_NOT_FOUND"
    r = await client.post("/api/v1/reseller/tenants", headers=a.headers, json=_sub("oficina-mar"))
    assert r.status_code == 409 and r.json()["code"] == "TENANT_EXISTS"

    listed = (await client.get("/api/v1/reseller/tenants", headers=a.headers)).json()
    assert listed["total"] == 2 and listed["page"] == 1
    assert [t["slug"] for t in listed["items"]] == ["mercado-lua", "padaria-sol"]
    lua = listed["items"][0]
    assert lua["plan"] == {"code": "chat-professional", "name": "Chat Professional"}
    assert lua["subscription_status"] == "active" and lua["cycle"] == "yearly"
    usage = {u["metric"]: u for u in lua["usage"]}
    assert usage["users"]["value"] == 1 and usage["users"]["limit"] == 15  # its admin
    assert usage["agents"] == {
        "metric": "agents",
        "label": "agentes de atendimento",
        "period": "",
        "value": 0,
        "limit": 10,
        "percent": 0.0,
    }
    assert lua["highest_usage_percent"] == round(100 / 15, 1)
    page2 = (await client.get("/api/v1/reseller/tenants?page=2&limit=1", headers=a.headers)).json()
    assert page2["total"] == 2 and [t["slug"] for t in page2["items"]] == ["padaria-sol"]

    detail = (await client.get("/api/v1/reseller/tenants/padaria-sol", headers=a.headers)).json()
    assert detail["subscription"]["plan"]["code"] == "chat-starter"
    assert detail["subscription"]["plan"]["limits"]["users"] == 5
    assert {u["metric"] for u in detail["usage"]} >= {"users", "agents", "conversations"}

    # the sub-tenant's admin works until suspended, and again after reactivation
    sol = _auth(
        (await login(client, "admin@padaria-sol.example", tenant="padaria-sol"))["access_token"]
    )
    assert (await client.get("/api/v1/me", headers=sol)).status_code == 200
    r = await client.post("/api/v1/reseller/tenants/padaria-sol/suspend", headers=a.headers)
    assert r.status_code == 200 and r.json()["status"] == "suspended"
    suspended = (
        await client.get("/api/v1/reseller/tenants?status=suspended", headers=a.headers)
    ).json()
    assert [t["slug"] for t in suspended["items"]] == ["padaria-sol"]
    r = await client.get("/api/v1/me", headers=sol)
    assert r.status_code == 403 and r.json()["code"] == "TENANT_SUSPENDED"
    r = await client.post("/api/v1/reseller/tenants/padaria-sol/reactivate", headers=a.headers)
    assert r.status_code == 200 and r.json()["status"] == "active"
    assert (await client.get("/api/v1/me", headers=sol)).status_code == 200

    # a sub-tenant is not a reseller itself
    r = await client.get("/api/v1/reseller/tenants", headers=sol)
    assert r.status_code == 403 and r.json()["code"] == "RESELLER_REQUIRED"

    async with runtime.db.unit_of_work(platform=True) as session:
        owned = (await session.scalars(select(Tenant.slug).where(Tenant.reseller_id == a.id))).all()
        assert sorted(owned) == ["mercado-lua", "padaria-sol"]
        actions = (
            await session.scalars(
                select(AuditRecord.action)
                .where(AuditRecord.tenant_id == a.id)
                .order_by(AuditRecord.seq)
            )
        ).all()
        sol_id = await session.scalar(select(Tenant.id).where(Tenant.slug == "padaria-sol"))
        sol_actions = (
            await session.scalars(select(AuditRecord.action).where(AuditRecord.tenant_id == sol_id))
        ).all()
    assert actions.count("reseller.tenant_created") == 2
    assert "reseller.tenant_suspended" in actions and "reseller.tenant_reactivated" in actions
    assert "tenant.reseller_marked" in actions
    assert {"tenant.created", "tenant.suspended", "tenant.reactivated"} <= set(sol_actions)


async def test_resellers_never_reach_other_tenants(
    client: httpx.AsyncClient, factory: Factory, runtime: Runtime
) -> None:
    admin, a, b = await _setup(client, factory, runtime)
    assert (
        await client.post(
            "/api/v1/reseller/tenants", headers=a.headers, json=_sub("cliente-de-alfa")
        )
    ).status_code == 201
    assert (
        await client.post(
            "/api/v1/reseller/tenants", headers=b.headers, json=_sub("cliente-de-beta")
        )
    ).status_code == 201
    plain = await factory.tenant("empresa-avulsa")

    for slug in ("cliente-de-beta", "empresa-avulsa", a.slug, b.slug, "nao-existe"):
        for method, path in (
            ("GET", f"/api/v1/reseller/tenants/{slug}"),
            ("POST", f"/api/v1/reseller/tenants/{slug}/suspend"),
            ("POST", f"/api/v1/reseller/tenants/{slug}/reactivate"),
        ):
            r = await client.request(method, path, headers=a.headers)
            assert r.status_code == 404, (method, path, r.text)
            assert r.json()["code"] == "SUB_TENANT_NOT_FOUND"
    listed = (await client.get("/api/v1/reseller/tenants", headers=a.headers)).text
    assert "cliente-de-beta" not in listed and "empresa-avulsa" not in listed

    # nothing was suspended by those attempts
    async with runtime.db.unit_of_work(platform=True) as session:
        statuses = set((await session.scalars(select(Tenant.status))).all())
    assert statuses == {"active"}

    # a plain tenant's admin holds the permission but is no reseller; platform admins are no
    # tenant; platform-only marking refuses tenants
    r = await client.get("/api/v1/reseller/tenants", headers=plain.headers)
    assert r.status_code == 403 and r.json()["code"] == "RESELLER_REQUIRED"
    r = await client.post("/api/v1/reseller/tenants/cliente-de-alfa/suspend", headers=plain.headers)
    assert r.status_code == 403 and r.json()["code"] == "RESELLER_REQUIRED"
    r = await client.get("/api/v1/reseller/tenants", headers=admin)
    assert r.status_code == 403 and r.json()["code"] == "TENANT_REQUIRED"
    r = await client.post(
        "/api/v1/platform/tenants/empresa-avulsa/reseller",
        headers=a.headers,
        json={"is_reseller": True},
    )
    assert r.status_code == 403
    r = await client.post(
        "/api/v1/platform/tenants/nao-existe/reseller", headers=admin, json={"is_reseller": True}
    )
    assert r.status_code == 404 and r.json()["code"] == "TENANT_NOT_FOUND"

    # a reseller's operator (no reseller.manage) is refused
    await factory.user(a.id, email="operador@alfa.example", role="operator")
    op = _auth((await login(client, "operador@alfa.example", tenant=a.slug))["access_token"])
    r = await client.get("/api/v1/reseller/tenants", headers=op)
    assert r.status_code == 403 and r.json()["code"] == "PERMISSION_DENIED"

    # unmarking a reseller removes its access (its sub-tenants keep their link)
    r = await client.post(
        f"/api/v1/platform/tenants/{a.slug}/reseller", headers=admin, json={"is_reseller": False}
    )
    assert r.status_code == 200 and r.json()["is_reseller"] is False
    r = await client.get("/api/v1/reseller/tenants", headers=a.headers)
    assert r.status_code == 403 and r.json()["code"] == "RESELLER_REQUIRED"


async def test_reseller_routes_pass_the_isolation_walk(
    client: httpx.AsyncClient, factory: Factory, runtime: Runtime
) -> None:
    _admin, a, b = await _setup(client, factory, runtime)
    r = await client.post("/api/v1/reseller/tenants", headers=a.headers, json=_sub("segredo-alfa"))
    assert r.status_code == 201, r.text
    assert (
        await client.post("/api/v1/reseller/tenants", headers=b.headers, json=_sub("aberto-beta"))
    ).status_code == 201
    app = client._transport.app  # type: ignore[attr-defined]
    report = await assert_tenant_isolation(
        IsolationCase(
            app=app,
            client=client,
            owner_headers=a.headers,
            intruder_headers=b.headers,
            resources={"slug": "segredo-alfa"},
            only_prefixes=("/api/v1/reseller/",),
            exempt_prefixes=("/api/v1/auth/", "/api/v1/platform/"),
        )
    )
    assert "GET /api/v1/reseller/tenants" in report.checked
    assert "POST /api/v1/reseller/tenants/{slug}/suspend" in report.checked
    assert "POST /api/v1/reseller/tenants/{slug}/reactivate" in report.checked
    detail = (await client.get("/api/v1/reseller/tenants/segredo-alfa", headers=a.headers)).json()
    assert detail["status"] == "active"
