"""The payment rail's webhook: incoming PIX, late outcomes of outbound orders, returns of
our PIX, MED requests, paid deposit boletos.

``POST /api/v1/banking/webhooks/rail/{tenant}`` — public (the PSP calls it), the tenant is the
slug in the path and the body is authenticated with ``X-Rail-Signature: t=<unix>,v1=<hex
HMAC-SHA256(secret, "t.body")>`` (the billing webhook's scheme) under a per-tenant secret
derived from ``LASTRO_BANKING_RAIL_SECRET`` (default: the app's secret key), so a signature
for one tenant is worthless for another. Every event is idempotent by its end-to-end /
return id (or nosso número): a redelivery answers ``duplicate`` and moves no money.

Events (JSON body, ``event`` field):

* ``pix.received`` — ``endToEndId``, ``amount``, ``key`` (a key registered here) or
  ``account: {agency, number}`` (number with DV), ``payer: {name, document, bank, ispb}``;
* ``transfer.settled`` / ``transfer.rejected`` — ``endToEndId`` or ``railRef``, ``reason``;
* ``pix.returned`` — ``returnId`` (D…), ``originalEndToEndId``, ``amount``, ``reason``;
* ``med.opened`` — ``originalEndToEndId`` (a PIX we received), ``amount``, ``reason``;
* ``boleto.paid`` — ``nossoNumero``, ``amount`` (a deposit boleto).
"""

from __future__ import annotations

import hashlib
import hmac
from decimal import Decimal, InvalidOperation
from typing import Any

import orjson
from fastapi import APIRouter, Request
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import select

from lastro.core.billing.providers import WebhookMalformed, sign, verify
from lastro.core.web.deps import RuntimeDep, SessionDep, cached_tenant
from lastro.core.web.routing import LastroRoute
from lastro.infra.database import bind_tenant
from lastro.kit.errors import NotFound
from lastro.modules.banking.accounts import service as accounts
from lastro.modules.banking.accounts.models import Deposit
from lastro.modules.banking.transfers import service
from lastro.modules.banking.transfers.rail import RailOutcome
from lastro.modules.banking.transfers.schemas import WebhookAck
from lastro.settings import Settings

router = APIRouter(prefix="/api/v1/banking/webhooks", route_class=LastroRoute, tags=["banking"])

HEADER = "x-rail-signature"
PATH = "/api/v1/banking/webhooks/rail/{tenant}"


class RailSecrets(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LASTRO_BANKING_", extra="ignore")

    rail_secret: str | None = None


def rail_webhook_secret(settings: Settings, tenant_slug: str) -> bytes:
    base = RailSecrets().rail_secret or settings.secret_key
    return hmac.new(base.encode(), f"banking-rail:{tenant_slug}".encode(), hashlib.sha256).digest()


def sign_rail_event(settings: Settings, tenant_slug: str, body: bytes) -> str:
    """What the sandbox rail (and the tests) put in ``X-Rail-Signature``."""
    return sign(rail_webhook_secret(settings, tenant_slug), body)


class TenantUnknown(NotFound):
    code = "TENANT_NOT_FOUND"


def _amount(data: dict[str, Any]) -> Decimal:
    try:
        value = Decimal(str(data["amount"]))
    except (KeyError, InvalidOperation):
        raise WebhookMalformed("Campo 'amount' ausente ou inválido.") from None
    return value


def _text(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise WebhookMalformed(f"Campo '{key}' ausente ou inválido.")
    return value


@router.post("/rail/{tenant}", response_model=WebhookAck, summary="Webhook do arranjo (assinado)")
async def rail_webhook(
    tenant: str, request: Request, session: SessionDep, runtime: RuntimeDep
) -> WebhookAck:
    body = await request.body()
    verify(rail_webhook_secret(runtime.settings, tenant), request.headers.get(HEADER), body)
    found = await cached_tenant(runtime, tenant)
    if found is None:
        raise TenantUnknown("Cliente não encontrado.")
    bind_tenant(session, found.id)
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise WebhookMalformed("Corpo não é JSON.") from None
    if not isinstance(data, dict):
        raise WebhookMalformed("Corpo deve ser um objeto JSON.")
    return await handle_event(session, data)


async def handle_event(session: SessionDep, data: dict[str, Any]) -> WebhookAck:
    event = data.get("event")
    if event == "pix.received":
        return await _pix_received(session, data)
    if event in ("transfer.settled", "transfer.rejected"):
        transfer = await _by_reference(session, data)
        outcome = RailOutcome.SETTLED if event == "transfer.settled" else RailOutcome.REJECTED
        changed = await service.resolve(session, transfer, outcome, data.get("reason"))
        return WebhookAck(status="processed" if changed else "duplicate", transfer_id=transfer.id)
    if event == "pix.returned":
        original = await _by_e2e(session, _text(data, "originalEndToEndId"))
        back, created = await service.receive_return(
            session,
            return_id=_text(data, "returnId"),
            original=original,
            amount=_amount(data),
            reason=str(data.get("reason") or ""),
        )
        return WebhookAck(status="processed" if created else "duplicate", transfer_id=back.id)
    if event == "med.opened":
        original = await _by_e2e(session, _text(data, "originalEndToEndId"))
        med, created = await service.open_med(
            session, original=original, amount=_amount(data), reason=str(data.get("reason") or "")
        )
        return WebhookAck(status="processed" if created else "duplicate", transfer_id=med.id)
    if event == "boleto.paid":
        nosso = _text(data, "nossoNumero")
        deposit = await session.scalar(select(Deposit).where(Deposit.nosso_numero == nosso))
        if deposit is None:
            raise NotFound("Boleto de depósito não encontrado.", code="DEPOSIT_NOT_FOUND")
        if _amount(data) != deposit.amount:
            raise WebhookMalformed("Valor pago difere do valor do boleto de depósito.")
        was_open = deposit.status == "open"
        await accounts.pay_deposit(session, deposit.id)
        return WebhookAck(status="processed" if was_open else "duplicate")
    return WebhookAck(status="ignored")


async def _by_e2e(session: SessionDep, e2e: str) -> Any:
    transfer = await service.find_by_e2e(session, e2e)
    if transfer is None:
        raise NotFound("Transferência não encontrada.", code="TRANSFER_NOT_FOUND")
    return transfer


async def _by_reference(session: SessionDep, data: dict[str, Any]) -> Any:
    if isinstance(data.get("endToEndId"), str):
        return await _by_e2e(session, data["endToEndId"])
    ref = _text(data, "railRef")
    from lastro.modules.banking.transfers.models import Transfer

    transfer = await session.scalar(select(Transfer).where(Transfer.rail_ref == ref))
    if transfer is None:
        raise NotFound("Transferência não encontrada.", code="TRANSFER_NOT_FOUND")
    return transfer


async def _pix_received(session: SessionDep, data: dict[str, Any]) -> WebhookAck:
    e2e = _text(data, "endToEndId")
    existing = await service.find_by_e2e(session, e2e)
    if existing is not None:
        return WebhookAck(status="duplicate", transfer_id=existing.id)
    account = None
    if isinstance(data.get("key"), str):
        account = await accounts.account_for_pix_key(session, data["key"])
    elif isinstance(data.get("account"), dict):
        acc = data["account"]
        account = await accounts.find_by_number(
            session, str(acc.get("agency", "")), str(acc.get("number", ""))
        )
    if account is None:
        raise NotFound("Conta recebedora não encontrada.", code="ACCOUNT_NOT_FOUND")
    payer = data.get("payer") if isinstance(data.get("payer"), dict) else {}
    transfer, created = await service.receive_pix(
        session,
        end_to_end_id=e2e,
        amount=_amount(data),
        account=account,
        payer={
            k: str(v) for k, v in (payer or {}).items() if k in ("name", "document", "bank", "ispb")
        },
        description=str(data.get("description") or ""),
    )
    return WebhookAck(status="processed" if created else "duplicate", transfer_id=transfer.id)
