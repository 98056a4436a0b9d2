"""Tenant isolation over billing's routes: another tenant gets 404 for every id of ours (runs,
remessas, accounts, a quota's installments and charges) and never sees them in its lists."""

from __future__ import annotations

import httpx

from lastro.core.runtime import Runtime
from lastro.modules.consorcio.billing.endpoints import router
from tests.architecture.isolation import IsolationCase, api_routes, assert_tenant_isolation
from tests.conftest import Factory
from tests.modules.consorcio.billing.support import (
    BASE,
    account_body,
    billing_setup,
    run_month,
    this_month,
)
from tests.modules.consorcio.groups.support import tenant


async def test_billing_routes_are_tenant_isolated(
    client: httpx.AsyncClient, runtime: Runtime, factory: Factory
) -> None:
    s = await billing_setup(client, runtime, factory, months_ago=1)
    run = await run_month(client, s.t, this_month())
    quota = s.quota_ids[0]
    r = await client.post(
        f"{BASE}/quotas/{quota}/charges",
        headers=s.t.headers,
        json={"kind": "avulso", "amount": "25.00", "description": "Segunda via de contrato"},
    )
    charge = r.json()
    remessa = (await client.get(f"{BASE}/billing/remessas", headers=s.t.headers)).json()
    b = await tenant(factory)
    r = await client.post(f"{BASE}/billing/accounts", headers=b.headers, json=account_body())
    assert r.status_code == 201  # the same bank account data is fine for another tenant

    app = client._transport.app  # type: ignore[attr-defined]
    ours = {route.path for route in router.routes}  # type: ignore[attr-defined]
    others = {p for p, _ in api_routes(app) if p.startswith(f"{BASE}/quotas") and p not in ours}
    report = await assert_tenant_isolation(
        IsolationCase(
            app=app,
            client=client,
            owner_headers=s.t.headers,
            intruder_headers=b.headers,
            resources={
                "account_id": s.account["id"],
                "run_id": run["id"],
                "remessa_id": remessa["items"][0]["id"],
                "quota_id": quota,
                "charge_id": charge["id"],
            },
            bodies={
                ("POST", f"{BASE}/quotas/{{quota_id}}/charges"): {
                    "kind": "avulso",
                    "amount": "1.00",
                    "description": "intrusa",
                },
            },
            only_prefixes=(f"{BASE}/billing", f"{BASE}/quotas"),
            exempt_paths=others,
        )
    )
    assert any("/charges/{charge_id}/pdf" in c for c in report.checked)
    assert any(c.startswith("GET /api/v1/consorcio/billing/runs") for c in report.checked)
    # the intruder's own lists stay empty of ours
    r = await client.get(f"{BASE}/billing/installments", headers=b.headers)
    assert r.json()["items"] == []
