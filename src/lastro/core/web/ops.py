"""Operations endpoints: liveness, readiness of each configured dependency, Prometheus metrics."""

from __future__ import annotations

import asyncio

import orjson
from fastapi import APIRouter
from starlette.responses import Response

from lastro.core.web.deps import RuntimeDep
from lastro.core.web.pipeline import metrics_payload

router = APIRouter(tags=["operations"])


@router.get("/health", summary="Liveness")
async def health() -> Response:
    return Response(b'{"status":"ok"}', media_type="application/json")


@router.get("/ready", summary="Readiness: database, Redis and broker")
async def ready(runtime: RuntimeDep) -> Response:
    checks: dict[str, asyncio.Task[bool]] = {"database": asyncio.create_task(runtime.db.ping())}
    if runtime.settings.redis_url:
        checks["redis"] = asyncio.create_task(runtime.cache.ping())
    if runtime.settings.broker_url:
        checks["broker"] = asyncio.create_task(runtime.bus.ping())
    results: dict[str, str] = {}
    for name, task in checks.items():
        try:
            ok = await asyncio.wait_for(task, timeout=3)
        except Exception:
            ok = False
        results[name] = "ok" if ok else "fail"
    healthy = all(v == "ok" for v in results.values())
    body = {"status": "ok" if healthy else "fail", "checks": results}
    return Response(
        orjson.dumps(body), status_code=200 if healthy else 503, media_type="application/json"
    )


@router.get("/metrics", summary="Prometheus metrics")
async def metrics() -> Response:
    payload, content_type = metrics_payload()
    return Response(payload, media_type=content_type)
