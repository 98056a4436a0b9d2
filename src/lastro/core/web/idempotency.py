"""``Idempotency-Key`` on POST: the same key and body replay the stored response; the same key
with another body is refused (422 ``IDEMPOTENCY_KEY_REUSED``); a key still being processed by a
concurrent request answers 409 ``IDEMPOTENCY_KEY_IN_PROGRESS``.

The claim is committed before the work starts (so racing requests see it); the stored response
is written in the same transaction as the work, so the change and its recorded answer land or
vanish together. A claim whose request died is taken over after :data:`CLAIM_TIMEOUT`.
"""

from __future__ import annotations

import contextlib
import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import Integer, LargeBinary, String, delete, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column
from starlette.responses import Response

from lastro.infra.database import Database, bind_platform
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


async def claim(db: Database, scope: str, key: str, req_hash: str) -> Claim:
    """Claim ``key`` for this request, or return the stored response to replay."""
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise InvalidIdempotencyKey(
            f"Idempotency-Key deve ter de 1 a {MAX_KEY_LENGTH} caracteres imprimíveis."
        )
    now = utcnow()
    try:
        async with db.unit_of_work(platform=True) as session:
            session.add(
                IdempotencyRecord(
                    scope=scope,
                    key=key,
                    request_hash=req_hash,
                    created_at=now,
                    locked_until=now + CLAIM_TIMEOUT,
                )
            )
        return Claim(scope, key, req_hash)
    except IntegrityError:
        pass
    async with db.unit_of_work(platform=True) as session:
        row = await session.get(IdempotencyRecord, (scope, key))
        if row is None:  # expired and purged in between: claim again
            session.add(
                IdempotencyRecord(
                    scope=scope,
                    key=key,
                    request_hash=req_hash,
                    created_at=now,
                    locked_until=now + CLAIM_TIMEOUT,
                )
            )
            return Claim(scope, key, req_hash)
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
    await session.execute(
        update(IdempotencyRecord)
        .where(IdempotencyRecord.scope == claim_.scope, IdempotencyRecord.key == claim_.key)
        .values(**_stored(response))
    )


async def complete_alone(db: Database, claim_: Claim, response: Response) -> None:
    async with db.unit_of_work(platform=True) as session:
        await complete_in(session, claim_, response)


async def release(db: Database, claim_: Claim) -> None:
    """Forget a claim whose request failed unexpectedly, so a retry may run it again."""
    async with db.unit_of_work(platform=True) as session:
        bind_platform(session)
        await session.execute(
            delete(IdempotencyRecord).where(
                IdempotencyRecord.scope == claim_.scope,
                IdempotencyRecord.key == claim_.key,
                IdempotencyRecord.state == "processing",
            )
        )


async def purge_expired(db: Database) -> int:
    async with db.unit_of_work(platform=True) as session:
        result = await session.execute(
            delete(IdempotencyRecord).where(IdempotencyRecord.created_at < utcnow() - KEY_TTL)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]
