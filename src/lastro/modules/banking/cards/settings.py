"""Per-tenant settings of cards (namespace "banking", fields prefixed ``cards_``)."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, Field


class AreaSettings(BaseModel):
    cards_bin: str = Field(
        default="52999900",
        pattern=r"^[0-9]{6,8}$",
        description="BIN (6 a 8 dígitos) dos cartões emitidos",
    )
    cards_daily_limit: Decimal = Field(
        default=Decimal("5000.00"), ge=0, decimal_places=2, description="Limite diário padrão"
    )
    cards_monthly_limit: Decimal = Field(
        default=Decimal("20000.00"), ge=0, decimal_places=2, description="Limite mensal padrão"
    )
    cards_validity_years: int = Field(
        default=5, ge=1, le=10, description="Validade do cartão físico (anos)"
    )
    cards_virtual_max_months: int = Field(
        default=24, ge=1, le=60, description="Validade máxima de um cartão virtual (meses)"
    )
    cards_hold_days: int = Field(
        default=7, ge=1, le=30, description="Dias que uma autorização fica reservada sem captura"
    )
    cards_code_ttl_seconds: int = Field(
        default=300, ge=60, le=1800, description="Validade do código para ver os dados do cartão"
    )
