"""API calls are metered per month without a write per request; a hard monthly limit refuses
further API-key calls (402), a soft one (priced overage) lets them through to be billed."""

from __future__ import annotations

import httpx
import pytest

from lastro.core.runtime import Runtime
from tests.conftest import TEST_PASSWORD, login
from tests.core.billing.test_invoices import _platform


@pytest.mark.parametrize("overage", [False, True])
async def test_api_calls_metered_and_limited(
    client: httpx.AsyncClient, runtime: Runtime, overage: bool
) -> None:
    admin = await _platform(client, runtime)
    code = f"api-{'soft' if overage else 'hard'}"
    plan = {
        "code": code,
        "name": "API",
        "price": "50.00",
        "limits": {"api_calls": 3},
        "overage": {"api_calls": "0.10"} if overage else {},
    }
    assert (
        await client.post("/api/v1/platform/plans", headers=admin, json=plan)
    ).status_code == 201
    slug = f"meter{int(overage)}"
    r = await client.post(
        "/api/v1/platform/tenants",
        headers=admin,
        json={
            "slug": slug,
            "name": "Medidor",
            "plan": code,
            "trial": False,
            "admin": {"email": f"a@{slug}.example", "name": "A", "password": TEST_PASSWORD},
        },
    )
    assert r.status_code == 201, r.text
    token = (await login(client, f"a@{slug}.example", tenant=slug))["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    key = (
        await client.post(
            "/api/v1/api-keys", headers=auth, json={"name": "erp", "permissions": ["users.read"]}
        )
    ).json()["key"]
    for _ in range(3):
        assert (await client.get("/api/v1/users", headers={"X-API-Key": key})).status_code == 200
    meter = runtime.api_meter
    assert meter is not None
    assert await meter.flush() == 3
    usage = {u["metric"]: u for u in (await client.get("/api/v1/usage", headers=auth)).json()}
    assert usage["api_calls"]["value"] == 3
    fourth = await client.get("/api/v1/users", headers={"X-API-Key": key})
    if overage:
        assert fourth.status_code == 200
    else:
        assert fourth.status_code == 402
        assert fourth.json()["code"] == "PLAN_LIMIT_REACHED"
        assert fourth.json()["metric"] == "api_calls"
        # people signed in are not API calls: the web keeps working
        assert (await client.get("/api/v1/me", headers=auth)).status_code == 200


async def test_soft_limit_is_not_refused_but_hard_is(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    admin = await _platform(client, runtime)
    bad = await client.post(
        "/api/v1/platform/plans",
        headers=admin,
        json={"code": "bad", "name": "x", "overage": {"users": "1.00"}},
    )
    assert bad.status_code == 422 and bad.json()["code"] == "INVALID_OVERAGE"
