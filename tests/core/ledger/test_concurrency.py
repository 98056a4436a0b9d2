"""Concurrent writers: limits hold, keys apply once, no deadlock reaches a caller, hot accounts
take parallel writers — and ``verify`` passes after every scenario."""

from __future__ import annotations

import asyncio
import contextlib
import random
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select, text

from lastro.core.ledger.calls import transfer_draft
from lastro.core.ledger.errors import InsufficientFunds, LedgerConflict
from lastro.core.ledger.models import LedgerBalance
from lastro.core.ledger.runner import Ledger
from lastro.core.ledger.service import ledger_service
from lastro.core.ledger.types import AccountType, EntryDraft, EntryResult
from lastro.infra.database import Database
from tests.conftest import DatabaseUrls
from tests.core.ledger.conftest import Books, open_books

D = Decimal
CUSTOMERS = 100
WRITERS = 64
ROUNDS = 30


@pytest.fixture
async def pg_db(database_urls: DatabaseUrls) -> AsyncIterator[Database]:
    """Its own engine: up to 32 connections shared by 64 writers (the server is shared)."""
    if database_urls.backend != "postgres":
        pytest.skip("PostgreSQL only: SQLite runs one writer at a time")
    db = Database(database_urls.app, pool_size=16)
    try:
        yield db
    finally:
        await db.dispose()


async def deadlocks(db: Database) -> int:
    async with db.engine.connect() as conn:
        await conn.execute(text("SELECT pg_stat_force_next_flush()"))
        value = await conn.scalar(
            text("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
        )
        return int(value or 0)


async def customers(db: Database, tenant_id: uuid.UUID) -> Books:
    accounts = {f"c{i:03d}": (AccountType.LIABILITY, D(0), False) for i in range(CUSTOMERS)}
    accounts["fonte"] = (AccountType.ASSET, None, True)  # the bank's reserves: hot
    books = await open_books(db, tenant_id, accounts)
    funding = [
        transfer_draft(
            debit=books["fonte"],
            credit=books[f"c{i:03d}"],
            amount=D(random.randint(0, 5000)) / 100 + D("0.01"),
            idempotency_key=f"fund-{i}",
        )
        for i in range(CUSTOMERS)
    ]
    assert not (await books.ledger.post_batch(funding)).failed
    return books


@pytest.mark.parametrize("grouped", [True, False], ids=["grouped", "one-by-one"])
async def test_64_writers_random_transfers_with_retried_keys(
    pg_db: Database, tenant_id: uuid.UUID, grouped: bool
) -> None:
    books = await customers(pg_db, tenant_id)
    names = [f"c{i:03d}" for i in range(CUSTOMERS)]
    before = await deadlocks(pg_db)
    applied: dict[str, set[uuid.UUID]] = defaultdict(set)
    history: list[EntryDraft] = []
    shared = [
        transfer_draft(
            debit=books[a], credit=books[b], amount=D("0.50"), idempotency_key=f"shared-{n}"
        )
        for n, (a, b) in enumerate(
            random.sample([(x, y) for x in names[:10] for y in names[10:20]], 20)
        )
    ]
    refused = conflicts = 0

    ledger = Ledger(pg_db, tenant_id, group=grouped)

    async def engine_post(draft: EntryDraft) -> EntryResult:
        return await ledger.post(draft)

    async def session_post(draft: EntryDraft) -> EntryResult:
        while True:  # the session path leaves retries to the caller
            try:
                async with pg_db.unit_of_work(tenant_id=tenant_id) as session:
                    return await ledger_service.post(session, draft)
            except LedgerConflict:
                nonlocal conflicts
                conflicts += 1

    async def writer(n: int) -> None:
        nonlocal refused
        post = engine_post if n % 4 else session_post
        rng = random.Random(n)
        for r in range(ROUNDS):
            roll = rng.random()
            if roll < 0.15 and history:
                draft = rng.choice(history)  # a client retrying an earlier request
            elif roll < 0.25:
                draft = shared[rng.randrange(len(shared))]  # racing duplicates
            else:
                a, b = rng.sample(names, 2)
                draft = transfer_draft(
                    debit=books[a],
                    credit=books[b],
                    amount=D(rng.randint(1, 3000)) / 100,
                    idempotency_key=f"w{n}-{r}",
                )
            try:
                result = await post(draft)
            except InsufficientFunds:
                refused += 1
                continue
            applied[draft.idempotency_key].add(result.id)
            history.append(draft)

    await asyncio.gather(*(writer(n) for n in range(WRITERS)))

    assert all(len(ids) == 1 for ids in applied.values()), "a key produced two entries"
    assert refused > 0  # the no-overdraft flags did bite
    report = await books.assert_verified()
    assert report.entries == CUSTOMERS + len(applied)
    balances = await _balances(books, [*names, "fonte"])
    assert all(balances[n].posted >= 0 and balances[n].available >= 0 for n in names)
    # the books sum to zero: every customer's money came from the source
    assert sum(balances[n].posted for n in names) == balances["fonte"].posted
    assert await deadlocks(pg_db) == before


async def test_opposing_transfers_do_not_deadlock(pg_db: Database, tenant_id: uuid.UUID) -> None:
    """A→B and B→A at once, over and over: ordered locks leave nothing for the deadlock
    detector (which would otherwise abort one side after a second)."""
    books = await customers(pg_db, tenant_id)
    pairs = [("c000", "c001"), ("c001", "c000"), ("c001", "c002"), ("c002", "c000")]
    ledger = Ledger(pg_db, tenant_id, group=False)  # each chain its own transaction
    before = await deadlocks(pg_db)

    async def writer(n: int) -> None:
        for r in range(25):
            a, b = pairs[(n + r) % len(pairs)]
            linked = [
                transfer_draft(
                    debit=books[a], credit=books[b], amount=D("0.01"), idempotency_key=f"o{n}-{r}"
                ),
                transfer_draft(
                    debit=books[b],
                    credit=books[a],
                    amount=D("0.01"),
                    idempotency_key=f"o{n}-{r}-back",
                ),
            ]
            await ledger.post_linked(linked)

    await asyncio.gather(*(writer(n) for n in range(32)))
    assert await deadlocks(pg_db) == before
    await books.assert_verified()


async def test_hot_account_takes_parallel_writers(pg_db: Database, tenant_id: uuid.UUID) -> None:
    books = await customers(pg_db, tenant_id)
    ledger = Ledger(pg_db, tenant_id, group=False)  # parallel transactions on the hot account

    async def writer(n: int) -> None:
        for r in range(20):
            await ledger.transfer(
                debit=books["fonte"],
                credit=books[f"c{(n + r) % 100:03d}"],
                amount=D("1.00"),
                idempotency_key=f"hot{n}-{r}",
            )

    await asyncio.gather(*(writer(n) for n in range(WRITERS)))
    report = await books.assert_verified()
    assert report.entries == CUSTOMERS + WRITERS * 20
    async with pg_db.engine.connect() as conn:  # no tenant set: RLS shows nothing
        hidden = await conn.scalar(text("SELECT count(*) FROM ledger_balances"))
    assert hidden == 0
    async with pg_db.unit_of_work(tenant_id=tenant_id) as session:
        used = await session.scalar(
            select(func.count())
            .select_from(LedgerBalance)
            .where(LedgerBalance.account_id == books["fonte"], LedgerBalance.debits_posted > 0)
        )
    assert used is not None and used > 4  # the writers spread over the shards


async def test_one_key_many_racers(pg_db: Database, tenant_id: uuid.UUID) -> None:
    books = await customers(pg_db, tenant_id)
    draft = transfer_draft(
        debit=books["c000"], credit=books["c001"], amount=D("0.01"), idempotency_key="the-one"
    )
    other = transfer_draft(
        debit=books["c000"], credit=books["c001"], amount=D("0.02"), idempotency_key="the-one"
    )
    ledger = Ledger(pg_db, tenant_id, group=False)  # every racer in its own transaction
    results = await asyncio.gather(
        *(ledger.post(other if i % 8 == 7 else draft) for i in range(40)),
        return_exceptions=True,
    )
    ids = {r.id for r in results if isinstance(r, EntryResult)}
    errors = {type(r).__name__ for r in results if not isinstance(r, EntryResult)}
    assert len(ids) == 1
    assert sum(1 for r in results if isinstance(r, EntryResult) and r.created) == 1
    assert errors <= {"IdempotencyKeyReused"}
    await books.assert_verified()


async def _balances(books: Books, names: list[str]) -> dict[str, object]:
    async with books.db.unit_of_work(tenant_id=books.tenant_id) as session:
        found = await ledger_service.balances(session, [books[n] for n in names])
    return {n: found[books[n]] for n in names}


async def test_sqlite_writers_queue(runtime: object, db_backend: str, books: Books) -> None:
    """SQLite: concurrent writers are serialised by BEGIN IMMEDIATE and still all land."""
    if db_backend != "sqlite":
        pytest.skip("the PostgreSQL scenarios above cover real concurrency")
    await books.ledger.transfer(
        debit=books["banco"], credit=books["cliente_a"], amount=D("10.00"), idempotency_key="seed"
    )

    async def writer(n: int) -> None:
        for r in range(10):
            with contextlib.suppress(InsufficientFunds):
                await books.ledger.transfer(
                    debit=books["cliente_a"],
                    credit=books["cliente_b"],
                    amount=D("0.30"),
                    idempotency_key=f"s{n}-{r}",
                )

    await asyncio.gather(*(writer(n) for n in range(8)))
    balance = await books.balance("cliente_a")
    assert balance.posted == D("0.10")  # 33 of the 80 fitted, the rest were refused
    await books.assert_verified()


async def test_grouped_calls_fail_alone(books: Books, monkeypatch: pytest.MonkeyPatch) -> None:
    """Concurrent single calls share transactions; one that breaks its batch for a reason of
    its own (here a simulated server error) fails alone, the others land."""
    from lastro.core.ledger import runner

    real = runner.Ledger._run

    async def flaky(self: runner.Ledger, chains: Any, **kw: Any) -> Any:
        if any(getattr(op, "idempotency_key", "") == "poison" for c in chains for op in c):
            raise RuntimeError("servidor recusou")
        return await real(self, chains, **kw)

    monkeypatch.setattr(runner.Ledger, "_run", flaky)
    await books.ledger.transfer(
        debit=books["banco"], credit=books["cliente_a"], amount=D("5.00"), idempotency_key="seed"
    )
    keys = [f"g{i}" for i in range(12)]
    keys[5] = "poison"
    calls = [
        books.ledger.transfer(
            debit=books["cliente_a"], credit=books["cliente_b"], amount=D("0.50"), idempotency_key=k
        )
        for k in keys
    ]
    results = await asyncio.gather(*calls, return_exceptions=True)
    errors = [r for r in results if isinstance(r, BaseException)]
    refused = [r for r in errors if isinstance(r, InsufficientFunds)]
    assert [str(r) for r in errors if not isinstance(r, InsufficientFunds)] == ["servidor recusou"]
    assert len(refused) == 1  # 10 × 0.50 fit in 5.00; the 11th good one is refused
    assert await books.posted("cliente_b") == D("5.00")
    await books.assert_verified()
