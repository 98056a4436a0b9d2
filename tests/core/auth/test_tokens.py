"""Access tokens, refresh rotation with reuse detection, logout, tenant mismatch."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import jwt

from lastro.core.auth.tokens import issue_access_token
from lastro.core.runtime import Runtime
from lastro.kit.clock import utcnow
from tests.conftest import Factory


async def test_refresh_rotates_and_reuse_revokes_the_family(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    tenant = await factory.tenant()
    first = tenant.refresh_token
    r = await client.post("/api/v1/auth/refresh", json={"refresh_token": first})
    assert r.status_code == 200, r.text
    second = r.json()["refresh_token"]
    assert second != first
    me = await client.get(
        "/api/v1/me", headers={"Authorization": f"Bearer {r.json()['access_token']}"}
    )
    assert me.status_code == 200
    # the rotated token is replayed (stolen?): the whole family is revoked
    r = await client.post("/api/v1/auth/refresh", json={"refresh_token": first})
    assert r.status_code == 401 and r.json()["code"] == "REFRESH_TOKEN_REUSED"
    r = await client.post("/api/v1/auth/refresh", json={"refresh_token": second})
    assert r.status_code == 401


async def test_concurrent_refresh_with_one_token_yields_one_winner(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    tenant = await factory.tenant()
    results = await asyncio.gather(
        *[
            client.post("/api/v1/auth/refresh", json={"refresh_token": tenant.refresh_token})
            for _ in range(4)
        ]
    )
    assert sorted(r.status_code for r in results).count(200) <= 1
    assert all(r.status_code in (200, 401) for r in results)


async def test_logout_revokes_refresh_token(client: httpx.AsyncClient, factory: Factory) -> None:
    tenant = await factory.tenant()
    r = await client.post(
        "/api/v1/auth/logout", headers=tenant.headers, json={"refresh_token": tenant.refresh_token}
    )
    assert r.status_code == 204
    r = await client.post("/api/v1/auth/refresh", json={"refresh_token": tenant.refresh_token})
    assert r.status_code == 401


async def test_expired_forged_and_malformed_tokens(
    client: httpx.AsyncClient, factory: Factory, runtime: Runtime
) -> None:
    tenant = await factory.tenant()
    s = runtime.settings
    claims = jwt.decode(tenant.access_token, options={"verify_signature": False})
    expired = issue_access_token(
        secret=s.secret_key,
        algorithm=s.jwt_algorithm,
        ttl_seconds=-5,
        subject=claims["sub"],
        tenant_id=None,
        tenant_slug=None,
        role="tenant_admin",
    )
    forged = jwt.encode(
        {**claims, "role": "platform_admin", "exp": utcnow() + timedelta(hours=1)},
        "not-the-secret-but-long-enough-for-hs256-0000",
        algorithm="HS256",
    )
    none_alg = jwt.encode(
        {**claims, "exp": utcnow() + timedelta(hours=1)}, key=None, algorithm="none"
    )
    cases = {
        expired: "TOKEN_EXPIRED",
        forged: "INVALID_TOKEN",
        none_alg: "INVALID_TOKEN",
        "garbage": "INVALID_TOKEN",
    }
    for token, code in cases.items():
        r = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 401, token
        assert r.json()["code"] == code
    r = await client.get("/api/v1/me", headers={"Authorization": "Basic abc"})
    assert r.status_code == 401
    r = await client.get("/api/v1/me")
    assert r.status_code == 401 and r.json()["code"] == "UNAUTHORIZED"


async def test_token_of_tenant_a_with_x_tenant_b_is_refused(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    a = await factory.tenant()
    b = await factory.tenant()
    r = await client.get("/api/v1/me", headers={**a.headers, "X-Tenant": b.slug})
    assert r.status_code == 403 and r.json()["code"] == "TENANT_MISMATCH"
    r = await client.get("/api/v1/me", headers={**a.headers, "Host": f"{b.slug}.localhost"})
    assert r.status_code == 403 and r.json()["code"] == "TENANT_MISMATCH"
    r = await client.get("/api/v1/me", headers={**a.headers, "X-Tenant": a.slug})
    assert r.status_code == 200
