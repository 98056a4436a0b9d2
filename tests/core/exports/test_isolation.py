"""Every exports and reports route passes the tenant-isolation walk, and a tenant's exports
contain only its own rows."""

from __future__ import annotations

import httpx

from lastro.core.runtime import Runtime
from tests.architecture.isolation import IsolationCase, assert_tenant_isolation
from tests.conftest import Factory


async def test_exports_routes_isolate_tenants(
    client: httpx.AsyncClient, factory: Factory, runtime: Runtime
) -> None:
    a = await factory.tenant()
    b = await factory.tenant()
    await factory.user(a.id, email="segredo@a.example")
    export = (
        await client.post("/api/v1/exports", headers=a.headers, json={"source": "users"})
    ).json()
    job = runtime.job_registry.get("core.exports.run")
    assert job is not None
    await job.func({"tenant_id": str(a.id), "export_id": export["id"]})
    report = (
        await client.post(
            "/api/v1/reports",
            headers=a.headers,
            json={
                "name": "Equipe",
                "source": "users",
                "cron": "0 7 * * *",
                "recipients": ["chefe@a.example"],
            },
        )
    ).json()
    app = client._transport.app  # type: ignore[attr-defined]
    result = await assert_tenant_isolation(
        IsolationCase(
            app=app,
            client=client,
            owner_headers=a.headers,
            intruder_headers=b.headers,
            resources={"export_id": export["id"], "report_id": report["id"]},
            only_prefixes=("/api/v1/exports", "/api/v1/reports"),
        )
    )
    for route in (
        "GET /api/v1/exports/{export_id}/download",
        "PATCH /api/v1/reports/{report_id}",
        "DELETE /api/v1/reports/{report_id}",
        "POST /api/v1/reports/{report_id}/run",
    ):
        assert route in result.checked
    # B's own export of the same source has none of A's rows
    mine = await client.get("/api/v1/exports/stream?source=users", headers=b.headers)
    assert mine.status_code == 200
    assert "segredo@a.example" not in mine.text and a.admin_email not in mine.text
    # A's report is untouched by B's PATCH/DELETE attempts
    r = await client.get(f"/api/v1/reports/{report['id']}", headers=a.headers)
    assert r.status_code == 200 and r.json()["is_active"] is True
