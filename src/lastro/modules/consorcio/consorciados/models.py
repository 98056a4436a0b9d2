"""Consorciados: the people and companies that hold quotas.

The document (CPF, or CNPJ — alphanumeric too) is stored normalised (digits and upper-case
letters, no punctuation) and is unique per tenant. ``spouse_document`` lets the 10 % holding cap
count a couple together, as the regulation asks.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from lastro.kit.orm import Base, Money, TenantScoped, Timestamps


class Consorciado(TenantScoped, Timestamps, Base):
    __tablename__ = "consorcio_consorciados"
    __table_args__ = (
        Index("uq_consorcio_consorciados_document", "tenant_id", "document", unique=True),
        Index("ix_consorcio_consorciados_name", "tenant_id", "name"),
        Index("ix_consorcio_consorciados_spouse", "tenant_id", "spouse_document"),
    )

    kind: Mapped[str] = mapped_column(String(2))  # pf | pj
    document: Mapped[str] = mapped_column(String(14))
    name: Mapped[str] = mapped_column(String(200))
    trade_name: Mapped[str] = mapped_column(String(200), default="")
    birth_date: Mapped[date | None] = mapped_column(Date, default=None)
    spouse_document: Mapped[str | None] = mapped_column(String(14), default=None)
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    mobile: Mapped[str] = mapped_column(String(20), default="")
    # address
    cep: Mapped[str] = mapped_column(String(8), default="")
    street: Mapped[str] = mapped_column(String(200), default="")
    number: Mapped[str] = mapped_column(String(20), default="")
    complement: Mapped[str] = mapped_column(String(100), default="")
    district: Mapped[str] = mapped_column(String(100), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    state: Mapped[str] = mapped_column(String(2), default="")
    monthly_income: Mapped[Decimal | None] = mapped_column(Money(), default=None)
    # where refunds go
    pix_key: Mapped[str | None] = mapped_column(String(77), default=None)
    pix_key_type: Mapped[str | None] = mapped_column(String(10), default=None)
    bank_code: Mapped[str | None] = mapped_column(String(3), default=None)
    bank_branch: Mapped[str | None] = mapped_column(String(5), default=None)
    bank_account: Mapped[str | None] = mapped_column(String(20), default=None)
    bank_account_digit: Mapped[str | None] = mapped_column(String(2), default=None)
    bank_account_type: Mapped[str | None] = mapped_column(String(10), default=None)
    # compliance
    pep: Mapped[bool] = mapped_column(Boolean, default=False)
    lgpd_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    lgpd_consent_at: Mapped[datetime | None] = mapped_column(default=None)
    anonymized_at: Mapped[datetime | None] = mapped_column(default=None)
    notes: Mapped[str] = mapped_column(String(1000), default="")
