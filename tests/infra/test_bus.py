from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from lastro.infra.bus import (
    DEAD_LETTER_REASON,
    DEAD_LETTERED_AT,
    MemoryBus,
    Message,
    MessageBus,
    PermanentFailure,
    RabbitBus,
    RedisBus,
    RetryPolicy,
    build_bus,
    topic_matches,
)

from .helpers import eventually, eventually_async

FAST = RetryPolicy(max_attempts=3, base_delay=0.05, max_delay=0.2, factor=2)

MakeBus = Callable[..., MessageBus]
QName = Callable[[str], str]


class Recorder:
    """A handler that records deliveries and fails on demand."""

    def __init__(self, fail_times: int = 0, error: type[Exception] = RuntimeError) -> None:
        self.fail_times = fail_times
        self.error = error
        self.seen: list[Message] = []
        self.at: list[float] = []

    async def __call__(self, message: Message) -> None:
        self.seen.append(message)
        self.at.append(time.monotonic())
        if self.fail_times != 0:
            self.fail_times -= 1
            raise self.error(f"boom #{message.attempt}")

    @property
    def ids(self) -> list[str]:
        return [m.id for m in self.seen]


def msg(topic: str, body: bytes = b"{}", **headers: str) -> Message:
    return Message.create(topic, body, headers)


# --- pure rules -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "topic", "expected"),
    [
        ("a.b.c", "a.b.c", True),
        ("a.*.c", "a.b.c", True),
        ("a.*", "a.b.c", False),
        ("a.#", "a", True),
        ("a.#", "a.b.c", True),
        ("#", "anything.at.all", True),
        ("#.c", "a.b.c", True),
        ("a.#.c", "a.c", True),
        ("a.#.c", "a.x.y.c", True),
        ("a.#.c", "a.x.y.d", False),
        ("*.b.#", "a.b", True),
        ("*", "a.b", False),
        ("a.b", "a.b.c", False),
    ],
)
def test_topic_matches(pattern: str, topic: str, expected: bool) -> None:
    assert topic_matches(pattern, topic) is expected


def test_retry_policy_backoff() -> None:
    policy = RetryPolicy(max_attempts=5, base_delay=0.5, max_delay=3, factor=2)
    assert [policy.delay(n) for n in range(1, 6)] == [0.5, 1.0, 2.0, 3.0, 3.0]
    assert RetryPolicy().delay(10_000) == 300.0
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)


async def test_build_bus() -> None:
    assert isinstance(build_bus(None), MemoryBus)
    assert isinstance(build_bus("amqp://guest:guest@127.0.0.1:5672/"), RabbitBus)
    redis_bus = build_bus("redis://127.0.0.1:6379/15")
    assert isinstance(redis_bus, RedisBus)
    await redis_bus.close()
    with pytest.raises(ValueError):
        build_bus("kafka://broker:9092")


async def test_invalid_names_are_rejected() -> None:
    bus = MemoryBus()
    with pytest.raises(ValueError):
        await bus.publish(msg("a.*"))
    with pytest.raises(ValueError):
        await bus.publish(msg("a..b"))
    with pytest.raises(ValueError):
        await bus.subscribe("q", ["a.b*"], Recorder())
    with pytest.raises(ValueError):
        await bus.subscribe("q.dlq", ["a"], Recorder())
    with pytest.raises(ValueError):
        await bus.publish(msg("a"), delay=-1)
    await bus.close()


# --- every backend ----------------------------------------------------------------------------


async def test_fan_out_to_every_bound_queue(make_bus: MakeBus, qname: QName) -> None:
    bus = make_bus()
    billing, audit, other = Recorder(), Recorder(), Recorder()
    await bus.subscribe(qname("billing"), ["orders.*"], billing, retry=FAST)
    await bus.subscribe(qname("audit"), ["orders.created", "users.#"], audit, retry=FAST)
    await bus.subscribe(qname("other"), ["payments.#"], other, retry=FAST)
    sent = [msg("orders.created", b"1", tenant="t1"), msg("orders.paid", b"2")]
    for m in sent:
        await bus.publish(m)
    await bus.publish(msg("nobody.listens"))
    await eventually(lambda: len(billing.seen) == 2 and len(audit.seen) == 1, what="fan-out")
    sentinel = msg("payments.settled")
    await bus.publish(sentinel)
    await eventually(lambda: len(other.seen) == 1, what="sentinel")
    assert sorted(billing.ids) == sorted(m.id for m in sent)
    assert audit.seen[0] == sent[0]  # id, topic, body, headers and attempt travel intact
    assert other.ids == [sentinel.id]


async def test_competing_consumers_get_each_message_once(make_bus: MakeBus, qname: QName) -> None:
    first, second = make_bus(), make_bus()  # two processes on one queue
    got = Recorder()

    async def slow(message: Message) -> None:
        await asyncio.sleep(0.002)
        await got(message)

    await first.subscribe(qname("work"), ["work.item"], slow, prefetch=4, retry=FAST)
    await second.subscribe(qname("work"), ["work.item"], slow, prefetch=4, retry=FAST)
    sent = [msg("work.item", str(i).encode()) for i in range(40)]
    for m in sent:
        await first.publish(m)
    await eventually(lambda: len(got.seen) >= 40, what="40 deliveries")
    await asyncio.sleep(0.2)  # a duplicate would show up now
    assert Counter(got.ids) == Counter(m.id for m in sent)


async def test_retry_with_backoff_then_dead_letter(make_bus: MakeBus, qname: QName) -> None:
    bus = make_bus()
    queue = qname("flaky")
    failing = Recorder(fail_times=-1)  # always fails
    await bus.subscribe(queue, ["flaky.#"], failing, retry=FAST)
    sent = msg("flaky.thing", b"payload", origin="test")
    await bus.publish(sent)

    async def dead() -> bool:
        return len(await bus.dead_letters(queue)) == 1

    await eventually_async(dead, what="dead letter")
    assert [m.attempt for m in failing.seen] == [1, 2, 3]
    assert {m.id for m in failing.seen} == {sent.id}
    gaps = [b - a for a, b in zip(failing.at, failing.at[1:], strict=False)]
    # Backoff lower bounds (0.05 then 0.1 s); a loaded machine can only make gaps longer.
    assert gaps[0] >= 0.04
    assert gaps[1] >= 0.09
    [letter] = await bus.dead_letters(queue)
    assert (letter.id, letter.topic, letter.body, letter.attempt) == (
        sent.id,
        sent.topic,
        b"payload",
        3,
    )
    assert letter.headers["origin"] == "test"
    assert "RuntimeError: boom #3" in letter.headers[DEAD_LETTER_REASON]
    assert letter.headers[DEAD_LETTERED_AT].endswith("+00:00")
    await asyncio.sleep(0.3)
    assert len(failing.seen) == 3  # nothing more after dead-lettering
    assert len(await bus.dead_letters(queue)) == 1  # listing does not consume


async def test_retry_goes_only_to_the_failing_queue(make_bus: MakeBus, qname: QName) -> None:
    bus = make_bus()
    flaky, steady = Recorder(fail_times=2), Recorder()
    await bus.subscribe(qname("flaky"), ["evt.#"], flaky, retry=FAST)
    await bus.subscribe(qname("steady"), ["evt.#"], steady, retry=FAST)
    sent = msg("evt.happened")
    await bus.publish(sent)
    await eventually(lambda: len(flaky.seen) == 3, what="third attempt")
    assert [m.attempt for m in flaky.seen] == [1, 2, 3]
    await asyncio.sleep(0.2)
    assert steady.ids == [sent.id]
    assert await bus.dead_letters(qname("flaky")) == []


async def test_permanent_failure_dead_letters_at_once(make_bus: MakeBus, qname: QName) -> None:
    bus = make_bus()
    queue = qname("strict")
    handler = Recorder(fail_times=-1, error=PermanentFailure)
    await bus.subscribe(queue, ["strict.x"], handler, retry=FAST)
    await bus.publish(msg("strict.x"))

    async def dead() -> bool:
        return len(await bus.dead_letters(queue)) == 1

    await eventually_async(dead, what="dead letter")
    assert [m.attempt for m in handler.seen] == [1]


async def test_requeue_dead_letters(make_bus: MakeBus, qname: QName) -> None:
    bus = make_bus()
    queue = qname("revive")
    handler = Recorder(fail_times=3)  # fails every attempt of FAST, then works
    await bus.subscribe(queue, ["revive.*"], handler, retry=FAST)
    sent = [msg("revive.a", b"a"), msg("revive.b", b"b")]
    handler.fail_times = 6
    for m in sent:
        await bus.publish(m)

    async def both_dead() -> bool:
        return len(await bus.dead_letters(queue)) == 2

    await eventually_async(both_dead, what="two dead letters")
    assert handler.fail_times == 0
    assert await bus.requeue_dead_letters(queue) == 2
    await eventually(lambda: len(handler.seen) == 8, what="re-queued deliveries")
    revived = handler.seen[6:]
    assert sorted(m.id for m in revived) == sorted(m.id for m in sent)
    assert all(m.attempt == 1 for m in revived)
    assert all(DEAD_LETTER_REASON not in m.headers for m in revived)
    assert await bus.dead_letters(queue) == []
    assert await bus.requeue_dead_letters(queue) == 0


async def test_publish_with_delay(make_bus: MakeBus, qname: QName) -> None:
    bus = make_bus()
    got = Recorder()
    await bus.subscribe(qname("later"), ["later.#"], got, retry=FAST)
    delayed, immediate = msg("later.one", b"d", kind="delayed"), msg("later.two")
    start = time.monotonic()
    await bus.publish(delayed, delay=0.4)
    await bus.publish(immediate)
    await eventually(lambda: len(got.seen) == 2, what="both messages")
    assert got.seen[0].id == immediate.id
    arrived = got.at[got.ids.index(delayed.id)]
    assert arrived - start >= 0.35
    assert got.seen[1] == delayed


async def test_close_waits_for_running_handlers(make_bus: MakeBus, qname: QName) -> None:
    bus = make_bus()
    started, finished = asyncio.Event(), asyncio.Event()

    async def slow(message: Message) -> None:
        started.set()
        await asyncio.sleep(0.2)
        finished.set()

    await bus.subscribe(qname("slow"), ["slow.job"], slow, retry=FAST)
    await bus.publish(msg("slow.job"))
    await asyncio.wait_for(started.wait(), 15)
    await bus.close()
    assert finished.is_set()


async def test_ping(make_bus: MakeBus) -> None:
    bus = make_bus()
    await bus.start()
    assert await bus.ping() is True


# --- backend specifics ------------------------------------------------------------------------


async def test_memory_bus_publish_after_close_fails() -> None:
    bus = MemoryBus()
    await bus.close()
    with pytest.raises(RuntimeError):
        await bus.publish(msg("a.b"))


async def test_redis_takes_over_messages_of_a_dead_consumer(
    redis_url: str, namespace: str, qname: QName
) -> None:
    url = redis_url
    options: dict[str, Any] = {"prefix": f"{namespace}:", "poll_interval": 0.05}
    dead = RedisBus(url, claim_idle=30, **options)
    survivor = RedisBus(url, claim_idle=0.3, **options)
    queue = qname("orphans")
    hang = asyncio.Event()
    entered = asyncio.Event()

    async def stuck(message: Message) -> None:
        entered.set()
        await hang.wait()

    try:
        await dead.subscribe(queue, ["orphan.#"], stuck, retry=FAST)
        sent = msg("orphan.work")
        await dead.publish(sent)
        await asyncio.wait_for(entered.wait(), 15)
        # The process dies: its tasks stop and its connection goes, nothing is acked.
        for sub in dead._subs:
            for task in [*sub.loops, *sub.inflight.values()]:
                task.cancel()
            await asyncio.gather(*sub.loops, *sub.inflight.values(), return_exceptions=True)
        if dead._mover is not None:
            dead._mover.cancel()
            await asyncio.gather(dead._mover, return_exceptions=True)
        await dead._redis.aclose()

        got = Recorder()
        await survivor.subscribe(queue, ["orphan.#"], got, retry=FAST)
        await eventually(lambda: len(got.seen) == 1, what="reclaimed message")
        assert got.seen[0].id == sent.id
        assert got.seen[0].attempt == 1
    finally:
        await survivor.close()
