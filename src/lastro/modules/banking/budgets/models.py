"""Budgets per account, category and period; the alerts already sent (one per threshold per
period: the unique index is the "notify once"); and the facts of ledger entries analytics
needs (kind, category, counterparty), recorded from the ledger's events so reads need not
fetch each entry."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Date, ForeignKeyConstraint, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from lastro.kit.orm import Base, Money, TenantScoped, Timestamps


class Budget(TenantScoped, Timestamps, Base):
    __tablename__ = "banking_budgets"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "account_id"],
            ["banking_accounts.tenant_id", "banking_accounts.id"],
            ondelete="CASCADE",
        ),
        Index(
            "uq_banking_budgets_category",
            "tenant_id",
            "account_id",
            "category",
            "period",
            unique=True,
        ),
    )

    account_id: Mapped[uuid.UUID]
    category: Mapped[str] = mapped_column(String(20))
    period: Mapped[str] = mapped_column(String(10))  # weekly | monthly | annual
    amount: Mapped[Decimal] = mapped_column(Money())
    thresholds: Mapped[list[int]] = mapped_column(JSON)
    created_by: Mapped[uuid.UUID]


class BudgetAlert(TenantScoped, Base):
    __tablename__ = "banking_budget_alerts"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "budget_id"],
            ["banking_budgets.tenant_id", "banking_budgets.id"],
            ondelete="CASCADE",
        ),
        Index(
            "uq_banking_budget_alerts_crossing",
            "tenant_id",
            "budget_id",
            "period_start",
            "threshold",
            unique=True,
        ),
    )

    budget_id: Mapped[uuid.UUID]
    period_start: Mapped[date] = mapped_column(Date)
    threshold: Mapped[int] = mapped_column(Integer)
    spent: Mapped[Decimal] = mapped_column(Money())
    created_at: Mapped[datetime]


class EntryFact(TenantScoped, Base):
    __tablename__ = "banking_entry_facts"
    __table_args__ = (Index("uq_banking_entry_facts_entry", "tenant_id", "entry_id", unique=True),)

    entry_id: Mapped[uuid.UUID]
    kind: Mapped[str] = mapped_column(String(30))
    category: Mapped[str] = mapped_column(String(30))
    counterparty: Mapped[str] = mapped_column(String(120), default="")
    mcc: Mapped[str | None] = mapped_column(String(4), default=None)
