"""Reads and administrative writes, all ORM-enabled so the tenancy guard scopes them.

The hot write path lives in :mod:`.engine` (+ :mod:`.pg` / :mod:`.store`); nothing here runs
per entry except balance reads, which sum an account's shard rows.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import case, func, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from lastro.core.ledger.models import (
    Ledger,
    LedgerAccount,
    LedgerBalance,
    LedgerEntry,
    LedgerPosting,
)
from lastro.core.ledger.planning import postings_range


async def get_ledger(session: AsyncSession, ledger_id: uuid.UUID) -> Ledger | None:
    return await session.scalar(select(Ledger).where(Ledger.id == ledger_id))


async def find_ledger(session: AsyncSession, code: str) -> Ledger | None:
    return await session.scalar(select(Ledger).where(Ledger.code == code))


async def get_account(session: AsyncSession, account_id: uuid.UUID) -> LedgerAccount | None:
    return await session.scalar(select(LedgerAccount).where(LedgerAccount.id == account_id))


async def find_account(
    session: AsyncSession, ledger_id: uuid.UUID, code: str
) -> LedgerAccount | None:
    return await session.scalar(
        select(LedgerAccount).where(
            LedgerAccount.ledger_id == ledger_id, LedgerAccount.code == code
        )
    )


async def list_accounts(
    session: AsyncSession, ledger_id: uuid.UUID, owner_ref: str | None = None
) -> list[LedgerAccount]:
    stmt = select(LedgerAccount).where(LedgerAccount.ledger_id == ledger_id)
    if owner_ref is not None:
        stmt = stmt.where(LedgerAccount.owner_ref == owner_ref)
    return list((await session.scalars(stmt.order_by(LedgerAccount.code))).all())


async def lock_account_rows(session: AsyncSession, account_id: uuid.UUID) -> list[LedgerBalance]:
    """All shard rows of an account, locked in shard order (the engine's lock order)."""
    stmt = (
        select(LedgerBalance)
        .where(LedgerBalance.account_id == account_id)
        .order_by(LedgerBalance.shard)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )
    return list((await session.scalars(stmt)).all())


async def set_row_flags(session: AsyncSession, account_id: uuid.UUID, **values: Any) -> None:
    await session.execute(
        update(LedgerBalance).where(LedgerBalance.account_id == account_id).values(**values)
    )


async def sum_balances(
    session: AsyncSession, account_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, tuple[int, int, int, int]]:
    """Current totals per account: the sum of its shard rows (no recomputation from postings)."""
    out: dict[uuid.UUID, tuple[int, int, int, int]] = {}
    ids = list(account_ids)
    for start in range(0, len(ids), 400):
        rows = await session.execute(
            select(
                LedgerBalance.account_id,
                func.sum(LedgerBalance.debits_posted),
                func.sum(LedgerBalance.credits_posted),
                func.sum(LedgerBalance.debits_pending),
                func.sum(LedgerBalance.credits_pending),
            )
            .where(LedgerBalance.account_id.in_(ids[start : start + 400]))
            .group_by(LedgerBalance.account_id)
        )
        for account_id, dp, cp, dpe, cpe in rows:
            out[account_id] = (int(dp), int(cp), int(dpe), int(cpe))
    return out


def _posted_sums() -> tuple[Any, Any]:
    amount = LedgerPosting.amount
    return (
        func.coalesce(func.sum(case((amount > 0, amount), else_=0)), 0),
        func.coalesce(func.sum(case((amount < 0, -amount), else_=0)), 0),
    )


async def posted_as_of(
    session: AsyncSession,
    account_id: uuid.UUID,
    *,
    on: date | None = None,
    upto: tuple[date, uuid.UUID] | None = None,
) -> tuple[int, int]:
    """(debits, credits) posted up to a business date, or up to and including an entry in
    statement order (effective date, entry id)."""
    debits, credits = _posted_sums()
    stmt = select(debits, credits).where(
        LedgerPosting.account_id == account_id, LedgerPosting.pending.is_(False)
    )
    if on is not None:
        stmt = stmt.where(LedgerPosting.effective_date <= on)
    if upto is not None:
        stmt = stmt.where(
            tuple_(LedgerPosting.effective_date, LedgerPosting.entry_id) <= tuple_(*upto)
        )
    row = (await session.execute(stmt)).one()
    return int(row[0]), int(row[1])


async def net_before(
    session: AsyncSession,
    account_id: uuid.UUID,
    *,
    after: tuple[date, uuid.UUID, int] | None,
    since: date | None,
) -> int:
    """Signed sum (debits positive) of posted legs before a statement position."""
    stmt = select(func.coalesce(func.sum(LedgerPosting.amount), 0)).where(
        LedgerPosting.account_id == account_id, LedgerPosting.pending.is_(False)
    )
    if after is not None:
        stmt = stmt.where(
            tuple_(LedgerPosting.effective_date, LedgerPosting.entry_id, LedgerPosting.idx)
            <= tuple_(*after)
        )
    elif since is not None:
        stmt = stmt.where(LedgerPosting.effective_date < since)
    else:
        return 0
    return int((await session.execute(stmt)).scalar_one())


async def statement_rows(
    session: AsyncSession,
    account_id: uuid.UUID,
    *,
    after: tuple[date, uuid.UUID, int] | None,
    since: date | None,
    until: date | None,
    limit: int,
) -> list[Any]:
    stmt = (
        select(
            LedgerPosting.effective_date,
            LedgerPosting.entry_id,
            LedgerPosting.idx,
            LedgerPosting.amount,
            LedgerEntry.description,
        )
        .join(
            LedgerEntry,
            (LedgerEntry.tenant_id == LedgerPosting.tenant_id)
            & (LedgerEntry.id == LedgerPosting.entry_id),
        )
        .where(LedgerPosting.account_id == account_id, LedgerPosting.pending.is_(False))
        .order_by(LedgerPosting.effective_date, LedgerPosting.entry_id, LedgerPosting.idx)
        .limit(limit)
    )
    if after is not None:
        stmt = stmt.where(
            tuple_(LedgerPosting.effective_date, LedgerPosting.entry_id, LedgerPosting.idx)
            > tuple_(*after)
        )
    elif since is not None:
        stmt = stmt.where(LedgerPosting.effective_date >= since)
    if until is not None:
        stmt = stmt.where(LedgerPosting.effective_date <= until)
    return list((await session.execute(stmt)).all())


async def get_entry(session: AsyncSession, entry_id: uuid.UUID) -> LedgerEntry | None:
    return await session.scalar(select(LedgerEntry).where(LedgerEntry.id == entry_id))


async def entry_postings(session: AsyncSession, entry_id: uuid.UUID) -> list[LedgerPosting]:
    stmt = (
        select(LedgerPosting)
        .where(LedgerPosting.id.between(*postings_range(entry_id)))
        .order_by(LedgerPosting.idx)
    )
    return list((await session.scalars(stmt)).all())
