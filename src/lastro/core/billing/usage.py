"""The one interface through which modules report usage and the core enforces plan limits.

Levels (users, agents, active quotas, products, storage) go up with :func:`consume` and down
with :func:`release`; monthly flows (conversations, API calls) go up with :func:`consume` in the
current month's period. :func:`consume` is one conditional UPDATE, so concurrent creations can
never overshoot a limit: the row lock (PostgreSQL) or the write lock (SQLite) serialises them
and the condition is re-checked. Crossing 90 % and 100 % raises an alert once per period.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from lastro.contracts.billing import UsageThresholdReached
from lastro.core.audit.service import record as audit
from lastro.core.billing.errors import PlanLimitReached
from lastro.core.billing.metrics import metric
from lastro.core.billing.models import Plan, Subscription, UsageAlert, UsageCounter
from lastro.infra.database import bound_tenant
from lastro.infra.outbox import publish
from lastro.kit.clock import today_sp, utcnow

THRESHOLDS = (90, 100)


@dataclass(frozen=True)
class Usage:
    metric: str
    label: str
    period: str
    value: int
    limit: int | None

    @property
    def percent(self) -> float | None:
        return None if not self.limit else round(100 * self.value / self.limit, 1)


def current_period(metric_code: str) -> str:
    return today_sp().strftime("%Y-%m") if metric(metric_code).kind == "monthly" else ""


async def plan_limits(session: AsyncSession) -> dict[str, int | None]:
    """The limits of the bound tenant's plan (empty: no subscription yet)."""
    row = await session.execute(
        select(Plan.limits).join(Subscription, Subscription.plan_id == Plan.id)
    )
    return row.scalar_one_or_none() or {}


async def limit_of(session: AsyncSession, metric_code: str) -> int | None:
    """The tenant's plan limit for a metric (None: unlimited or no subscription yet)."""
    value = (await plan_limits(session)).get(metric_code)
    return int(value) if value is not None else None


async def enforced_limit(session: AsyncSession, metric_code: str) -> tuple[int | None, bool]:
    """The limit and whether it is hard (refused) or soft (priced as overage)."""
    row = (
        await session.execute(
            select(Plan.limits, Plan.overage).join(Subscription, Subscription.plan_id == Plan.id)
        )
    ).first()
    if row is None:
        return None, True
    value = (row.limits or {}).get(metric_code)
    return (int(value) if value is not None else None), metric_code not in (row.overage or {})


async def ensure_counter(session: AsyncSession, metric_code: str, period: str) -> None:
    tenant_id = bound_tenant(session)
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    await session.execute(
        insert(UsageCounter)
        .values(
            tenant_id=tenant_id, metric=metric_code, period=period, value=0, updated_at=utcnow()
        )
        .on_conflict_do_nothing()
    )


async def consume(session: AsyncSession, metric_code: str, amount: int = 1) -> Usage:
    """Count ``amount`` more of ``metric_code``, or refuse with 402 when the plan's limit would
    be exceeded. Call it in the same transaction as the action it pays for."""
    m = metric(metric_code)
    if amount < 0:
        raise ValueError("consume takes a positive amount; use release to give back")
    period = current_period(metric_code)
    limit, hard = await enforced_limit(session, metric_code)
    await ensure_counter(session, metric_code, period)
    stmt = (
        update(UsageCounter)
        .where(UsageCounter.metric == metric_code, UsageCounter.period == period)
        .values(value=UsageCounter.value + amount, updated_at=utcnow())
        .returning(UsageCounter.value)
    )
    if limit is not None and hard:
        stmt = stmt.where(UsageCounter.value + amount <= limit)
    new_value = (await session.execute(stmt)).scalar_one_or_none()
    if new_value is None:
        raise PlanLimitReached(
            f"Limite do plano atingido para {m.label}: {limit}. Faça upgrade do plano para "
            "continuar.",
            extra={"metric": metric_code, "limit": limit},
        )
    usage = Usage(metric_code, m.label, period, int(new_value), limit)
    if limit:
        await raise_alerts(session, usage, previous=int(new_value) - amount)
    return usage


async def release(session: AsyncSession, metric_code: str, amount: int = 1) -> None:
    """Give back ``amount`` of a level metric (a user deactivated, a product removed)."""
    if metric(metric_code).kind != "level":
        raise ValueError("only level metrics can be released")
    await session.execute(
        update(UsageCounter)
        .where(UsageCounter.metric == metric_code, UsageCounter.period == "")
        .values(value=UsageCounter.value - amount, updated_at=utcnow())
    )


async def set_level(session: AsyncSession, metric_code: str, value: int) -> None:
    """Record a measured level (storage bytes) without enforcing: measuring cannot be refused."""
    await ensure_counter(session, metric_code, "")
    await session.execute(
        update(UsageCounter)
        .where(UsageCounter.metric == metric_code, UsageCounter.period == "")
        .values(value=value, updated_at=utcnow())
    )


async def raise_alerts(session: AsyncSession, usage: Usage, *, previous: int) -> None:
    assert usage.limit
    for threshold in THRESHOLDS:
        mark = usage.limit * threshold / 100
        if not previous < mark <= usage.value:
            continue
        exists = await session.scalar(
            select(UsageAlert.id).where(
                UsageAlert.metric == usage.metric,
                UsageAlert.period == usage.period,
                UsageAlert.threshold == threshold,
            )
        )
        if exists is not None:
            continue
        session.add(
            UsageAlert(
                metric=usage.metric,
                period=usage.period,
                threshold=threshold,
                value=usage.value,
                limit=usage.limit,
                raised_at=utcnow(),
            )
        )
        audit(
            session,
            "usage.threshold_reached",
            "usage",
            usage.metric,
            after={
                "threshold": threshold,
                "value": usage.value,
                "limit": usage.limit,
                "period": usage.period,
            },
        )
        publish(
            session,
            UsageThresholdReached(
                tenant_id=bound_tenant(session),
                metric=usage.metric,
                threshold=threshold,
                value=usage.value,
                limit=usage.limit,
                period=usage.period,
            ),
        )


async def usage_report(session: AsyncSession) -> list[Usage]:
    """Every limited or counted metric of the tenant, for its dashboard and the platform's."""
    counters = {
        (c.metric, c.period): c.value for c in (await session.scalars(select(UsageCounter))).all()
    }
    limits = await plan_limits(session)
    out = []
    for code in sorted(set(limits) | {m for m, _ in counters}):
        try:
            m = metric(code)
        except ValueError:
            continue
        period = current_period(code)
        out.append(
            Usage(code, m.label, period, int(counters.get((code, period), 0)), limits.get(code))
        )
    return out
