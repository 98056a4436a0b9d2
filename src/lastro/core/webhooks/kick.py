"""Start delivering right after the transaction that created deliveries commits, instead of
waiting for the next scheduled round (which stays the safety net)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from lastro.infra.bus import MessageBus
from lastro.infra.jobs import JobQueue, JobRegistry
from lastro.kit.ids import new_id

DELIVER_JOB = "core.webhooks.deliver"
_KICK_KEY = "webhooks_kick"

log = logging.getLogger(__name__)
_tasks: set[asyncio.Task[None]] = set()


async def _noop(_payload: dict[str, Any]) -> None:
    return None


def _queue(bus: MessageBus) -> JobQueue:
    registry = JobRegistry()  # only so enqueue knows the name; the worker runs the real job
    registry.register(DELIVER_JOB, _noop)
    return JobQueue(bus, registry)


async def _enqueue(bus: MessageBus) -> None:
    try:
        await _queue(bus).enqueue(DELIVER_JOB, {}, job_id=f"webhooks-kick-{new_id()}")
    except Exception:  # the scheduled round delivers anyway
        log.debug("could not enqueue an immediate webhook delivery", exc_info=True)


def kick_after_commit(session: AsyncSession, bus: MessageBus) -> None:
    if session.info.get(_KICK_KEY):
        return
    session.info[_KICK_KEY] = True

    def fire(sync_session: Any) -> None:
        sync_session.info.pop(_KICK_KEY, None)
        with contextlib.suppress(RuntimeError):
            task = asyncio.get_running_loop().create_task(_enqueue(bus))
            _tasks.add(task)
            task.add_done_callback(_tasks.discard)

    event.listen(session.sync_session, "after_commit", fire, once=True)
