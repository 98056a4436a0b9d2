"""Request and response models of consorciados."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import EmailStr, Field

from lastro.kit.schemas import ReadModel, WriteModel

Kind = Literal["pf", "pj"]
AccountType = Literal["corrente", "poupanca", "pagamento"]
Income = Annotated[Decimal, Field(ge=0, max_digits=16, decimal_places=2)]


class Address(WriteModel):
    cep: str = Field(max_length=12)
    street: str = Field(default="", max_length=200)
    number: str = Field(default="", max_length=20)
    complement: str = Field(default="", max_length=100)
    district: str = Field(default="", max_length=100)
    city: str = Field(default="", max_length=100)
    state: str = Field(default="", max_length=2)


class BankAccountIn(WriteModel):
    bank_code: str = Field(max_length=3)
    branch: str = Field(max_length=6)
    account: str = Field(max_length=20)
    digit: str = Field(default="", max_length=2)
    type: AccountType = "corrente"


class ConsorciadoFields(WriteModel):
    name: str | None = Field(default=None, min_length=2, max_length=200)
    trade_name: str | None = Field(default=None, max_length=200)
    birth_date: date | None = None
    spouse_document: str | None = Field(default=None, max_length=20)
    email: EmailStr | None = None
    phone: str | None = Field(default=None, max_length=20)
    mobile: str | None = Field(default=None, max_length=20)
    address: Address | None = None
    monthly_income: Income | None = None
    pix_key: str | None = Field(default=None, max_length=80)
    bank_account: BankAccountIn | None = None
    pep: bool | None = None
    lgpd_consent: bool | None = None
    notes: str | None = Field(default=None, max_length=1000)


class ConsorciadoCreate(ConsorciadoFields):
    kind: Kind | None = None
    document: str = Field(min_length=1, max_length=20)
    name: str = Field(min_length=2, max_length=200)


class ConsorciadoUpdate(ConsorciadoFields):
    """Everything but the document and kind (a different document is a different person)."""


class ConsorciadoRead(ReadModel):
    id: uuid.UUID
    kind: str
    document: str
    document_formatted: str
    name: str
    trade_name: str
    birth_date: date | None
    spouse_document: str | None
    email: str
    phone: str
    mobile: str
    cep: str
    street: str
    number: str
    complement: str
    district: str
    city: str
    state: str
    monthly_income: Decimal | None
    pix_key: str | None
    pix_key_type: str | None
    bank_code: str | None
    bank_branch: str | None
    bank_account: str | None
    bank_account_digit: str | None
    bank_account_type: str | None
    pep: bool
    lgpd_consent: bool
    lgpd_consent_at: datetime | None
    notes: str
    created_at: datetime
    updated_at: datetime


class HeldQuota(ReadModel):
    id: uuid.UUID
    group_id: uuid.UUID
    number: int
    version: int
    status: str


class ConsorciadoDetail(ConsorciadoRead):
    quotas: list[HeldQuota]
