"""Request and response models of billing (never the ORM classes)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, computed_field

from lastro.kit.schemas import ReadModel, WriteModel

BankCode = Literal["001", "033", "104", "237", "341", "756"]
Digits = Annotated[str, Field(pattern=r"^[0-9]+$")]
Month = Annotated[str, Field(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$", examples=["2026-12"])]
ChargeKind = Literal["antecipacao", "quitacao", "avulso", "segunda_via"]
Amount = Annotated[Decimal, Field(gt=0, max_digits=16, decimal_places=2)]


class CollectingAccountCreate(WriteModel):
    name: str = Field(min_length=1, max_length=120)
    group_id: uuid.UUID | None = None
    is_default: bool = False
    active: bool = True
    bank_code: BankCode
    agencia: Annotated[Digits, Field(min_length=1, max_length=5)]
    agencia_dv: str = Field(default="", max_length=1)
    conta: Annotated[Digits, Field(min_length=1, max_length=12)]
    conta_dv: str = Field(default="", max_length=1)
    convenio: Annotated[str, Field(default="", max_length=20, pattern=r"^[0-9]*$")] = ""
    carteira: Annotated[str, Field(default="", max_length=3, pattern=r"^[0-9]*$")] = ""
    beneficiary_name: str = Field(min_length=1, max_length=200)
    beneficiary_document: str = Field(min_length=11, max_length=18)
    beneficiary_city: str = Field(min_length=1, max_length=60)
    pix_key: str = Field(min_length=1, max_length=77)
    pix_location_base: str = Field(
        min_length=3,
        max_length=60,
        description="Local do payload PIX no PSP (host/caminho); o txid é acrescentado ao final",
        examples=["pix.banco.com.br/qr/v2/cobv"],
    )


class CollectingAccountUpdate(WriteModel):
    name: str | None = Field(default=None, min_length=1, max_length=120)
    group_id: uuid.UUID | None = None
    is_default: bool | None = None
    active: bool | None = None
    agencia_dv: str | None = Field(default=None, max_length=1)
    conta_dv: str | None = Field(default=None, max_length=1)
    convenio: Annotated[str | None, Field(default=None, max_length=20, pattern=r"^[0-9]*$")] = None
    carteira: Annotated[str | None, Field(default=None, max_length=3, pattern=r"^[0-9]*$")] = None
    beneficiary_name: str | None = Field(default=None, min_length=1, max_length=200)
    beneficiary_document: str | None = Field(default=None, min_length=11, max_length=18)
    beneficiary_city: str | None = Field(default=None, min_length=1, max_length=60)
    pix_key: str | None = Field(default=None, min_length=1, max_length=77)
    pix_location_base: str | None = Field(default=None, min_length=3, max_length=60)


class CollectingAccountRead(ReadModel):
    id: uuid.UUID
    name: str
    group_id: uuid.UUID | None
    is_default: bool
    active: bool
    bank_code: str
    bank_name: str
    agencia: str
    agencia_dv: str
    conta: str
    conta_dv: str
    convenio: str
    carteira: str
    beneficiary_name: str
    beneficiary_document: str
    beneficiary_city: str
    pix_key: str
    pix_location_base: str
    next_nosso_numero: int
    remessa_sequence: int
    created_at: datetime


class RunCreate(WriteModel):
    month: Month
    issue_date: date | None = Field(
        default=None, description="Data de emissão (preço em vigor nesta data); padrão: hoje"
    )


class BillingRunRead(ReadModel):
    id: uuid.UUID
    reference_month: str
    status: str
    trigger: str
    requested_by: uuid.UUID | None
    attempts: int
    quotas_total: int
    quotas_done: int
    installments_created: int
    charges_created: int
    remessas_created: int
    skipped: int
    amount_total: Decimal
    errors_count: int
    errors: list[dict[str, Any]]
    started_at: datetime | None
    finished_at: datetime | None
    heartbeat_at: datetime | None
    created_at: datetime

    @computed_field  # type: ignore[prop-decorator]
    @property
    def progress_pct(self) -> Decimal:
        if self.status == "completed":
            return Decimal("100.0")
        if not self.quotas_total:
            return Decimal("0.0")
        done = min(self.quotas_done, self.quotas_total)
        return (Decimal(done * 100) / self.quotas_total).quantize(Decimal("0.1"))


class RemessaRead(ReadModel):
    id: uuid.UUID
    collecting_account_id: uuid.UUID
    billing_run_id: uuid.UUID | None
    sequence: int
    file_name: str
    generated_on: date
    titulos_count: int
    total_amount: Decimal
    status: str
    sent_at: datetime | None
    created_at: datetime


class RemessaGenerated(BaseModel):
    remessas: list[RemessaRead]


class InstallmentRead(ReadModel):
    id: uuid.UUID
    quota_id: uuid.UUID
    group_id: uuid.UUID
    number: int
    reference_month: str
    due_date: date
    price: Decimal
    price_on: date
    fc_pct: Decimal
    ta_pct: Decimal
    fr_pct: Decimal
    ins_pct: Decimal
    fc_amount: Decimal
    ta_amount: Decimal
    fr_amount: Decimal
    ins_amount: Decimal
    extra_amount: Decimal
    lines: list[dict[str, Any]]
    total: Decimal
    status: str
    paid_amount: Decimal
    paid_on: date | None
    billing_run_id: uuid.UUID | None


class ChargeCreate(WriteModel):
    """``antecipacao``: ``installments`` (N); ``quitacao``: nothing else; ``avulso``:
    ``amount`` and ``description``; ``segunda_via``: ``installment_id`` (or
    ``installment_number``). ``due_date`` defaults to three banking days ahead (for a
    segunda via: today, the day its fine and interest are computed for)."""

    kind: ChargeKind
    installments: int | None = Field(default=None, ge=1, le=600)
    amount: Amount | None = None
    description: str | None = Field(default=None, max_length=300)
    installment_id: uuid.UUID | None = None
    installment_number: int | None = Field(default=None, ge=1)
    due_date: date | None = None


class ChargeItemRead(ReadModel):
    installment_id: uuid.UUID
    amount: Decimal
    fine_amount: Decimal
    interest_amount: Decimal


class ChargeRead(ReadModel):
    id: uuid.UUID
    quota_id: uuid.UUID
    group_id: uuid.UUID
    collecting_account_id: uuid.UUID
    kind: str
    status: str
    amount: Decimal
    issue_date: date
    due_date: date
    description: str
    document_number: str
    nosso_numero: str
    nosso_numero_dv: str
    nosso_numero_formatado: str
    barcode: str
    linha_digitavel: str
    pix_txid: str
    pix_payload: str
    breakdown: dict[str, Any]
    billing_run_id: uuid.UUID | None
    remessa_id: uuid.UUID | None
    replaces_charge_id: uuid.UUID | None
    paid_amount: Decimal
    paid_at: datetime | None
    created_at: datetime


class ChargeDetail(ChargeRead):
    items: list[ChargeItemRead]
    linha_digitavel_formatada: str
