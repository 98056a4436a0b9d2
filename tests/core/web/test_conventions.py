"""API conventions: problem+json errors, validation details, body limit, request ids, 404/405."""

from __future__ import annotations

import httpx

from tests.conftest import Factory


async def test_malformed_json_is_400(client: httpx.AsyncClient, factory: Factory) -> None:
    tenant = await factory.tenant()
    r = await client.post(
        "/api/v1/users",
        headers={**tenant.headers, "content-type": "application/json"},
        content=b'{"email": ',
    )
    assert r.status_code == 400
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["code"] == "MALFORMED_JSON" and body["status"] == 400 and body["type"]


async def test_validation_errors_list_each_field(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    tenant = await factory.tenant()
    r = await client.post(
        "/api/v1/users",
        headers=tenant.headers,
        json={"email": "not-an-email", "name": 5, "surplus": True},
    )
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "VALIDATION_ERROR"
    fields = {e["field"]: e["message"] for e in body["errors"]}
    assert fields["surplus"] == "campo não permitido"
    assert fields["name"] == "deve ser um texto"
    assert fields["password"] == "campo obrigatório"
    assert "email" in fields
    users = (await client.get("/api/v1/users", headers=tenant.headers)).json()
    assert users["total"] == 1  # nothing was written


async def test_bad_cpf_on_write_is_refused(client: httpx.AsyncClient, factory: Factory) -> None:
    tenant = await factory.tenant()
    r = await client.post(
        "/api/v1/users",
        headers=tenant.headers,
        json={
            "email": "a@b.example",
            "name": "A",
            "password": "Segura@12345",
            "cpf": "111.111.111-11",
        },
    )
    assert r.status_code == 422 and r.json()["code"] == "INVALID_CPF"


async def test_weak_password_is_refused_with_reasons(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    tenant = await factory.tenant()
    r = await client.post(
        "/api/v1/users",
        headers=tenant.headers,
        json={"email": "a@b.example", "name": "A", "password": "fraca"},
    )
    assert r.status_code == 422 and r.json()["code"] == "WEAK_PASSWORD"
    assert "10 caracteres" in r.json()["detail"]


async def test_oversize_body_is_413(client: httpx.AsyncClient, factory: Factory) -> None:
    tenant = await factory.tenant()
    big = b'{"email": "' + b"a" * 2_000_000 + b'"}'
    r = await client.post(
        "/api/v1/users", headers={**tenant.headers, "content-type": "application/json"}, content=big
    )
    assert r.status_code == 413 and r.json()["code"] == "PAYLOAD_TOO_LARGE"

    async def chunks():  # type: ignore[no-untyped-def]
        for _ in range(40):
            yield b"a" * 65536

    r = await client.post(
        "/api/v1/users",
        headers={**tenant.headers, "content-type": "application/json"},
        content=chunks(),
    )
    assert r.status_code == 413


async def test_request_id_is_echoed_or_generated(client: httpx.AsyncClient) -> None:
    r = await client.get("/health", headers={"X-Request-Id": "abc-123"})
    assert r.headers["x-request-id"] == "abc-123"
    r = await client.get("/health", headers={"X-Request-Id": "bad id with spaces"})
    assert (
        r.headers["x-request-id"] != "bad id with spaces" and len(r.headers["x-request-id"]) == 32
    )
    r = await client.get("/nao-existe")
    assert r.status_code == 404 and r.json()["code"] == "NOT_FOUND"
    assert r.json()["request_id"] == r.headers["x-request-id"]


async def test_method_not_allowed(client: httpx.AsyncClient) -> None:
    r = await client.delete("/api/v1/me")
    assert r.status_code == 405 and r.json()["code"] == "METHOD_NOT_ALLOWED"


async def test_unknown_resource_is_problem_404(client: httpx.AsyncClient, factory: Factory) -> None:
    tenant = await factory.tenant()
    r = await client.get(
        "/api/v1/users/0191d9a0-0000-7000-8000-000000000000", headers=tenant.headers
    )
    assert r.status_code == 404 and r.json()["code"] == "USER_NOT_FOUND"
    r = await client.get("/api/v1/users/not-a-uuid", headers=tenant.headers)
    assert r.status_code == 422


async def test_openapi_and_docs(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    assert "/api/v1/auth/login" in spec["paths"]
    assert "/api/v1/me" in spec["paths"]
    assert (await client.get("/docs")).status_code == 200
