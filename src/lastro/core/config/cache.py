"""Which cache the config service uses, and dropping keys once a change has committed.

The runtime's cache (Redis when configured, so every process sees an invalidation) is
registered when the service is built; code outside a request may pass its own."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from lastro.infra.cache import Cache, MemoryCache

log = logging.getLogger(__name__)

_state: dict[str, Cache] = {"cache": MemoryCache()}
_tasks: set[asyncio.Task[None]] = set()


def use_cache(cache: Cache) -> None:
    _state["cache"] = cache


def current_cache(cache: Cache | None = None) -> Cache:
    return cache if cache is not None else _state["cache"]


async def _delete(cache: Cache, keys: tuple[str, ...]) -> None:
    for key in keys:
        try:
            await cache.delete(key)
        except Exception:  # the TTL bounds staleness if the cache is down
            log.warning("could not invalidate config cache key %s", key, exc_info=True)


async def invalidate(session: AsyncSession, cache: Cache, *keys: str) -> None:
    """Drop ``keys`` now and again after commit, so a reader that loaded the old row between
    the two cannot keep it cached."""
    await _delete(cache, keys)

    def after_commit(_sync_session: Any) -> None:
        with contextlib.suppress(RuntimeError):
            task = asyncio.get_running_loop().create_task(_delete(cache, keys))
            _tasks.add(task)
            task.add_done_callback(_tasks.discard)

    event.listen(session.sync_session, "after_commit", after_commit, once=True)


async def settle() -> None:
    """Wait for pending after-commit invalidations (tests and tools)."""
    while _tasks:
        await asyncio.gather(*list(_tasks), return_exceptions=True)
