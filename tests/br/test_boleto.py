import contextlib
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lastro.br.boleto import (
    Boleto,
    build_boleto,
    decode_fator_vencimento,
    fator_vencimento,
    parse_barcode,
    parse_boleto,
    parse_linha_digitavel,
)
from lastro.br.errors import BoletoError, BrFormatError

FACTORS = [  # [published/verified] then [computed], implementation notes §1.4
    ("2000-07-03", 1000),
    ("2014-01-18", 5947),
    ("2014-03-12", 6000),
    ("2017-01-21", 7046),
    ("2022-05-10", 8981),
    ("2025-02-21", 9999),
    ("2025-02-22", 1000),
    ("2025-02-23", 1001),
    ("2025-03-05", 1011),
    ("2026-07-01", 1494),
    ("2026-12-15", 1661),
    ("2027-01-01", 1678),
    ("2049-10-13", 9999),
    ("2049-10-14", 1000),
]


@pytest.mark.parametrize(("due", "factor"), FACTORS)
def test_fator_vencimento(due: str, factor: int) -> None:
    assert fator_vencimento(date.fromisoformat(due)) == factor


@pytest.mark.parametrize(
    ("factor", "today", "expected"),
    [
        (9934, "2026-11-01", "2024-12-18"),  # not 2049-08-09
        (1000, "2026-11-01", "2025-02-22"),
        (8981, "2022-05-01", "2022-05-10"),
    ],
)
def test_decode_window(factor: int, today: str, expected: str) -> None:
    got = decode_fator_vencimento(factor, date.fromisoformat(today))
    assert got == date.fromisoformat(expected)


def test_decode_special_factors() -> None:
    assert decode_fator_vencimento(0, date(2026, 1, 1)) is None
    with pytest.raises(BoletoError) as exc:
        decode_fator_vencimento(999, date(2026, 1, 1))
    assert exc.value.code == "BOLETO_UNKNOWN_FACTOR"


def test_factor_in_window_gap_is_unknown() -> None:
    today = date(2026, 11, 1)
    gap_day = today + timedelta(days=5700)  # > 5500 ahead and < 9000 - 3000 behind
    with pytest.raises(BoletoError, match="janela"):
        decode_fator_vencimento(fator_vencimento(gap_day), today)


VALID = [  # [published] implementation notes §1.7
    (
        "10499898100000214032006561000100040099726390",
        "10492.00650 61000.100042 00997.263900 9 89810000021403",
        "104",
        date(2022, 5, 10),
        Decimal("214.03"),
        date(2022, 5, 1),
    ),
    (
        "23797000000000000004150090019801673500021140",
        "23794.15009 90019.801670 35000.211405 7 00000000000000",
        "237",
        None,
        Decimal("0.00"),
        date(2022, 5, 1),
    ),
    (
        "00193373700000001000500940144816060680935031",
        "00190.50095 40144.816069 06809.350314 3 37370000000100",
        "001",
        date(2007, 12, 31),
        Decimal("1.00"),
        date(2008, 1, 1),
    ),
]


@pytest.mark.parametrize(("barcode", "linha", "bank", "due", "amount", "today"), VALID)
def test_published_vectors(
    barcode: str, linha: str, bank: str, due: date | None, amount: Decimal, today: date
) -> None:
    from_bar = parse_barcode(barcode, today=today)
    from_line = parse_linha_digitavel(linha, today=today)
    assert from_bar == from_line
    assert (from_bar.bank_code, from_bar.due_date, from_bar.amount) == (bank, due, amount)
    assert from_bar.barcode == barcode
    assert from_bar.linha_digitavel_formatada == linha
    assert from_bar.linha_digitavel == linha.replace(".", "").replace(" ", "")
    assert parse_boleto(linha.replace(" ", "").replace(".", ""), today=today) == from_bar


def test_worked_split_of_row_one() -> None:
    b = parse_boleto(VALID[0][0], today=date(2022, 5, 1))
    assert b.free_field == "2006561000100040099726390"
    assert b.general_dv == 9
    assert b.fator_vencimento == 8981
    assert b.amount_cents == 21403


@pytest.mark.parametrize(
    ("linha", "code", "fragment"),
    [
        (
            "10492006516100010004200997263900989810000021403",
            "BOLETO_FIELD_CHECK_DIGIT",
            "campo 1",
        ),
        ("10492006506100010004200997263900889810000021403", "BOLETO_GENERAL_CHECK_DIGIT", "9"),
        ("10492006506100010004200997263900989810009021403", "BOLETO_GENERAL_CHECK_DIGIT", ""),
    ],
)
def test_invalid_vectors(linha: str, code: str, fragment: str) -> None:
    with pytest.raises(BoletoError) as exc:
        parse_boleto(linha, today=date(2022, 5, 1))
    assert exc.value.code == code
    assert fragment in exc.value.detail


def test_field_two_and_three_dv() -> None:
    good = "10492006506100010004200997263900989810000021403"
    for pos, field in ((20, 2), (31, 3)):
        bad = good[:pos] + str((int(good[pos]) + 1) % 10) + good[pos + 1 :]
        with pytest.raises(BoletoError) as exc:
            parse_boleto(bad, today=date(2022, 5, 1))
        assert exc.value.extra["field"] == field


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "BOLETO_EMPTY"),
        ("1234", "BOLETO_INVALID_LENGTH"),
        ("1049989810000021403200656100010004009972639X", "BOLETO_INVALID_CHARACTERS"),
        ("84670000000109910422023123100000000000054321", "BOLETO_IS_ARRECADACAO"),
        ("10419898100000214032006561000100040099726390", "BOLETO_INVALID_CURRENCY"),
    ],
)
def test_shape_errors(text: str, code: str) -> None:
    with pytest.raises(BoletoError) as exc:
        parse_boleto(text, today=date(2022, 5, 1))
    assert exc.value.code == code


def test_build_checks_parts() -> None:
    with pytest.raises(BoletoError, match="2 casas"):
        build_boleto("001", date(2026, 1, 1), Decimal("1.001"), "0" * 25)
    with pytest.raises(BoletoError):
        build_boleto("001", date(2026, 1, 1), Decimal("-1"), "0" * 25)
    with pytest.raises(BoletoError):
        build_boleto("01", date(2026, 1, 1), 1, "0" * 25)
    with pytest.raises(BoletoError):
        build_boleto("001", date(2026, 1, 1), 1, "0" * 24)
    with pytest.raises(BoletoError, match="03/07/2000"):
        build_boleto("001", date(2000, 1, 1), 1, "0" * 25)
    with pytest.raises(BoletoError) as exc:
        build_boleto("001", date(2045, 1, 1), 1, "0" * 25, today=date(2026, 1, 1))
    assert exc.value.code == "BOLETO_DUE_DATE_OUT_OF_WINDOW"


def test_build_renders_published_vector() -> None:
    b = build_boleto("104", date(2022, 5, 10), Decimal("214.03"), "2006561000100040099726390")
    assert b.barcode == VALID[0][0]
    assert b.linha_digitavel_formatada == VALID[0][1]


@st.composite
def boletos(draw: st.DrawFn) -> tuple[Boleto, date]:
    today = draw(st.dates(date(2001, 1, 1), date(2090, 1, 1)))
    due = draw(st.none() | st.dates(today - timedelta(days=3000), today + timedelta(days=5500)))
    if due is not None and due < date(2000, 7, 3):
        due = date(2000, 7, 3) if today - timedelta(days=3000) <= date(2000, 7, 3) else None
    bank = draw(st.from_regex(r"[0-7][0-9]{2}|9[0-9]{2}", fullmatch=True))
    cents = draw(st.integers(0, 99_999_999_99))
    free = draw(st.from_regex(r"[0-9]{25}", fullmatch=True))
    return build_boleto(bank, due, Decimal(cents).scaleb(-2), free), today


@settings(max_examples=150, deadline=None)
@given(boletos())
def test_build_render_parse_roundtrip(case: tuple[Boleto, date]) -> None:
    boleto, today = case
    assert parse_barcode(boleto.barcode, today=today) == boleto
    assert parse_linha_digitavel(boleto.linha_digitavel, today=today) == boleto
    assert parse_boleto(boleto.linha_digitavel_formatada, today=today) == boleto
    assert len(boleto.barcode) == 44
    assert boleto.barcode[4] != "0"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60) | st.from_regex(r"[0-9 .]{40,50}", fullmatch=True))
def test_parser_raises_only_library_errors(text: str) -> None:
    with contextlib.suppress(BrFormatError):
        parse_boleto(text, today=date(2026, 1, 1))
