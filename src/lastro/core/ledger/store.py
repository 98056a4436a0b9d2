"""The engine's store on a SQLAlchemy session: the embedded (SQLite) path.

Every statement is ORM-enabled, so the tenancy guard filters reads and stamps inserts. SQLite
runs one writer at a time (``BEGIN IMMEDIATE``), so the idempotency pre-check cannot race and
balance rows are written back as absolute values computed under that lock.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import orjson
from sqlalchemy import insert, or_, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from lastro.core.ledger.engine import (
    TOPICS,
    BalanceRow,
    Chunk,
    EntryKey,
    RowKey,
    event_payload,
    occurred_at,
)
from lastro.core.ledger.models import LedgerAccount, LedgerBalance, LedgerEntry, LedgerPosting
from lastro.core.ledger.planning import AccountMeta, StoredEntry, postings_range
from lastro.core.ledger.types import AccountType, EntryKind
from lastro.infra.outbox import WROTE_OUTBOX_KEY, OutboxEvent

T = TypeVar("T")
_IN_CHUNK = 400  # bound parameters per IN list (SQLite caps variables per statement)


def _chunks(items: Sequence[T], size: int = _IN_CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass(frozen=True, slots=True)
class _Built:
    entries: list[dict[str, Any]]
    postings: list[dict[str, Any]]
    balances: list[dict[str, Any]]
    events: list[dict[str, Any]]


class SessionStore:
    optimistic = False
    fused = False

    def __init__(self, session: AsyncSession, tenant_id: uuid.UUID) -> None:
        self.session = session
        self.tenant_id = tenant_id

    async def load_accounts(self, ids: Sequence[uuid.UUID]) -> list[AccountMeta]:
        out: list[AccountMeta] = []
        for part in _chunks(ids):
            rows = await self.session.execute(
                select(
                    LedgerAccount.id,
                    LedgerAccount.ledger_id,
                    LedgerAccount.code,
                    LedgerAccount.owner_ref,
                    LedgerAccount.type,
                    LedgerAccount.currency,
                    LedgerAccount.shards,
                ).where(LedgerAccount.id.in_(part))
            )
            out.extend(
                AccountMeta.build(
                    r.id,
                    r.ledger_id,
                    r.code,
                    r.owner_ref,
                    AccountType(r.type).debit_normal,
                    r.currency,
                    r.shards,
                )
                for r in rows
            )
        return out

    async def load_entries(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, StoredEntry]:
        out: dict[uuid.UUID, StoredEntry] = {}
        for part in _chunks(ids, 50):
            heads = (
                await self.session.execute(
                    select(
                        LedgerEntry.id,
                        LedgerEntry.ledger_id,
                        LedgerEntry.kind,
                        LedgerEntry.idempotency_key,
                        LedgerEntry.fingerprint,
                        LedgerEntry.pending_id,
                        LedgerEntry.reverses_id,
                        LedgerEntry.expires_at,
                    ).where(LedgerEntry.id.in_(part))
                )
            ).all()
            legs: dict[uuid.UUID, list[tuple[uuid.UUID, str, int]]] = {h.id: [] for h in heads}
            if heads:
                ranges = [LedgerPosting.id.between(*postings_range(h.id)) for h in heads]
                rows = await self.session.execute(
                    select(
                        LedgerPosting.entry_id,
                        LedgerPosting.account_id,
                        LedgerPosting.currency,
                        LedgerPosting.amount,
                    )
                    .where(or_(*ranges))
                    .order_by(LedgerPosting.entry_id, LedgerPosting.idx)
                )
                for r in rows:
                    legs[r.entry_id].append((r.account_id, r.currency, r.amount))
            for h in heads:
                out[h.id] = StoredEntry(
                    id=h.id,
                    ledger_id=h.ledger_id,
                    kind=h.kind,
                    idempotency_key=h.idempotency_key,
                    fingerprint=h.fingerprint,
                    pending_id=h.pending_id,
                    reverses_id=h.reverses_id,
                    expires_at=h.expires_at,
                    legs=tuple(legs[h.id]),
                )
        return out

    async def entries_by_key(self, keys: Sequence[EntryKey]) -> dict[EntryKey, StoredEntry]:
        by_ledger: dict[uuid.UUID, set[str]] = {}
        for ledger_id, key in keys:
            by_ledger.setdefault(ledger_id, set()).add(key)
        found: dict[EntryKey, StoredEntry] = {}
        for ledger_id, wanted in by_ledger.items():
            for part in _chunks(sorted(wanted)):
                rows = await self.session.execute(
                    select(
                        LedgerEntry.id,
                        LedgerEntry.ledger_id,
                        LedgerEntry.kind,
                        LedgerEntry.idempotency_key,
                        LedgerEntry.fingerprint,
                        LedgerEntry.pending_id,
                        LedgerEntry.reverses_id,
                    ).where(
                        LedgerEntry.ledger_id == ledger_id,
                        LedgerEntry.idempotency_key.in_(part),
                    )
                )
                for r in rows:
                    found[(r.ledger_id, r.idempotency_key)] = StoredEntry(
                        id=r.id,
                        ledger_id=r.ledger_id,
                        kind=r.kind,
                        idempotency_key=r.idempotency_key,
                        fingerprint=r.fingerprint,
                        pending_id=r.pending_id,
                        reverses_id=r.reverses_id,
                    )
        return found

    async def lock_rows(self, keys: Sequence[RowKey]) -> dict[RowKey, BalanceRow]:
        out: dict[RowKey, BalanceRow] = {}
        for part in _chunks(keys, _IN_CHUNK // 2):
            stmt = (
                select(
                    LedgerBalance.id,
                    LedgerBalance.account_id,
                    LedgerBalance.shard,
                    LedgerBalance.debits_posted,
                    LedgerBalance.credits_posted,
                    LedgerBalance.debits_pending,
                    LedgerBalance.credits_pending,
                    LedgerBalance.closed,
                    LedgerBalance.overdraft_limit,
                )
                .where(tuple_(LedgerBalance.account_id, LedgerBalance.shard).in_(list(part)))
                .order_by(LedgerBalance.account_id, LedgerBalance.shard)
                .with_for_update(key_share=True, of=LedgerBalance)
            )
            for r in await self.session.execute(stmt):
                out[(r.account_id, r.shard)] = BalanceRow(
                    id=r.id,
                    values=[r.debits_posted, r.credits_posted, r.debits_pending, r.credits_pending],
                    closed=r.closed,
                    limit=r.overdraft_limit,
                )
        return out

    async def write_checked(self, built: _Built) -> tuple[int, str | None]:
        raise NotImplementedError("the session store checks rows in the engine")

    async def begin_write(self) -> None:
        """Nothing to do: with the pre-check under SQLite's write lock no key can be taken."""

    async def end_write(self, ok: bool) -> None:
        """See :meth:`begin_write`."""

    def build(self, chunk: Chunk) -> _Built:
        tenant = self.tenant_id
        occurred = occurred_at(chunk.created_at)
        entries: list[dict[str, Any]] = []
        postings: list[dict[str, Any]] = []
        events: list[dict[str, Any]] = []
        for entry in chunk.entries:
            entries.append(
                {
                    "tenant_id": tenant,
                    "id": entry.id,
                    "ledger_id": entry.ledger_id,
                    "kind": entry.kind.value,
                    "idempotency_key": entry.key,
                    "fingerprint": entry.fingerprint,
                    "description": entry.description,
                    "meta": entry.meta,
                    "effective_date": entry.effective_date,
                    "created_at": chunk.created_at,
                    "pending_id": entry.pending_id,
                    "reverses_id": entry.reverses_id,
                    "expires_at": entry.expires_at,
                    "link_id": entry.link_id,
                    "posting_count": len(entry.legs),
                }
            )
            pending = entry.kind == EntryKind.PENDING
            for idx, (meta, amount) in enumerate(entry.legs):
                postings.append(
                    {
                        "tenant_id": tenant,
                        "id": uuid.UUID(int=entry.id.int | (idx + 1)),
                        "entry_id": entry.id,
                        "account_id": meta.id,
                        "idx": idx,
                        "currency": meta.currency,
                        "amount": amount,
                        "pending": pending,
                        "effective_date": entry.effective_date,
                    }
                )
            events.append(
                {
                    "id": entry.id,
                    "tenant_id": tenant,
                    "topic": TOPICS[entry.kind],
                    "payload": orjson.loads(event_payload(tenant, entry, occurred)),
                    "created_at": chunk.created_at,
                    "attempts": 0,
                }
            )
        balances: list[dict[str, Any]] = []
        if chunk.deltas and chunk.rows:
            for key, delta in sorted(chunk.deltas.items()):
                if any(delta):
                    row = chunk.rows[key]
                    balances.append(
                        {
                            "tenant_id": tenant,
                            "id": row.id,
                            "debits_posted": row.values[0],
                            "credits_posted": row.values[1],
                            "debits_pending": row.values[2],
                            "credits_pending": row.values[3],
                        }
                    )
        return _Built(entries, postings, balances, events)

    async def send(self, built: _Built) -> bool:
        for part in _chunks(built.entries, 2000):
            await self.session.execute(insert(LedgerEntry), list(part))
        for part in _chunks(built.postings, 2000):
            await self.session.execute(insert(LedgerPosting), list(part))
        if built.balances:
            await self.session.execute(update(LedgerBalance), built.balances)
        for part in _chunks(built.events, 2000):
            await self.session.execute(insert(OutboxEvent), list(part))
        if built.events:
            self.session.info[WROTE_OUTBOX_KEY] = True
        return True
