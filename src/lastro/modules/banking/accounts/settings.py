"""Per-tenant settings of accounts (namespace "banking", fields prefixed ``accounts_``)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class AreaSettings(BaseModel):
    accounts_agency: str = Field(
        default="0001", pattern=r"^[0-9]{4}$", description="Agência das contas abertas"
    )
    accounts_bank_code: str = Field(
        default="999", pattern=r"^[0-9]{3}$", description="Código COMPE do banco (boletos)"
    )
    accounts_deposit_due_days: int = Field(
        default=3, ge=1, le=60, description="Dias até o vencimento do boleto de depósito"
    )
    accounts_customer_self_service: bool = Field(
        default=True, description="Titulares podem cadastrar chaves PIX e emitir boletos"
    )
