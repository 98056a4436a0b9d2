"""White-label: validated branding applied to the tenant's pages, and its own domain."""

from __future__ import annotations

import httpx

from tests.conftest import TEST_PASSWORD, Factory


async def test_branding_is_validated_and_applied(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    tenant = await factory.tenant()
    r = await client.put(
        "/api/v1/branding",
        headers=tenant.headers,
        json={
            "name": "Banco Azul",
            "primary_color": "#1234ab",
            "secondary_color": "#abc",
            "logo_url": "https://cdn.exemplo.com.br/logo.png",
            "favicon_url": "/static/f.ico",
            "custom_css": ".card { border-radius: 2px; }",
        },
    )
    assert r.status_code == 200, r.text
    assert r.json()["primary_color"] == "#1234ab"
    for bad in (
        {"primary_color": "red"},
        {"logo_url": "javascript:alert(1)"},
        {"custom_css": "</style><script>alert(1)</script>"},
        {"custom_css": "a { background: url(javascript:x) }"},
        {"custom_css": "@import 'https://evil.example/x.css';"},
    ):
        r = await client.put("/api/v1/branding", headers=tenant.headers, json=bad)
        assert r.status_code == 422, bad
        assert r.json()["code"] == "INVALID_BRANDING"
    page = await client.get(f"/login?tenant={tenant.slug}")
    assert "Banco Azul" in page.text
    assert "--brand: #1234ab" in page.text
    assert 'rel="icon" href="/static/f.ico"' in page.text
    assert ".card { border-radius: 2px; }" in page.text
    audit = (
        await client.get("/api/v1/audit?action=branding.updated", headers=tenant.headers)
    ).json()
    assert audit["total"] == 1


async def test_custom_domain_serves_the_tenant(client: httpx.AsyncClient, factory: Factory) -> None:
    a = await factory.tenant()
    b = await factory.tenant()
    r = await client.put(
        "/api/v1/branding",
        headers=a.headers,
        json={"custom_domain": "Portal.Exemplo.com.br", "name": "Portal A"},
    )
    assert r.status_code == 200 and r.json()["custom_domain"] == "portal.exemplo.com.br"
    r = await client.put(
        "/api/v1/branding", headers=b.headers, json={"custom_domain": "portal.exemplo.com.br"}
    )
    assert r.status_code == 409 and r.json()["code"] == "DOMAIN_TAKEN"
    r = await client.put(
        "/api/v1/branding", headers=b.headers, json={"custom_domain": "não é domínio"}
    )
    assert r.status_code == 422 and r.json()["code"] == "INVALID_DOMAIN"
    host = {"Host": "portal.exemplo.com.br"}
    page = await client.get("/login", headers=host)
    assert "Portal A" in page.text
    r = await client.post(
        "/api/v1/auth/login",
        headers=host,
        json={"username": a.admin_email, "password": TEST_PASSWORD},
    )
    assert r.status_code == 200, r.text
    # B's token on A's domain is a tenant mismatch
    r = await client.get("/api/v1/me", headers={**b.headers, **host})
    assert r.status_code == 403 and r.json()["code"] == "TENANT_MISMATCH"
