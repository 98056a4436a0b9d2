"""Request and response bodies of accounts (never the ORM classes)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import ConfigDict, EmailStr, Field

from lastro.kit.schemas import ReadModel, WriteModel


class AccountCreate(WriteModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, populate_by_name=True)

    kind: Literal["individual", "company"] = "individual"
    holder_name: str = Field(min_length=2, max_length=200, alias="holderName")
    document: str = Field(min_length=11, max_length=18, description="CPF ou CNPJ")
    email: EmailStr | None = None
    phone: str | None = Field(default=None, max_length=20)
    holder_user_id: uuid.UUID | None = Field(
        default=None, alias="holderUserId", description="Usuário (papel customer) titular"
    )
    kyc_status: Literal["pending", "approved", "rejected"] = Field(
        default="approved", alias="kycStatus"
    )


class AccountRead(ReadModel):
    id: uuid.UUID
    kind: str
    holder_name: str
    document: str
    email: str | None
    holder_user_id: uuid.UUID | None
    agency: str
    number: str
    check_digit: str
    kyc_status: str
    status: str
    status_reason: str | None
    opened_at: datetime
    closed_at: datetime | None


class BalanceRead(ReadModel):
    account_id: uuid.UUID
    currency: str
    balance: Decimal = Field(description="Saldo contábil (lançamentos efetivados)")
    available: Decimal = Field(description="Saldo disponível (descontadas as reservas)")
    blocked: Decimal = Field(description="Valores reservados (transferências em curso, MED)")


class StatusChange(WriteModel):
    reason: str = Field(default="", max_length=300)


class KycChange(WriteModel):
    status: Literal["pending", "approved", "rejected"]


class StatementLineRead(ReadModel):
    entry_id: uuid.UUID
    date: date
    description: str
    kind: str
    category: str
    counterparty: str
    transfer_id: str | None
    amount: Decimal = Field(description="Positivo: crédito; negativo: débito")
    balance: Decimal


class StatementRead(ReadModel):
    account_id: uuid.UUID
    since: date | None
    until: date | None
    opening_balance: Decimal
    lines: list[StatementLineRead]
    next_cursor: str | None


class PixKeyCreate(WriteModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, populate_by_name=True)

    key_type: Literal["cpf", "cnpj", "email", "phone", "evp"] = Field(alias="type")
    value: str | None = Field(default=None, max_length=77)


class PixKeyRead(ReadModel):
    id: uuid.UUID
    account_id: uuid.UUID
    key_type: str
    value: str
    created_at: datetime


class DepositCreate(WriteModel):
    amount: Decimal = Field(gt=0, max_digits=12, decimal_places=2)


class DepositRead(ReadModel):
    id: uuid.UUID
    account_id: uuid.UUID
    amount: Decimal
    nosso_numero: str
    barcode: str
    digitable_line: str
    due_date: date
    status: str
    paid_at: datetime | None
