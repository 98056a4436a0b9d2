"""Key/value cache with TTLs and atomic counters.

One interface, two backends: :class:`MemoryCache` for a single process (the embedded default) and
:class:`RedisCache` when several processes must share state (counters, cron de-duplication).
Values are ``bytes`` so callers choose their own encoding and nothing is pickled.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from typing import Protocol, runtime_checkable

import redis.asyncio as aioredis
from redis.exceptions import RedisError, ResponseError

__all__ = ["Cache", "MemoryCache", "RedisCache", "build_cache"]


@runtime_checkable
class Cache(Protocol):
    """What callers may rely on, whichever backend is configured.

    ``ttl`` is in seconds and must be positive; ``None`` keeps the key until it is deleted (or
    evicted, in memory). ``incr`` applies ``ttl`` only when the counter has no expiry yet, so a
    counter created with a TTL expires at a fixed time however often it is incremented.
    """

    async def get(self, key: str) -> bytes | None: ...

    async def set(self, key: str, value: bytes, ttl: float | None = None) -> None: ...

    async def delete(self, key: str) -> None: ...

    async def incr(self, key: str, amount: int = 1, ttl: float | None = None) -> int: ...

    async def ping(self) -> bool: ...

    async def close(self) -> None: ...


def _check_ttl(ttl: float | None) -> None:
    if ttl is not None and not ttl > 0:
        raise ValueError(f"ttl must be positive seconds, got {ttl!r}")


def _parse_int(raw: bytes, key: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"cache key {key!r} does not hold an integer") from None


class MemoryCache:
    """Per-process cache: bounded, least-recently-used entries are evicted first.

    Expiry uses the monotonic clock so wall-clock jumps never expire or revive entries. Every
    method body runs without awaiting, which makes ``incr`` atomic among asyncio tasks.
    """

    def __init__(self, max_entries: int = 10_000) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self._max_entries = max_entries
        # key -> (value, monotonic expiry or None); order is least- to most-recently used.
        self._data: OrderedDict[str, tuple[bytes, float | None]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._data)

    def _live(self, key: str, now: float) -> tuple[bytes, float | None] | None:
        entry = self._data.get(key)
        if entry is None:
            return None
        if entry[1] is not None and entry[1] <= now:
            del self._data[key]
            return None
        self._data.move_to_end(key)
        return entry

    def _store(self, key: str, value: bytes, expires_at: float | None) -> None:
        self._data[key] = (value, expires_at)
        self._data.move_to_end(key)
        if len(self._data) > self._max_entries:
            self._evict(time.monotonic())

    def _evict(self, now: float) -> None:
        expired = [k for k, (_, exp) in self._data.items() if exp is not None and exp <= now]
        for k in expired:
            del self._data[k]
        while len(self._data) > self._max_entries:
            self._data.popitem(last=False)

    async def get(self, key: str) -> bytes | None:
        entry = self._live(key, time.monotonic())
        return None if entry is None else entry[0]

    async def set(self, key: str, value: bytes, ttl: float | None = None) -> None:
        _check_ttl(ttl)
        expires_at = None if ttl is None else time.monotonic() + ttl
        self._store(key, bytes(value), expires_at)

    async def delete(self, key: str) -> None:
        self._data.pop(key, None)

    async def incr(self, key: str, amount: int = 1, ttl: float | None = None) -> int:
        _check_ttl(ttl)
        now = time.monotonic()
        entry = self._live(key, now)
        current = 0 if entry is None else _parse_int(entry[0], key)
        expires_at = None if entry is None else entry[1]
        if expires_at is None and ttl is not None:
            expires_at = now + ttl
        value = current + amount
        self._store(key, str(value).encode(), expires_at)
        return value

    async def ping(self) -> bool:
        return True

    async def close(self) -> None:
        self._data.clear()


# INCRBY and the expiry in one step, so a crash between them cannot leave an immortal counter.
_INCR_SCRIPT = """
local value = redis.call('INCRBY', KEYS[1], ARGV[1])
if ARGV[2] ~= '' and redis.call('PTTL', KEYS[1]) == -1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return value
"""


def _ttl_ms(ttl: float) -> int:
    return max(1, math.ceil(ttl * 1000))


class RedisCache:
    """Shared cache on Redis; every key is namespaced by ``prefix``."""

    def __init__(self, url: str, prefix: str = "lastro:") -> None:
        self._redis: aioredis.Redis = aioredis.Redis.from_url(url)
        self._prefix = prefix
        self._incr = self._redis.register_script(_INCR_SCRIPT)

    @property
    def prefix(self) -> str:
        return self._prefix

    def _k(self, key: str) -> str:
        return self._prefix + key

    async def get(self, key: str) -> bytes | None:
        value = await self._redis.get(self._k(key))
        # The client never decodes responses; the str branch only satisfies the stubs.
        return value.encode() if isinstance(value, str) else value

    async def set(self, key: str, value: bytes, ttl: float | None = None) -> None:
        _check_ttl(ttl)
        px = None if ttl is None else _ttl_ms(ttl)
        await self._redis.set(self._k(key), value, px=px)

    async def delete(self, key: str) -> None:
        await self._redis.delete(self._k(key))

    async def incr(self, key: str, amount: int = 1, ttl: float | None = None) -> int:
        _check_ttl(ttl)
        px = "" if ttl is None else str(_ttl_ms(ttl))
        try:
            result = await self._incr(keys=[self._k(key)], args=[amount, px])
        except ResponseError as exc:
            raise ValueError(f"cache key {key!r} does not hold an integer") from exc
        return int(result)

    async def ping(self) -> bool:
        try:
            return bool(await self._redis.ping())
        except (RedisError, OSError):
            return False

    async def close(self) -> None:
        await self._redis.aclose()


def build_cache(redis_url: str | None) -> Cache:
    """The Redis cache when a URL is configured, otherwise the in-process one."""
    if redis_url:
        return RedisCache(redis_url)
    return MemoryCache()
