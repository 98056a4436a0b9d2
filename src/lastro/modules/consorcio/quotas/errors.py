"""Errors of the quotas area."""

from __future__ import annotations

from typing import ClassVar

from lastro.kit.errors import Conflict, NotFound, ValidationFailed


class QuotaNotFound(NotFound):
    code: ClassVar[str] = "QUOTA_NOT_FOUND"
    title: ClassVar[str] = "Cota não encontrada"


class TransferNotFound(NotFound):
    code: ClassVar[str] = "TRANSFER_NOT_FOUND"
    title: ClassVar[str] = "Cessão não encontrada"


class ContractNotFound(NotFound):
    code: ClassVar[str] = "CONTRACT_NOT_FOUND"
    title: ClassVar[str] = "Contrato não encontrado"


class SaleNotAllowed(Conflict):
    code: ClassVar[str] = "QUOTA_SALE_NOT_ALLOWED"
    title: ClassVar[str] = "Venda de cota não permitida"


class GroupFull(Conflict):
    code: ClassVar[str] = "GROUP_FULL"
    title: ClassVar[str] = "Grupo sem cotas disponíveis"


class QuotaNumberTaken(Conflict):
    code: ClassVar[str] = "QUOTA_NUMBER_TAKEN"
    title: ClassVar[str] = "Número de cota ocupado"


class HoldingCapExceeded(Conflict):
    code: ClassVar[str] = "HOLDING_CAP_EXCEEDED"
    title: ClassVar[str] = "Limite de 10 % das cotas do grupo por consorciado"


class InvalidSale(ValidationFailed):
    code: ClassVar[str] = "INVALID_QUOTA_SALE"
    title: ClassVar[str] = "Dados da venda inválidos"


class InvalidStatusChange(Conflict):
    code: ClassVar[str] = "INVALID_QUOTA_STATUS_CHANGE"
    title: ClassVar[str] = "Mudança de situação da cota não permitida"


class TransferNotAllowed(Conflict):
    code: ClassVar[str] = "TRANSFER_NOT_ALLOWED"
    title: ClassVar[str] = "Cessão não permitida"


class InvalidMovement(ValidationFailed):
    code: ClassVar[str] = "INVALID_QUOTA_MOVEMENT"
    title: ClassVar[str] = "Movimento inválido"


class MovementRefConflict(Conflict):
    code: ClassVar[str] = "MOVEMENT_REF_CONFLICT"
    title: ClassVar[str] = "Referência de movimento já usada"
