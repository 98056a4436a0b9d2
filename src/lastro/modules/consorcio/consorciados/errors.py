"""Errors of the consorciados area."""

from __future__ import annotations

from typing import ClassVar

from lastro.kit.errors import Conflict, NotFound, ValidationFailed


class ConsorciadoNotFound(NotFound):
    code: ClassVar[str] = "CONSORCIADO_NOT_FOUND"
    title: ClassVar[str] = "Consorciado não encontrado"


class DocumentTaken(Conflict):
    code: ClassVar[str] = "CONSORCIADO_DOCUMENT_TAKEN"
    title: ClassVar[str] = "Documento já cadastrado"


class InvalidConsorciado(ValidationFailed):
    code: ClassVar[str] = "INVALID_CONSORCIADO"
    title: ClassVar[str] = "Dados do consorciado inválidos"


class InvalidCep(ValidationFailed):
    code: ClassVar[str] = "INVALID_CEP"
    title: ClassVar[str] = "CEP inválido"


class InvalidBankAccount(ValidationFailed):
    code: ClassVar[str] = "INVALID_BANK_ACCOUNT"
    title: ClassVar[str] = "Conta bancária inválida"
