"""Feature flags: by tenant, by plan and by a stable percentage; platform-admin CRUD, cached
evaluation invalidated on change."""

from __future__ import annotations

import uuid

import httpx

from lastro.core.billing import service as billing
from lastro.core.config import is_enabled
from lastro.core.config.cache import settle
from lastro.core.config.flags import FlagRule, bucket, evaluate
from lastro.core.runtime import Runtime
from tests.conftest import Factory

TENANTS = [uuid.UUID(int=i * 7919 + 1) for i in range(2000)]


def on_for(rule: FlagRule) -> set[uuid.UUID]:
    return {t for t in TENANTS if evaluate(rule, t, None)}


def test_percentage_is_stable_proportional_and_monotonic() -> None:
    assert on_for(FlagRule("x", rollout_percentage=0)) == set()
    assert on_for(FlagRule("x", rollout_percentage=100)) == set(TENANTS)
    thirty = on_for(FlagRule("x", rollout_percentage=30))
    sixty = on_for(FlagRule("x", rollout_percentage=60))
    assert 0.26 < len(thirty) / len(TENANTS) < 0.34
    assert 0.56 < len(sixty) / len(TENANTS) < 0.64
    assert thirty < sixty  # raising the percentage only adds tenants
    assert bucket("x", TENANTS[0]) == bucket("x", TENANTS[0])
    # another flag picks another slice of tenants
    assert on_for(FlagRule("y", rollout_percentage=30)) != thirty


def test_evaluation_order() -> None:
    t = TENANTS[0]
    rule = FlagRule(
        "x",
        enabled_plans=("pro",),
        disabled_tenants=(str(t),),
        rollout_percentage=100,
        default_enabled=True,
    )
    assert evaluate(rule, t, "pro") is False  # an explicit "off" wins
    assert evaluate(FlagRule("x", enabled_tenants=(str(t),)), t, None) is True
    assert evaluate(FlagRule("x", enabled_plans=("pro",)), t, "pro") is True
    assert evaluate(FlagRule("x", enabled_plans=("pro",)), t, "basic") is False
    assert evaluate(FlagRule("x", default_enabled=True), t, None) is True


async def test_flags_by_tenant_and_plan_through_the_api(
    runtime: Runtime, client: httpx.AsyncClient, factory: Factory
) -> None:
    root = await factory.platform_admin()
    a = await factory.tenant()
    b = await factory.tenant()
    async with runtime.db.unit_of_work(platform=True) as s:
        await billing.seed_plans(s)
    async with runtime.db.unit_of_work(tenant_id=a.id) as s:
        await billing.subscribe(s, a.id, "chat-starter")

    r = await client.post(
        "/api/v1/platform/flags",
        headers=root,
        json={"key": "novo_painel", "description": "Painel novo", "enabled_tenants": [str(b.id)]},
    )
    assert r.status_code == 201, r.text
    r = await client.post(
        "/api/v1/platform/flags",
        headers=root,
        json={"key": "pix_automatico", "enabled_plans": ["chat-starter"]},
    )
    assert r.status_code == 201
    r = await client.post("/api/v1/platform/flags", headers=root, json={"key": "novo_painel"})
    assert r.status_code == 409 and r.json()["code"] == "FEATURE_FLAG_EXISTS"
    r = await client.post("/api/v1/platform/flags", headers=root, json={"key": "X Y"})
    assert r.status_code == 422

    flags_a = (await client.get("/api/v1/flags", headers=a.headers)).json()
    flags_b = (await client.get("/api/v1/flags", headers=b.headers)).json()
    assert flags_a == {"novo_painel": False, "pix_automatico": True}
    assert flags_b == {"novo_painel": True, "pix_automatico": False}
    async with runtime.db.unit_of_work(tenant_id=a.id) as s:
        assert await is_enabled(s, "pix_automatico", cache=runtime.cache) is True
        assert await is_enabled(s, "nao_existe", cache=runtime.cache) is False

    # a change reaches tenants at once (the cached definitions are dropped)
    r = await client.patch(
        "/api/v1/platform/flags/novo_painel",
        headers=root,
        json={"rollout_percentage": 100, "disabled_tenants": [str(b.id)]},
    )
    assert r.status_code == 200, r.text
    await settle()
    assert (await client.get("/api/v1/flags", headers=a.headers)).json()["novo_painel"] is True
    assert (await client.get("/api/v1/flags", headers=b.headers)).json()["novo_painel"] is False

    r = await client.delete("/api/v1/platform/flags/pix_automatico", headers=root)
    assert r.status_code == 204
    await settle()
    assert "pix_automatico" not in (await client.get("/api/v1/flags", headers=a.headers)).json()
    assert (
        await client.get("/api/v1/platform/flags/pix_automatico", headers=root)
    ).status_code == 404

    # tenants cannot define flags
    r = await client.get("/api/v1/platform/flags", headers=a.headers)
    assert r.status_code == 403
