"""Request and response models of the groups area (never the ORM classes)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from lastro.kit.schemas import ReadModel, WriteModel

Segment = Literal["imovel", "automovel", "motocicleta", "pesados", "servicos", "eletroeletronicos"]
PriceIndex = Literal["asset_price_table", "incc", "ipca", "nominal_with_index"]
Regime = Literal["circular_3432", "res_285"]
GroupStatus = Literal["em_formacao", "em_andamento", "encerrado"]
DrawMethod = Literal["last_digits", "modulo", "centenas", "globo", "sistema"]
TieBreak = Literal["proximity_above", "proximity_below", "sorteio", "earliest_bid"]
BidType = Literal["livre", "fixo", "embutido", "limitado", "fgts"]
AmortizationOrder = Literal["inversa", "direta", "pro_rata"]
LateJoinerMode = Literal["spread_remaining", "arrears_upfront", "arrears_over_months"]
InsuranceBase = Literal["none", "credit", "credit_plus_fee", "saldo_devedor"]
ResidualSettlement = Literal["lance", "smaller_credit", "dilution"]

Pct = Annotated[Decimal, Field(ge=0, le=1000, max_digits=18, decimal_places=10)]
Money = Annotated[Decimal, Field(gt=0, max_digits=16, decimal_places=2)]

SEGMENTS: tuple[str, ...] = Segment.__args__  # type: ignore[attr-defined]
PRICE_INDEXES: tuple[str, ...] = PriceIndex.__args__  # type: ignore[attr-defined]


def _all_settlements() -> list[ResidualSettlement]:
    return ["lance", "smaller_credit", "dilution"]


def _free_bids() -> list[BidType]:
    return ["livre"]


class BidRules(BaseModel):
    """Caps and options of the bid types the group accepts (percent of the bid basis)."""

    basis: Literal["credit", "categoria", "saldo_devedor"] = "credit"
    livre_min_pct: Pct | None = None
    livre_max_pct: Pct | None = None
    fixo_pcts: list[Pct] = Field(default_factory=list, max_length=10)
    embutido_cap_pct: Pct | None = None
    limitado_cap_pct: Pct | None = None
    payment_days: int = Field(default=3, ge=0, le=30)


class ReducedPlan(BaseModel):
    """Reduced-installment plan (parcela reduzida): FC reduced by ``fc_discount_pct`` until
    contemplation, or for ``months`` installments when given."""

    enabled: bool = False
    fc_discount_pct: Pct = Decimal(0)
    months: int | None = Field(default=None, ge=1, le=600)
    settlements: list[ResidualSettlement] = Field(default_factory=_all_settlements)


class GroupRulesIn(WriteModel):
    """The contract rules of one version (everything an assembly may change)."""

    admin_fee_pct: Pct
    admin_fee_prepaid_pct: Pct = Decimal(0)
    reserve_fund_pct: Pct = Decimal(0)
    insurance_rate_pct: Pct = Decimal(0)
    insurance_base: InsuranceBase = "none"
    late_fine_pct: Pct = Decimal(2)
    late_interest_monthly_pct: Pct = Decimal(1)
    late_group_share_pct: Pct = Decimal(50)
    assembly_day: int = Field(ge=1, le=31)
    due_day: int = Field(ge=1, le=31)
    payment_cutoff_days: int = Field(default=0, ge=0, le=30)
    exclusion_threshold: int = Field(default=3, ge=1, le=24)
    draw_method: DrawMethod = "centenas"
    draws_per_assembly: int = Field(default=1, ge=0, le=100)
    tie_break: TieBreak = "proximity_above"
    bid_types: list[BidType] = Field(default_factory=_free_bids, max_length=5)
    bid_rules: BidRules = Field(default_factory=BidRules)
    amortization_order: AmortizationOrder = "inversa"
    late_joiner_mode: LateJoinerMode = "spread_remaining"
    reduced_plan: ReducedPlan = Field(default_factory=ReducedPlan)
    extra: dict[str, Any] = Field(default_factory=dict)


class RuleVersionCreate(GroupRulesIn):
    effective_from: date
    reason: str = Field(default="", max_length=300)


class RuleVersionRead(ReadModel):
    id: uuid.UUID
    group_id: uuid.UUID
    version: int
    effective_from: date
    reason: str
    admin_fee_pct: Decimal
    admin_fee_prepaid_pct: Decimal
    reserve_fund_pct: Decimal
    insurance_rate_pct: Decimal
    insurance_base: str
    late_fine_pct: Decimal
    late_interest_monthly_pct: Decimal
    late_group_share_pct: Decimal
    assembly_day: int
    due_day: int
    payment_cutoff_days: int
    exclusion_threshold: int
    draw_method: str
    draws_per_assembly: int
    tie_break: str
    bid_types: list[str]
    bid_rules: dict[str, Any]
    amortization_order: str
    late_joiner_mode: str
    reduced_plan: dict[str, Any]
    extra: dict[str, Any]
    created_at: datetime


class RuleVersionsRead(BaseModel):
    group_id: uuid.UUID
    in_force: RuleVersionRead | None
    as_of: date
    versions: list[RuleVersionRead]


class GroupCreate(WriteModel):
    code: str = Field(min_length=1, max_length=30, pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")
    name: str = Field(default="", max_length=120)
    segment: Segment
    regime: Regime = "res_285"
    term_months: int = Field(ge=1, le=600)
    max_quotas: int = Field(ge=1, le=100_000)
    credit_values: list[Money] = Field(min_length=1, max_length=50)
    reference_asset: str = Field(min_length=1, max_length=200)
    price_index: PriceIndex = "asset_price_table"
    base_price: Money | None = None
    base_index_value: Annotated[Decimal, Field(gt=0, max_digits=18, decimal_places=8)] | None = None
    min_quotas_to_constitute: int | None = Field(default=None, ge=1)
    formation_started_on: date | None = None
    contract_version: str = Field(default="1", min_length=1, max_length=40)
    description: str = Field(default="", max_length=500)
    rules: GroupRulesIn


class GroupUpdate(WriteModel):
    """Fields that are not contract rules (those change only through a new rule version)."""

    name: str | None = Field(default=None, max_length=120)
    reference_asset: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=500)
    min_quotas_to_constitute: int | None = Field(default=None, ge=1)
    contract_version: str | None = Field(default=None, min_length=1, max_length=40)


class GroupTransition(WriteModel):
    status: Literal["em_andamento", "encerrado"]
    on: date | None = None
    first_assembly_on: date | None = None


class GroupRead(ReadModel):
    id: uuid.UUID
    code: str
    name: str
    segment: str
    status: str
    regime: str
    term_months: int
    max_quotas: int
    credit_values: list[Decimal]
    reference_asset: str
    price_index: str
    base_price: Decimal
    base_index_value: Decimal | None
    min_quotas_to_constitute: int | None
    formation_started_on: date
    formation_deadline: date
    formation_expired_on: date | None
    constituted_on: date | None
    first_assembly_on: date | None
    closed_on: date | None
    contract_version: str
    ledger_id: uuid.UUID | None
    description: str
    created_at: datetime
    updated_at: datetime


class GroupDetail(GroupRead):
    rules: RuleVersionRead | None
    current_price: Decimal
    current_installment: int
    quotas_active: int
    quotas_sold: int


class PriceCreate(WriteModel):
    effective_on: date
    price: Money | None = None
    index_value: Annotated[Decimal, Field(gt=0, max_digits=18, decimal_places=8)] | None = None
    source: str = Field(default="", max_length=60)
    note: str = Field(default="", max_length=300)


class PriceRead(ReadModel):
    id: uuid.UUID
    group_id: uuid.UUID
    effective_on: date
    price: Decimal
    index_value: Decimal | None
    source: str
    note: str
    applied: bool
    created_at: datetime


class PricesRead(BaseModel):
    group_id: uuid.UUID
    current_price: Decimal
    items: list[PriceRead]


class BookAccountRead(BaseModel):
    code: str
    name: str
    type: str
    balance: Decimal


class BookDayRead(BaseModel):
    date: date
    balances: dict[str, Decimal]


class BookRead(BaseModel):
    ledger_id: uuid.UUID
    code: str
    name: str
    accounts: list[BookAccountRead]


class BooksRead(BaseModel):
    group_id: uuid.UUID
    group_book: BookRead
    daily: list[BookDayRead]
    since: date
    until: date
