"""Errors of the lgpd service, each with its HTTP status and stable code."""

from __future__ import annotations

from lastro.kit.errors import Conflict, NotFound, ValidationFailed


class RequestNotFound(NotFound):
    code = "LGPD_REQUEST_NOT_FOUND"
    title = "Solicitação LGPD não encontrada"


class ConsentNotFound(NotFound):
    code = "CONSENT_NOT_FOUND"
    title = "Consentimento não encontrado"


class ExportNotAvailable(NotFound):
    code = "LGPD_EXPORT_NOT_AVAILABLE"
    title = "Exportação não disponível"


class RequestClosed(Conflict):
    code = "LGPD_REQUEST_CLOSED"
    title = "Solicitação LGPD já encerrada"


class ConsentAlreadyRevoked(Conflict):
    code = "CONSENT_ALREADY_REVOKED"
    title = "Consentimento já revogado"


class SubjectRequired(ValidationFailed):
    code = "LGPD_SUBJECT_REQUIRED"
    title = "Titular não identificado"


class InvalidRequest(ValidationFailed):
    code = "LGPD_INVALID_REQUEST"
    title = "Solicitação LGPD inválida"
