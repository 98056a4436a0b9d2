"""``Ledger``: ledger writes in transactions of their own, retried until they land.

The fast path on PostgreSQL: one entry is one call of ``ledger_write()`` in autocommit, a
batch one transaction on a pooled asyncpg connection. Serialisation failures, deadlocks and
idempotency races are retried here (safe: every entry carries its key), so callers only ever
see the ledger's own refusals.
"""

from __future__ import annotations

import asyncio
import random
import uuid
import weakref
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.util import greenlet_spawn

from lastro.core.ledger import engine
from lastro.core.ledger.calls import (
    BatchInput,
    batch_chains,
    batch_result,
    is_retryable,
    single,
    transfer_draft,
)
from lastro.core.ledger.engine import ChainOutcome, Store, WriteRace
from lastro.core.ledger.errors import LedgerConflict, LedgerError
from lastro.core.ledger.pg import PgStore, begin_sql
from lastro.core.ledger.planning import Operation, Reverse, Settle
from lastro.core.ledger.store import SessionStore
from lastro.core.ledger.types import BatchResult, EntryDraft, EntryKind, EntryResult, Posting
from lastro.infra.database import Database
from lastro.infra.outbox import WROTE_OUTBOX_KEY


@dataclass
class Ledger:
    """Ledger writes in their own transactions, retried on serialisation failures, deadlocks
    and idempotency races (safe: every entry carries its key).

    Built per tenant like ``db.unit_of_work(tenant_id=...)``, by workers and jobs that already
    hold the tenant from their trigger (an event, a job payload) — never from request input.
    """

    db: Database
    tenant_id: uuid.UUID
    max_attempts: int = 12
    group: bool = True  # share transactions with concurrent callers (see _Group)

    async def post(self, draft: EntryDraft) -> EntryResult:
        return (await self._one([draft]))[0]

    async def transfer(
        self,
        *,
        debit: uuid.UUID,
        credit: uuid.UUID,
        amount: Decimal,
        idempotency_key: str,
        description: str = "",
        metadata: dict[str, Any] | None = None,
        effective_date: date | None = None,
        pending: bool = False,
        expires_in: timedelta | None = None,
    ) -> EntryResult:
        return await self.post(
            transfer_draft(
                debit=debit,
                credit=credit,
                amount=amount,
                idempotency_key=idempotency_key,
                description=description,
                metadata=metadata,
                effective_date=effective_date,
                pending=pending,
                expires_in=expires_in,
            )
        )

    async def post_linked(self, drafts: Sequence[EntryDraft]) -> list[EntryResult]:
        return await self._one(list(drafts))

    async def post_batch(self, items: Sequence[BatchInput], *, atomic: bool = False) -> BatchResult:
        chains = batch_chains(items)
        return batch_result(chains, await self._run(chains, atomic=atomic))

    async def post_pending(
        self,
        pending_id: uuid.UUID,
        *,
        amount: Decimal | None = None,
        postings: Sequence[Posting] | None = None,
        description: str | None = None,
        metadata: dict[str, Any] | None = None,
        effective_date: date | None = None,
    ) -> EntryResult:
        op = Settle(
            pending_id,
            EntryKind.POST_PENDING,
            amount,
            postings,
            description,
            metadata,
            effective_date,
        )
        return (await self._one([op]))[0]

    async def void_pending(
        self,
        pending_id: uuid.UUID,
        *,
        description: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> EntryResult:
        op = Settle(pending_id, EntryKind.VOID_PENDING, description=description, metadata=metadata)
        return (await self._one([op]))[0]

    async def reverse(
        self,
        entry_id: uuid.UUID,
        *,
        description: str | None = None,
        metadata: dict[str, Any] | None = None,
        effective_date: date | None = None,
    ) -> EntryResult:
        op = Reverse(entry_id, description, metadata, effective_date)
        return (await self._one([op]))[0]

    async def expire(self, pending_ids: Sequence[uuid.UUID], now: datetime) -> BatchResult:
        """Release overdue holds (the expiry job); holds resolved meanwhile are reported as
        PENDING_ALREADY_RESOLVED, not raised."""
        chains: list[list[Operation]] = [
            [Settle(p, EntryKind.EXPIRE_PENDING, description="Reserva expirada")]
            for p in pending_ids
        ]
        return batch_result(chains, await self._run(chains, atomic=False, now=now))

    async def _one(self, chain: list[Operation]) -> list[EntryResult]:
        """One entry or one linked chain, through this tenant's group when grouping."""
        if not self.group:
            return single(await self._run([chain], atomic=True))
        outcome = await _group(self).submit(chain)
        if outcome.error is not None:
            raise outcome.error
        return outcome.results

    async def _run(
        self,
        chains: Sequence[Sequence[Operation]],
        *,
        atomic: bool,
        now: datetime | None = None,
    ) -> list[ChainOutcome]:
        precheck: bool | None = None
        for attempt in range(self.max_attempts):
            try:
                return await self._attempt(chains, atomic=atomic, now=now, precheck=precheck)
            except WriteRace:
                precheck = True
            except Exception as exc:
                if not is_retryable(exc):
                    raise
            await asyncio.sleep(random.uniform(0, min(0.2, 0.002 * 2**attempt)))  # noqa: S311
        raise LedgerConflict("Razão sob disputa intensa: operação não concluída; repita.")

    async def _attempt(
        self,
        chains: Sequence[Sequence[Operation]],
        *,
        atomic: bool,
        now: datetime | None,
        precheck: bool | None,
    ) -> list[ChainOutcome]:
        if self.db.dialect == "postgresql":
            if len(chains) == 1 and len(chains[0]) == 1 and not precheck:
                # one entry: ledger_write() is the whole transaction, one round trip
                async with pg_connection(self.db) as conn:
                    store: Store = PgStore(conn, self.tenant_id, autocommit=True)
                    return await engine.execute(store, chains, atomic=atomic, now=now)
            async with pg_transaction(self.db, self.tenant_id) as conn:
                store = PgStore(conn, self.tenant_id)
                return await engine.execute(
                    store, chains, precheck=precheck, atomic=atomic, now=now
                )
        async with self.db.unit_of_work(tenant_id=self.tenant_id) as session:
            store = SessionStore(session, self.tenant_id)
            outcomes = await engine.execute(
                store, chains, precheck=precheck, atomic=atomic, now=now
            )
            session.info[WROTE_OUTBOX_KEY] = True
            return outcomes


class _Group:
    """Group commit for one tenant's single-entry calls (as TigerBeetle's clients batch).

    A call that arrives while this tenant's writes are in flight waits for the next flush,
    which writes everything waiting as one batch: one transaction, four round trips, however
    many entries — each still checked, applied or refused on its own, in arrival order. A lone
    call goes straight out (one round trip on PostgreSQL). A batch that fails for a reason
    other than its entries (a server error that retrying does not cure) is re-run entry by
    entry, so that one bad entry cannot sink its neighbours.
    """

    FLUSHERS = 4  # concurrent transactions per tenant: keeps the server busy while we plan
    LIMIT = 2_000  # entries per flush

    def __init__(self, ledger: Ledger) -> None:
        # a weak reference: the registry is keyed weakly by the database, so the group must
        # not keep it alive
        self.db = weakref.ref(ledger.db)
        self.tenant_id = ledger.tenant_id
        self.max_attempts = ledger.max_attempts
        self.waiting: list[tuple[list[Operation], asyncio.Future[ChainOutcome]]] = []
        self.active = 0
        self.tasks: set[asyncio.Task[None]] = set()

    async def submit(self, chain: list[Operation]) -> ChainOutcome:
        future: asyncio.Future[ChainOutcome] = asyncio.get_running_loop().create_future()
        self.waiting.append((chain, future))
        if self.active < self.FLUSHERS:
            self.active += 1
            task = asyncio.ensure_future(self._flush())
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)
        return await future

    async def _flush(self) -> None:
        try:
            while self.waiting:
                batch = self.waiting[: self.LIMIT]
                del self.waiting[: self.LIMIT]
                await self._write(batch)
        finally:
            self.active -= 1

    async def _write(
        self, batch: list[tuple[list[Operation], asyncio.Future[ChainOutcome]]]
    ) -> None:
        try:
            db = self.db()
            if db is None:
                raise RuntimeError("database disposed while ledger writes were waiting")
            ledger = Ledger(db, self.tenant_id, self.max_attempts, group=False)
            outcomes = await ledger._run([chain for chain, _ in batch], atomic=False)
        except Exception as exc:
            if len(batch) == 1:
                _settle(batch[0][1], exc)
                return
            for item in batch:  # find the entry that broke the batch; the others go through
                await self._write([item])
            return
        for (_, future), outcome in zip(batch, outcomes, strict=True):
            _settle(future, outcome)


def _settle(future: asyncio.Future[ChainOutcome], result: ChainOutcome | BaseException) -> None:
    if future.done():  # the caller gave up waiting
        return
    if isinstance(result, BaseException):
        future.set_exception(result)
    else:
        future.set_result(result)


_GROUPS: weakref.WeakKeyDictionary[Database, dict[uuid.UUID, _Group]] = weakref.WeakKeyDictionary()


def _group(ledger: Ledger) -> _Group:
    groups = _GROUPS.setdefault(ledger.db, {})
    found = groups.get(ledger.tenant_id)
    if found is None:
        found = groups[ledger.tenant_id] = _Group(ledger)
    return found


@asynccontextmanager
async def pg_connection(db: Database) -> AsyncIterator[Any]:
    """A pooled asyncpg connection, outside any transaction. It goes back to the pool only in
    a known state: a server-side error (it has ``sqlstate``) or a ledger refusal leaves it
    usable; anything else (a cancelled call, a broken socket) discards it."""
    raw = await db.engine.raw_connection()  # one hop into the pool, none out of it
    conn = raw.driver_connection
    assert conn is not None
    try:
        yield conn
    except BaseException as exc:
        if isinstance(exc, LedgerError) or hasattr(exc, "sqlstate"):
            if not conn.is_closed() and conn.is_in_transaction():
                await conn.execute("ROLLBACK")
        else:
            raw.invalidate()
        raise
    finally:
        # back to the pool; closing an overflow connection awaits, hence the greenlet
        await greenlet_spawn(raw.close)


@asynccontextmanager
async def pg_transaction(db: Database, tenant_id: uuid.UUID) -> AsyncIterator[Any]:
    """A pooled asyncpg connection in a transaction bound to ``tenant_id`` (RLS settings
    pushed with BEGIN, one round trip); committed on success, rolled back on any error."""
    async with pg_connection(db) as conn:
        await conn.execute(begin_sql(tenant_id))
        try:
            yield conn
        except BaseException:
            if not conn.is_closed() and conn.is_in_transaction():
                await conn.execute("ROLLBACK")
            raise
        await conn.execute("COMMIT")
