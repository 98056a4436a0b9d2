import contextlib
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lastro.br._checks import mod10, mod11_arrecadacao
from lastro.br.arrecadacao import Arrecadacao, build_arrecadacao, parse_arrecadacao
from lastro.br.errors import ArrecadacaoError, BrFormatError

VALID = [  # [published, verified] implementation notes §1.8
    (
        "84670000000109910422023123100000000000054321",
        "846700000009 109910422020 312310000004 000000543215",
        "4",
        "6",
    ),
    (
        "83860000005096000190000008017823000034306271",
        "838600000050 096000190009 000801782309 000343062712",
        "3",
        "8",
    ),
    (
        "85820000000572503282035607082021053959190446",
        "858200000007 572503282030 560708202107 539591904460",
        "5",
        "8",
    ),
]


def test_febraban_worked_examples() -> None:
    assert mod10("01230067896") == 3
    assert mod11_arrecadacao("01230067896") == 0
    assert mod11_arrecadacao("01201611227") == 3


@pytest.mark.parametrize(("barcode", "linha", "segment", "value_id"), VALID)
def test_published_vectors(barcode: str, linha: str, segment: str, value_id: str) -> None:
    a = parse_arrecadacao(barcode)
    assert parse_arrecadacao(linha) == a
    assert (a.segment, a.value_id) == (segment, value_id)
    assert a.barcode == barcode
    assert a.linha_digitavel_formatada == linha


def test_energia_amount() -> None:
    assert parse_arrecadacao(VALID[1][0]).amount == Decimal("509.60")


def test_gps_line_mod11() -> None:
    a = parse_arrecadacao("858200000015 669802701162 300012800189 672220251130")
    assert a.value_id == "8"
    assert a.amount == Decimal("166.98")


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (
            "84670000000 9 10991042202 1 31231000000 4 00000054321 5",
            "ARRECADACAO_BLOCK_CHECK_DIGIT",
        ),
        ("80670000000109910422023123100000000000054321", "ARRECADACAO_INVALID_SEGMENT"),
        ("84070000000109910422023123100000000000054321", "ARRECADACAO_INVALID_VALUE_ID"),
        ("84680000000109910422023123100000000000054321", "ARRECADACAO_GENERAL_CHECK_DIGIT"),
        ("1234", "ARRECADACAO_INVALID_LENGTH"),
        ("", "ARRECADACAO_EMPTY"),
    ],
)
def test_invalid(text: str, code: str) -> None:
    with pytest.raises(ArrecadacaoError) as exc:
        parse_arrecadacao(text)
    assert exc.value.code == code


def test_block_error_names_block() -> None:
    with pytest.raises(ArrecadacaoError) as exc:
        parse_arrecadacao("84670000000 9 10991042202 1 31231000000 4 00000054321 5")
    assert exc.value.extra["block"] == 2
    assert "bloco 2" in exc.value.detail


def test_segment_six_carries_cnpj_root() -> None:
    a = build_arrecadacao("6", "8", Decimal("99.90"), "11222333", "0" * 21)
    assert a.cnpj_root == "11222333"
    assert parse_arrecadacao(a.linha_digitavel) == a


@st.composite
def slips(draw: st.DrawFn) -> Arrecadacao:
    segment = draw(st.sampled_from("12345679"))
    value_id = draw(st.sampled_from("6789"))
    company = 8 if segment == "6" else 4
    return build_arrecadacao(
        segment,
        value_id,
        Decimal(draw(st.integers(0, 10**11 - 1))).scaleb(-2),
        draw(st.from_regex(rf"[0-9]{{{company}}}", fullmatch=True)),
        draw(st.from_regex(rf"[0-9]{{{29 - company}}}", fullmatch=True)),
    )


@settings(max_examples=100, deadline=None)
@given(slips())
def test_roundtrip(slip: Arrecadacao) -> None:
    assert parse_arrecadacao(slip.barcode) == slip
    assert parse_arrecadacao(slip.linha_digitavel_formatada) == slip
    assert slip.amount is None if slip.value_id in "79" else slip.amount == slip.value


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60) | st.from_regex(r"8[0-9 ]{43,50}", fullmatch=True))
def test_parser_raises_only_library_errors(text: str) -> None:
    with contextlib.suppress(BrFormatError):
        parse_arrecadacao(text)
