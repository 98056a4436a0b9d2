"""Per-tenant settings of collections: reminder offsets and channels, and the daily run."""

from __future__ import annotations

from pydantic import BaseModel, Field, field_validator

_CHANNELS = ("email", "sms", "whatsapp", "in_app")


class AreaSettings(BaseModel):
    """Reminders go once per installment and offset; days are calendar days from the due
    date. The fine/interest rates and the exclusion threshold are group rules, not settings."""

    delinquency_reminders_enabled: bool = Field(
        default=True, description="Enviar lembretes de vencimento e de atraso aos consorciados"
    )
    delinquency_reminder_days_before: list[int] = Field(
        default_factory=lambda: [5, 1],
        description="Dias antes do vencimento em que o lembrete é enviado",
    )
    delinquency_reminder_days_after: list[int] = Field(
        default_factory=lambda: [1, 5, 15, 30],
        description="Dias após o vencimento (parcela em aberto) em que o aviso de atraso é enviado",
    )
    delinquency_reminder_channels: list[str] = Field(
        default_factory=lambda: ["email", "sms", "whatsapp"],
        description="Canais dos lembretes (email, sms, whatsapp, in_app)",
    )
    delinquency_auto_exclude: bool = Field(
        default=True,
        description=(
            "Excluir automaticamente cotas não contempladas que atingem o limite de parcelas "
            "em atraso do grupo (desligado: a cota fica em pré-exclusão para decisão manual)"
        ),
    )
    delinquency_notify_exclusion: bool = Field(
        default=True, description="Notificar o consorciado da exclusão e da pré-exclusão"
    )

    @field_validator("delinquency_reminder_days_before", "delinquency_reminder_days_after")
    @classmethod
    def _offsets(cls, value: list[int]) -> list[int]:
        if any(d < 0 or d > 365 for d in value):
            raise ValueError("os dias devem estar entre 0 e 365")
        return sorted(set(value))

    @field_validator("delinquency_reminder_channels")
    @classmethod
    def _channels(cls, value: list[str]) -> list[str]:
        unknown = [c for c in value if c not in _CHANNELS]
        if unknown:
            raise ValueError(f"canais desconhecidos: {', '.join(unknown)}")
        return list(dict.fromkeys(value))
