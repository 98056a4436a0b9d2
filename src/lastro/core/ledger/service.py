"""The ledger's interface for modules: books, accounts, entries, holds, balances, statements.

Two ways in, same rules:

- :class:`LedgerService` joins the caller's transaction (``AsyncSession`` bound to a tenant):
  use it from request handlers and jobs that must write their own rows atomically with the
  entry (an invoice marked paid with its receipt entry). It flushes, never commits; when a
  concurrent writer wins a race the caller's transaction cannot absorb, it raises
  :class:`~.errors.LedgerConflict` and the caller retries the whole transaction.
- :class:`~.runner.Ledger` owns its transactions and retries serialisation failures, deadlocks and
  idempotency races itself: use it for money movement that stands alone (transfers, settlement
  files, billing and commission runs, the expiry job). It is the faster path on PostgreSQL.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from lastro.core.audit.service import record as audit
from lastro.core.ledger import domain, engine, repository
from lastro.core.ledger.calls import (
    BatchInput,
    batch_chains,
    batch_result,
    is_retryable,
    single,
    transfer_draft,
)
from lastro.core.ledger.engine import ChainOutcome, Store, WriteRace
from lastro.core.ledger.errors import (
    AccountNotEmpty,
    AccountNotFound,
    CodeTaken,
    EntryNotFound,
    InvalidEntry,
    LedgerConflict,
    LedgerNotFound,
    LimitNotAllowed,
)
from lastro.core.ledger.models import Ledger as LedgerRow
from lastro.core.ledger.models import LedgerAccount, LedgerBalance
from lastro.core.ledger.pg import PgStore
from lastro.core.ledger.planning import AccountMeta, Operation, Reverse, Settle
from lastro.core.ledger.store import SessionStore
from lastro.core.ledger.templates import get_chart
from lastro.core.ledger.types import (
    AccountInfo,
    AccountType,
    Balance,
    BatchResult,
    EntryDraft,
    EntryKind,
    EntryResult,
    EntryView,
    LedgerInfo,
    Posting,
    PostingView,
    StatementLine,
    StatementPage,
)
from lastro.core.tenancy.guard import TenancyNotBound
from lastro.infra.database import bound_tenant, sync_pg_context
from lastro.infra.outbox import WROTE_OUTBOX_KEY
from lastro.kit.clock import utcnow

HOT_SHARDS = 16


# --- conversions ----------------------------------------------------------------------------


def _ledger_info(row: LedgerRow) -> LedgerInfo:
    return LedgerInfo(
        row.id, row.code, row.name, row.module, row.owner_ref, row.currency, row.chart
    )


def _account_info(row: LedgerAccount) -> AccountInfo:
    exp = domain.currency_exponent(row.currency)
    limit = None if row.overdraft_limit is None else domain.from_minor(row.overdraft_limit, exp)
    return AccountInfo(
        id=row.id,
        ledger_id=row.ledger_id,
        code=row.code,
        name=row.name,
        type=AccountType(row.type),
        currency=row.currency,
        owner_ref=row.owner_ref,
        overdraft_limit=limit,
        hot=row.shards > 1,
        closed=row.status == "closed",
    )


def _limit_minor(limit: Decimal | None, exponent: int) -> int | None:
    if limit is None:
        return None
    if limit == 0:
        return 0
    return domain.to_minor(limit, exponent)


def _balance(account: LedgerAccount | AccountMeta, totals: Sequence[int]) -> Balance:
    currency = account.currency
    exp = domain.currency_exponent(currency)
    debit_normal = (
        account.debit_normal
        if isinstance(account, AccountMeta)
        else AccountType(account.type).debit_normal
    )
    dp, cp, dpe, cpe = (domain.from_minor(v, exp) for v in totals)
    return Balance(account.id, currency, debit_normal, dp, cp, dpe, cpe)


# --- the session-joined service ---------------------------------------------------------------


def _tenant_of(session: AsyncSession) -> uuid.UUID:
    tenant = bound_tenant(session)
    if tenant is None:
        raise TenancyNotBound("Nenhum cliente vinculado à sessão para usar o razão.")
    return tenant


async def _session_store(session: AsyncSession) -> Store:
    tenant = _tenant_of(session)
    await session.flush()
    conn = await session.connection()
    if conn.dialect.name != "postgresql":
        return SessionStore(session, tenant)

    def _sync(sync_session: Session) -> None:
        sync_pg_context(sync_session)

    await session.run_sync(_sync)
    raw = await conn.get_raw_connection()
    return PgStore(raw.driver_connection, tenant, savepoints=True)


class LedgerService:
    """Ledger operations inside the caller's transaction; the tenant is the session's."""

    # -- books and accounts --------------------------------------------------------------

    async def open_ledger(
        self,
        session: AsyncSession,
        *,
        code: str,
        name: str,
        module: str,
        owner_ref: str | None = None,
        currency: str = "BRL",
        chart: str | None = None,
    ) -> LedgerInfo:
        """Open a book; with ``chart``, its accounts come from that registered template."""
        _tenant_of(session)
        domain.currency_exponent(currency)
        template = get_chart(chart) if chart else None
        row = LedgerRow(
            code=code, name=name, module=module, owner_ref=owner_ref, currency=currency, chart=chart
        )
        await self._insert(session, row, f"Livro com código '{code}' já existe.")
        info = _ledger_info(row)
        audit(
            session,
            "ledger.opened",
            "ledger",
            row.id,
            after={"code": code, "module": module, "owner_ref": owner_ref, "chart": chart},
        )
        if template is not None:
            for spec in template.accounts:
                await self.open_account(
                    session,
                    ledger_id=row.id,
                    code=spec.code,
                    name=spec.name,
                    type=spec.type,
                    currency=spec.currency,
                    overdraft_limit=spec.overdraft_limit,
                    hot=spec.hot,
                )
        return info

    async def get_ledger(self, session: AsyncSession, ledger_id: uuid.UUID) -> LedgerInfo:
        row = await repository.get_ledger(session, ledger_id)
        if row is None:
            raise LedgerNotFound(f"Livro {ledger_id} não encontrado.")
        return _ledger_info(row)

    async def find_ledger(self, session: AsyncSession, code: str) -> LedgerInfo | None:
        row = await repository.find_ledger(session, code)
        return None if row is None else _ledger_info(row)

    async def open_account(
        self,
        session: AsyncSession,
        *,
        ledger_id: uuid.UUID,
        code: str,
        name: str,
        type: AccountType | str,
        currency: str | None = None,
        owner_ref: str | None = None,
        overdraft_limit: Decimal | None = None,
        hot: bool = False,
    ) -> AccountInfo:
        """Open an account. ``overdraft_limit``: None = unlimited, 0 = no overdraft, N = may go
        N below zero on its normal side. ``hot`` accounts are sharded and cannot have limits."""
        ledger = await repository.get_ledger(session, ledger_id)
        if ledger is None:
            raise LedgerNotFound(f"Livro {ledger_id} não encontrado.")
        try:
            kind = AccountType(type)
        except ValueError:
            raise InvalidEntry(f"Tipo de conta inválido: {type!r}.") from None
        currency = currency or ledger.currency
        exp = domain.currency_exponent(currency)
        if hot and overdraft_limit is not None:
            raise LimitNotAllowed("Conta de alto volume (hot) não aceita limite de saldo.")
        limit = _limit_minor(overdraft_limit, exp)
        shards = HOT_SHARDS if hot else 1
        row = LedgerAccount(
            ledger_id=ledger_id,
            code=code,
            name=name,
            type=kind.value,
            currency=currency,
            owner_ref=owner_ref,
            overdraft_limit=limit,
            shards=shards,
        )
        await self._insert(session, row, f"Conta com código '{code}' já existe neste livro.")
        session.add_all(
            [
                LedgerBalance(
                    account_id=row.id,
                    shard=s,
                    debits_posted=0,
                    credits_posted=0,
                    debits_pending=0,
                    credits_pending=0,
                    closed=False,
                    overdraft_limit=limit,
                )
                for s in range(shards)
            ]
        )
        await session.flush()
        audit(
            session,
            "ledger.account.opened",
            "ledger_account",
            row.id,
            after={
                "ledger_id": str(ledger_id),
                "code": code,
                "type": kind.value,
                "currency": currency,
                "owner_ref": owner_ref,
                "overdraft_limit": limit,
                "hot": hot,
            },
        )
        return _account_info(row)

    async def apply_chart(
        self, session: AsyncSession, ledger_id: uuid.UUID, chart: str
    ) -> list[AccountInfo]:
        """Open the template's accounts that the book does not have yet (by code)."""
        template = get_chart(chart)
        opened: list[AccountInfo] = []
        for spec in template.accounts:
            if await repository.find_account(session, ledger_id, spec.code) is None:
                opened.append(
                    await self.open_account(
                        session,
                        ledger_id=ledger_id,
                        code=spec.code,
                        name=spec.name,
                        type=spec.type,
                        currency=spec.currency,
                        overdraft_limit=spec.overdraft_limit,
                        hot=spec.hot,
                    )
                )
        return opened

    async def get_account(self, session: AsyncSession, account_id: uuid.UUID) -> AccountInfo:
        return _account_info(await self._account(session, account_id))

    async def find_account(
        self, session: AsyncSession, ledger_id: uuid.UUID, code: str
    ) -> AccountInfo | None:
        row = await repository.find_account(session, ledger_id, code)
        return None if row is None else _account_info(row)

    async def list_accounts(
        self, session: AsyncSession, ledger_id: uuid.UUID, *, owner_ref: str | None = None
    ) -> list[AccountInfo]:
        return [
            _account_info(r) for r in await repository.list_accounts(session, ledger_id, owner_ref)
        ]

    async def close_account(self, session: AsyncSession, account_id: uuid.UUID) -> AccountInfo:
        """Close an account with zero balance and no holds; later postings are refused."""
        account = await self._account(session, account_id)
        if account.status == "closed":
            return _account_info(account)
        rows = await repository.lock_account_rows(session, account_id)
        dp = sum(r.debits_posted for r in rows)
        cp = sum(r.credits_posted for r in rows)
        pending = sum(r.debits_pending + r.credits_pending for r in rows)
        if dp != cp or pending:
            raise AccountNotEmpty(f"Conta {account.code} tem saldo ou reservas em aberto.")
        await repository.set_row_flags(session, account_id, closed=True)
        account.status = "closed"
        account.closed_at = utcnow()
        await session.flush()
        audit(
            session,
            "ledger.account.closed",
            "ledger_account",
            account_id,
            before={"status": "open"},
            after={"status": "closed"},
        )
        return _account_info(account)

    async def set_overdraft_limit(
        self, session: AsyncSession, account_id: uuid.UUID, limit: Decimal | None
    ) -> AccountInfo:
        """Change an account's limit; refused if the current balance already exceeds it."""
        account = await self._account(session, account_id)
        if account.shards > 1:
            raise LimitNotAllowed("Conta de alto volume (hot) não aceita limite de saldo.")
        exp = domain.currency_exponent(account.currency)
        new = _limit_minor(limit, exp)
        rows = await repository.lock_account_rows(session, account_id)
        values = [
            rows[0].debits_posted,
            rows[0].credits_posted,
            rows[0].debits_pending,
            rows[0].credits_pending,
        ]
        debit_normal = AccountType(account.type).debit_normal
        if new is not None and domain.exposure(debit_normal, *values) > new:
            raise LimitNotAllowed("Saldo atual já excede o novo limite.")
        old = account.overdraft_limit
        await repository.set_row_flags(session, account_id, overdraft_limit=new)
        account.overdraft_limit = new
        await session.flush()
        audit(
            session,
            "ledger.account.limit_changed",
            "ledger_account",
            account_id,
            before={"overdraft_limit": old},
            after={"overdraft_limit": new},
        )
        return _account_info(account)

    # -- entries ---------------------------------------------------------------------------

    async def post(self, session: AsyncSession, draft: EntryDraft) -> EntryResult:
        """Apply one entry atomically; a replay of its key returns the first entry."""
        return single(await self._execute(session, [[draft]], atomic=True))[0]

    async def transfer(
        self,
        session: AsyncSession,
        *,
        debit: uuid.UUID,
        credit: uuid.UUID,
        amount: Decimal,
        idempotency_key: str,
        description: str = "",
        metadata: dict[str, Any] | None = None,
        effective_date: date | None = None,
        pending: bool = False,
        expires_in: timedelta | None = None,
    ) -> EntryResult:
        return await self.post(
            session,
            transfer_draft(
                debit=debit,
                credit=credit,
                amount=amount,
                idempotency_key=idempotency_key,
                description=description,
                metadata=metadata,
                effective_date=effective_date,
                pending=pending,
                expires_in=expires_in,
            ),
        )

    async def post_linked(
        self, session: AsyncSession, drafts: Sequence[EntryDraft]
    ) -> list[EntryResult]:
        """Entries that succeed or fail together (checked in order)."""
        return single(await self._execute(session, [list(drafts)], atomic=True))

    async def post_batch(
        self, session: AsyncSession, items: Sequence[BatchInput], *, atomic: bool = False
    ) -> BatchResult:
        """Many entries in one transaction, set-based. Each item (an entry, or a sequence of
        linked entries) succeeds or fails on its own unless ``atomic``, when any failure
        raises and nothing is written."""
        chains = batch_chains(items)
        return batch_result(chains, await self._execute(session, chains, atomic=atomic))

    async def post_pending(
        self,
        session: AsyncSession,
        pending_id: uuid.UUID,
        *,
        amount: Decimal | None = None,
        postings: Sequence[Posting] | None = None,
        description: str | None = None,
        metadata: dict[str, Any] | None = None,
        effective_date: date | None = None,
    ) -> EntryResult:
        """Settle a hold in full, for a smaller ``amount`` (two-leg holds) or with ``postings``
        each within the hold's leg; the rest of the reservation is released."""
        op = Settle(
            pending_id,
            EntryKind.POST_PENDING,
            amount,
            postings,
            description,
            metadata,
            effective_date,
        )
        return single(await self._execute(session, [[op]], atomic=True))[0]

    async def void_pending(
        self,
        session: AsyncSession,
        pending_id: uuid.UUID,
        *,
        description: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> EntryResult:
        op = Settle(pending_id, EntryKind.VOID_PENDING, description=description, metadata=metadata)
        return single(await self._execute(session, [[op]], atomic=True))[0]

    async def reverse(
        self,
        session: AsyncSession,
        entry_id: uuid.UUID,
        *,
        description: str | None = None,
        metadata: dict[str, Any] | None = None,
        effective_date: date | None = None,
    ) -> EntryResult:
        """Post the mirror of a posted entry (once); the original stays as it was."""
        op = Reverse(entry_id, description, metadata, effective_date)
        return single(await self._execute(session, [[op]], atomic=True))[0]

    async def _execute(
        self, session: AsyncSession, chains: Sequence[Sequence[Operation]], *, atomic: bool
    ) -> list[ChainOutcome]:
        store = await _session_store(session)
        precheck: bool | None = None
        for _ in range(3):
            try:
                outcomes = await engine.execute(store, chains, precheck=precheck, atomic=atomic)
            except WriteRace:
                precheck = True  # nothing of this call was written; redo knowing the keys
                continue
            except Exception as exc:
                if is_retryable(exc):
                    raise LedgerConflict() from exc
                raise
            session.info[WROTE_OUTBOX_KEY] = True
            return outcomes
        raise LedgerConflict()

    # -- reads -----------------------------------------------------------------------------

    async def get_entry(self, session: AsyncSession, entry_id: uuid.UUID) -> EntryView:
        entry = await repository.get_entry(session, entry_id)
        if entry is None:
            raise EntryNotFound(f"Lançamento {entry_id} não encontrado.")
        legs = await repository.entry_postings(session, entry_id)
        views = tuple(
            PostingView(
                p.account_id,
                "debit" if p.amount > 0 else "credit",
                domain.from_minor(abs(p.amount), domain.currency_exponent(p.currency)),
                p.currency,
            )
            for p in legs
        )
        return EntryView(
            id=entry.id,
            ledger_id=entry.ledger_id,
            kind=EntryKind(entry.kind),
            idempotency_key=entry.idempotency_key,
            description=entry.description,
            metadata=entry.meta,
            effective_date=entry.effective_date,
            created_at=entry.created_at,
            postings=views,
            pending_id=entry.pending_id,
            reverses_id=entry.reverses_id,
            expires_at=entry.expires_at,
            link_id=entry.link_id,
        )

    async def balance(self, session: AsyncSession, account_id: uuid.UUID) -> Balance:
        return (await self.balances(session, [account_id]))[account_id]

    async def balances(
        self, session: AsyncSession, account_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, Balance]:
        """Posted and pending totals, kept current by every entry (summed over shards)."""
        store = SessionStore(session, _tenant_of(session))
        metas = await engine.account_metas(store, list(account_ids))
        missing = [a for a in account_ids if a not in metas]
        if missing:
            raise AccountNotFound(f"Conta {missing[0]} não encontrada.")
        totals = await repository.sum_balances(session, list(metas))
        return {a: _balance(metas[a], totals.get(a, (0, 0, 0, 0))) for a in account_ids}

    async def balance_as_of(
        self,
        session: AsyncSession,
        account_id: uuid.UUID,
        *,
        on: date | None = None,
        entry_id: uuid.UUID | None = None,
    ) -> Balance:
        """Posted balance at the end of business date ``on``, or right after entry
        ``entry_id`` in statement order (effective date, then entry id). Holds are not
        included: they have no history of their own."""
        account = await self._account(session, account_id)
        upto = None
        if entry_id is not None:
            entry = await repository.get_entry(session, entry_id)
            if entry is None:
                raise EntryNotFound(f"Lançamento {entry_id} não encontrado.")
            upto = (entry.effective_date, entry.id)
        debits, credits = await repository.posted_as_of(session, account_id, on=on, upto=upto)
        return _balance(account, (debits, credits, 0, 0))

    async def statement(
        self,
        session: AsyncSession,
        account_id: uuid.UUID,
        *,
        limit: int = 50,
        cursor: str | None = None,
        since: date | None = None,
        until: date | None = None,
    ) -> StatementPage:
        """Posted legs in (effective date, entry) order with the running balance, a page at a
        time; pass ``next_cursor`` back for the next page."""
        account = await self._account(session, account_id)
        limit = max(1, min(limit, 1000))
        after = _decode_cursor(cursor) if cursor else None
        exp = domain.currency_exponent(account.currency)
        sign = 1 if AccountType(account.type).debit_normal else -1
        running = sign * await repository.net_before(session, account_id, after=after, since=since)
        opening = running
        rows = await repository.statement_rows(
            session, account_id, after=after, since=since, until=until, limit=limit + 1
        )
        lines: list[StatementLine] = []
        for row in rows[:limit]:
            running += sign * row.amount
            lines.append(
                StatementLine(
                    entry_id=row.entry_id,
                    effective_date=row.effective_date,
                    description=row.description,
                    side="debit" if row.amount > 0 else "credit",
                    amount=domain.from_minor(abs(row.amount), exp),
                    balance=domain.from_minor(running, exp),
                )
            )
        next_cursor = None
        if len(rows) > limit:
            last = rows[limit - 1]
            next_cursor = f"{last.effective_date.isoformat()}~{last.entry_id}~{last.idx}"
        return StatementPage(
            account_id, account.currency, domain.from_minor(opening, exp), tuple(lines), next_cursor
        )

    # -- helpers ---------------------------------------------------------------------------

    async def _account(self, session: AsyncSession, account_id: uuid.UUID) -> LedgerAccount:
        row = await repository.get_account(session, account_id)
        if row is None:
            raise AccountNotFound(f"Conta {account_id} não encontrada.")
        return row

    async def _insert(self, session: AsyncSession, row: Any, taken: str) -> None:
        try:
            async with session.begin_nested():
                session.add(row)
                await session.flush()
        except IntegrityError:
            raise CodeTaken(taken) from None


def _decode_cursor(cursor: str) -> tuple[date, uuid.UUID, int]:
    try:
        day, entry, idx = cursor.split("~")
        return date.fromisoformat(day), uuid.UUID(entry), int(idx)
    except ValueError:
        raise InvalidEntry("Cursor de extrato inválido.") from None


ledger_service = LedgerService()
