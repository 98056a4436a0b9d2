"""Consuming events: each handler has its own queue, runs in its own transaction bound to the
event's tenant, and is applied once per event (a ``processed_events`` row keyed by handler and
event id is written in the same transaction)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from lastro.infra.bus import Message, MessageBus, topic_matches
from lastro.infra.database import Database
from lastro.infra.outbox import OutboxEvent
from lastro.kit.clock import utcnow
from lastro.kit.events import Event, event_class
from lastro.kit.orm import Base

log = logging.getLogger(__name__)

EventHandler = Callable[[AsyncSession, Event], Awaitable[None]]


class ProcessedEvent(Base):
    __tablename__ = "processed_events"

    handler: Mapped[str] = mapped_column(String(120), primary_key=True)
    event_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(default=utcnow)


@dataclass(frozen=True)
class Subscription:
    name: str
    topics: tuple[str, ...]
    handler: EventHandler


class EventDispatcher:
    def __init__(self, db: Database, bus: MessageBus) -> None:
        self.db = db
        self.bus = bus
        self.subscriptions: list[Subscription] = []

    def add(self, name: str, topics: tuple[str, ...], handler: EventHandler) -> None:
        self.subscriptions.append(Subscription(name, topics, handler))

    async def start(self) -> None:
        for sub in self.subscriptions:
            await self.bus.subscribe(f"handler.{sub.name}", sub.topics, self._consumer(sub))

    def _consumer(self, sub: Subscription) -> Callable[[Message], Awaitable[None]]:
        async def consume(message: Message) -> None:
            await self.handle(sub, message)

        return consume

    async def recover_unhandled(self, *, since: timedelta = timedelta(days=7)) -> int:
        """Re-deliver relayed events that some subscribed handler never applied.

        The in-process bus keeps nothing across a crash, so in embedded mode an event can be
        marked relayed yet never handled. Handlers are idempotent, so re-delivering is safe.
        """
        if not self.subscriptions:
            return 0
        async with self.db.unit_of_work(platform=True) as session:
            rows = (
                await session.scalars(
                    select(OutboxEvent).where(
                        OutboxEvent.published_at.is_not(None),
                        OutboxEvent.created_at >= utcnow() - since,
                    )
                )
            ).all()
            done: set[tuple[str, uuid.UUID]] = set()
            ids = [r.id for r in rows]
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                result = await session.execute(
                    select(ProcessedEvent.handler, ProcessedEvent.event_id).where(
                        ProcessedEvent.event_id.in_(chunk)
                    )
                )
                done.update((h, e) for h, e in result)
        resent = 0
        for row in rows:
            for sub in self.subscriptions:
                if (sub.name, row.id) in done:
                    continue
                if any(topic_matches(pattern, row.topic) for pattern in sub.topics):
                    message = Message(
                        id=str(row.id), topic=row.topic, body=orjson.dumps(row.payload), headers={}
                    )
                    await self._consumer(sub)(message)
                    resent += 1
        if resent:
            log.warning("re-delivered events lost by the in-process bus", extra={"count": resent})
        return resent

    async def handle(self, sub: Subscription, message: Message) -> bool:
        """Apply ``message`` with ``sub``; False when it had already been applied."""
        payload: dict[str, Any] = orjson.loads(message.body)
        cls = event_class(message.topic) or Event
        evt = cls.model_validate(payload)
        async with self.db.unit_of_work(
            tenant_id=evt.tenant_id, platform=evt.tenant_id is None
        ) as s:
            done = await s.scalar(
                select(ProcessedEvent.event_id).where(
                    ProcessedEvent.handler == sub.name, ProcessedEvent.event_id == evt.event_id
                )
            )
            if done is not None:
                return False
            s.add(ProcessedEvent(handler=sub.name, event_id=evt.event_id))
            await s.flush()  # a racing duplicate fails here on the primary key, before the work
            await sub.handler(s, evt)
        return True
