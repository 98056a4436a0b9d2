"""``Idempotency-Key`` on POST: the same key and body replay the stored response; the same key
with another body is refused (422 ``IDEMPOTENCY_KEY_REUSED``); a key still being processed by a
concurrent request answers 409 ``IDEMPOTENCY_KEY_IN_PROGRESS``.

The claim is committed before the work starts (so racing requests see it); the stored response
is written in the same transaction as the work, so the change and its recorded answer land or
vanish together. A claim whose request died is taken over after :data:`CLAIM_TIMEOUT`.

Cost: every keyed POST pays for the claim, so the common case is one statement
(``INSERT ... ON CONFLICT DO NOTHING``, in autocommit on PostgreSQL: one round trip, no ORM);
only a key seen before takes the slower path that reads the stored row. The table has no
tenant rows (keys are scoped by tenant and subject in ``scope``), hence no tenant context.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import Integer, LargeBinary, String, Table, delete, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import Mapped, mapped_column
from starlette.responses import Response

from lastro.infra.database import Database
from lastro.kit.clock import ensure_utc, utcnow
from lastro.kit.errors import Conflict, LastroError
from lastro.kit.orm import Base

CLAIM_TIMEOUT = timedelta(seconds=60)
KEY_TTL = timedelta(hours=24)
MAX_KEY_LENGTH = 200


class IdempotencyRecord(Base):
    __tablename__ = "idempotency_keys"

    scope: Mapped[str] = mapped_column(String(120), primary_key=True)
    key: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(12), default="processing")
    status_code: Mapped[int | None] = mapped_column(Integer, default=None)
    headers: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    body: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    locked_until: Mapped[datetime] = mapped_column(default=utcnow)


_TABLE: Table = IdempotencyRecord.__table__  # type: ignore[assignment]


class IdempotencyKeyReused(LastroError):
    status = 422
    code = "IDEMPOTENCY_KEY_REUSED"
    title = "Chave de idempotência já usada com outro conteúdo"


class IdempotencyInProgress(Conflict):
    code = "IDEMPOTENCY_KEY_IN_PROGRESS"
    title = "Requisição com esta chave ainda em processamento"


class InvalidIdempotencyKey(LastroError):
    status = 400
    code = "INVALID_IDEMPOTENCY_KEY"
    title = "Chave de idempotência inválida"


_REPLAYED_HEADERS = ("content-type", "location", "etag")


@dataclass
class Claim:
    scope: str
    key: str
    request_hash: str
    replay: Response | None = None


def _stored(response: Response) -> dict[str, Any]:
    headers = {k: v for k, v in response.headers.items() if k.lower() in _REPLAYED_HEADERS}
    return {
        "state": "done",
        "status_code": response.status_code,
        "headers": orjson.dumps(headers),
        "body": bytes(response.body),
    }


def request_hash(method: str, path: str, body: bytes) -> str:
    digest = hashlib.sha256()
    digest.update(method.encode())
    digest.update(b"\0")
    digest.update(path.encode())
    digest.update(b"\0")
    # the same JSON with other spacing or key order is the same request
    with contextlib.suppress(orjson.JSONDecodeError):
        body = orjson.dumps(orjson.loads(body), option=orjson.OPT_SORT_KEYS) if body else b""
    digest.update(body)
    return digest.hexdigest()


def _replay(row: IdempotencyRecord) -> Response:
    headers: dict[str, str] = orjson.loads(row.headers) if row.headers else {}
    headers["Idempotent-Replayed"] = "true"
    media_type = headers.pop("content-type", None)
    return Response(
        row.body or b"", status_code=row.status_code or 200, headers=headers, media_type=media_type
    )


# PostgreSQL statements sent through the driver itself: they run once or twice per keyed POST,
# and SQLAlchemy's statement machinery costs more CPU than the round trip.
_PG_CLAIM = (
    "INSERT INTO idempotency_keys (scope, key, request_hash, state, created_at, locked_until)"
    " VALUES ($1, $2, $3, 'processing', $4, $5) ON CONFLICT DO NOTHING"
)
_PG_COMPLETE = (
    "UPDATE idempotency_keys SET state = 'done', status_code = $3, headers = $4, body = $5"
    " WHERE scope = $1 AND key = $2"
)
_PG_RELEASE = "DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2 AND state = 'processing'"


async def _driver(conn: AsyncConnection) -> Any:
    """The asyncpg connection under ``conn`` (statements join its transaction, if any)."""
    raw = await conn.get_raw_connection()
    return raw.driver_connection


@contextlib.asynccontextmanager
async def _autocommit(db: Database) -> AsyncIterator[AsyncConnection]:
    """A pooled connection outside any transaction: on PostgreSQL each driver statement on it
    commits on its own (one round trip, no BEGIN/COMMIT); SQLite gets its usual short
    ``BEGIN IMMEDIATE`` transaction."""
    if db.dialect == "postgresql":
        async with db.engine.connect() as conn:
            try:
                yield conn
            except BaseException:
                # driver statements bypass SQLAlchemy's disconnect handling: a connection the
                # server closed must not go back to the pool
                if (await _driver(conn)).is_closed():
                    await conn.invalidate()
                raise
    else:
        async with db.engine.begin() as conn:
            yield conn


async def _insert_claim(db: Database, scope: str, key: str, req_hash: str, now: datetime) -> bool:
    """Insert the claim unless the key exists; True when this request now holds it."""
    locked_until = now + CLAIM_TIMEOUT
    async with _autocommit(db) as conn:
        if db.dialect == "postgresql":
            status = await (await _driver(conn)).execute(
                _PG_CLAIM, scope, key, req_hash, now, locked_until
            )
            return bool(status == "INSERT 0 1")
        result = await conn.execute(
            sqlite_insert(_TABLE)
            .values(
                scope=scope,
                key=key,
                request_hash=req_hash,
                state="processing",
                created_at=now,
                locked_until=locked_until,
            )
            .on_conflict_do_nothing()
        )
        return int(result.rowcount or 0) == 1


async def claim(db: Database, scope: str, key: str, req_hash: str) -> Claim:
    """Claim ``key`` for this request, or return the stored response to replay."""
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise InvalidIdempotencyKey(
            f"Idempotency-Key deve ter de 1 a {MAX_KEY_LENGTH} caracteres imprimíveis."
        )
    now = utcnow()
    for _ in range(2):
        if await _insert_claim(db, scope, key, req_hash, now):
            return Claim(scope, key, req_hash)
        found = await _seen_before(db, scope, key, req_hash, now)
        if found is not None:
            return found
        # the row expired and was purged in between: claim again
    raise IdempotencyInProgress("Requisição concorrente com a mesma Idempotency-Key.")


async def _seen_before(
    db: Database, scope: str, key: str, req_hash: str, now: datetime
) -> Claim | None:
    """The key exists: replay its answer, refuse it, or take over a dead claim. None when the
    row vanished meanwhile (purged)."""
    async with db.unit_of_work(platform=True) as session:
        row = await session.get(IdempotencyRecord, (scope, key))
        if row is None:
            return None
        if row.request_hash != req_hash:
            raise IdempotencyKeyReused(
                "Esta Idempotency-Key já foi usada com outra requisição; gere uma nova chave."
            )
        if row.state == "done":
            return Claim(scope, key, req_hash, replay=_replay(row))
        if ensure_utc(row.locked_until) > now:
            raise IdempotencyInProgress(
                "Uma requisição com esta Idempotency-Key ainda está em processamento.",
                headers={"Retry-After": "1"},
            )
        taken = await session.execute(  # the earlier attempt died: take the claim over
            update(IdempotencyRecord)
            .where(
                IdempotencyRecord.scope == scope,
                IdempotencyRecord.key == key,
                IdempotencyRecord.locked_until == row.locked_until,
            )
            .values(locked_until=now + CLAIM_TIMEOUT)
        )
        if taken.rowcount != 1:  # type: ignore[attr-defined]
            raise IdempotencyInProgress("Requisição concorrente com a mesma Idempotency-Key.")
    return Claim(scope, key, req_hash)


async def complete_in(session: AsyncSession, claim_: Claim, response: Response) -> None:
    """Store ``response`` for ``claim_`` inside the request's own transaction."""
    conn = await session.connection()
    await _complete(conn, claim_, response)


async def _complete(conn: AsyncConnection, claim_: Claim, response: Response) -> None:
    stored = _stored(response)
    if conn.dialect.name == "postgresql":
        await (await _driver(conn)).execute(
            _PG_COMPLETE,
            claim_.scope,
            claim_.key,
            stored["status_code"],
            stored["headers"],
            stored["body"],
        )
        return
    await conn.execute(
        update(_TABLE)
        .where(_TABLE.c.scope == claim_.scope, _TABLE.c.key == claim_.key)
        .values(**stored)
    )


async def complete_alone(db: Database, claim_: Claim, response: Response) -> None:
    """Store the answer of a request whose own transaction did not (an error response)."""
    async with _autocommit(db) as conn:
        await _complete(conn, claim_, response)


async def release(db: Database, claim_: Claim) -> None:
    """Forget a claim whose request failed unexpectedly, so a retry may run it again."""
    async with _autocommit(db) as conn:
        if db.dialect == "postgresql":
            await (await _driver(conn)).execute(_PG_RELEASE, claim_.scope, claim_.key)
            return
        await conn.execute(
            delete(_TABLE).where(
                _TABLE.c.scope == claim_.scope,
                _TABLE.c.key == claim_.key,
                _TABLE.c.state == "processing",
            )
        )


async def purge_expired(db: Database) -> int:
    async with db.unit_of_work(platform=True) as session:
        result = await session.execute(
            delete(IdempotencyRecord).where(IdempotencyRecord.created_at < utcnow() - KEY_TTL)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]
