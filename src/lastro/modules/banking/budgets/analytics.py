"""Spending computed from the ledger: the account's posted legs (through the ledger service's
statement) joined with what each entry is (kind, category, counterparty) from its metadata.

An outflow (a debit of the customer's deposit account) is spending in the entry's category; a
refund, a card reversal or the reversal of a spending entry that comes back as a credit
reduces spending in the original category. Deposits and other incoming money are not spending.
Entry facts are recorded from the ledger's events ahead of time; an entry without a fact yet
is read from the ledger on the spot, so the numbers never wait for the event pipeline.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from lastro.core.ledger.service import ledger_service
from lastro.core.ledger.types import EntryKind
from lastro.modules.banking.accounts.models import BankAccount
from lastro.modules.banking.budgets.models import EntryFact
from lastro.modules.banking.cards.domain import CATEGORY_LABELS

REFUND_KINDS = frozenset({"card_refund", "card_reversal", "refund", "pix_refund", "bill_refund"})
# incoming money that is not the return of a spending
INCOME_CATEGORIES = frozenset({"depositos", "rendimentos", "recebimentos"})


@dataclass(frozen=True)
class Fact:
    kind: str
    category: str
    counterparty: str
    mcc: str | None = None
    reverses: uuid.UUID | None = None


@dataclass(frozen=True)
class Spend:
    day: date
    category: str
    amount: Decimal  # > 0 spending, < 0 refund
    kind: str
    counterparty: str
    entry_id: uuid.UUID


def fact_from_metadata(metadata: Mapping[str, Any] | None) -> Fact:
    meta = metadata or {}
    kind = str(meta.get("kind") or "other")
    category = str(meta.get("category") or "outros")
    if category not in CATEGORY_LABELS and category not in INCOME_CATEGORIES:
        category = category[:30]
    mcc = meta.get("mcc")
    return Fact(
        kind=kind[:30],
        category=category[:30],
        counterparty=str(meta.get("counterparty") or "")[:120],
        mcc=str(mcc)[:4] if mcc else None,
    )


async def _facts(
    session: AsyncSession, entry_ids: Iterable[uuid.UUID], *, remember: bool = False
) -> dict[uuid.UUID, Fact]:
    wanted = list(dict.fromkeys(entry_ids))
    found: dict[uuid.UUID, Fact] = {}
    for i in range(0, len(wanted), 500):
        chunk = wanted[i : i + 500]
        rows = await session.scalars(select(EntryFact).where(EntryFact.entry_id.in_(chunk)))
        for row in rows:
            found[row.entry_id] = Fact(row.kind, row.category, row.counterparty, row.mcc)
    missing = [entry_id for entry_id in wanted if entry_id not in found]
    for entry_id in missing:
        found[entry_id] = await fact_of_entry(session, entry_id)
    if remember and missing:
        await _remember(session, {entry_id: found[entry_id] for entry_id in missing})
    return found


async def _remember(session: AsyncSession, facts: Mapping[uuid.UUID, Fact]) -> None:
    """Keep facts read from the ledger so the next read need not fetch those entries (a
    concurrent writer of the same fact is harmless: the unique index keeps one)."""
    try:
        async with session.begin_nested():
            session.add_all(
                EntryFact(
                    entry_id=entry_id,
                    kind=f.kind,
                    category=f.category,
                    counterparty=f.counterparty,
                    mcc=f.mcc,
                )
                for entry_id, f in facts.items()
            )
            await session.flush()
    except IntegrityError:
        pass


async def fact_of_entry(session: AsyncSession, entry_id: uuid.UUID) -> Fact:
    """What an entry is, read from the ledger (a reversal takes its original's category; a
    hold's settlement without metadata, its hold's)."""
    entry = await ledger_service.get_entry(session, entry_id)
    if entry.kind == EntryKind.REVERSAL and entry.reverses_id is not None:
        original = await ledger_service.get_entry(session, entry.reverses_id)
        base = fact_from_metadata(original.metadata)
        return Fact("reversal", base.category, base.counterparty, base.mcc, entry.reverses_id)
    if not entry.metadata and entry.pending_id is not None:
        hold = await ledger_service.get_entry(session, entry.pending_id)
        return fact_from_metadata(hold.metadata)
    return fact_from_metadata(entry.metadata)


async def spending(
    session: AsyncSession,
    accounts: Sequence[BankAccount],
    since: date,
    until: date,
    *,
    remember: bool = False,
) -> list[Spend]:
    """Every spending (and refund) line of ``accounts`` with an effective date in
    [since, until]; ``remember`` (writable sessions) keeps the facts it had to read."""
    lines: list[tuple[uuid.UUID, date, str, Decimal]] = []
    for account in accounts:
        cursor: str | None = None
        while True:
            page = await ledger_service.statement(
                session,
                account.ledger_account_id,
                since=since,
                until=until,
                limit=1000,
                cursor=cursor,
            )
            lines.extend((ln.entry_id, ln.effective_date, ln.side, ln.amount) for ln in page.lines)
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
    facts = await _facts(session, (entry_id for entry_id, *_ in lines), remember=remember)
    out: list[Spend] = []
    for entry_id, day, side, amount in lines:
        fact = facts[entry_id]
        if side == "debit":  # money left the customer's account
            if fact.kind in REFUND_KINDS or fact.category in INCOME_CATEGORIES:
                continue  # a refund taken back, a deposit reversed: not a purchase
            out.append(Spend(day, fact.category, amount, fact.kind, fact.counterparty, entry_id))
        elif fact.kind in REFUND_KINDS or fact.kind == "reversal":
            if fact.category in INCOME_CATEGORIES:
                continue
            out.append(Spend(day, fact.category, -amount, fact.kind, fact.counterparty, entry_id))
    return out


@dataclass(frozen=True)
class CategoryTotal:
    category: str
    label: str
    amount: Decimal
    count: int
    percent: Decimal


def by_category(lines: Sequence[Spend]) -> tuple[Decimal, list[CategoryTotal]]:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    counts: dict[str, int] = defaultdict(int)
    for ln in lines:
        totals[ln.category] += ln.amount
        if ln.amount > 0:
            counts[ln.category] += 1
    total = sum((v for v in totals.values() if v > 0), Decimal("0.00"))
    rows = [
        CategoryTotal(
            category=c,
            label=CATEGORY_LABELS.get(c, c),
            amount=v.quantize(Decimal("0.01")),
            count=counts[c],
            percent=(v * 100 / total).quantize(Decimal("0.1")) if total > 0 else Decimal("0.0"),
        )
        for c, v in totals.items()
        if v > 0
    ]
    rows.sort(key=lambda r: (-r.amount, r.category))
    return total.quantize(Decimal("0.01")), rows


@dataclass(frozen=True)
class DayTotal:
    day: date
    amount: Decimal
    count: int


def by_day(lines: Sequence[Spend], since: date, until: date) -> list[DayTotal]:
    totals: dict[date, Decimal] = defaultdict(Decimal)
    counts: dict[date, int] = defaultdict(int)
    for ln in lines:
        totals[ln.day] += ln.amount
        if ln.amount > 0:
            counts[ln.day] += 1
    days = (until - since).days + 1
    return [
        DayTotal(d, max(totals[d], Decimal("0.00")).quantize(Decimal("0.01")), counts[d])
        for d in (since + timedelta(days=i) for i in range(days))
    ]


def spent_in(lines: Sequence[Spend], category: str, since: date, until: date) -> Decimal:
    value = sum(
        (ln.amount for ln in lines if ln.category == category and since <= ln.day <= until),
        Decimal("0.00"),
    )
    return max(value, Decimal("0.00")).quantize(Decimal("0.01"))
