"""Billing tables: installments, charges (boleto + dynamic PIX), the installments each charge
covers, monthly billing runs, collecting bank accounts, CNAB 240 remessa files, and pending
adjustments other areas ask the next installment to carry.

``billing_run_id`` (installments, charges) and ``remessa_id`` (charges) are plain references
without a foreign key: runs and remessas are never deleted, and a run writes a hundred thousand
rows at a time, each of which would otherwise pay for those checks.

Idempotency lives in the keys: one installment per (quota, number); one nosso número per
collecting account; one PIX txid per tenant; one billing run per reference month; one remessa
sequence per collecting account; one pending adjustment per ``source_ref``.
"""

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
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from lastro.kit.clock import utcnow
from lastro.kit.orm import Base, Money, TenantScoped, Timestamps
from lastro.modules.consorcio.groups.models import Percent

_GROUP_FK = (["tenant_id", "group_id"], ["consorcio_groups.tenant_id", "consorcio_groups.id"])
_QUOTA_FK = (["tenant_id", "quota_id"], ["consorcio_quotas.tenant_id", "consorcio_quotas.id"])
_ACCOUNT_FK = (
    ["tenant_id", "collecting_account_id"],
    ["consorcio_collecting_accounts.tenant_id", "consorcio_collecting_accounts.id"],
)
_RUN_FK = (
    ["tenant_id", "billing_run_id"],
    ["consorcio_billing_runs.tenant_id", "consorcio_billing_runs.id"],
)

ZERO = Decimal("0.00")


def Carry() -> Money:
    """A rounding residue in reais (|x| < 0.005, up to 14 places), NUMERIC(18, 14)."""
    return Money(18, 14)


class CollectingAccount(TenantScoped, Timestamps, Base):
    """A bank account that registers the boletos and receives PIX (conta de cobrança).

    A group uses its own account (``group_id``) or else the tenant's default one
    (``is_default``). ``convenio`` carries the bank's beneficiary code (BB convênio, Santander
    and Caixa código do beneficiário, Sicoob cliente). ``next_nosso_numero`` is a counter
    advanced atomically in blocks; ``remessa_sequence`` numbers the CNAB files.
    ``pix_location_base`` is the PSP's payload location (host/path, no scheme) under which each
    dynamic charge's txid is published.
    """

    __tablename__ = "consorcio_collecting_accounts"
    __table_args__ = (
        ForeignKeyConstraint(*_GROUP_FK),
        Index("uq_consorcio_collecting_accounts_group", "tenant_id", "group_id", unique=True),
        Index(
            "uq_consorcio_collecting_accounts_bank_account",
            "tenant_id",
            "bank_code",
            "agencia",
            "conta",
            "carteira",
            unique=True,
        ),
    )

    name: Mapped[str] = mapped_column(String(120))
    group_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    bank_code: Mapped[str] = mapped_column(String(3))
    bank_name: Mapped[str] = mapped_column(String(60), default="")
    agencia: Mapped[str] = mapped_column(String(5))
    agencia_dv: Mapped[str] = mapped_column(String(1), default="")
    conta: Mapped[str] = mapped_column(String(12))
    conta_dv: Mapped[str] = mapped_column(String(1), default="")
    convenio: Mapped[str] = mapped_column(String(20), default="")
    carteira: Mapped[str] = mapped_column(String(3), default="")
    beneficiary_name: Mapped[str] = mapped_column(String(200))
    beneficiary_document: Mapped[str] = mapped_column(String(14))
    beneficiary_city: Mapped[str] = mapped_column(String(60))
    pix_key: Mapped[str] = mapped_column(String(77))
    pix_location_base: Mapped[str] = mapped_column(String(60))
    next_nosso_numero: Mapped[int] = mapped_column(BigInteger, default=1)
    remessa_sequence: Mapped[int] = mapped_column(Integer, default=0)


class BillingRun(TenantScoped, Timestamps, Base):
    """One per reference month: started, resumed and re-run on the same row. The counters are
    what the back-office pages read for progress (``quotas_done`` of ``quotas_total``)."""

    __tablename__ = "consorcio_billing_runs"
    __table_args__ = (
        Index("uq_consorcio_billing_runs_month", "tenant_id", "reference_month", unique=True),
        Index("ix_consorcio_billing_runs_status", "tenant_id", "status"),
    )

    reference_month: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    # pending | running | completed | failed
    status: Mapped[str] = mapped_column(String(12), default="pending")
    trigger: Mapped[str] = mapped_column(String(12), default="api")  # api | cli | schedule
    requested_by: Mapped[uuid.UUID | None] = mapped_column(default=None)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    quotas_total: Mapped[int] = mapped_column(Integer, default=0)
    quotas_done: Mapped[int] = mapped_column(Integer, default=0)
    installments_created: Mapped[int] = mapped_column(Integer, default=0)
    charges_created: Mapped[int] = mapped_column(Integer, default=0)
    remessas_created: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    amount_total: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    errors_count: Mapped[int] = mapped_column(Integer, default=0)
    # the last errors (quota, code, detail), capped
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    heartbeat_at: Mapped[datetime | None] = mapped_column(default=None)


class Installment(TenantScoped, Timestamps, Base):
    """A quota's installment ``number`` (the group's numbering), composed in percent of the
    price and in reais at ``price`` (the quota's credit at the billing price).

    ``carry_*`` is each component's rounding residue after this installment (the next one
    starts from it, so the cents reconcile over the quota's life).
    ``extra_amount``/``lines`` carry what rides along (diferença de parcela and other pending
    adjustments); ``total`` = components + extra. Status: open | partial | paid | cancelled |
    replaced (re-priced or superseded).
    """

    __tablename__ = "consorcio_installments"
    __table_args__ = (
        ForeignKeyConstraint(*_QUOTA_FK),
        ForeignKeyConstraint(*_GROUP_FK),
        Index(
            "uq_consorcio_installments_quota_number", "tenant_id", "quota_id", "number", unique=True
        ),
        Index("ix_consorcio_installments_group_number", "tenant_id", "group_id", "number"),
        Index("ix_consorcio_installments_month", "tenant_id", "reference_month"),
        Index("ix_consorcio_installments_status_due", "tenant_id", "status", "due_date"),
    )

    quota_id: Mapped[uuid.UUID]
    group_id: Mapped[uuid.UUID]
    number: Mapped[int] = mapped_column(Integer)
    reference_month: Mapped[str] = mapped_column(String(7))
    due_date: Mapped[date] = mapped_column(Date)
    price: Mapped[Decimal] = mapped_column(Money())
    price_on: Mapped[date] = mapped_column(Date)
    fc_pct: Mapped[Decimal] = mapped_column(Percent(), default=Decimal(0))
    ta_pct: Mapped[Decimal] = mapped_column(Percent(), default=Decimal(0))
    fr_pct: Mapped[Decimal] = mapped_column(Percent(), default=Decimal(0))
    ins_pct: Mapped[Decimal] = mapped_column(Percent(), default=Decimal(0))
    fc_amount: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    ta_amount: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    fr_amount: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    ins_amount: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    # the sub-cent rounding residue carried into the next installment (domain.installments)
    carry_fc: Mapped[Decimal] = mapped_column(Carry(), default=Decimal(0))
    carry_ta: Mapped[Decimal] = mapped_column(Carry(), default=Decimal(0))
    carry_fr: Mapped[Decimal] = mapped_column(Carry(), default=Decimal(0))
    carry_ins: Mapped[Decimal] = mapped_column(Carry(), default=Decimal(0))
    extra_amount: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    total: Mapped[Decimal] = mapped_column(Money())
    status: Mapped[str] = mapped_column(String(12), default="open")
    paid_amount: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    paid_on: Mapped[date | None] = mapped_column(Date, default=None)
    billing_run_id: Mapped[uuid.UUID | None] = mapped_column(default=None)


class Charge(TenantScoped, Timestamps, Base):
    """A registered boleto plus a dynamic PIX charge for ``amount``, due ``due_date``.

    Kinds: mensal (the month's installment, from a billing run), antecipacao, quitacao,
    avulso, segunda_via (an overdue installment with the day's fine and interest; it
    ``replaces_charge_id``). ``remessa_id`` is set once the charge went out in a CNAB remessa.
    ``breakdown`` explains the amount (components, fine, interest, installments covered).
    Status: open | paid | partial | cancelled | replaced.
    """

    __tablename__ = "consorcio_charges"
    __table_args__ = (
        ForeignKeyConstraint(*_QUOTA_FK),
        ForeignKeyConstraint(*_GROUP_FK),
        ForeignKeyConstraint(*_ACCOUNT_FK),
        Index(
            "uq_consorcio_charges_nosso_numero",
            "tenant_id",
            "collecting_account_id",
            "nosso_numero",
            unique=True,
        ),
        Index("uq_consorcio_charges_txid", "tenant_id", "pix_txid", unique=True),
        Index("ix_consorcio_charges_quota", "tenant_id", "quota_id", "kind"),
        Index("ix_consorcio_charges_status_due", "tenant_id", "status", "due_date"),
        Index("ix_consorcio_charges_remessa", "tenant_id", "collecting_account_id", "remessa_id"),
    )

    quota_id: Mapped[uuid.UUID]
    group_id: Mapped[uuid.UUID]
    collecting_account_id: Mapped[uuid.UUID]
    kind: Mapped[str] = mapped_column(String(15))
    status: Mapped[str] = mapped_column(String(12), default="open")
    amount: Mapped[Decimal] = mapped_column(Money())
    issue_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(String(300), default="")
    document_number: Mapped[str] = mapped_column(String(15))
    nosso_numero: Mapped[str] = mapped_column(String(20))
    nosso_numero_dv: Mapped[str] = mapped_column(String(2), default="")
    nosso_numero_formatado: Mapped[str] = mapped_column(String(30), default="")
    barcode: Mapped[str] = mapped_column(String(44))
    linha_digitavel: Mapped[str] = mapped_column(String(47))
    pix_txid: Mapped[str] = mapped_column(String(35))
    pix_payload: Mapped[str] = mapped_column(String(512))
    breakdown: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    billing_run_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    remessa_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    replaces_charge_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    paid_amount: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    paid_at: Mapped[datetime | None] = mapped_column(default=None)
    cancelled_at: Mapped[datetime | None] = mapped_column(default=None)
    created_by: Mapped[uuid.UUID | None] = mapped_column(default=None)


class ChargeItem(TenantScoped, Base):
    """Which installments a charge covers and how much of the charge each one is:
    ``amount`` (principal at the charge's price) + ``fine_amount`` + ``interest_amount``."""

    __tablename__ = "consorcio_charge_items"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "charge_id"], ["consorcio_charges.tenant_id", "consorcio_charges.id"]
        ),
        ForeignKeyConstraint(
            ["tenant_id", "installment_id"],
            ["consorcio_installments.tenant_id", "consorcio_installments.id"],
        ),
        Index(
            "uq_consorcio_charge_items_pair",
            "tenant_id",
            "charge_id",
            "installment_id",
            unique=True,
        ),
        Index("ix_consorcio_charge_items_installment", "tenant_id", "installment_id"),
    )

    charge_id: Mapped[uuid.UUID]
    installment_id: Mapped[uuid.UUID]
    amount: Mapped[Decimal] = mapped_column(Money())
    fine_amount: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    interest_amount: Mapped[Decimal] = mapped_column(Money(), default=ZERO)


class Remessa(TenantScoped, Base):
    """A CNAB 240 remessa file for one collecting account: every charge of that account not yet
    sent. ``content`` is the file itself (CRLF lines, 240 columns)."""

    __tablename__ = "consorcio_remessas"
    __table_args__ = (
        ForeignKeyConstraint(*_ACCOUNT_FK),
        ForeignKeyConstraint(*_RUN_FK),
        Index(
            "uq_consorcio_remessas_sequence",
            "tenant_id",
            "collecting_account_id",
            "sequence",
            unique=True,
        ),
        Index("ix_consorcio_remessas_run", "tenant_id", "billing_run_id"),
    )

    collecting_account_id: Mapped[uuid.UUID]
    billing_run_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    sequence: Mapped[int] = mapped_column(Integer)
    file_name: Mapped[str] = mapped_column(String(60))
    generated_on: Mapped[date] = mapped_column(Date)
    titulos_count: Mapped[int] = mapped_column(Integer)
    total_amount: Mapped[Decimal] = mapped_column(Money())
    # building (a run is stamping its charges) | generated | sent | accepted | rejected
    status: Mapped[str] = mapped_column(String(12), default="generated")
    content: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PendingAdjustment(TenantScoped, Base):
    """Something the next installment of a quota must carry: diferença de parcela (charged,
    or credited when negative), a price-update difference, or any other adjustment. Other
    areas insert rows here (``source_ref`` unique: idempotent); the billing run adds every
    ``pending`` row of a quota as an extra line of its installment and marks it ``billed``.

    ``amount`` is in reais (signed); the percents (signed, per component) say what part of the
    price it represents, for the percentage ledger.
    """

    __tablename__ = "consorcio_pending_adjustments"
    __table_args__ = (
        ForeignKeyConstraint(*_QUOTA_FK),
        ForeignKeyConstraint(
            ["tenant_id", "installment_id"],
            ["consorcio_installments.tenant_id", "consorcio_installments.id"],
        ),
        Index("uq_consorcio_pending_adjustments_source", "tenant_id", "source_ref", unique=True),
        Index("ix_consorcio_pending_adjustments_quota", "tenant_id", "quota_id", "status"),
    )

    quota_id: Mapped[uuid.UUID]
    kind: Mapped[str] = mapped_column(String(30))  # diferenca_parcela | reajuste | ajuste
    description: Mapped[str] = mapped_column(String(300), default="")
    amount: Mapped[Decimal] = mapped_column(Money())
    fc_pct: Mapped[Decimal] = mapped_column(Percent(), default=Decimal(0))
    ta_pct: Mapped[Decimal] = mapped_column(Percent(), default=Decimal(0))
    fr_pct: Mapped[Decimal] = mapped_column(Percent(), default=Decimal(0))
    ins_pct: Mapped[Decimal] = mapped_column(Percent(), default=Decimal(0))
    source_ref: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending | billed
    installment_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    billed_at: Mapped[datetime | None] = mapped_column(default=None)
