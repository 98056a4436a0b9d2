"""Collections tables: each quota's delinquency position, its stage history, the reminders sent,
the daily runs and the price updates applied to groups.

The diferença de parcela itself is not stored here: it goes to billing's
``consorcio_pending_adjustments`` (the next installment carries it), keyed by a ``source_ref``
this area owns (``delinquency:diferenca:<installment id>``).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKeyConstraint, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from lastro.kit.clock import utcnow
from lastro.kit.orm import Base, Money, TenantScoped
from lastro.modules.consorcio.groups.models import Percent

ZERO = Decimal("0.00")
_GROUP = (["tenant_id", "group_id"], ["consorcio_groups.tenant_id", "consorcio_groups.id"])
_QUOTA = (["tenant_id", "quota_id"], ["consorcio_quotas.tenant_id", "consorcio_quotas.id"])


def _fk(cols: tuple[list[str], list[str]], name: str) -> ForeignKeyConstraint:
    """Explicit short names: the conventional ones pass PostgreSQL's 63-character limit."""
    return ForeignKeyConstraint(cols[0], cols[1], name=name)


class DelinquencyPosition(TenantScoped, Base):
    """A quota's collection position as of the last daily run (or the last change).

    ``stage`` is the domain's collection stage (em_dia, cobranca, mediacao, exclusao,
    bloqueio_contemplado, juridico); ``flag`` is what the quota's ``collection_flag`` shows
    (em_dia, atraso_N, pre_exclusao, cobranca_judicial, excluida). Amounts are at the price
    in force on ``as_of``; days late are computed from ``oldest_due_date`` when read.
    """

    __tablename__ = "consorcio_delinquency_positions"
    __table_args__ = (
        _fk(_QUOTA, "fk_consorcio_delinq_positions_quota"),
        _fk(_GROUP, "fk_consorcio_delinq_positions_group"),
        Index("uq_consorcio_delinquency_positions_quota", "tenant_id", "quota_id", unique=True),
        Index("ix_consorcio_delinquency_positions_stage", "tenant_id", "stage", "oldest_due_date"),
        Index("ix_consorcio_delinquency_positions_group", "tenant_id", "group_id", "stage"),
    )

    quota_id: Mapped[uuid.UUID]
    group_id: Mapped[uuid.UUID]
    stage: Mapped[str] = mapped_column(String(25), default="em_dia")
    flag: Mapped[str] = mapped_column(String(20), default="em_dia")
    stage_since: Mapped[date] = mapped_column(Date)
    contemplated: Mapped[bool] = mapped_column(Boolean, default=False)
    missed_consecutive: Mapped[int] = mapped_column(Integer, default=0)
    overdue_count: Mapped[int] = mapped_column(Integer, default=0)
    oldest_due_date: Mapped[date | None] = mapped_column(Date, default=None)
    principal: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    fine: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    interest: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    total_due: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    as_of: Mapped[date] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class DelinquencyTransition(TenantScoped, Base):
    """One stage change of a quota (append-only): the collection history, exclusions
    included (``to_stage`` exclusao with ``excluded`` set)."""

    __tablename__ = "consorcio_delinquency_transitions"
    __table_args__ = (
        _fk(_QUOTA, "fk_consorcio_delinq_transitions_quota"),
        _fk(_GROUP, "fk_consorcio_delinq_transitions_group"),
        Index("ix_consorcio_delinquency_transitions_quota", "tenant_id", "quota_id", "changed_on"),
        Index("ix_consorcio_delinquency_transitions_on", "tenant_id", "changed_on"),
    )

    quota_id: Mapped[uuid.UUID]
    group_id: Mapped[uuid.UUID]
    changed_on: Mapped[date] = mapped_column(Date)
    from_stage: Mapped[str] = mapped_column(String(25))
    to_stage: Mapped[str] = mapped_column(String(25))
    from_flag: Mapped[str] = mapped_column(String(20))
    to_flag: Mapped[str] = mapped_column(String(20))
    missed_consecutive: Mapped[int] = mapped_column(Integer, default=0)
    overdue_count: Mapped[int] = mapped_column(Integer, default=0)
    total_due: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    excluded: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str] = mapped_column(String(300), default="")
    actor_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DelinquencyReminder(TenantScoped, Base):
    """A reminder sent for one installment at one offset (``before``/``after`` the due date):
    unique, so a re-run never sends it twice. ``notification_id`` points at the core
    notification (its deliveries log holds the per-channel outcome)."""

    __tablename__ = "consorcio_delinquency_reminders"
    __table_args__ = (
        _fk(_QUOTA, "fk_consorcio_delinq_reminders_quota"),
        ForeignKeyConstraint(
            ["tenant_id", "installment_id"],
            ["consorcio_installments.tenant_id", "consorcio_installments.id"],
            name="fk_consorcio_delinq_reminders_installment",
        ),
        Index(
            "uq_consorcio_delinquency_reminders_offset",
            "tenant_id",
            "installment_id",
            "kind",
            "offset_days",
            unique=True,
        ),
        Index("ix_consorcio_delinquency_reminders_quota", "tenant_id", "quota_id", "sent_on"),
    )

    quota_id: Mapped[uuid.UUID]
    installment_id: Mapped[uuid.UUID]
    kind: Mapped[str] = mapped_column(String(10))  # before | after
    offset_days: Mapped[int] = mapped_column(Integer)
    due_date: Mapped[date] = mapped_column(Date)
    sent_on: Mapped[date] = mapped_column(Date)
    template_key: Mapped[str] = mapped_column(String(120))
    channels: Mapped[list[str]] = mapped_column(JSON, default=list)
    # queued (handed to notifications) | no_contact (the consorciado has no address)
    status: Mapped[str] = mapped_column(String(12), default="queued")
    notification_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    amount: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DelinquencyRun(TenantScoped, Base):
    """One daily collection run of a tenant (re-running the same day updates the same row;
    every step inside is idempotent on its own)."""

    __tablename__ = "consorcio_delinquency_runs"
    __table_args__ = (
        Index("uq_consorcio_delinquency_runs_on", "tenant_id", "run_on", unique=True),
    )

    run_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(
        String(12), default="running"
    )  # running | completed | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    quotas_checked: Mapped[int] = mapped_column(Integer, default=0)
    delinquent: Mapped[int] = mapped_column(Integer, default=0)
    stage_changes: Mapped[int] = mapped_column(Integer, default=0)
    exclusions: Mapped[int] = mapped_column(Integer, default=0)
    reminders_sent: Mapped[int] = mapped_column(Integer, default=0)
    prices_applied: Mapped[int] = mapped_column(Integer, default=0)
    adjustments_created: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)


class PriceUpdate(TenantScoped, Base):
    """A group price (``consorcio_group_prices`` row) applied to the group's installments:
    what it touched. One per price row (``price_id`` unique): applying twice is a no-op."""

    __tablename__ = "consorcio_price_updates"
    __table_args__ = (
        _fk(_GROUP, "fk_consorcio_price_updates_group"),
        ForeignKeyConstraint(
            ["tenant_id", "price_id"],
            ["consorcio_group_prices.tenant_id", "consorcio_group_prices.id"],
            name="fk_consorcio_price_updates_price",
        ),
        Index("uq_consorcio_price_updates_price", "tenant_id", "price_id", unique=True),
        Index("ix_consorcio_price_updates_group", "tenant_id", "group_id", "effective_on"),
    )

    group_id: Mapped[uuid.UUID]
    price_id: Mapped[uuid.UUID]
    effective_on: Mapped[date] = mapped_column(Date)
    previous_price: Mapped[Decimal] = mapped_column(Money())
    new_price: Mapped[Decimal] = mapped_column(Money())
    variation_pct: Mapped[Decimal] = mapped_column(Percent())
    index_value: Mapped[Decimal | None] = mapped_column(Money(18, 8), default=None)
    applied_on: Mapped[date] = mapped_column(Date)
    # overdue installments now re-priced at the new price (and their open amount before/after)
    overdue_installments: Mapped[int] = mapped_column(Integer, default=0)
    overdue_amount_before: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    overdue_amount_after: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    # installments already billed at the old price that fall at/after the new price's date
    open_installments: Mapped[int] = mapped_column(Integer, default=0)
    adjustments_created: Mapped[int] = mapped_column(Integer, default=0)
    source: Mapped[str] = mapped_column(String(60), default="")
    note: Mapped[str] = mapped_column(String(300), default="")
    created_by: Mapped[uuid.UUID | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
