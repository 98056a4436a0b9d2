from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from lastro.infra.rate_limit import (
    MemoryRateLimiter,
    RateLimiter,
    RateLimitResult,
    RedisRateLimiter,
    build_rate_limiter,
    rate_limit_headers,
)


async def test_exactly_limit_hits_allowed_under_concurrency(
    make_limiter: Callable[[], RateLimiter],
) -> None:
    limiters = [make_limiter(), make_limiter()]  # two "processes" for Redis
    results = await asyncio.gather(
        *(limiters[i % 2].hit("tenant:1", limit=10, window_seconds=60) for i in range(40))
    )
    allowed = [r for r in results if r.allowed]
    refused = [r for r in results if not r.allowed]
    assert len(allowed) == 10
    assert sorted(r.remaining for r in allowed) == list(range(10))
    assert len(refused) == 30
    for r in refused:
        assert r.remaining == 0
        assert r.limit == 10
        assert 0 < r.retry_after <= 60
        assert 0 < r.reset_after <= 60
    assert all(r.retry_after == 0 for r in allowed)


async def test_refused_hit_is_allowed_after_retry_after(limiter: RateLimiter) -> None:
    assert (await limiter.hit("k", limit=2, window_seconds=1)).allowed
    assert (await limiter.hit("k", limit=2, window_seconds=1)).allowed
    refused = await limiter.hit("k", limit=2, window_seconds=1)
    assert not refused.allowed
    assert 0 < refused.retry_after <= 1
    await asyncio.sleep(refused.retry_after + 0.05)
    again = await limiter.hit("k", limit=2, window_seconds=1)
    assert again.allowed


async def test_window_slides_rather_than_resetting_all_at_once(limiter: RateLimiter) -> None:
    first = await limiter.hit("s", limit=2, window_seconds=1)
    await asyncio.sleep(0.5)
    second = await limiter.hit("s", limit=2, window_seconds=1)
    refused = await limiter.hit("s", limit=2, window_seconds=1)
    assert first.allowed and second.allowed and not refused.allowed
    # Only the first hit must leave the window, so the wait is shorter than a whole window.
    assert refused.retry_after < 1 - 0.3


async def test_refused_hits_do_not_count(limiter: RateLimiter) -> None:
    assert (await limiter.hit("r", limit=1, window_seconds=1)).allowed
    for _ in range(5):
        assert not (await limiter.hit("r", limit=1, window_seconds=1)).allowed
    await asyncio.sleep(1.05)
    assert (await limiter.hit("r", limit=1, window_seconds=1)).allowed


async def test_cost(limiter: RateLimiter) -> None:
    assert (await limiter.hit("c", limit=10, window_seconds=60, cost=4)).remaining == 6
    assert (await limiter.hit("c", limit=10, window_seconds=60, cost=4)).remaining == 2
    refused = await limiter.hit("c", limit=10, window_seconds=60, cost=4)
    assert not refused.allowed and refused.remaining == 2
    assert (await limiter.hit("c", limit=10, window_seconds=60, cost=2)).allowed
    peek = await limiter.hit("c", limit=10, window_seconds=60, cost=0)
    assert peek.allowed and peek.remaining == 0
    with pytest.raises(ValueError):
        await limiter.hit("c", limit=10, window_seconds=60, cost=11)


async def test_keys_are_independent_and_reset_clears(limiter: RateLimiter) -> None:
    assert (await limiter.hit("a", limit=1, window_seconds=60)).allowed
    assert (await limiter.hit("b", limit=1, window_seconds=60)).allowed
    assert not (await limiter.hit("a", limit=1, window_seconds=60)).allowed
    await limiter.reset("a")
    assert (await limiter.hit("a", limit=1, window_seconds=60)).allowed
    assert not (await limiter.hit("b", limit=1, window_seconds=60)).allowed


async def test_fresh_key_reports_full_quota(limiter: RateLimiter) -> None:
    peek = await limiter.hit("fresh", limit=5, window_seconds=10, cost=0)
    assert peek == RateLimitResult(True, 5, 5, 0.0, 0.0)


async def test_invalid_arguments(limiter: RateLimiter) -> None:
    with pytest.raises(ValueError):
        await limiter.hit("x", limit=0, window_seconds=1)
    with pytest.raises(ValueError):
        await limiter.hit("x", limit=1, window_seconds=0)
    with pytest.raises(ValueError):
        await limiter.hit("x", limit=1, window_seconds=1, cost=-1)


def test_headers_when_allowed() -> None:
    headers = rate_limit_headers(RateLimitResult(True, 100, 42, 12.2, 0.0))
    assert headers == {
        "RateLimit-Limit": "100",
        "RateLimit-Remaining": "42",
        "RateLimit-Reset": "13",
    }


def test_headers_when_refused_round_retry_after_up() -> None:
    headers = rate_limit_headers(RateLimitResult(False, 10, 0, 30.0, 3.01))
    assert headers["Retry-After"] == "4"
    assert headers["RateLimit-Remaining"] == "0"
    assert headers["RateLimit-Reset"] == "30"
    assert rate_limit_headers(RateLimitResult(False, 10, 0, 0.2, 0.2))["Retry-After"] == "1"


async def test_memory_limiter_forgets_idle_keys() -> None:
    limiter = MemoryRateLimiter()
    await limiter.hit("k", limit=5, window_seconds=1)
    assert len(limiter) == 1
    await limiter.reset("k")
    assert len(limiter) == 0
    await limiter.hit("gone", limit=5, window_seconds=1, cost=0)
    assert len(limiter) == 0


async def test_build_rate_limiter() -> None:
    assert isinstance(build_rate_limiter(None), MemoryRateLimiter)
    limiter = build_rate_limiter("redis://127.0.0.1:6379/15")
    assert isinstance(limiter, RedisRateLimiter)
    await limiter.close()


async def test_memory_limiter_bounds_its_keys() -> None:
    limiter = MemoryRateLimiter(max_keys=3)
    for key in "abcde":
        await limiter.hit(key, limit=1, window_seconds=60)
    assert len(limiter) == 3
    assert not (await limiter.hit("e", limit=1, window_seconds=60)).allowed
