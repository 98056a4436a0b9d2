"""Live push of in-app notifications to open pages (Server-Sent Events).

Each process keeps the open streams of its own clients. A notification delivered in another
process (a worker) reaches them through Redis pub/sub when ``redis_url`` is set: every process
holds one pattern subscription and fans messages out locally. Without Redis, in-process only.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator
from typing import Any, Protocol

import orjson
import redis.asyncio as aioredis

log = logging.getLogger(__name__)

QUEUE_SIZE = 100
READY_TIMEOUT = 5.0


class LiveHub(Protocol):
    async def publish(
        self, tenant_id: uuid.UUID, user_id: uuid.UUID, event: dict[str, Any]
    ) -> None:
        """Push ``event`` to every open stream of that person, in any process."""

    def listen(
        self, tenant_id: uuid.UUID, user_id: uuid.UUID
    ) -> contextlib.AbstractAsyncContextManager[asyncio.Queue[dict[str, Any]]]:
        """A queue receiving that person's events while the context is open."""

    async def close(self) -> None: ...


class _Local:
    """The streams open in this process, by (tenant, user)."""

    def __init__(self) -> None:
        self.queues: dict[str, set[asyncio.Queue[dict[str, Any]]]] = {}

    def deliver(self, key: str, event: dict[str, Any]) -> None:
        for queue in self.queues.get(key, ()):
            with contextlib.suppress(asyncio.QueueFull):  # a stuck page drops, never blocks
                queue.put_nowait(event)

    @contextlib.asynccontextmanager
    async def attach(self, key: str) -> AsyncIterator[asyncio.Queue[dict[str, Any]]]:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(QUEUE_SIZE)
        self.queues.setdefault(key, set()).add(queue)
        try:
            yield queue
        finally:
            holders = self.queues.get(key)
            if holders is not None:
                holders.discard(queue)
                if not holders:
                    del self.queues[key]


def _key(tenant_id: uuid.UUID, user_id: uuid.UUID) -> str:
    return f"{tenant_id}:{user_id}"


class MemoryHub:
    def __init__(self) -> None:
        self.local = _Local()

    async def publish(
        self, tenant_id: uuid.UUID, user_id: uuid.UUID, event: dict[str, Any]
    ) -> None:
        self.local.deliver(_key(tenant_id, user_id), event)

    @contextlib.asynccontextmanager
    async def listen(
        self, tenant_id: uuid.UUID, user_id: uuid.UUID
    ) -> AsyncIterator[asyncio.Queue[dict[str, Any]]]:
        async with self.local.attach(_key(tenant_id, user_id)) as queue:
            yield queue

    async def close(self) -> None:
        return None


class RedisHub:
    """Publishes to ``<prefix><tenant>:<user>``; one ``PSUBSCRIBE <prefix>*`` per process."""

    def __init__(self, url: str, prefix: str = "lastro:notifications:") -> None:
        self.redis: aioredis.Redis = aioredis.Redis.from_url(url)
        self.prefix = prefix
        self.local = _Local()
        self._listener: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    async def publish(
        self, tenant_id: uuid.UUID, user_id: uuid.UUID, event: dict[str, Any]
    ) -> None:
        await self.redis.publish(self.prefix + _key(tenant_id, user_id), orjson.dumps(event))

    async def _listen(self) -> None:
        while True:
            pubsub = self.redis.pubsub()
            try:
                await pubsub.psubscribe(self.prefix + "*")
                self._ready.set()
                async for message in pubsub.listen():
                    if message.get("type") != "pmessage":
                        continue
                    channel = message["channel"]
                    name = channel.decode() if isinstance(channel, bytes) else str(channel)
                    self.local.deliver(name[len(self.prefix) :], orjson.loads(message["data"]))
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("notification live listener lost Redis; reconnecting")
                await asyncio.sleep(1)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]

    async def ready(self) -> None:
        """Start the shared subscription (once per process) and wait until it listens; with
        Redis down, streams still open (and get events once it is back)."""
        if self._listener is None or self._listener.done():
            self._ready.clear()
            self._listener = asyncio.create_task(self._listen(), name="notifications-live")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._ready.wait(), READY_TIMEOUT)

    @contextlib.asynccontextmanager
    async def listen(
        self, tenant_id: uuid.UUID, user_id: uuid.UUID
    ) -> AsyncIterator[asyncio.Queue[dict[str, Any]]]:
        await self.ready()
        async with self.local.attach(_key(tenant_id, user_id)) as queue:
            yield queue

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._listener
        await self.redis.aclose()


def build_hub(redis_url: str | None) -> LiveHub:
    return RedisHub(redis_url) if redis_url else MemoryHub()
