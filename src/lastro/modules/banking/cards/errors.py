"""Errors of cards (stable codes of the banking API contract)."""

from __future__ import annotations

from typing import ClassVar

from lastro.kit.errors import Conflict, Forbidden, LastroError, NotFound


class CardNotFound(NotFound):
    code: ClassVar[str] = "CARD_NOT_FOUND"
    title: ClassVar[str] = "Cartão não encontrado"


class CardBlocked(Forbidden):
    code: ClassVar[str] = "CARD_BLOCKED"
    title: ClassVar[str] = "Cartão bloqueado"


class CardExpired(Forbidden):
    code: ClassVar[str] = "CARD_EXPIRED"
    title: ClassVar[str] = "Cartão vencido"


class CardStateConflict(Conflict):
    code: ClassVar[str] = "CARD_STATE_CONFLICT"
    title: ClassVar[str] = "Operação incompatível com a situação do cartão"


class VerificationRequired(LastroError):
    status: ClassVar[int] = 401
    code: ClassVar[str] = "VERIFICATION_CODE_REQUIRED"
    title: ClassVar[str] = "Código de verificação necessário"


class VerificationFailed(Forbidden):
    code: ClassVar[str] = "INVALID_VERIFICATION_CODE"
    title: ClassVar[str] = "Código de verificação inválido"
    # a wrong code counts as an attempt even though the request fails
    commit_session: ClassVar[bool] = True


class CardDeclined(LastroError):
    """A declined authorisation: the status and code come from the reason (CARD_BLOCKED 403,
    CARD_EXPIRED 403, LIMIT_EXCEEDED 402, INSUFFICIENT_BALANCE 402, ...). The declined
    authorisation is kept (the request commits) so the processor and staff can see it."""

    status: ClassVar[int] = 402
    code: ClassVar[str] = "CARD_DECLINED"
    title: ClassVar[str] = "Transação recusada"
    commit_session: ClassVar[bool] = True


class AuthorizationNotFound(NotFound):
    code: ClassVar[str] = "AUTHORIZATION_NOT_FOUND"
    title: ClassVar[str] = "Autorização não encontrada"


class AuthorizationStateConflict(Conflict):
    code: ClassVar[str] = "AUTHORIZATION_STATE_CONFLICT"
    title: ClassVar[str] = "Operação incompatível com a situação da autorização"


# decline reason → HTTP status of the answer
DECLINE_STATUS: dict[str, int] = {
    "CARD_BLOCKED": 403,
    "CARD_EXPIRED": 403,
    "INVALID_CARD_DATA": 403,
    "ACCOUNT_FROZEN": 403,
    "LIMIT_EXCEEDED": 402,
    "INSUFFICIENT_BALANCE": 402,
}


class AuthorizationExpired(AuthorizationStateConflict):
    """The hold lapsed before capture; the authorisation is marked expired (kept)."""

    code: ClassVar[str] = "AUTHORIZATION_EXPIRED"
    title: ClassVar[str] = "Autorização expirada"
    commit_session: ClassVar[bool] = True
