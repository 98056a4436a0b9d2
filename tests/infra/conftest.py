"""Backend fixtures: every infra behaviour runs on the in-process backend and on the real servers.

``LASTRO_TEST_REDIS_URL`` enables the Redis parameters, ``LASTRO_TEST_BROKER_URL`` (amqp://) the
RabbitMQ one. Outside CI a missing variable skips that parameter; with ``CI=true`` a missing
variable fails the test, so CI can never pass by skipping. A variable that is set but whose server
does not answer always fails: someone asked for that backend.
Each test gets its own key prefix / exchange and queue names, removed afterwards.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import aio_pika
import pytest
import redis.asyncio as aioredis

from lastro.infra.bus import MemoryBus, MessageBus, RabbitBus, RedisBus
from lastro.infra.cache import Cache, MemoryCache, RedisCache
from lastro.infra.locks import LockManager, MemoryLockManager, RedisLockManager
from lastro.infra.rate_limit import MemoryRateLimiter, RateLimiter, RedisRateLimiter

REDIS_ENV = "LASTRO_TEST_REDIS_URL"
BROKER_ENV = "LASTRO_TEST_BROKER_URL"
_ENV = {"redis": REDIS_ENV, "rabbitmq": BROKER_ENV}
_alive: dict[str, str | None] = {}  # backend -> None when reachable, else the error


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


async def _probe(backend: str, url: str) -> str | None:
    try:
        if backend == "redis":
            client = aioredis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3)
            try:
                await client.ping()
            finally:
                await client.aclose()
        else:
            conn = await aio_pika.connect(url, timeout=3)
            await conn.close()
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


async def require(backend: str) -> str:
    """The server URL for ``backend``; skips when not configured (fails in CI or if it is down)."""
    env = _ENV[backend]
    url = os.environ.get(env, "").strip()
    if not url:
        if in_ci():
            pytest.fail(f"{env} is not set; CI must test the {backend} backend")
        pytest.skip(f"{env} not set")
    if backend not in _alive:
        _alive[backend] = await _probe(backend, url)
    error = _alive[backend]
    if error is not None:
        pytest.fail(f"{backend} at {url} ({env}) does not answer: {error}")
    return url


@pytest.fixture
def namespace() -> str:
    """Unique per test: Redis key prefix, RabbitMQ exchange and queue-name prefix."""
    return f"lastro-test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def qname(namespace: str) -> Callable[[str], str]:
    return lambda name: f"{namespace}.{name}"


async def _purge_redis(url: str, prefix: str) -> None:
    client = aioredis.Redis.from_url(url)
    try:
        keys = [k async for k in client.scan_iter(match=f"{prefix}*", count=500)]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


@pytest.fixture
async def redis_url(namespace: str) -> AsyncIterator[str]:
    """For Redis-only behaviour; keys under ``namespace`` are removed afterwards."""
    url = await require("redis")
    yield url
    await _purge_redis(url, namespace)


# --- key/value backends: cache, locks, rate limiter -------------------------------------------


@pytest.fixture(params=["memory", "redis"])
async def kv_backend(request: pytest.FixtureRequest, namespace: str) -> AsyncIterator[str]:
    backend: str = request.param
    if backend == "memory":
        yield backend
        return
    url = await require(backend)
    yield backend
    await _purge_redis(url, namespace)


@pytest.fixture
async def make_cache(kv_backend: str, namespace: str) -> AsyncIterator[Callable[[], Cache]]:
    """Each call is another "process": memory shares one object, Redis opens a new client."""
    made: list[Cache] = []
    shared = MemoryCache()

    def make() -> Cache:
        cache: Cache = shared
        if kv_backend == "redis":
            cache = RedisCache(os.environ[REDIS_ENV], prefix=f"{namespace}:")
        made.append(cache)
        return cache

    yield make
    for cache in made:
        await cache.close()


@pytest.fixture
def cache(make_cache: Callable[[], Cache]) -> Cache:
    return make_cache()


@pytest.fixture
async def make_locks(kv_backend: str, namespace: str) -> AsyncIterator[Callable[[], LockManager]]:
    made: list[LockManager] = []
    shared = MemoryLockManager()

    def make() -> LockManager:
        locks: LockManager = shared
        if kv_backend == "redis":
            locks = RedisLockManager(os.environ[REDIS_ENV], prefix=f"{namespace}:lock:")
        made.append(locks)
        return locks

    yield make
    for locks in made:
        with contextlib.suppress(Exception):
            await locks.close()


@pytest.fixture
def locks(make_locks: Callable[[], LockManager]) -> LockManager:
    return make_locks()


@pytest.fixture
async def make_limiter(kv_backend: str, namespace: str) -> AsyncIterator[Callable[[], RateLimiter]]:
    made: list[RateLimiter] = []
    shared = MemoryRateLimiter()

    def make() -> RateLimiter:
        limiter: RateLimiter = shared
        if kv_backend == "redis":
            limiter = RedisRateLimiter(os.environ[REDIS_ENV], prefix=f"{namespace}:rl:")
        made.append(limiter)
        return limiter

    yield make
    for limiter in made:
        await limiter.close()


@pytest.fixture
def limiter(make_limiter: Callable[[], RateLimiter]) -> RateLimiter:
    return make_limiter()


# --- message bus ------------------------------------------------------------------------------


@pytest.fixture(params=["memory", "redis", "rabbitmq"])
async def bus_backend(request: pytest.FixtureRequest) -> str:
    backend: str = request.param
    if backend != "memory":
        await require(backend)
    return backend


@pytest.fixture
async def make_bus(bus_backend: str, namespace: str) -> AsyncIterator[Callable[..., MessageBus]]:
    """Each call is another process on the same broker (memory: the one in-process bus)."""
    made: list[MessageBus] = []
    shared = MemoryBus()

    def make(**options: Any) -> MessageBus:
        bus: MessageBus = shared
        if bus_backend == "redis":
            options.setdefault("poll_interval", 0.05)
            bus = RedisBus(os.environ[REDIS_ENV], prefix=f"{namespace}:", **options)
        elif bus_backend == "rabbitmq":
            bus = RabbitBus(os.environ[BROKER_ENV], exchange=namespace, **options)
        made.append(bus)
        return bus

    yield make
    for bus in made:
        with contextlib.suppress(Exception):
            await bus.close()
    if bus_backend == "redis":
        await _purge_redis(os.environ[REDIS_ENV], namespace)
    elif bus_backend == "rabbitmq":
        await _purge_rabbit(os.environ[BROKER_ENV], [b for b in made if isinstance(b, RabbitBus)])


async def _purge_rabbit(url: str, buses: list[RabbitBus]) -> None:
    queues = set().union(*(b.declared_queues for b in buses)) if buses else set()
    exchanges = set().union(*(b.declared_exchanges for b in buses)) if buses else set()
    conn = await aio_pika.connect(url)
    try:
        for name in sorted(queues):
            channel = await conn.channel()
            with contextlib.suppress(Exception):
                await channel.queue_delete(name)
            with contextlib.suppress(Exception):
                await channel.close()
        for name in sorted(exchanges):
            channel = await conn.channel()
            with contextlib.suppress(Exception):
                await channel.exchange_delete(name)
            with contextlib.suppress(Exception):
                await channel.close()
    finally:
        await conn.close()
