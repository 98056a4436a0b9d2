"""Named mutual-exclusion locks for coordinating work across tasks or processes.

Locks here coordinate (one cron run, one rebuild of a cache); they do not replace database row
locks for money. Every lock expires after ``timeout`` seconds so a holder that died, or hangs,
cannot block everyone forever; keep the guarded work shorter than ``timeout``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from typing import ClassVar, Protocol, runtime_checkable

import redis.asyncio as aioredis
from redis.exceptions import LockError, RedisError

from lastro.kit.errors import LastroError

__all__ = [
    "LockManager",
    "LockNotAcquired",
    "MemoryLockManager",
    "RedisLockManager",
    "build_lock_manager",
]

log = logging.getLogger(__name__)


class LockNotAcquired(LastroError):
    status: ClassVar[int] = 409
    code: ClassVar[str] = "LOCK_NOT_ACQUIRED"
    title: ClassVar[str] = "O recurso está em uso por outra operação; tente novamente em instantes"


@runtime_checkable
class LockManager(Protocol):
    """``lock(name)`` guards a block; ``timeout`` is how long the lock lives at most (seconds),
    ``blocking_timeout`` how long to wait for it (``None`` waits forever, ``0`` tries once).
    Raises :class:`LockNotAcquired` when the wait runs out."""

    def lock(
        self, name: str, *, timeout: float = 30.0, blocking_timeout: float | None = 10.0
    ) -> AbstractAsyncContextManager[None]: ...

    async def close(self) -> None: ...


def _check(timeout: float, blocking_timeout: float | None) -> None:
    if not timeout > 0:
        raise ValueError(f"timeout must be positive seconds, got {timeout!r}")
    if blocking_timeout is not None and blocking_timeout < 0:
        raise ValueError(f"blocking_timeout must not be negative, got {blocking_timeout!r}")


class _Slot:
    __slots__ = ("expires_at", "released", "token", "waiters")

    def __init__(self) -> None:
        self.token: str | None = None
        self.expires_at = 0.0
        self.waiters = 0
        self.released = asyncio.Event()


class MemoryLockManager:
    """Locks among the tasks of one process, with the same expiry rules as the Redis backend.

    State changes never await, so they are atomic under asyncio. A slot is dropped as soon as
    nobody holds or waits for it, so one-off names (per-tenant, per-document) do not pile up.
    """

    def __init__(self) -> None:
        self._slots: dict[str, _Slot] = {}

    def __len__(self) -> int:
        return len(self._slots)

    def lock(
        self, name: str, *, timeout: float = 30.0, blocking_timeout: float | None = 10.0
    ) -> AbstractAsyncContextManager[None]:
        _check(timeout, blocking_timeout)
        return self._hold(name, expiry=timeout, wait=blocking_timeout)

    @contextlib.asynccontextmanager
    async def _hold(self, name: str, *, expiry: float, wait: float | None) -> AsyncIterator[None]:
        token = await self._acquire(name, expiry, wait)
        try:
            yield
        finally:
            self._release(name, token)

    async def _acquire(self, name: str, expiry: float, wait_for: float | None) -> str:
        token = uuid.uuid4().hex
        deadline = None if wait_for is None else time.monotonic() + wait_for
        slot = self._slots.setdefault(name, _Slot())
        slot.waiters += 1
        try:
            while True:
                now = time.monotonic()
                if slot.token is None or slot.expires_at <= now:
                    slot.token, slot.expires_at = token, now + expiry
                    return token
                wait = slot.expires_at - now
                if deadline is not None:
                    if deadline <= now:
                        raise LockNotAcquired(extra={"lock": name})
                    wait = min(wait, deadline - now)
                # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(wait):
                        await slot.released.wait()
        finally:
            slot.waiters -= 1
            self._maybe_drop(name, slot)

    def _release(self, name: str, token: str) -> None:
        slot = self._slots.get(name)
        if slot is None or slot.token != token:
            log.warning("lock %r expired before its holder released it", name)
            return
        slot.token = None
        slot.released.set()
        slot.released = asyncio.Event()
        self._maybe_drop(name, slot)

    def _maybe_drop(self, name: str, slot: _Slot) -> None:
        free = slot.token is None or slot.expires_at <= time.monotonic()
        if free and slot.waiters == 0 and self._slots.get(name) is slot:
            del self._slots[name]

    async def close(self) -> None:
        """Nothing to release: locks live and die with the process."""


class RedisLockManager:
    """Locks shared by every process on one Redis, using redis-py's token-checked ``Lock``.

    The key carries a TTL of ``timeout``, so a crashed holder frees the lock when it expires;
    release only deletes the key if it still holds this holder's token.
    """

    def __init__(self, url: str, prefix: str = "lastro:lock:", sleep: float = 0.05) -> None:
        self._redis: aioredis.Redis = aioredis.Redis.from_url(url)
        self._prefix = prefix
        self._sleep = sleep

    def lock(
        self, name: str, *, timeout: float = 30.0, blocking_timeout: float | None = 10.0
    ) -> AbstractAsyncContextManager[None]:
        _check(timeout, blocking_timeout)
        return self._hold(name, expiry=timeout, wait=blocking_timeout)

    @contextlib.asynccontextmanager
    async def _hold(self, name: str, *, expiry: float, wait: float | None) -> AsyncIterator[None]:
        lock = self._redis.lock(
            self._prefix + name,
            timeout=expiry,
            sleep=self._sleep,
            blocking=True,
            blocking_timeout=wait,
            thread_local=False,
        )
        if not await lock.acquire():
            raise LockNotAcquired(extra={"lock": name})
        try:
            yield
        finally:
            try:
                await lock.release()
            except LockError:
                # The TTL ran out while the block was running; someone else may hold it now.
                log.warning("lock %r expired before its holder released it", name)

    async def ping(self) -> bool:
        try:
            return bool(await self._redis.ping())
        except (RedisError, OSError):
            return False

    async def close(self) -> None:
        await self._redis.aclose()


def build_lock_manager(redis_url: str | None) -> LockManager:
    """Redis locks when a URL is configured, otherwise locks local to this process."""
    if redis_url:
        return RedisLockManager(redis_url)
    return MemoryLockManager()
