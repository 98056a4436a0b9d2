"""A user's own password change and TOTP enrolment."""

from __future__ import annotations

import httpx
import pyotp

from tests.conftest import TEST_PASSWORD, Factory, login


async def test_change_password(client: httpx.AsyncClient, factory: Factory) -> None:
    tenant = await factory.tenant()
    r = await client.post(
        "/api/v1/me/password",
        headers=tenant.headers,
        json={"current_password": "errada", "new_password": "Nova@Senha2026"},
    )
    assert r.status_code == 422 and r.json()["code"] == "WRONG_PASSWORD"
    r = await client.post(
        "/api/v1/me/password",
        headers=tenant.headers,
        json={"current_password": TEST_PASSWORD, "new_password": "curta"},
    )
    assert r.status_code == 422 and r.json()["code"] == "WEAK_PASSWORD"
    r = await client.post(
        "/api/v1/me/password",
        headers=tenant.headers,
        json={"current_password": TEST_PASSWORD, "new_password": "Nova@Senha2026"},
    )
    assert r.status_code == 204
    await login(client, tenant.admin_email, "Nova@Senha2026", tenant=tenant.slug)


async def test_totp_enrolment_and_login(client: httpx.AsyncClient, factory: Factory) -> None:
    tenant = await factory.tenant()
    setup = (await client.post("/api/v1/me/totp/setup", headers=tenant.headers)).json()
    assert setup["otpauth_uri"].startswith("otpauth://totp/")
    r = await client.post(
        "/api/v1/me/totp/confirm",
        headers=tenant.headers,
        json={"setup_token": setup["setup_token"], "code": "000000"},
    )
    assert r.status_code == 401 and r.json()["code"] == "INVALID_TOTP"
    totp = pyotp.TOTP(setup["secret"])
    r = await client.post(
        "/api/v1/me/totp/confirm",
        headers=tenant.headers,
        json={"setup_token": setup["setup_token"], "code": totp.now()},
    )
    assert r.status_code == 204
    r = await client.post(
        "/api/v1/auth/login",
        headers={"X-Tenant": tenant.slug},
        json={"username": tenant.admin_email, "password": TEST_PASSWORD},
    )
    assert r.json()["code"] == "TOTP_REQUIRED"
    r = await client.post(
        "/api/v1/auth/login",
        headers={"X-Tenant": tenant.slug},
        json={"username": tenant.admin_email, "password": TEST_PASSWORD, "totp": totp.now()},
    )
    assert r.status_code == 200
    other = await factory.tenant()
    r = await client.post(
        "/api/v1/me/totp/confirm",
        headers=other.headers,
        json={"setup_token": setup["setup_token"], "code": totp.now()},
    )
    assert r.status_code == 422 and r.json()["code"] == "INVALID_TOTP_SETUP"
