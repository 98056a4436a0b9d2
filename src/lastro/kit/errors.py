"""Errors that carry their HTTP status and a stable upper-case code.

One handler (``lastro.core.web.errors``) renders any :class:`LastroError` as RFC 9457
problem+json, so services raise these and never build HTTP responses themselves.
"""

from __future__ import annotations

from typing import Any, ClassVar


class LastroError(Exception):
    """Base error: ``code`` is a stable contract, ``detail`` is pt-BR text for people."""

    status: ClassVar[int] = 400
    code: ClassVar[str] = "BAD_REQUEST"
    title: ClassVar[str] = "Requisição inválida"
    # Errors that record state (a failed login attempt) ask the request to commit, not roll back.
    commit_session: ClassVar[bool] = False

    def __init__(
        self,
        detail: str | None = None,
        *,
        code: str | None = None,
        status: int | None = None,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.detail = detail or self.title
        if code is not None:
            self.code = code  # type: ignore[misc]
        if status is not None:
            self.status = status  # type: ignore[misc]
        self.extra = extra or {}
        self.headers = headers or {}
        super().__init__(self.detail)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, detail={self.detail!r})"


class ValidationFailed(LastroError):
    status = 422
    code = "VALIDATION_ERROR"
    title = "Dados inválidos"


class NotFound(LastroError):
    status = 404
    code = "NOT_FOUND"
    title = "Recurso não encontrado"


class Conflict(LastroError):
    status = 409
    code = "CONFLICT"
    title = "Conflito com o estado atual do recurso"


class Unauthorized(LastroError):
    status = 401
    code = "UNAUTHORIZED"
    title = "Autenticação necessária"


class Forbidden(LastroError):
    status = 403
    code = "FORBIDDEN"
    title = "Acesso negado"


class TooManyRequests(LastroError):
    status = 429
    code = "RATE_LIMITED"
    title = "Muitas requisições"


class ServiceUnavailable(LastroError):
    status = 503
    code = "SERVICE_UNAVAILABLE"
    title = "Serviço indisponível"
