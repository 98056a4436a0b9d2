"""Every LGPD route passes the tenant-isolation walk."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from lastro.core.lgpd.endpoints import router
from tests.architecture.isolation import _PARAM, IsolationCase, api_routes, assert_tenant_isolation
from tests.conftest import Factory
from tests.core.lgpd.helpers import BASE, CPF, execute, open_request


async def test_lgpd_routes_isolate_tenants(client: httpx.AsyncClient, factory: Factory) -> None:
    a = await factory.tenant()
    b = await factory.tenant()
    await factory.user(a.id, email="ana@exemplo.com.br", cpf=CPF)
    request = await open_request(client, a.headers, kind="access", cpf=CPF)
    await execute(client, a.headers, request["id"])
    r = await client.post(
        f"{BASE}/consents",
        headers=a.headers,
        json={"cpf": CPF, "purpose": "marketing", "text_version": "v1"},
    )
    consent = r.json()["id"]
    # Routes are read from an app holding only this router, so another service's OpenAPI
    # schema cannot break (or widen) this walk; the requests go to the real app.
    routes = FastAPI()
    routes.include_router(router)
    report = await assert_tenant_isolation(
        IsolationCase(
            app=routes,
            client=client,
            owner_headers=a.headers,
            intruder_headers=b.headers,
            resources={"request_id": request["id"], "consent_id": consent},
            bodies={
                ("POST", f"{BASE}/requests/{{request_id}}/refuse"): {"reason": "Teste de acesso"},
            },
            only_prefixes=(f"{BASE}/",),
        )
    )
    assert len(report.checked) == 9, report.checked
    # B's attempts changed nothing of A's
    r = await client.get(f"{BASE}/consents/{consent}", headers=a.headers)
    assert r.json()["active"] is True
    # B's lists show nothing of A's, and B's own requests find nothing of A's person
    r = await client.get(f"{BASE}/requests", headers=b.headers)
    assert r.json()["total"] == 0
    mine = await open_request(client, b.headers, kind="access", cpf=CPF)
    done = await execute(client, b.headers, mine["id"])
    assert all(s["records"] == 0 for n, s in done["outcome"]["sources"].items() if n != "requests")


async def test_lgpd_routes_require_authentication(client: httpx.AsyncClient) -> None:
    routes = FastAPI()
    routes.include_router(router)
    checked = 0
    for path, methods in api_routes(routes):
        url = _PARAM.sub("0191d9a0-0000-7000-8000-000000000000", path)
        for method in methods:
            r = await client.request(method, url, json={} if method != "GET" else None)
            assert r.status_code == 401, f"{method} {path} → {r.status_code} without a token"
            checked += 1
    assert checked == 11
