"""Errors of the webhooks service with their stable codes."""

from __future__ import annotations

from lastro.kit.errors import Conflict, NotFound, ValidationFailed


class EndpointNotFound(NotFound):
    code = "WEBHOOK_ENDPOINT_NOT_FOUND"
    title = "Endpoint de webhook não encontrado"


class DeliveryNotFound(NotFound):
    code = "WEBHOOK_DELIVERY_NOT_FOUND"
    title = "Entrega de webhook não encontrada"


class InvalidWebhookUrl(ValidationFailed):
    code = "WEBHOOK_URL_INVALID"
    title = "URL de webhook inválida"


class UnknownEventType(ValidationFailed):
    code = "WEBHOOK_EVENT_TYPE_UNKNOWN"
    title = "Tipo de evento desconhecido"


class EndpointDisabled(Conflict):
    code = "WEBHOOK_ENDPOINT_DISABLED"
    title = "Endpoint de webhook desativado"
