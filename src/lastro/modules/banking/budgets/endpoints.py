"""Budget and analytics routes (``/api/v1/banking/budgets``, ``/api/v1/banking/analytics``)."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from pydantic import ConfigDict, Field
from pydantic.alias_generators import to_camel

from lastro.core.web.deps import Principal, SessionDep, TenantPrincipal, require
from lastro.core.web.routing import LastroRoute
from lastro.kit.clock import today_sp
from lastro.kit.errors import ValidationFailed
from lastro.kit.pagination import MAX_LIMIT, Page, paginate
from lastro.kit.schemas import ReadModel, WriteModel
from lastro.modules.banking.budgets import analytics, domain, service
from lastro.modules.banking.budgets.models import Budget
from lastro.modules.banking.cards.domain import CATEGORY_LABELS

router = APIRouter(
    prefix="/api/v1/banking/budgets", route_class=LastroRoute, tags=["banking: orçamentos"]
)
analytics_router = APIRouter(
    prefix="/api/v1/banking/analytics", route_class=LastroRoute, tags=["banking: análises"]
)

READ = "banking.budgets.read"
WRITE = "banking.budgets.write"

Period = Literal["weekly", "monthly", "annual"]
Amount = Annotated[Decimal, Field(gt=0, max_digits=14, decimal_places=2)]


class Body(WriteModel):
    model_config = ConfigDict(
        extra="forbid", str_strip_whitespace=True, populate_by_name=True, alias_generator=to_camel
    )


class BudgetCreate(Body):
    account_id: uuid.UUID | None = None
    category: str = Field(description="Categoria: " + ", ".join(CATEGORY_LABELS))
    period: Period = "monthly"
    amount: Amount
    thresholds: list[int] | None = Field(
        default=None, description="Percentuais (padrão 50, 75, 90)"
    )


class BudgetUpdate(Body):
    amount: Amount | None = None
    thresholds: list[int] | None = None


class BudgetRead(ReadModel):
    id: uuid.UUID
    account_id: uuid.UUID
    category: str
    category_label: str = ""
    period: str
    amount: Decimal
    thresholds: list[int]
    created_at: datetime
    updated_at: datetime


def _read(b: object) -> BudgetRead:
    r = BudgetRead.model_validate(b)
    return r.model_copy(update={"category_label": CATEGORY_LABELS.get(r.category, r.category)})


class BudgetSummaryItem(BudgetRead):
    period_start: date
    period_end: date
    spent: Decimal
    remaining: Decimal
    percent: Decimal
    status: Literal["SAFE", "WARNING", "DANGER"]
    alerts_sent: list[int]


class BudgetSummary(ReadModel):
    items: list[BudgetSummaryItem]
    total_limit: Decimal
    total_spent: Decimal
    safe: int
    warning: int
    danger: int


class CategorySpendingRead(ReadModel):
    category: str
    label: str
    amount: Decimal
    count: int
    percent: Decimal


class CategorySpending(ReadModel):
    period: str
    start: date
    end: date
    total: Decimal
    categories: list[CategorySpendingRead]


class DayRead(ReadModel):
    date: date
    amount: Decimal
    count: int


class SpendingTrends(ReadModel):
    days: int
    start: date
    end: date
    total: Decimal
    daily_average: Decimal
    series: list[DayRead]


def caller(p: Principal) -> service.Caller:
    return service.Caller(user_id=p.user_id, staff=p.can(service.STAFF))


@router.post(
    "",
    response_model=BudgetRead,
    status_code=201,
    dependencies=[require(WRITE)],
    summary="Criar orçamento",
)
async def create_budget(body: BudgetCreate, p: TenantPrincipal, session: SessionDep) -> BudgetRead:
    budget = await service.create_budget(
        session,
        caller(p),
        account_id=body.account_id,
        category=body.category,
        period=body.period,
        amount=body.amount,
        thresholds=body.thresholds,
    )
    return _read(budget)


@router.get("", response_model=Page[BudgetRead], dependencies=[require(READ)], summary="Orçamentos")
async def list_budgets(
    p: TenantPrincipal,
    session: SessionDep,
    account_id: uuid.UUID | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> Page[BudgetRead]:
    stmt = service.budgets_statement(caller(p), account_id)
    return await paginate(session, stmt, _read, page=page, limit=limit)


@router.get(
    "/summary",
    response_model=BudgetSummary,
    dependencies=[require(READ)],
    summary="Resumo: gasto x limite (SAFE / WARNING / DANGER)",
)
async def summary(
    p: TenantPrincipal, session: SessionDep, account_id: uuid.UUID | None = None
) -> BudgetSummary:
    accounts = await service.accounts_for(session, caller(p), account_id)
    ids = [a.id for a in accounts]
    budgets = (
        list(
            (
                await session.scalars(
                    service.budgets_statement(caller(p)).where(Budget.account_id.in_(ids))
                )
            ).all()
        )
        if ids
        else []
    )
    states = await service.states(session, budgets)
    alerts = await service.alerts_of(session, [b.id for b in budgets])
    items = [
        BudgetSummaryItem(
            **_read(s.budget).model_dump(),
            period_start=s.period_start,
            period_end=s.period_end,
            spent=s.spent,
            remaining=s.remaining,
            percent=s.percent,
            status=s.status,
            alerts_sent=sorted(
                a.threshold
                for a in alerts
                if a.budget_id == s.budget.id and a.period_start == s.period_start
            ),
        )
        for s in states
    ]
    return BudgetSummary(
        items=items,
        total_limit=sum((i.amount for i in items), Decimal("0.00")),
        total_spent=sum((i.spent for i in items), Decimal("0.00")),
        safe=sum(1 for i in items if i.status == "SAFE"),
        warning=sum(1 for i in items if i.status == "WARNING"),
        danger=sum(1 for i in items if i.status == "DANGER"),
    )


@router.get(
    "/{budget_id}", response_model=BudgetRead, dependencies=[require(READ)], summary="Orçamento"
)
async def get_budget(budget_id: uuid.UUID, p: TenantPrincipal, session: SessionDep) -> BudgetRead:
    return _read(await service.get_budget(session, caller(p), budget_id))


@router.patch(
    "/{budget_id}",
    response_model=BudgetRead,
    dependencies=[require(WRITE)],
    summary="Alterar valor ou limites de alerta",
)
async def update_budget(
    budget_id: uuid.UUID, body: BudgetUpdate, p: TenantPrincipal, session: SessionDep
) -> BudgetRead:
    budget = await service.update_budget(
        session, caller(p), budget_id, amount=body.amount, thresholds=body.thresholds
    )
    return _read(budget)


@router.delete(
    "/{budget_id}", status_code=204, dependencies=[require(WRITE)], summary="Excluir orçamento"
)
async def delete_budget(budget_id: uuid.UUID, p: TenantPrincipal, session: SessionDep) -> Response:
    await service.delete_budget(session, caller(p), budget_id)
    return Response(status_code=204)


_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def period_range(period: str, today: date) -> tuple[date, date]:
    """``week``/``month``/``year`` (current, to date), ``weekly``/``monthly``/``annual`` (the
    same), ``last7``/``last30``/``last90``, or a month ``YYYY-MM``."""
    aliases = {"week": "weekly", "month": "monthly", "year": "annual"}
    name = aliases.get(period, period)
    if name in domain.PERIODS:
        start, _ = domain.period_bounds(name, today)
        return start, today
    if period in ("last7", "last30", "last90"):
        return today - timedelta(days=int(period[4:]) - 1), today
    m = _MONTH.match(period)
    if m:
        start = date(int(m.group(1)), int(m.group(2)), 1)
        _, end = domain.period_bounds("monthly", start)
        return start, min(end, max(today, start))
    raise ValidationFailed(
        "Período inválido: use week, month, year, last7, last30, last90 ou AAAA-MM."
    )


@analytics_router.get(
    "/category-spending",
    response_model=CategorySpending,
    dependencies=[require(READ)],
    summary="Gastos por categoria no período",
)
async def category_spending(
    p: TenantPrincipal,
    session: SessionDep,
    period: str = "month",
    account_id: uuid.UUID | None = None,
) -> CategorySpending:
    start, end = period_range(period, today_sp())
    accounts = await service.accounts_for(session, caller(p), account_id)
    lines = await analytics.spending(session, accounts, start, end)
    total, rows = analytics.by_category(lines)
    return CategorySpending(
        period=period,
        start=start,
        end=end,
        total=total,
        categories=[CategorySpendingRead(**r.__dict__) for r in rows],
    )


@analytics_router.get(
    "/spending-trends",
    response_model=SpendingTrends,
    dependencies=[require(READ)],
    summary="Gastos por dia nos últimos N dias",
)
async def spending_trends(
    p: TenantPrincipal,
    session: SessionDep,
    days: Annotated[int, Query(ge=1, le=366)] = 30,
    account_id: uuid.UUID | None = None,
) -> SpendingTrends:
    end = today_sp()
    start = end - timedelta(days=days - 1)
    accounts = await service.accounts_for(session, caller(p), account_id)
    series = analytics.by_day(await analytics.spending(session, accounts, start, end), start, end)
    total = sum((d.amount for d in series), Decimal("0.00"))
    return SpendingTrends(
        days=days,
        start=start,
        end=end,
        total=total,
        daily_average=(total / days).quantize(Decimal("0.01")),
        series=[DayRead(date=d.day, amount=d.amount, count=d.count) for d in series],
    )
