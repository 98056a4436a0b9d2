"""The Lastro app plus bare reference endpoints, served by ``bench/api.py`` (never in production).

``factory()`` builds the real application (``lastro.main.create_app``, same settings, middleware
and lifespan) and puts a tiny ASGI dispatcher in front of it. Paths under ``/bench/`` never reach
FastAPI, its middleware or SQLAlchemy:

``/bench/json``      a constant JSON body, no database: the server + ASGI floor.
``/bench/raw``       ``SELECT id, email, name, cpf, role FROM users WHERE tenant_id=$1 AND id=$2``
                     with raw asyncpg on a pool created in the app's lifespan, connected as the
                     database owner (one round trip, no RLS): the floor for /me's work.
``/bench/raw-rls``   the same SELECT as the application role, inside a transaction that first
                     sets ``app.tenant_id`` (what row-level security needs): BEGIN, set_config,
                     SELECT, COMMIT (4 round trips) — the floor for the tenancy protocol, the
                     same statements /me sends.

Ids come from the query string: ``?tenant=<uuid>&user=<uuid>``. Configuration comes from
``LASTRO_BENCH_OWNER_DSN`` and ``LASTRO_BENCH_APP_DSN`` (plain ``postgresql://`` DSNs), set by
``bench/api.py``; each pool may grow as large as the application's (pool_size + max_overflow)
and closes idle connections after a second.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs

import asyncpg  # type: ignore[import-untyped]
import orjson
from fastapi import FastAPI
from starlette.types import Message, Receive, Scope, Send

from lastro.main import create_app

USER_SQL = "SELECT id, email, name, cpf, role FROM users WHERE tenant_id=$1 AND id=$2"
SET_TENANT_SQL = (
    "SELECT set_config('app.tenant_id', $1, true), set_config('app.bypass_tenancy', 'off', true)"
)
_JSON_HEADERS = [(b"content-type", b"application/json")]
_OK_BODY = orjson.dumps({"status": "ok"})

Row = dict[str, Any]
Handler = Callable[[uuid.UUID, uuid.UUID], Awaitable[Row | None]]


class BenchApp:
    """ASGI dispatcher: ``/bench/*`` handled here, everything else by the Lastro app."""

    def __init__(self, app: FastAPI, owner_dsn: str, app_dsn: str, pool_size: int) -> None:
        self.app = app
        self.owner_dsn = owner_dsn
        self.app_dsn = app_dsn
        self.pool_size = pool_size
        self.owner_pool: asyncpg.Pool | None = None
        self.app_pool: asyncpg.Pool | None = None
        self.handlers: dict[str, Handler] = {
            "/bench/raw": self._raw,
            "/bench/raw-rls": self._raw_rls,
        }
        inner = app.router.lifespan_context

        @contextlib.asynccontextmanager
        async def lifespan(wrapped: Any) -> AsyncIterator[Any]:
            # Idle connections are closed after a second: the endpoints are measured one after
            # the other, and PostgreSQL's connection slots are shared with the app's own pool.
            # No reset query on release (asyncpg's default costs a round trip per request):
            # these handlers leave no session state behind (set_config here is transaction-local).
            options: dict[str, Any] = {
                "min_size": 0,
                "max_size": self.pool_size,
                "max_inactive_connection_lifetime": 1.0,
                "reset": _keep_session,
            }
            self.owner_pool = await asyncpg.create_pool(self.owner_dsn, **options)
            self.app_pool = await asyncpg.create_pool(self.app_dsn, **options)
            try:
                async with inner(wrapped) as state:
                    yield state
            finally:
                await self.owner_pool.close()
                await self.app_pool.close()

        app.router.lifespan_context = lifespan

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/bench/"):
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        if path == "/bench/json":
            await _respond(send, 200, _OK_BODY)
            return
        handler = self.handlers.get(path)
        if handler is None:
            await _respond(send, 404, b'{"detail":"not found"}')
            return
        query = parse_qs(scope.get("query_string", b"").decode())
        try:
            tenant_id = uuid.UUID(query["tenant"][0])
            user_id = uuid.UUID(query["user"][0])
        except (KeyError, ValueError):
            await _respond(send, 400, b'{"detail":"tenant and user uuids required"}')
            return
        row = await handler(tenant_id, user_id)
        if row is None:
            await _respond(send, 404, b'{"detail":"user not found"}')
            return
        await _respond(send, 200, orjson.dumps(row, default=str))

    async def _raw(self, tenant_id: uuid.UUID, user_id: uuid.UUID) -> Row | None:
        assert self.owner_pool is not None
        async with self.owner_pool.acquire() as conn:
            record = await conn.fetchrow(USER_SQL, tenant_id, user_id)
        return dict(record) if record is not None else None

    async def _raw_rls(self, tenant_id: uuid.UUID, user_id: uuid.UUID) -> Row | None:
        assert self.app_pool is not None
        async with self.app_pool.acquire() as conn, conn.transaction():
            await conn.execute(SET_TENANT_SQL, str(tenant_id))
            record = await conn.fetchrow(USER_SQL, tenant_id, user_id)
        return dict(record) if record is not None else None


async def _keep_session(_conn: asyncpg.Connection) -> None:
    """Pool ``reset`` hook that sends nothing to the server."""


async def _respond(send: Send, status: int, body: bytes) -> None:
    start: Message = {"type": "http.response.start", "status": status, "headers": _JSON_HEADERS}
    await send(start)
    await send({"type": "http.response.body", "body": body})


def factory() -> BenchApp:
    """Granian entry point: ``granian --interface asgi --factory bench.api_app:factory``."""
    app = create_app()
    settings = app.state.runtime.settings
    return BenchApp(
        app,
        owner_dsn=os.environ["LASTRO_BENCH_OWNER_DSN"],
        app_dsn=os.environ["LASTRO_BENCH_APP_DSN"],
        pool_size=settings.database_pool_size * 2,
    )
