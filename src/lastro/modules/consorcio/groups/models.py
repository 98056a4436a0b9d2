"""Groups, their versioned contract rules and the reference asset's price history.

A group's identity (code, segment, term, maximum quotas, credit values, reference asset, price
index, regime) is fixed when it is created. Everything an extraordinary assembly may change lives
in :class:`GroupRuleVersion`, one row per version with the date it applies from: reading the
rules "as of" a date picks the last version effective on or before it, so the past is never
rewritten. Prices are a history too: the price in force on a date is the last one effective on
or before it.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKeyConstraint, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from lastro.kit.clock import utcnow
from lastro.kit.orm import Base, Money, TenantScoped, Timestamps


def Percent() -> Money:
    """A percent value (2.34 means 2.34 %), NUMERIC(18, 10)."""
    return Money(18, 10)


class Group(TenantScoped, Timestamps, Base):
    """A closed pool with its own patrimony and books (``ledger_id``: its core-ledger book)."""

    __tablename__ = "consorcio_groups"
    __table_args__ = (
        Index("uq_consorcio_groups_code", "tenant_id", "code", unique=True),
        Index("ix_consorcio_groups_status", "tenant_id", "status"),
    )

    code: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(120), default="")
    segment: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(15), default="em_formacao")
    regime: Mapped[str] = mapped_column(String(20))
    term_months: Mapped[int] = mapped_column(Integer)
    max_quotas: Mapped[int] = mapped_column(Integer)
    # the credit values offered (one, or mixed: smallest >= 50 % of largest) at the base price
    credit_values: Mapped[list[str]] = mapped_column(JSON, default=list)
    reference_asset: Mapped[str] = mapped_column(String(200))
    price_index: Mapped[str] = mapped_column(String(30))
    # the reference price (and index value) at creation: credits scale by price / base_price
    base_price: Mapped[Decimal] = mapped_column(Money())
    base_index_value: Mapped[Decimal | None] = mapped_column(Money(18, 8), default=None)
    min_quotas_to_constitute: Mapped[int | None] = mapped_column(Integer, default=None)
    formation_started_on: Mapped[date] = mapped_column(Date)
    formation_deadline: Mapped[date] = mapped_column(Date)
    # the 90-day check: set when the group missed its deadline and owes refunds
    formation_expired_on: Mapped[date | None] = mapped_column(Date, default=None)
    constituted_on: Mapped[date | None] = mapped_column(Date, default=None)
    first_assembly_on: Mapped[date | None] = mapped_column(Date, default=None)
    closed_on: Mapped[date | None] = mapped_column(Date, default=None)
    contract_version: Mapped[str] = mapped_column(String(40), default="1")
    ledger_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    description: Mapped[str] = mapped_column(String(500), default="")


class GroupRuleVersion(TenantScoped, Base):
    """One version of a group's contract rules, in force from ``effective_from`` until the next
    version's date. Rows are never updated: a change is a new version."""

    __tablename__ = "consorcio_group_rule_versions"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "group_id"],
            ["consorcio_groups.tenant_id", "consorcio_groups.id"],
            name="fk_consorcio_group_rule_versions_group",
        ),
        Index(
            "uq_consorcio_group_rule_versions_version",
            "tenant_id",
            "group_id",
            "version",
            unique=True,
        ),
        Index(
            "uq_consorcio_group_rule_versions_effective",
            "tenant_id",
            "group_id",
            "effective_from",
            unique=True,
        ),
    )

    group_id: Mapped[uuid.UUID]
    version: Mapped[int] = mapped_column(Integer)
    effective_from: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(300), default="")
    # fees, all percent of the reference price over the whole term
    admin_fee_pct: Mapped[Decimal] = mapped_column(Percent())
    admin_fee_prepaid_pct: Mapped[Decimal] = mapped_column(Percent(), default=Decimal(0))
    reserve_fund_pct: Mapped[Decimal] = mapped_column(Percent(), default=Decimal(0))
    insurance_rate_pct: Mapped[Decimal] = mapped_column(Percent(), default=Decimal(0))
    insurance_base: Mapped[str] = mapped_column(String(30), default="none")
    late_fine_pct: Mapped[Decimal] = mapped_column(Percent(), default=Decimal(2))
    late_interest_monthly_pct: Mapped[Decimal] = mapped_column(Percent(), default=Decimal(1))
    late_group_share_pct: Mapped[Decimal] = mapped_column(Percent(), default=Decimal(50))
    # assembly calendar
    assembly_day: Mapped[int] = mapped_column(Integer)
    due_day: Mapped[int] = mapped_column(Integer)
    payment_cutoff_days: Mapped[int] = mapped_column(Integer, default=0)
    # contract rules that vary by group
    exclusion_threshold: Mapped[int] = mapped_column(Integer)
    draw_method: Mapped[str] = mapped_column(String(30))
    draws_per_assembly: Mapped[int] = mapped_column(Integer, default=1)
    tie_break: Mapped[str] = mapped_column(String(30))
    bid_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    bid_rules: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    amortization_order: Mapped[str] = mapped_column(String(20))
    late_joiner_mode: Mapped[str] = mapped_column(String(20))
    reduced_plan: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_by: Mapped[uuid.UUID | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class GroupPrice(TenantScoped, Base):
    """The reference asset's price (or the credit's index value) from a date on.

    ``price`` is always stored, also for index-driven groups (base price × index / base index),
    so converting between percent and reais never needs the index."""

    __tablename__ = "consorcio_group_prices"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "group_id"],
            ["consorcio_groups.tenant_id", "consorcio_groups.id"],
            name="fk_consorcio_group_prices_group",
        ),
        Index(
            "uq_consorcio_group_prices_effective",
            "tenant_id",
            "group_id",
            "effective_on",
            unique=True,
        ),
    )

    group_id: Mapped[uuid.UUID]
    effective_on: Mapped[date] = mapped_column(Date)
    price: Mapped[Decimal] = mapped_column(Money())
    index_value: Mapped[Decimal | None] = mapped_column(Money(18, 8), default=None)
    source: Mapped[str] = mapped_column(String(60), default="")
    note: Mapped[str] = mapped_column(String(300), default="")
    # set once the delinquency/pricing area has applied it to the group's installments
    applied: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[uuid.UUID | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class GroupBookPosting(TenantScoped, Base):
    """Which payment was posted to a group's books (and the core-ledger entry), so the
    payments area can list and reconcile them without reading the ledger's tables."""

    __tablename__ = "consorcio_group_book_postings"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "group_id"],
            ["consorcio_groups.tenant_id", "consorcio_groups.id"],
            name="fk_consorcio_group_book_postings_group",
        ),
        Index("uq_consorcio_group_book_postings_ref", "tenant_id", "payment_ref", unique=True),
        Index("ix_consorcio_group_book_postings_group", "tenant_id", "group_id", "paid_on"),
    )

    group_id: Mapped[uuid.UUID]
    payment_ref: Mapped[str] = mapped_column(String(120))
    paid_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money())
    components: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    group_entry_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    admin_entry_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
