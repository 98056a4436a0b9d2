"""Errors of the payments area: stable codes, pt-BR details."""

from __future__ import annotations

from typing import ClassVar

from lastro.kit.errors import Conflict, LastroError, NotFound, ValidationFailed


class ImportNotFound(NotFound):
    code: ClassVar[str] = "RETORNO_IMPORT_NOT_FOUND"
    title: ClassVar[str] = "Importação de retorno não encontrada"


class ChargeNotFound(NotFound):
    code: ClassVar[str] = "CHARGE_NOT_FOUND"
    title: ClassVar[str] = "Cobrança não encontrada"


class QuotaNotFound(NotFound):
    code: ClassVar[str] = "QUOTA_NOT_FOUND"
    title: ClassVar[str] = "Cota não encontrada"


class PaymentNotFound(NotFound):
    code: ClassVar[str] = "PAYMENT_NOT_FOUND"
    title: ClassVar[str] = "Pagamento não encontrado"


class InvalidRetorno(ValidationFailed):
    code: ClassVar[str] = "RETORNO_INVALID"
    title: ClassVar[str] = "Arquivo de retorno inválido"


class InvalidPayment(ValidationFailed):
    code: ClassVar[str] = "PAYMENT_INVALID"
    title: ClassVar[str] = "Pagamento inválido"


class PaymentConflict(Conflict):
    code: ClassVar[str] = "PAYMENT_CONFLICT"
    title: ClassVar[str] = "Pagamento já registrado com outros dados"


class PixWebhookRejected(LastroError):
    status: ClassVar[int] = 401
    code: ClassVar[str] = "PIX_WEBHOOK_SIGNATURE_INVALID"
    title: ClassVar[str] = "Assinatura do webhook PIX inválida"


class PixWebhookMalformed(LastroError):
    status: ClassVar[int] = 422
    code: ClassVar[str] = "PIX_WEBHOOK_PAYLOAD_INVALID"
    title: ClassVar[str] = "Conteúdo do webhook PIX inválido"
