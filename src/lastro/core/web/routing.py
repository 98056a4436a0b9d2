"""One transaction per request, and idempotent POSTs.

:class:`LastroRoute` wraps every endpoint: it commits the request's session after the endpoint
returned (before the response leaves), rolls it back on error, and applies ``Idempotency-Key``.
Services therefore never commit.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request
from fastapi.routing import APIRoute
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from lastro.core.auth.tokens import InvalidToken, decode_access_token
from lastro.core.runtime import Runtime
from lastro.core.web import idempotency
from lastro.core.web.problems import problem
from lastro.kit.errors import LastroError

Handler = Callable[[Request], Coroutine[Any, Any, Response]]


def _idempotency_scope(request: Request, runtime: Runtime) -> str | None:
    """Keys are scoped per tenant and subject; anonymous requests get no idempotency."""
    auth = request.headers.get("authorization", "")
    scheme, _, token = auth.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    s = runtime.settings
    try:
        claims = decode_access_token(token.strip(), secret=s.secret_key, algorithm=s.jwt_algorithm)
    except InvalidToken:
        return None
    return f"{claims.tenant_id or 'platform'}:{claims.subject}"


async def _finish(session: AsyncSession | None, *, commit: bool) -> None:
    if session is None:
        return
    try:
        if commit:
            await session.commit()
        else:
            await session.rollback()
    finally:
        await session.close()


class LastroRoute(APIRoute):
    def get_route_handler(self) -> Handler:
        endpoint = super().get_route_handler()

        async def handler(request: Request) -> Response:
            runtime: Runtime = request.app.state.runtime
            claim: idempotency.Claim | None = None
            key = request.headers.get("idempotency-key")
            if key is not None and request.method == "POST":
                scope = _idempotency_scope(request, runtime)
                if scope is not None:
                    body = await request.body()
                    req_hash = idempotency.request_hash(request.method, request.url.path, body)
                    claim = await idempotency.claim(runtime.db, scope, key, req_hash)
                    if claim.replay is not None:
                        return claim.replay
            try:
                response = await endpoint(request)
            except LastroError as exc:
                session = request.scope.pop("lastro.session", None)
                await _finish(session, commit=exc.commit_session)
                if claim is not None:
                    if exc.status < 500 and exc.status != 409:
                        await idempotency.complete_alone(
                            runtime.db,
                            claim,
                            problem(
                                exc.status,
                                exc.code,
                                exc.detail,
                                title=exc.title,
                                instance=request.url.path,
                                extra=exc.extra,
                            ),
                        )
                    else:
                        await idempotency.release(runtime.db, claim)
                raise
            except BaseException:
                await _finish(request.scope.pop("lastro.session", None), commit=False)
                if claim is not None:
                    await idempotency.release(runtime.db, claim)
                raise
            session = request.scope.pop("lastro.session", None)
            ok = response.status_code < 400
            stored_with_work = claim is not None and session is not None and ok
            try:
                if stored_with_work and claim is not None and session is not None:
                    await idempotency.complete_in(session, claim, response)
                await _finish(session, commit=ok)
            except BaseException:
                if claim is not None:
                    await idempotency.release(runtime.db, claim)
                raise
            if claim is not None and not stored_with_work:
                if response.status_code < 500:
                    await idempotency.complete_alone(runtime.db, claim, response)
                else:
                    await idempotency.release(runtime.db, claim)
            return response

        return handler
