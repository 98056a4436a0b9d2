"""Per-tenant settings of transfers (namespace "banking", fields prefixed ``transfers_``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field


class AreaSettings(BaseModel):
    transfers_ispb: str = Field(
        default="99999999", pattern=r"^[0-9]{8}$", description="ISPB do banco (EndToEndId PIX)"
    )
    transfers_per_hour_limit: int = Field(
        default=10, ge=1, le=100_000, description="Transferências por hora por usuário"
    )
    transfers_daily_limit_individual: Decimal = Field(
        default=Decimal("20000.00"),
        ge=0,
        decimal_places=2,
        description="Limite diário por conta de pessoa física (R$)",
    )
    transfers_daily_limit_company: Decimal = Field(
        default=Decimal("200000.00"),
        ge=0,
        decimal_places=2,
        description="Limite diário por conta de pessoa jurídica (R$)",
    )
    transfers_night_limit: Decimal = Field(
        default=Decimal("1000.00"),
        ge=0,
        decimal_places=2,
        description="Limite noturno de pessoa física (R$, Res. BCB 142/2021)",
    )
    transfers_night_start: Literal[20, 22] = Field(
        default=20, description="Início do período noturno (20h ou 22h; termina às 6h)"
    )
    transfers_ted_fee: Decimal = Field(
        default=Decimal("8.50"), ge=0, decimal_places=2, description="Tarifa de TED (R$)"
    )
    transfers_pix_fee: Decimal = Field(
        default=Decimal("0.00"), ge=0, decimal_places=2, description="Tarifa de PIX (R$)"
    )
    transfers_ted_window_start: str = Field(
        default="06:30", pattern=r"^[0-2][0-9]:[0-5][0-9]$", description="Abertura da janela TED"
    )
    transfers_ted_window_end: str = Field(
        default="17:00", pattern=r"^[0-2][0-9]:[0-5][0-9]$", description="Fim da janela TED"
    )
