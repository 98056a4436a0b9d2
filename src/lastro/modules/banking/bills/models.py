"""Bill payments (bank boletos and arrecadação) from a banking account, now or scheduled.

``active_barcode`` holds the barcode while a payment is scheduled or paid and is cleared when
it is cancelled or fails: its unique index is what refuses a second payment of the same bill
(``BILL_ALREADY_PAID``), whatever the race."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKeyConstraint, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from lastro.kit.orm import Base, Money, TenantScoped, Timestamps


class BillPayment(TenantScoped, Timestamps, Base):
    """``status``: scheduled, paid, cancelled, failed."""

    __tablename__ = "banking_bill_payments"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "account_id"],
            ["banking_accounts.tenant_id", "banking_accounts.id"],
            ondelete="RESTRICT",
        ),
        Index("uq_banking_bill_payments_active", "tenant_id", "active_barcode", unique=True),
        Index("ix_banking_bill_payments_account", "tenant_id", "account_id", "created_at"),
        Index("ix_banking_bill_payments_due", "status", "scheduled_for"),
    )

    account_id: Mapped[uuid.UUID]
    kind: Mapped[str] = mapped_column(String(12))  # boleto | arrecadacao
    barcode: Mapped[str] = mapped_column(String(44))
    active_barcode: Mapped[str | None] = mapped_column(String(44), default=None)
    digitable_line: Mapped[str] = mapped_column(String(48))
    bank_code: Mapped[str | None] = mapped_column(String(3), default=None)
    segment: Mapped[str | None] = mapped_column(String(1), default=None)
    company_id: Mapped[str | None] = mapped_column(String(8), default=None)
    beneficiary: Mapped[str] = mapped_column(String(120))
    description: Mapped[str | None] = mapped_column(String(200), default=None)
    nominal_amount: Mapped[Decimal | None] = mapped_column(Money(), default=None)
    amount: Mapped[Decimal] = mapped_column(Money())
    due_date: Mapped[date | None] = mapped_column(Date, default=None)
    status: Mapped[str] = mapped_column(String(10))
    scheduled_for: Mapped[date] = mapped_column(Date)
    paid_at: Mapped[datetime | None] = mapped_column(default=None)
    entry_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    authentication: Mapped[str | None] = mapped_column(String(40), default=None)
    failure_reason: Mapped[str | None] = mapped_column(String(300), default=None)
    requested_by: Mapped[uuid.UUID]
