"""Errors of accounts (stable codes of the banking API contract)."""

from __future__ import annotations

from typing import ClassVar

from lastro.kit.errors import Conflict, Forbidden, LastroError, NotFound


class AccountNotFound(NotFound):
    code: ClassVar[str] = "ACCOUNT_NOT_FOUND"
    title: ClassVar[str] = "Conta não encontrada"


class InsufficientBalance(LastroError):
    status: ClassVar[int] = 402
    code: ClassVar[str] = "INSUFFICIENT_BALANCE"
    title: ClassVar[str] = "Saldo insuficiente"


class AccountFrozen(Forbidden):
    code: ClassVar[str] = "ACCOUNT_FROZEN"
    title: ClassVar[str] = "Conta bloqueada"


class AccountClosed(Conflict):
    code: ClassVar[str] = "ACCOUNT_CLOSED"
    title: ClassVar[str] = "Conta encerrada"


class KycPending(Forbidden):
    code: ClassVar[str] = "KYC_NOT_APPROVED"
    title: ClassVar[str] = "Cadastro (KYC) não aprovado"


class AccountNotEmpty(Conflict):
    code: ClassVar[str] = "ACCOUNT_NOT_EMPTY"
    title: ClassVar[str] = "Conta com saldo ou reservas"


class PixKeyTaken(Conflict):
    code: ClassVar[str] = "PIX_KEY_TAKEN"
    title: ClassVar[str] = "Chave PIX já cadastrada"


class InvalidPixKey(LastroError):
    status: ClassVar[int] = 400
    code: ClassVar[str] = "INVALID_PIX_KEY"
    title: ClassVar[str] = "Chave PIX inválida"


class DepositAlreadyPaid(Conflict):
    code: ClassVar[str] = "DEPOSIT_ALREADY_PAID"
    title: ClassVar[str] = "Depósito já creditado"
