"""Holds (pending entries): reserve, post in full or for less, void, expire; and reversals."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from lastro.contracts.ledger import ReservaLiberada, ReservaRegistrada
from lastro.core.ledger.calls import transfer_draft
from lastro.core.ledger.errors import (
    EntryNotFound,
    EntryNotReversible,
    InsufficientFunds,
    InvalidEntry,
    PendingAlreadyResolved,
    PendingExpired,
    PendingNotFound,
)
from lastro.core.ledger.expiry import expire_pending
from lastro.core.ledger.service import ledger_service
from lastro.core.ledger.types import EntryDraft, EntryKind, Posting
from lastro.infra.outbox import OutboxEvent
from lastro.kit.clock import utcnow
from tests.core.ledger.conftest import Books

D = Decimal


async def fund(books: Books, who: str, amount: str) -> None:
    await books.ledger.transfer(
        debit=books["banco"],
        credit=books[who],
        amount=D(amount),
        idempotency_key=f"fund-{who}-{amount}",
    )


def hold(
    books: Books, payer: str, payee: str, amount: str, key: str, expires_in: timedelta | None = None
) -> EntryDraft:
    return transfer_draft(
        debit=books[payer],
        credit=books[payee],
        amount=D(amount),
        idempotency_key=key,
        pending=True,
        expires_in=expires_in,
    )


async def test_hold_reserves_then_posts_for_less(books: Books) -> None:
    await fund(books, "cliente_a", "100.00")
    held = await books.ledger.post(hold(books, "cliente_a", "receita", "60.00", "card:1"))
    assert held.kind == EntryKind.PENDING
    balance = await books.balance("cliente_a")
    assert (balance.posted, balance.available, balance.debits_pending) == (
        D("100.00"),
        D("40.00"),
        D("60.00"),
    )
    receita = await books.balance("receita")
    assert receita.posted == 0 and receita.pending_in == D("60.00")
    with pytest.raises(InsufficientFunds):  # the hold is spoken for
        await books.ledger.post(hold(books, "cliente_a", "receita", "40.01", "card:2"))
    settled = await books.ledger.post_pending(held.id, amount=D("45.50"))
    assert settled.kind == EntryKind.POST_PENDING
    balance = await books.balance("cliente_a")
    assert (balance.posted, balance.available, balance.debits_pending) == (
        D("54.50"),
        D("54.50"),
        D(0),
    )
    assert await books.posted("receita") == D("45.50")
    # settling again the same way replays; any other resolution is refused
    assert (await books.ledger.post_pending(held.id, amount=D("45.50"))).id == settled.id
    with pytest.raises(PendingAlreadyResolved):
        await books.ledger.post_pending(held.id)
    with pytest.raises(PendingAlreadyResolved) as err:
        await books.ledger.void_pending(held.id)
    assert err.value.code == "PENDING_ALREADY_RESOLVED"
    with pytest.raises(InvalidEntry):
        await books.ledger.post_pending(held.id, amount=D("60.01"))
    await books.assert_verified()


async def test_void_releases_and_posting_in_full_via_session(books: Books) -> None:
    await fund(books, "cliente_a", "100.00")
    first = await books.ledger.post(hold(books, "cliente_a", "cliente_b", "70.00", "h1"))
    voided = await books.ledger.void_pending(first.id)
    assert voided.kind == EntryKind.VOID_PENDING
    assert (await books.balance("cliente_a")).available == D("100.00")
    async with books.db.unit_of_work(tenant_id=books.tenant_id) as session:
        second = await ledger_service.post(
            session, hold(books, "cliente_a", "cliente_b", "100.00", "h2")
        )
        await ledger_service.post_pending(session, second.id)
    assert await books.posted("cliente_b") == D("100.00")
    assert await books.posted("cliente_a") == D(0)
    async with books.db.unit_of_work(tenant_id=books.tenant_id) as session:
        topics = [
            e.topic
            for e in (
                await session.scalars(
                    select(OutboxEvent).order_by(OutboxEvent.created_at, OutboxEvent.id)
                )
            ).all()
        ]
    assert topics.count(ReservaRegistrada.topic) == 2
    assert topics.count(ReservaLiberada.topic) == 1
    await books.assert_verified()


async def test_multi_leg_hold_settled_with_postings(books: Books) -> None:
    await fund(books, "cliente_a", "100.00")
    held = await books.ledger.post(
        EntryDraft(
            idempotency_key="split",
            pending=True,
            postings=(
                Posting.debit(books["cliente_a"], D(90)),
                Posting.credit(books["cliente_b"], D(80)),
                Posting.credit(books["receita"], D(10)),
            ),
        )
    )
    await books.ledger.post_pending(
        held.id,
        postings=(
            Posting.debit(books["cliente_a"], D(55)),
            Posting.credit(books["cliente_b"], D(50)),
            Posting.credit(books["receita"], D(5)),
        ),
    )
    assert await books.posted("cliente_a") == D(45)
    assert await books.posted("cliente_b") == D(50)
    assert (await books.balance("cliente_b")).pending_in == D(0)
    await books.assert_verified()


async def test_expiry(books: Books) -> None:
    await fund(books, "cliente_a", "100.00")
    soon = await books.ledger.post(
        hold(books, "cliente_a", "receita", "30.00", "e1", expires_in=timedelta(minutes=5))
    )
    later = await books.ledger.post(
        hold(books, "cliente_a", "receita", "20.00", "e2", expires_in=timedelta(hours=5))
    )
    forever = await books.ledger.post(hold(books, "cliente_a", "receita", "10.00", "e3"))
    assert await expire_pending(books.db) == 0  # nothing overdue yet
    in_an_hour = utcnow() + timedelta(hours=1)
    assert await expire_pending(books.db, in_an_hour) == 1
    assert await expire_pending(books.db, in_an_hour) == 0  # idempotent
    assert (await books.balance("cliente_a")).available == D("70.00")
    with pytest.raises(PendingAlreadyResolved):
        await books.ledger.post_pending(soon.id)
    await books.ledger.post_pending(later.id)
    assert await expire_pending(books.db, utcnow() + timedelta(days=1)) == 0
    await books.ledger.void_pending(forever.id)
    assert await books.posted("receita") == D("20.00")
    await books.assert_verified()


async def test_posting_after_the_deadline_is_refused(books: Books) -> None:
    await fund(books, "cliente_a", "100.00")
    held = await books.ledger.post(
        hold(books, "cliente_a", "receita", "30.00", "d1", expires_in=timedelta(milliseconds=1))
    )
    import asyncio

    await asyncio.sleep(0.01)
    with pytest.raises(PendingExpired) as err:
        await books.ledger.post_pending(held.id)
    assert err.value.code == "PENDING_EXPIRED"
    assert await expire_pending(books.db) == 1
    assert (await books.balance("cliente_a")).available == D("100.00")
    with pytest.raises(PendingNotFound):
        await books.ledger.post_pending(books["banco"])
    with pytest.raises(InvalidEntry):
        await books.ledger.post(
            transfer_draft(
                debit=books["cliente_a"],
                credit=books["receita"],
                amount=D(1),
                idempotency_key="x",
                expires_in=timedelta(minutes=1),
            )
        )  # not a hold
    await books.assert_verified()


async def test_reversal(books: Books) -> None:
    await fund(books, "cliente_a", "100.00")
    pay = await books.ledger.transfer(
        debit=books["cliente_a"], credit=books["receita"], amount=D("30.00"), idempotency_key="fee"
    )
    undo = await books.ledger.reverse(pay.id, description="Tarifa indevida")
    assert undo.kind == EntryKind.REVERSAL
    assert await books.posted("cliente_a") == D("100.00")
    assert await books.posted("receita") == D(0)
    assert (await books.ledger.reverse(pay.id, description="Tarifa indevida")).id == undo.id
    with pytest.raises(EntryNotReversible):
        await books.ledger.reverse(undo.id)
    held = await books.ledger.post(hold(books, "cliente_a", "receita", "1", "h"))
    with pytest.raises(EntryNotReversible):
        await books.ledger.reverse(held.id)
    with pytest.raises(EntryNotFound):
        await books.ledger.reverse(books["banco"])
    async with books.db.unit_of_work(tenant_id=books.tenant_id) as session:
        view = await ledger_service.get_entry(session, undo.id)
        assert view.reverses_id == pay.id
        # the original is untouched: entries are immutable
        original = await ledger_service.get_entry(session, pay.id)
        assert [p.side for p in original.postings] == ["debit", "credit"]
        assert [p.side for p in view.postings] == ["credit", "debit"]
    await books.assert_verified()


async def test_reversal_cannot_overdraw(books: Books) -> None:
    deposit = await books.ledger.transfer(
        debit=books["banco"], credit=books["cliente_a"], amount=D("50.00"), idempotency_key="dep"
    )
    await books.ledger.transfer(
        debit=books["cliente_a"],
        credit=books["cliente_b"],
        amount=D("50.00"),
        idempotency_key="spent",
    )
    with pytest.raises(InsufficientFunds):
        await books.ledger.reverse(deposit.id)
    await books.ledger.transfer(
        debit=books["banco"], credit=books["cliente_a"], amount=D("50.00"), idempotency_key="refill"
    )
    undo = await books.ledger.reverse(deposit.id)
    assert (await books.ledger.reverse(deposit.id, metadata={"again": True})).id == undo.id
    await books.assert_verified()
