"""Rendering templates written by tenants: a sandboxed Jinja2 (no attribute tricks, no I/O),
HTML autoescaped, with pt-BR filters for money and dates."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from jinja2 import Template, TemplateError, TemplateSyntaxError, Undefined, meta
from jinja2.sandbox import ImmutableSandboxedEnvironment

from lastro.br.money_text import format_brl
from lastro.kit.clock import SAO_PAULO
from lastro.kit.errors import ValidationFailed

MAX_SOURCE = 50_000


class TemplateInvalid(ValidationFailed):
    code = "TEMPLATE_INVALID"
    title = "Modelo de notificação inválido"


def _brl(value: Any) -> str:
    if isinstance(value, Decimal | int | str):
        try:
            return format_brl(value)
        except Exception:  # not an amount (e.g. a preview's placeholder): show it as is
            return str(value)
    return str(value)


def _date_br(value: Any) -> str:
    if isinstance(value, datetime):
        return value.astimezone(SAO_PAULO).strftime("%d/%m/%Y")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def _datetime_br(value: Any) -> str:
    if isinstance(value, datetime):
        return value.astimezone(SAO_PAULO).strftime("%d/%m/%Y %H:%M")
    return _date_br(value)


def _env(*, autoescape: bool) -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(
        autoescape=autoescape, undefined=Undefined, trim_blocks=True, lstrip_blocks=True
    )
    env.filters.update(brl=_brl, data=_date_br, data_hora=_datetime_br)
    return env


_TEXT = _env(autoescape=False)
_HTML = _env(autoescape=True)


@lru_cache(maxsize=1024)
def _compiled(source: str, *, html: bool) -> Template:
    """Compiling is most of the cost of a render; sources repeat (one per template version)."""
    return (_HTML if html else _TEXT).from_string(source)


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str
    html: str | None


def _where(field: str, exc: TemplateError) -> str:
    line = getattr(exc, "lineno", None)
    return f"{field}{f' (linha {line})' if line else ''}: {exc.message or exc}"


def validate(subject: str, body: str, html: str | None) -> None:
    """Raise ``TemplateInvalid`` (422) naming the field and line of the first syntax error."""
    for field, source, env in (
        ("subject", subject, _TEXT),
        ("body", body, _TEXT),
        ("html", html, _HTML),
    ):
        if source is None:
            continue
        if len(source) > MAX_SOURCE:
            raise TemplateInvalid(f"{field}: no máximo {MAX_SOURCE} caracteres.")
        try:
            env.parse(source)
        except TemplateSyntaxError as exc:
            raise TemplateInvalid(
                f"Erro de sintaxe no modelo — {_where(field, exc)}",
                extra={"field": field, "line": exc.lineno},
            ) from exc


def render(subject: str, body: str, html: str | None, data: Mapping[str, Any]) -> Rendered:
    """Render all parts; a template error (syntax, sandbox violation) raises TemplateInvalid."""
    context = dict(data)
    try:
        out_subject = " ".join(_compiled(subject, html=False).render(context).split())
        out_body = _compiled(body, html=False).render(context).strip()
        out_html = _compiled(html, html=True).render(context) if html else None
    except Exception as exc:  # a tenant's template may fail in any way; say so, never a 500
        raise TemplateInvalid(f"Não foi possível montar a mensagem: {exc}") from exc
    return Rendered(subject=out_subject[:300], body=out_body, html=out_html)


def variables(*sources: str | None) -> list[str]:
    """The data keys the templates read (for previews with sample data); sources must be
    valid (``validate`` first)."""
    found: set[str] = set()
    for source in sources:
        if source:
            found |= meta.find_undeclared_variables(_HTML.parse(source))
    return sorted(found)
