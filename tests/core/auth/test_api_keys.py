"""API keys: shown once, stored hashed, scoped, revocable, tenant-bound, rate-limited by plan."""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy import select, update

from lastro.core.auth.models import ApiKey
from lastro.core.billing import service as billing
from lastro.core.billing.models import Plan
from lastro.core.runtime import Runtime
from tests.conftest import Factory


async def _key(
    client: httpx.AsyncClient, headers: dict[str, str], permissions: list[str]
) -> dict[str, str]:
    r = await client.post(
        "/api/v1/api-keys", headers=headers, json={"name": "ERP", "permissions": permissions}
    )
    assert r.status_code == 201, r.text
    data: dict[str, str] = r.json()
    return data


async def test_key_is_shown_once_stored_hashed_and_scoped(
    client: httpx.AsyncClient, factory: Factory, runtime: Runtime
) -> None:
    tenant = await factory.tenant()
    created = await _key(client, tenant.headers, ["users.read"])
    key = created["key"]
    assert key.startswith("lk_")
    listed = (await client.get("/api/v1/api-keys", headers=tenant.headers)).json()
    assert "key" not in listed[0] and listed[0]["prefix"] == created["prefix"]
    async with runtime.db.unit_of_work(tenant_id=tenant.id) as session:
        stored = await session.scalar(select(ApiKey.key_hash))
    assert stored and stored not in key
    for headers in ({"X-API-Key": key}, {"Authorization": f"Bearer {key}"}):
        r = await client.get("/api/v1/users", headers=headers)
        assert r.status_code == 200, r.text
        assert r.json()["items"][0]["email"] == tenant.admin_email
    r = await client.post(
        "/api/v1/users",
        headers={"X-API-Key": key},
        json={"email": "x@y.example", "name": "X", "password": "Segura@12345"},
    )
    assert r.status_code == 403 and r.json()["code"] == "PERMISSION_DENIED"
    r = await client.get("/api/v1/users", headers={"X-API-Key": key[:-2] + "xx"})
    assert r.status_code == 401 and r.json()["code"] == "INVALID_API_KEY"
    other = await factory.tenant()
    r = await client.get("/api/v1/users", headers={"X-API-Key": key, "X-Tenant": other.slug})
    assert r.status_code == 403 and r.json()["code"] == "TENANT_MISMATCH"


async def test_cannot_grant_what_you_lack_and_revocation(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    tenant = await factory.tenant()
    r = await client.post(
        "/api/v1/api-keys",
        headers=tenant.headers,
        json={"name": "x", "permissions": ["platform.admin"]},
    )
    assert r.status_code == 422 and r.json()["code"] == "PERMISSION_NOT_GRANTABLE"
    created = await _key(client, tenant.headers, ["users.read"])
    r = await client.delete(f"/api/v1/api-keys/{created['id']}", headers=tenant.headers)
    assert r.status_code == 204
    r = await client.get("/api/v1/users", headers={"X-API-Key": created["key"]})
    assert r.status_code == 401


async def test_api_key_rate_limit_follows_the_plan(
    client: httpx.AsyncClient, factory: Factory, runtime: Runtime
) -> None:
    async with runtime.db.unit_of_work(platform=True) as session:
        await billing.seed_plans(session)
        await session.execute(
            update(Plan).where(Plan.code == "chat-starter").values(api_rate_limit=3)
        )
    admin = await factory.platform_admin()
    r = await client.post(
        "/api/v1/platform/tenants",
        headers=admin,
        json={
            "slug": "limitada",
            "name": "Limitada",
            "plan": "chat-starter",
            "trial": False,
            "admin": {"email": "a@limitada.example", "name": "A", "password": "Segura@12345"},
        },
    )
    assert r.status_code == 201, r.text
    from tests.conftest import login

    tokens = await login(client, "a@limitada.example", "Segura@12345", tenant="limitada")
    created = await _key(
        client, {"Authorization": f"Bearer {tokens['access_token']}"}, ["users.read"]
    )
    headers = {"X-API-Key": created["key"]}
    results = await asyncio.gather(
        *[client.get("/api/v1/users", headers=headers) for _ in range(5)]
    )
    codes = sorted(r.status_code for r in results)
    assert codes == [200, 200, 200, 429, 429]
    ok = next(r for r in results if r.status_code == 200)
    assert ok.headers["ratelimit-limit"] == "3"
    refused = next(r for r in results if r.status_code == 429)
    assert refused.json()["code"] == "RATE_LIMITED"
    assert int(refused.headers["retry-after"]) >= 1
