"""Plans (the platform's catalogue, global) and each tenant's subscription and usage."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
)
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
    # price per unit above the limit, by metric: those limits are soft (billed, not refused)
    overage: Mapped[dict[str, str]] = mapped_column(JSON, default=dict, server_default="{}")
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
    # what the tenant was credited (a downgrade) beyond what its invoices absorbed so far
    credit_balance: Mapped[Decimal] = mapped_column(
        Money(), default=Decimal("0.00"), server_default="0"
    )


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


class Invoice(TenantScoped, Timestamps, Base):
    """What a tenant owes the platform for one period of its subscription.

    Numbered per calendar year across the platform (``2026-000042``); one per subscription
    and period, so a billing run that is repeated or runs twice at once issues nothing twice.
    Kept after the tenant is erased (fiscal record).
    """

    __tablename__ = "invoices"
    __table_args__ = (
        Index("uq_invoices_number", "number", unique=True),
        Index("uq_invoices_period", "tenant_id", "subscription_id", "period_start", unique=True),
        Index("ix_invoices_status_due", "status", "due_date"),
        Index("ix_invoices_provider_ref", "provider", "provider_ref"),
    )

    number: Mapped[str] = mapped_column(String(20))
    subscription_id: Mapped[uuid.UUID]
    plan_code: Mapped[str] = mapped_column(String(60))
    cycle: Mapped[str] = mapped_column(String(10))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    issue_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="open")  # open|overdue|paid|void
    subtotal: Mapped[Decimal] = mapped_column(Money())
    credit_applied: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0.00"))
    total: Mapped[Decimal] = mapped_column(Money())
    currency: Mapped[str] = mapped_column(String(3), default="BRL")
    paid_at: Mapped[datetime | None] = mapped_column(default=None)
    paid_amount: Mapped[Decimal | None] = mapped_column(Money(), default=None)
    provider: Mapped[str] = mapped_column(String(30))
    provider_ref: Mapped[str] = mapped_column(String(80))
    nosso_numero: Mapped[str] = mapped_column(String(20))
    boleto_barcode: Mapped[str] = mapped_column(String(44))
    boleto_line: Mapped[str] = mapped_column(String(47))
    pix_payload: Mapped[str] = mapped_column(String(512))
    reminders: Mapped[list[str]] = mapped_column(JSON, default=list)
    posted_issue: Mapped[bool] = mapped_column(Boolean, default=False)
    posted_payment: Mapped[bool] = mapped_column(Boolean, default=False)


class InvoiceLine(TenantScoped, Base):
    """One line of an invoice: the plan, its tier, overage of a metric, a proration, a credit."""

    __tablename__ = "invoice_lines"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "invoice_id"], ["invoices.tenant_id", "invoices.id"], ondelete="CASCADE"
        ),
        Index("ix_invoice_lines_invoice", "tenant_id", "invoice_id"),
    )

    invoice_id: Mapped[uuid.UUID]
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(12))  # plan|tier|overage|proration|credit
    description: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[Decimal] = mapped_column(Money(18, 4), default=Decimal(1))
    unit_price: Mapped[Decimal] = mapped_column(Money())
    amount: Mapped[Decimal] = mapped_column(Money())


class InvoicePayment(TenantScoped, Base):
    """A payment the provider confirmed for an invoice."""

    __tablename__ = "invoice_payments"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "invoice_id"], ["invoices.tenant_id", "invoices.id"]),
        Index("ix_invoice_payments_invoice", "tenant_id", "invoice_id"),
    )

    invoice_id: Mapped[uuid.UUID]
    provider: Mapped[str] = mapped_column(String(30))
    event_id: Mapped[str] = mapped_column(String(100))
    method: Mapped[str] = mapped_column(String(10))  # boleto|pix
    amount: Mapped[Decimal] = mapped_column(Money())
    paid_at: Mapped[datetime]


class ProviderEvent(HasId, Base):
    """Each webhook call a payment provider made, once: a redelivery finds its row."""

    __tablename__ = "billing_provider_events"
    __table_args__ = (Index("uq_billing_provider_events", "provider", "event_id", unique=True),)

    provider: Mapped[str] = mapped_column(String(30))
    event_id: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(40))
    received_at: Mapped[datetime]
    outcome: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class InvoiceSequence(Base):
    """The last invoice number issued in each year (platform-wide)."""

    __tablename__ = "invoice_sequences"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer, default=0)
