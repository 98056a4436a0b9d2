import contextlib
from datetime import date, time
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lastro.br.cnab import (
    Beneficiario,
    Field,
    Layout,
    MovementStatus,
    Ocorrencia,
    Pagador,
    Remessa,
    Retorno,
    Titulo,
    filler,
    read_remessa_240,
    read_remessa_400,
    read_retorno_240,
    read_retorno_400,
    write_remessa_240,
    write_remessa_400,
    write_retorno_240,
    write_retorno_400,
)
from lastro.br.cnab.cnab240 import SEGMENT_P
from lastro.br.errors import BrFormatError, CnabError

BENEF = Beneficiario(
    "001", "11222333000181", "EMPRESA LTDA", "01234", "000000012345", "5", "6", "123456", "BANCO"
)
PAYER = Pagador("52998224725", "JOAO DA SILVA", "RUA A 1", "CENTRO", "01310100", "SAO PAULO", "SP")


def titulo(i: int = 1, **kw: object) -> Titulo:
    base: dict[str, object] = {
        "nosso_numero": f"{i:017d}",
        "seu_numero": f"DOC{i}",
        "due_date": date(2026, 7, 1),
        "amount": Decimal("150.25"),
        "issue_date": date(2026, 6, 1),
        "pagador": PAYER,
    }
    base.update(kw)
    return Titulo(**base)  # type: ignore[arg-type]


def test_engine_rejects_tables_that_do_not_add_up() -> None:
    with pytest.raises(ValueError, match="starts at 3"):
        Layout("x", 10, [Field("a", 1, 1), Field("b", 3, 10)])
    with pytest.raises(ValueError, match="cover 5"):
        Layout("x", 10, [Field("a", 1, 5)])


def test_engine_render_and_parse() -> None:
    layout = Layout(
        "demo",
        30,
        [
            Field("kind", 1, 1, "num", "1", const=True),
            Field("name", 2, 11, "alpha"),
            Field("value", 12, 21, "money"),
            Field("when", 22, 29, "date8"),
            filler(30, 30),
        ],
    )
    line = layout.render({"name": "Conceição", "value": Decimal("12.5"), "when": date(2026, 1, 2)})
    assert line == "1CONCEICAO 000000125002012026 "
    assert layout.parse(line) == {
        "name": "CONCEICAO",
        "value": Decimal("12.50"),
        "when": date(2026, 1, 2),
    }
    with pytest.raises(CnabError) as exc:
        layout.render({"name": "x", "value": Decimal("1.234"), "when": None})
    assert exc.value.extra["field"] == "value"
    with pytest.raises(CnabError) as exc:
        layout.render({"name": "x", "value": Decimal("10") ** 9, "when": None})
    assert "excede" in exc.value.detail
    with pytest.raises(CnabError) as exc:
        layout.parse("2" + line[1:], 7)
    assert exc.value.extra == {"line": 7, "record": "demo", "field": "kind"}
    with pytest.raises(CnabError) as exc:
        layout.parse(line[:21] + "31022026 ", 3)
    assert exc.value.extra["field"] == "when"


def test_remessa_240_roundtrip_and_widths() -> None:
    remessa = Remessa(BENEF, (titulo(1), titulo(2, amount=Decimal("0.01"))), 7, date(2026, 6, 1))
    text = write_remessa_240(remessa)
    lines = text.split("\r\n")[:-1]
    assert all(len(line) == 240 for line in lines)
    assert [line[7] for line in lines] == ["0", "1", "3", "3", "3", "3", "5", "9"]
    assert [line[13] for line in lines[2:6]] == ["P", "Q", "P", "Q"]
    assert lines[-2][17:23] == "000006"  # lote record count
    assert lines[-1][17:29] == "000001000008"  # lotes and records
    assert lines[2][85:100] == "000000000015025"
    assert read_remessa_240(text) == remessa


def test_remessa_240_splits_lotes() -> None:
    from lastro.br.cnab import cnab240

    titulos = tuple(titulo(i) for i in range(5))
    old = cnab240.MAX_TITULOS_PER_LOTE
    cnab240.MAX_TITULOS_PER_LOTE = 2
    try:
        text = write_remessa_240(Remessa(BENEF, titulos, 1, date(2026, 6, 1)))
    finally:
        cnab240.MAX_TITULOS_PER_LOTE = old
    assert text.count("\r\n") == 2 + 3 * 2 + 10
    assert read_remessa_240(text).titulos == titulos


def _corrupt(text: str, line: int, col: int, char: str) -> str:
    lines = text.split("\r\n")
    lines[line - 1] = lines[line - 1][: col - 1] + char + lines[line - 1][col:]
    return "\r\n".join(lines)


def test_malformed_240_names_line_and_field() -> None:
    text = write_remessa_240(Remessa(BENEF, (titulo(1), titulo(2)), 7, date(2026, 6, 1)))
    with pytest.raises(CnabError) as exc:
        read_remessa_240(_corrupt(text, 5, 90, "X"))  # amount of the 2nd P
    assert exc.value.extra["line"] == 5 and exc.value.extra["field"] == "amount"
    assert "Linha 5" in exc.value.detail
    with pytest.raises(CnabError) as exc:
        read_remessa_240(_corrupt(text, 5, 14, "Q"))  # a Q where a P belongs
    assert exc.value.extra["line"] == 5
    with pytest.raises(CnabError) as exc:
        read_remessa_240(_corrupt(text, 7, 23, "9"))  # lote trailer count
    assert exc.value.code == "CNAB_COUNT_MISMATCH"
    lines = text.split("\r\n")
    with pytest.raises(CnabError) as exc:
        read_remessa_240("\r\n".join([*lines[:3], lines[3][:239], *lines[4:]]))
    assert exc.value.code == "CNAB_INVALID_LINE_LENGTH" and exc.value.extra["line"] == 4
    with pytest.raises(CnabError) as exc:
        read_retorno_240(text)
    assert exc.value.code == "CNAB_WRONG_FILE_KIND"
    with pytest.raises(CnabError):
        read_remessa_240("")


def test_retorno_240_statuses() -> None:
    items = tuple(
        Ocorrencia(
            movement=code,
            nosso_numero=f"{i:017d}",
            seu_numero=f"DOC{i}",
            due_date=date(2026, 7, 1),
            face_value=Decimal("150.25"),
            paid_amount=Decimal("151.00") if code == "06" else Decimal(0),
            net_amount=Decimal("149.50") if code == "06" else Decimal(0),
            tarifa=Decimal("1.50"),
            juros=Decimal("0.75"),
            occurrence_date=date(2026, 7, 1),
            credit_date=date(2026, 7, 2) if code == "06" else None,
            reasons=("A1", "B2") if code == "03" else (),
            payer_document="52998224725",
            payer_name="JOAO DA SILVA",
        )
        for i, code in enumerate(["02", "03", "06", "09", "17", "44"], 1)
    )
    retorno = Retorno(BENEF, 3, date(2026, 7, 2), items)
    text = write_retorno_240(retorno)
    parsed = read_retorno_240(text)
    assert parsed == retorno
    assert [o.status for o in parsed.ocorrencias] == [
        MovementStatus.REGISTERED,
        MovementStatus.REJECTED,
        MovementStatus.PAID,
        MovementStatus.WRITTEN_OFF,
        MovementStatus.PAID,
        MovementStatus.OTHER,
    ]
    assert parsed.ocorrencias[2].paid_amount == Decimal("151.00")
    assert parsed.ocorrencias[1].reasons == ("A1", "B2")


@pytest.mark.parametrize("bank", ["237", "341"])
def test_cnab_400_roundtrip(bank: str) -> None:
    benef = Beneficiario(
        bank,
        "11222333000181" if bank == "341" else "",
        "EMPRESA LTDA",
        "01234" if bank == "237" else "1234",
        "0012345" if bank == "237" else "12345",
        conta_dv="5",
        convenio="00000000000001234567" if bank == "237" else "",
    )
    payer = PAYER if bank == "341" else Pagador("52998224725", "JOAO", "RUA A 1", cep="01310100")
    t = titulo(
        1,
        nosso_numero="00000000001" if bank == "237" else "00000001",
        carteira="009" if bank == "237" else "109",
        especie="01",
        nosso_numero_dv="P" if bank == "237" else "",
        pagador=payer,
    )
    remessa = Remessa(benef, (t, t), 7 if bank == "237" else 0, date(2026, 6, 1))
    text = write_remessa_400(remessa)
    assert all(len(line) == 400 for line in text.split("\r\n")[:-1])
    assert read_remessa_400(text, bank) == remessa
    paid = Ocorrencia(
        "06",
        t.nosso_numero,
        "DOC1",
        date(2026, 7, 1),
        Decimal("150.25"),
        paid_amount=Decimal("150.25"),
        tarifa=Decimal("1.50"),
        occurrence_date=date(2026, 7, 1),
        credit_date=date(2026, 7, 2),
        payer_name="JOAO" if bank == "341" else "",
    )
    rejected = Ocorrencia("03", t.nosso_numero, "DOC1", date(2026, 7, 1), Decimal(1),
                          reasons=("12",))  # fmt: skip
    ret = Retorno(
        Beneficiario(
            bank,
            "11222333000181",
            "EMPRESA LTDA",
            benef.agencia,
            benef.conta,
            conta_dv="5",
            convenio=benef.convenio,
            carteira=t.carteira,
        ),
        8,
        date(2026, 7, 2),
        (paid, rejected),
    )
    parsed = read_retorno_400(write_retorno_400(ret), bank)
    assert parsed == ret
    assert [o.status for o in parsed.ocorrencias] == [MovementStatus.PAID, MovementStatus.REJECTED]


def test_cnab_400_errors() -> None:
    with pytest.raises(CnabError) as exc:
        read_remessa_400("0" * 400, "001")
    assert exc.value.code == "CNAB_UNSUPPORTED_BANK"
    benef = Beneficiario("237", "", "EMPRESA", "01234", "0012345", conta_dv="5", convenio="1")
    t = titulo(1, nosso_numero="1", carteira="009")
    text = write_remessa_400(Remessa(benef, (t,), 1, date(2026, 6, 1)))
    with pytest.raises(CnabError) as exc:
        read_remessa_400(_corrupt(text, 2, 400, "9"), "237")
    assert exc.value.extra["field"] == "record_sequence"
    with pytest.raises(CnabError) as exc:
        read_remessa_400(_corrupt(text, 2, 121, "9"), "237")  # due date 91/07/26
    assert exc.value.extra == {"line": 2, "record": "detalhe remessa 237", "field": "due_date"}


text_field = st.text(st.characters(min_codepoint=33, max_codepoint=90), max_size=15).map(str.upper)
money = st.integers(0, 10**13 - 1).map(lambda c: Decimal(c).scaleb(-2))
dates = st.dates(date(2000, 1, 1), date(2099, 12, 31))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.builds(
            titulo,
            st.integers(0, 10**9),
            seu_numero=text_field,
            due_date=dates,
            amount=money,
            issue_date=dates,
            discount=money,
            discount_date=st.none() | dates,
            company_id=text_field,
        ),
        max_size=5,
    ),
    st.integers(0, 999_999),
)
def test_cnab_240_property_roundtrip(titulos: list[Titulo], seq: int) -> None:
    remessa = Remessa(BENEF, tuple(titulos), seq, date(2026, 6, 1), time(12, 30, 5))
    assert read_remessa_240(write_remessa_240(remessa)) == remessa


@settings(max_examples=100, deadline=None)
@given(
    st.fixed_dictionaries(
        {
            "bank_code": st.from_regex(r"[0-9]{3}", fullmatch=True),
            "lote": st.integers(0, 9999),
            "sequence": st.integers(0, 99999),
            "movement": st.from_regex(r"[0-9]{2}", fullmatch=True),
            "nosso_numero": text_field,
            "due_date": st.none() | dates,
            "amount": money,
            "company_id": text_field,
        }
    )
)
def test_cnab_record_roundtrip(values: dict[str, object]) -> None:
    line = SEGMENT_P.render(values)
    assert len(line) == 240
    parsed = SEGMENT_P.parse(line)
    assert {k: parsed[k] for k in values} == values
    assert SEGMENT_P.render(parsed) == line


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300))
def test_readers_raise_only_library_errors(text: str) -> None:
    for read in (read_remessa_240, read_retorno_240):
        with contextlib.suppress(BrFormatError):
            read(text)
    for bank in ("237", "341"):
        with contextlib.suppress(BrFormatError):
            read_retorno_400(text, bank)


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 7), st.integers(0, 239), st.characters(max_codepoint=255))
def test_mutated_files_fail_cleanly(line: int, col: int, char: str) -> None:
    text = write_remessa_240(Remessa(BENEF, (titulo(1),), 1, date(2026, 6, 1)))
    lines = text.split("\r\n")
    target = lines[min(line, 5)]
    lines[min(line, 5)] = target[:col] + char + target[col + 1 :]
    try:
        read_remessa_240("\r\n".join(lines))
    except CnabError as exc:
        assert exc.code.startswith("CNAB_")
