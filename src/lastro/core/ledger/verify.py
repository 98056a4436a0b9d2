"""Proof that the books are right, recomputed from the postings (``lastro ledger verify``).

Checks: every entry balances per currency and has all of its postings; no posting is orphaned
or in a foreign currency or book; every stored balance equals the sum of its postings (holds
included); no limit is breached; every idempotency key, hold resolution and reversal maps to
one entry; every book sums to zero. Runs in one snapshot (REPEATABLE READ on PostgreSQL, one
read transaction on SQLite), so it may run while writers are busy.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import and_, case, exists, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased

from lastro.core.ledger import domain
from lastro.core.ledger.models import (
    Ledger,
    LedgerAccount,
    LedgerBalance,
    LedgerEntry,
    LedgerPosting,
)
from lastro.core.ledger.types import AccountType, EntryKind
from lastro.infra.database import READONLY_OPTION, Database, bind_platform, bind_tenant

Totals = tuple[int, int, int, int]
_NO_LEGS = (EntryKind.VOID_PENDING.value, EntryKind.EXPIRE_PENDING.value)


@dataclass(frozen=True, slots=True)
class Problem:
    tenant_id: uuid.UUID
    message: str  # pt-BR


@dataclass
class VerifyReport:
    entries: int = 0
    postings: int = 0
    accounts: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, tenant_id: uuid.UUID, message: str) -> None:
        self.problems.append(Problem(tenant_id, message))


async def verify_ledgers(db: Database, tenant_id: uuid.UUID | None = None) -> VerifyReport:
    """Verify one tenant's books, or every tenant's when ``tenant_id`` is None."""
    options: dict[str, object] = {READONLY_OPTION: True}
    if db.dialect == "postgresql":
        options["isolation_level"] = "REPEATABLE READ"
    maker = async_sessionmaker(db.engine.execution_options(**options), expire_on_commit=False)
    async with maker() as session:
        if tenant_id is None:
            bind_platform(session)
        else:
            bind_tenant(session, tenant_id)
        async with session.begin():
            if db.dialect == "postgresql":
                # Whole-table aggregates and anti-joins: with statistics not yet gathered on
                # freshly loaded tables the planner may pick nested loops that go quadratic.
                await session.execute(text("SET LOCAL enable_nestloop = off"))
                await session.execute(text("SET LOCAL work_mem = '64MB'"))
            return await verify_session(session)


async def verify_session(session: AsyncSession) -> VerifyReport:
    """All checks inside the session's transaction and tenant scope."""
    report = VerifyReport()
    accounts = await _accounts(session)
    report.accounts = len(accounts)
    await _check_entries(session, report)
    await _check_orphans(session, report, accounts)
    await _check_keys(session, report)
    await _check_balances(session, report, accounts)
    return report


@dataclass(frozen=True, slots=True)
class _Account:
    tenant_id: uuid.UUID
    ledger_id: uuid.UUID
    code: str
    currency: str
    debit_normal: bool
    limit: int | None
    shards: int
    closed: bool


async def _accounts(session: AsyncSession) -> dict[uuid.UUID, _Account]:
    rows = await session.execute(
        select(
            LedgerAccount.id,
            LedgerAccount.tenant_id,
            LedgerAccount.ledger_id,
            LedgerAccount.code,
            LedgerAccount.currency,
            LedgerAccount.type,
            LedgerAccount.overdraft_limit,
            LedgerAccount.shards,
            LedgerAccount.status,
        )
    )
    return {
        r.id: _Account(
            r.tenant_id,
            r.ledger_id,
            r.code,
            r.currency,
            AccountType(r.type).debit_normal,
            r.overdraft_limit,
            r.shards,
            r.status == "closed",
        )
        for r in rows
    }


async def _check_entries(session: AsyncSession, report: VerifyReport) -> None:
    unbalanced = await session.execute(
        select(
            LedgerPosting.tenant_id,
            LedgerPosting.entry_id,
            LedgerPosting.currency,
            func.sum(LedgerPosting.amount),
        )
        .group_by(LedgerPosting.tenant_id, LedgerPosting.entry_id, LedgerPosting.currency)
        .having(func.sum(LedgerPosting.amount) != 0)
    )
    for tenant, entry, currency, diff in unbalanced:
        exp = domain.CURRENCY_EXPONENTS.get(currency, 2)
        report.add(
            tenant,
            f"lançamento {entry} não fecha em {currency}: diferença de "
            f"{domain.format_amount(int(diff), exp)}",
        )
    counts = (
        select(LedgerPosting.tenant_id, LedgerPosting.entry_id, func.count().label("n"))
        .group_by(LedgerPosting.tenant_id, LedgerPosting.entry_id)
        .subquery()
    )
    stored = func.coalesce(counts.c.n, 0)
    rows = await session.execute(
        select(
            LedgerEntry.tenant_id,
            LedgerEntry.id,
            LedgerEntry.kind,
            LedgerEntry.posting_count,
            stored,
        )
        .outerjoin(
            counts,
            and_(counts.c.tenant_id == LedgerEntry.tenant_id, counts.c.entry_id == LedgerEntry.id),
        )
        .where(
            (LedgerEntry.posting_count != stored)
            | (LedgerEntry.kind.in_(_NO_LEGS) & (LedgerEntry.posting_count != 0))
            | (LedgerEntry.kind.not_in(_NO_LEGS) & (LedgerEntry.posting_count < 2))
        )
    )
    for tenant, entry, kind, expected, found in rows:
        report.add(
            tenant,
            f"lançamento {entry} ({kind}): {found} partida(s) gravada(s), "
            f"esperadas {expected} — aplicado pela metade",
        )
    report.entries = int(await session.scalar(select(func.count()).select_from(LedgerEntry)) or 0)
    report.postings = int(
        await session.scalar(select(func.count()).select_from(LedgerPosting)) or 0
    )


async def _check_orphans(
    session: AsyncSession, report: VerifyReport, accounts: dict[uuid.UUID, _Account]
) -> None:
    rows = await session.execute(
        select(
            LedgerPosting.tenant_id,
            LedgerPosting.id,
            LedgerPosting.entry_id,
            LedgerPosting.account_id,
            LedgerPosting.currency,
            LedgerPosting.pending,
            LedgerEntry.id,
            LedgerEntry.ledger_id,
            LedgerEntry.kind,
        )
        .outerjoin(
            LedgerEntry,
            and_(
                LedgerEntry.tenant_id == LedgerPosting.tenant_id,
                LedgerEntry.id == LedgerPosting.entry_id,
            ),
        )
        .outerjoin(
            LedgerAccount,
            and_(
                LedgerAccount.tenant_id == LedgerPosting.tenant_id,
                LedgerAccount.id == LedgerPosting.account_id,
            ),
        )
        .where(
            LedgerEntry.id.is_(None)
            | LedgerAccount.id.is_(None)
            | (LedgerAccount.currency != LedgerPosting.currency)
            | (LedgerAccount.ledger_id != LedgerEntry.ledger_id)
            | (LedgerPosting.pending != (LedgerEntry.kind == EntryKind.PENDING.value))
        )
    )
    for tenant, posting, entry, account, currency, _pending, found, ledger, _kind in rows:
        meta = accounts.get(account)
        if found is None:
            report.add(tenant, f"partida {posting} aponta para lançamento inexistente {entry}")
        elif meta is None or meta.tenant_id != tenant:
            report.add(tenant, f"partida {posting} em conta inexistente {account}")
        elif meta.currency != currency:
            report.add(
                tenant, f"partida {posting} em {currency} na conta {meta.code} ({meta.currency})"
            )
        elif meta.ledger_id != ledger:
            report.add(
                tenant,
                f"partida {posting} do lançamento {entry} em conta de outro livro ({meta.code})",
            )
        else:
            report.add(
                tenant,
                f"partida {posting}: marcação de reserva incoerente com o lançamento {entry}",
            )
    holds = aliased(LedgerEntry)
    dangling = await session.execute(
        select(LedgerEntry.tenant_id, LedgerEntry.id, LedgerEntry.pending_id, holds.kind)
        .outerjoin(
            holds,
            and_(holds.tenant_id == LedgerEntry.tenant_id, holds.id == LedgerEntry.pending_id),
        )
        .where(
            LedgerEntry.pending_id.is_not(None),
            holds.id.is_(None) | (holds.kind != EntryKind.PENDING.value),
        )
    )
    for tenant, entry, pending, _kind in dangling:
        report.add(tenant, f"lançamento {entry} resolve {pending}, que não é uma reserva")


async def _check_keys(session: AsyncSession, report: VerifyReport) -> None:
    groups = (
        (LedgerEntry.ledger_id, LedgerEntry.idempotency_key, "chave de idempotência"),
        (LedgerEntry.pending_id, None, "reserva resolvida"),
        (LedgerEntry.reverses_id, None, "lançamento estornado"),
    )
    for column, key, label in groups:
        cols = [LedgerEntry.tenant_id, column] + ([key] if key is not None else [])
        stmt = (
            select(*cols, func.count())
            .where(column.is_not(None))
            .group_by(*cols)
            .having(func.count() > 1)
        )
        for row in await session.execute(stmt):
            what = f"'{row[2]}' no livro {row[1]}" if key is not None else str(row[1])
            report.add(uuid.UUID(str(row[0])), f"{label} {what} aparece em {row[-1]} lançamentos")


async def _check_balances(
    session: AsyncSession, report: VerifyReport, accounts: dict[uuid.UUID, _Account]
) -> None:
    amount = LedgerPosting.amount
    posted = await session.execute(
        select(
            LedgerPosting.account_id,
            func.sum(case((amount > 0, amount), else_=0)),
            func.sum(case((amount < 0, -amount), else_=0)),
        )
        .where(LedgerPosting.pending.is_(False))
        .group_by(LedgerPosting.account_id)
    )
    expected: dict[uuid.UUID, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for account, debits, credits in posted:
        expected[account][0], expected[account][1] = int(debits), int(credits)
    resolution = aliased(LedgerEntry)
    open_holds = await session.execute(
        select(
            LedgerPosting.account_id,
            func.sum(case((amount > 0, amount), else_=0)),
            func.sum(case((amount < 0, -amount), else_=0)),
        )
        .join(
            LedgerEntry,
            and_(
                LedgerEntry.tenant_id == LedgerPosting.tenant_id,
                LedgerEntry.id == LedgerPosting.entry_id,
            ),
        )
        .where(
            LedgerPosting.pending.is_(True),
            ~exists().where(
                resolution.tenant_id == LedgerEntry.tenant_id,
                resolution.pending_id == LedgerEntry.id,
            ),
        )
        .group_by(LedgerPosting.account_id)
    )
    for account, debits, credits in open_holds:
        expected[account][2], expected[account][3] = int(debits), int(credits)
    stored = await session.execute(
        select(
            LedgerBalance.account_id,
            func.count(),
            func.sum(LedgerBalance.debits_posted),
            func.sum(LedgerBalance.credits_posted),
            func.sum(LedgerBalance.debits_pending),
            func.sum(LedgerBalance.credits_pending),
            func.sum(case((LedgerBalance.closed, 1), else_=0)),
            func.min(LedgerBalance.overdraft_limit),
            func.max(LedgerBalance.overdraft_limit),
            func.sum(case((LedgerBalance.overdraft_limit.is_(None), 1), else_=0)),
        ).group_by(LedgerBalance.account_id)
    )
    seen: set[uuid.UUID] = set()
    books: dict[tuple[uuid.UUID, uuid.UUID, str], list[int]] = defaultdict(lambda: [0, 0])
    names = {0: "débitos", 1: "créditos", 2: "débitos pendentes", 3: "créditos pendentes"}
    for account_id, shards, dp, cp, dpe, cpe, closed, lo, hi, nulls in stored:
        seen.add(account_id)
        acc = accounts.get(account_id)
        if acc is None:
            continue
        totals: Totals = (int(dp), int(cp), int(dpe), int(cpe))
        want = expected.get(account_id, [0, 0, 0, 0])
        diffs = [f"{names[i]} {totals[i]} ≠ {want[i]}" for i in range(4) if totals[i] != want[i]]
        if diffs:
            report.add(
                acc.tenant_id,
                f"conta {acc.code} ({account_id}): saldo gravado difere "
                f"da soma das partidas ({'; '.join(diffs)})",
            )
        if shards != acc.shards:
            report.add(
                acc.tenant_id,
                f"conta {acc.code}: {shards} linha(s) de saldo, esperadas {acc.shards}",
            )
        if bool(closed) != acc.closed or (closed and closed != shards):
            report.add(
                acc.tenant_id,
                f"conta {acc.code}: situação (encerrada) divergente "
                f"entre a conta e suas linhas de saldo",
            )
        if (acc.limit is None) != (nulls == shards) or (
            acc.limit is not None and not (lo == hi == acc.limit)
        ):
            report.add(
                acc.tenant_id,
                f"conta {acc.code}: limite divergente entre a conta e suas linhas de saldo",
            )
        if acc.limit is not None:
            used = domain.exposure(acc.debit_normal, *totals)
            if used > acc.limit:
                report.add(
                    acc.tenant_id,
                    f"conta {acc.code}: limite violado (exposição {used} "
                    f"> limite {acc.limit} centésimos)",
                )
        book = books[(acc.tenant_id, acc.ledger_id, acc.currency)]
        book[0] += totals[0] - totals[1]
        book[1] += totals[2] - totals[3]
    for account_id, acc in accounts.items():
        if account_id not in seen:
            report.add(acc.tenant_id, f"conta {acc.code} ({account_id}) sem linha de saldo")
    for account_id, want in expected.items():
        if account_id not in accounts and any(want):
            report.add(
                next(iter(accounts.values())).tenant_id if accounts else uuid.UUID(int=0),
                f"partidas em conta inexistente {account_id}",
            )
    await _check_books(session, report, books)


async def _check_books(
    session: AsyncSession,
    report: VerifyReport,
    books: dict[tuple[uuid.UUID, uuid.UUID, str], list[int]],
) -> None:
    codes = {r.id: r.code for r in await session.execute(select(Ledger.id, Ledger.code))}
    for (tenant, ledger, currency), (posted, pending) in sorted(books.items(), key=str):
        if posted or pending:
            report.add(
                tenant,
                f"livro {codes.get(ledger, ledger)} não soma zero em {currency}"
                f" (lançados {posted}, pendentes {pending} centésimos)",
            )
