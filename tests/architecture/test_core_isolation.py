"""The core's own routes pass the tenant-isolation walk."""

from __future__ import annotations

import httpx

from tests.architecture.isolation import IsolationCase, assert_tenant_isolation
from tests.conftest import Factory


async def test_core_routes_isolate_tenants(client: httpx.AsyncClient, factory: Factory) -> None:
    a = await factory.tenant()
    b = await factory.tenant()
    user_a = await factory.user(a.id, email="alvo@a.example")
    r = await client.post(
        "/api/v1/api-keys", headers=a.headers, json={"name": "erp", "permissions": ["users.read"]}
    )
    key_a = r.json()["id"]
    app = client._transport.app  # type: ignore[attr-defined]
    report = await assert_tenant_isolation(
        IsolationCase(
            app=app,
            client=client,
            owner_headers=a.headers,
            intruder_headers=b.headers,
            resources={"user_id": str(user_a), "key_id": key_a},
        )
    )
    assert "DELETE /api/v1/users/{user_id}" in report.checked
    assert "DELETE /api/v1/api-keys/{key_id}" in report.checked
    listed = (await client.get("/api/v1/api-keys", headers=a.headers)).json()
    assert listed[0]["revoked_at"] is None
    # A's user is untouched after B's PATCH and DELETE attempts
    r = await client.get(f"/api/v1/users/{user_a}", headers=a.headers)
    assert r.json()["is_active"] is True and r.json()["name"] == "Pessoa Teste"
