"""Message transport under the event bus and the job queue.

Messages are published to a *topic* (``consorcio.cota.contemplada``). A *queue* is a named,
durable consumer group bound to topic patterns (AMQP syntax: ``*`` is one word, ``#`` zero or
more): every queue bound to a topic gets its own copy (fan-out), and the consumers of one queue
compete, so each copy is handled once per queue.

Delivery is at least once. A handler that raises gets its message back later with exponential
backoff (:class:`RetryPolicy`), its ``attempt`` increased; after ``max_attempts`` (or at once, for
:class:`PermanentFailure`) the message moves to the queue's dead-letter store, from which it can
be listed and re-queued. A process that dies mid-handler gets its messages redelivered too, so
handlers must be idempotent (the event dispatcher records handled event ids in the database).

Backends: :class:`MemoryBus` (one process, nothing survives a restart), :class:`RabbitBus`
(RabbitMQ, no plugins needed) and :class:`RedisBus` (Redis Streams with consumer groups).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
import socket
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable

import aio_pika
import orjson
import redis.asyncio as aioredis
from aio_pika.abc import (
    AbstractChannel,
    AbstractExchange,
    AbstractIncomingMessage,
    AbstractQueue,
    AbstractRobustConnection,
)
from redis.exceptions import RedisError, ResponseError

from lastro.kit.ids import new_id

__all__ = [
    "DEAD_LETTERED_AT",
    "DEAD_LETTER_REASON",
    "Handler",
    "MemoryBus",
    "Message",
    "MessageBus",
    "PermanentFailure",
    "RabbitBus",
    "RedisBus",
    "RetryPolicy",
    "build_bus",
    "topic_matches",
]

log = logging.getLogger(__name__)

#: Added to the headers of dead-lettered messages (and removed when they are re-queued).
DEAD_LETTER_REASON = "x-dead-letter-reason"
DEAD_LETTERED_AT = "x-dead-lettered-at"
_DLQ_HEADERS = (DEAD_LETTER_REASON, DEAD_LETTERED_AT)


@dataclass(frozen=True)
class Message:
    """One delivery. ``id`` is stable across retries so consumers can de-duplicate by it."""

    id: str
    topic: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    attempt: int = 1

    @classmethod
    def create(cls, topic: str, body: bytes, headers: dict[str, str] | None = None) -> Message:
        return cls(id=str(new_id()), topic=topic, body=body, headers=dict(headers or {}))


Handler = Callable[[Message], Awaitable[None]]


@dataclass(frozen=True)
class RetryPolicy:
    """Backoff after a failed attempt ``n``: ``min(max_delay, base_delay * factor ** (n - 1))``."""

    max_attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 300.0
    factor: float = 2.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.base_delay < 0 or self.max_delay < 0 or self.factor < 1:
            raise ValueError("delays must not be negative and factor must be at least 1")

    def delay(self, attempt: int) -> float:
        """Seconds to wait before attempt ``attempt + 1``."""
        exponent = min(max(attempt - 1, 0), 64)  # 2.0 ** 1000 overflows; the cap applies anyway
        return float(min(self.max_delay, self.base_delay * self.factor**exponent))


class PermanentFailure(Exception):
    """Raised by a handler for a message that can never succeed: dead-letter it, do not retry."""


@runtime_checkable
class MessageBus(Protocol):
    async def start(self) -> None:
        """Connect; publishing or subscribing also starts the bus on first use."""

    async def publish(self, message: Message, *, delay: float = 0) -> None:
        """Route ``message`` to every queue bound to its topic, ``delay`` seconds from now.

        Returns once the broker has the message durably (publisher confirm / Redis reply).
        """

    async def subscribe(
        self,
        queue: str,
        topics: Sequence[str],
        handler: Handler,
        *,
        prefetch: int = 16,
        retry: RetryPolicy | None = None,
    ) -> None:
        """Declare ``queue``, bind it to ``topics`` and consume it in the background with at most
        ``prefetch`` handlers running. ``retry`` overrides the bus's policy for this queue."""

    async def close(self) -> None:
        """Stop consuming, wait for running handlers to finish, then disconnect."""

    async def ping(self) -> bool: ...

    async def dead_letters(self, queue: str) -> list[Message]:
        """The messages in ``queue``'s dead-letter store, oldest first (they stay there)."""

    async def requeue_dead_letters(self, queue: str) -> int:
        """Move every dead letter of ``queue`` back to it with ``attempt=1``; returns how many."""


# --- shared rules ----------------------------------------------------------------------------


def _check_name(kind: str, value: str, *, wildcards: bool) -> None:
    words = value.split(".")
    if not value or any(not w for w in words):
        raise ValueError(f"invalid {kind} {value!r}: dot-separated non-empty words expected")
    for w in words:
        if ("*" in w or "#" in w) and (not wildcards or w not in ("*", "#")):
            raise ValueError(f"invalid {kind} {value!r}: '*' and '#' must be whole words")


def _check_queue(queue: str) -> None:
    if not queue or queue.endswith(".dlq") or any(c.isspace() for c in queue):
        raise ValueError(f"invalid queue name {queue!r}")


def topic_matches(pattern: str, topic: str) -> bool:
    """AMQP topic matching: ``*`` matches exactly one word, ``#`` zero or more words."""
    return _match(pattern.split("."), 0, topic.split("."), 0)


def _match(p: list[str], i: int, t: list[str], j: int) -> bool:
    while i < len(p):
        if p[i] == "#":
            return any(_match(p, i + 1, t, k) for k in range(j, len(t) + 1))
        if j >= len(t) or (p[i] != "*" and p[i] != t[j]):
            return False
        i, j = i + 1, j + 1
    return j == len(t)


def _retry_delay(policy: RetryPolicy, message: Message, exc: Exception) -> float | None:
    """Backoff before the next attempt, or None when the message must be dead-lettered."""
    if isinstance(exc, PermanentFailure) or message.attempt >= policy.max_attempts:
        return None
    return policy.delay(message.attempt)


def _reason(exc: Exception) -> str:
    cause = exc.__cause__ if isinstance(exc, PermanentFailure) and exc.__cause__ else None
    text = f"{type(exc).__name__}: {exc}"
    if isinstance(cause, BaseException):
        text += f" (caused by {type(cause).__name__}: {cause})"
    return text[:1000]


def _now_iso() -> str:
    return datetime.now(UTC).isoformat()


def _dead(message: Message, exc: Exception) -> Message:
    headers = {**message.headers, DEAD_LETTER_REASON: _reason(exc), DEAD_LETTERED_AT: _now_iso()}
    return replace(message, headers=headers)


def _revived(message: Message) -> Message:
    headers = {k: v for k, v in message.headers.items() if k not in _DLQ_HEADERS}
    return replace(message, headers=headers, attempt=1)


def _log_failure(queue: str, message: Message, exc: Exception, delay: float | None) -> None:
    if delay is None:
        log.error(
            "message %s (%s) dead-lettered from queue %s after attempt %d",
            message.id,
            message.topic,
            queue,
            message.attempt,
            exc_info=exc,
        )
    else:
        log.warning(
            "message %s (%s) failed on queue %s, attempt %d; retrying in %.2fs",
            message.id,
            message.topic,
            queue,
            message.attempt,
            delay,
            exc_info=exc,
        )


def _check_publish(message: Message, delay: float) -> None:
    _check_name("topic", message.topic, wildcards=False)
    if delay < 0 or not math.isfinite(delay):
        raise ValueError(f"delay must be a finite number of seconds >= 0, got {delay!r}")


# --- in-process ------------------------------------------------------------------------------


class _MemoryQueue:
    def __init__(self) -> None:
        self.patterns: set[str] = set()
        self.ready: asyncio.Queue[Message] = asyncio.Queue()
        self.dead: list[Message] = []


class MemoryBus:
    """The embedded bus: queues are asyncio queues, backoff uses ``loop.call_later``.

    Same routing, retry and dead-letter rules as the brokers, so code tested on it behaves the
    same in production; but messages live in memory and are lost when the process stops.
    """

    def __init__(self, retry: RetryPolicy | None = None) -> None:
        self.retry = retry or RetryPolicy()
        self._queues: dict[str, _MemoryQueue] = {}
        self._consumers: set[asyncio.Task[None]] = set()
        self._inflight: set[asyncio.Task[None]] = set()
        self._timers: set[asyncio.TimerHandle] = set()
        self._closed = False

    async def start(self) -> None:
        self._closed = False

    def _ensure_open(self) -> None:
        if self._closed:
            raise RuntimeError("the bus is closed")

    async def publish(self, message: Message, *, delay: float = 0) -> None:
        self._ensure_open()
        _check_publish(message, delay)
        if delay > 0:
            self._later(delay, self._route, message)
        else:
            self._route(message)

    def _route(self, message: Message) -> None:
        for q in self._queues.values():
            if any(topic_matches(p, message.topic) for p in q.patterns):
                q.ready.put_nowait(message)

    def _later(self, delay: float, fn: Callable[[Message], None], message: Message) -> None:
        def fire() -> None:
            self._timers.discard(handle)
            fn(message)

        handle = asyncio.get_running_loop().call_later(delay, fire)
        self._timers.add(handle)

    async def subscribe(
        self,
        queue: str,
        topics: Sequence[str],
        handler: Handler,
        *,
        prefetch: int = 16,
        retry: RetryPolicy | None = None,
    ) -> None:
        self._ensure_open()
        _check_queue(queue)
        for t in topics:
            _check_name("topic pattern", t, wildcards=True)
        if prefetch < 1:
            raise ValueError("prefetch must be at least 1")
        q = self._queues.setdefault(queue, _MemoryQueue())
        q.patterns.update(topics)
        task = asyncio.create_task(
            self._consume(queue, q, handler, prefetch, retry or self.retry),
            name=f"bus-consumer:{queue}",
        )
        self._consumers.add(task)
        task.add_done_callback(self._consumers.discard)

    async def _consume(
        self, name: str, q: _MemoryQueue, handler: Handler, prefetch: int, policy: RetryPolicy
    ) -> None:
        slots = asyncio.Semaphore(prefetch)
        while True:
            await slots.acquire()
            try:
                message = await q.ready.get()
            except asyncio.CancelledError:
                slots.release()
                raise
            task = asyncio.create_task(self._handle(name, q, message, handler, policy))
            self._inflight.add(task)

            def done(t: asyncio.Task[None]) -> None:
                self._inflight.discard(t)
                slots.release()

            task.add_done_callback(done)

    async def _handle(
        self, name: str, q: _MemoryQueue, message: Message, handler: Handler, policy: RetryPolicy
    ) -> None:
        try:
            await handler(message)
        except Exception as exc:
            delay = _retry_delay(policy, message, exc)
            _log_failure(name, message, exc, delay)
            if delay is None:
                q.dead.append(_dead(message, exc))
            else:
                self._later(
                    delay, q.ready.put_nowait, replace(message, attempt=message.attempt + 1)
                )

    async def close(self) -> None:
        self._closed = True
        consumers = list(self._consumers)
        for task in consumers:
            task.cancel()
        await asyncio.gather(*consumers, return_exceptions=True)
        while self._inflight:
            await asyncio.gather(*list(self._inflight), return_exceptions=True)
        for handle in self._timers:
            handle.cancel()
        self._timers.clear()

    async def ping(self) -> bool:
        return not self._closed

    async def dead_letters(self, queue: str) -> list[Message]:
        q = self._queues.get(queue)
        return list(q.dead) if q else []

    async def requeue_dead_letters(self, queue: str) -> int:
        q = self._queues.get(queue)
        if q is None:
            return 0
        dead, q.dead = q.dead, []
        for message in dead:
            q.ready.put_nowait(_revived(message))
        return len(dead)


# --- RabbitMQ --------------------------------------------------------------------------------

_TOPIC_HEADER = "x-lastro-topic"
_ATTEMPT_HEADER = "x-lastro-attempt"
_DELAY_HEADER = "x-lastro-delay"
_MAX_TTL_MS = 2**32 - 1


def _delay_ms(delay: float) -> int:
    ms = max(1, math.ceil(delay * 1000))
    if ms > _MAX_TTL_MS:
        raise ValueError(f"delay {delay}s is longer than RabbitMQ's maximum TTL (~49 days)")
    return ms


def _header_str(value: Any) -> str:
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", "replace")
    return str(value)


class RabbitBus:
    """RabbitMQ backend with aio-pika; works on a stock broker (no delayed-message plugin).

    Topology, for exchange ``E`` (default ``lastro.events``) and queue ``Q``:

    * ``E``: durable topic exchange; ``Q`` is a durable queue bound to it by topic pattern.
    * Retries: ``Q.retry.<ms>`` queues hold a failed message for ``<ms>`` (queue TTL) and then
      dead-letter it through the default exchange straight back to ``Q`` only, so other queues
      bound to the same topic never see a retry.
    * ``publish(delay=...)``: ``E.delay`` (headers exchange) routes to ``E.delay.<ms>``, whose
      expired messages dead-letter to ``E`` with their original topic.
    * Dead letters: ``Q.dlq``.

    Delay queues use one TTL per queue, so expiry is strictly first-in-first-out, and they delete
    themselves when unused (``x-expires``), which is why they are re-declared before use.
    Messages are persistent and every publish waits for the broker's confirm.
    """

    def __init__(
        self,
        url: str,
        *,
        exchange: str = "lastro.events",
        retry: RetryPolicy | None = None,
        delay_queue_idle: float = 60.0,
    ) -> None:
        self.url = url
        self.exchange_name = exchange
        self.retry = retry or RetryPolicy()
        self._idle_ms = max(1000, int(delay_queue_idle * 1000))
        self._conn: AbstractRobustConnection | None = None
        self._channel: AbstractChannel | None = None
        self._exchange: AbstractExchange | None = None
        self._delay_exchange: AbstractExchange | None = None
        self._start_lock = asyncio.Lock()
        self._declared_at: dict[str, float] = {}
        self._subs: list[tuple[AbstractChannel, AbstractQueue, str]] = []
        self._inflight: set[asyncio.Task[Any]] = set()
        self._closing = False
        self.declared_queues: set[str] = set()
        self.declared_exchanges: set[str] = set()

    async def start(self) -> None:
        async with self._start_lock:
            if self._conn is not None:
                return
            conn = await aio_pika.connect_robust(self.url)
            try:
                channel = await conn.channel(publisher_confirms=True, on_return_raises=True)
                self._exchange = await channel.declare_exchange(
                    self.exchange_name, aio_pika.ExchangeType.TOPIC, durable=True
                )
                self._delay_exchange = await channel.declare_exchange(
                    f"{self.exchange_name}.delay", aio_pika.ExchangeType.HEADERS, durable=True
                )
            except BaseException:
                await conn.close()
                raise
            self.declared_exchanges.update({self.exchange_name, f"{self.exchange_name}.delay"})
            self._conn, self._channel, self._closing = conn, channel, False

    async def _ready(self) -> AbstractChannel:
        if self._closing:
            raise RuntimeError("the bus is closed")
        if self._channel is None:
            await self.start()
        assert self._channel is not None
        return self._channel

    def _outgoing(self, message: Message) -> aio_pika.Message:
        headers: dict[str, Any] = dict(message.headers)
        headers[_TOPIC_HEADER] = message.topic
        headers[_ATTEMPT_HEADER] = message.attempt
        return aio_pika.Message(
            message.body,
            headers=headers,
            message_id=message.id,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            timestamp=datetime.now(UTC),
        )

    @staticmethod
    def _incoming(incoming: AbstractIncomingMessage) -> Message:
        raw = dict(incoming.headers or {})
        topic = _header_str(raw.pop(_TOPIC_HEADER, incoming.routing_key or ""))
        attempt = int(_header_str(raw.pop(_ATTEMPT_HEADER, 1)))
        headers = {k: _header_str(v) for k, v in raw.items() if not k.startswith("x-death")}
        headers = {k: v for k, v in headers.items() if not k.startswith("x-first-death")}
        headers = {k: v for k, v in headers.items() if not k.startswith("x-last-death")}
        headers.pop(_DELAY_HEADER, None)
        return Message(
            id=incoming.message_id or "",
            topic=topic,
            body=incoming.body,
            headers=headers,
            attempt=attempt,
        )

    async def _declare_delay_queue(
        self, channel: AbstractChannel, name: str, arguments: dict[str, Any], bind: int | None
    ) -> None:
        """Declare (and renew the ``x-expires`` lease of) a delay queue when it may be near expiry.

        A queue declared at most ``idle/2`` ago outlives any message put in it now, since it
        expires ``ttl + idle`` after its last declaration.
        """
        now = time.monotonic()
        if now - self._declared_at.get(name, -math.inf) < self._idle_ms / 2000:
            return
        queue = await channel.declare_queue(name, durable=True, arguments=arguments)
        if bind is not None:
            assert self._delay_exchange is not None
            await queue.bind(
                self._delay_exchange, arguments={"x-match": "all", _DELAY_HEADER: str(bind)}
            )
        self._declared_at[name] = now
        self.declared_queues.add(name)

    async def publish(self, message: Message, *, delay: float = 0) -> None:
        _check_publish(message, delay)
        channel = await self._ready()
        assert self._exchange is not None and self._delay_exchange is not None
        outgoing = self._outgoing(message)
        if delay <= 0:
            await self._exchange.publish(outgoing, routing_key=message.topic, mandatory=False)
            return
        ms = _delay_ms(delay)
        name = f"{self.exchange_name}.delay.{ms}"
        args = {
            "x-message-ttl": ms,
            "x-dead-letter-exchange": self.exchange_name,
            "x-expires": ms + self._idle_ms,
        }
        await self._declare_delay_queue(channel, name, args, bind=ms)
        outgoing.headers[_DELAY_HEADER] = str(ms)
        await self._delay_exchange.publish(outgoing, routing_key=message.topic, mandatory=True)

    async def _to_queue(self, queue: str, message: Message, *, delay: float = 0) -> None:
        """Send ``message`` to one queue only (retries, dead letters, re-queues)."""
        channel = await self._ready()
        target = queue
        if delay > 0:
            ms = _delay_ms(delay)
            target = f"{queue}.retry.{ms}"
            args = {
                "x-message-ttl": ms,
                "x-dead-letter-exchange": "",
                "x-dead-letter-routing-key": queue,
                "x-expires": ms + self._idle_ms,
            }
            await self._declare_delay_queue(channel, target, args, bind=None)
        await channel.default_exchange.publish(
            self._outgoing(message), routing_key=target, mandatory=True
        )

    async def subscribe(
        self,
        queue: str,
        topics: Sequence[str],
        handler: Handler,
        *,
        prefetch: int = 16,
        retry: RetryPolicy | None = None,
    ) -> None:
        _check_queue(queue)
        for t in topics:
            _check_name("topic pattern", t, wildcards=True)
        if prefetch < 1:
            raise ValueError("prefetch must be at least 1")
        await self._ready()
        assert self._conn is not None and self._exchange is not None
        policy = retry or self.retry
        channel = await self._conn.channel(publisher_confirms=False)
        await channel.set_qos(prefetch_count=prefetch)
        q = await channel.declare_queue(queue, durable=True)
        await channel.declare_queue(f"{queue}.dlq", durable=True)
        self.declared_queues.update({queue, f"{queue}.dlq"})
        for t in topics:
            await q.bind(self.exchange_name, routing_key=t)

        async def on_message(incoming: AbstractIncomingMessage) -> None:
            task = asyncio.current_task()
            if task is not None:
                self._inflight.add(task)
            try:
                await self._handle(queue, incoming, handler, policy)
            finally:
                if task is not None:
                    self._inflight.discard(task)

        tag = await q.consume(on_message)
        self._subs.append((channel, q, tag))

    async def _handle(
        self,
        queue: str,
        incoming: AbstractIncomingMessage,
        handler: Handler,
        policy: RetryPolicy,
    ) -> None:
        try:
            message = self._incoming(incoming)
        except Exception as exc:
            log.exception("queue %s: malformed message %s", queue, incoming.message_id)
            raw = Message(
                id=incoming.message_id or "",
                topic=incoming.routing_key or "",
                body=incoming.body,
            )
            await self._fail(queue, incoming, raw, PermanentFailure(f"malformed: {exc}"), policy)
            return
        try:
            await handler(message)
        except Exception as exc:
            await self._fail(queue, incoming, message, exc, policy)
            return
        await incoming.ack()

    async def _fail(
        self,
        queue: str,
        incoming: AbstractIncomingMessage,
        message: Message,
        exc: Exception,
        policy: RetryPolicy,
    ) -> None:
        """Re-publish for a retry or to the dead-letter queue, then ack the original.

        Publishing waits for the broker's confirm first, so a crash in between duplicates the
        message rather than losing it.
        """
        delay = _retry_delay(policy, message, exc)
        _log_failure(queue, message, exc, delay)
        try:
            if delay is None:
                await self._to_queue(f"{queue}.dlq", _dead(message, exc))
            else:
                retry = replace(message, attempt=message.attempt + 1)
                await self._to_queue(queue, retry, delay=delay)
        except Exception:
            # Keep the message: the broker redelivers it and the handler runs again.
            log.exception("could not schedule retry of message %s on %s", message.id, queue)
            await incoming.nack(requeue=True)
            return
        await incoming.ack()

    async def close(self) -> None:
        self._closing = True
        for _, q, tag in self._subs:
            with contextlib.suppress(Exception):
                await q.cancel(tag)
        # Deliveries already on their way still start a handler; let them all finish.
        await asyncio.sleep(0)
        while self._inflight:
            await asyncio.gather(*list(self._inflight), return_exceptions=True)
            await asyncio.sleep(0)
        for channel, _, _ in self._subs:
            with contextlib.suppress(Exception):
                await channel.close()
        self._subs.clear()
        if self._conn is not None:
            await self._conn.close()
        self._conn = self._channel = self._exchange = self._delay_exchange = None
        self._declared_at.clear()

    async def ping(self) -> bool:
        try:
            await self._ready()
        except Exception:
            return False
        return self._conn is not None and not self._conn.is_closed

    async def dead_letters(self, queue: str) -> list[Message]:
        await self._ready()
        assert self._conn is not None
        messages: list[Message] = []
        async with self._conn.channel(publisher_confirms=False) as channel:
            dlq = await channel.declare_queue(f"{queue}.dlq", durable=True)
            held: list[AbstractIncomingMessage] = []
            while (incoming := await dlq.get(no_ack=False, fail=False)) is not None:
                held.append(incoming)
                messages.append(self._incoming(incoming))
            for incoming in held:  # give them back, in order
                await incoming.nack(requeue=True)
        return messages

    async def requeue_dead_letters(self, queue: str) -> int:
        await self._ready()
        assert self._conn is not None
        moved = 0
        async with self._conn.channel(publisher_confirms=False) as channel:
            dlq = await channel.declare_queue(f"{queue}.dlq", durable=True)
            while (incoming := await dlq.get(no_ack=False, fail=False)) is not None:
                await self._to_queue(queue, _revived(self._incoming(incoming)))
                await incoming.ack()
                moved += 1
        return moved


# --- Redis Streams ---------------------------------------------------------------------------

_GROUP = "workers"

# Move due delayed messages into their target streams. KEYS[1]: the delayed sorted set
# (member = message key suffix, score = due time in ms); ARGV[1]: prefix of the hashes holding the
# messages; ARGV[2]: batch size. Returns {moved, ms until the next one or -1}.
_MOVE_DUE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local due = redis.call(
  'ZRANGEBYSCORE', KEYS[1], '-inf', string.format('%.0f', now), 'LIMIT', 0, tonumber(ARGV[2])
)
for _, member in ipairs(due) do
  local hkey = ARGV[1] .. member
  local fields = redis.call('HGETALL', hkey)
  local target = nil
  local out = {}
  for i = 1, #fields, 2 do
    if fields[i] == 'target' then
      target = fields[i + 1]
    else
      out[#out + 1] = fields[i]
      out[#out + 1] = fields[i + 1]
    end
  end
  if target and #out > 0 then
    redis.call('XADD', target, '*', unpack(out))
  end
  redis.call('DEL', hkey)
  redis.call('ZREM', KEYS[1], member)
end
local nxt = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local wait = -1
if #nxt > 0 then
  wait = math.max(0, tonumber(nxt[2]) - now)
end
return {#due, wait}
"""

# Park a message until ARGV[1] ms from now (server clock), optionally acking the delivery it
# replaces in the same step. KEYS: delayed set, message hash, source stream.
# ARGV: delay ms, member, group ('' = nothing to ack), entry id, field/value pairs...
_SCHEDULE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('HSET', KEYS[2], unpack(ARGV, 5))
redis.call('ZADD', KEYS[1], string.format('%.0f', now + tonumber(ARGV[1])), ARGV[2])
if ARGV[3] ~= '' then
  redis.call('XACK', KEYS[3], ARGV[3], ARGV[4])
  redis.call('XDEL', KEYS[3], ARGV[4])
end
return 1
"""

# Move up to ARGV[1] dead letters (KEYS[1]) back to their stream (KEYS[2]) with attempt 1.
_REQUEUE = """
local entries = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', tonumber(ARGV[1]))
for _, entry in ipairs(entries) do
  local f = entry[2]
  local out = {}
  for i = 1, #f, 2 do
    local k = f[i]
    if k == 'attempt' then
      out[#out + 1] = k
      out[#out + 1] = '1'
    elseif k ~= 'reason' and k ~= 'failed_at' then
      out[#out + 1] = k
      out[#out + 1] = f[i + 1]
    end
  end
  redis.call('XADD', KEYS[2], '*', unpack(out))
  redis.call('XDEL', KEYS[1], entry[1])
end
return #entries
"""


def _fields(message: Message) -> dict[str, bytes | str | int]:
    return {
        "id": message.id,
        "topic": message.topic,
        "body": message.body,
        "headers": orjson.dumps(message.headers),
        "attempt": message.attempt,
    }


def _from_fields(raw: dict[Any, Any]) -> Message:
    f = {(k.decode() if isinstance(k, bytes) else str(k)): v for k, v in raw.items()}

    def text(name: str, default: str = "") -> str:
        value = f.get(name)
        return default if value is None else _header_str(value)

    headers = {str(k): str(v) for k, v in orjson.loads(f.get("headers") or b"{}").items()}
    if "reason" in f:
        headers[DEAD_LETTER_REASON] = text("reason")
        headers[DEAD_LETTERED_AT] = text("failed_at")
    body = f.get("body") or b""
    return Message(
        id=text("id"),
        topic=text("topic"),
        body=body if isinstance(body, bytes) else str(body).encode(),
        headers=headers,
        attempt=int(text("attempt", "1")),
    )


def _stream_entries(resp: Any) -> list[tuple[bytes, dict[Any, Any]]]:
    """Entries of an XREADGROUP reply, whether the connection speaks RESP2 or RESP3."""
    if not resp:
        return []
    groups: Iterable[Any] = resp.values() if isinstance(resp, dict) else (r[1] for r in resp)
    out: list[tuple[bytes, dict[Any, Any]]] = []
    for entries in groups:
        for entry in entries:
            if isinstance(entry, list):  # RESP3 nests the entry list once more
                out.extend((e[0], e[1]) for e in entry)
            else:
                out.append((entry[0], entry[1]))
    return out


@dataclass(eq=False)
class _RedisSub:
    queue: str
    stream: str
    handler: Handler
    prefetch: int
    policy: RetryPolicy
    consumer: str
    inflight: dict[bytes, asyncio.Task[None]] = field(default_factory=dict)
    loops: list[asyncio.Task[None]] = field(default_factory=list)
    claim_cursor: bytes = b"0-0"


class RedisBus:
    """Redis Streams backend: one stream per queue, consumed by the consumer group ``workers``.

    * Routing: bindings live in one hash; ``publish`` reads them and adds the message to every
      matching queue's stream in one MULTI (a queue gets messages published after it was bound,
      as with RabbitMQ).
    * Acks: XACK + XDEL, so a stream holds only what is waiting or being handled.
    * Dead consumers: their pending entries are taken over with XAUTOCLAIM once idle for
      ``claim_idle`` seconds; live consumers refresh their in-flight entries (XCLAIM ``JUSTID``)
      well before that, so a slow handler is not mistaken for a dead one.
    * Backoff and ``publish(delay=...)``: a sorted set scored by due time (Redis server clock);
      subscribed processes move due entries to their stream with a Lua script, so each moves once.

    Scripts touch keys derived at run time, so this needs a single Redis (not Cluster).
    """

    def __init__(
        self,
        url: str,
        *,
        prefix: str = "lastro:bus:",
        retry: RetryPolicy | None = None,
        claim_idle: float = 60.0,
        poll_interval: float = 0.5,
        block: float = 1.0,
    ) -> None:
        self.url = url
        self.prefix = prefix
        self.retry = retry or RetryPolicy()
        self.claim_idle = claim_idle
        self.poll_interval = poll_interval
        self._block_ms = max(1, int(block * 1000))
        self._redis: aioredis.Redis = aioredis.Redis.from_url(url)
        self._move_due = self._redis.register_script(_MOVE_DUE)
        self._schedule = self._redis.register_script(_SCHEDULE)
        self._requeue = self._redis.register_script(_REQUEUE)
        self._subs: list[_RedisSub] = []
        self._mover: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._closing = False
        self._started = False
        self._patterns: dict[bytes, tuple[str, str]] = {}

    # keys
    @property
    def _bindings(self) -> str:
        return f"{self.prefix}bindings"

    @property
    def _delayed(self) -> str:
        return f"{self.prefix}delayed"

    def _stream(self, queue: str) -> str:
        return f"{self.prefix}q:{queue}"

    def _dlq(self, queue: str) -> str:
        return f"{self.prefix}q:{queue}.dlq"

    async def start(self) -> None:
        if self._closing:
            raise RuntimeError("the bus is closed")
        if not self._started:
            await self._redis.ping()
            self._started = True

    async def _targets(self, topic: str) -> list[str]:
        streams: set[str] = set()
        for raw in await self._redis.hkeys(self._bindings):
            key = raw if isinstance(raw, bytes) else str(raw).encode()
            binding = self._patterns.get(key)
            if binding is None:
                queue, pattern = orjson.loads(key)
                binding = self._patterns[key] = (str(queue), str(pattern))
            if topic_matches(binding[1], topic):
                streams.add(self._stream(binding[0]))
        return sorted(streams)

    async def publish(self, message: Message, *, delay: float = 0) -> None:
        _check_publish(message, delay)
        await self.start()
        targets = await self._targets(message.topic)
        if not targets:
            return
        fields = _fields(message)
        async with self._redis.pipeline(transaction=True) as pipe:
            for stream in targets:
                if delay > 0:
                    await self._park(pipe, stream, fields, delay)
                else:
                    pipe.xadd(stream, fields)  # type: ignore[arg-type]
            await pipe.execute()
        if delay > 0:
            self._wake.set()

    async def _park(
        self,
        client: Any,
        stream: str,
        fields: dict[str, bytes | str | int],
        delay: float,
        ack: tuple[str, bytes] | None = None,
    ) -> None:
        member = uuid.uuid4().hex
        pairs: list[bytes | str | int] = ["target", stream]
        for k, v in fields.items():
            pairs += [k, v]
        source, entry = ack if ack else ("", b"")
        await self._schedule(
            keys=[self._delayed, f"{self.prefix}delayed:{member}", source or self._delayed],
            args=[max(1, math.ceil(delay * 1000)), member, _GROUP if ack else "", entry, *pairs],
            client=client,
        )

    async def subscribe(
        self,
        queue: str,
        topics: Sequence[str],
        handler: Handler,
        *,
        prefetch: int = 16,
        retry: RetryPolicy | None = None,
    ) -> None:
        _check_queue(queue)
        for t in topics:
            _check_name("topic pattern", t, wildcards=True)
        if prefetch < 1:
            raise ValueError("prefetch must be at least 1")
        await self.start()
        stream = self._stream(queue)
        await self._ensure_group(stream)
        if topics:
            await self._redis.hset(
                self._bindings, mapping={orjson.dumps([queue, t]): b"1" for t in topics}
            )
        consumer = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        sub = _RedisSub(queue, stream, handler, prefetch, retry or self.retry, consumer)
        sub.loops.append(asyncio.create_task(self._read_loop(sub), name=f"bus-read:{queue}"))
        sub.loops.append(asyncio.create_task(self._claim_loop(sub), name=f"bus-claim:{queue}"))
        self._subs.append(sub)
        if self._mover is None:
            self._mover = asyncio.create_task(self._move_loop(), name="bus-delayed")

    async def _ensure_group(self, stream: str) -> None:
        try:
            await self._redis.xgroup_create(stream, _GROUP, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    async def _wait_for_room(self, sub: _RedisSub) -> None:
        while len(sub.inflight) >= sub.prefetch:
            await asyncio.wait(list(sub.inflight.values()), return_when=asyncio.FIRST_COMPLETED)

    def _spawn(self, sub: _RedisSub, entry_id: bytes, raw: dict[Any, Any]) -> None:
        if entry_id in sub.inflight:
            return
        task = asyncio.create_task(self._handle(sub, entry_id, raw))
        sub.inflight[entry_id] = task
        task.add_done_callback(lambda _: sub.inflight.pop(entry_id, None))

    async def _read_loop(self, sub: _RedisSub) -> None:
        while not self._closing:
            await self._wait_for_room(sub)
            try:
                resp = await self._redis.xreadgroup(
                    _GROUP,
                    sub.consumer,
                    {sub.stream: ">"},
                    count=sub.prefetch - len(sub.inflight),
                    block=self._block_ms,
                )
            except ResponseError as exc:
                if "NOGROUP" in str(exc):  # the stream was deleted under us
                    await self._ensure_group(sub.stream)
                    continue
                log.exception("reading queue %s failed", sub.queue)
                await asyncio.sleep(1)
                continue
            except (RedisError, OSError):
                log.exception("reading queue %s failed", sub.queue)
                await asyncio.sleep(1)
                continue
            for entry_id, raw in _stream_entries(resp):
                self._spawn(sub, entry_id, raw)

    async def _claim_loop(self, sub: _RedisSub) -> None:
        """Keep our in-flight entries fresh and adopt entries abandoned by dead consumers."""
        idle_ms = max(1, int(self.claim_idle * 1000))
        while not self._closing:
            await asyncio.sleep(self.claim_idle / 4)
            try:
                mine: list[Any] = list(sub.inflight)
                if mine:
                    await self._redis.xclaim(sub.stream, _GROUP, sub.consumer, 0, mine, justid=True)
                room = sub.prefetch - len(sub.inflight)
                if room <= 0:
                    continue
                resp = await self._redis.xautoclaim(
                    sub.stream, _GROUP, sub.consumer, idle_ms, sub.claim_cursor, count=room
                )
                sub.claim_cursor = resp[0] if resp and resp[0] else b"0-0"
                for entry_id, raw in resp[1]:
                    if raw is not None:
                        log.warning("queue %s: took over stale message %s", sub.queue, entry_id)
                        self._spawn(sub, entry_id, raw)
            except (RedisError, OSError):
                log.exception("claiming stale messages of queue %s failed", sub.queue)

    async def _move_loop(self) -> None:
        while not self._closing:
            self._wake.clear()
            wait = self.poll_interval
            try:
                moved, next_ms = await self._move_due(
                    keys=[self._delayed], args=[f"{self.prefix}delayed:", 100]
                )
                if int(moved) >= 100:
                    continue
                if int(next_ms) >= 0:
                    wait = min(wait, int(next_ms) / 1000)
            except (RedisError, OSError):
                log.exception("moving delayed messages failed")
                wait = max(wait, 1.0)
            # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(wait):
                    await self._wake.wait()

    async def _handle(self, sub: _RedisSub, entry_id: bytes, raw: dict[Any, Any]) -> None:
        try:
            try:
                message = _from_fields(raw)
            except Exception as exc:
                log.exception("queue %s: malformed entry %s", sub.queue, entry_id)
                await self._dead_letter(sub, entry_id, raw, exc)
                return
            try:
                await sub.handler(message)
            except Exception as exc:
                delay = _retry_delay(sub.policy, message, exc)
                _log_failure(sub.queue, message, exc, delay)
                if delay is None:
                    await self._dead_letter(sub, entry_id, raw, exc)
                else:
                    retry = _fields(replace(message, attempt=message.attempt + 1))
                    await self._park(
                        self._redis, sub.stream, retry, delay, ack=(sub.stream, entry_id)
                    )
                    self._wake.set()
                return
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.xack(sub.stream, _GROUP, entry_id)
                pipe.xdel(sub.stream, entry_id)
                await pipe.execute()
        except (RedisError, OSError):
            # Not acked: the entry stays pending and is taken over after ``claim_idle``.
            log.exception("queue %s: could not settle message %s", sub.queue, entry_id)

    async def _dead_letter(
        self, sub: _RedisSub, entry_id: bytes, raw: dict[Any, Any], exc: Exception
    ) -> None:
        fields = dict(raw)
        fields[b"reason"] = _reason(exc).encode()
        fields[b"failed_at"] = _now_iso().encode()
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.xadd(self._dlq(sub.queue), fields)
            pipe.xack(sub.stream, _GROUP, entry_id)
            pipe.xdel(sub.stream, entry_id)
            await pipe.execute()

    async def close(self) -> None:
        self._closing = True
        loops = [t for sub in self._subs for t in sub.loops]
        if self._mover is not None:
            loops.append(self._mover)
        for task in loops:
            task.cancel()
        await asyncio.gather(*loops, return_exceptions=True)
        for sub in self._subs:
            while sub.inflight:
                await asyncio.gather(*list(sub.inflight.values()), return_exceptions=True)
            with contextlib.suppress(RedisError, OSError):
                pending = await self._redis.xpending_range(
                    sub.stream, _GROUP, min="-", max="+", count=1, consumername=sub.consumer
                )
                if not pending:
                    await self._redis.xgroup_delconsumer(sub.stream, _GROUP, sub.consumer)
        self._subs.clear()
        self._mover = None
        await self._redis.aclose()

    async def ping(self) -> bool:
        try:
            return bool(await self._redis.ping())
        except (RedisError, OSError):
            return False

    async def dead_letters(self, queue: str) -> list[Message]:
        entries = await self._redis.xrange(self._dlq(queue)) or []
        return [_from_fields(raw) for _, raw in entries if raw is not None]

    async def requeue_dead_letters(self, queue: str) -> int:
        total = 0
        while True:
            moved = int(
                await self._requeue(keys=[self._dlq(queue), self._stream(queue)], args=[500])
            )
            total += moved
            if moved < 500:
                return total


def build_bus(broker_url: str | None, *, retry: RetryPolicy | None = None) -> MessageBus:
    """``None`` → in-process; ``amqp://``/``amqps://`` → RabbitMQ; ``redis://``/``rediss://``/
    ``unix://`` → Redis Streams."""
    if not broker_url:
        return MemoryBus(retry=retry)
    scheme = broker_url.split("://", 1)[0].lower()
    if scheme in ("amqp", "amqps"):
        return RabbitBus(broker_url, retry=retry)
    if scheme in ("redis", "rediss", "unix"):
        return RedisBus(broker_url, retry=retry)
    raise ValueError(f"unsupported broker URL scheme {scheme!r}: use amqp:// or redis://")
