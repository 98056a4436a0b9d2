"""Liveness, readiness (each configured dependency) and Prometheus metrics."""

from __future__ import annotations

import httpx

from lastro.core.runtime import Runtime


async def test_health(client: httpx.AsyncClient) -> None:
    r = await client.get("/health")
    assert r.status_code == 200 and r.json() == {"status": "ok"}


async def test_ready_reports_database(client: httpx.AsyncClient) -> None:
    r = await client.get("/ready")
    assert r.status_code == 200
    assert r.json()["checks"] == {"database": "ok"}


async def test_ready_fails_when_database_is_unreachable(runtime: Runtime) -> None:
    from lastro.infra.database import Database
    from lastro.main import create_app

    broken = Database("postgresql+asyncpg://nobody@127.0.0.1:1/none")
    original = runtime.db
    runtime.db = broken
    try:
        app = create_app(runtime=runtime, background=False)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://t"
        ) as c:
            r = await c.get("/ready")
        assert r.status_code == 503
        assert r.json()["checks"]["database"] == "fail"
    finally:
        runtime.db = original
        await broken.dispose()


async def test_metrics_count_requests_by_route_and_status(client: httpx.AsyncClient) -> None:
    await client.get("/health")
    await client.get("/api/v1/me")
    text = (await client.get("/metrics")).text
    assert 'lastro_http_requests_total{method="GET",route="/health",status="200"}' in text
    assert 'route="/api/v1/me",status="401"' in text
    assert "lastro_http_request_duration_seconds_bucket" in text


async def test_ready_checks_redis_and_broker_when_configured(settings: object) -> None:
    from lastro.main import build_runtime, create_app, stop_background
    from lastro.settings import Settings
    from tests.services import service_url

    redis_url = service_url("LASTRO_TEST_REDIS_URL")
    broker_url = service_url("LASTRO_TEST_BROKER_URL")
    if not (redis_url and broker_url):
        import pytest

        pytest.skip("Redis and broker URLs not set")
    assert isinstance(settings, Settings)
    configured = settings.model_copy(update={"redis_url": redis_url, "broker_url": broker_url})
    runtime = build_runtime(configured, modules=[])
    try:
        app = create_app(runtime=runtime, background=False)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://t"
        ) as c:
            r = await c.get("/ready")
        assert r.json()["checks"] == {"database": "ok", "redis": "ok", "broker": "ok"}
        assert r.status_code == 200
    finally:
        await stop_background(runtime)
