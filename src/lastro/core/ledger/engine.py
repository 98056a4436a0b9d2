"""The write engine: operations in, checked rows out, through a :class:`Store` per backend.

Every write, one entry or a batch of 100,000, takes the same steps, which is what keeps
concurrent writers safe:

1. *Gather* (no locks): the accounts the operations touch (immutable attributes, cached per
   process) and the entries that settlements and reversals refer to; then *plan*
   (:mod:`.planning`).
2. *Lock* the balance rows touched, in ``(account_id, shard)`` order, so two writers can never
   wait on each other in a cycle. The lock re-reads each row, ``closed`` and limit included.
3. *Check* each chain of linked entries, in order, against the locked rows; a failing chain
   leaves no trace and the next one sees the rows as it left them.
4. *Write* entries, postings and outbox events set-based, a chunk per statement, streamed: the
   next chunk is planned and checked while the database writes the previous one. The balance
   deltas, summed per row, go with the last chunk.

A single entry on PostgreSQL takes a shortcut with the same semantics: steps 2–4 run inside
one server-side call (``ledger_write`` with checks), one round trip.

Idempotency is optimistic: entries are inserted with ``ON CONFLICT DO NOTHING`` and the store
reports whether every entry went in. When a key was taken (a retry, or a racing duplicate that
has since committed) nothing of the call survives and the caller redoes it with ``precheck``,
which looks the keys up first and returns the earlier entries.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import random
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

import orjson

from lastro.contracts.ledger import LancamentoRegistrado, ReservaLiberada, ReservaRegistrada
from lastro.core.ledger import domain
from lastro.core.ledger.errors import (
    AccountClosed,
    AccountNotFound,
    EntryAlreadyReversed,
    IdempotencyKeyReused,
    InsufficientFunds,
    LedgerError,
    PendingAlreadyResolved,
)
from lastro.core.ledger.planning import (
    AccountMeta,
    Context,
    Expired,
    Operation,
    PlannedEntry,
    StoredEntry,
    accounts_of,
    keys_of,
    plan_chain,
    references,
)
from lastro.core.ledger.types import EntryKind, EntryResult
from lastro.kit.clock import today_sp, utcnow

CHUNK = 5_000  # entries per write statement: small enough to overlap with planning
BIG_CALL = 1_000  # operations: above this, cyclic GC pauses for the call (see _gc_paused)

RowKey = tuple[uuid.UUID, int]  # (account_id, shard)
EntryKey = tuple[uuid.UUID, str]  # (ledger_id, idempotency_key)
Deltas = dict[AccountMeta, list[int]]  # [debits_posted, credits_posted, debits_pending,
#                                         credits_pending], one shard per account per call


@dataclass(slots=True)
class BalanceRow:
    """A locked ``ledger_balances`` row, with what must be checked under the lock."""

    id: uuid.UUID
    values: list[int]  # [debits_posted, credits_posted, debits_pending, credits_pending]
    closed: bool
    limit: int | None


@dataclass(frozen=True, slots=True)
class Chunk:
    """Entries for one write statement. ``deltas`` ride with the last chunk of a call: signed
    changes per balance row, and (for stores that write absolute values) the rows after
    them. ``debit_normal`` set: the store locks and checks the rows itself (single entries)."""

    tenant_id: uuid.UUID
    created_at: datetime
    entries: Sequence[PlannedEntry]
    deltas: dict[RowKey, list[int]] | None = None
    rows: dict[RowKey, BalanceRow] | None = None
    debit_normal: dict[uuid.UUID, bool] | None = None


class Store(Protocol):
    """One transaction on one backend, scoped to one tenant."""

    tenant_id: uuid.UUID
    optimistic: bool  # True: skip the idempotency pre-check (the write reports conflicts)
    fused: bool  # True: write_checked() locks, checks and writes one entry in one call

    async def load_accounts(self, ids: Sequence[uuid.UUID]) -> list[AccountMeta]: ...

    async def load_entries(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, StoredEntry]: ...

    async def entries_by_key(self, keys: Sequence[EntryKey]) -> dict[EntryKey, StoredEntry]: ...

    async def lock_rows(self, keys: Sequence[RowKey]) -> dict[RowKey, BalanceRow]: ...

    def build(self, chunk: Chunk) -> Any:
        """CPU only: turn a chunk into statement arguments (runs while the previous writes)."""
        ...

    async def send(self, built: Any) -> bool:
        """Write a built chunk; False, with nothing of the chunk kept, if a key was taken."""
        ...

    async def write_checked(self, built: Any) -> tuple[int, str | None]:
        """Lock, check and write one built entry: (entries inserted, "account:reason,...")."""
        ...

    async def begin_write(self) -> None:
        """Before a write of several entries that must stand or fall together."""
        ...

    async def end_write(self, ok: bool) -> None: ...


class WriteRace(Exception):
    """A key was taken between the pre-check and the write: redo the call with precheck."""


@dataclass(slots=True)
class ChainOutcome:
    """Per chain: the entries' results, or the error that rejected the whole chain."""

    results: list[EntryResult] = field(default_factory=list)
    error: LedgerError | None = None


# --- account attribute cache --------------------------------------------------------------


class AccountCache:
    """Per-process cache of immutable account attributes, keyed by tenant and account.

    Safe because nothing cached can change; an account that vanished (its transaction rolled
    back) is caught when its balance row is not found under lock.
    """

    def __init__(self, max_size: int = 200_000) -> None:
        self._data: dict[tuple[uuid.UUID, uuid.UUID], AccountMeta] = {}
        self.max_size = max_size

    def get(self, tenant_id: uuid.UUID, account_id: uuid.UUID) -> AccountMeta | None:
        return self._data.get((tenant_id, account_id))

    def put(self, tenant_id: uuid.UUID, meta: AccountMeta) -> None:
        if len(self._data) >= self.max_size:
            self._data.clear()
        self._data[(tenant_id, meta.id)] = meta


account_cache = AccountCache()


async def account_metas(store: Store, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, AccountMeta]:
    tenant = store.tenant_id
    found: dict[uuid.UUID, AccountMeta] = {}
    missing: list[uuid.UUID] = []
    for account_id in ids:
        meta = account_cache.get(tenant, account_id)
        if meta is None:
            missing.append(account_id)
        else:
            found[account_id] = meta
    if missing:
        for meta in await store.load_accounts(sorted(set(missing))):
            account_cache.put(tenant, meta)
            found[meta.id] = meta
    return found


# --- checking against locked rows -------------------------------------------------------------


def entry_deltas(entry: PlannedEntry) -> Deltas:
    """Signed changes per account (its one shard in this call)."""
    out: Deltas = {}
    base = 2 if entry.kind is EntryKind.PENDING else 0
    for meta, amount in entry.legs:
        row = out.get(meta)
        if row is None:
            row = out[meta] = [0, 0, 0, 0]
        if amount > 0:
            row[base] += amount
        else:
            row[base + 1] -= amount
    for meta, amount in entry.releases:
        row = out.get(meta)
        if row is None:
            row = out[meta] = [0, 0, 0, 0]
        if amount > 0:
            row[2] -= amount
        else:
            row[3] += amount
    return out


def _apply(entry: PlannedEntry, rows: dict[AccountMeta, BalanceRow]) -> Deltas:
    """Check one entry against the locked rows and, if it passes, apply it to them."""
    deltas = entry_deltas(entry)
    for meta, delta in deltas.items():
        row = rows.get(meta)
        if row is None:
            raise AccountNotFound(f"Conta {meta.code} não encontrada.")
        if row.closed:
            raise AccountClosed(f"Conta {meta.code} está encerrada.")
        if row.limit is not None:
            v = row.values
            after = (v[0] + delta[0], v[1] + delta[1], v[2] + delta[2], v[3] + delta[3])
            if domain.breaches_limit(row.limit, meta.debit_normal, v, after):
                raise InsufficientFunds(f"Saldo insuficiente na conta {meta.code}.")
    for meta, delta in deltas.items():
        v = rows[meta].values
        v[0] += delta[0]
        v[1] += delta[1]
        v[2] += delta[2]
        v[3] += delta[3]
    return deltas


def _undo(rows: dict[AccountMeta, BalanceRow], applied: list[Deltas]) -> None:
    for deltas in applied:
        for meta, delta in deltas.items():
            v = rows[meta].values
            for i in range(4):
                v[i] -= delta[i]


def _shards(metas: Iterable[AccountMeta]) -> dict[AccountMeta, int]:
    """One shard per account for the whole call: limited accounts have only shard 0; hot ones
    take a random shard so that concurrent writers spread over the account's rows."""
    return {
        m: random.randrange(m.shards) if m.shards > 1 else 0  # noqa: S311
        for m in metas
    }


# --- replays ----------------------------------------------------------------------------------

Claimed = tuple[uuid.UUID, uuid.UUID, EntryKind, str, str]  # id, ledger, kind, key, fingerprint
ClaimKey = tuple[int, str]  # (ledger id as int, key): hashed in C, unlike a UUID


def _claim_key(ledger_id: uuid.UUID, key: str) -> ClaimKey:
    return ledger_id.int, key


def _replay(
    chain: Sequence[PlannedEntry], lookup: dict[ClaimKey, Claimed]
) -> list[EntryResult] | LedgerError | None:
    """Results when the chain was applied before; its error when its keys went to other
    entries; None when none of its keys exist."""
    found = [lookup.get((e.ledger_id.int, e.key)) for e in chain]
    if found.count(None) == len(found):
        return None
    results: list[EntryResult] = []
    for entry, stored in zip(chain, found, strict=True):
        if stored is None or stored[4] != entry.fingerprint:
            return _reuse_error(entry, stored)
        results.append(EntryResult(stored[0], stored[1], stored[2], stored[3], created=False))
    return results


def _reuse_error(entry: PlannedEntry, stored: Claimed | None) -> LedgerError:
    if entry.pending_id is not None:
        return PendingAlreadyResolved(f"Reserva {entry.pending_id} já foi resolvida.")
    if entry.reverses_id is not None:
        return EntryAlreadyReversed(f"Lançamento {entry.reverses_id} já foi estornado.")
    if stored is None:
        return IdempotencyKeyReused(
            f"Lançamentos encadeados com chaves já usadas em parte ({entry.key})."
        )
    return IdempotencyKeyReused(f"Chave '{entry.key}' já registrou outro lançamento ({stored[0]}).")


def _claims(found: dict[EntryKey, StoredEntry]) -> dict[ClaimKey, Claimed]:
    return {
        _claim_key(*k): (s.id, s.ledger_id, EntryKind(s.kind), s.idempotency_key, s.fingerprint)
        for k, s in found.items()
    }


# --- the whole call ---------------------------------------------------------------------------


@dataclass(slots=True)
class _Writer:
    """Streams chunks to the store, keeping one write in flight while the next is prepared."""

    store: Store
    created_at: datetime
    inflight: asyncio.Task[bool] | None = None
    failed: bool = False

    async def push(self, chunk: Chunk, *, last: bool) -> None:
        if not chunk.entries and not chunk.deltas:
            await self.drain()
            return
        built = self.store.build(chunk)
        await self.drain()
        if self.failed:
            return
        if last:
            self.failed = not await self.store.send(built)
            return
        self.inflight = asyncio.ensure_future(self.store.send(built))
        await asyncio.sleep(0)  # let it go out before the next chunk is planned

    async def drain(self) -> None:
        if self.inflight is not None:
            task, self.inflight = self.inflight, None
            if not await task:
                self.failed = True

    async def abort(self) -> None:
        """Wait out a write in flight (its error is moot now) so the connection is free for
        the rollback."""
        if self.inflight is not None:
            task, self.inflight = self.inflight, None
            with contextlib.suppress(Exception):
                await task


@contextlib.contextmanager
def _gc_paused(big: bool) -> Iterator[None]:
    """Pause cyclic GC during a big call: a batch keeps ~10 live objects per entry, and the
    full collections they trigger cost a third of the batch's CPU. Nothing here makes cycles;
    reference counting still frees everything."""
    if not big or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


async def execute(
    store: Store,
    chains: Sequence[Sequence[Operation]],
    *,
    precheck: bool | None = None,
    atomic: bool = False,
    now: datetime | None = None,
) -> list[ChainOutcome]:
    """Run one call inside the store's transaction; a chain's error is returned (or, when
    ``atomic``, raised before anything is written).

    ``now`` is the instant holds are judged expired against (the expiry job passes its own).
    Raises :class:`WriteRace` when an optimistic write found a key taken: nothing of the call
    remains and the caller redoes it with ``precheck=True``.
    """
    created = utcnow()
    ctx = Context({}, {}, now or created, today_sp())
    if precheck is None:
        precheck = not store.optimistic
    ref_ids = references(chains)
    if ref_ids:
        ctx.refs = await store.load_entries(sorted(ref_ids))
    ctx.metas = await account_metas(store, accounts_of(chains, ctx.refs))
    if store.fused and not precheck and len(chains) == 1 and len(chains[0]) == 1:
        outcome = await _fused(store, chains[0][0], ctx, created)
        if atomic and outcome.error is not None:
            raise outcome.error
        return [outcome]
    with _gc_paused(len(chains) >= BIG_CALL):
        return await _execute(store, chains, ctx, created, precheck=precheck, atomic=atomic)


async def _execute(
    store: Store,
    chains: Sequence[Sequence[Operation]],
    ctx: Context,
    created: datetime,
    *,
    precheck: bool,
    atomic: bool,
) -> list[ChainOutcome]:
    lookup: dict[ClaimKey, Claimed] = {}
    if precheck:
        lookup = _claims(await store.entries_by_key(keys_of(chains, ctx)))
    shards = _shards(ctx.metas.values())
    locked = await store.lock_rows(sorted((m.id, s) for m, s in shards.items()))
    rows = {m: locked[(m.id, s)] for m, s in shards.items() if (m.id, s) in locked}

    outcomes = [ChainOutcome() for _ in chains]
    suspects: dict[int, list[PlannedEntry]] = {}  # failed chains that may be replays
    totals: Deltas = {}
    pending: list[PlannedEntry] = []
    multi = len(chains) > 1 or any(len(c) > 1 for c in chains)
    writer = _Writer(store, created)
    tenant = store.tenant_id
    if multi:
        await store.begin_write()
    try:
        for i, chain in enumerate(chains):
            outcome = outcomes[i]
            try:
                entries = plan_chain(chain, ctx)
            except Expired as exc:
                suspects[i], outcome.error = [exc.entry], exc.error
                continue
            except LedgerError as exc:
                outcome.error = exc
                continue
            replay = None
            if lookup and (
                len(entries) > 1 or (entries[0].ledger_id.int, entries[0].key) in lookup
            ):
                replay = _replay(entries, lookup)
            if isinstance(replay, LedgerError):
                outcome.error = replay
                continue
            if replay is not None:
                outcome.results = replay
                continue
            applied: list[Deltas] = []
            try:
                for entry in entries:
                    applied.append(_apply(entry, rows))
            except LedgerError as exc:
                _undo(rows, applied)
                outcome.error, suspects[i] = exc, entries
                continue
            for entry, deltas in zip(entries, applied, strict=True):
                # a later repeat of the key in this call replays this entry
                lookup[(entry.ledger_id.int, entry.key)] = (
                    entry.id,
                    entry.ledger_id,
                    entry.kind,
                    entry.key,
                    entry.fingerprint,
                )
                pending.append(entry)
                for meta, delta in deltas.items():
                    total = totals.get(meta)
                    if total is None:
                        totals[meta] = delta
                    else:
                        total[0] += delta[0]
                        total[1] += delta[1]
                        total[2] += delta[2]
                        total[3] += delta[3]
                outcome.results.append(
                    EntryResult(entry.id, entry.ledger_id, entry.kind, entry.key)
                )
            if not atomic and len(pending) >= CHUNK:
                await writer.push(Chunk(tenant, created, pending), last=False)
                pending = []
        await writer.drain()
        if not precheck and suspects and not writer.failed:
            await _explain(store, outcomes, suspects)
        if atomic:
            for outcome in outcomes:
                if outcome.error is not None:
                    raise outcome.error
        if not writer.failed:
            for start in range(0, len(pending), CHUNK):
                if start + CHUNK < len(pending):
                    await writer.push(
                        Chunk(tenant, created, pending[start : start + CHUNK]), last=False
                    )
            tail = pending[(max(len(pending) - 1, 0) // CHUNK) * CHUNK :]
            row_deltas = {(m.id, shards[m]): d for m, d in totals.items()}
            row_after = {(m.id, shards[m]): rows[m] for m in totals}
            await writer.push(Chunk(tenant, created, tail, row_deltas, row_after), last=True)
        await writer.drain()
    except BaseException:
        await writer.abort()
        if multi:
            await store.end_write(False)
        raise
    if multi:
        await store.end_write(not writer.failed)
    if writer.failed:
        raise WriteRace
    return outcomes


async def _fused(store: Store, op: Operation, ctx: Context, created: datetime) -> ChainOutcome:
    """One entry in one round trip: the store locks, checks and writes it server-side."""
    outcome = ChainOutcome()
    try:
        entry = plan_chain([op], ctx)[0]
    except Expired as exc:
        outcome.error = exc.error
        await _explain(store, [outcome], {0: [exc.entry]})
        return outcome
    except LedgerError as exc:
        outcome.error = exc
        return outcome
    deltas = entry_deltas(entry)
    shards = _shards(deltas)
    row_deltas = {(m.id, shards[m]): d for m, d in deltas.items()}
    normal = {m.id: m.debit_normal for m in deltas}
    built = store.build(Chunk(store.tenant_id, created, [entry], row_deltas, None, normal))
    inserted, failed = await store.write_checked(built)
    if inserted == 1:
        outcome.results = [EntryResult(entry.id, entry.ledger_id, entry.kind, entry.key)]
        return outcome
    if failed:
        outcome.error = _failure(failed, deltas)
    found = await store.entries_by_key([(entry.ledger_id, entry.key)])
    replay = _replay([entry], _claims(found)) if found else None
    if isinstance(replay, list):
        outcome.results, outcome.error = replay, None
    elif replay is not None:
        outcome.error = replay
    elif outcome.error is None:
        raise WriteRace  # the key was taken and is gone again: redo the long way
    return outcome


def _failure(failed: str, metas: Iterable[AccountMeta]) -> LedgerError:
    """The first of the server's "account:reason" failures as the matching error."""
    account, reason = failed.split(",")[0].rsplit(":", 1)
    code = next((m.code for m in metas if str(m.id) == account), account)
    if reason == "closed":
        return AccountClosed(f"Conta {code} está encerrada.")
    if reason == "funds":
        return InsufficientFunds(f"Saldo insuficiente na conta {code}.")
    return AccountNotFound(f"Conta {code} não encontrada.")


async def _explain(
    store: Store, outcomes: list[ChainOutcome], suspects: dict[int, list[PlannedEntry]]
) -> None:
    """Optimistic mode skipped the pre-check: a chain that failed its checks may simply have
    been applied already (a retry after the money moved on), so look its keys up now."""
    keys = [(e.ledger_id, e.key) for entries in suspects.values() for e in entries]
    found = _claims(await store.entries_by_key(keys))
    if not found:
        return
    for i, entries in suspects.items():
        replay = _replay(entries, found)
        if isinstance(replay, list):
            outcomes[i].results, outcomes[i].error = replay, None
        elif replay is not None:
            outcomes[i].error = replay


# --- events -------------------------------------------------------------------------------

TOPICS = {
    EntryKind.POSTED: LancamentoRegistrado.topic,
    EntryKind.POST_PENDING: LancamentoRegistrado.topic,
    EntryKind.REVERSAL: LancamentoRegistrado.topic,
    EntryKind.PENDING: ReservaRegistrada.topic,
    EntryKind.VOID_PENDING: ReservaLiberada.topic,
    EntryKind.EXPIRE_PENDING: ReservaLiberada.topic,
}
_RELEASED = (EntryKind.VOID_PENDING, EntryKind.EXPIRE_PENDING)


def occurred_at(moment: datetime) -> str:
    """pydantic's JSON form of an aware UTC datetime."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def event_payload(tenant_id: uuid.UUID, entry: PlannedEntry, occurred: str) -> bytes:
    """The entry's event as JSON (event id = entry id), built directly because the batch path
    builds 100,000s; equal to ``Event.payload()`` of the contract class (tested)."""
    legs = entry.releases if entry.kind in _RELEASED else entry.legs
    return orjson.dumps(
        {
            "event_id": entry.id,
            "occurred_at": occurred,
            "tenant_id": tenant_id,
            "entry_id": entry.id,
            "ledger_id": entry.ledger_id,
            "kind": entry.kind,
            "idempotency_key": entry.key,
            "effective_date": entry.effective_date,
            "description": entry.description,
            "metadata": entry.meta,
            "pending_id": entry.pending_id,
            "reverses_id": entry.reverses_id,
            "expires_at": None if entry.expires_at is None else occurred_at(entry.expires_at),
            "postings": [
                {
                    "account_id": meta.id,
                    "account_code": meta.code,
                    "owner_ref": meta.owner_ref,
                    "side": "debit" if amount > 0 else "credit",
                    "amount": domain.format_amount(
                        -amount if amount < 0 else amount, meta.exponent
                    ),
                    "currency": meta.currency,
                }
                for meta, amount in legs
            ],
        },
        default=str,
    )  # asyncpg's own UUID subclass, should one slip through
