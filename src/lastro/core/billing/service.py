"""Plans catalogue and subscriptions: subscribe, change plan with proration, status changes."""

from __future__ import annotations

import calendar
import uuid
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lastro.core.audit.service import record as audit
from lastro.core.billing.catalogue import SEED_PLANS
from lastro.core.billing.errors import PlanExists, PlanNotFound, SubscriptionNotFound
from lastro.core.billing.metrics import METRICS
from lastro.core.billing.models import Plan, PlanChange, Subscription
from lastro.core.platform.models import Tenant
from lastro.core.platform.service import tenant_cache
from lastro.infra.database import Database
from lastro.kit.clock import today_sp, utcnow
from lastro.kit.errors import ValidationFailed
from lastro.kit.money import CENT
from lastro.kit.ttl_cache import TTLCache

TRIAL_DAYS = 30
CYCLES = ("monthly", "yearly")


def add_months(day: date, months: int) -> date:
    """Same day ``months`` later, clamped to the month's end (Jan 31 + 1 → Feb 28/29)."""
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def period_end(start: date, cycle: str) -> date:
    return add_months(start, 12 if cycle == "yearly" else 1) - timedelta(days=1)


def cycle_price(plan: Plan, cycle: str, tier_price: Decimal | None = None) -> Decimal:
    """The price of one cycle: monthly, or twelve months less the plan's yearly discount."""
    monthly = tier_price if tier_price is not None else (plan.price or Decimal("0"))
    if cycle == "monthly":
        return monthly
    discount = (Decimal(100) - plan.yearly_discount_pct) / Decimal(100)
    return (monthly * 12 * discount).quantize(CENT, rounding=ROUND_HALF_EVEN)


def tier_price(plan: Plan, quantity: int) -> Decimal | None:
    """The monthly price of the tier that ``quantity`` falls in (tiered plans only)."""
    for tier in plan.tiers or []:
        if tier.get("up_to") is None or quantity <= int(tier["up_to"]):
            return Decimal(str(tier["price"]))
    return None


def validate_plan(data: dict[str, Any]) -> None:
    unknown = [k for k in data.get("limits", {}) if k not in METRICS]
    if unknown:
        raise ValidationFailed(
            f"Métricas desconhecidas nos limites: {', '.join(unknown)}.", code="UNKNOWN_METRIC"
        )
    for code, price in data.get("overage", {}).items():
        if code not in METRICS or data.get("limits", {}).get(code) is None:
            raise ValidationFailed(
                f"Excedente de '{code}' exige uma métrica conhecida com limite no plano.",
                code="INVALID_OVERAGE",
            )
        if Decimal(str(price)) < 0:
            raise ValidationFailed(
                "Preço de excedente não pode ser negativo.", code="INVALID_OVERAGE"
            )
    for value in data.get("limits", {}).values():
        if value is not None and int(value) < 0:
            raise ValidationFailed("Limites não podem ser negativos.", code="INVALID_LIMIT")
    bounds = [t.get("up_to") for t in data.get("tiers", [])]
    finite = [b for b in bounds if b is not None]
    if finite != sorted(finite) or bounds.count(None) > 1 or (None in bounds and bounds[-1]):
        raise ValidationFailed(
            "Faixas devem ser crescentes, com a faixa aberta por último.", code="INVALID_TIERS"
        )


async def create_plan(session: AsyncSession, data: dict[str, Any]) -> Plan:
    validate_plan(data)
    if await session.scalar(select(Plan.id).where(Plan.code == data["code"])) is not None:
        raise PlanExists(f"Já existe um plano com o código '{data['code']}'.")
    plan = Plan(**data)
    session.add(plan)
    await session.flush()
    audit(session, "plan.created", "plan", plan.id, after={"code": plan.code, "price": plan.price})
    return plan


async def seed_plans(session: AsyncSession) -> int:
    """Create the catalogue's plans that are missing (idempotent)."""
    existing = set((await session.scalars(select(Plan.code))).all())
    created = 0
    for data in SEED_PLANS:
        if data["code"] not in existing:
            await create_plan(session, dict(data))
            created += 1
    return created


async def plan_by_code(session: AsyncSession, code: str) -> Plan:
    plan = await session.scalar(select(Plan).where(Plan.code == code))
    if plan is None or not plan.is_active:
        raise PlanNotFound(f"Plano '{code}' não encontrado.")
    return plan


async def current(session: AsyncSession) -> tuple[Subscription, Plan]:
    """The bound tenant's subscription and plan."""
    row = (
        await session.execute(
            select(Subscription, Plan).join(Plan, Subscription.plan_id == Plan.id)
        )
    ).first()
    if row is None:
        raise SubscriptionNotFound("Esta empresa ainda não tem assinatura.")
    return row[0], row[1]


async def _sync_modules(session: AsyncSession, tenant_id: uuid.UUID, plan: Plan) -> None:
    tenant = await session.get(Tenant, tenant_id)
    if tenant is not None:
        tenant.enabled_modules = list(plan.modules or [])
        tenant_cache.forget(tenant.slug)


async def subscribe(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    plan_code: str,
    *,
    cycle: str = "monthly",
    trial: bool = True,
    start: date | None = None,
) -> Subscription:
    """Put a tenant on a plan (a 30-day pilot by default); its modules follow the plan."""
    if cycle not in CYCLES:
        raise ValidationFailed("Ciclo deve ser 'monthly' ou 'yearly'.", code="INVALID_CYCLE")
    plan = await plan_by_code(session, plan_code)
    start = start or today_sp()
    sub = Subscription(
        tenant_id=tenant_id,
        plan_id=plan.id,
        cycle=cycle,
        status="trialing" if trial else "active",
        trial_ends_on=start + timedelta(days=TRIAL_DAYS) if trial else None,
        current_period_start=start,
        current_period_end=period_end(start, cycle),
    )
    session.add(sub)
    await _sync_modules(session, tenant_id, plan)
    await session.flush()
    audit(
        session,
        "subscription.created",
        "subscription",
        sub.id,
        tenant_id=tenant_id,
        after={"plan": plan.code, "cycle": cycle, "status": sub.status},
    )
    return sub


def proration(
    old_price: Decimal, new_price: Decimal, period_start: date, period_end_: date, on: date
) -> Decimal:
    """What a mid-period change costs (positive) or credits (negative): the price difference
    for the days left, counting ``on`` itself, rounded half-even to the cent."""
    total_days = (period_end_ - period_start).days + 1
    left = max(0, (period_end_ - on).days + 1)
    return ((new_price - old_price) * left / total_days).quantize(CENT, rounding=ROUND_HALF_EVEN)


async def change_plan(
    session: AsyncSession, plan_code: str, *, cycle: str | None = None, on: date | None = None
) -> PlanChange:
    sub, old = await current(session)
    new = await plan_by_code(session, plan_code)
    cycle = cycle or sub.cycle
    if cycle not in CYCLES:
        raise ValidationFailed("Ciclo deve ser 'monthly' ou 'yearly'.", code="INVALID_CYCLE")
    on = on or today_sp()
    amount = Decimal("0.00")
    if sub.status != "trialing":
        amount = proration(
            cycle_price(old, sub.cycle),
            cycle_price(new, cycle),
            sub.current_period_start,
            sub.current_period_end,
            on,
        )
    change = PlanChange(
        changed_at=utcnow(),
        from_plan_id=old.id,
        to_plan_id=new.id,
        from_cycle=sub.cycle,
        to_cycle=cycle,
        proration=amount,
    )
    session.add(change)
    if cycle != sub.cycle:
        sub.current_period_start = on
        sub.current_period_end = period_end(on, cycle)
    sub.plan_id, sub.cycle = new.id, cycle
    await _sync_modules(session, sub.tenant_id, new)
    await session.flush()
    audit(
        session,
        "subscription.plan_changed",
        "subscription",
        sub.id,
        before={"plan": old.code},
        after={"plan": new.code, "cycle": cycle, "proration": amount},
    )
    return change


_rate_cache: TTLCache[uuid.UUID, int] = TTLCache(30.0)
DEFAULT_API_RATE_LIMIT = 100


async def api_rate_limit(db: Database, tenant_id: uuid.UUID) -> int:
    """Requests per 15 minutes allowed to each API key of the tenant, by its plan (cached)."""
    cached, limit = _rate_cache.get(tenant_id)
    if cached and limit is not None:
        return limit
    async with db.session(readonly=True, tenant_id=tenant_id) as session:
        value = await session.scalar(
            select(Plan.api_rate_limit).join(Subscription, Subscription.plan_id == Plan.id)
        )
    limit = int(value or DEFAULT_API_RATE_LIMIT)
    _rate_cache.put(tenant_id, limit)
    return limit
