"""CNAB 400 cobrança for Bradesco (237) and Itaú (341): remessa and retorno.

Bradesco positions follow brcobranca's ``remessa/retorno cnab400/bradesco.rb`` (as checked
in the implementation notes); Itaú's follow brcobranca's ``itau.rb`` and Itaú's
"layout de cobrança 400 bytes". Each bank must homologate the files before production.
Every record carries its sequence number in 395-400, checked when reading.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from lastro.br.cnab.engine import Field, Layout, filler, split_lines
from lastro.br.cnab.models import (
    Beneficiario,
    MovementStatus,
    Ocorrencia,
    Pagador,
    Remessa,
    Retorno,
    Titulo,
)
from lastro.br.errors import CnabError

__all__ = [
    "BRADESCO",
    "ITAU",
    "Bank400",
    "read_remessa_400",
    "read_retorno_400",
    "write_remessa_400",
    "write_retorno_400",
]

WIDTH = 400
_SEQ = Field("record_sequence", 395, 400, "int")


def _header(kind: str, bank: str, bank_name: str, company: list[Field]) -> Layout:
    code, word = ("1", "REMESSA") if kind == "remessa" else ("2", "RETORNO")
    tail = (
        [
            filler(101, 108),
            Field("mx", 109, 110, "alpha", "MX", const=True),
            Field("sequence", 111, 117, "int"),
            filler(118, 394),
        ]
        if kind == "remessa" and bank == "237"
        else [filler(101, 108), Field("sequence", 109, 113, "int"), filler(114, 394)]
        if kind == "retorno"
        else [filler(101, 394)]
    )
    return Layout(
        f"header {kind} {bank}",
        WIDTH,
        [
            Field("record_type", 1, 1, "num", "0", const=True),
            Field("file_code", 2, 2, "num", code, const=True),
            Field("literal", 3, 9, "alpha", word, const=True),
            Field("service", 10, 11, "num", "01", const=True),
            Field("service_name", 12, 26, "alpha", "COBRANCA", const=True),
            *company,
            Field("company_name", 47, 76, "alpha"),
            Field("bank_code", 77, 79, "num", bank, const=True),
            Field("bank_name", 80, 94, "alpha", bank_name),
            Field("generated_on", 95, 100, "date6"),
            *tail,
            _SEQ,
        ],
    )


def _trailer(kind: str, bank: str) -> Layout:
    if kind == "remessa":
        body = [filler(2, 394)]
    else:
        body = [
            Field("file_code", 2, 2, "num", "2", const=True),
            Field("service", 3, 4, "num", "01", const=True),
            Field("bank_code", 5, 7, "num", bank, const=True),
            filler(8, 17),
            Field("count", 18, 25, "int"),
            Field("total", 26, 39, "money"),
            filler(40, 394),
        ]
    return Layout(
        f"trailer {kind} {bank}",
        WIDTH,
        [Field("record_type", 1, 1, "num", "9", const=True), *body, _SEQ],
    )


_BRADESCO_COMPANY = [Field("company_code", 27, 46, "num")]
_ITAU_COMPANY = [
    Field("agencia", 27, 30, "num"),
    filler(31, 32, "0"),
    Field("conta", 33, 37, "num"),
    Field("conta_dv", 38, 38, "alpha"),
    filler(39, 46),
]

BRADESCO_REMESSA_DETAIL = Layout(
    "detalhe remessa 237",
    WIDTH,
    [
        Field("record_type", 1, 1, "num", "1", const=True),
        filler(2, 20, "0"),
        filler(21, 21, "0"),
        Field("carteira", 22, 24, "num"),
        Field("agencia", 25, 29, "num"),
        Field("conta", 30, 36, "num"),
        Field("conta_dv", 37, 37, "alpha"),
        Field("company_id", 38, 62, "alpha"),
        filler(63, 65, "0"),
        Field("fine_flag", 66, 66, "num", "0"),
        Field("fine_percent", 67, 70, "money"),
        Field("nosso_numero", 71, 81, "num"),
        Field("nosso_numero_dv", 82, 82, "alpha"),
        Field("daily_bonus", 83, 92, "money"),
        Field("issuer", 93, 93, "num", "2"),
        filler(94, 94, "N"),
        filler(95, 108),
        Field("movement", 109, 110, "num"),
        Field("seu_numero", 111, 120, "alpha"),
        Field("due_date", 121, 126, "date6"),
        Field("amount", 127, 139, "money"),
        filler(140, 147, "0"),
        Field("especie", 148, 149, "num", "01"),
        Field("aceite", 150, 150, "alpha", "N"),
        Field("issue_date", 151, 156, "date6"),
        Field("instruction_1", 157, 158, "num", "00"),
        Field("instruction_2", 159, 160, "num", "00"),
        Field("juros", 161, 173, "money"),
        Field("discount_date", 174, 179, "date6"),
        Field("discount", 180, 192, "money"),
        Field("iof", 193, 205, "money"),
        Field("abatimento", 206, 218, "money"),
        Field("payer_document_type", 219, 220, "num"),
        Field("payer_document", 221, 234, "alpha"),
        Field("payer_name", 235, 274, "alpha"),
        Field("payer_address", 275, 314, "alpha"),
        Field("message_1", 315, 326, "alpha"),
        Field("payer_cep", 327, 334, "num"),
        Field("message_2", 335, 394, "alpha"),
        _SEQ,
    ],
)

ITAU_REMESSA_DETAIL = Layout(
    "detalhe remessa 341",
    WIDTH,
    [
        Field("record_type", 1, 1, "num", "1", const=True),
        Field("company_document_type", 2, 3, "num"),
        Field("company_document", 4, 17, "alpha"),
        Field("agencia", 18, 21, "num"),
        filler(22, 23, "0"),
        Field("conta", 24, 28, "num"),
        Field("conta_dv", 29, 29, "alpha"),
        filler(30, 33),
        Field("cancel_instruction", 34, 37, "num", "0000"),
        Field("company_id", 38, 62, "alpha"),
        Field("nosso_numero", 63, 70, "num"),
        Field("currency_quantity", 71, 83, "money"),
        Field("carteira", 84, 86, "num"),
        filler(87, 107),
        Field("carteira_code", 108, 108, "alpha", "I"),
        Field("movement", 109, 110, "num"),
        Field("seu_numero", 111, 120, "alpha"),
        Field("due_date", 121, 126, "date6"),
        Field("amount", 127, 139, "money"),
        Field("bank_code", 140, 142, "num", "341", const=True),
        filler(143, 147, "0"),
        Field("especie", 148, 149, "alpha", "01"),
        Field("aceite", 150, 150, "alpha", "N"),
        Field("issue_date", 151, 156, "date6"),
        Field("instruction_1", 157, 158, "alpha"),
        Field("instruction_2", 159, 160, "alpha"),
        Field("juros", 161, 173, "money"),
        Field("discount_date", 174, 179, "date6"),
        Field("discount", 180, 192, "money"),
        Field("iof", 193, 205, "money"),
        Field("abatimento", 206, 218, "money"),
        Field("payer_document_type", 219, 220, "num"),
        Field("payer_document", 221, 234, "alpha"),
        Field("payer_name", 235, 264, "alpha"),
        filler(265, 274),
        Field("payer_address", 275, 314, "alpha"),
        Field("payer_bairro", 315, 326, "alpha"),
        Field("payer_cep", 327, 334, "num"),
        Field("payer_city", 335, 349, "alpha"),
        Field("payer_uf", 350, 351, "alpha"),
        Field("guarantor_name", 352, 381, "alpha"),
        filler(382, 385),
        Field("juros_date", 386, 391, "date6"),
        Field("protest_days", 392, 393, "num", "00"),
        filler(394, 394),
        _SEQ,
    ],
)

BRADESCO_RETORNO_DETAIL = Layout(
    "detalhe retorno 237",
    WIDTH,
    [
        Field("record_type", 1, 1, "num", "1", const=True),
        Field("company_document_type", 2, 3, "num"),
        Field("company_document", 4, 17, "alpha"),
        filler(18, 21, "0"),
        Field("carteira", 22, 24, "num"),
        Field("agencia", 25, 29, "num"),
        Field("conta", 30, 36, "num"),
        Field("conta_dv", 37, 37, "alpha"),
        Field("company_id", 38, 62, "alpha"),
        filler(63, 70, "0"),
        Field("nosso_numero", 71, 81, "num"),
        Field("nosso_numero_dv", 82, 82, "alpha"),
        filler(83, 108),
        Field("movement", 109, 110, "num"),
        Field("occurrence_date", 111, 116, "date6"),
        Field("seu_numero", 117, 126, "alpha"),
        filler(127, 146),
        Field("due_date", 147, 152, "date6"),
        Field("face_value", 153, 165, "money"),
        Field("receiving_bank", 166, 168, "num", "000"),
        Field("receiving_branch", 169, 173, "num", "00000"),
        Field("especie", 174, 175, "alpha"),
        Field("tarifa", 176, 188, "money"),
        Field("other_expenses", 189, 201, "money"),
        Field("juros_operacao", 202, 214, "money"),
        Field("iof", 215, 227, "money"),
        Field("abatimento", 228, 240, "money"),
        Field("discount", 241, 253, "money"),
        Field("paid_amount", 254, 266, "money"),
        Field("juros", 267, 279, "money"),
        Field("other_credits", 280, 292, "money"),
        filler(293, 295),
        Field("credit_date", 296, 301, "date6"),
        Field("payment_origin", 302, 304, "alpha"),
        filler(305, 318),
        Field("reasons", 319, 328, "alpha"),
        filler(329, 394),
        _SEQ,
    ],
)

ITAU_RETORNO_DETAIL = Layout(
    "detalhe retorno 341",
    WIDTH,
    [
        Field("record_type", 1, 1, "num", "1", const=True),
        Field("company_document_type", 2, 3, "num"),
        Field("company_document", 4, 17, "alpha"),
        Field("agencia", 18, 21, "num"),
        filler(22, 23, "0"),
        Field("conta", 24, 28, "num"),
        Field("conta_dv", 29, 29, "alpha"),
        filler(30, 37),
        Field("company_id", 38, 62, "alpha"),
        Field("nosso_numero", 63, 70, "num"),
        filler(71, 82),
        Field("carteira", 83, 85, "num"),
        filler(86, 93),
        Field("nosso_numero_dv", 94, 94, "alpha"),
        filler(95, 107),
        Field("carteira_code", 108, 108, "alpha"),
        Field("movement", 109, 110, "num"),
        Field("occurrence_date", 111, 116, "date6"),
        Field("seu_numero", 117, 126, "alpha"),
        filler(127, 146),
        Field("due_date", 147, 152, "date6"),
        Field("face_value", 153, 165, "money"),
        Field("receiving_bank", 166, 168, "num", "000"),
        Field("receiving_branch", 169, 173, "num", "00000"),
        Field("especie", 174, 175, "alpha"),
        Field("tarifa", 176, 188, "money"),
        filler(189, 214),
        Field("iof", 215, 227, "money"),
        Field("abatimento", 228, 240, "money"),
        Field("discount", 241, 253, "money"),
        Field("paid_amount", 254, 266, "money"),
        Field("juros", 267, 279, "money"),
        Field("other_credits", 280, 292, "money"),
        filler(293, 295),
        Field("credit_date", 296, 301, "date6"),
        filler(302, 324),
        Field("payer_name", 325, 354, "alpha"),
        filler(355, 377),
        Field("reasons", 378, 385, "alpha"),
        filler(386, 392),
        Field("liquidation_code", 393, 394, "alpha"),
        _SEQ,
    ],
)


@dataclass(frozen=True, slots=True)
class Bank400:
    """One bank's CNAB 400 layouts and its retorno movement table."""

    code: str
    name: str
    remessa_header: Layout
    remessa_detail: Layout
    remessa_trailer: Layout
    retorno_header: Layout
    retorno_detail: Layout
    retorno_trailer: Layout
    status: dict[str, MovementStatus]
    company_values: Callable[[Beneficiario], dict[str, Any]]
    beneficiario_from: Callable[[dict[str, Any]], dict[str, Any]]


def _bradesco_company(b: Beneficiario) -> dict[str, Any]:
    return {"company_code": b.convenio}


def _itau_company(b: Beneficiario) -> dict[str, Any]:
    return {"agencia": b.agencia, "conta": b.conta, "conta_dv": b.conta_dv}


_PAID, _REJ, _REG, _OFF = (
    MovementStatus.PAID,
    MovementStatus.REJECTED,
    MovementStatus.REGISTERED,
    MovementStatus.WRITTEN_OFF,
)

BRADESCO = Bank400(
    "237",
    "BRADESCO",
    _header("remessa", "237", "BRADESCO", _BRADESCO_COMPANY),
    BRADESCO_REMESSA_DETAIL,
    _trailer("remessa", "237"),
    _header("retorno", "237", "BRADESCO", _BRADESCO_COMPANY),
    BRADESCO_RETORNO_DETAIL,
    _trailer("retorno", "237"),
    {
        "02": _REG,
        "03": _REJ,
        "06": _PAID,
        "09": _OFF,
        "10": _OFF,
        "15": _PAID,
        "17": _PAID,
        "24": _REJ,
        "27": _REJ,
        "30": _REJ,
        "32": _REJ,
    },
    _bradesco_company,
    lambda h: {"convenio": h["company_code"]},
)

ITAU = Bank400(
    "341",
    "BANCO ITAU SA",
    _header("remessa", "341", "BANCO ITAU SA", _ITAU_COMPANY),
    ITAU_REMESSA_DETAIL,
    _trailer("remessa", "341"),
    _header("retorno", "341", "BANCO ITAU SA", _ITAU_COMPANY),
    ITAU_RETORNO_DETAIL,
    _trailer("retorno", "341"),
    {
        "02": _REG,
        "03": _REJ,
        "05": _OFF,
        "06": _PAID,
        "07": _PAID,
        "08": _PAID,
        "09": _OFF,
        "10": _OFF,
        "15": _REJ,
        "16": _REJ,
        "17": _REJ,
    },
    _itau_company,
    lambda h: {"agencia": h["agencia"], "conta": h["conta"], "conta_dv": h["conta_dv"]},
)

_BANKS = {"237": BRADESCO, "341": ITAU}


def _bank(code: str) -> Bank400:
    try:
        return _BANKS[code]
    except KeyError:
        raise CnabError(
            "CNAB_UNSUPPORTED_BANK",
            f"CNAB 400 disponível para Bradesco (237) e Itaú (341); recebido {code!r}.",
        ) from None


def _doc_type(document: str) -> str:
    return "01" if len(document) == 11 else "02"


def _doc(raw: str, doc_type: str) -> str:
    text = raw.strip()
    if not text.strip("0"):
        return ""
    return text[-11:] if doc_type == "01" else text[-14:]


def write_remessa_400(remessa: Remessa) -> str:
    b = remessa.beneficiario
    bank = _bank(b.bank_code)
    company = bank.company_values(b)
    lines = [
        bank.remessa_header.render(
            {
                **company,
                "company_name": b.name,
                "generated_on": remessa.generated_on,
                "sequence": remessa.sequence,
                "record_sequence": 1,
            }
        )
    ]
    render = bank.remessa_detail.render
    for t in remessa.titulos:
        p = t.pagador
        lines.append(
            render(
                {
                    "company_document_type": _doc_type(b.document),
                    "company_document": b.document.zfill(14),
                    "agencia": b.agencia,
                    "conta": b.conta,
                    "conta_dv": b.conta_dv,
                    "carteira": t.carteira,
                    "company_id": t.company_id,
                    "nosso_numero": t.nosso_numero,
                    "nosso_numero_dv": t.nosso_numero_dv,
                    "movement": t.movement,
                    "seu_numero": t.seu_numero,
                    "due_date": t.due_date,
                    "amount": t.amount,
                    "especie": t.especie,
                    "aceite": t.aceite,
                    "issue_date": t.issue_date,
                    "juros": t.juros_per_day,
                    "discount_date": t.discount_date,
                    "discount": t.discount,
                    "iof": t.iof,
                    "abatimento": t.abatimento,
                    "payer_document_type": _doc_type(p.document),
                    "payer_document": p.document.zfill(14),
                    "payer_name": p.name,
                    "payer_address": p.address,
                    "payer_bairro": p.bairro,
                    "payer_cep": p.cep,
                    "payer_city": p.city,
                    "payer_uf": p.uf,
                    "record_sequence": len(lines) + 1,
                }
            )
        )
    lines.append(bank.remessa_trailer.render({"record_sequence": len(lines) + 1}))
    return "\r\n".join(lines) + "\r\n"


def _read(
    text: str, header: Layout, detail: Layout, trailer: Layout
) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any]]:
    lines = split_lines(text, WIDTH)
    if len(lines) < 2:
        raise CnabError("CNAB_MISSING_RECORD", "Arquivo sem trailer.", line=len(lines))
    expected_types = ["0"] + ["1"] * (len(lines) - 2) + ["9"]
    parsed = []
    for i, (line, kind) in enumerate(zip(lines, expected_types, strict=True), 1):
        if line[0] != kind:
            raise CnabError(
                "CNAB_UNEXPECTED_RECORD",
                f"Linha {i}: registro tipo {line[0]!r}; esperado {kind}.",
                line=i,
                field="record_type",
            )
        layout = header if kind == "0" else trailer if kind == "9" else detail
        values = layout.parse(line, i)
        if values["record_sequence"] != i:
            raise CnabError(
                "CNAB_INVALID_FIELD",
                f"Linha {i}: sequencial do registro {values['record_sequence']}; esperado {i}.",
                line=i,
                field="record_sequence",
            )
        parsed.append(values)
    return parsed[0], parsed[1:-1], parsed[-1]


def _required_date(values: dict[str, Any], name: str, line: int) -> date:
    value = values[name]
    if value is None:
        raise CnabError(
            "CNAB_INVALID_FIELD", f"Linha {line}: campo {name} sem data.", line=line, field=name
        )
    return value  # type: ignore[no-any-return]


def read_remessa_400(text: str, bank_code: str) -> Remessa:
    """Parse a remessa. Bradesco's details do not carry the beneficiary's document."""
    bank = _bank(bank_code)
    h, details, _ = _read(text, bank.remessa_header, bank.remessa_detail, bank.remessa_trailer)
    first = details[0] if details else {}
    b = Beneficiario(
        bank_code=bank.code,
        document=_doc(first.get("company_document", ""), first.get("company_document_type", "")),
        name=h["company_name"],
        agencia=first.get("agencia", ""),
        conta=first.get("conta", ""),
        conta_dv=first.get("conta_dv", ""),
        **{
            k: v
            for k, v in bank.beneficiario_from(h).items()
            if k not in ("agencia", "conta", "conta_dv")
        },
    )
    titulos = tuple(
        Titulo(
            nosso_numero=d["nosso_numero"],
            seu_numero=d["seu_numero"],
            due_date=_required_date(d, "due_date", i),
            amount=d["amount"],
            issue_date=_required_date(d, "issue_date", i),
            pagador=Pagador(
                document=_doc(d["payer_document"], d["payer_document_type"]),
                name=d["payer_name"],
                address=d["payer_address"],
                bairro=d.get("payer_bairro", ""),
                cep=d["payer_cep"],
                city=d.get("payer_city", ""),
                uf=d.get("payer_uf", ""),
            ),
            movement=d["movement"],
            carteira=d["carteira"],
            especie=d["especie"],
            aceite=d["aceite"],
            juros_per_day=d["juros"],
            discount_date=d["discount_date"],
            discount=d["discount"],
            iof=d["iof"],
            abatimento=d["abatimento"],
            company_id=d["company_id"],
            nosso_numero_dv=d.get("nosso_numero_dv", ""),
        )
        for i, d in enumerate(details, 2)
    )
    # Itaú's remessa header has no file sequence; it reads back as 0.
    return Remessa(b, titulos, h.get("sequence", 0), _required_date(h, "generated_on", 1))


def write_retorno_400(retorno: Retorno) -> str:
    """A retorno as the bank sends it (for sandboxes and tests)."""
    b = retorno.beneficiario
    bank = _bank(b.bank_code)
    company = bank.company_values(b)
    lines = [
        bank.retorno_header.render(
            {
                **company,
                "company_name": b.name,
                "generated_on": retorno.generated_on,
                "sequence": retorno.sequence,
                "record_sequence": 1,
            }
        )
    ]
    for o in retorno.ocorrencias:
        lines.append(
            bank.retorno_detail.render(
                {
                    "company_document_type": _doc_type(b.document),
                    "company_document": b.document.zfill(14),
                    "carteira": b.carteira or "0",
                    "agencia": b.agencia,
                    "conta": b.conta,
                    "conta_dv": b.conta_dv,
                    "company_id": o.company_id,
                    "nosso_numero": o.nosso_numero,
                    "movement": o.movement,
                    "occurrence_date": o.occurrence_date,
                    "seu_numero": o.seu_numero,
                    "due_date": o.due_date,
                    "face_value": o.face_value,
                    "tarifa": o.tarifa,
                    "iof": o.iof,
                    "abatimento": o.abatimento,
                    "discount": o.discount,
                    "paid_amount": o.paid_amount,
                    "juros": o.juros,
                    "credit_date": o.credit_date,
                    "payer_name": o.payer_name,
                    "reasons": "".join(o.reasons),
                    "record_sequence": len(lines) + 1,
                }
            )
        )
    total = sum((o.face_value for o in retorno.ocorrencias), Decimal(0))
    lines.append(
        bank.retorno_trailer.render(
            {
                "count": len(retorno.ocorrencias),
                "total": total,
                "record_sequence": len(lines) + 1,
            }
        )
    )
    return "\r\n".join(lines) + "\r\n"


def read_retorno_400(text: str, bank_code: str) -> Retorno:
    """Parse a retorno; each detail becomes an ``Ocorrencia`` with its bank's status."""
    bank = _bank(bank_code)
    h, details, trailer = _read(
        text, bank.retorno_header, bank.retorno_detail, bank.retorno_trailer
    )
    if trailer["count"] != len(details):
        raise CnabError(
            "CNAB_COUNT_MISMATCH",
            f"Trailer informa {trailer['count']} títulos; o arquivo tem {len(details)}.",
            line=len(details) + 2,
            field="count",
        )
    first = details[0] if details else {}
    b = Beneficiario(
        bank_code=bank.code,
        document=_doc(first.get("company_document", ""), first.get("company_document_type", "")),
        name=h["company_name"],
        agencia=first.get("agencia", ""),
        conta=first.get("conta", ""),
        conta_dv=first.get("conta_dv", ""),
        carteira=first.get("carteira", ""),
        **{
            k: v
            for k, v in bank.beneficiario_from(h).items()
            if k not in ("agencia", "conta", "conta_dv")
        },
    )
    items = tuple(
        Ocorrencia(
            movement=d["movement"],
            nosso_numero=d["nosso_numero"],
            seu_numero=d["seu_numero"],
            due_date=d["due_date"],
            face_value=d["face_value"],
            paid_amount=d["paid_amount"],
            tarifa=d["tarifa"],
            juros=d["juros"],
            discount=d["discount"],
            abatimento=d["abatimento"],
            iof=d["iof"],
            occurrence_date=d["occurrence_date"],
            credit_date=d["credit_date"],
            reasons=tuple(
                c
                for c in (d["reasons"][i : i + 2] for i in range(0, len(d["reasons"]), 2))
                if c.strip("0 ")
            ),
            company_id=d["company_id"],
            payer_name=d.get("payer_name", ""),
            status=bank.status.get(d["movement"], MovementStatus.OTHER),
        )
        for d in details
    )
    return Retorno(b, h["sequence"], _required_date(h, "generated_on", 1), items)
