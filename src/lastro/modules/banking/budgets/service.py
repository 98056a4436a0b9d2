"""Budget use cases: create / update / delete, the summary (spent against each limit in the
current period), and the alerts — each threshold notified once per period, guarded by a
unique index so concurrent checks cannot send it twice."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from lastro.br.money_text import format_brl
from lastro.contracts.ledger import LancamentoRegistrado
from lastro.core.audit.service import record as audit
from lastro.core.notifications.api import DefaultTemplate, Recipient, notify, register_template
from lastro.infra.database import Database
from lastro.kit.clock import today_sp, utcnow
from lastro.kit.errors import Conflict, LastroError, NotFound, ValidationFailed
from lastro.kit.events import Event
from lastro.modules.banking.accounts import service as accounts
from lastro.modules.banking.accounts.errors import AccountNotFound
from lastro.modules.banking.accounts.models import BankAccount
from lastro.modules.banking.budgets import analytics, domain
from lastro.modules.banking.budgets.models import Budget, BudgetAlert, EntryFact
from lastro.modules.banking.cards.domain import CATEGORY_LABELS

STAFF = "banking.budgets.manage"
OWNER_PREFIX = "banking.account:"
PERIOD_LABELS = {"weekly": "semana", "monthly": "mês", "annual": "ano"}

register_template(
    DefaultTemplate(
        key="banking.budgets.threshold",
        subject="Orçamento de {{ category }}: {{ threshold }}% usado",
        body=(
            "Você já gastou {{ spent }} de {{ limit }} ({{ percent }}%) no orçamento de "
            "{{ category }} deste(a) {{ period }}."
        ),
        description="Alerta de orçamento (uma vez por limite atingido em cada período)",
    )
)


class BudgetNotFound(NotFound):
    code: ClassVar[str] = "BUDGET_NOT_FOUND"
    title: ClassVar[str] = "Orçamento não encontrado"


class BudgetExists(Conflict):
    code: ClassVar[str] = "BUDGET_EXISTS"
    title: ClassVar[str] = "Orçamento já existe"


class AccountRequired(LastroError):
    status: ClassVar[int] = 422
    code: ClassVar[str] = "ACCOUNT_REQUIRED"
    title: ClassVar[str] = "Conta não informada"


@dataclass(frozen=True)
class Caller:
    user_id: uuid.UUID
    staff: bool


async def accounts_for(
    session: AsyncSession, caller: Caller, account_id: uuid.UUID | None
) -> list[BankAccount]:
    """The accounts a request is about: the one named (if the caller may see it), or all of a
    holder's own; staff must name one."""
    if account_id is not None:
        account = await accounts.get_account(session, account_id)
        if not caller.staff and account.holder_user_id != caller.user_id:
            raise AccountNotFound("Conta não encontrada.")
        return [account]
    if caller.staff:
        mine = await accounts.accounts_of_user(session, caller.user_id)
        if mine:
            return mine
        raise AccountRequired("Informe a conta (account_id).")
    return await accounts.accounts_of_user(session, caller.user_id)


async def _one_account(
    session: AsyncSession, caller: Caller, account_id: uuid.UUID | None
) -> BankAccount:
    found = await accounts_for(session, caller, account_id)
    if len(found) != 1:
        raise AccountRequired(
            "Informe a conta (account_id)." if found else "Você não tem conta para orçar."
        )
    return found[0]


def _check_category(category: str) -> str:
    if category not in CATEGORY_LABELS:
        raise ValidationFailed(
            f"Categoria desconhecida: {category}. Use uma de: {', '.join(CATEGORY_LABELS)}."
        )
    return category


async def create_budget(
    session: AsyncSession,
    caller: Caller,
    *,
    account_id: uuid.UUID | None,
    category: str,
    period: str,
    amount: Decimal,
    thresholds: list[int] | None,
) -> Budget:
    account = await _one_account(session, caller, account_id)
    try:
        marks = domain.normalise_thresholds(thresholds)
    except ValueError:
        raise ValidationFailed("Limites de alerta: de 1 a 10 percentuais entre 1 e 100.") from None
    budget = Budget(
        account_id=account.id,
        category=_check_category(category),
        period=period,
        amount=amount,
        thresholds=marks,
        created_by=caller.user_id,
    )
    try:
        async with session.begin_nested():
            session.add(budget)
            await session.flush()
    except IntegrityError:
        raise BudgetExists(
            f"Já existe um orçamento {PERIOD_LABELS[period]}al de "
            f"{CATEGORY_LABELS[category]} nesta conta: altere-o."
        ) from None
    audit(
        session,
        "banking.budget.created",
        "banking_budget",
        budget.id,
        after={"category": category, "period": period, "amount": str(amount)},
    )
    return budget


def budgets_statement(caller: Caller, account_id: uuid.UUID | None = None) -> Any:
    stmt = select(Budget)
    if not caller.staff:
        stmt = stmt.join(
            BankAccount,
            (BankAccount.tenant_id == Budget.tenant_id) & (BankAccount.id == Budget.account_id),
        ).where(BankAccount.holder_user_id == caller.user_id)
    if account_id is not None:
        stmt = stmt.where(Budget.account_id == account_id)
    return stmt.order_by(Budget.created_at, Budget.id)


async def get_budget(
    session: AsyncSession, caller: Caller, budget_id: uuid.UUID, *, lock: bool = False
) -> Budget:
    stmt = budgets_statement(caller).where(Budget.id == budget_id)
    budget: Budget | None = await session.scalar(stmt)
    if budget is None:
        raise BudgetNotFound("Orçamento não encontrado.")
    if lock:
        budget = await session.scalar(
            select(Budget)
            .where(Budget.id == budget_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        assert budget is not None
    return budget


async def update_budget(
    session: AsyncSession,
    caller: Caller,
    budget_id: uuid.UUID,
    *,
    amount: Decimal | None,
    thresholds: list[int] | None,
) -> Budget:
    """A changed limit or threshold set applies from now: the alerts already sent in this
    period stay sent."""
    budget = await get_budget(session, caller, budget_id, lock=True)
    before = {"amount": str(budget.amount), "thresholds": list(budget.thresholds)}
    if amount is not None:
        budget.amount = amount
    if thresholds is not None:
        try:
            budget.thresholds = domain.normalise_thresholds(thresholds)
        except ValueError:
            raise ValidationFailed(
                "Limites de alerta: de 1 a 10 percentuais entre 1 e 100."
            ) from None
    budget.updated_at = utcnow()
    audit(
        session,
        "banking.budget.updated",
        "banking_budget",
        budget.id,
        before=before,
        after={"amount": str(budget.amount), "thresholds": list(budget.thresholds)},
    )
    await session.flush()
    return budget


async def delete_budget(session: AsyncSession, caller: Caller, budget_id: uuid.UUID) -> None:
    budget = await get_budget(session, caller, budget_id, lock=True)
    await session.execute(delete(BudgetAlert).where(BudgetAlert.budget_id == budget.id))
    audit(session, "banking.budget.deleted", "banking_budget", budget.id)
    await session.delete(budget)
    await session.flush()


@dataclass(frozen=True)
class BudgetState:
    budget: Budget
    period_start: date
    period_end: date
    spent: Decimal
    remaining: Decimal
    percent: Decimal
    status: str


async def states(
    session: AsyncSession,
    budgets: Sequence[Budget],
    *,
    today: date | None = None,
    remember: bool = False,
) -> list[BudgetState]:
    """Each budget against what its account spent in the category this period (one ledger
    read per account, over the widest period among its budgets)."""
    day = today or today_sp()
    by_account: dict[uuid.UUID, list[Budget]] = {}
    for b in budgets:
        by_account.setdefault(b.account_id, []).append(b)
    out: list[BudgetState] = []
    for account_id, group in by_account.items():
        account = await session.get(BankAccount, (group[0].tenant_id, account_id))
        if account is None:
            continue
        bounds = {b.id: domain.period_bounds(b.period, day) for b in group}
        since = min(s for s, _ in bounds.values())
        until = max(e for _, e in bounds.values())
        lines = await analytics.spending(session, [account], since, until, remember=remember)
        for b in group:
            start, end = bounds[b.id]
            spent = analytics.spent_in(lines, b.category, start, end)
            pct = domain.percent(spent, b.amount)
            out.append(
                BudgetState(
                    budget=b,
                    period_start=start,
                    period_end=end,
                    spent=spent,
                    remaining=max(b.amount - spent, Decimal("0.00")),
                    percent=pct,
                    status=domain.status_for(pct, b.thresholds),
                )
            )
    order = {b.id: i for i, b in enumerate(budgets)}
    out.sort(key=lambda s: order[s.budget.id])
    return out


async def check_alerts(
    session: AsyncSession, account_id: uuid.UUID, *, today: date | None = None
) -> int:
    """Record and notify the thresholds crossed this period that were not yet notified. The
    unique (budget, period, threshold) index makes a concurrent second check a no-op."""
    budgets = (await session.scalars(select(Budget).where(Budget.account_id == account_id))).all()
    if not budgets:
        return 0
    sent = 0
    for state in await states(session, list(budgets), today=today, remember=True):
        marks = domain.crossed(state.percent, state.budget.thresholds)
        if not marks:
            continue
        done = set(
            (
                await session.scalars(
                    select(BudgetAlert.threshold).where(
                        BudgetAlert.budget_id == state.budget.id,
                        BudgetAlert.period_start == state.period_start,
                    )
                )
            ).all()
        )
        new = [t for t in marks if t not in done]
        if not new:
            continue
        try:
            async with session.begin_nested():
                for t in new:
                    session.add(
                        BudgetAlert(
                            budget_id=state.budget.id,
                            period_start=state.period_start,
                            threshold=t,
                            spent=state.spent,
                            created_at=utcnow(),
                        )
                    )
                await session.flush()
        except IntegrityError:
            continue  # a concurrent check recorded (and notifies) these
        account = await session.get(BankAccount, (state.budget.tenant_id, account_id))
        if account is not None and account.holder_user_id is not None:
            await notify(
                session,
                Recipient(user_id=account.holder_user_id),
                "banking.budgets.threshold",
                {
                    "category": CATEGORY_LABELS.get(state.budget.category, state.budget.category),
                    "threshold": max(new),
                    "percent": str(state.percent).replace(".", ","),
                    "spent": format_brl(state.spent),
                    "limit": format_brl(state.budget.amount),
                    "period": PERIOD_LABELS[state.budget.period],
                },
            )
        sent += 1
    return sent


async def alerts_of(session: AsyncSession, budget_ids: Sequence[uuid.UUID]) -> list[BudgetAlert]:
    if not budget_ids:
        return []
    rows = await session.scalars(
        select(BudgetAlert)
        .where(BudgetAlert.budget_id.in_(budget_ids))
        .order_by(BudgetAlert.created_at, BudgetAlert.threshold)
    )
    return list(rows.all())


# -- the ledger's events ---------------------------------------------------------------------


def _accounts_in(event: LancamentoRegistrado) -> set[uuid.UUID]:
    found: set[uuid.UUID] = set()
    for leg in event.postings:
        if leg.owner_ref and leg.owner_ref.startswith(OWNER_PREFIX):
            try:
                found.add(uuid.UUID(leg.owner_ref[len(OWNER_PREFIX) :]))
            except ValueError:
                continue
    return found


async def on_ledger_entry(session: AsyncSession, event: Event) -> None:
    """Record what the entry is (for analytics) and check the budgets of the customer
    accounts it touched. Runs once per event, in the event's tenant."""
    if not isinstance(event, LancamentoRegistrado):
        return
    touched = _accounts_in(event)
    if not touched:
        return
    if event.reverses_id is not None or (not event.metadata and event.pending_id is not None):
        fact = await analytics.fact_of_entry(session, event.entry_id)
    else:
        fact = analytics.fact_from_metadata(event.metadata)
    exists = await session.scalar(select(EntryFact.id).where(EntryFact.entry_id == event.entry_id))
    if exists is None:
        try:
            async with session.begin_nested():
                session.add(
                    EntryFact(
                        entry_id=event.entry_id,
                        kind=fact.kind,
                        category=fact.category,
                        counterparty=fact.counterparty,
                        mcc=fact.mcc,
                    )
                )
                await session.flush()
        except IntegrityError:
            pass
    present = (
        await session.scalars(select(BankAccount.id).where(BankAccount.id.in_(touched)))
    ).all()
    for account_id in present:
        await check_alerts(session, account_id)


async def check_all(db: Database) -> int:
    """The catch-up job: every account with budgets, each in its tenant's transaction."""
    async with db.session(platform=True, readonly=True) as session:
        pairs = (
            await session.execute(
                select(Budget.tenant_id, Budget.account_id).group_by(
                    Budget.tenant_id, Budget.account_id
                )
            )
        ).all()
    sent = 0
    for tenant_id, account_id in pairs:
        async with db.unit_of_work(tenant_id=tenant_id) as session:
            sent += await check_alerts(session, account_id)
    return sent
