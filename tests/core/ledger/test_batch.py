"""The batch path: many entries per transaction, each (or each linked chain) on its own."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from lastro.core.ledger import engine
from lastro.core.ledger.calls import transfer_draft
from lastro.core.ledger.errors import InsufficientFunds
from lastro.core.ledger.models import LedgerEntry
from lastro.core.ledger.service import ledger_service
from lastro.core.ledger.types import EntryDraft
from lastro.infra.outbox import OutboxEvent
from tests.core.ledger.conftest import Books

D = Decimal


def t(books: Books, debit: str, credit: str, amount: str, key: str) -> EntryDraft:
    return transfer_draft(
        debit=books[debit], credit=books[credit], amount=D(amount), idempotency_key=key
    )


async def test_batch_applies_each_item_on_its_own(books: Books) -> None:
    items: list[EntryDraft | list[EntryDraft]] = [
        t(books, "banco", "cliente_a", "10.00", "b0"),
        t(books, "cliente_a", "cliente_b", "10.00", "b1"),  # uses b0's money
        t(books, "cliente_a", "cliente_b", "0.01", "b2"),  # nothing left: fails alone
        [
            t(books, "banco", "cliente_b", "5.00", "b3"),  # a chain that fails as a whole
            t(books, "cliente_b", "receita", "15.01", "b4"),
        ],
        t(books, "banco", "cliente_b", "1.00", "b0"),  # key reused for other legs
        t(books, "banco", "cliente_a", "10.00", "b0"),  # same as b0: replays it
        EntryDraft(idempotency_key="b5", postings=()),  # invalid
    ]
    result = await books.ledger.post_batch(items)
    codes = [(i.idempotency_key, i.error_code) for i in result.items]
    assert codes == [
        ("b0", None),
        ("b1", None),
        ("b2", "INSUFFICIENT_FUNDS"),
        ("b3", "INSUFFICIENT_FUNDS"),
        ("b4", "INSUFFICIENT_FUNDS"),
        ("b0", "IDEMPOTENCY_KEY_REUSED"),
        ("b0", None),
        ("b5", "INVALID_ENTRY"),
    ]
    assert result.items[6].entry_id == result.items[0].entry_id
    assert result.created == 2 and len(result.failed) == 5
    assert await books.posted("cliente_b") == D("10.00")
    again = await books.ledger.post_batch(items)
    assert [i.error_code for i in again.items] == [i.error_code for i in result.items]
    assert again.created == 0
    assert [i.entry_id for i in again.items if i.ok] == [i.entry_id for i in result.items if i.ok]
    await books.assert_verified()


async def test_atomic_batch_writes_nothing_on_failure(books: Books) -> None:
    items = [t(books, "banco", "cliente_a", "1.00", f"a{i}") for i in range(5)]
    items.append(t(books, "cliente_b", "receita", "1.00", "broke"))
    with pytest.raises(InsufficientFunds):
        await books.ledger.post_batch(items, atomic=True)
    async with books.db.unit_of_work(tenant_id=books.tenant_id) as session:
        with pytest.raises(InsufficientFunds):
            await ledger_service.post_batch(session, items, atomic=True)
        assert await session.scalar(select(func.count()).select_from(LedgerEntry)) == 0
    result = await books.ledger.post_batch(items[:-1], atomic=True)
    assert result.created == 5


async def test_big_batch_streams_in_chunks(
    books: Books, monkeypatch: pytest.MonkeyPatch, db_backend: str
) -> None:
    monkeypatch.setattr(engine, "CHUNK", 50)
    n = 400 if db_backend == "postgres" else 160
    items = [
        t(books, "banco", "cliente_a" if i % 2 else "cliente_b", "0.01", f"k{i}") for i in range(n)
    ]
    items.append(t(books, "cliente_c", "receita", "100.01", "over"))  # fails, rest stands
    result = await books.ledger.post_batch(items)
    assert result.created == n and [i.idempotency_key for i in result.failed] == ["over"]
    assert await books.posted("banco") == D(n) / 100
    # replay in the caller's transaction: every item finds its entry
    async with books.db.unit_of_work(tenant_id=books.tenant_id) as session:
        again = await ledger_service.post_batch(session, items)
        assert again.created == 0 and len(again.failed) == 1
        events = await session.scalar(select(func.count()).select_from(OutboxEvent))
    assert events == n
    # a batch that is half new, half replays: the optimistic write sees the taken keys,
    # rolls its chunks back and redoes the call with the keys looked up first
    more = items[:n] + [t(books, "banco", "cliente_a", "0.01", f"new{i}") for i in range(120)]
    mixed = await books.ledger.post_batch(more)
    assert mixed.created == 120 and not mixed.failed
    async with books.db.unit_of_work(tenant_id=books.tenant_id) as session:
        mixed = await ledger_service.post_batch(
            session, [*more, t(books, "banco", "cliente_b", "0.01", "last")]
        )
        assert mixed.created == 1
    await books.assert_verified()
