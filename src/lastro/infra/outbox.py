"""Transactional outbox: events are rows written in the same transaction as the change.

A relay publishes committed rows to the message bus (at least once) and marks them sent; the
consumer side (:mod:`lastro.infra.events`) makes handling idempotent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import JSON, Index, Integer, String, event, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, Session, mapped_column

from lastro.infra.bus import Message, MessageBus
from lastro.infra.database import Database
from lastro.kit.clock import utcnow
from lastro.kit.events import Event
from lastro.kit.orm import Base, HasId

log = logging.getLogger(__name__)

WROTE_OUTBOX_KEY = "outbox_written"


class OutboxEvent(HasId, Base):
    __tablename__ = "outbox_events"
    __table_args__ = (Index("ix_outbox_events_unpublished", "published_at", "id"),)

    tenant_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    topic: Mapped[str] = mapped_column(String(120))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(default=None)
    attempts: Mapped[int] = mapped_column(Integer, default=0)


def publish(session: AsyncSession | Session, evt: Event) -> None:
    """Write ``evt`` to the outbox in the caller's transaction; it leaves only if that commits."""
    session.add(
        OutboxEvent(
            id=evt.event_id, tenant_id=evt.tenant_id, topic=evt.topic, payload=evt.payload()
        )
    )
    session.info[WROTE_OUTBOX_KEY] = True


class OutboxRelay:
    """Moves committed outbox rows to the bus; woken right after commits, else polls."""

    def __init__(self, db: Database, bus: MessageBus, *, batch: int = 200, poll: float = 1.0):
        self.db = db
        self.bus = bus
        self.batch = batch
        self.poll = poll
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    def wake(self) -> None:
        self._wake.set()

    def install_commit_hook(self) -> None:
        """Wake the relay after any commit that wrote outbox rows (same process)."""

        def _after_commit(session: Session) -> None:
            if session.info.pop(WROTE_OUTBOX_KEY, False):
                with contextlib.suppress(RuntimeError):
                    asyncio.get_running_loop().call_soon_threadsafe(self._wake.set)

        event.listen(Session, "after_commit", _after_commit)

    async def relay_once(self) -> int:
        """Publish one batch; returns how many rows were sent."""
        async with self.db.unit_of_work(platform=True) as session:
            stmt = (
                select(OutboxEvent)
                .where(OutboxEvent.published_at.is_(None))
                .order_by(OutboxEvent.id)
                .limit(self.batch)
            )
            if self.db.dialect == "postgresql":
                stmt = stmt.with_for_update(skip_locked=True)
            rows = list((await session.scalars(stmt)).all())
            for row in rows:
                body = orjson.dumps(row.payload)
                headers = {"tenant_id": str(row.tenant_id or ""), "event_id": str(row.id)}
                await self.bus.publish(
                    Message(id=str(row.id), topic=row.topic, body=body, headers=headers)
                )
            if rows:
                await session.execute(
                    update(OutboxEvent)
                    .where(OutboxEvent.id.in_([r.id for r in rows]))
                    .values(published_at=utcnow(), attempts=OutboxEvent.attempts + 1)
                )
            return len(rows)

    async def run(self) -> None:
        while not self._stopping:
            try:
                sent = await self.relay_once()
            except Exception:
                log.exception("outbox relay failed; retrying")
                sent = 0
                await asyncio.sleep(self.poll)
            if sent >= self.batch:
                continue
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll)

    def start(self) -> None:
        self._task = asyncio.create_task(self.run(), name="outbox-relay")

    async def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(self._task, timeout=5)
