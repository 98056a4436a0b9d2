"""Balances as of a date or an entry, and paginated statements with running balances."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from lastro.core.ledger.calls import transfer_draft
from lastro.core.ledger.errors import InvalidEntry
from lastro.core.ledger.service import ledger_service
from lastro.core.ledger.types import EntryResult
from tests.core.ledger.conftest import Books

D = Decimal
DAY1, DAY2, DAY3 = date(2026, 11, 2), date(2026, 11, 3), date(2026, 11, 4)


async def move(
    books: Books, debit: str, credit: str, amount: str, key: str, on: date
) -> EntryResult:
    return await books.ledger.post(
        transfer_draft(
            debit=books[debit],
            credit=books[credit],
            amount=D(amount),
            idempotency_key=key,
            description=f"lançamento {key}",
            effective_date=on,
        )
    )


async def test_balance_as_of_date_and_entry(books: Books) -> None:
    e1 = await move(books, "banco", "cliente_a", "100.00", "1", DAY1)
    e2 = await move(books, "cliente_a", "receita", "30.00", "2", DAY2)
    await move(books, "banco", "cliente_a", "5.00", "3", DAY3)
    await move(books, "banco", "cliente_a", "1.00", "back-dated", DAY1)
    async with books.db.unit_of_work(tenant_id=books.tenant_id) as session:
        account = books["cliente_a"]

        async def at(**kw: object) -> Decimal:
            return (await ledger_service.balance_as_of(session, account, **kw)).posted  # type: ignore[arg-type]

        assert await at(on=date(2026, 11, 1)) == 0
        assert await at(on=DAY1) == D("101.00")
        assert await at(on=DAY2) == D("71.00")
        assert await at() == D("76.00")
        assert await at(entry_id=e2.id) == D("71.00")
        assert await at(entry_id=e1.id) in (D("100.00"), D("101.00"))  # same day: id order
        current = await ledger_service.balance(session, account)
        assert current.posted == await at()


async def test_statement_pages_carry_the_running_balance(books: Books) -> None:
    amounts = ["10.00", "20.00", "-5.00", "7.50", "-2.50", "100.00", "-30.00"]
    for i, amount in enumerate(amounts):
        on = DAY1 if i < 3 else DAY2
        if amount.startswith("-"):
            await move(books, "cliente_a", "receita", amount[1:], f"s{i}", on)
        else:
            await move(books, "banco", "cliente_a", amount, f"s{i}", on)
    account = books["cliente_a"]
    lines = []
    cursor = None
    openings = []
    async with books.db.unit_of_work(tenant_id=books.tenant_id) as session:
        while True:
            page = await ledger_service.statement(session, account, limit=3, cursor=cursor)
            openings.append(page.opening_balance)
            lines.extend(page.lines)
            cursor = page.next_cursor
            if cursor is None:
                break
        assert len(lines) == len(amounts)
        running = D(0)
        for line, amount in zip(lines, amounts, strict=True):
            running += D(amount)
            assert line.balance == running
            assert line.side == ("debit" if amount.startswith("-") else "credit")
            assert line.amount == abs(D(amount))
        assert openings == [D(0), lines[2].balance, lines[5].balance]
        assert lines[-1].balance == (await ledger_service.balance(session, account)).posted
        day2 = await ledger_service.statement(session, account, since=DAY2, limit=50)
        assert day2.opening_balance == lines[2].balance
        assert [line.entry_id for line in day2.lines] == [line.entry_id for line in lines[3:]]
        only_day1 = await ledger_service.statement(session, account, until=DAY1)
        assert len(only_day1.lines) == 3 and only_day1.next_cursor is None
        assert only_day1.lines[0].description == "lançamento s0"
        with pytest.raises(InvalidEntry):
            await ledger_service.statement(session, account, cursor="garbage")


async def test_holds_stay_out_of_statements(books: Books) -> None:
    await move(books, "banco", "cliente_a", "50.00", "in", DAY1)
    held = await books.ledger.post(
        transfer_draft(
            debit=books["cliente_a"],
            credit=books["receita"],
            amount=D(20),
            idempotency_key="h",
            pending=True,
        )
    )
    async with books.db.unit_of_work(tenant_id=books.tenant_id) as session:
        page = await ledger_service.statement(session, books["cliente_a"])
        assert len(page.lines) == 1
    await books.ledger.post_pending(held.id)
    async with books.db.unit_of_work(tenant_id=books.tenant_id) as session:
        page = await ledger_service.statement(session, books["cliente_a"])
        assert [line.balance for line in page.lines] == [D(50), D(30)]
