"""Request and response models of quotas and the percentage ledger."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from lastro.kit.schemas import FixedDecimal, ReadModel, WriteModel

QuotaStatus = Literal[
    "ativa", "contemplada", "quitada", "excluida", "desistente", "cancelada", "encerrada"
]
ACTIVE_STATUSES: tuple[str, ...] = ("ativa", "contemplada", "quitada")
MovementKind = Literal[
    "charge", "payment", "antecipacao", "lance", "adjustment", "diferenca", "residual", "estorno"
]
MOVEMENT_KINDS: tuple[str, ...] = MovementKind.__args__  # type: ignore[attr-defined]
Money = Annotated[Decimal, Field(gt=0, max_digits=16, decimal_places=2)]


class QuotaSale(WriteModel):
    consorciado_id: uuid.UUID
    credit_value: Money | None = None
    number: int | None = Field(default=None, ge=1)
    reduced_plan: bool = False
    sold_on: date | None = None
    proposal_number: str = Field(default="", max_length=40)
    seller_code: str = Field(default="", max_length=40)
    seller_name: str = Field(default="", max_length=120)
    dealer_code: str = Field(default="", max_length=40)
    dealer_name: str = Field(default="", max_length=120)


class QuotaUpdate(WriteModel):
    status: QuotaStatus | None = None
    status_reason: str | None = Field(default=None, max_length=200)
    legal_flags: list[Annotated[str, Field(min_length=1, max_length=40)]] | None = Field(
        default=None, max_length=20
    )
    proposal_number: str | None = Field(default=None, max_length=40)
    seller_code: str | None = Field(default=None, max_length=40)
    seller_name: str | None = Field(default=None, max_length=120)
    dealer_code: str | None = Field(default=None, max_length=40)
    dealer_name: str | None = Field(default=None, max_length=120)


class QuotaRead(ReadModel):
    id: uuid.UUID
    group_id: uuid.UUID
    number: int
    version: int
    consorciado_id: uuid.UUID
    status: str
    status_reason: str
    status_changed_on: date
    collection_flag: str
    overdue_installments: int
    legal_flags: list[str]
    origin: str
    previous_version_id: uuid.UUID | None
    credit_base: Decimal
    sold_on: date
    proposal_number: str
    seller_code: str
    seller_name: str
    dealer_code: str
    dealer_name: str
    joined_at_installment: int
    rules_version: int
    contract_version: str
    contract_document_id: uuid.UUID | None
    contemplated_on: date | None
    contemplation_kind: str | None
    excluded_on: date | None
    created_at: datetime
    updated_at: datetime


class PositionRead(ReadModel):
    plan: str
    plan_first_installment: int
    plan_last_installment: int
    installments_paid: int
    last_installment_paid: int
    paid_amount: Decimal
    residual_fc_pct: Decimal
    reduced_fc_discount_pct: Decimal
    reduced_until_installment: int | None


class TransferRead(ReadModel):
    id: uuid.UUID
    quota_id: uuid.UUID
    from_consorciado_id: uuid.UUID
    to_consorciado_id: uuid.UUID
    status: str
    requested_on: date
    reason: str
    decided_at: datetime | None
    decided_by: uuid.UUID | None
    decision_note: str
    fee_amount: Decimal
    created_at: datetime


class RefundRead(ReadModel):
    id: uuid.UUID
    quota_id: uuid.UUID
    reason: str
    status: str
    owed_since: date
    fc_paid_pct: Decimal
    amount: Decimal | None
    paid_on: date | None
    note: str


class VersionRead(BaseModel):
    id: uuid.UUID
    version: int
    status: str
    consorciado_id: uuid.UUID
    sold_on: date


class QuotaDetail(QuotaRead):
    group_code: str
    consorciado_name: str
    credit_in_force: Decimal
    position: PositionRead | None
    pending_transfer: TransferRead | None
    refunds: list[RefundRead]
    versions: list[VersionRead]


class TransferCreate(WriteModel):
    to_consorciado_id: uuid.UUID
    reason: str = Field(default="", max_length=300)
    fee_amount: Annotated[Decimal, Field(ge=0, max_digits=16, decimal_places=2)] = Decimal(0)


class TransferDecision(WriteModel):
    decision: Literal["approve", "reject", "cancel"]
    note: str = Field(default="", max_length=300)


class ComponentState(BaseModel):
    """One component of the percentage ledger: percent of the price, money at the credit in
    force (``arrears`` > 0 is late, ``advance`` > 0 is ahead)."""

    total_pct: FixedDecimal
    paid_pct: FixedDecimal
    ideal_pct: FixedDecimal
    balance_pct: FixedDecimal
    arrears_pct: FixedDecimal
    advance_pct: FixedDecimal
    paid_amount: FixedDecimal
    balance_amount: FixedDecimal
    arrears_amount: FixedDecimal


class MovementRead(ReadModel):
    id: uuid.UUID
    kind: str
    installment_number: int | None
    effective_on: date
    fc_pct: FixedDecimal
    ta_pct: FixedDecimal
    fr_pct: FixedDecimal
    ins_pct: FixedDecimal
    fc_amount: FixedDecimal
    ta_amount: FixedDecimal
    fr_amount: FixedDecimal
    ins_amount: FixedDecimal
    fine_amount: FixedDecimal
    interest_amount: FixedDecimal
    amount: FixedDecimal
    price: FixedDecimal
    source_ref: str
    description: str
    created_at: datetime


class LedgerRead(BaseModel):
    """A quota's percentage ledger on a date (primer §3.3)."""

    quota_id: uuid.UUID
    on: date
    month: int
    plan: str
    credit_in_force: FixedDecimal
    installment_pct: FixedDecimal
    installment_amount: FixedDecimal
    installments_paid: int
    components: dict[str, ComponentState]
    total: ComponentState
    saldo_devedor_pct: FixedDecimal
    saldo_devedor_amount: FixedDecimal
    fc_amortized_pct: FixedDecimal
    residual_fc_pct: FixedDecimal
    movements: list[MovementRead]
