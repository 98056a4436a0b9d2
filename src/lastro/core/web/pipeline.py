"""The request pipeline as one pure ASGI middleware (cheaper than a stack of them): request id,
request context, body size limit, Prometheus metrics and the access log."""

from __future__ import annotations

import logging
import os
import re
import time
import uuid
from typing import Any

from fastapi import HTTPException
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lastro.core.web.problems import problem
from lastro.kit.context import RequestContext, set_context

log = logging.getLogger("lastro.access")

REQUESTS = Counter("lastro_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram(
    "lastro_http_request_duration_seconds",
    "HTTP request latency",
    ["method", "route"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._:\-]{1,100}$")


class BodyTooLarge(HTTPException):
    """An HTTPException so that FastAPI's body parsing lets it through to the problem handler."""

    def __init__(self) -> None:
        super().__init__(status_code=413)


def metrics_payload() -> tuple[bytes, str]:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(), CONTENT_TYPE_LATEST


# Where file uploads arrive (documents and their new versions).
UPLOAD_PREFIXES = ("/api/v1/documents",)


class RequestPipeline:
    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        trust_forwarded: bool = False,
        upload_max_bytes: int | None = None,
        upload_prefixes: tuple[str, ...] = UPLOAD_PREFIXES,
    ):
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.trust_forwarded = trust_forwarded
        self.upload_max_bytes = upload_max_bytes or max_body_bytes
        self.upload_prefixes = upload_prefixes

    def limit_for(self, method: str, path: str) -> int:
        """File uploads get their own (larger) bound; every other body the general one."""
        if method in ("POST", "PUT") and path.startswith(self.upload_prefixes):
            return max(self.upload_max_bytes, self.max_body_bytes)
        return self.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        request_id = headers.get("x-request-id", "")
        if not _REQUEST_ID_RE.match(request_id):
            request_id = uuid.uuid4().hex
        client = scope.get("client")
        ip = client[0] if client else None
        if self.trust_forwarded and "x-forwarded-for" in headers:
            ip = headers["x-forwarded-for"].split(",", 1)[0].strip()
        set_context(
            RequestContext(request_id=request_id, ip=ip, user_agent=headers.get("user-agent"))
        )
        status_holder: dict[str, Any] = {"status": 500, "started": False}
        rid = request_id.encode()

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                status_holder["started"] = True
                extra = [(b"x-request-id", rid)]
                limits = scope.get("lastro.ratelimit_headers")
                if limits and message["status"] != 429:  # a 429 carries its own
                    extra.extend((k.lower().encode(), v.encode()) for k, v in limits.items())
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        limit = self.limit_for(scope.get("method", ""), scope.get("path", ""))
        declared = headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._too_large(scope, receive, send_wrapper, limit)
        else:
            received = 0

            async def receive_wrapper() -> Message:
                nonlocal received
                message = await receive()
                if message["type"] == "http.request":
                    received += len(message.get("body", b""))
                    if received > limit:
                        raise BodyTooLarge()
                return message

            await self.app(scope, receive_wrapper, send_wrapper)
        route = scope.get("route")
        path = getattr(route, "path", None) or "<unmatched>"
        method = scope.get("method", "")
        elapsed = time.perf_counter() - started
        status = status_holder["status"]
        REQUESTS.labels(method, path, str(status)).inc()
        LATENCY.labels(method, path).observe(elapsed)
        if log.isEnabledFor(logging.INFO):
            log.info(
                "request",
                extra={
                    "method": method,
                    "path": scope.get("path"),
                    "route": path,
                    "status": status,
                    "ms": round(elapsed * 1000, 2),
                },
            )

    async def _too_large(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        response = problem(
            413,
            "PAYLOAD_TOO_LARGE",
            f"O corpo da requisição excede o limite de {limit} bytes.",
            instance=scope.get("path"),
        )
        await response(scope, receive, send)
