"""Per-tenant settings of payments: the PIX webhook's secret."""

from __future__ import annotations

from pydantic import BaseModel, Field


class AreaSettings(BaseModel):
    """The PSP signs each PIX notification with HMAC-SHA256 under this secret
    (``X-Lastro-Signature: t=<unix>,v1=<hex>`` over ``"<t>.<body>"``). Empty: a secret derived
    from the platform's key and the tenant, shown to tenant admins at
    ``GET /api/v1/consorcio/payments/pix/webhook-config``."""

    payments_pix_webhook_secret: str = Field(
        default="",
        max_length=200,
        description=(
            "Segredo do webhook PIX (HMAC-SHA256) combinado com o PSP; vazio usa o segredo "
            "gerado pela plataforma"
        ),
    )
    payments_pix_webhook_enabled: bool = Field(
        default=True, description="Aceitar notificações de pagamento PIX do PSP"
    )
