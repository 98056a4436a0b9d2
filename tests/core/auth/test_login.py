"""Login by e-mail or CPF, lockout, TOTP, suspended tenants and platform administrators."""

from __future__ import annotations

import httpx
import pyotp
from sqlalchemy import update

from lastro.core.auth.models import User
from lastro.core.runtime import Runtime
from tests.conftest import TEST_PASSWORD, Factory, login

VALID_CPF = "529.982.247-25"


async def test_login_by_email_returns_token_pair(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    tenant = await factory.tenant()
    data = await login(client, tenant.admin_email.upper(), tenant=tenant.slug)
    assert data["token_type"] == "bearer"
    assert data["expires_in"] == 900
    assert data["access_token"] and data["refresh_token"]


async def test_login_by_cpf_with_or_without_punctuation(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    tenant = await factory.tenant()
    await factory.user(tenant.id, email="op@x.example", cpf=VALID_CPF)
    for username in (VALID_CPF, "52998224725"):
        data = await login(client, username, tenant=tenant.slug)
        me = await client.get(
            "/api/v1/me", headers={"Authorization": f"Bearer {data['access_token']}"}
        )
        assert me.json()["user"]["email"] == "op@x.example"
        assert me.json()["user"]["cpf"] == "52998224725"


async def test_cpf_with_wrong_check_digits_is_a_validation_error(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    tenant = await factory.tenant()
    r = await client.post(
        "/api/v1/auth/login",
        headers={"X-Tenant": tenant.slug},
        json={"username": "529.982.247-24", "password": "x"},
    )
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["code"] == "INVALID_CPF"


async def test_wrong_password_and_unknown_user_look_the_same(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    tenant = await factory.tenant()
    for username in (tenant.admin_email, "ninguem@x.example"):
        r = await client.post(
            "/api/v1/auth/login",
            headers={"X-Tenant": tenant.slug},
            json={"username": username, "password": "Errada@12345"},
        )
        assert r.status_code == 401
        body = r.json()
        assert body["code"] == "INVALID_CREDENTIALS"
        assert body["detail"] == "Usuário ou senha inválidos."


async def test_user_of_one_tenant_cannot_log_into_another(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    a = await factory.tenant()
    b = await factory.tenant()
    r = await client.post(
        "/api/v1/auth/login",
        headers={"X-Tenant": b.slug},
        json={"username": a.admin_email, "password": TEST_PASSWORD},
    )
    assert r.status_code == 401


async def test_unknown_tenant(client: httpx.AsyncClient) -> None:
    r = await client.post(
        "/api/v1/auth/login",
        headers={"X-Tenant": "nao-existe"},
        json={"username": "a@b.example", "password": "x"},
    )
    assert r.status_code == 404
    assert r.json()["code"] == "TENANT_NOT_FOUND"


async def test_tenant_from_subdomain(client: httpx.AsyncClient, factory: Factory) -> None:
    tenant = await factory.tenant()
    r = await client.post(
        "/api/v1/auth/login",
        headers={"Host": f"{tenant.slug}.localhost"},
        json={"username": tenant.admin_email, "password": TEST_PASSWORD},
    )
    assert r.status_code == 200, r.text


async def test_lockout_after_repeated_failures(
    client: httpx.AsyncClient, factory: Factory, runtime: Runtime
) -> None:
    tenant = await factory.tenant()
    attempts = runtime.settings.login_max_failures
    for _ in range(attempts):
        r = await client.post(
            "/api/v1/auth/login",
            headers={"X-Tenant": tenant.slug},
            json={"username": tenant.admin_email, "password": "Errada@123"},
        )
        assert r.status_code == 401
    r = await client.post(
        "/api/v1/auth/login",
        headers={"X-Tenant": tenant.slug},
        json={"username": tenant.admin_email, "password": TEST_PASSWORD},
    )
    assert r.status_code == 423
    assert r.json()["code"] == "ACCOUNT_LOCKED"
    audit = await client.get("/api/v1/audit?action=auth.locked", headers=tenant.headers)
    assert audit.json()["total"] == 1


async def test_totp_second_factor(
    client: httpx.AsyncClient, factory: Factory, runtime: Runtime
) -> None:
    tenant = await factory.tenant()
    secret = pyotp.random_base32()
    async with runtime.db.unit_of_work(tenant_id=tenant.id) as session:
        await session.execute(update(User).values(totp_secret=secret))
    url, headers = "/api/v1/auth/login", {"X-Tenant": tenant.slug}
    body = {"username": tenant.admin_email, "password": TEST_PASSWORD}
    r = await client.post(url, headers=headers, json=body)
    assert r.status_code == 401 and r.json()["code"] == "TOTP_REQUIRED"
    r = await client.post(url, headers=headers, json={**body, "totp": "000000"})
    assert r.status_code == 401 and r.json()["code"] == "INVALID_TOTP"
    r = await client.post(url, headers=headers, json={**body, "totp": pyotp.TOTP(secret).now()})
    assert r.status_code == 200


async def test_platform_admin_logs_in_without_tenant(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    headers = await factory.platform_admin()
    me = (await client.get("/api/v1/me", headers=headers)).json()
    assert me["tenant"] is None
    assert me["user"]["role"] == "platform_admin"
    # a tenant-only endpoint refuses a principal without tenant
    r = await client.get("/api/v1/audit", headers=headers)
    assert r.status_code == 403 and r.json()["code"] == "TENANT_REQUIRED"


async def test_suspended_tenant_cannot_log_in_or_use_tokens(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    tenant = await factory.tenant()
    admin = await factory.platform_admin()
    r = await client.post(f"/api/v1/platform/tenants/{tenant.slug}/suspend", headers=admin)
    assert r.status_code == 200 and r.json()["status"] == "suspended"
    r = await client.post(
        "/api/v1/auth/login",
        headers={"X-Tenant": tenant.slug},
        json={"username": tenant.admin_email, "password": TEST_PASSWORD},
    )
    assert r.status_code == 403 and r.json()["code"] == "TENANT_SUSPENDED"
    r = await client.get("/api/v1/me", headers=tenant.headers)
    assert r.status_code == 403 and r.json()["code"] == "TENANT_SUSPENDED"
    r = await client.get("/api/v1/users", headers=tenant.headers)
    assert r.status_code == 403 and r.json()["code"] == "TENANT_SUSPENDED"
    r = await client.post("/api/v1/auth/refresh", json={"refresh_token": tenant.refresh_token})
    assert r.status_code == 401


async def test_login_attempts_are_rate_limited_per_ip(
    client: httpx.AsyncClient, factory: Factory, runtime: Runtime
) -> None:
    tenant = await factory.tenant()  # one login happened here
    runtime.settings.login_rate_limit_per_minute = 3
    codes = []
    for _ in range(3):
        r = await client.post(
            "/api/v1/auth/login",
            headers={"X-Tenant": tenant.slug},
            json={"username": "x@y.example", "password": "Errada@123"},
        )
        codes.append(r.status_code)
    assert codes[-1] == 429
    assert r.json()["code"] == "LOGIN_RATE_LIMITED"
    assert int(r.headers["retry-after"]) >= 1
    assert r.headers["ratelimit-limit"] == "3"
