"""PostgreSQL fast path: the engine's store on the raw asyncpg connection.

The ORM's unit of work costs more client CPU per entry than the whole budget. Here one entry
is one round trip — ``ledger_write()`` binds the tenant, locks, checks and writes, in
autocommit — and a batch of 100,000 entries about twenty (lock, then one call per chunk of
arrays passed to ``unnest``). COPY is not an option: PostgreSQL refuses ``COPY FROM`` into
tables with row-level security.

The tenant comes from the caller's bound session or the :class:`~.runner.Ledger` it was built
with, never from arguments; every statement filters on it and RLS checks it again.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from lastro.core.ledger.engine import (
    TOPICS,
    BalanceRow,
    Chunk,
    EntryKey,
    RowKey,
    event_payload,
    occurred_at,
)
from lastro.core.ledger.planning import AccountMeta, StoredEntry, postings_range
from lastro.core.ledger.types import AccountType, EntryKind

BIG_WRITE = 1_000  # entries: above this, give the statement room to sort and hash in memory

LOAD_ACCOUNTS = """
SELECT id, ledger_id, code, owner_ref, type, currency, shards
FROM ledger_accounts WHERE tenant_id = $1 AND id = ANY($2::uuid[])
"""

# An entry's postings have ids entry+1 .. entry+255 (see engine.new_entry_id): a range scan
# of the primary key.
LOAD_ENTRIES = """
SELECT e.id, e.ledger_id, e.kind, e.idempotency_key, e.fingerprint, e.pending_id,
       e.reverses_id, e.expires_at, p.account_id, p.currency, p.amount
FROM unnest($2::uuid[], $3::uuid[], $4::uuid[]) AS k(id, lo, hi)
JOIN ledger_entries e ON e.tenant_id = $1 AND e.id = k.id
LEFT JOIN ledger_postings p ON p.tenant_id = $1 AND p.id BETWEEN k.lo AND k.hi
ORDER BY e.id, p.idx
"""

ENTRIES_BY_KEY = """
SELECT e.id, e.ledger_id, e.kind, e.idempotency_key, e.fingerprint, e.pending_id,
       e.reverses_id
FROM unnest($2::uuid[], $3::text[]) AS k(ledger_id, key)
JOIN ledger_entries e
  ON e.tenant_id = $1 AND e.ledger_id = k.ledger_id AND e.idempotency_key = k.key
"""

# ORDER BY under FOR NO KEY UPDATE: rows are locked in sort order, the same order for every
# writer, so lock waits never form a cycle. The lock returns each row's latest version.
LOCK_ROWS = """
SELECT b.id, b.account_id, b.shard, b.debits_posted, b.credits_posted, b.debits_pending,
       b.credits_pending, b.closed, b.overdraft_limit
FROM ledger_balances b
JOIN unnest($2::uuid[], $3::smallint[]) AS k(account_id, shard)
  ON b.account_id = k.account_id AND b.shard = k.shard
WHERE b.tenant_id = $1
ORDER BY b.account_id, b.shard
FOR NO KEY UPDATE OF b
"""

# The write itself is the server-side function ledger_write() (migration 0002): one round trip
# binds the tenant, optionally locks and checks the rows, and writes a chunk.
WRITE = "SELECT inserted, failed FROM ledger_write({})".format(  # noqa: S608 - $n placeholders
    ", ".join(f"${i}" for i in range(1, 32))
)


def begin_sql(tenant_id: uuid.UUID) -> str:
    """BEGIN and the RLS settings in one round trip (simple protocol). ``tenant_id`` is a UUID
    object, so its text form cannot carry quotes."""
    tenant = str(uuid.UUID(str(tenant_id)))
    return (
        "BEGIN ISOLATION LEVEL READ COMMITTED; "
        f"SELECT set_config('app.tenant_id', '{tenant}', true), "
        "set_config('app.bypass_tenancy', 'off', true)"
    )


class PgStore:
    """The engine's :class:`~.engine.Store` on one asyncpg connection (typed ``Any``: asyncpg
    ships no type information).

    Inside a transaction (the caller's, or :func:`~.runner.pg_transaction`), or in
    *autocommit* for single entries: then ``ledger_write`` is the whole transaction (one round
    trip) and the rare reads run in short transactions of their own that bind the tenant.
    """

    fused = True

    def __init__(
        self,
        conn: Any,
        tenant_id: uuid.UUID,
        *,
        optimistic: bool = True,
        savepoints: bool = False,
        autocommit: bool = False,
    ) -> None:
        self.conn = conn
        self.tenant_id = tenant_id
        self.optimistic = optimistic
        # Joined to a caller's transaction, a multi-entry write that finds a key taken must
        # undo its other entries without aborting the caller: it runs inside a savepoint.
        self.savepoints = savepoints
        self.autocommit = autocommit
        self._roomy = False

    async def _fetch(self, query: str, *args: Any) -> list[Any]:
        if not self.autocommit:
            return list(await self.conn.fetch(query, *args))
        await self.conn.execute(begin_sql(self.tenant_id))
        try:
            rows = list(await self.conn.fetch(query, *args))
        except BaseException:
            await self.conn.execute("ROLLBACK")
            raise
        await self.conn.execute("COMMIT")
        return rows

    async def load_accounts(self, ids: Sequence[uuid.UUID]) -> list[AccountMeta]:
        rows = await self._fetch(LOAD_ACCOUNTS, self.tenant_id, list(ids))
        return [
            AccountMeta.build(
                r["id"],
                r["ledger_id"],
                r["code"],
                r["owner_ref"],
                AccountType(r["type"]).debit_normal,
                r["currency"],
                r["shards"],
            )
            for r in rows
        ]

    async def load_entries(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, StoredEntry]:
        bounds = [postings_range(i) for i in ids]
        rows = await self._fetch(
            LOAD_ENTRIES,
            self.tenant_id,
            list(ids),
            [b[0] for b in bounds],
            [b[1] for b in bounds],
        )
        legs: dict[uuid.UUID, list[tuple[uuid.UUID, str, int]]] = {}
        heads: dict[uuid.UUID, Any] = {}
        for r in rows:
            heads.setdefault(r["id"], r)
            entry_legs = legs.setdefault(r["id"], [])
            if r["account_id"] is not None:
                entry_legs.append((r["account_id"], r["currency"], r["amount"]))
        return {
            i: StoredEntry(
                id=r["id"],
                ledger_id=r["ledger_id"],
                kind=r["kind"],
                idempotency_key=r["idempotency_key"],
                fingerprint=r["fingerprint"],
                pending_id=r["pending_id"],
                reverses_id=r["reverses_id"],
                expires_at=r["expires_at"],
                legs=tuple(legs[i]),
            )
            for i, r in heads.items()
        }

    async def entries_by_key(self, keys: Sequence[EntryKey]) -> dict[EntryKey, StoredEntry]:
        if not keys:
            return {}
        rows = await self._fetch(
            ENTRIES_BY_KEY, self.tenant_id, [k[0] for k in keys], [k[1] for k in keys]
        )
        return {
            (r["ledger_id"], r["idempotency_key"]): StoredEntry(
                id=r["id"],
                ledger_id=r["ledger_id"],
                kind=r["kind"],
                idempotency_key=r["idempotency_key"],
                fingerprint=r["fingerprint"],
                pending_id=r["pending_id"],
                reverses_id=r["reverses_id"],
            )
            for r in rows
        }

    async def lock_rows(self, keys: Sequence[RowKey]) -> dict[RowKey, BalanceRow]:
        assert not self.autocommit, "locks need a transaction"
        rows = await self.conn.fetch(
            LOCK_ROWS, self.tenant_id, [k[0] for k in keys], [k[1] for k in keys]
        )
        return {
            (r["account_id"], r["shard"]): BalanceRow(
                id=r["id"],
                values=[
                    r["debits_posted"],
                    r["credits_posted"],
                    r["debits_pending"],
                    r["credits_pending"],
                ],
                closed=r["closed"],
                limit=r["overdraft_limit"],
            )
            for r in rows
        }

    async def begin_write(self) -> None:
        if self.savepoints:
            await self.conn.execute("SAVEPOINT ledger_write")

    async def end_write(self, ok: bool) -> None:
        if not self.savepoints or self.conn.is_closed():
            return
        if ok:
            await self.conn.execute("RELEASE SAVEPOINT ledger_write")
        else:
            await self.conn.execute(
                "ROLLBACK TO SAVEPOINT ledger_write; RELEASE SAVEPOINT ledger_write"
            )

    async def send(self, args: list[Any]) -> bool:
        if len(args[3]) >= BIG_WRITE and not self._roomy and not self.autocommit:
            # unnest of large arrays would otherwise spill to temporary files
            await self.conn.execute("SET LOCAL work_mem = '64MB'")
            self._roomy = True
        row = await self.conn.fetchrow(WRITE, *args)
        return bool(row["inserted"] == len(args[3]))

    async def write_checked(self, args: list[Any]) -> tuple[int, str | None]:
        """Lock, check and write one entry in one call: (inserted, failures)."""
        args[2] = True
        row = await self.conn.fetchrow(WRITE, *args)
        return int(row["inserted"]), row["failed"]

    def build(self, chunk: Chunk) -> list[Any]:
        """``ledger_write()``'s arguments. Every array element costs encoding time, so columns
        where every entry has the default go as NULL, and columns where all entries agree (one
        book, one kind, one date, one currency) as one element; ``unnest`` pads the short
        arrays with NULL and the function fills in the default or element 1."""
        entries = chunk.entries
        e_id = [e.id for e in entries]
        e_kind = [e.kind for e in entries]
        e_date = [e.effective_date for e in entries]
        p_k: list[int] = []
        p_account: list[uuid.UUID] = []
        p_idx: list[int] = []
        p_currency: list[str] = []
        p_amount: list[int] = []
        holds = False
        for k, entry in enumerate(entries, 1):
            for idx, (meta, amount) in enumerate(entry.legs):
                p_k.append(k)
                p_account.append(meta.id)
                p_idx.append(idx)
                p_currency.append(meta.currency)
                p_amount.append(amount)
            holds = holds or entry.kind is EntryKind.PENDING
        p_pending = [e.kind is EntryKind.PENDING for e in entries for _ in e.legs] if holds else []
        tenant = self.tenant_id
        occurred = occurred_at(chunk.created_at)
        d_account: list[uuid.UUID] = []
        d_shard: list[int] = []
        d_values: list[list[int]] = [[], [], [], []]
        d_normal: list[bool] = []
        normal = chunk.debit_normal or {}
        for (account_id, shard), delta in sorted((chunk.deltas or {}).items()):
            if not any(delta) and not normal:
                continue  # unchecked writes skip rows with nothing to add
            d_account.append(account_id)
            d_shard.append(shard)
            d_normal.append(normal.get(account_id, False))
            for i in range(4):
                d_values[i].append(delta[i])
        # the order of ledger_write()'s parameters
        return [
            tenant, chunk.created_at, False,
            e_id, _same([e.ledger_id for e in entries]), _same(e_kind),
            [e.key for e in entries], [e.fingerprint for e in entries],
            _same([len(e.legs) for e in entries]), _same(e_date),
            _unless_all([e.description for e in entries], ""),
            _unless_all([e.meta_json for e in entries], "{}"),
            _unless_all([e.pending_id for e in entries], None),
            _unless_all([e.reverses_id for e in entries], None),
            _unless_all([e.expires_at for e in entries], None),
            _unless_all([e.link_id for e in entries], None),
            p_k, p_account, p_idx, _same(p_currency), p_amount, p_pending or None,
            d_account, d_shard, *d_values, d_normal,
            _same([TOPICS[kind] for kind in e_kind]),
            [event_payload(tenant, e, occurred).decode() for e in entries],
        ]  # fmt: skip


def _unless_all(values: list[Any], default: Any) -> list[Any] | None:
    """None (NULL: the function fills the default) when every value is the default."""
    return None if all(v == default for v in values) else values


def _same(values: list[Any]) -> list[Any]:
    """One element when all are equal: the function broadcasts element 1 (``coalesce``)."""
    first = values[0] if values else None
    return values[:1] if all(v == first for v in values) else values
