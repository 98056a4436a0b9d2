import contextlib
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lastro.br.errors import BrFormatError, MoneyTextError
from lastro.br.money_text import format_brl, numero_por_extenso, valor_por_extenso


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        ("1234.56", "R$ 1.234,56"),
        ("0", "R$ 0,00"),
        ("-1234.5", "-R$ 1.234,50"),
        ("1000000", "R$ 1.000.000,00"),
        (7, "R$ 7,00"),
    ],
)
def test_format_brl(amount: str, text: str) -> None:
    assert format_brl(amount) == text


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("1234.56", "mil duzentos e trinta e quatro reais e cinquenta e seis centavos"),
        ("1", "um real"),
        ("1000000", "um milhão de reais"),
        ("2000000", "dois milhões de reais"),
        ("1500000000", "um bilhão e quinhentos milhões de reais"),
        ("0.01", "um centavo"),
        ("0.50", "cinquenta centavos"),
        ("1.01", "um real e um centavo"),
        ("100", "cem reais"),
        ("101", "cento e um reais"),
        ("1000", "mil reais"),
        ("1001", "mil e um reais"),
        ("1100", "mil e cem reais"),
        ("2500000", "dois milhões e quinhentos mil reais"),
        ("1000001", "um milhão e um reais"),
        ("14", "catorze reais"),
        ("0", "zero reais"),
        ("-5", "menos cinco reais"),
        (
            "1234567.89",
            "um milhão duzentos e trinta e quatro mil quinhentos e sessenta e sete reais "
            "e oitenta e nove centavos",
        ),
    ],
)
def test_valor_por_extenso(amount: str, words: str) -> None:
    assert valor_por_extenso(Decimal(amount)) == words


def test_errors() -> None:
    with pytest.raises(MoneyTextError):
        format_brl("1.001")
    with pytest.raises(MoneyTextError):
        valor_por_extenso(Decimal("1e15"))
    with pytest.raises(MoneyTextError):
        valor_por_extenso("abc")
    with pytest.raises(MoneyTextError):
        numero_por_extenso(-1)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 10**15 - 1))
def test_every_number_has_words(n: int) -> None:
    words = numero_por_extenso(n)
    assert words and "  " not in words and not words.endswith(" e")


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=20))
def test_raise_only_library_errors(text: str) -> None:
    for fn in (format_brl, valor_por_extenso):
        with contextlib.suppress(BrFormatError):
            fn(text)
