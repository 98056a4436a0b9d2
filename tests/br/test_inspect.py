import json
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lastro.br.inspect import KINDS, inspect_text

TODAY = date(2022, 5, 1)
BCB = (
    "00020126580014br.gov.bcb.pix0136123e4567-e12b-12d1-a456-4266554400005204000053039865802BR"
    "5913Fulano de Tal6008BRASILIA62070503***63041D3D"
)


def check(text: str, kind: str, valid: bool, today: date = TODAY) -> dict[str, object]:
    result = inspect_text(text, today=today)
    json.dumps(result)
    assert (result["kind"], result["valid"]) == (kind, valid), result
    if not valid:
        error = result["error"]
        assert isinstance(error, dict)
        assert error["code"].isupper() and error["detail"]
    return result


def test_boleto() -> None:
    r = check("10492.00650 61000.100042 00997.263900 9 89810000021403", "boleto", True)
    f = r["fields"]
    assert isinstance(f, dict)
    assert f["bank_code"] == "104" and f["due_date"] == "2022-05-10" and f["amount"] == "214.03"
    assert f["barcode"] == "10499898100000214032006561000100040099726390"
    assert f["linha_digitavel"] == "10492006506100010004200997263900989810000021403"
    r = check("23797000000000000004150090019801673500021140", "boleto", True)
    assert r["fields"]["due_date"] is None  # type: ignore[index]


def test_boleto_with_bank_fields() -> None:
    r = check(
        "03399.18997 77500.009004 00267.001022 8 51150000002500", "boleto", True, date(2011, 10, 1)
    )
    assert r["fields"]["bank_fields"]["nosso_numero_formatado"] == "000090000267-0"  # type: ignore[index]


def test_invalid_boleto_keeps_kind_and_says_which_field() -> None:
    r = check("10492006516100010004200997263900989810000021403", "boleto", False)
    assert r["error"]["code"] == "BOLETO_FIELD_CHECK_DIGIT"  # type: ignore[index]
    assert "campo 1" in r["error"]["detail"] and "esperado 0" in r["error"]["detail"]  # type: ignore[index]
    r = check("10492006506100010004200997263900889810000021403", "boleto", False)
    assert r["error"]["code"] == "BOLETO_GENERAL_CHECK_DIGIT"  # type: ignore[index]


def test_arrecadacao() -> None:
    r = check("846700000009 109910422020 312310000004 000000543215", "arrecadacao", True)
    f = r["fields"]
    assert f["segment"] == "4" and f["value_id"] == "6" and f["amount"] == "10.99"  # type: ignore[index]
    assert f["barcode"] == "84670000000109910422023123100000000000054321"  # type: ignore[index]
    check("84670000000 9 10991042202 1 31231000000 4 00000054321 5", "arrecadacao", False)


def test_br_code() -> None:
    r = check(BCB, "pix_br_code", True)
    f = r["fields"]
    assert f["key"] == "123e4567-e12b-12d1-a456-426655440000"  # type: ignore[index]
    assert f["amount"] is None and f["txid"] == "***" and f["crc"] == "1D3D"  # type: ignore[index]
    assert f["merchant_name"] == "Fulano de Tal" and f["merchant_city"] == "BRASILIA"  # type: ignore[index]
    r = check(BCB[:-1] + "E", "pix_br_code", False)
    assert r["error"]["code"] == "PIX_INVALID_CRC"  # type: ignore[index]


@pytest.mark.parametrize(
    ("text", "kind", "valid", "formatted"),
    [
        ("529.982.247-25", "cpf", True, "529.982.247-25"),
        ("52998224726", "cpf", False, None),
        ("12ABC34501DE35", "cnpj", True, "12.ABC.345/01DE-35"),
        ("12.abc.345/01de-35", "cnpj", True, "12.ABC.345/01DE-35"),
        ("11.222.333/0001-82", "cnpj", False, None),
        ("12ABC34501DE36", "cnpj", False, None),
    ],
)
def test_documents(text: str, kind: str, valid: bool, formatted: str | None) -> None:
    r = check(text, kind, valid)
    if valid:
        assert r["fields"]["formatted"] == formatted  # type: ignore[index]


@pytest.mark.parametrize(
    ("text", "valid", "key_type"),
    [
        ("fulano@example.com", True, "email"),
        ("+5511987654321", True, "phone"),
        ("123e4567-e12b-12d1-a456-426655440000", True, "evp"),
        ("+15551234567", False, "phone"),
        ("a@@b", False, "email"),
    ],
)
def test_pix_keys(text: str, valid: bool, key_type: str) -> None:
    r = check(text, "pix_key", valid)
    assert r["fields"]["key_type"] == key_type  # type: ignore[index]


def test_end_to_end_id() -> None:
    r = check("E3240250220210615135810450327042", "end_to_end_id", True)
    assert r["fields"]["ispb"] == "32402502"  # type: ignore[index]
    check("E324025022021061513581045032704", "end_to_end_id", False)


def test_unknown() -> None:
    for text in ("", "hello world", "12345"):
        check(text, "unknown", False)


def test_today_moves_the_window() -> None:
    a = inspect_text("00193373700000001000500940144816060680935031", today=date(2008, 1, 1))
    b = inspect_text("00193373700000001000500940144816060680935031", today=date(2026, 1, 1))
    assert a["fields"]["due_date"] == "2007-12-31"
    assert b["fields"]["due_date"] == "2032-08-21"


@settings(max_examples=300)
@given(
    st.text(max_size=80)
    | st.from_regex(r"[0-9 .]{10,50}", fullmatch=True)
    | st.builds(lambda s: "000201" + s, st.text(max_size=100))
)
def test_never_raises_and_is_json(text: str) -> None:
    result = inspect_text(text, today=TODAY)
    json.dumps(result)
    assert result["kind"] in KINDS
    assert isinstance(result["valid"], bool)
    assert result["valid"] or result["error"]["code"]
