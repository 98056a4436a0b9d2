"""Errors of transfers (stable codes of the banking API contract)."""

from __future__ import annotations

from typing import ClassVar

from lastro.kit.errors import Conflict, LastroError, NotFound


class TransferLimitExceeded(LastroError):
    status: ClassVar[int] = 402
    code: ClassVar[str] = "TRANSFER_LIMIT_EXCEEDED"
    title: ClassVar[str] = "Limite de transferências excedido"


class TransferNotFound(NotFound):
    code: ClassVar[str] = "TRANSFER_NOT_FOUND"
    title: ClassVar[str] = "Transferência não encontrada"


class TransferNotCancellable(Conflict):
    code: ClassVar[str] = "TRANSFER_NOT_CANCELLABLE"
    title: ClassVar[str] = "Transferência não pode ser cancelada"


class TransferStateConflict(Conflict):
    code: ClassVar[str] = "TRANSFER_STATE_CONFLICT"
    title: ClassVar[str] = "Transferência em estado incompatível"


class RefundExceedsOriginal(Conflict):
    code: ClassVar[str] = "REFUND_EXCEEDS_ORIGINAL"
    title: ClassVar[str] = "Devolução maior que o valor disponível"


class InvalidTransfer(LastroError):
    status: ClassVar[int] = 400
    code: ClassVar[str] = "INVALID_TRANSFER"
    title: ClassVar[str] = "Transferência inválida"


class SandboxOnly(Conflict):
    code: ClassVar[str] = "SANDBOX_ONLY"
    title: ClassVar[str] = "Disponível só fora de produção"
