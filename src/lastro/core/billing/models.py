"""Plans (the platform's catalogue, global) and each tenant's subscription and usage."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from lastro.kit.orm import Base, HasId, Money, TenantScoped, Timestamps


class Plan(HasId, Timestamps, Base):
    __tablename__ = "plans"

    code: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(String(500), default="")
    family: Mapped[str] = mapped_column(String(40), default="general")
    price: Mapped[Decimal | None] = mapped_column(Money(), default=None)
    currency: Mapped[str] = mapped_column(String(3), default="BRL")
    yearly_discount_pct: Mapped[Decimal] = mapped_column(Money(5, 2), default=Decimal("10.00"))
    modules: Mapped[list[str]] = mapped_column(JSON, default=list)
    limits: Mapped[dict[str, int | None]] = mapped_column(JSON, default=dict)
    tiers: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    tier_metric: Mapped[str | None] = mapped_column(String(40), default=None)
    api_rate_limit: Mapped[int] = mapped_column(Integer, default=100)
    is_public: Mapped[bool] = mapped_column(Boolean, default=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class Subscription(TenantScoped, Timestamps, Base):
    """One per tenant (unique ``tenant_id``)."""

    __tablename__ = "subscriptions"
    __table_args__ = (Index("uq_subscriptions_tenant", "tenant_id", unique=True),)

    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("plans.id"))
    cycle: Mapped[str] = mapped_column(String(10), default="monthly")
    status: Mapped[str] = mapped_column(String(12), default="trialing")
    trial_ends_on: Mapped[date | None] = mapped_column(Date, default=None)
    current_period_start: Mapped[date] = mapped_column(Date)
    current_period_end: Mapped[date] = mapped_column(Date)
    past_due_since: Mapped[date | None] = mapped_column(Date, default=None)
    suspended_at: Mapped[datetime | None] = mapped_column(default=None)
    cancelled_at: Mapped[datetime | None] = mapped_column(default=None)


class PlanChange(TenantScoped, Base):
    """A plan or cycle change and its proration, for the next invoice to settle."""

    __tablename__ = "plan_changes"

    changed_at: Mapped[datetime]
    from_plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("plans.id"))
    to_plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("plans.id"))
    from_cycle: Mapped[str] = mapped_column(String(10))
    to_cycle: Mapped[str] = mapped_column(String(10))
    proration: Mapped[Decimal] = mapped_column(Money())
    invoiced: Mapped[bool] = mapped_column(Boolean, default=False)


class UsageCounter(TenantScoped, Base):
    """Current usage of one metric; ``period`` is '' for levels (users) or 'YYYY-MM' for
    monthly flows (conversations, API calls)."""

    __tablename__ = "usage_counters"
    __table_args__ = (
        Index("uq_usage_counters_metric_period", "tenant_id", "metric", "period", unique=True),
    )

    metric: Mapped[str] = mapped_column(String(40))
    period: Mapped[str] = mapped_column(String(7), default="")
    value: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime]


class UsageAlert(TenantScoped, Base):
    """Raised once per metric, period and threshold (90 or 100 %)."""

    __tablename__ = "usage_alerts"
    __table_args__ = (
        Index("uq_usage_alerts_once", "tenant_id", "metric", "period", "threshold", unique=True),
    )

    metric: Mapped[str] = mapped_column(String(40))
    period: Mapped[str] = mapped_column(String(7), default="")
    threshold: Mapped[int] = mapped_column(Integer)
    value: Mapped[int] = mapped_column(BigInteger)
    limit: Mapped[int] = mapped_column(BigInteger)
    raised_at: Mapped[datetime]
