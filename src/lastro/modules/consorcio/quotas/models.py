"""Quotas (with versions and transfers), the per-quota percentage ledger and refunds owed.

* :class:`Quota` — one row per (group, number, version). A re-sold excluded quota (*reposição*)
  is a new version of the same number; the old version stays, excluded, with its refund right.
  ``status`` is the lifecycle; ``collection_flag`` and ``legal_flags`` are separate dimensions.
* :class:`QuotaMovement` — append-only percentage ledger: every charge, payment, adjustment,
  price difference, prepayment... in percent of the price per component, with the reais and the
  price in force. ``source_ref`` is unique per tenant (idempotency).
* :class:`QuotaPosition` — one summary row per quota, updated in the same transaction as each
  movement (percent paid per component, installments paid, the plan).
* :class:`QuotaTransfer` — cessão requests (pending → approved / rejected / cancelled).
* :class:`QuotaRefund` — refunds owed (excluded quota, withdrawal, group never constituted).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Date, ForeignKeyConstraint, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from lastro.kit.clock import utcnow
from lastro.kit.orm import Base, Money, TenantScoped, Timestamps
from lastro.modules.consorcio.groups.models import Percent

_GROUP_COLS = (["tenant_id", "group_id"], ["consorcio_groups.tenant_id", "consorcio_groups.id"])
_QUOTA_COLS = (["tenant_id", "quota_id"], ["consorcio_quotas.tenant_id", "consorcio_quotas.id"])
_HOLDER = ["consorcio_consorciados.tenant_id", "consorcio_consorciados.id"]


def _fk(cols: tuple[list[str], list[str]], name: str) -> ForeignKeyConstraint:
    """Explicit short names: the conventional ones pass PostgreSQL's 63-character limit."""
    return ForeignKeyConstraint(cols[0], cols[1], name=name)


class Quota(TenantScoped, Timestamps, Base):
    __tablename__ = "consorcio_quotas"
    __table_args__ = (
        _fk(_GROUP_COLS, "fk_consorcio_quotas_group"),
        _fk((["tenant_id", "consorciado_id"], _HOLDER), "fk_consorcio_quotas_consorciado"),
        Index(
            "uq_consorcio_quotas_number_version",
            "tenant_id",
            "group_id",
            "number",
            "version",
            unique=True,
        ),
        Index("ix_consorcio_quotas_group_status", "tenant_id", "group_id", "status"),
        Index("ix_consorcio_quotas_consorciado", "tenant_id", "consorciado_id"),
        Index("ix_consorcio_quotas_status", "tenant_id", "status"),
    )

    group_id: Mapped[uuid.UUID]
    number: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=1)
    consorciado_id: Mapped[uuid.UUID]
    # ativa, contemplada, quitada (active set) | excluida, desistente, cancelada, encerrada
    status: Mapped[str] = mapped_column(String(15), default="ativa")
    status_reason: Mapped[str] = mapped_column(String(200), default="")
    status_changed_on: Mapped[date] = mapped_column(Date)
    # em_dia, atraso_1, atraso_2, ... (set by the delinquency area)
    collection_flag: Mapped[str] = mapped_column(String(20), default="em_dia")
    overdue_installments: Mapped[int] = mapped_column(Integer, default=0)
    legal_flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    # adesao_formacao | adesao_vaga | reposicao
    origin: Mapped[str] = mapped_column(String(20))
    previous_version_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    # the quota's credit at the group's base price; its credit on a date scales with the price
    credit_base: Mapped[Decimal] = mapped_column(Money())
    sold_on: Mapped[date] = mapped_column(Date)
    proposal_number: Mapped[str] = mapped_column(String(40), default="")
    seller_code: Mapped[str] = mapped_column(String(40), default="")
    seller_name: Mapped[str] = mapped_column(String(120), default="")
    dealer_code: Mapped[str] = mapped_column(String(40), default="")
    dealer_name: Mapped[str] = mapped_column(String(120), default="")
    # the group's assembly/installment number when the quota joined (1 = from the start)
    joined_at_installment: Mapped[int] = mapped_column(Integer, default=1)
    rules_version: Mapped[int] = mapped_column(Integer, default=1)
    contract_version: Mapped[str] = mapped_column(String(40), default="1")
    contract_document_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    contemplated_on: Mapped[date | None] = mapped_column(Date, default=None)
    contemplation_kind: Mapped[str | None] = mapped_column(String(20), default=None)
    excluded_on: Mapped[date | None] = mapped_column(Date, default=None)


class QuotaPosition(TenantScoped, Base):
    """A quota's percentage-ledger summary: the sums of its movements plus the plan."""

    __tablename__ = "consorcio_quota_positions"
    __table_args__ = (
        _fk(_QUOTA_COLS, "fk_consorcio_quota_positions_quota"),
        _fk(_GROUP_COLS, "fk_consorcio_quota_positions_group"),
        Index("uq_consorcio_quota_positions_quota", "tenant_id", "quota_id", unique=True),
        Index("ix_consorcio_quota_positions_group", "tenant_id", "group_id"),
    )

    quota_id: Mapped[uuid.UUID]
    group_id: Mapped[uuid.UUID]
    # totals due over the quota's life, percent of the price (fc normally 100)
    fc_total_pct: Mapped[Decimal] = mapped_column(Percent())
    ta_total_pct: Mapped[Decimal] = mapped_column(Percent())
    fr_total_pct: Mapped[Decimal] = mapped_column(Percent())
    # insurance scheduled over the plan (its base may move: not a hard cap)
    ins_total_pct: Mapped[Decimal] = mapped_column(Percent(), default=Decimal(0))
    # paid (all movements but charges), percent of the price in force when paid
    fc_paid_pct: Mapped[Decimal] = mapped_column(Percent(), default=Decimal(0))
    ta_paid_pct: Mapped[Decimal] = mapped_column(Percent(), default=Decimal(0))
    fr_paid_pct: Mapped[Decimal] = mapped_column(Percent(), default=Decimal(0))
    ins_paid_pct: Mapped[Decimal] = mapped_column(Percent(), default=Decimal(0))
    # charged (movements of kind "charge")
    fc_charged_pct: Mapped[Decimal] = mapped_column(Percent(), default=Decimal(0))
    ta_charged_pct: Mapped[Decimal] = mapped_column(Percent(), default=Decimal(0))
    fr_charged_pct: Mapped[Decimal] = mapped_column(Percent(), default=Decimal(0))
    ins_charged_pct: Mapped[Decimal] = mapped_column(Percent(), default=Decimal(0))
    paid_amount: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))
    installments_paid: Mapped[int] = mapped_column(Integer, default=0)
    last_installment_paid: Mapped[int] = mapped_column(Integer, default=0)
    # normal | late_joiner | reduced
    plan: Mapped[str] = mapped_column(String(20), default="normal")
    # the installments over which the totals are spread: first..last (group numbering)
    plan_first_installment: Mapped[int] = mapped_column(Integer, default=1)
    plan_last_installment: Mapped[int] = mapped_column(Integer)
    # reduced plan: FC reduced by this percent (e.g. 25) until contemplation or this installment
    reduced_fc_discount_pct: Mapped[Decimal] = mapped_column(Percent(), default=Decimal(0))
    reduced_until_installment: Mapped[int | None] = mapped_column(Integer, default=None)
    residual_fc_pct: Mapped[Decimal] = mapped_column(Percent(), default=Decimal(0))
    movements: Mapped[int] = mapped_column(Integer, default=0)
    last_movement_at: Mapped[datetime | None] = mapped_column(default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class QuotaMovement(TenantScoped, Base):
    """One line of the percentage ledger; never updated or deleted (corrections are new
    movements of kind ``estorno`` or ``adjustment``). Percents and amounts are signed."""

    __tablename__ = "consorcio_quota_movements"
    __table_args__ = (
        _fk(_QUOTA_COLS, "fk_consorcio_quota_movements_quota"),
        _fk(_GROUP_COLS, "fk_consorcio_quota_movements_group"),
        Index("uq_consorcio_quota_movements_source", "tenant_id", "source_ref", unique=True),
        Index("ix_consorcio_quota_movements_quota", "tenant_id", "quota_id", "effective_on", "id"),
        Index("ix_consorcio_quota_movements_group", "tenant_id", "group_id", "effective_on"),
    )

    quota_id: Mapped[uuid.UUID]
    group_id: Mapped[uuid.UUID]
    # charge | payment | antecipacao | lance | adjustment | diferenca | residual | estorno
    kind: Mapped[str] = mapped_column(String(20))
    installment_number: Mapped[int | None] = mapped_column(Integer, default=None)
    effective_on: Mapped[date] = mapped_column(Date)
    fc_pct: Mapped[Decimal] = mapped_column(Percent(), default=Decimal(0))
    ta_pct: Mapped[Decimal] = mapped_column(Percent(), default=Decimal(0))
    fr_pct: Mapped[Decimal] = mapped_column(Percent(), default=Decimal(0))
    ins_pct: Mapped[Decimal] = mapped_column(Percent(), default=Decimal(0))
    fc_amount: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))
    ta_amount: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))
    fr_amount: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))
    ins_amount: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))
    # fine and interest received with it (money only: they are not percent of the price)
    fine_amount: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))
    interest_amount: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))
    amount: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))
    # the quota's credit (price in force) used to convert percent <-> reais
    price: Mapped[Decimal] = mapped_column(Money())
    source_ref: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class QuotaTransfer(TenantScoped, Timestamps, Base):
    """A cessão: the quota passes to another holder once the administradora approves."""

    __tablename__ = "consorcio_quota_transfers"
    __table_args__ = (
        _fk(_QUOTA_COLS, "fk_consorcio_quota_transfers_quota"),
        _fk((["tenant_id", "from_consorciado_id"], _HOLDER), "fk_consorcio_quota_transfers_from"),
        _fk((["tenant_id", "to_consorciado_id"], _HOLDER), "fk_consorcio_quota_transfers_to"),
        Index("ix_consorcio_quota_transfers_quota", "tenant_id", "quota_id", "status"),
    )

    quota_id: Mapped[uuid.UUID]
    from_consorciado_id: Mapped[uuid.UUID]
    to_consorciado_id: Mapped[uuid.UUID]
    status: Mapped[str] = mapped_column(String(12), default="pending")
    requested_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(300), default="")
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
    decided_by: Mapped[uuid.UUID | None] = mapped_column(default=None)
    decision_note: Mapped[str] = mapped_column(String(300), default="")
    fee_amount: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))


class QuotaRefund(TenantScoped, Timestamps, Base):
    """A refund owed to a quota's holder: the amount is fixed when it becomes payable (at the
    excluded quota's contemplation or at closing); for a group never constituted it is what
    was paid."""

    __tablename__ = "consorcio_quota_refunds"
    __table_args__ = (
        _fk(_QUOTA_COLS, "fk_consorcio_quota_refunds_quota"),
        _fk(_GROUP_COLS, "fk_consorcio_quota_refunds_group"),
        Index("uq_consorcio_quota_refunds_source", "tenant_id", "source_ref", unique=True),
        Index("ix_consorcio_quota_refunds_group", "tenant_id", "group_id", "status"),
    )

    quota_id: Mapped[uuid.UUID]
    group_id: Mapped[uuid.UUID]
    # exclusao | desistencia | grupo_nao_constituido
    reason: Mapped[str] = mapped_column(String(30))
    # owed | payable | paid | cancelled
    status: Mapped[str] = mapped_column(String(12), default="owed")
    owed_since: Mapped[date] = mapped_column(Date)
    fc_paid_pct: Mapped[Decimal] = mapped_column(Percent(), default=Decimal(0))
    amount: Mapped[Decimal | None] = mapped_column(Money(), default=None)
    paid_on: Mapped[date | None] = mapped_column(Date, default=None)
    source_ref: Mapped[str] = mapped_column(String(120))
    note: Mapped[str] = mapped_column(String(300), default="")
