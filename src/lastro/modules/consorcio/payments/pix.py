"""PIX payment notifications from the tenant's PSP.

The PSP posts the API Pix webhook body (``{"pix": [{"endToEndId", "txid", "valor", "horario",
"pagador"...}]}``) to ``POST /api/v1/consorcio/payments/pix/webhook``:

* **tenant**: the ``X-Tenant`` header (the tenant's slug; or the tenant's subdomain), the same
  way the rest of the API names a tenant. The route is public: the signature is the
  authentication;
* **signature**: ``X-Lastro-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>``,
  the scheme of the core billing webhook (:mod:`lastro.core.billing.providers`), checked
  before the body is read, with a 5-minute window against replays;
* **secret**: per tenant, ``payments_pix_webhook_secret`` in the consorcio settings, or when
  empty one derived from the platform key and the tenant (shown to tenant admins at
  ``GET /payments/pix/webhook-config``).

Each notification is identified by its ``endToEndId``: a redelivery, or the same notification
twice at once, is applied once (``consorcio_payments.external_id`` is unique and the charge
row is locked while applying). A txid that names no charge is kept as an exception.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

import orjson
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lastro.core.billing.providers import WebhookRejected, verify
from lastro.core.config.service import get_settings_for
from lastro.kit.clock import utcnow
from lastro.kit.ids import new_id
from lastro.modules.consorcio.billing.models import Charge
from lastro.modules.consorcio.payments.errors import PixWebhookMalformed, PixWebhookRejected
from lastro.modules.consorcio.payments.models import PaymentException
from lastro.modules.consorcio.payments.service import PaymentInput, apply_payments
from lastro.modules.consorcio.payments.settings import AreaSettings

SIGNATURE_HEADER = "x-lastro-signature"
NAMESPACE = "consorcio"
SAO_PAULO = ZoneInfo("America/Sao_Paulo")
E2E = re.compile(r"^E[0-9]{20}[A-Za-z0-9]{11}$")
TXID = re.compile(r"^[A-Za-z0-9]{1,35}$")
MAX_ITEMS = 500


def derived_secret(platform_key: str, tenant_id: uuid.UUID) -> str:
    return hmac.new(
        platform_key.encode(), f"consorcio-pix-webhook:{tenant_id}".encode(), hashlib.sha256
    ).hexdigest()


async def webhook_secret(session: AsyncSession, platform_key: str, tenant_id: uuid.UUID) -> str:
    configured = await get_settings_for(session, NAMESPACE, AreaSettings)
    return configured.payments_pix_webhook_secret or derived_secret(platform_key, tenant_id)


async def webhook_enabled(session: AsyncSession) -> bool:
    return (await get_settings_for(session, NAMESPACE, AreaSettings)).payments_pix_webhook_enabled


def check_signature(secret: str, header: str | None, body: bytes) -> None:
    try:
        verify(secret.encode(), header, body)
    except WebhookRejected as exc:
        raise PixWebhookRejected(exc.detail) from None


@dataclass(frozen=True)
class PixNotice:
    end_to_end_id: str
    txid: str
    amount: Decimal
    paid_at: datetime
    payer_name: str
    raw: dict[str, Any]

    @property
    def paid_on(self) -> date:
        return self.paid_at.astimezone(SAO_PAULO).date()


def _bad(detail: str, index: int | None = None) -> PixWebhookMalformed:
    where = f"pix[{index}]: " if index is not None else ""
    return PixWebhookMalformed(f"{where}{detail}")


def parse_notices(body: bytes) -> list[PixNotice]:
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise _bad("o corpo não é JSON válido.") from None
    items = data.get("pix") if isinstance(data, dict) else None
    if not isinstance(items, list) or not items:
        raise _bad("esperado um objeto com a lista 'pix' de pagamentos.")
    if len(items) > MAX_ITEMS:
        raise _bad(f"no máximo {MAX_ITEMS} pagamentos por notificação.")
    out = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise _bad("cada pagamento deve ser um objeto.", i)
        e2e = item.get("endToEndId")
        if not isinstance(e2e, str) or not E2E.match(e2e):
            raise _bad("endToEndId ausente ou inválido (E + ISPB + data/hora + 11 caracteres).", i)
        txid = item.get("txid") or ""
        if not isinstance(txid, str) or (txid and not TXID.match(txid)):
            raise _bad("txid inválido.", i)
        raw_value = item.get("valor")
        try:
            if not isinstance(raw_value, str | int) or isinstance(raw_value, bool):
                raise InvalidOperation
            amount = Decimal(str(raw_value))
        except InvalidOperation:
            raise _bad('valor deve ser um número decimal em texto, como "702.00".', i) from None
        if not amount.is_finite() or amount <= 0 or amount != amount.quantize(Decimal("0.01")):
            raise _bad("valor deve ser positivo, com no máximo 2 casas decimais.", i)
        when = item.get("horario")
        try:
            paid_at = datetime.fromisoformat(str(when).replace("Z", "+00:00"))
        except ValueError:
            raise _bad("horario deve ser data e hora RFC 3339.", i) from None
        if paid_at.tzinfo is None:
            raise _bad("horario deve informar o fuso (ex.: 2026-11-28T13:00:00-03:00).", i)
        payer_raw = item.get("pagador")
        payer: dict[str, Any] = payer_raw if isinstance(payer_raw, dict) else {}
        out.append(
            PixNotice(
                e2e,
                txid,
                amount,
                paid_at,
                str(payer.get("nome") or "")[:120],
                item,
            )
        )
    return out


@dataclass(frozen=True)
class NoticeOutcome:
    end_to_end_id: str
    status: str  # applied | duplicate | unknown
    payment_id: uuid.UUID | None = None


async def apply_notices(session: AsyncSession, notices: list[PixNotice]) -> list[NoticeOutcome]:
    """Apply each notice to the charge its txid names; unknown txids become exceptions."""
    txids = sorted({n.txid for n in notices if n.txid})
    charges: dict[str, uuid.UUID] = {}
    if txids:
        rows = await session.execute(
            select(Charge.pix_txid, Charge.id).where(Charge.pix_txid.in_(txids))
        )
        charges = dict(rows.all())
    inputs = []
    outcomes: dict[str, NoticeOutcome] = {}
    for n in notices:
        charge_id = charges.get(n.txid)
        if charge_id is None:
            outcomes[n.end_to_end_id] = NoticeOutcome(n.end_to_end_id, "unknown")
            await _unknown(session, n)
            continue
        inputs.append(
            PaymentInput(
                charge_id=charge_id,
                source="pix",
                external_id=f"pix:{n.end_to_end_id}",
                amount=n.amount,
                paid_on=n.paid_on,
                credited_on=n.paid_on,
                reference=n.txid,
                payer_name=n.payer_name,
            )
        )
    result = await apply_payments(
        session, inputs, book_ref=f"pix:{new_id().hex}", description="PIX recebidos"
    )
    for o in result.outcomes:
        e2e = o.input.external_id.removeprefix("pix:")
        if e2e not in outcomes:
            outcomes[e2e] = NoticeOutcome(e2e, o.status, o.payment_id)
    return [outcomes[n.end_to_end_id] for n in notices]


async def _unknown(session: AsyncSession, n: PixNotice) -> None:
    """Report a payment for a txid we never issued, once per endToEndId."""
    exists = await session.scalar(
        select(PaymentException.id).where(
            PaymentException.source == "pix", PaymentException.reference == n.end_to_end_id
        )
    )
    if exists is not None:
        return
    session.add(
        PaymentException(
            source="pix",
            reference=n.end_to_end_id,
            reason="UNKNOWN_TXID",
            detail=(
                f"PIX de {n.amount} com txid {n.txid or '(sem txid)'} que não corresponde a "
                "nenhuma cobrança."
            )[:300],
            amount=n.amount,
            paid_on=n.paid_on,
            payload={k: v for k, v in n.raw.items() if isinstance(k, str)},
            created_at=utcnow(),
        )
    )
    await session.flush()
