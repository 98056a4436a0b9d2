"""Tenant isolation over the foundation's routes (groups, consorciados, quotas): another
tenant gets 404 for every id of ours, and our lists never show up in theirs."""

from __future__ import annotations

from datetime import timedelta

import httpx

from lastro.kit.clock import today_sp
from lastro.modules.consorcio.consorciados.endpoints import router as consorciados_router
from lastro.modules.consorcio.groups.endpoints import router as groups_router
from lastro.modules.consorcio.quotas.endpoints import group_router
from lastro.modules.consorcio.quotas.endpoints import router as quotas_router
from tests.architecture.isolation import IsolationCase, api_routes, assert_tenant_isolation
from tests.conftest import Factory
from tests.modules.consorcio.groups.support import (
    create_consorciado,
    create_group,
    rules,
    sell_ok,
    tenant,
)

PREFIXES = (
    "/api/v1/consorcio/groups",
    "/api/v1/consorcio/consorciados",
    "/api/v1/consorcio/quotas",
)


def _ours() -> set[str]:
    return {
        route.path  # type: ignore[attr-defined]
        for r in (groups_router, consorciados_router, quotas_router, group_router)
        for route in r.routes
    }


async def test_foundation_routes_are_tenant_isolated(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    a = await tenant(factory)
    b = await tenant(factory)
    g = await create_group(client, a)
    q = await sell_ok(client, a, g["id"])
    buyer = await create_consorciado(client, a)
    r = await client.post(
        f"/api/v1/consorcio/quotas/{q['id']}/transfers",
        headers=a.headers,
        json={"to_consorciado_id": buyer["id"]},
    )
    transfer_id = r.json()["id"]
    b_holder = await create_consorciado(client, b)

    app = client._transport.app  # type: ignore[attr-defined]
    ours = _ours()
    others = {p for p, _ in api_routes(app) if p.startswith(PREFIXES) and p not in ours}
    future = (today_sp() + timedelta(days=40)).isoformat()
    group_path = "/api/v1/consorcio/groups/{group_id}"
    quota_path = "/api/v1/consorcio/quotas/{quota_id}"
    report = await assert_tenant_isolation(
        IsolationCase(
            app=app,
            client=client,
            owner_headers=a.headers,
            intruder_headers=b.headers,
            resources={
                "group_id": g["id"],
                "quota_id": q["id"],
                "consorciado_id": q["consorciado_id"],
                "transfer_id": transfer_id,
            },
            bodies={
                ("POST", f"{group_path}/rules"): {**rules(), "effective_from": future},
                ("POST", f"{group_path}/prices"): {"effective_on": future, "price": "1.00"},
                ("POST", f"{group_path}/status"): {"status": "em_andamento"},
                ("POST", f"{group_path}/quotas"): {"consorciado_id": b_holder["id"]},
                ("POST", f"{quota_path}/transfers"): {"to_consorciado_id": b_holder["id"]},
                ("POST", f"{quota_path}/transfers/{{transfer_id}}/decision"): {
                    "decision": "approve"
                },
            },
            only_prefixes=PREFIXES,
            exempt_paths=others,
        )
    )
    assert len(report.checked) >= 20
    # the owner still sees its data untouched
    detail = (await client.get(f"/api/v1/consorcio/quotas/{q['id']}", headers=a.headers)).json()
    assert detail["pending_transfer"]["id"] == transfer_id
    assert (await client.get("/api/v1/consorcio/groups", headers=b.headers)).json()["total"] == 0
