"""Payment providers: who collects the platform's invoices (boleto and PIX) and tells us when
they are paid, through a signed webhook.

``sandbox`` builds real boletos and PIX BR Codes with :mod:`lastro.br` (Itaú layout and the
platform's PIX key from settings) and signs its own webhooks, so the whole flow runs without a
bank. A real provider implements the same protocol.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar, Protocol

from lastro.br.boleto import build_boleto
from lastro.br.boleto_banks import Itau
from lastro.br.pix import static_br_code
from lastro.kit.clock import utcnow
from lastro.kit.errors import LastroError
from lastro.kit.ids import new_id
from lastro.settings import Settings

SIGNATURE_TOLERANCE_SECONDS = 300


class WebhookRejected(LastroError):
    status: ClassVar[int] = 401
    code: ClassVar[str] = "WEBHOOK_SIGNATURE_INVALID"
    title: ClassVar[str] = "Assinatura do webhook inválida"


class WebhookMalformed(LastroError):
    status: ClassVar[int] = 422
    code: ClassVar[str] = "WEBHOOK_PAYLOAD_INVALID"
    title: ClassVar[str] = "Conteúdo do webhook inválido"


class UnknownProvider(LastroError):
    status: ClassVar[int] = 404
    code: ClassVar[str] = "PAYMENT_PROVIDER_NOT_FOUND"
    title: ClassVar[str] = "Provedor de pagamento desconhecido"


@dataclass(frozen=True)
class ChargeRequest:
    number: str  # the invoice number, e.g. 2026-000042
    sequence: int  # its position in the year
    year: int
    amount: Decimal
    due_date: date
    payer_name: str


@dataclass(frozen=True)
class Charge:
    provider_ref: str
    nosso_numero: str
    boleto_barcode: str
    boleto_line: str
    pix_payload: str


@dataclass(frozen=True)
class PaymentNotice:
    """What a verified webhook says: charge ``provider_ref`` received ``amount``."""

    event_id: str
    kind: str  # charge.paid (others are acknowledged and ignored)
    provider_ref: str
    amount: Decimal
    paid_at: datetime
    method: str
    raw: dict[str, Any]


class PaymentProvider(Protocol):
    name: str

    def charge(self, request: ChargeRequest) -> Charge:
        """Register the charge (boleto + PIX) for an invoice."""
        ...

    def parse_webhook(self, headers: dict[str, str], body: bytes) -> PaymentNotice:
        """Verify the signature and read the notice; raises on forgery or garbage."""
        ...


def webhook_secret(settings: Settings, provider: str) -> bytes:
    explicit = settings.billing_webhook_secret
    base = (
        explicit
        or hmac.new(settings.secret_key.encode(), b"billing-webhook", hashlib.sha256).hexdigest()
    )
    return f"{provider}:{base}".encode()


def sign(secret: bytes, body: bytes, timestamp: int | None = None) -> str:
    """``t=<unix>,v1=<hex HMAC-SHA256 of "t.body">``: the timestamp is signed too."""
    ts = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret, f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={ts},v1={mac}"


def verify(secret: bytes, header: str | None, body: bytes, *, now: float | None = None) -> None:
    if not header:
        raise WebhookRejected("Cabeçalho de assinatura ausente.")
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        ts = int(parts["t"])
        given = parts["v1"]
    except (KeyError, ValueError):
        raise WebhookRejected("Cabeçalho de assinatura malformado.") from None
    current = time.time() if now is None else now
    if abs(current - ts) > SIGNATURE_TOLERANCE_SECONDS:
        raise WebhookRejected("Assinatura expirada: o horário do webhook está fora da janela.")
    expected = hmac.new(secret, f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, given):
        raise WebhookRejected("A assinatura não confere com o conteúdo recebido.")


class SandboxProvider:
    """Charges built locally with lastro.br; webhooks signed with the platform's secret."""

    name = "sandbox"
    header = "x-sandbox-signature"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.secret = webhook_secret(settings, self.name)

    def charge(self, request: ChargeRequest) -> Charge:
        s = self.settings
        # nosso número: 2-digit year + 6-digit sequence, unique for a century of invoices
        numero = f"{request.year % 100:02d}{request.sequence % 1_000_000:06d}"
        layout = Itau(
            carteira=s.billing_bank_carteira,
            numero=numero,
            agencia=s.billing_bank_agency,
            conta=s.billing_bank_account,
        )
        boleto = build_boleto(layout.bank_code, request.due_date, request.amount, layout.free_field)
        txid = request.number.replace("-", "")
        pix = static_br_code(
            s.billing_pix_key,
            s.billing_beneficiary_name,
            s.billing_beneficiary_city,
            amount=request.amount,
            txid=f"LASTRO{txid}",
            description=f"Fatura {request.number}",
        )
        return Charge(
            provider_ref=f"sbx_{txid}",
            nosso_numero=numero,
            boleto_barcode=boleto.barcode,
            boleto_line=boleto.linha_digitavel,
            pix_payload=pix.render(),
        )

    def parse_webhook(self, headers: dict[str, str], body: bytes) -> PaymentNotice:
        verify(self.secret, headers.get(self.header), body)
        try:
            data = json.loads(body)
            payload = data["data"]
            return PaymentNotice(
                event_id=str(data["id"]),
                kind=str(data["type"]),
                provider_ref=str(payload.get("charge_id", "")),
                amount=Decimal(str(payload.get("amount", "0"))),
                paid_at=datetime.fromisoformat(payload["paid_at"])
                if payload.get("paid_at")
                else utcnow(),
                method=str(payload.get("method", "pix")),
                raw=data,
            )
        except (ValueError, KeyError, TypeError, ArithmeticError) as exc:
            raise WebhookMalformed(f"Webhook ilegível: {exc}.") from None

    def paid_event(
        self,
        provider_ref: str,
        amount: Decimal,
        *,
        method: str = "pix",
        paid_at: datetime | None = None,
    ) -> tuple[dict[str, str], bytes]:
        """A signed ``charge.paid`` webhook, as the provider would send it (sandbox only)."""
        body = json.dumps(
            {
                "id": f"evt_{new_id().hex}",
                "type": "charge.paid",
                "data": {
                    "charge_id": provider_ref,
                    "amount": str(amount),
                    "paid_at": (paid_at or utcnow()).isoformat(),
                    "method": method,
                },
            }
        ).encode()
        return {self.header: sign(self.secret, body)}, body


def get_provider(settings: Settings, name: str | None = None) -> SandboxProvider:
    name = name or settings.billing_provider
    if name == "sandbox":
        return SandboxProvider(settings)
    raise UnknownProvider(f"Provedor de pagamento '{name}' não está configurado.")
