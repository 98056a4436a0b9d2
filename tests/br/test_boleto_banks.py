from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lastro.br.boleto import parse_boleto
from lastro.br.boleto_banks import (
    BancoBrasilConvenio6,
    BancoBrasilConvenio7,
    Bradesco,
    Caixa,
    Itau,
    Santander,
    Sicoob,
    bb_nosso_numero_dv,
    boleto_from_layout,
    bradesco_nosso_numero_dv,
    caixa_dv,
    parse_free_field,
    santander_nosso_numero_dv,
)
from lastro.br.errors import BoletoError

# [published] vectors from brcobranca's bank specs (kivanio/brcobranca spec/brcobranca/boleto).


def test_banco_do_brasil() -> None:
    layout = BancoBrasilConvenio7("1238798", "7777700168", "18")
    assert layout.free_field == "0000001238798777770016818"
    b = boleto_from_layout(layout, date(2008, 2, 3), Decimal("723.56"))
    assert b.barcode == "00195377100000723560000001238798777770016818"
    assert b.linha_digitavel_formatada == "00190.00009 01238.798779 77700.168188 5 37710000072356"
    six = BancoBrasilConvenio6("123879", "1234", "4042", "61900", "18")
    assert six.free_field == "1238790123440420006190018"
    assert [
        bb_nosso_numero_dv(n)
        for n in ("12387989000004042", "12387989000061900", "12387989000000719")
    ] == ["4", "7", "2"]


def test_bradesco() -> None:
    layout = Bradesco("1172", "06", "75896452", "0403005")
    assert layout.free_field == "1172060007589645204030050"
    b = boleto_from_layout(layout, date(2009, 4, 30), Decimal("2952.95"))
    assert b.barcode == "23795422300002952951172060007589645204030050"
    assert b.linha_digitavel_formatada == "23791.17209 60007.589645 52040.300502 5 42230000295295"
    cases = [("06", "00000000525", "P"), ("09", "00000000001", "1"), ("19", "00000000002", "8")]
    cases += [("19", "00000000006", "0"), ("19", "00000000001", "P")]
    for carteira, numero, dv in cases:
        assert bradesco_nosso_numero_dv(carteira, numero) == dv
    assert Bradesco("1", "06", "525", "1").nosso_numero_formatado == "06/00000000525-P"


def test_itau() -> None:
    layout = Itau("175", "12345678", "0810", "53678")
    assert layout.free_field == "1751234567840810536789000"
    b = boleto_from_layout(layout, date(2009, 8, 14), 0)
    assert b.barcode == "34191432900000000001751234567840810536789000"
    assert b.linha_digitavel_formatada == "34191.75124 34567.840813 05367.890000 1 43290000000000"
    layout = Itau("109", "00010152", "1248", "02124")
    b = boleto_from_layout(layout, date(2029, 5, 20), Decimal("6757.87"))
    assert b.barcode == "34194254800006757871090001015271248021246000"
    special = Itau("196", "258281", seu_numero="1234567", cliente="12345")
    assert special.free_field == "1960025828112345671234550"
    assert Itau("196", "258281", seu_numero="123456", cliente="1234").free_field == (
        "1960025828101234560123440"
    )


def test_santander() -> None:
    layout = Santander("1899775", "90000267", carteira="102")
    b = boleto_from_layout(layout, date(2011, 10, 9), Decimal("25.00"))
    assert b.barcode == "03398511500000025009189977500009000026700102"
    assert b.linha_digitavel_formatada == "03399.18997 77500.009004 00267.001022 8 51150000002500"
    layout = Santander("1899775", "90002720", carteira="102")
    b = boleto_from_layout(layout, date(2012, 9, 8), Decimal("54.00"))
    assert b.barcode == "03399545000000054009189977500009000272070102"
    assert [santander_nosso_numero_dv(n) for n in ("566612457800", "000090002720")] == ["2", "7"]
    assert santander_nosso_numero_dv("000001961005") == "0"


def test_caixa() -> None:
    layout = Caixa("245274", "000000000000001")
    assert layout.free_field == "2452740000100040000000017"
    assert layout.nosso_numero_formatado == "14000000000000001-4"
    assert caixa_dv("245274") == "0"
    assert caixa_dv("654321") == "9"


def test_sicoob_computed() -> None:
    # [computed] with the 3197 weights of Sicoob's manual (brcobranca's implementation).
    layout = Sicoob("3007", "318957", "240")
    assert layout.free_field == "1300701031895700002404001"
    assert layout.nosso_numero_formatado == "0000240-4"


LAYOUTS = [
    ("001", BancoBrasilConvenio7("1238798", "7777700168", "18")),
    ("001", BancoBrasilConvenio6("123879", "1234", "4042", "61900", "18")),
    ("237", Bradesco("1172", "06", "75896452", "0403005")),
    ("341", Itau("175", "12345678", "0810", "53678")),
    ("341", Itau("198", "1", seu_numero="7", cliente="9")),
    ("033", Santander("1899775", "90000267", carteira="102")),
    ("104", Caixa("245274", "000000000000001")),
    ("756", Sicoob("3007", "318957", "240")),
]


@pytest.mark.parametrize(("bank", "layout"), LAYOUTS)
def test_parse_free_field_roundtrip(bank: str, layout: object) -> None:
    assert parse_free_field(bank, layout.free_field) == layout  # type: ignore[attr-defined]


@pytest.mark.parametrize(("bank", "layout"), LAYOUTS[2:])
def test_free_field_internal_dv_is_checked(bank: str, layout: object) -> None:
    ff = layout.free_field  # type: ignore[attr-defined]
    failures = 0
    for i in range(25):
        bad = ff[:i] + str((int(ff[i]) + 1) % 10) + ff[i + 1 :]
        try:
            if parse_free_field(bank, bad) != layout:
                continue
        except BoletoError as exc:
            assert exc.code.startswith("BOLETO_")
            failures += 1
    assert failures >= 1


def test_unknown_bank_and_bad_input() -> None:
    with pytest.raises(BoletoError) as exc:
        parse_free_field("999", "0" * 25)
    assert exc.value.code == "BOLETO_UNKNOWN_BANK_LAYOUT"
    with pytest.raises(BoletoError):
        Bradesco("12345", "06", "1", "1")
    with pytest.raises(BoletoError):
        Itau("175", "1", seu_numero="1")


@settings(max_examples=60, deadline=None)
@given(
    st.integers(0, 9999),
    st.integers(0, 10**7 - 1),
    st.integers(0, 10**11 - 1),
    st.integers(0, 99),
)
def test_bank_layouts_roundtrip_through_boleto(ag: int, conta: int, nn: int, cart: int) -> None:
    today = date(2026, 6, 1)
    for layout in (
        Bradesco(str(ag), str(cart), str(nn), str(conta)),
        Itau("109", str(nn % 10**8), str(ag), str(conta % 10**5)),
        Santander(str(conta), str(nn), carteira="101"),
        Caixa(str(conta % 10**6), str(nn)),
        Sicoob(str(ag), str(conta), str(nn % 10**7)),
        BancoBrasilConvenio7(str(conta), str(nn % 10**10), "17"),
    ):
        boleto = boleto_from_layout(layout, date(2026, 7, 1), Decimal("10.00"), today=today)
        parsed = parse_boleto(boleto.linha_digitavel, today=today)
        assert parse_free_field(parsed.bank_code, parsed.free_field) == layout
