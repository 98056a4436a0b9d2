"""Rate limiting with a sliding-window log.

Every accepted hit is recorded with its time and cost; a hit is allowed when the costs recorded in
the last ``window_seconds`` plus its own cost fit in ``limit``. Unlike a fixed window this never
lets ``2 x limit`` through around a window boundary, and ``retry_after`` is exact: the moment
enough old hits leave the window. Memory is one entry per accepted hit still in the window, which
suits API-style limits (up to some thousands per window and key).

Refused hits are not recorded, so a client hammering a closed limit does not extend its own wait.
"""

from __future__ import annotations

import math
import time
import uuid
from collections import deque
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import redis.asyncio as aioredis
from redis.exceptions import RedisError

__all__ = [
    "MemoryRateLimiter",
    "RateLimitResult",
    "RateLimiter",
    "RedisRateLimiter",
    "build_rate_limiter",
    "rate_limit_headers",
]


@dataclass(frozen=True)
class RateLimitResult:
    """Outcome of one hit. Times are seconds from now.

    ``reset_after``: until the oldest recorded hit leaves the window (quota starts coming back;
    0 when nothing is recorded). ``retry_after``: until this same hit would be allowed (0 when
    it was allowed).
    """

    allowed: bool
    limit: int
    remaining: int
    reset_after: float
    retry_after: float


@runtime_checkable
class RateLimiter(Protocol):
    """``hit`` counts ``cost`` units against ``key`` atomically, even across processes for the
    shared backend. ``cost=0`` only reports the current state."""

    async def hit(
        self, key: str, limit: int, window_seconds: int, cost: int = 1
    ) -> RateLimitResult: ...

    async def reset(self, key: str) -> None: ...

    async def close(self) -> None: ...


def rate_limit_headers(result: RateLimitResult) -> dict[str, str]:
    """Headers from the IETF RateLimit fields draft, plus ``Retry-After`` when refused.

    Seconds are rounded up so a client that waits exactly that long is not refused again.
    """
    headers = {
        "RateLimit-Limit": str(result.limit),
        "RateLimit-Remaining": str(result.remaining),
        "RateLimit-Reset": str(math.ceil(result.reset_after)),
    }
    if not result.allowed:
        headers["Retry-After"] = str(max(1, math.ceil(result.retry_after)))
    return headers


def _check(limit: int, window_seconds: int, cost: int) -> None:
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    if window_seconds < 1:
        raise ValueError(f"window_seconds must be at least 1, got {window_seconds}")
    if not 0 <= cost <= limit:
        raise ValueError(f"cost must be between 0 and limit ({limit}), got {cost}")


class _Log:
    __slots__ = ("entries", "total", "window")

    def __init__(self, window: float) -> None:
        self.window = window
        self.entries: deque[tuple[float, int]] = deque()  # (monotonic time, cost), oldest first
        self.total = 0


class MemoryRateLimiter:
    """Limits within one process. ``hit`` never awaits, so it is atomic among asyncio tasks.

    Idle keys are swept regularly; beyond ``max_keys`` live keys the oldest one is forgotten,
    which errs on the side of letting requests through rather than growing without bound.
    """

    def __init__(self, max_keys: int = 100_000) -> None:
        self._logs: dict[str, _Log] = {}
        self._max_keys = max_keys
        self._hits = 0

    def __len__(self) -> int:
        return len(self._logs)

    async def hit(
        self, key: str, limit: int, window_seconds: int, cost: int = 1
    ) -> RateLimitResult:
        _check(limit, window_seconds, cost)
        now = time.monotonic()
        self._hits += 1
        if self._hits % 1024 == 0:
            self._sweep(now)
        while len(self._logs) >= self._max_keys and key not in self._logs:
            # Safety valve against unbounded key sets: forget the longest-known key.
            del self._logs[next(iter(self._logs))]
        log = self._logs.get(key)
        if log is None:
            log = self._logs[key] = _Log(window_seconds)
        log.window = window_seconds
        entries = log.entries
        while entries and entries[0][0] <= now - window_seconds:
            log.total -= entries.popleft()[1]

        allowed = log.total + cost <= limit
        if allowed and cost:
            entries.append((now, cost))
            log.total += cost
        retry_after = 0.0
        if not allowed:
            # Wait until the hits that must leave the window for ``cost`` to fit have left it.
            need, freed = log.total + cost - limit, 0
            for at, c in entries:
                freed += c
                if freed >= need:
                    retry_after = at + window_seconds - now
                    break
        reset_after = entries[0][0] + window_seconds - now if entries else 0.0
        if not entries:
            del self._logs[key]
        return RateLimitResult(
            allowed=allowed,
            limit=limit,
            remaining=max(0, limit - log.total),
            reset_after=max(0.0, reset_after),
            retry_after=max(0.0, retry_after),
        )

    def _sweep(self, now: float) -> None:
        stale = [k for k, lg in self._logs.items() if lg.entries[-1][0] <= now - lg.window]
        for k in stale:
            del self._logs[k]

    async def reset(self, key: str) -> None:
        self._logs.pop(key, None)

    async def close(self) -> None:
        self._logs.clear()


# KEYS[1]: sorted set of hits (member "<cost>:<uuid>:<n>", score = microseconds);
# KEYS[2]: running total of their costs. ARGV: window_us, limit, cost, unique member id.
# Time comes from the Redis server so app hosts with skewed clocks still agree. Numbers passed
# back to Redis are formatted explicitly: Lua's default keeps only 14 significant digits.
# Returns {allowed, total, reset_us, retry_us}.
_HIT_SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local window = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local cutoff = string.format('%.0f', now - window)

local total = tonumber(redis.call('GET', KEYS[2]))
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', cutoff)
if total == nil then
  total = 0
  for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
    total = total + tonumber(string.match(m, '^(%d+):'))
  end
end
for _, m in ipairs(expired) do
  total = total - tonumber(string.match(m, '^(%d+):'))
end
if #expired > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', cutoff)
end
if total < 0 then total = 0 end

local allowed = 0
if total + cost <= limit then
  allowed = 1
  if cost > 0 then
    redis.call('ZADD', KEYS[1], string.format('%.0f', now), cost .. ':' .. ARGV[4])
    total = total + cost
  end
end

local retry = 0
if allowed == 0 then
  local need = total + cost - limit
  local freed = 0
  local offset = 0
  while freed < need do
    local batch = redis.call('ZRANGE', KEYS[1], offset, offset + 99, 'WITHSCORES')
    if #batch == 0 then break end
    for i = 1, #batch, 2 do
      freed = freed + tonumber(string.match(batch[i], '^(%d+):'))
      if freed >= need then
        retry = tonumber(batch[i + 1]) + window - now
        break
      end
    end
    offset = offset + 100
  end
end

local reset = 0
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #oldest > 0 then
  reset = tonumber(oldest[2]) + window - now
  local ttl = math.ceil(window / 1000)
  redis.call('SET', KEYS[2], string.format('%d', total), 'PX', ttl)
  redis.call('PEXPIRE', KEYS[1], ttl)
else
  redis.call('DEL', KEYS[1], KEYS[2])
end
return {allowed, total, reset, retry}
"""


class RedisRateLimiter:
    """Limits shared by every process, one Lua script per hit (atomic, one round trip).

    Both keys of a limit share a hash tag so the script also runs on Redis Cluster.
    """

    def __init__(self, url: str, prefix: str = "lastro:rl:") -> None:
        self._redis: aioredis.Redis = aioredis.Redis.from_url(url)
        self._prefix = prefix
        self._script = self._redis.register_script(_HIT_SCRIPT)

    def _keys(self, key: str) -> list[str]:
        base = f"{self._prefix}{{{key}}}"
        return [base + ":log", base + ":total"]

    async def hit(
        self, key: str, limit: int, window_seconds: int, cost: int = 1
    ) -> RateLimitResult:
        _check(limit, window_seconds, cost)
        raw = await self._script(
            keys=self._keys(key),
            args=[window_seconds * 1_000_000, limit, cost, uuid.uuid4().hex],
        )
        allowed, total, reset_us, retry_us = (int(x) for x in raw)
        return RateLimitResult(
            allowed=bool(allowed),
            limit=limit,
            remaining=max(0, limit - total),
            reset_after=max(0, reset_us) / 1_000_000,
            retry_after=max(0, retry_us) / 1_000_000,
        )

    async def reset(self, key: str) -> None:
        await self._redis.delete(*self._keys(key))

    async def ping(self) -> bool:
        try:
            return bool(await self._redis.ping())
        except (RedisError, OSError):
            return False

    async def close(self) -> None:
        await self._redis.aclose()


def build_rate_limiter(redis_url: str | None) -> RateLimiter:
    """Redis-backed limits when a URL is configured, otherwise limits local to this process."""
    if redis_url:
        return RedisRateLimiter(redis_url)
    return MemoryRateLimiter()
