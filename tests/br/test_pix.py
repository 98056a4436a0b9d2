import contextlib
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lastro.br.errors import BrFormatError, PixError
from lastro.br.pix import (
    BrCode,
    PixKeyType,
    br_code_qr_png,
    br_code_qr_svg,
    crc16,
    detect_pix_key_type,
    dynamic_br_code,
    generate_end_to_end_id,
    is_valid_end_to_end_id,
    parse_br_code,
    parse_end_to_end_id,
    parse_pix_key,
    static_br_code,
)

# [published] BCB manual canonical static example (implementation notes §3.4).
BCB = (
    "00020126580014br.gov.bcb.pix0136123e4567-e12b-12d1-a456-4266554400005204000053039865802BR"
    "5913Fulano de Tal6008BRASILIA62070503***63041D3D"
)


def test_crc_check_value() -> None:
    assert crc16("123456789") == "29B1"


def test_bcb_example() -> None:
    code = parse_br_code(BCB)
    assert code.key == "123e4567-e12b-12d1-a456-426655440000"
    assert (code.merchant_name, code.merchant_city, code.txid) == (
        "Fulano de Tal",
        "BRASILIA",
        "***",
    )
    assert code.amount is None and not code.is_dynamic
    assert code.crc == "1D3D"
    assert code.render() == BCB


def test_wrong_crc() -> None:
    with pytest.raises(PixError) as exc:
        parse_br_code(BCB[:-1] + "E")
    assert exc.value.code == "PIX_INVALID_CRC"
    assert "1D3D" in exc.value.detail


def test_right_crc_wrong_structure_is_rejected() -> None:
    # The published trap: tag 62 declares 08 for a 7-character value and the CRC is
    # computed over that very string, so a CRC-only validator accepts it.
    body = BCB[: BCB.index("6207")] + "62080503***6304"
    payload = body + crc16(body)
    with pytest.raises(PixError) as exc:
        parse_br_code(payload)
    assert exc.value.code == "PIX_TLV_TRUNCATED"


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ("", "PIX_INVALID_PAYLOAD"),
        ("0002010", "PIX_TLV_TRUNCATED"),
        ("00AB01", "PIX_TLV_INVALID"),
        ("000202" + BCB[6:-8], "PIX_MISSING_TAG"),
    ],
)
def test_structure_errors(payload: str, code: str) -> None:
    with pytest.raises(PixError) as exc:
        parse_br_code(payload)
    assert exc.value.code == code


def _with_crc(body: str) -> str:
    return body + "6304" + crc16(body + "6304")


def test_missing_required_tag_with_valid_crc() -> None:
    no_city = BCB[: BCB.index("6008")] + "62070503***"
    with pytest.raises(PixError) as exc:
        parse_br_code(_with_crc(no_city))
    assert exc.value.code == "PIX_MISSING_TAG"
    assert "60" in exc.value.detail


def test_duplicate_tag_and_limits() -> None:
    dup = BCB[: BCB.index("6207")] + "6008BRASILIA62070503***"
    with pytest.raises(PixError) as exc:
        parse_br_code(_with_crc(dup))
    assert exc.value.code == "PIX_DUPLICATE_TAG"
    long_name = BCB.replace("5913Fulano de Tal", "5926" + "A" * 26)[:-8]
    with pytest.raises(PixError) as exc:
        parse_br_code(_with_crc(long_name))
    assert exc.value.code == "PIX_LENGTH_LIMIT"


def test_static_generation_limits() -> None:
    code = static_br_code(
        "529.982.247-25", "José da Silva", "São Paulo", "10.5", "ABC123", "pagamento"
    )
    assert code.key == "52998224725"
    assert code.merchant_name == "Jose da Silva"
    assert code.amount == Decimal("10.50")
    assert "540510.50" in code.render()
    assert parse_br_code(code.render()) == code
    with pytest.raises(PixError):
        static_br_code("52998224725", "A" * 26, "SP")
    with pytest.raises(PixError):
        static_br_code("52998224725", "A", "C" * 16)
    with pytest.raises(PixError):
        static_br_code("52998224725", "A", "SP", txid="A" * 26)
    with pytest.raises(PixError):
        static_br_code("52998224725", "A", "SP", txid="abc-1")
    with pytest.raises(PixError):
        static_br_code("52998224725", "A", "SP", amount="0")
    with pytest.raises(PixError):
        static_br_code("52998224725", "A", "SP", amount="10000000000.00")
    with pytest.raises(PixError) as exc:
        static_br_code("52998224725", "A", "SP", description="x" * 70)
    assert "26" in exc.value.detail


def test_dynamic_generation() -> None:
    code = dynamic_br_code("https://pix.example.com/qr/v2/9d36b84f", "Loja", "Rio de Janeiro")
    payload = code.render()
    assert "010212" in payload and "2530pix.example.com/qr/v2/9d36b84f" in payload
    assert parse_br_code(payload) == code and code.is_dynamic
    with pytest.raises(PixError):
        dynamic_br_code("https://" + "a" * 80, "Loja", "Rio")


@pytest.mark.parametrize(
    ("key", "kind", "value"),
    [
        ("529.982.247-25", PixKeyType.CPF, "52998224725"),
        ("12.ABC.345/01DE-35", PixKeyType.CNPJ, "12ABC34501DE35"),
        ("11222333000181", PixKeyType.CNPJ, "11222333000181"),
        ("Fulano@Example.com", PixKeyType.EMAIL, "fulano@example.com"),
        ("+5511987654321", PixKeyType.PHONE, "+5511987654321"),
        ("+556133334444", PixKeyType.PHONE, "+556133334444"),
        (
            "123E4567-E12B-12D1-A456-426655440000",
            PixKeyType.EVP,
            "123e4567-e12b-12d1-a456-426655440000",
        ),
    ],
)
def test_pix_keys(key: str, kind: PixKeyType, value: str) -> None:
    parsed = parse_pix_key(key)
    assert (parsed.key_type, parsed.value) == (kind, value)
    assert detect_pix_key_type(key) is kind


@pytest.mark.parametrize(
    ("key", "code"),
    [
        ("52998224726", "PIX_KEY_INVALID_CPF"),
        ("12ABC34501DE36", "PIX_KEY_INVALID_CNPJ"),
        ("+15551234567", "PIX_KEY_INVALID_PHONE"),
        ("+5501987654321", "PIX_KEY_INVALID_PHONE"),
        ("a@@b", "PIX_KEY_INVALID_EMAIL"),
        ("x" * 70 + "@example.com", "PIX_KEY_INVALID_EMAIL"),
        ("123e4567-e12b-12d1-a456-42665544000", "PIX_KEY_INVALID_EVP"),
        ("hello", "PIX_KEY_UNKNOWN_TYPE"),
        ("", "PIX_KEY_EMPTY"),
    ],
)
def test_invalid_pix_keys(key: str, code: str) -> None:
    with pytest.raises(PixError) as exc:
        parse_pix_key(key)
    assert exc.value.code == code


def test_qr_rendering() -> None:
    svg = br_code_qr_svg(BCB)
    assert svg.startswith("<svg") and "</svg>" in svg
    png = br_code_qr_png(BCB)
    assert png.startswith(b"\x89PNG")


def test_end_to_end_ids() -> None:
    e = parse_end_to_end_id("E3240250220210615135810450327042")
    assert e.ispb == "32402502"
    assert e.created_at == datetime(2021, 6, 15, 13, 58, tzinfo=UTC)
    assert is_valid_end_to_end_id("E73856642202309201429bZKfklNlbwu")
    assert not is_valid_end_to_end_id("E324025022021061513581045032704")  # 31 chars
    assert not is_valid_end_to_end_id("E3240250220210615135810450327_42")
    assert not is_valid_end_to_end_id("E3240250220211315135810450327042")  # month 13
    brt = timezone(timedelta(hours=-3))
    made = generate_end_to_end_id("32402502", datetime(2021, 6, 15, 10, 58, tzinfo=brt))
    assert made.startswith("E32402502202106151358") and is_valid_end_to_end_id(made)
    assert generate_end_to_end_id("32402502", datetime(2021, 6, 15, tzinfo=UTC)) != made
    with pytest.raises(PixError):
        generate_end_to_end_id("3240250", datetime(2021, 6, 15, tzinfo=UTC))
    with pytest.raises(PixError):
        generate_end_to_end_id("32402502", datetime(2021, 6, 15))  # noqa: DTZ001
    rtr = generate_end_to_end_id("32402502", datetime(2021, 6, 15, tzinfo=UTC), prefix="D")
    assert parse_end_to_end_id(rtr).is_return


name = st.text(st.characters(min_codepoint=32, max_codepoint=126), min_size=1, max_size=25)
city = st.text(st.characters(min_codepoint=32, max_codepoint=126), min_size=1, max_size=15)


@st.composite
def br_codes(draw: st.DrawFn) -> BrCode:
    amount = draw(st.none() | st.integers(1, 10**10 - 1).map(lambda c: Decimal(c).scaleb(-2)))
    n, c = draw(name).strip() or "N", draw(city).strip() or "C"
    if draw(st.booleans()):
        key = draw(
            st.sampled_from(
                ["52998224725", "+5511987654321", "fulano@example.com", "12ABC34501DE35"]
            )
            | st.uuids().map(str)
        )
        txid = draw(st.none() | st.from_regex(r"[A-Za-z0-9]{1,25}", fullmatch=True))
        return static_br_code(key, n, c, amount, txid)
    url = draw(st.from_regex(r"pix\.[a-z]{1,10}\.com/v2/[A-Za-z0-9]{1,40}", fullmatch=True))
    return dynamic_br_code(url, n, c, amount)


@settings(max_examples=150, deadline=None)
@given(br_codes())
def test_br_code_roundtrip(code: BrCode) -> None:
    assert parse_br_code(code.render()) == code


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=120) | st.builds(lambda s: BCB[:60] + s, st.text(max_size=80)))
def test_parsers_raise_only_library_errors(text: str) -> None:
    for parse in (parse_br_code, parse_pix_key, parse_end_to_end_id):
        with contextlib.suppress(BrFormatError):
            parse(text)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, len(BCB) - 1), st.characters(min_codepoint=32, max_codepoint=126))
def test_any_single_change_is_rejected(pos: int, char: str) -> None:
    mutated = BCB[:pos] + char + BCB[pos + 1 :]
    if mutated == BCB:
        return
    try:
        code = parse_br_code(mutated)
    except PixError:
        return
    # A change that keeps the payload valid can only be a CRC-compatible case change.
    assert code.render().upper() == mutated.upper()
