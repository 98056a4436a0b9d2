"""Background jobs and cron schedules on top of the message bus.

A job is an async function taking a JSON-able ``dict``, registered by name. ``enqueue`` publishes
it to the topic ``job.<name>``; workers consume the queue ``jobs``. A failing job is retried with
the bus's backoff until its own ``max_attempts`` and then dead-lettered, like any message, so
jobs must be idempotent (the current attempt and job id are in :data:`current_job`).

The :class:`Scheduler` enqueues jobs at cron times (UTC). Any number of processes may run it:
each tick is claimed with an atomic counter in the shared :class:`~lastro.infra.cache.Cache`, so
only the first scheduler to claim it enqueues the job. Ticks missed while no scheduler was running
are not caught up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar

import orjson
from croniter import croniter

from lastro.infra.bus import Message, MessageBus, PermanentFailure, RetryPolicy
from lastro.infra.cache import Cache, MemoryCache
from lastro.kit.errors import LastroError
from lastro.kit.ids import new_id

__all__ = [
    "JOBS_QUEUE",
    "InvalidCron",
    "JobContext",
    "JobDefinition",
    "JobFunc",
    "JobQueue",
    "JobRegistry",
    "Schedule",
    "Scheduler",
    "current_job",
    "next_runs",
]

log = logging.getLogger(__name__)

JOBS_QUEUE = "jobs"
_TOPIC_PREFIX = "job."
_NAME = re.compile(r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$")

JobFunc = Callable[[dict[str, Any]], Awaitable[None]]
F = TypeVar("F", bound=JobFunc)


@dataclass(frozen=True)
class JobDefinition:
    name: str
    func: JobFunc
    max_attempts: int


@dataclass(frozen=True)
class JobContext:
    """The job being run, for logging and idempotency keys (``id`` is stable across retries)."""

    id: str
    name: str
    attempt: int
    max_attempts: int


current_job: ContextVar[JobContext | None] = ContextVar("current_job", default=None)


class JobRegistry:
    """Name → job function. Modules register their jobs in ``tasks.py`` at start-up."""

    def __init__(self) -> None:
        self._jobs: dict[str, JobDefinition] = {}

    def job(self, name: str, *, max_attempts: int = 5) -> Callable[[F], F]:
        def register(func: F) -> F:
            self.register(name, func, max_attempts=max_attempts)
            return func

        return register

    def register(self, name: str, func: JobFunc, *, max_attempts: int = 5) -> None:
        if not _NAME.match(name):
            raise ValueError(f"invalid job name {name!r}: dot-separated words of [A-Za-z0-9_-]")
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if name in self._jobs:
            raise ValueError(f"job {name!r} is already registered")
        self._jobs[name] = JobDefinition(name, func, max_attempts)

    def get(self, name: str) -> JobDefinition | None:
        return self._jobs.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self._jobs

    def __iter__(self) -> Iterator[JobDefinition]:
        return iter(self._jobs.values())

    def __len__(self) -> int:
        return len(self._jobs)


class JobQueue:
    """Enqueues jobs and runs them. ``retry`` gives the backoff; attempts come from each job."""

    def __init__(
        self,
        bus: MessageBus,
        registry: JobRegistry,
        *,
        queue: str = JOBS_QUEUE,
        retry: RetryPolicy | None = None,
        prefetch: int = 8,
    ) -> None:
        self.bus = bus
        self.registry = registry
        self.queue = queue
        self.retry = retry or RetryPolicy()
        self.prefetch = prefetch

    async def enqueue(
        self,
        name: str,
        payload: dict[str, Any],
        *,
        delay: float = 0,
        job_id: str | None = None,
    ) -> str:
        """Publish job ``name``; returns its id. Raises ``ValueError`` for an unknown job and
        ``TypeError`` for a payload that is not JSON-able, so mistakes fail in the caller."""
        if name not in self.registry:
            raise ValueError(f"unknown job {name!r}")
        body = orjson.dumps({"job": name, "payload": payload})
        job_id = job_id or str(new_id())
        headers = {"job": name, "enqueued-at": datetime.now(UTC).isoformat()}
        message = Message(id=job_id, topic=_TOPIC_PREFIX + name, body=body, headers=headers)
        await self.bus.publish(message, delay=delay)
        return job_id

    async def run_worker(self, stop_event: asyncio.Event | None = None) -> None:
        """Consume the jobs queue on this bus.

        Without ``stop_event`` this returns once subscribed (jobs run in the background until
        ``bus.close()``); with one it returns when the event is set. Register every job first:
        the queue's attempt ceiling is the largest ``max_attempts`` known now.
        """
        ceiling = max((job.max_attempts for job in self.registry), default=1)
        policy = RetryPolicy(
            max_attempts=ceiling,
            base_delay=self.retry.base_delay,
            max_delay=self.retry.max_delay,
            factor=self.retry.factor,
        )
        await self.bus.subscribe(
            self.queue, [_TOPIC_PREFIX + "#"], self._run, prefetch=self.prefetch, retry=policy
        )
        if stop_event is not None:
            await stop_event.wait()

    async def _run(self, message: Message) -> None:
        try:
            data = orjson.loads(message.body)
            name, payload = data["job"], data["payload"]
            if not isinstance(name, str) or not isinstance(payload, dict):
                raise TypeError("job name must be a string and payload an object")
        except (orjson.JSONDecodeError, KeyError, TypeError) as exc:
            raise PermanentFailure(f"malformed job message {message.id}") from exc
        job = self.registry.get(name)
        if job is None:
            raise PermanentFailure(f"unknown job {name!r}")
        token = current_job.set(JobContext(message.id, name, message.attempt, job.max_attempts))
        try:
            await job.func(payload)
        except PermanentFailure:
            raise
        except Exception as exc:
            if message.attempt >= job.max_attempts:
                raise PermanentFailure(f"job {name!r} failed {message.attempt} times") from exc
            raise
        finally:
            current_job.reset(token)

    async def dead_letters(self) -> list[Message]:
        return await self.bus.dead_letters(self.queue)

    async def requeue_dead_letters(self) -> int:
        return await self.bus.requeue_dead_letters(self.queue)


class InvalidCron(LastroError):
    status: ClassVar[int] = 422
    code: ClassVar[str] = "INVALID_CRON"
    title: ClassVar[str] = "Expressão cron inválida"


@dataclass(frozen=True)
class Schedule:
    """Run ``job`` with ``payload`` at each time matching ``cron`` (UTC).

    Five fields (minute hour day month weekday), or six with seconds last; ``@daily`` and the
    like work, and ``H`` spreads a schedule by a hash of its name.
    """

    name: str
    cron: str
    job: str
    payload: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not croniter.is_valid(self.cron, hash_id=self.name.encode()):
            raise InvalidCron(
                f"A expressão cron {self.cron!r} do agendamento {self.name!r} não é válida.",
                extra={"schedule": self.name, "cron": self.cron},
            )

    def next_after(self, moment: datetime) -> datetime:
        """The first tick strictly after ``moment``, in UTC."""
        start = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
        nxt: datetime = croniter(self.cron, start, hash_id=self.name.encode()).get_next(datetime)
        return nxt.astimezone(UTC)


def next_runs(schedule: Schedule, n: int = 5, *, after: datetime | None = None) -> list[datetime]:
    """The next ``n`` ticks of ``schedule`` (UTC), for display."""
    moment = after or datetime.now(UTC)
    runs: list[datetime] = []
    for _ in range(n):
        moment = schedule.next_after(moment)
        runs.append(moment)
    return runs


class Scheduler:
    """Enqueues scheduled jobs at their cron times, once per tick across all schedulers.

    ``cache`` must be shared by every process running a scheduler (the Redis cache in
    production); without one, a private memory cache only de-duplicates within this object.
    """

    def __init__(
        self,
        queue: JobQueue,
        schedules: Sequence[Schedule],
        *,
        cache: Cache | None = None,
        clock: Callable[[], datetime] | None = None,
        max_sleep: float = 60.0,
    ) -> None:
        names = [s.name for s in schedules]
        if len(set(names)) != len(names):
            raise ValueError("schedule names must be unique")
        for s in schedules:
            if s.job not in queue.registry:
                raise ValueError(f"schedule {s.name!r} refers to unknown job {s.job!r}")
        self.queue = queue
        self.schedules = list(schedules)
        self.cache: Cache = cache if cache is not None else MemoryCache()
        self._clock = clock or (lambda: datetime.now(UTC))
        self._max_sleep = max_sleep

    async def fire(self, schedule: Schedule, tick: datetime) -> bool:
        """Enqueue ``schedule``'s job for ``tick`` unless another scheduler already did.

        The claim comes first: if enqueueing then fails the claim is dropped, but a tick claimed
        by a process that dies before enqueueing is lost (at most once per tick).
        """
        tick = tick.astimezone(UTC)
        key = f"cron:{schedule.name}:{tick.isoformat()}"
        interval = (schedule.next_after(tick) - tick).total_seconds()
        if await self.cache.incr(key, ttl=max(600.0, 2 * interval)) != 1:
            return False
        try:
            await self.queue.enqueue(schedule.job, dict(schedule.payload), job_id=key)
        except BaseException:
            await self.cache.delete(key)
            raise
        log.debug("scheduled job %s enqueued for %s", schedule.job, key)
        return True

    async def run(self, stop_event: asyncio.Event) -> None:
        """Fire schedules at their ticks until ``stop_event`` is set."""
        now = self._clock()
        upcoming = {s.name: s.next_after(now) for s in self.schedules}
        while not stop_event.is_set():
            now = self._clock()
            for s in self.schedules:
                tick = upcoming[s.name]
                if tick > now:
                    continue
                try:
                    await self.fire(s, tick)
                except Exception:
                    log.exception("could not enqueue schedule %s for %s", s.name, tick)
                upcoming[s.name] = s.next_after(max(tick, now))
            wait = self._max_sleep
            if upcoming:
                soonest = min(upcoming.values())
                wait = min(wait, max(0.0, (soonest - self._clock()).total_seconds()))
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(wait):
                    await stop_event.wait()
