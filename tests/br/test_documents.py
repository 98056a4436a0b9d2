import contextlib
from random import Random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lastro.br.documents import (
    cnpj_check_digits,
    cpf_check_digits,
    format_cnpj,
    format_cpf,
    generate_cnpj,
    generate_cpf,
    is_valid_cnpj,
    is_valid_cpf,
    normalize_document,
    parse_cnpj,
    parse_cpf,
)
from lastro.br.errors import BrFormatError, DocumentError

# [published] vectors from the implementation notes (§4).
VALID_CPF = ["529.982.247-25", "123.456.789-09", "000.000.001-91", "52998224725"]
INVALID_CPF = ["529.982.247-26", "111.111.111-11"]
VALID_CNPJ = ["12ABC34501DE35", "12.ABC.345/01DE-35", "11.222.333/0001-81", "44.038.188/0001-32"]
INVALID_CNPJ = ["12ABC34501DE36", "11.222.333/0001-82", "00000000000000"]


@pytest.mark.parametrize("value", VALID_CPF)
def test_valid_cpf(value: str) -> None:
    assert is_valid_cpf(value)
    assert parse_cpf(value) == normalize_document(value)


@pytest.mark.parametrize("value", INVALID_CPF)
def test_invalid_cpf(value: str) -> None:
    assert not is_valid_cpf(value)
    with pytest.raises(DocumentError) as exc:
        parse_cpf(value)
    assert exc.value.code == "INVALID_CPF"
    assert exc.value.status == 422


def test_cpf_worked_example() -> None:
    assert cpf_check_digits("529982247") == "25"


def test_cpf_errors_say_what_is_wrong() -> None:
    with pytest.raises(DocumentError, match="esperado 25, encontrado 26"):
        parse_cpf("529.982.247-26")
    with pytest.raises(DocumentError, match="todos os dígitos iguais"):
        parse_cpf("111.111.111-11")
    with pytest.raises(DocumentError, match="11 dígitos"):
        parse_cpf("1234")
    with pytest.raises(DocumentError, match="apenas dígitos"):
        parse_cpf("5299822472A")


@pytest.mark.parametrize("value", VALID_CNPJ)
def test_valid_cnpj(value: str) -> None:
    assert is_valid_cnpj(value)


@pytest.mark.parametrize("value", INVALID_CNPJ)
def test_invalid_cnpj(value: str) -> None:
    with pytest.raises(DocumentError) as exc:
        parse_cnpj(value)
    assert exc.value.code == "INVALID_CNPJ"


def test_cnpj_rfb_worked_example_and_case() -> None:
    assert cnpj_check_digits("12ABC34501DE") == "35"
    assert parse_cnpj("12.abc.345/01de-35") == "12ABC34501DE35"  # normalised to upper case


def test_cnpj_letter_mapping_is_ascii_minus_48() -> None:
    # The A=10..Z=35 mapping seen in one library yields other digits; ours must not.
    assert cnpj_check_digits("12ABC34501DE") != "00"
    with pytest.raises(DocumentError, match="nos dígitos verificadores"):
        parse_cnpj("12ABC34501DEA5")


def test_formatting() -> None:
    assert format_cpf("52998224725") == "529.982.247-25"
    assert format_cnpj("12ABC34501DE35") == "12.ABC.345/01DE-35"
    assert format_cnpj("11222333000181") == "11.222.333/0001-81"
    with pytest.raises(DocumentError):
        format_cpf("52998224726")


def test_generators_produce_valid_documents() -> None:
    rng = Random(7)
    for _ in range(200):
        assert is_valid_cpf(generate_cpf(rng))
        assert is_valid_cnpj(generate_cnpj(rng))
        assert is_valid_cnpj(generate_cnpj(rng, alphanumeric=True, formatted=True))
    assert format_cpf(generate_cpf(rng, formatted=True))


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=30))
def test_parsers_raise_only_library_errors(text: str) -> None:
    for parse in (parse_cpf, parse_cnpj):
        with contextlib.suppress(BrFormatError):
            parse(text)
