"""Errors of the notifications service (stable codes, pt-BR details)."""

from __future__ import annotations

from lastro.kit.errors import Conflict, LastroError, NotFound, ValidationFailed


class NotificationNotFound(NotFound):
    code = "NOTIFICATION_NOT_FOUND"


class DeliveryNotFound(NotFound):
    code = "DELIVERY_NOT_FOUND"


class TemplateVersionNotFound(NotFound):
    code = "TEMPLATE_VERSION_NOT_FOUND"


class UnknownTemplate(ValidationFailed):
    code = "TEMPLATE_UNKNOWN"
    title = "Modelo de notificação desconhecido"


class DeliveryNotResendable(Conflict):
    code = "DELIVERY_NOT_RESENDABLE"


class DeliveryNotCancellable(Conflict):
    code = "DELIVERY_NOT_CANCELLABLE"


class StreamNotAcceptable(LastroError):
    status = 406
    code = "NOT_ACCEPTABLE"
    title = "Formato não aceito"
