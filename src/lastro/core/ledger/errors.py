"""Ledger errors: stable upper-case codes, pt-BR detail, the HTTP status each maps to."""

from __future__ import annotations

from lastro.kit.errors import Conflict, LastroError, NotFound, ValidationFailed


class LedgerError(LastroError):
    """Base of every ledger refusal; nothing was written when one is raised."""

    code = "LEDGER_ERROR"
    title = "Operação contábil recusada"


class InvalidEntry(LedgerError, ValidationFailed):
    code = "INVALID_ENTRY"
    title = "Lançamento inválido"


class InvalidAmount(LedgerError, ValidationFailed):
    code = "INVALID_AMOUNT"
    title = "Valor inválido"


class UnbalancedEntry(LedgerError, ValidationFailed):
    code = "UNBALANCED_ENTRY"
    title = "Lançamento não fecha: débitos e créditos diferem"


class CurrencyMismatch(LedgerError, ValidationFailed):
    code = "CURRENCY_MISMATCH"
    title = "Moeda da partida difere da moeda da conta"


class CurrencyNotSupported(LedgerError, ValidationFailed):
    code = "CURRENCY_NOT_SUPPORTED"
    title = "Moeda não suportada"


class LedgerMismatch(LedgerError, ValidationFailed):
    code = "LEDGER_MISMATCH"
    title = "Conta pertence a outro livro"


class LedgerNotFound(LedgerError, NotFound):
    code = "LEDGER_NOT_FOUND"
    title = "Livro contábil não encontrado"


class AccountNotFound(LedgerError, NotFound):
    code = "ACCOUNT_NOT_FOUND"
    title = "Conta contábil não encontrada"


class EntryNotFound(LedgerError, NotFound):
    code = "ENTRY_NOT_FOUND"
    title = "Lançamento não encontrado"


class ChartNotFound(LedgerError, NotFound):
    code = "CHART_TEMPLATE_NOT_FOUND"
    title = "Plano de contas não encontrado"


class CodeTaken(LedgerError, Conflict):
    code = "LEDGER_CODE_TAKEN"
    title = "Código já usado"


class AccountClosed(LedgerError, Conflict):
    code = "ACCOUNT_CLOSED"
    title = "Conta encerrada"


class AccountNotEmpty(LedgerError, Conflict):
    code = "ACCOUNT_NOT_EMPTY"
    title = "Conta com saldo ou reservas não pode ser encerrada"


class LimitNotAllowed(LedgerError, ValidationFailed):
    code = "LIMIT_NOT_ALLOWED"
    title = "Limite não permitido para esta conta"


class InsufficientFunds(LedgerError):
    status = 422
    code = "INSUFFICIENT_FUNDS"
    title = "Saldo insuficiente"


class IdempotencyKeyReused(LedgerError, Conflict):
    code = "IDEMPOTENCY_KEY_REUSED"
    title = "Chave de idempotência já usada em outro lançamento"


class PendingNotFound(LedgerError, NotFound):
    code = "PENDING_NOT_FOUND"
    title = "Reserva não encontrada"


class PendingAlreadyResolved(LedgerError, Conflict):
    code = "PENDING_ALREADY_RESOLVED"
    title = "Reserva já efetivada, cancelada ou expirada"


class PendingExpired(LedgerError, Conflict):
    code = "PENDING_EXPIRED"
    title = "Reserva expirada"


class EntryNotReversible(LedgerError, ValidationFailed):
    code = "ENTRY_NOT_REVERSIBLE"
    title = "Lançamento não pode ser estornado"


class EntryAlreadyReversed(LedgerError, Conflict):
    code = "ENTRY_ALREADY_REVERSED"
    title = "Lançamento já estornado"


class LedgerConflict(LedgerError, Conflict):
    """A concurrent writer won a race the caller's transaction cannot recover from: retry it.

    Raised only by the session-joined service; :class:`~lastro.core.ledger.runner.Ledger`
    retries these itself.
    """

    code = "LEDGER_CONFLICT"
    title = "Conflito de concorrência no razão; repita a operação"
