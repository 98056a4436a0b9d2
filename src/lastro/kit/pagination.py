"""Page/limit pagination with totals, plus an opaque keyset cursor for deep lists."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import orjson
from pydantic import BaseModel, Field
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")

MAX_LIMIT = 200


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int | None = Field(default=None, description="Total de itens (modo page/limit)")
    page: int | None = None
    limit: int
    next_cursor: str | None = None


def encode_cursor(values: list[str]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(values)).decode().rstrip("=")


def decode_cursor(cursor: str) -> list[str] | None:
    """The keyset values in a cursor, or None when it was tampered with or is garbage."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = orjson.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, orjson.JSONDecodeError):
        return None
    if not isinstance(data, list) or not all(isinstance(v, str) for v in data):
        return None
    return data


async def fetch_page(
    session: AsyncSession, stmt: Select[Any], *, page: int, limit: int
) -> tuple[list[Any], int]:
    """One page of ``stmt``'s entities and the total across all pages (the count ignores the
    statement's ordering)."""
    counted = select(func.count()).select_from(stmt.order_by(None).subquery())
    total = int(await session.scalar(counted) or 0)
    rows = await session.scalars(stmt.offset((page - 1) * limit).limit(limit))
    return list(rows.all()), total


async def paginate(
    session: AsyncSession,
    stmt: Select[Any],
    read: Callable[[Any], T],
    *,
    page: int,
    limit: int,
) -> Page[T]:
    """``stmt`` (already ordered) as a :class:`Page` of ``read(row)`` with its total."""
    rows, total = await fetch_page(session, stmt, page=page, limit=limit)
    return Page(items=[read(r) for r in rows], total=total, page=page, limit=limit)
