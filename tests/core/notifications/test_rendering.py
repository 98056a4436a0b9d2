"""Rendering tenants' templates: sandboxed, autoescaped HTML, pt-BR filters, clear errors."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from lastro.core.notifications.email import OutgoingEmail, build_message
from lastro.core.notifications.rendering import TemplateInvalid, render, validate
from lastro.core.notifications.service import normalise_phone
from lastro.core.web.branding import brand_for


def test_renders_text_and_escapes_html_with_brazilian_filters() -> None:
    out = render(
        "Fatura de {{ valor | brl }}",
        "Vence em {{ dia | data }} às {{ quando | data_hora }}.",
        "<p>{{ nome }}</p>",
        {
            "valor": Decimal("1234.5"),
            "dia": date(2026, 12, 5),
            "quando": datetime(2026, 12, 5, 15, 0, tzinfo=UTC),
            "nome": "<script>alert(1)</script>",
        },
    )
    assert out.subject == "Fatura de R$ 1.234,50"
    assert out.body == "Vence em 05/12/2026 às 05/12/2026 12:00."  # São Paulo time
    assert out.html == "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"


def test_missing_variables_render_empty_rather_than_failing_the_caller() -> None:
    assert render("Oi {{ nome }}", "x", None, {}).subject == "Oi"


def test_the_sandbox_refuses_reaching_python_internals() -> None:
    with pytest.raises(TemplateInvalid):
        render("{{ ''.__class__.__mro__[1].__subclasses__() }}", "x", None, {})
    with pytest.raises(TemplateInvalid):
        render("x", "{{ dados.update({'a': 1}) }}", None, {"dados": {}})  # immutable sandbox


def test_syntax_errors_name_the_field_and_line() -> None:
    with pytest.raises(TemplateInvalid) as caught:
        validate("ok", "linha 1\n{% if x %}sem fim", None)
    assert caught.value.status == 422 and caught.value.code == "TEMPLATE_INVALID"
    assert caught.value.extra["field"] == "body" and "linha" in caught.value.detail


def test_email_is_html_on_the_tenant_brand_with_a_text_alternative() -> None:
    brand = brand_for(
        "Empresa X",
        {"name": "Banco Azul", "primary_color": "#1234ab", "logo_url": "https://cdn.x.com/l.png"},
    )
    message = build_message(
        OutgoingEmail(
            to="ana@example.com",
            to_name="Ana",
            subject="Olá",
            text="Linha 1\n\n<b>não é html</b>",
            html=None,
            brand=brand,
            locale="pt-BR",
            notification_id="n1",
        ),
        "avisos@lastro.example",
    )
    assert message["From"] == "Banco Azul <avisos@lastro.example>"
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and "<b>não é html</b>" in text.get_content()
    assert html is not None
    content = html.get_content()
    assert "#1234ab" in content and "https://cdn.x.com/l.png" in content
    assert "&lt;b&gt;não é html&lt;/b&gt;" in content


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("(11) 98765-4321", "+5511987654321"),
        ("+55 11 98765-4321", "+5511987654321"),
        ("+1 415 555 0100", "+14155550100"),
        ("123", None),
        ("", None),
    ],
)
def test_phones_become_e164(raw: str, expected: str | None) -> None:
    assert normalise_phone(raw) == expected
