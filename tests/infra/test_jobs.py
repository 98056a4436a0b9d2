from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from lastro.infra.bus import DEAD_LETTER_REASON, MemoryBus, MessageBus, RetryPolicy
from lastro.infra.cache import Cache
from lastro.infra.jobs import (
    InvalidCron,
    JobContext,
    JobQueue,
    JobRegistry,
    Schedule,
    Scheduler,
    current_job,
    next_runs,
)

from .helpers import eventually, eventually_async

FAST = RetryPolicy(base_delay=0.05, max_delay=0.2, factor=2)

MakeBus = Callable[..., MessageBus]


def make_queue(bus: MessageBus, registry: JobRegistry, qname: Callable[[str], str]) -> JobQueue:
    return JobQueue(bus, registry, queue=qname("jobs"), retry=FAST)


# --- registry and schedules (no backend) ------------------------------------------------------


def test_registry_rejects_duplicates_and_bad_names() -> None:
    registry = JobRegistry()

    @registry.job("billing.close_month", max_attempts=3)
    async def close_month(payload: dict[str, Any]) -> None:
        return None

    assert "billing.close_month" in registry
    definition = registry.get("billing.close_month")
    assert definition is not None and definition.max_attempts == 3
    assert definition.func is close_month
    with pytest.raises(ValueError):
        registry.register("billing.close_month", close_month)
    for bad in ("", "a..b", "a.*", "with space"):
        with pytest.raises(ValueError):
            registry.register(bad, close_month)
    with pytest.raises(ValueError):
        registry.register("ok", close_month, max_attempts=0)


def test_invalid_cron_is_a_lastro_error() -> None:
    with pytest.raises(InvalidCron) as caught:
        Schedule("nightly", "61 * * * *", "job")
    err = caught.value
    assert err.code == "INVALID_CRON"
    assert err.status == 422
    assert "61 * * * *" in err.detail and "nightly" in err.detail


def test_next_runs_are_utc_and_ordered() -> None:
    schedule = Schedule("nightly", "0 3 * * *", "job")
    after = datetime(2024, 1, 31, 12, 0, tzinfo=UTC)
    assert next_runs(schedule, 3, after=after) == [
        datetime(2024, 2, 1, 3, 0, tzinfo=UTC),
        datetime(2024, 2, 2, 3, 0, tzinfo=UTC),
        datetime(2024, 2, 3, 3, 0, tzinfo=UTC),
    ]
    runs = next_runs(Schedule("often", "*/15 * * * *", "job"), 5)
    assert all(r.tzinfo is not None and r.utcoffset() == UTC.utcoffset(None) for r in runs)
    assert runs == sorted(runs) and len(set(runs)) == 5


def test_scheduler_validates_schedules() -> None:
    registry = JobRegistry()
    registry.register("known", _noop)
    queue = JobQueue(MemoryBus(), registry)
    with pytest.raises(ValueError):
        Scheduler(queue, [Schedule("s", "* * * * *", "unknown")])
    with pytest.raises(ValueError):
        Scheduler(queue, [Schedule("s", "* * * * *", "known"), Schedule("s", "@daily", "known")])


async def _noop(payload: dict[str, Any]) -> None:
    return None


async def test_enqueue_rejects_unknown_jobs_and_non_json_payloads() -> None:
    registry = JobRegistry()
    registry.register("known", _noop)
    queue = JobQueue(MemoryBus(), registry)
    with pytest.raises(ValueError):
        await queue.enqueue("unknown", {})
    with pytest.raises(TypeError):
        await queue.enqueue("known", {"when": object()})


# --- running jobs on every bus backend --------------------------------------------------------


async def test_job_runs_with_its_payload_and_context(
    make_bus: MakeBus, qname: Callable[[str], str]
) -> None:
    registry = JobRegistry()
    runs: list[tuple[dict[str, Any], JobContext | None]] = []

    @registry.job("mail.send")
    async def send(payload: dict[str, Any]) -> None:
        runs.append((payload, current_job.get()))

    queue = make_queue(make_bus(), registry, qname)
    await queue.run_worker()
    job_id = await queue.enqueue("mail.send", {"to": "ana@example.com", "n": [1, 2]})
    await eventually(lambda: len(runs) == 1, what="job run")
    payload, context = runs[0]
    assert payload == {"to": "ana@example.com", "n": [1, 2]}
    assert context == JobContext(job_id, "mail.send", 1, 5)
    assert current_job.get() is None


async def test_failing_job_is_retried(make_bus: MakeBus, qname: Callable[[str], str]) -> None:
    registry = JobRegistry()
    attempts: list[int] = []

    @registry.job("flaky")
    async def flaky(payload: dict[str, Any]) -> None:
        context = current_job.get()
        assert context is not None
        attempts.append(context.attempt)
        if context.attempt < 3:
            raise ConnectionError("upstream down")

    queue = make_queue(make_bus(), registry, qname)
    await queue.run_worker()
    await queue.enqueue("flaky", {})
    await eventually(lambda: attempts == [1, 2, 3], what="three attempts")
    await asyncio.sleep(0.2)
    assert attempts == [1, 2, 3]
    assert await queue.dead_letters() == []


async def test_job_dead_letters_after_its_own_max_attempts(
    make_bus: MakeBus, qname: Callable[[str], str]
) -> None:
    registry = JobRegistry()
    attempts: list[int] = []

    @registry.job("broken", max_attempts=2)
    async def broken(payload: dict[str, Any]) -> None:
        attempts.append(len(attempts) + 1)
        raise ValueError("bad data")

    registry.register("patient", _noop, max_attempts=6)  # raises the queue's ceiling
    queue = make_queue(make_bus(), registry, qname)
    await queue.run_worker()
    job_id = await queue.enqueue("broken", {"x": 1})

    async def dead() -> bool:
        return len(await queue.dead_letters()) == 1

    await eventually_async(dead, what="dead-lettered job")
    assert attempts == [1, 2]
    [letter] = await queue.dead_letters()
    assert letter.id == job_id and letter.attempt == 2
    assert "failed 2 times" in letter.headers[DEAD_LETTER_REASON]
    assert "ValueError: bad data" in letter.headers[DEAD_LETTER_REASON]


async def test_unknown_job_is_dead_lettered(make_bus: MakeBus, qname: Callable[[str], str]) -> None:
    producer_registry, worker_registry = JobRegistry(), JobRegistry()
    producer_registry.register("only.on.new.version", _noop)
    bus = make_bus()
    worker = make_queue(bus, worker_registry, qname)
    await worker.run_worker()
    await make_queue(bus, producer_registry, qname).enqueue("only.on.new.version", {})

    async def dead() -> bool:
        return len(await worker.dead_letters()) == 1

    await eventually_async(dead, what="dead-lettered unknown job")
    [letter] = await worker.dead_letters()
    assert letter.attempt == 1
    assert "unknown job 'only.on.new.version'" in letter.headers[DEAD_LETTER_REASON]


async def test_delayed_job_and_requeue(make_bus: MakeBus, qname: Callable[[str], str]) -> None:
    registry = JobRegistry()
    ran: list[str] = []
    fail = True

    @registry.job("report", max_attempts=1)
    async def report(payload: dict[str, Any]) -> None:
        if fail:
            raise RuntimeError("not yet")
        ran.append(payload["id"])

    queue = make_queue(make_bus(), registry, qname)
    await queue.run_worker()
    loop = asyncio.get_running_loop()
    start = loop.time()
    await queue.enqueue("report", {"id": "r1"}, delay=0.3, job_id="report-r1")

    async def dead() -> bool:
        return len(await queue.dead_letters()) == 1

    await eventually_async(dead, what="dead-lettered report")
    assert loop.time() - start >= 0.25
    fail = False
    assert await queue.requeue_dead_letters() == 1
    await eventually(lambda: ran == ["r1"], what="re-queued job")


async def test_run_worker_returns_when_stopped() -> None:
    stop = asyncio.Event()
    queue = JobQueue(MemoryBus(), JobRegistry())
    worker = asyncio.create_task(queue.run_worker(stop))
    await asyncio.sleep(0.01)
    assert not worker.done()
    stop.set()
    await asyncio.wait_for(worker, 5)
    await queue.bus.close()


# --- the scheduler, de-duplicated through every cache backend ---------------------------------


async def test_two_schedulers_racing_enqueue_a_tick_once(
    make_cache: Callable[[], Cache], qname: Callable[[str], str]
) -> None:
    registry = JobRegistry()
    ran: list[str] = []

    @registry.job("close.day")
    async def close_day(payload: dict[str, Any]) -> None:
        context = current_job.get()
        assert context is not None
        ran.append(context.id)

    bus = MemoryBus()
    queue = make_queue(bus, registry, qname)
    await queue.run_worker()
    schedule = Schedule("closing", "0 21 * * *", "close.day", {"scope": "all"})
    schedulers = [Scheduler(queue, [schedule], cache=make_cache()) for _ in range(2)]
    tick = datetime(2024, 5, 1, 21, 0, tzinfo=UTC)
    fired = await asyncio.gather(*(s.fire(schedule, tick) for s in schedulers * 3))
    assert sorted(fired) == [False] * 5 + [True]
    await eventually(lambda: len(ran) == 1, what="scheduled job")
    assert ran == ["cron:closing:2024-05-01T21:00:00+00:00"]
    next_tick = datetime(2024, 5, 2, 21, 0, tzinfo=UTC)
    assert await schedulers[1].fire(schedule, next_tick) is True
    await bus.close()


async def test_running_schedulers_enqueue_each_tick_once(
    make_cache: Callable[[], Cache], qname: Callable[[str], str]
) -> None:
    registry = JobRegistry()
    ran: list[str] = []

    @registry.job("heartbeat")
    async def heartbeat(payload: dict[str, Any]) -> None:
        context = current_job.get()
        assert context is not None and payload == {"beat": True}
        ran.append(context.id)

    bus = MemoryBus()
    queue = make_queue(bus, registry, qname)
    await queue.run_worker()
    schedule = Schedule("pulse", "* * * * * *", "heartbeat", {"beat": True})  # every second
    stop = asyncio.Event()
    runners = [
        asyncio.create_task(Scheduler(queue, [schedule], cache=make_cache()).run(stop))
        for _ in range(3)
    ]
    try:
        await eventually(lambda: len(set(ran)) >= 2, what="two ticks")
    finally:
        stop.set()
        await asyncio.wait_for(asyncio.gather(*runners), 10)
    await asyncio.sleep(0.1)
    counts = Counter(ran)
    assert all(n == 1 for n in counts.values()), counts
    assert all(job_id.startswith("cron:pulse:") for job_id in counts)
    await bus.close()
