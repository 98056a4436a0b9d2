"""Per-tenant settings of billing: when the monthly run happens and what boletos say."""

from __future__ import annotations

from pydantic import BaseModel, Field


class AreaSettings(BaseModel):
    """The scheduled run bills month M once the earliest due date of M among the tenant's
    running groups is at most ``billing_lead_days`` away (boletos reach the payer in time and
    the bank has the remessa days before the due date)."""

    billing_auto_run: bool = Field(
        default=True, description="Executar o faturamento mensal automaticamente"
    )
    billing_lead_days: int = Field(
        default=10,
        ge=1,
        le=40,
        description="Dias de antecedência entre o faturamento e o vencimento das parcelas",
    )
    billing_adjust_due_to_business_day: bool = Field(
        default=True,
        description="Vencimento em dia não útil passa para o próximo dia útil bancário",
    )
    billing_boleto_instructions: list[str] = Field(
        default_factory=lambda: [
            "Após o vencimento, multa e juros conforme o contrato do grupo.",
            "Não há tarifa pela emissão deste boleto.",
        ],
        max_length=5,
        description="Instruções impressas no boleto (até 5 linhas)",
    )
    billing_inline_max_quotas: int = Field(
        default=1000,
        ge=0,
        le=100_000,
        description=(
            "Até este número de cotas o faturamento pedido pela API roda na hora; acima, "
            "em segundo plano (acompanhe o progresso)"
        ),
    )
