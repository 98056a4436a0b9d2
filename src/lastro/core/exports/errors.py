"""Errors of the exports service, each with its stable code."""

from __future__ import annotations

from lastro.kit.errors import LastroError, NotFound, ValidationFailed


class UnknownSource(NotFound):
    code = "EXPORT_SOURCE_NOT_FOUND"
    title = "Fonte de exportação desconhecida"


class UnknownFormat(ValidationFailed):
    code = "EXPORT_FORMAT_INVALID"
    title = "Formato de exportação inválido"


class InvalidFilter(ValidationFailed):
    code = "EXPORT_FILTER_INVALID"
    title = "Filtro de exportação inválido"


class ExportTooLarge(LastroError):
    status = 413
    code = "EXPORT_TOO_LARGE"
    title = "Exportação grande demais para este modo"


class ExportNotFound(NotFound):
    code = "EXPORT_NOT_FOUND"
    title = "Exportação não encontrada"


class ExportNotReady(LastroError):
    status = 409
    code = "EXPORT_NOT_READY"
    title = "Exportação ainda não concluída"


class ReportNotFound(NotFound):
    code = "REPORT_NOT_FOUND"
    title = "Relatório agendado não encontrado"


class ExportExpired(LastroError):
    status = 410
    code = "EXPORT_EXPIRED"
    title = "Arquivo da exportação expirado"
