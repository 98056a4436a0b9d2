"""Errors of the documents service, each with its stable code."""

from __future__ import annotations

from lastro.kit.errors import Conflict, LastroError, NotFound, ValidationFailed


class DocumentNotFound(NotFound):
    code = "DOCUMENT_NOT_FOUND"
    title = "Documento não encontrado"


class VersionNotFound(NotFound):
    code = "DOCUMENT_VERSION_NOT_FOUND"
    title = "Versão do documento não encontrada"


class FileTooLarge(LastroError):
    status = 413
    code = "FILE_TOO_LARGE"
    title = "Arquivo grande demais"


class EmptyFile(ValidationFailed):
    code = "EMPTY_FILE"
    title = "Arquivo vazio"


class FileTypeNotAllowed(LastroError):
    status = 415
    code = "FILE_TYPE_NOT_ALLOWED"
    title = "Tipo de arquivo não aceito"


class FileTypeMismatch(LastroError):
    status = 415
    code = "FILE_TYPE_MISMATCH"
    title = "Conteúdo não corresponde à extensão"


class DocumentRetained(Conflict):
    code = "DOCUMENT_RETAINED"
    title = "Documento sob retenção obrigatória"


class DocumentDeleted(Conflict):
    code = "DOCUMENT_DELETED"
    title = "Documento excluído"


class InvalidLink(NotFound):
    """Tampered, expired and revoked links look the same: nothing to learn from probing."""

    code = "LINK_INVALID"
    title = "Link inválido ou expirado"


class UnknownPdfTemplate(ValidationFailed):
    code = "UNKNOWN_PDF_TEMPLATE"
    title = "Modelo de PDF desconhecido"
