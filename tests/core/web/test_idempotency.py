"""``Idempotency-Key``: replay, reuse with another body, and racing duplicates."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import orjson

from lastro.core.runtime import Runtime
from lastro.core.web.idempotency import IdempotencyRecord, request_hash
from lastro.kit.clock import utcnow
from tests.conftest import Factory


def _user(email: str) -> dict[str, str]:
    return {"email": email, "name": "Fulana", "password": "Segura@12345", "role": "operator"}


async def test_same_key_same_body_replays(client: httpx.AsyncClient, factory: Factory) -> None:
    tenant = await factory.tenant()
    headers = {**tenant.headers, "Idempotency-Key": "k-1"}
    first = await client.post("/api/v1/users", headers=headers, json=_user("f@x.example"))
    assert first.status_code == 201
    again = await client.post(
        "/api/v1/users",
        headers=headers,
        content=b'{"role": "operator", "password": "Segura@12345", '
        b'"name": "Fulana",   "email": "f@x.example"}',
    )
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    users = (await client.get("/api/v1/users", headers=tenant.headers)).json()
    assert users["total"] == 2


async def test_same_key_other_body_is_refused(client: httpx.AsyncClient, factory: Factory) -> None:
    tenant = await factory.tenant()
    headers = {**tenant.headers, "Idempotency-Key": "k-2"}
    assert (
        await client.post("/api/v1/users", headers=headers, json=_user("a@x.example"))
    ).status_code == 201
    r = await client.post("/api/v1/users", headers=headers, json=_user("b@x.example"))
    assert r.status_code == 422 and r.json()["code"] == "IDEMPOTENCY_KEY_REUSED"


async def test_keys_are_scoped_per_tenant(client: httpx.AsyncClient, factory: Factory) -> None:
    a = await factory.tenant()
    b = await factory.tenant()
    for t in (a, b):
        r = await client.post(
            "/api/v1/users",
            headers={**t.headers, "Idempotency-Key": "same"},
            json=_user("c@x.example"),
        )
        assert r.status_code == 201
        assert "idempotent-replayed" not in r.headers


async def test_failed_validation_is_replayed_not_rerun(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    tenant = await factory.tenant()
    headers = {**tenant.headers, "Idempotency-Key": "k-3"}
    body = {**_user("d@x.example"), "password": "fraca"}
    first = await client.post("/api/v1/users", headers=headers, json=body)
    second = await client.post("/api/v1/users", headers=headers, json=body)
    assert first.status_code == second.status_code == 422
    assert second.json()["code"] == "WEAK_PASSWORD"


async def test_racing_duplicates_create_once(client: httpx.AsyncClient, factory: Factory) -> None:
    tenant = await factory.tenant()
    headers = {**tenant.headers, "Idempotency-Key": "race"}
    results = await asyncio.gather(
        *[
            client.post("/api/v1/users", headers=headers, json=_user("r@x.example"))
            for _ in range(5)
        ]
    )
    codes = sorted(r.status_code for r in results)
    assert set(codes) <= {201, 409}, [r.text for r in results]
    assert 201 in codes
    for r in results:
        if r.status_code == 409:
            assert r.json()["code"] == "IDEMPOTENCY_KEY_IN_PROGRESS"
    users = (await client.get("/api/v1/users", headers=tenant.headers)).json()
    assert users["total"] == 2


async def test_live_claim_refused_dead_claim_taken_over(
    client: httpx.AsyncClient, factory: Factory, runtime: Runtime
) -> None:
    """A key whose request is still running answers 409; one whose request died (claim past
    its timeout) is run again by the retry, whose answer is then the one replayed."""
    tenant = await factory.tenant()
    me = (await client.get("/api/v1/me", headers=tenant.headers)).json()
    scope = f"{tenant.id}:{me['user']['id']}"
    body = _user("z@x.example")
    digest = request_hash("POST", "/api/v1/users", orjson.dumps(body))
    now = utcnow()
    async with runtime.db.unit_of_work(platform=True) as session:
        session.add(
            IdempotencyRecord(
                scope=scope,
                key="live",
                request_hash=digest,
                created_at=now,
                locked_until=now + timedelta(seconds=60),
            )
        )
        session.add(
            IdempotencyRecord(
                scope=scope,
                key="dead",
                request_hash=digest,
                created_at=now - timedelta(minutes=5),
                locked_until=now - timedelta(minutes=4),
            )
        )
    live = await client.post(
        "/api/v1/users", headers={**tenant.headers, "Idempotency-Key": "live"}, json=body
    )
    assert live.status_code == 409 and live.json()["code"] == "IDEMPOTENCY_KEY_IN_PROGRESS"
    dead = {**tenant.headers, "Idempotency-Key": "dead"}
    first = await client.post("/api/v1/users", headers=dead, json=body)
    assert first.status_code == 201, first.text
    again = await client.post("/api/v1/users", headers=dead, json=body)
    assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    users = (await client.get("/api/v1/users", headers=tenant.headers)).json()
    assert users["total"] == 2
