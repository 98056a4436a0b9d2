"""Customer accounts (each backed by one core-ledger account), their PIX keys and the boleto
deposits issued to fund them. Balances are never stored here: the ledger is the only book."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKeyConstraint, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from lastro.kit.orm import Base, Money, TenantScoped, Timestamps


class BankAccount(TenantScoped, Timestamps, Base):
    """A customer's deposit account: an individual (CPF) or a company (CNPJ, also the
    alphanumeric one). ``status``: active, frozen (no debits), closed (nothing)."""

    __tablename__ = "banking_accounts"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "holder_user_id"], ["users.tenant_id", "users.id"], ondelete="RESTRICT"
        ),
        Index("uq_banking_accounts_number", "tenant_id", "agency", "number", unique=True),
        Index("ix_banking_accounts_holder_user", "tenant_id", "holder_user_id"),
        Index("ix_banking_accounts_document", "tenant_id", "document"),
    )

    kind: Mapped[str] = mapped_column(String(12))  # individual | company
    holder_name: Mapped[str] = mapped_column(String(200))
    document: Mapped[str] = mapped_column(String(14))  # bare CPF or CNPJ
    email: Mapped[str | None] = mapped_column(String(200), default=None)
    phone: Mapped[str | None] = mapped_column(String(20), default=None)
    holder_user_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    agency: Mapped[str] = mapped_column(String(4))
    number: Mapped[str] = mapped_column(String(12))  # base number, without the check digit
    check_digit: Mapped[str] = mapped_column(String(1))
    kyc_status: Mapped[str] = mapped_column(String(12), default="approved")
    status: Mapped[str] = mapped_column(String(12), default="active")
    status_reason: Mapped[str | None] = mapped_column(String(300), default=None)
    ledger_id: Mapped[uuid.UUID]
    ledger_account_id: Mapped[uuid.UUID]
    opened_at: Mapped[datetime]
    closed_at: Mapped[datetime | None] = mapped_column(default=None)

    @property
    def display_number(self) -> str:
        return f"{self.number}-{self.check_digit}"


class PixKey(TenantScoped, Base):
    """A PIX key registered to an account (what the DICT would hold); incoming PIX by key
    lands on its account."""

    __tablename__ = "banking_pix_keys"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "account_id"],
            ["banking_accounts.tenant_id", "banking_accounts.id"],
            ondelete="CASCADE",
        ),
        Index("uq_banking_pix_keys_value", "tenant_id", "value", unique=True),
        Index("ix_banking_pix_keys_account", "tenant_id", "account_id"),
    )

    account_id: Mapped[uuid.UUID]
    key_type: Mapped[str] = mapped_column(String(8))
    value: Mapped[str] = mapped_column(String(77))
    created_at: Mapped[datetime]


class Deposit(TenantScoped, Timestamps, Base):
    """A deposit boleto issued for an account; credited once when paid."""

    __tablename__ = "banking_deposits"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "account_id"],
            ["banking_accounts.tenant_id", "banking_accounts.id"],
            ondelete="RESTRICT",
        ),
        Index("uq_banking_deposits_nosso_numero", "tenant_id", "nosso_numero", unique=True),
        Index("ix_banking_deposits_account", "tenant_id", "account_id"),
    )

    account_id: Mapped[uuid.UUID]
    amount: Mapped[Decimal] = mapped_column(Money())
    nosso_numero: Mapped[str] = mapped_column(String(20))
    barcode: Mapped[str] = mapped_column(String(44))
    digitable_line: Mapped[str] = mapped_column(String(47))
    due_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="open")  # open | paid
    paid_at: Mapped[datetime | None] = mapped_column(default=None)
    entry_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
