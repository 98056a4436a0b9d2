from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import Field

from lastro.kit.schemas import ReadModel, WriteModel


class Tier(WriteModel):
    up_to: int | None = Field(default=None, ge=1)
    price: Decimal = Field(ge=0, max_digits=12, decimal_places=2)


class PlanCreate(WriteModel):
    code: str = Field(min_length=2, max_length=60, pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str = Field(min_length=1, max_length=120)
    description: str = Field(default="", max_length=500)
    family: str = Field(default="general", max_length=40)
    price: Decimal | None = Field(default=None, ge=0, max_digits=12, decimal_places=2)
    yearly_discount_pct: Decimal = Field(default=Decimal("10"), ge=0, le=100, decimal_places=2)
    modules: list[str] = Field(default_factory=list)
    limits: dict[str, int | None] = Field(default_factory=dict)
    tiers: list[Tier] = Field(default_factory=list)
    tier_metric: str | None = None
    overage: dict[str, Decimal] = Field(
        default_factory=dict,
        description="Preço por unidade acima do limite, por métrica (limite flexível: cobra, "
        "não recusa)",
    )
    api_rate_limit: int = Field(default=100, ge=1, le=1_000_000)
    is_public: bool = True


class PlanRead(ReadModel):
    id: uuid.UUID
    code: str
    name: str
    description: str
    family: str
    price: Decimal | None
    currency: str
    yearly_discount_pct: Decimal
    modules: list[str]
    limits: dict[str, int | None]
    tiers: list[dict[str, Any]]
    tier_metric: str | None
    overage: dict[str, Decimal]
    api_rate_limit: int
    is_public: bool


class UsageRead(ReadModel):
    metric: str
    label: str
    period: str
    value: int
    limit: int | None
    percent: float | None


class SubscriptionRead(ReadModel):
    id: uuid.UUID
    status: str
    cycle: str
    trial_ends_on: date | None
    current_period_start: date
    current_period_end: date
    plan: PlanRead
    usage: list[UsageRead]


class PlanChangeRequest(WriteModel):
    plan: str = Field(min_length=1, max_length=60)
    cycle: str | None = Field(default=None, pattern=r"^(monthly|yearly)$")


class PlanChangeRead(ReadModel):
    from_plan: str
    to_plan: str
    cycle: str
    proration: Decimal
