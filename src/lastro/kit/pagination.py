"""Page/limit pagination with totals, plus an opaque keyset cursor for deep lists."""

from __future__ import annotations

import base64
import binascii
from typing import Generic, TypeVar

import orjson
from pydantic import BaseModel, Field

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
