"""Request and response bodies of transfers (camelCase accepted as in the original API)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, model_validator

from lastro.kit.schemas import ReadModel, WriteModel

_CONFIG = ConfigDict(extra="forbid", str_strip_whitespace=True, populate_by_name=True)
Amount = Annotated[Decimal, Field(gt=0, max_digits=14, decimal_places=2)]


class PixCreate(WriteModel):
    model_config = _CONFIG

    account_id: uuid.UUID = Field(alias="accountId")
    amount: Amount
    key: str = Field(min_length=1, max_length=77, alias="pixKey")
    receiver_name: str | None = Field(default=None, max_length=140, alias="receiverName")
    description: str = Field(default="", max_length=140)
    scheduled_for: datetime | None = Field(default=None, alias="scheduledFor")


class TedCreate(WriteModel):
    model_config = _CONFIG

    account_id: uuid.UUID = Field(alias="accountId")
    amount: Amount
    bank: str = Field(pattern=r"^[0-9]{3}$", description="Código COMPE do banco")
    agency: str = Field(pattern=r"^[0-9]{1,5}$")
    account: str = Field(pattern=r"^[0-9]{1,12}-?[0-9Xx]?$")
    account_type: Literal["checking", "savings", "payment"] = Field(
        default="checking", alias="accountType"
    )
    holder_name: str = Field(min_length=2, max_length=140, alias="holderName")
    holder_document: str = Field(min_length=11, max_length=18, alias="holderDocument")
    description: str = Field(default="", max_length=140)
    scheduled_for: datetime | None = Field(default=None, alias="scheduledFor")


class P2pCreate(WriteModel):
    model_config = _CONFIG

    account_id: uuid.UUID = Field(alias="accountId")
    amount: Amount
    to_account_id: uuid.UUID | None = Field(default=None, alias="toAccountId")
    to_agency: str | None = Field(default=None, pattern=r"^[0-9]{4}$", alias="toAgency")
    to_account: str | None = Field(default=None, max_length=14, alias="toAccount")
    description: str = Field(default="", max_length=140)
    scheduled_for: datetime | None = Field(default=None, alias="scheduledFor")

    @model_validator(mode="after")
    def _target(self) -> P2pCreate:
        if self.to_account_id is None and not (self.to_agency and self.to_account):
            raise ValueError("informe toAccountId ou toAgency + toAccount")
        return self


class RefundCreate(WriteModel):
    model_config = _CONFIG

    amount: Decimal | None = Field(default=None, gt=0, max_digits=14, decimal_places=2)
    reason: str = Field(default="Devolução solicitada pelo recebedor", max_length=140)


class MedDecision(WriteModel):
    accept: bool


class SandboxResolve(WriteModel):
    outcome: Literal["settled", "rejected"]


class TransferRead(ReadModel):
    id: uuid.UUID
    type: str
    direction: str
    status: str
    account_id: uuid.UUID
    counterparty_account_id: uuid.UUID | None
    amount: Decimal
    fee: Decimal
    description: str
    counterparty: dict[str, Any]
    end_to_end_id: str | None
    original_transfer_id: uuid.UUID | None
    refunded_amount: Decimal
    med: bool
    night: bool
    scheduled_for: datetime | None
    executed_at: datetime | None
    settled_at: datetime | None
    failure_code: str | None
    failure_reason: str | None
    created_at: datetime


class WebhookAck(ReadModel):
    status: Literal["processed", "duplicate", "ignored"]
    transfer_id: uuid.UUID | None = None
