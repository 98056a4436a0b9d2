"""Request and response models of the delinquency area (never the ORM classes)."""

from __future__ import annotations

import datetime as dt
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, Field, model_validator

from lastro.kit.schemas import ReadModel, WriteModel

Money = Annotated[Decimal, Field(gt=0, max_digits=16, decimal_places=2)]


class DebtItemRead(BaseModel):
    installment_id: uuid.UUID
    number: int
    reference_month: str
    due_date: date
    days_late: int
    boleto_price: Decimal = Field(description="Crédito da cota ao preço do boleto")
    price_now: Decimal = Field(description="Crédito da cota ao preço em vigor na data")
    boleto_amount: Decimal = Field(description="Valor em aberto ao preço do boleto")
    principal: Decimal = Field(description="Valor em aberto reajustado ao preço em vigor")
    components: dict[str, Decimal]
    fine: Decimal
    interest: Decimal
    fine_group: Decimal
    interest_group: Decimal
    fine_administradora: Decimal
    interest_administradora: Decimal
    total: Decimal


class QuotaDebtsRead(BaseModel):
    quota_id: uuid.UUID
    group_id: uuid.UUID
    on: date
    price_now: Decimal
    installments: int
    oldest_due_date: date | None
    days_late: int
    boleto_amount: Decimal
    principal: Decimal
    fine: Decimal
    interest: Decimal
    group_share: Decimal = Field(description="Multa e juros destinados ao grupo")
    administradora_share: Decimal = Field(description="Multa e juros da administradora")
    total: Decimal = Field(description="Valor devido na data (principal + multa + juros)")
    items: list[DebtItemRead]


class DelinquencyRow(BaseModel):
    quota_id: uuid.UUID
    group_id: uuid.UUID
    group_code: str
    quota_number: int
    quota_version: int
    quota_status: str
    consorciado_id: uuid.UUID
    consorciado_name: str
    stage: str
    flag: str
    stage_since: date
    contemplated: bool
    missed_consecutive: int
    overdue_count: int
    oldest_due_date: date | None
    days_late: int
    principal: Decimal
    fine: Decimal
    interest: Decimal
    total_due: Decimal
    as_of: date


class DelinquencyPage(BaseModel):
    items: list[DelinquencyRow]
    total: int
    page: int
    limit: int


class StageSummary(BaseModel):
    stage: str
    quotas: int
    principal: Decimal
    fine: Decimal
    interest: Decimal
    total: Decimal


class FlagSummary(BaseModel):
    flag: str
    quotas: int
    total: Decimal


class RunRead(ReadModel):
    id: uuid.UUID
    run_on: date
    status: str
    attempts: int
    quotas_checked: int
    delinquent: int
    stage_changes: int
    exclusions: int
    reminders_sent: int
    prices_applied: int
    adjustments_created: int
    errors: list[dict[str, object]]
    started_at: datetime
    finished_at: datetime | None


class SummaryRead(BaseModel):
    today: date
    as_of: date | None = Field(description="Data da última apuração das posições")
    active_quotas: int
    em_dia: int
    delinquent: int
    delinquency_rate_pct: Decimal
    principal: Decimal
    fine: Decimal
    interest: Decimal
    total_due: Decimal
    excluded_last_30_days: int
    stages: list[StageSummary]
    flags: list[FlagSummary]
    last_run: RunRead | None


class RunRequest(WriteModel):
    date: dt.date | None = None


class TransitionRead(ReadModel):
    id: uuid.UUID
    changed_on: date
    from_stage: str
    to_stage: str
    from_flag: str
    to_flag: str
    missed_consecutive: int
    overdue_count: int
    total_due: Decimal
    excluded: bool
    reason: str
    actor_id: uuid.UUID | None
    created_at: datetime


class ReminderRead(ReadModel):
    id: uuid.UUID
    installment_id: uuid.UUID
    kind: str
    offset_days: int
    due_date: date
    sent_on: date
    template_key: str
    channels: list[str]
    status: str
    notification_id: uuid.UUID | None
    amount: Decimal


class PositionRead(ReadModel):
    stage: str
    flag: str
    stage_since: date
    contemplated: bool
    missed_consecutive: int
    overdue_count: int
    oldest_due_date: date | None
    principal: Decimal
    fine: Decimal
    interest: Decimal
    total_due: Decimal
    as_of: date


class QuotaDelinquencyRead(BaseModel):
    quota_id: uuid.UUID
    collection_flag: str
    overdue_installments: int
    position: PositionRead | None
    transitions: list[TransitionRead]
    reminders: list[ReminderRead]


class PriceUpdateCreate(WriteModel):
    """One of ``price`` (new reference price), ``index_value`` (for index-driven groups) or
    ``variation_pct`` (e.g. 5 for +5 % over the price in force before ``effective_on``)."""

    effective_on: date
    price: Money | None = None
    index_value: Annotated[Decimal, Field(gt=0, max_digits=18, decimal_places=8)] | None = None
    variation_pct: (
        Annotated[Decimal, Field(gt=-100, lt=1000, max_digits=14, decimal_places=8)] | None
    ) = None
    source: str = Field(default="", max_length=60)
    note: str = Field(default="", max_length=300)

    @model_validator(mode="after")
    def _one_value(self) -> PriceUpdateCreate:
        given = [v for v in (self.price, self.index_value, self.variation_pct) if v is not None]
        if len(given) != 1:
            raise ValueError("informe exatamente um: price, index_value ou variation_pct")
        return self


class PriceUpdateRead(BaseModel):
    price_id: uuid.UUID
    group_id: uuid.UUID
    effective_on: date
    price: Decimal
    index_value: Decimal | None
    status: str = Field(description="applied (em vigor e aplicado) ou scheduled (vigência futura)")
    previous_price: Decimal | None = None
    variation_pct: Decimal | None = None
    applied_on: date | None = None
    overdue_installments: int = 0
    overdue_amount_before: Decimal = Decimal("0.00")
    overdue_amount_after: Decimal = Decimal("0.00")
    open_installments: int = 0
    adjustments_created: int = 0
    source: str = ""
    note: str = ""


class AdjustmentRead(ReadModel):
    id: uuid.UUID
    quota_id: uuid.UUID
    kind: str
    description: str
    amount: Decimal
    fc_pct: Decimal
    ta_pct: Decimal
    fr_pct: Decimal
    ins_pct: Decimal
    source_ref: str
    status: str
    installment_id: uuid.UUID | None
    created_at: datetime
    billed_at: datetime | None
