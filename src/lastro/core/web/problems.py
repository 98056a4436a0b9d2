"""RFC 9457 problem+json for every error: a stable ``code`` and a pt-BR ``detail``."""

from __future__ import annotations

import logging
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from lastro.kit.context import current_context
from lastro.kit.errors import LastroError

log = logging.getLogger("lastro.errors")

PROBLEM_TYPE = "application/problem+json"

_HTTP_CODES: dict[int, tuple[str, str]] = {
    400: ("BAD_REQUEST", "Requisição inválida."),
    401: ("UNAUTHORIZED", "Autenticação necessária."),
    403: ("FORBIDDEN", "Acesso negado."),
    404: ("NOT_FOUND", "Recurso não encontrado."),
    405: ("METHOD_NOT_ALLOWED", "Método não permitido para este recurso."),
    406: ("NOT_ACCEPTABLE", "Formato de resposta não suportado."),
    413: ("PAYLOAD_TOO_LARGE", "Corpo da requisição grande demais."),
    415: ("UNSUPPORTED_MEDIA_TYPE", "Tipo de conteúdo não suportado."),
    429: ("RATE_LIMITED", "Muitas requisições."),
}

_PT_MESSAGES: dict[str, str] = {
    "missing": "campo obrigatório",
    "extra_forbidden": "campo não permitido",
    "string_type": "deve ser um texto",
    "string_too_short": "texto curto demais",
    "string_too_long": "texto longo demais",
    "string_pattern_mismatch": "formato inválido",
    "int_type": "deve ser um número inteiro",
    "int_parsing": "deve ser um número inteiro",
    "float_type": "deve ser um número",
    "float_parsing": "deve ser um número",
    "decimal_type": "deve ser um valor decimal",
    "decimal_parsing": "deve ser um valor decimal",
    "decimal_max_places": "casas decimais demais",
    "bool_type": "deve ser verdadeiro ou falso",
    "bool_parsing": "deve ser verdadeiro ou falso",
    "date_type": "deve ser uma data (AAAA-MM-DD)",
    "date_parsing": "deve ser uma data (AAAA-MM-DD)",
    "date_from_datetime_parsing": "deve ser uma data (AAAA-MM-DD)",
    "datetime_type": "deve ser data e hora ISO 8601",
    "datetime_parsing": "deve ser data e hora ISO 8601",
    "uuid_type": "deve ser um UUID",
    "uuid_parsing": "deve ser um UUID",
    "enum": "valor não permitido",
    "literal_error": "valor não permitido",
    "greater_than": "valor pequeno demais",
    "greater_than_equal": "valor pequeno demais",
    "less_than": "valor grande demais",
    "less_than_equal": "valor grande demais",
    "list_type": "deve ser uma lista",
    "dict_type": "deve ser um objeto",
    "model_type": "deve ser um objeto",
    "model_attributes_type": "deve ser um objeto",
    "value_error": "valor inválido",
    "too_short": "itens de menos",
    "too_long": "itens demais",
    "json_type": "deve ser JSON",
}


def problem(
    status: int,
    code: str,
    detail: str,
    *,
    title: str | None = None,
    instance: str | None = None,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body: dict[str, Any] = {
        "type": f"https://lastro.dev/problems/{code.lower().replace('_', '-')}",
        "title": title or detail,
        "status": status,
        "code": code,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    request_id = current_context().request_id
    if request_id:
        body["request_id"] = request_id
    if extra:
        body.update(extra)
    return Response(
        orjson.dumps(body), status_code=status, media_type=PROBLEM_TYPE, headers=headers
    )


def field_errors(errors: Any) -> list[dict[str, Any]]:
    out = []
    for err in errors:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body",)]
        kind = str(err.get("type", "value_error"))
        message = _PT_MESSAGES.get(kind, "valor inválido")
        ctx = err.get("ctx") or {}
        if kind == "value_error" and ctx.get("error"):
            message = str(ctx["error"]).removeprefix("Value error, ")
        out.append({"field": ".".join(loc) or "body", "message": message, "type": kind})
    return out


def install_problem_handlers(app: FastAPI) -> None:
    async def lastro_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, LastroError)
        return problem(
            exc.status,
            exc.code,
            exc.detail,
            title=exc.title,
            instance=request.url.path,
            extra=exc.extra,
            headers=exc.headers,
        )

    async def validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        errors = list(exc.errors())
        if any(e.get("type") == "json_invalid" for e in errors):
            return problem(
                400,
                "MALFORMED_JSON",
                "O corpo da requisição não é um JSON válido.",
                instance=request.url.path,
            )
        fields = field_errors(errors)
        names = ", ".join(f"{f['field']}: {f['message']}" for f in fields[:5])
        return problem(
            422,
            "VALIDATION_ERROR",
            f"Dados inválidos ({names}).",
            title="Dados inválidos",
            instance=request.url.path,
            extra={"errors": fields},
        )

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        code, detail = _HTTP_CODES.get(exc.status_code, ("HTTP_ERROR", "Erro na requisição."))
        if isinstance(exc.detail, str) and exc.detail and exc.status_code not in _HTTP_CODES:
            detail = exc.detail
        return problem(
            exc.status_code,
            code,
            detail,
            instance=request.url.path,
            headers=dict(exc.headers or {}),
        )

    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error", exc_info=exc)
        return problem(
            500,
            "INTERNAL_ERROR",
            "Erro interno inesperado. Informe o request_id ao suporte.",
            instance=request.url.path,
        )

    app.add_exception_handler(LastroError, lastro_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, unexpected)
