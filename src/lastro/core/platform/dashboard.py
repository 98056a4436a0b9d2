"""The master dashboard: platform-wide figures for platform administrators.

Everything here reads across tenants, so it runs on a platform session (``bind_platform``) and
filters by tenant explicitly where it must. Money is ``Decimal``, rounded half-even to the cent
per subscription, so the total MRR is the sum of the per-tenant figures shown.

MRR is the value of the current book of subscriptions; what was actually billed and received
comes from the invoices (``billed_by_month``), and overdue invoices are listed with their age.
The platform's own books tenant (status ``system``) is not a client and is left out.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import Field
from sqlalchemy import Date, cast, func, literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import RedirectResponse, Response

from lastro.core.audit.models import PLATFORM_SCOPE, AuditRecord
from lastro.core.auth.models import PlatformUser, User
from lastro.core.billing.metrics import METRICS
from lastro.core.billing.models import Invoice, Plan, Subscription, UsageCounter
from lastro.core.billing.service import add_months, cycle_price, tier_price
from lastro.core.billing.usage import Usage, current_period
from lastro.core.platform.models import Tenant
from lastro.core.runtime import Runtime
from lastro.core.web.branding import Brand
from lastro.core.web.charts import MONTHS_PT, BarChart, bar_chart
from lastro.core.web.deps import PlatformPrincipal, SessionDep
from lastro.core.web.pages import _set_auth_cookies, page_principal, render
from lastro.core.web.routing import LastroRoute
from lastro.infra.database import bind_platform
from lastro.kit.clock import SAO_PAULO, today_sp, utcnow
from lastro.kit.money import CENT, brl
from lastro.kit.schemas import ReadModel

#: Subscriptions that bring revenue; ``trialing`` ones are counted but bring none yet.
REVENUE_STATUSES = frozenset({"active", "past_due"})
NEAR_LIMIT_PERCENT = 90
MONTHS = 12
ACTIVITY_DAYS = 30
ACTIVE_WINDOW = timedelta(hours=24)
ZERO = Decimal("0.00")


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_EVEN)


# --- shared platform reads (also used by core.platform.resellers) ------------------------------


async def subscriptions_by_tenant(
    session: AsyncSession, tenant_ids: Sequence[uuid.UUID] | None = None
) -> dict[uuid.UUID, tuple[Subscription, Plan]]:
    """Each tenant's subscription and plan (platform session; all tenants when ``None``)."""
    stmt = select(Subscription, Plan).join(Plan, Subscription.plan_id == Plan.id)
    if tenant_ids is not None:
        if not tenant_ids:
            return {}
        stmt = stmt.where(Subscription.tenant_id.in_(tenant_ids))
    rows = (await session.execute(stmt)).all()
    return {sub.tenant_id: (sub, plan) for sub, plan in rows}


async def counters_by_tenant(
    session: AsyncSession, tenant_ids: Sequence[uuid.UUID] | None = None
) -> dict[uuid.UUID, dict[str, int]]:
    """Usage counters of the current period per tenant: levels (period '') and this month's
    flows ('YYYY-MM'), as ``billing.usage`` keeps them (platform session)."""
    month = today_sp().strftime("%Y-%m")
    stmt = select(
        UsageCounter.tenant_id, UsageCounter.metric, UsageCounter.period, UsageCounter.value
    ).where(UsageCounter.period.in_(("", month)))
    if tenant_ids is not None:
        if not tenant_ids:
            return {}
        stmt = stmt.where(UsageCounter.tenant_id.in_(tenant_ids))
    out: dict[uuid.UUID, dict[str, int]] = {}
    for tenant_id, code, period, value in await session.execute(stmt):
        if code in METRICS and current_period(code) == period:
            out.setdefault(tenant_id, {})[code] = int(value)
    return out


def usage_of(plan: Plan | None, counters: dict[str, int]) -> list[Usage]:
    """The same report as ``billing.usage.usage_report`` for one tenant, from preloaded data:
    every metric the plan limits or the tenant has counted, in its current period."""
    limits: dict[str, int | None] = dict(plan.limits or {}) if plan is not None else {}
    out = []
    for code in sorted(set(limits) | set(counters)):
        m = METRICS.get(code)
        if m is None:
            continue
        limit = limits.get(code)
        out.append(
            Usage(
                code,
                m.label,
                current_period(code),
                counters.get(code, 0),
                int(limit) if limit is not None else None,
            )
        )
    return out


def monthly_revenue(sub: Subscription, plan: Plan, counters: dict[str, int]) -> Decimal:
    """What one subscription is worth per month, to the cent (half-even): the monthly price, or
    the yearly cycle price (with its discount) over twelve; tiered plans are priced by the tier
    their metric's current usage falls in."""
    tier: Decimal | None = None
    if plan.tiers:
        quantity = counters.get(plan.tier_metric, 0) if plan.tier_metric else 0
        tier = tier_price(plan, quantity)
    if sub.cycle == "yearly":
        return cents(cycle_price(plan, "yearly", tier) / 12)
    return cents(cycle_price(plan, "monthly", tier))


def brings_revenue(sub: Subscription, tenant: Tenant | None) -> bool:
    """Active or past-due subscriptions of tenants that are not suspended."""
    return sub.status in REVENUE_STATUSES and tenant is not None and tenant.is_active


def subscription_start(sub: Subscription) -> date:
    """When the subscription began: the earlier of its creation (São Paulo date) and its
    current period's start (back-dated imports start before they were created)."""
    created = sub.created_at.astimezone(SAO_PAULO).date()
    return min(created, sub.current_period_start)


# --- the dashboard -----------------------------------------------------------------------------


class PlanCount(ReadModel):
    code: str | None = Field(description="Código do plano; nulo para clientes sem assinatura")
    name: str
    tenants: int


class TenantRevenue(ReadModel):
    slug: str
    name: str
    plan: str
    cycle: str
    mrr: Decimal


class MonthRevenue(ReadModel):
    month: str = Field(description="AAAA-MM")
    mrr: Decimal


class TenantUsers(ReadModel):
    slug: str
    name: str
    users: int


class ActiveUsers(ReadModel):
    window_hours: int
    total: int
    by_tenant: list[TenantUsers]


class DayActivity(ReadModel):
    day: date
    records: int


class NearLimit(ReadModel):
    slug: str
    name: str
    status: str
    metric: str
    label: str
    value: int
    limit: int
    percent: float


class OverdueInvoice(ReadModel):
    number: str
    slug: str
    name: str
    total: Decimal
    due_date: date
    days_overdue: int


class OverdueInvoices(ReadModel):
    available: bool = Field(description="Sempre verdadeiro desde que o faturamento emite faturas")
    count: int
    total: Decimal
    items: list[OverdueInvoice]


class MonthBilled(ReadModel):
    month: str = Field(description="AAAA-MM")
    invoiced: Decimal = Field(description="Faturado: total das faturas emitidas no mês")
    received: Decimal = Field(description="Recebido: faturas pagas no mês")


class DashboardRead(ReadModel):
    generated_at: datetime
    currency: str
    tenants_total: int
    tenants_by_status: dict[str, int]
    tenants_by_plan: list[PlanCount]
    subscriptions_by_status: dict[str, int]
    mrr: Decimal
    arr: Decimal
    revenue_by_tenant: list[TenantRevenue]
    mrr_by_month: list[MonthRevenue]
    mrr_by_month_basis: str
    billed_by_month: list[MonthBilled]
    active_users_24h: ActiveUsers
    activity_by_day: list[DayActivity]
    tenants_near_limit: list[NearLimit]
    overdue_invoices: OverdueInvoices


MRR_BY_MONTH_BASIS = (
    "Estimativa: MRR atual das assinaturas pagantes, acumulado pelo mês de início de cada uma. "
    "Não reflete cancelamentos, trocas de plano nem preços passados; a receita faturada e "
    "recebida por mês está em billed_by_month."
)


def last_months(today: date, count: int = MONTHS) -> list[date]:
    """The first day of each of the last ``count`` months, oldest first, this month last."""
    first = today.replace(day=1)
    return [add_months(first, -i) for i in range(count - 1, -1, -1)]


def mrr_by_month(
    revenue: Iterable[tuple[date, Decimal]], today: date, count: int = MONTHS
) -> list[MonthRevenue]:
    """MRR by month until invoices exist: for each month, the *current* MRR of the paying
    subscriptions that had started by the month's end. It is today's book projected back by
    start date — not billed revenue, and blind to churn, plan changes and past prices."""
    items = list(revenue)
    out = []
    for first in last_months(today, count):
        end = add_months(first, 1) - timedelta(days=1)
        total = sum((mrr for start, mrr in items if start <= end), ZERO)
        out.append(MonthRevenue(month=first.strftime("%Y-%m"), mrr=cents(total)))
    return out


async def _billed_by_month(session: AsyncSession, today: date) -> list[MonthBilled]:
    months = last_months(today)
    since = months[0]
    invoiced: dict[str, Decimal] = {}
    received: dict[str, Decimal] = {}
    rows = (
        await session.execute(
            select(Invoice.issue_date, Invoice.total, Invoice.status, Invoice.paid_at).where(
                Invoice.issue_date >= since - timedelta(days=400)
            )
        )
    ).all()
    for issue_date, total, status, paid_at in rows:
        if issue_date >= since:
            key = issue_date.strftime("%Y-%m")
            invoiced[key] = invoiced.get(key, ZERO) + total
        if status == "paid" and paid_at is not None:
            paid_day = paid_at.astimezone(SAO_PAULO).date()
            if paid_day >= since:
                key = paid_day.strftime("%Y-%m")
                received[key] = received.get(key, ZERO) + total
    return [
        MonthBilled(
            month=m.strftime("%Y-%m"),
            invoiced=cents(invoiced.get(m.strftime("%Y-%m"), ZERO)),
            received=cents(received.get(m.strftime("%Y-%m"), ZERO)),
        )
        for m in months
    ]


async def overdue_invoices(
    session: AsyncSession,
    tenants: dict[uuid.UUID, Tenant],
    *,
    today: date,
    top: int = 20,
) -> OverdueInvoices:
    """Unpaid invoices past their due date, oldest first (platform session; only ``tenants``)."""
    rows = (
        await session.scalars(
            select(Invoice)
            .where(Invoice.status.in_(("open", "overdue")), Invoice.due_date < today)
            .order_by(Invoice.due_date, Invoice.number)
        )
    ).all()
    rows = [r for r in rows if r.tenant_id in tenants]
    return OverdueInvoices(
        available=True,
        count=len(rows),
        total=cents(sum((r.total for r in rows), ZERO)),
        items=[
            OverdueInvoice(
                number=r.number,
                slug=tenants[r.tenant_id].slug,
                name=tenants[r.tenant_id].name,
                total=r.total,
                due_date=r.due_date,
                days_overdue=(today - r.due_date).days,
            )
            for r in rows[:top]
        ],
    )


async def _activity_by_day(session: AsyncSession, today: date) -> list[DayActivity]:
    """Audit records per São Paulo day over the last 30 days, tenant chains only (the
    platform's own chain is administration, not client activity)."""
    first = today - timedelta(days=ACTIVITY_DAYS - 1)
    since = datetime.combine(first, time(0), tzinfo=SAO_PAULO)
    if session.get_bind().dialect.name == "postgresql":
        day: Any = cast(
            func.timezone(literal_column("'America/Sao_Paulo'"), AuditRecord.occurred_at), Date
        )
    else:
        # SQLite keeps naive UTC text; shift by São Paulo's current offset (fixed since 2019).
        offset = utcnow().astimezone(SAO_PAULO).utcoffset() or timedelta(0)
        minutes = int(offset.total_seconds() // 60)
        day = func.date(AuditRecord.occurred_at, literal_column(f"'{minutes:+d} minutes'"))
    rows = (
        await session.execute(
            select(day, func.count())
            .where(AuditRecord.occurred_at >= since, AuditRecord.tenant_id != PLATFORM_SCOPE)
            .group_by(day)
        )
    ).all()
    counts = {date.fromisoformat(str(d)[:10]): int(n) for d, n in rows if d is not None}
    return [
        DayActivity(day=first + timedelta(days=i), records=counts.get(first + timedelta(days=i), 0))
        for i in range(ACTIVITY_DAYS)
    ]


async def _active_users(session: AsyncSession, tenants: dict[uuid.UUID, Tenant]) -> ActiveUsers:
    since = utcnow() - ACTIVE_WINDOW
    rows = (
        await session.execute(
            select(User.tenant_id, func.count())
            .where(User.last_login_at >= since, User.is_active.is_(True))
            .group_by(User.tenant_id)
        )
    ).all()
    by_tenant = [
        TenantUsers(slug=tenants[t].slug, name=tenants[t].name, users=int(n))
        for t, n in rows
        if t in tenants
    ]
    by_tenant.sort(key=lambda u: (-u.users, u.slug))
    return ActiveUsers(
        window_hours=int(ACTIVE_WINDOW.total_seconds() // 3600),
        total=sum(u.users for u in by_tenant),
        by_tenant=by_tenant,
    )


def _near_limits(
    tenants: dict[uuid.UUID, Tenant],
    subs: dict[uuid.UUID, tuple[Subscription, Plan]],
    counters: dict[uuid.UUID, dict[str, int]],
) -> list[NearLimit]:
    out = []
    for tenant_id, (_sub, plan) in subs.items():
        tenant = tenants.get(tenant_id)
        if tenant is None:
            continue
        for u in usage_of(plan, counters.get(tenant_id, {})):
            # Exact integer comparison; the percentage is only for people.
            if u.limit and u.value * 100 >= NEAR_LIMIT_PERCENT * u.limit:
                out.append(
                    NearLimit(
                        slug=tenant.slug,
                        name=tenant.name,
                        status=tenant.status,
                        metric=u.metric,
                        label=u.label,
                        value=u.value,
                        limit=u.limit,
                        percent=u.percent or 0.0,
                    )
                )
    out.sort(key=lambda n: (-n.value / n.limit, n.slug, n.metric))
    return out


async def build_dashboard(session: AsyncSession, *, top: int = 10) -> DashboardRead:
    """Every figure of the master dashboard, read on a platform session."""
    bind_platform(session)
    today = today_sp()
    tenants = {
        t.id: t
        for t in (await session.scalars(select(Tenant).where(Tenant.status != "system"))).all()
    }
    subs = await subscriptions_by_tenant(session)
    counters = await counters_by_tenant(session)

    by_plan: Counter[tuple[str | None, str]] = Counter()
    for tenant_id in tenants:
        pair = subs.get(tenant_id)
        by_plan[(pair[1].code, pair[1].name) if pair else (None, "Sem assinatura")] += 1

    revenue: list[tuple[Tenant, Subscription, Plan, Decimal]] = []
    for tenant_id, (sub, plan) in subs.items():
        tenant = tenants.get(tenant_id)
        if tenant is not None and brings_revenue(sub, tenant):
            revenue.append(
                (tenant, sub, plan, monthly_revenue(sub, plan, counters.get(tenant_id, {})))
            )
    mrr = cents(sum((r[3] for r in revenue), ZERO))
    ranked = sorted(revenue, key=lambda r: (-r[3], r[0].slug))[:top]

    return DashboardRead(
        generated_at=utcnow(),
        currency="BRL",
        tenants_total=len(tenants),
        tenants_by_status=dict(sorted(Counter(t.status for t in tenants.values()).items())),
        tenants_by_plan=[
            PlanCount(code=code, name=name, tenants=n)
            for (code, name), n in sorted(by_plan.items(), key=lambda kv: (-kv[1], kv[0][1]))
        ],
        subscriptions_by_status=dict(sorted(Counter(s.status for s, _ in subs.values()).items())),
        mrr=mrr,
        arr=cents(mrr * 12),
        revenue_by_tenant=[
            TenantRevenue(slug=t.slug, name=t.name, plan=p.code, cycle=s.cycle, mrr=value)
            for t, s, p, value in ranked
        ],
        mrr_by_month=mrr_by_month(((subscription_start(s), v) for _, s, _, v in revenue), today),
        mrr_by_month_basis=MRR_BY_MONTH_BASIS,
        billed_by_month=await _billed_by_month(session, today),
        active_users_24h=await _active_users(session, tenants),
        activity_by_day=await _activity_by_day(session, today),
        tenants_near_limit=_near_limits(tenants, subs, counters),
        overdue_invoices=await overdue_invoices(session, tenants, today=today),
    )


# --- API ---------------------------------------------------------------------------------------

router = APIRouter(prefix="/api/v1/platform", route_class=LastroRoute, tags=["platform"])


@router.get("/dashboard", response_model=DashboardRead, summary="Painel mestre da plataforma")
async def get_dashboard(
    _p: PlatformPrincipal,
    session: SessionDep,
    top: Annotated[int, Query(ge=1, le=100, description="Clientes no ranking de receita")] = 10,
) -> DashboardRead:
    """MRR and ARR are the current book of paying subscriptions (active or past due, tenant
    not suspended); trialing subscriptions are counted but bring no revenue. ARR = MRR × 12."""
    return await build_dashboard(session, top=top)


# --- page (inline SVG charts, drawn here: no scripts, nothing from a CDN) ----------------------

pages_router = APIRouter(include_in_schema=False)

STATUS_LABELS = {"active": "Ativos", "suspended": "Suspensos"}
STATUS_COLOURS = {"active": "#12a37f", "suspended": "#b42318"}


def integer(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def pct(value: float) -> str:
    return f"{value:.1f}".replace(".", ",")


def charts(data: DashboardRead) -> dict[str, BarChart]:
    months = [
        (f"{MONTHS_PT[int(m.month[5:]) - 1]}/{m.month[2:4]}", m.mrr, brl(m.mrr))
        for m in data.mrr_by_month
    ]
    days = [(d.day.strftime("%d/%m"), d.records, integer(d.records)) for d in data.activity_by_day]
    statuses = sorted(data.tenants_by_status.items())
    return {
        "mrr": bar_chart("MRR por mês", months),
        "billed": bar_chart(
            "Faturado por mês",
            [
                (f"{MONTHS_PT[int(m.month[5:]) - 1]}/{m.month[2:4]}", m.invoiced, brl(m.invoiced))
                for m in data.billed_by_month
            ],
        ),
        "activity": bar_chart("Atividade por dia (registros de auditoria)", days, label_every=5),
        "status": bar_chart(
            "Clientes por situação",
            [(STATUS_LABELS.get(s, s), n, integer(n)) for s, n in statuses],
            width=360,
            colours=[STATUS_COLOURS.get(s, "#667085") for s, _ in statuses],
        ),
    }


@pages_router.get("/platform/dashboard")
async def dashboard_page(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    async with runtime.db.session() as session:
        bind_platform(session)
        principal, renewed = await page_principal(request, session)
        if principal is None or not principal.is_platform or not principal.can("platform.admin"):
            return RedirectResponse("/login", status_code=303)
        user = await session.get(PlatformUser, principal.user_id)
        if user is None or not user.is_active:
            return RedirectResponse("/login", status_code=303)
        user_name, user_label = user.name, user.email
        data = await build_dashboard(session)
        await session.rollback()  # read-only page
    ctx: dict[str, Any] = {
        "brand": Brand(),
        "principal": principal,
        "user_name": user_name,
        "user_label": user_label,
        "d": data,
        "charts": charts(data),
        "mrr": brl(data.mrr),
        "arr": brl(data.arr),
        "revenue": [(r, brl(r.mrr)) for r in data.revenue_by_tenant],
        "status_labels": STATUS_LABELS,
        "integer": integer,
        "pct": pct,
        "brl": brl,
    }
    response = render(request, "core/dashboard.html", ctx)
    if renewed:
        _set_auth_cookies(response, request, renewed[0], renewed[1], runtime)
    return response
