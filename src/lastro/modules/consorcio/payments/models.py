"""Payments received for consórcio charges, the retorno files they came from, and the lines
that could not be applied.

* :class:`Payment` — one per money received for a charge (CNAB line, PIX notification or a
  manual entry). ``external_id`` is unique per tenant, so the same payment notified twice (a
  redelivered webhook, two files carrying the same liquidação, two concurrent requests) is
  applied once. Its split (fine, interest, components, advance, excess) and the percent
  credited at the price in force are kept with it; ``allocations`` details each installment.
* :class:`RetornoImport` — one per retorno file (SHA-256 unique per tenant): the same file
  again answers with this row and changes nothing.
* :class:`PaymentException` — a line or notification that was reported, not applied: unknown
  nosso número / txid, a bank rejection, a zero amount. Never dropped.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Date, ForeignKeyConstraint, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from lastro.kit.clock import utcnow
from lastro.kit.orm import Base, Money, TenantScoped
from lastro.modules.consorcio.groups.models import Percent

ZERO = Decimal("0.00")


class RetornoImport(TenantScoped, Base):
    __tablename__ = "consorcio_retorno_imports"
    __table_args__ = (
        Index("uq_consorcio_retorno_imports_sha256", "tenant_id", "sha256", unique=True),
        Index("ix_consorcio_retorno_imports_created", "tenant_id", "created_at"),
    )

    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(200))
    layout: Mapped[str] = mapped_column(String(10))  # cnab240 | cnab400
    bank_code: Mapped[str] = mapped_column(String(3))
    file_sequence: Mapped[int] = mapped_column(Integer, default=0)
    generated_on: Mapped[date | None] = mapped_column(Date, default=None)
    size_bytes: Mapped[int] = mapped_column(Integer, default=0)
    lines: Mapped[int] = mapped_column(Integer, default=0)  # ocorrências in the file
    applied: Mapped[int] = mapped_column(Integer, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    unknown: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    ignored: Mapped[int] = mapped_column(Integer, default=0)  # not a payment (02, 09, 14...)
    amount_applied: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    amount_unknown: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    status: Mapped[str] = mapped_column(String(12), default="completed")
    created_by: Mapped[uuid.UUID | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)


class Payment(TenantScoped, Base):
    """``quota_id``/``group_id`` are copied from the charge (which has the foreign keys) for
    reading; no foreign keys of their own, as the ledger's entries: each is a trigger and a
    row lock per insert, and a retorno inserts 100,000 rows."""

    __tablename__ = "consorcio_payments"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "charge_id"],
            ["consorcio_charges.tenant_id", "consorcio_charges.id"],
            name="fk_consorcio_payments_charge",
        ),
        ForeignKeyConstraint(
            ["tenant_id", "import_id"],
            ["consorcio_retorno_imports.tenant_id", "consorcio_retorno_imports.id"],
            name="fk_consorcio_payments_import",
        ),
        Index("uq_consorcio_payments_external", "tenant_id", "external_id", unique=True),
        Index("ix_consorcio_payments_quota", "tenant_id", "quota_id", "paid_on"),
        Index("ix_consorcio_payments_charge", "tenant_id", "charge_id"),
        Index("ix_consorcio_payments_import", "tenant_id", "import_id"),
        Index("ix_consorcio_payments_created", "tenant_id", "created_at"),
    )

    charge_id: Mapped[uuid.UUID]
    quota_id: Mapped[uuid.UUID]
    group_id: Mapped[uuid.UUID]
    source: Mapped[str] = mapped_column(String(10))  # cnab240 | cnab400 | pix | manual
    external_id: Mapped[str] = mapped_column(String(120))
    reference: Mapped[str] = mapped_column(String(40), default="")  # nosso número / txid
    import_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    line_no: Mapped[int | None] = mapped_column(Integer, default=None)
    amount: Mapped[Decimal] = mapped_column(Money())
    paid_on: Mapped[date] = mapped_column(Date)
    credited_on: Mapped[date | None] = mapped_column(Date, default=None)
    days_late: Mapped[int] = mapped_column(Integer, default=0)
    fine_amount: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    interest_amount: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    fine_group: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    interest_group: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    # money per component (installments + advance) and what went ahead of the schedule
    fc_amount: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    ta_amount: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    fr_amount: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    ins_amount: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    advance_amount: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    # above the quota's whole balance: owed back to the payer
    excess_amount: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    # percent credited to the quota's ledger, per component
    fc_pct: Mapped[Decimal] = mapped_column(Percent(), default=Decimal(0))
    ta_pct: Mapped[Decimal] = mapped_column(Percent(), default=Decimal(0))
    fr_pct: Mapped[Decimal] = mapped_column(Percent(), default=Decimal(0))
    ins_pct: Mapped[Decimal] = mapped_column(Percent(), default=Decimal(0))
    # the quota's credit in force on the payment date
    price: Mapped[Decimal] = mapped_column(Money())
    installments_settled: Mapped[int] = mapped_column(Integer, default=0)
    allocations: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    book_ref: Mapped[str] = mapped_column(String(120), default="")
    payer_name: Mapped[str] = mapped_column(String(120), default="")
    created_by: Mapped[uuid.UUID | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PaymentException(TenantScoped, Base):
    __tablename__ = "consorcio_payment_exceptions"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "import_id"],
            ["consorcio_retorno_imports.tenant_id", "consorcio_retorno_imports.id"],
            name="fk_consorcio_payment_exceptions_import",
        ),
        Index("ix_consorcio_payment_exceptions_import", "tenant_id", "import_id", "line_no"),
        Index("ix_consorcio_payment_exceptions_status", "tenant_id", "status", "created_at"),
    )

    import_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    source: Mapped[str] = mapped_column(String(10))
    line_no: Mapped[int | None] = mapped_column(Integer, default=None)
    reference: Mapped[str] = mapped_column(String(40), default="")  # nosso número / txid
    movement: Mapped[str] = mapped_column(String(4), default="")
    reason: Mapped[str] = mapped_column(String(40))  # UNKNOWN_NOSSO_NUMERO, BANK_REJECTED...
    detail: Mapped[str] = mapped_column(String(300), default="")
    amount: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    paid_on: Mapped[date | None] = mapped_column(Date, default=None)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(10), default="open")  # open | resolved
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
