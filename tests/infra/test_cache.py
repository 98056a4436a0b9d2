from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from lastro.infra.cache import Cache, MemoryCache, RedisCache, build_cache


async def test_set_get_delete(cache: Cache) -> None:
    assert await cache.get("missing") is None
    await cache.set("k", b"\x00value\xff")
    assert await cache.get("k") == b"\x00value\xff"
    await cache.set("k", b"other")
    assert await cache.get("k") == b"other"
    await cache.delete("k")
    assert await cache.get("k") is None
    await cache.delete("k")  # deleting a missing key is fine


async def test_ttl_expires_and_long_ttl_keeps(cache: Cache) -> None:
    await cache.set("short", b"1", ttl=0.05)
    await cache.set("long", b"2", ttl=60)
    await asyncio.sleep(0.2)
    assert await cache.get("short") is None
    assert await cache.get("long") == b"2"


async def test_set_without_ttl_clears_previous_ttl(cache: Cache) -> None:
    await cache.set("k", b"1", ttl=0.05)
    await cache.set("k", b"2")
    await asyncio.sleep(0.2)
    assert await cache.get("k") == b"2"


async def test_incr_counts_and_is_readable(cache: Cache) -> None:
    assert await cache.incr("n") == 1
    assert await cache.incr("n", 5) == 6
    assert await cache.incr("n", -2) == 4
    assert await cache.get("n") == b"4"


async def test_incr_ttl_is_set_once_not_extended(cache: Cache) -> None:
    assert await cache.incr("w", ttl=0.1) == 1
    assert await cache.incr("w", ttl=60) == 2  # does not push the expiry back
    await asyncio.sleep(0.3)
    assert await cache.get("w") is None
    assert await cache.incr("w", ttl=60) == 1  # a fresh counter


async def test_incr_is_atomic_under_concurrency(make_cache: Callable[[], Cache]) -> None:
    caches = [make_cache(), make_cache()]  # two "processes"
    results = await asyncio.gather(*(caches[i % 2].incr("c") for i in range(60)))
    assert sorted(results) == list(range(1, 61))


async def test_incr_on_non_integer_is_a_value_error(cache: Cache) -> None:
    await cache.set("text", b"abc")
    with pytest.raises(ValueError):
        await cache.incr("text")


async def test_non_positive_ttl_is_rejected(cache: Cache) -> None:
    with pytest.raises(ValueError):
        await cache.set("k", b"v", ttl=0)
    with pytest.raises(ValueError):
        await cache.incr("k", ttl=-1)


async def test_ping(cache: Cache) -> None:
    assert await cache.ping() is True


async def test_memory_cache_evicts_least_recently_used() -> None:
    cache = MemoryCache(max_entries=3)
    for key in "abc":
        await cache.set(key, key.encode())
    assert await cache.get("a") == b"a"  # "a" is now the most recently used
    await cache.set("d", b"d")
    assert len(cache) == 3
    assert await cache.get("b") is None
    assert [await cache.get(k) for k in "acd"] == [b"a", b"c", b"d"]


async def test_memory_cache_evicts_expired_before_live() -> None:
    cache = MemoryCache(max_entries=2)
    await cache.set("old", b"1")
    await cache.set("dying", b"2", ttl=0.01)
    await asyncio.sleep(0.05)
    await cache.set("new", b"3")
    assert await cache.get("old") == b"1"
    assert await cache.get("new") == b"3"


async def test_build_cache() -> None:
    assert isinstance(build_cache(None), MemoryCache)
    redis_cache = build_cache("redis://127.0.0.1:6379/15")
    assert isinstance(redis_cache, RedisCache)
    await redis_cache.close()


async def test_unreachable_redis_pings_false() -> None:
    cache = RedisCache("redis://127.0.0.1:1/0")
    assert await cache.ping() is False
    await cache.close()
