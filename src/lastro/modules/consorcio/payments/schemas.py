"""Request and response models of the payments API."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import Field

from lastro.kit.schemas import ReadModel, WriteModel


class ImportRead(ReadModel):
    id: uuid.UUID
    filename: str
    layout: str
    bank_code: str
    sha256: str
    file_sequence: int
    generated_on: date | None
    size_bytes: int
    lines: int
    applied: int
    duplicates: int
    unknown: int
    rejected: int
    ignored: int
    amount_applied: Decimal
    amount_unknown: Decimal
    status: str
    created_at: datetime
    finished_at: datetime | None


class ImportResult(ImportRead):
    created: bool = Field(description="False: o mesmo arquivo já fora importado; nada mudou")


class ExceptionRead(ReadModel):
    id: uuid.UUID
    import_id: uuid.UUID | None
    source: str
    line_no: int | None
    reference: str
    movement: str
    reason: str
    detail: str
    amount: Decimal
    paid_on: date | None
    status: str
    payload: dict[str, Any]
    created_at: datetime


class ImportDetail(ImportRead):
    exceptions: list[ExceptionRead]
    exceptions_total: int
    payments_total: int


class PaymentRead(ReadModel):
    id: uuid.UUID
    charge_id: uuid.UUID
    quota_id: uuid.UUID
    group_id: uuid.UUID
    source: str
    external_id: str
    reference: str
    import_id: uuid.UUID | None
    line_no: int | None
    amount: Decimal
    paid_on: date
    credited_on: date | None
    days_late: int
    fine_amount: Decimal
    interest_amount: Decimal
    fine_group: Decimal
    interest_group: Decimal
    fc_amount: Decimal
    ta_amount: Decimal
    fr_amount: Decimal
    ins_amount: Decimal
    advance_amount: Decimal
    excess_amount: Decimal
    fc_pct: Decimal
    ta_pct: Decimal
    fr_pct: Decimal
    ins_pct: Decimal
    price: Decimal
    installments_settled: int
    payer_name: str
    created_at: datetime


class PaymentDetail(PaymentRead):
    allocations: list[dict[str, Any]]


class ManualPaymentCreate(WriteModel):
    charge_id: uuid.UUID
    amount: Decimal = Field(gt=0, max_digits=16, decimal_places=2)
    paid_on: date
    credited_on: date | None = None
    reference: str = Field(
        default="",
        max_length=60,
        description="Identificador do recebimento (ex.: número do depósito); repetido, não "
        "aplica duas vezes",
    )


class PixItemResult(ReadModel):
    end_to_end_id: str
    status: str
    payment_id: uuid.UUID | None


class PixWebhookAck(ReadModel):
    received: int
    applied: int
    duplicates: int
    unknown: int
    items: list[PixItemResult]


class PixWebhookConfig(ReadModel):
    path: str
    tenant_header: str
    tenant: str
    signature_header: str
    signature_format: str
    secret: str
    secret_source: str
    enabled: bool
