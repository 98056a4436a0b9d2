"""FEBRABAN CNAB 240 cobrança: remessa (segments P and Q) and retorno (segments T and U).

Positions follow the FEBRABAN layout as used by BB and Sicredi (kmee/cnab240 specs, the
implementation notes); each bank's "particularidades" (layout version, convênio split,
reason codes) must be confirmed in homologation. A lote holds at most 49,999 títulos (the
in-lote sequence has 5 digits), so larger remessas are split into several lotes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, time
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
    "FILE_HEADER",
    "FILE_TRAILER",
    "LOTE_HEADER",
    "LOTE_TRAILER",
    "MAX_TITULOS_PER_LOTE",
    "RETORNO_STATUS",
    "SEGMENT_P",
    "SEGMENT_Q",
    "SEGMENT_T",
    "SEGMENT_U",
    "read_remessa_240",
    "read_retorno_240",
    "write_remessa_240",
    "write_retorno_240",
]

MAX_TITULOS_PER_LOTE = 49_999
WIDTH = 240


def _head(record_type: str, lote: Field | None = None) -> list[Field]:
    return [
        Field("bank_code", 1, 3, "num"),
        lote or Field("lote", 4, 7, "int"),
        Field("record_type", 8, 8, "num", record_type, const=True),
    ]


def _account(start: int, agencia: int = 5) -> list[Field]:
    a = start + agencia
    return [
        Field("agencia", start, a - 1, "num"),
        Field("agencia_dv", a, a, "alpha"),
        Field("conta", a + 1, a + 12, "num"),
        Field("conta_dv", a + 13, a + 13, "alpha"),
        Field("agencia_conta_dv", a + 14, a + 14, "alpha"),
    ]


FILE_HEADER = Layout(
    "header de arquivo",
    WIDTH,
    [
        *_head("0", Field("lote", 4, 7, "num", "0000", const=True)),
        filler(9, 17),
        Field("document_type", 18, 18, "num"),
        Field("document", 19, 32, "alpha"),
        Field("convenio", 33, 52, "alpha"),
        *_account(53),
        Field("company_name", 73, 102, "alpha"),
        Field("bank_name", 103, 132, "alpha"),
        filler(133, 142),
        Field("file_code", 143, 143, "num"),
        Field("generated_on", 144, 151, "date8"),
        Field("generated_time", 152, 157, "num", "000000"),
        Field("sequence", 158, 163, "int"),
        Field("layout_version", 164, 166, "num", "103"),
        Field("density", 167, 171, "num", "00000"),
        Field("reserved_bank", 172, 191, "alpha"),
        Field("reserved_company", 192, 211, "alpha"),
        filler(212, 240),
    ],
)

LOTE_HEADER = Layout(
    "header de lote",
    WIDTH,
    [
        *_head("1"),
        Field("operation", 9, 9, "alpha"),
        Field("service", 10, 11, "num", "01", const=True),
        filler(12, 13),
        Field("layout_version", 14, 16, "num", "060"),
        filler(17, 17),
        Field("document_type", 18, 18, "num"),
        Field("document", 19, 33, "alpha"),
        Field("convenio", 34, 53, "alpha"),
        *_account(54),
        Field("company_name", 74, 103, "alpha"),
        Field("message_1", 104, 143, "alpha"),
        Field("message_2", 144, 183, "alpha"),
        Field("sequence", 184, 191, "int"),
        Field("recorded_on", 192, 199, "date8"),
        Field("credit_date", 200, 207, "date8"),
        filler(208, 240),
    ],
)


def _detail(segment: str) -> list[Field]:
    return [
        *_head("3"),
        Field("sequence", 9, 13, "int"),
        Field("segment", 14, 14, "alpha", segment, const=True),
        filler(15, 15),
        Field("movement", 16, 17, "num"),
    ]


SEGMENT_P = Layout(
    "segmento P",
    WIDTH,
    [
        *_detail("P"),
        *_account(18),
        Field("nosso_numero", 38, 57, "alpha"),
        Field("carteira", 58, 58, "num", "1"),
        Field("registration_form", 59, 59, "num", "1"),
        Field("document_kind", 60, 60, "alpha", "1"),
        Field("issuer", 61, 61, "num", "2"),
        Field("distributor", 62, 62, "alpha", "2"),
        Field("seu_numero", 63, 77, "alpha"),
        Field("due_date", 78, 85, "date8"),
        Field("amount", 86, 100, "money"),
        filler(101, 105, "0"),
        filler(106, 106),
        Field("especie", 107, 108, "num", "02"),
        Field("aceite", 109, 109, "alpha", "N"),
        Field("issue_date", 110, 117, "date8"),
        Field("juros_code", 118, 118, "num", "3"),
        Field("juros_date", 119, 126, "date8"),
        Field("juros", 127, 141, "money"),
        Field("discount_code", 142, 142, "num", "0"),
        Field("discount_date", 143, 150, "date8"),
        Field("discount", 151, 165, "money"),
        Field("iof", 166, 180, "money"),
        Field("abatimento", 181, 195, "money"),
        Field("company_id", 196, 220, "alpha"),
        Field("protest_code", 221, 221, "num", "3"),
        Field("protest_days", 222, 223, "num", "00"),
        Field("baixa_code", 224, 224, "num", "0"),
        Field("baixa_days", 225, 227, "alpha", "   "),
        Field("currency", 228, 229, "num", "09"),
        Field("contract", 230, 239, "num", "0000000000"),
        filler(240, 240),
    ],
)

SEGMENT_Q = Layout(
    "segmento Q",
    WIDTH,
    [
        *_detail("Q"),
        Field("payer_document_type", 18, 18, "num"),
        Field("payer_document", 19, 33, "alpha"),
        Field("payer_name", 34, 73, "alpha"),
        Field("payer_address", 74, 113, "alpha"),
        Field("payer_bairro", 114, 128, "alpha"),
        Field("payer_cep", 129, 136, "num"),
        Field("payer_city", 137, 151, "alpha"),
        Field("payer_uf", 152, 153, "alpha"),
        Field("guarantor_type", 154, 154, "num", "0"),
        Field("guarantor_document", 155, 169, "alpha", "000000000000000"),
        Field("guarantor_name", 170, 209, "alpha"),
        Field("correspondent_bank", 210, 212, "num", "000"),
        Field("correspondent_nosso_numero", 213, 232, "alpha"),
        filler(233, 240),
    ],
)

SEGMENT_T = Layout(
    "segmento T",
    WIDTH,
    [
        *_detail("T"),
        *_account(18),
        Field("nosso_numero", 38, 57, "alpha"),
        Field("carteira", 58, 58, "num", "1"),
        Field("seu_numero", 59, 73, "alpha"),
        Field("due_date", 74, 81, "date8"),
        Field("face_value", 82, 96, "money"),
        Field("collecting_bank", 97, 99, "num", "000"),
        Field("collecting_branch", 100, 104, "num", "00000"),
        Field("collecting_branch_dv", 105, 105, "alpha"),
        Field("company_id", 106, 130, "alpha"),
        Field("currency", 131, 132, "num", "09"),
        Field("payer_document_type", 133, 133, "num", "0"),
        Field("payer_document", 134, 148, "alpha"),
        Field("payer_name", 149, 188, "alpha"),
        Field("contract", 189, 198, "num", "0000000000"),
        Field("tarifa", 199, 213, "money"),
        Field("reasons", 214, 223, "alpha"),
        filler(224, 240),
    ],
)

SEGMENT_U = Layout(
    "segmento U",
    WIDTH,
    [
        *_detail("U"),
        Field("juros", 18, 32, "money"),
        Field("discount", 33, 47, "money"),
        Field("abatimento", 48, 62, "money"),
        Field("iof", 63, 77, "money"),
        Field("paid_amount", 78, 92, "money"),
        Field("net_amount", 93, 107, "money"),
        Field("other_expenses", 108, 122, "money"),
        Field("other_credits", 123, 137, "money"),
        Field("occurrence_date", 138, 145, "date8"),
        Field("credit_date", 146, 153, "date8"),
        Field("payer_occurrence", 154, 157, "alpha"),
        Field("payer_occurrence_date", 158, 165, "date8"),
        Field("payer_occurrence_value", 166, 180, "money"),
        Field("complement", 181, 210, "alpha"),
        Field("correspondent_bank", 211, 213, "num", "000"),
        Field("correspondent_nosso_numero", 214, 233, "alpha"),
        filler(234, 240),
    ],
)

LOTE_TRAILER = Layout(
    "trailer de lote",
    WIDTH,
    [
        *_head("5"),
        filler(9, 17),
        Field("record_count", 18, 23, "int"),
        Field("simples_count", 24, 29, "int"),
        Field("simples_total", 30, 46, "money"),
        Field("vinculada_count", 47, 52, "int"),
        Field("vinculada_total", 53, 69, "money"),
        Field("caucionada_count", 70, 75, "int"),
        Field("caucionada_total", 76, 92, "money"),
        Field("descontada_count", 93, 98, "int"),
        Field("descontada_total", 99, 115, "money"),
        Field("notice", 116, 123, "alpha"),
        filler(124, 240),
    ],
)

FILE_TRAILER = Layout(
    "trailer de arquivo",
    WIDTH,
    [
        *_head("9", Field("lote", 4, 7, "num", "9999", const=True)),
        filler(9, 17),
        Field("lote_count", 18, 23, "int"),
        Field("record_count", 24, 29, "int"),
        Field("account_count", 30, 35, "int"),
        filler(36, 240),
    ],
)

_Segment = tuple[Layout, Callable[[str, int], tuple[Any, ...]]]
_P_NAMES = (
    "lote", "sequence", "nosso_numero", "seu_numero", "due_date", "amount", "issue_date",
    "movement", "carteira", "especie", "aceite", "juros", "discount_date", "discount", "iof",
    "abatimento", "company_id",
)  # fmt: skip
_Q_NAMES = (
    "lote", "sequence", "payer_document_type", "payer_document", "payer_name",
    "payer_address", "payer_bairro", "payer_cep", "payer_city", "payer_uf",
)  # fmt: skip
_T_NAMES = (
    "lote", "sequence", "movement", "nosso_numero", "seu_numero", "due_date", "face_value",
    "tarifa", "reasons", "company_id", "payer_document_type", "payer_document", "payer_name",
)  # fmt: skip
_U_NAMES = (
    "lote", "sequence", "movement", "paid_amount", "net_amount", "juros", "discount",
    "abatimento", "iof", "occurrence_date", "credit_date",
)  # fmt: skip

#: FEBRABAN retorno movement codes (T 16-17) → reconciliation status.
RETORNO_STATUS: dict[str, MovementStatus] = {
    "02": MovementStatus.REGISTERED,
    "03": MovementStatus.REJECTED,
    "06": MovementStatus.PAID,
    "09": MovementStatus.WRITTEN_OFF,
    "17": MovementStatus.PAID,
    "25": MovementStatus.WRITTEN_OFF,
    "26": MovementStatus.REJECTED,
    "30": MovementStatus.REJECTED,
}


_PQ: tuple[_Segment, _Segment] = (
    (SEGMENT_P, SEGMENT_P.tuple_reader(_P_NAMES)),
    (SEGMENT_Q, SEGMENT_Q.tuple_reader(_Q_NAMES)),
)
_TU: tuple[_Segment, _Segment] = (
    (SEGMENT_T, SEGMENT_T.tuple_reader(_T_NAMES)),
    (SEGMENT_U, SEGMENT_U.tuple_reader(_U_NAMES)),
)


# --- shared header/trailer handling -----------------------------------------------------


def _company(b: Beneficiario, width: int) -> dict[str, Any]:
    return {
        "bank_code": b.bank_code,
        "document_type": b.document_type,
        "document": b.document.zfill(width),
        "convenio": b.convenio,
        "agencia": b.agencia,
        "agencia_dv": b.agencia_dv,
        "conta": b.conta,
        "conta_dv": b.conta_dv,
        "company_name": b.name,
    }


def _file_header(b: Beneficiario, file_code: str, seq: int, on: date, at: time) -> str:
    return FILE_HEADER.render(
        {
            **_company(b, 14),
            "bank_name": b.bank_name,
            "file_code": file_code,
            "generated_on": on,
            "generated_time": f"{at.hour:02d}{at.minute:02d}{at.second:02d}",
            "sequence": seq,
        }
    )


def _lote_header(b: Beneficiario, lote: int, operation: str, seq: int, on: date) -> str:
    return LOTE_HEADER.render(
        {
            **_company(b, 15),
            "lote": lote,
            "operation": operation,
            "sequence": seq,
            "recorded_on": on,
        }
    )


def _chunks(items: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    return [
        items[i : i + MAX_TITULOS_PER_LOTE]
        for i in range(0, max(len(items), 1), MAX_TITULOS_PER_LOTE)
    ]


def _strip_document(raw: str, document_type: str) -> str:
    """Documents are zero-padded to 14/15 columns; CPFs keep 11, CNPJs 14 characters."""
    text = raw.strip()
    if not text.strip("0"):
        return ""
    return text[-11:] if document_type == "1" else text[-14:]


def _err(code: str, detail: str, line: int, **extra: Any) -> CnabError:
    return CnabError(code, detail, line=line, **extra)


def _beneficiario(header: dict[str, Any]) -> Beneficiario:
    doc = _strip_document(header["document"], header["document_type"])
    return Beneficiario(
        bank_code=header["bank_code"],
        document=doc,
        name=header["company_name"],
        agencia=header["agencia"],
        conta=header["conta"],
        agencia_dv=header["agencia_dv"],
        conta_dv=header["conta_dv"],
        convenio=header["convenio"],
        bank_name=header["bank_name"],
    )


class _Reader:
    """Walks the lines once, checking structure; any error aborts the whole read."""

    def __init__(self, text: str, file_code: str, operation: str) -> None:
        self.lines = split_lines(text, WIDTH)
        self.operation = operation
        header = self._expect(0, FILE_HEADER, "0")
        if header["file_code"] != file_code:
            kind = "remessa" if file_code == "1" else "retorno"
            raise _err(
                "CNAB_WRONG_FILE_KIND",
                f"Linha 1: código do arquivo {header['file_code']!r}; esperado {file_code} "
                f"({kind}).",
                1,
                field="file_code",
            )
        self.header = header
        self.bank = header["bank_code"]

    def _expect(self, index: int, layout: Layout, record_type: str) -> dict[str, Any]:
        if index >= len(self.lines):
            raise _err(
                "CNAB_MISSING_RECORD",
                f"Arquivo termina antes do {layout.name} (linha {index + 1}).",
                index + 1,
            )
        line = self.lines[index]
        if line[7] != record_type:
            raise _err(
                "CNAB_UNEXPECTED_RECORD",
                f"Linha {index + 1}: registro tipo {line[7]!r}; esperado {layout.name} "
                f"(tipo {record_type}).",
                index + 1,
                field="record_type",
            )
        values = layout.parse(line, index + 1)
        if index and values["bank_code"] != self.bank:
            raise _err(
                "CNAB_INVALID_FIELD",
                f"Linha {index + 1}: banco {values['bank_code']} difere do header ({self.bank}).",
                index + 1,
                field="bank_code",
            )
        return values

    def lotes(self, segments: tuple[_Segment, _Segment]) -> list[list[tuple[Any, ...]]]:
        """Each lote as a list of (first, second) segment tuples; ``lote`` and ``sequence``
        are the first two values of each tuple and are checked here."""
        out: list[list[tuple[Any, ...]]] = []
        i = 1
        lines = self.lines
        n = len(lines)
        (first_layout, first_read), (second_layout, second_read) = segments
        first_code = first_layout.fields[4].default
        second_code = second_layout.fields[4].default
        while i < n and lines[i][7] == "1":
            start = i
            lote_header = self._expect(i, LOTE_HEADER, "1")
            lote_no = lote_header["lote"]
            if lote_no != len(out) + 1:
                raise _err(
                    "CNAB_INVALID_FIELD",
                    f"Linha {i + 1}: lote {lote_no}; esperado {len(out) + 1}.",
                    i + 1,
                    field="lote",
                )
            if lote_header["operation"] != self.operation:
                raise _err(
                    "CNAB_INVALID_FIELD",
                    f"Linha {i + 1}: operação {lote_header['operation']!r}; esperado "
                    f"{self.operation!r}.",
                    i + 1,
                    field="operation",
                )
            i += 1
            pairs: list[tuple[Any, ...]] = []
            seq = 0
            bank = self.bank
            while i < n and lines[i][7] == "3":
                line = lines[i]
                if line[13] != first_code:
                    self._wrong_segment(i, first_layout)
                a = first_read(line, i + 1)
                if i + 1 >= n or lines[i + 1][7] != "3" or lines[i + 1][13] != second_code:
                    self._wrong_segment(i + 1, second_layout)
                b = second_read(lines[i + 1], i + 2)
                seq += 2
                if a[0] != lote_no or a[1] != seq - 1 or b[0] != lote_no or b[1] != seq:
                    bad = i + 1 if a[0] != lote_no or a[1] != seq - 1 else i + 2
                    raise _err(
                        "CNAB_INVALID_FIELD",
                        f"Linha {bad}: lote/sequencial fora de ordem; esperado lote {lote_no}, "
                        f"sequencial {seq - 1 if bad == i + 1 else seq}.",
                        bad,
                        field="sequence",
                    )
                if line[:3] != bank or lines[i + 1][:3] != bank:
                    bad = i + 1 if line[:3] != bank else i + 2
                    raise _err(
                        "CNAB_INVALID_FIELD",
                        f"Linha {bad}: banco difere do header ({bank}).",
                        bad,
                        field="bank_code",
                    )
                pairs.append((a, b))
                i += 2
            trailer = self._expect(i, LOTE_TRAILER, "5")
            count = i - start + 1
            if trailer["lote"] != lote_no or trailer["record_count"] != count:
                raise _err(
                    "CNAB_COUNT_MISMATCH",
                    f"Linha {i + 1}: trailer do lote {trailer['lote']} informa "
                    f"{trailer['record_count']} registros; o lote {lote_no} tem {count}.",
                    i + 1,
                    field="record_count",
                )
            i += 1
            out.append(pairs)
        trailer = self._expect(i, FILE_TRAILER, "9")
        if i != n - 1:
            raise _err(
                "CNAB_UNEXPECTED_RECORD",
                f"Linha {i + 2}: registro após o trailer de arquivo.",
                i + 2,
            )
        if trailer["lote_count"] != len(out) or trailer["record_count"] != n:
            raise _err(
                "CNAB_COUNT_MISMATCH",
                f"Linha {n}: trailer informa {trailer['lote_count']} lotes e "
                f"{trailer['record_count']} registros; o arquivo tem {len(out)} e {n}.",
                n,
                field="record_count",
            )
        return out

    def _wrong_segment(self, index: int, layout: Layout) -> None:
        found = (
            f"{self.lines[index][7]}/{self.lines[index][13]}"
            if index < len(self.lines)
            else "fim do arquivo"
        )
        raise _err(
            "CNAB_UNEXPECTED_RECORD",
            f"Linha {index + 1}: esperado {layout.name}; encontrado tipo/segmento {found!r}.",
            index + 1,
            field="segment",
        )


def _assemble(lines: list[str], bank: str, lote_sizes: list[int]) -> str:
    lines.append(
        FILE_TRAILER.render(
            {
                "bank_code": bank,
                "lote_count": len(lote_sizes),
                "record_count": len(lines) + 1,
                "account_count": 0,
            }
        )
    )
    return "\r\n".join(lines) + "\r\n"


# --- remessa ---------------------------------------------------------------------------


def write_remessa_240(remessa: Remessa) -> str:
    """The remessa file (CRLF line ends), several lotes when there are many títulos."""
    b = remessa.beneficiario
    bank = b.bank_code
    lines = [_file_header(b, "1", remessa.sequence, remessa.generated_on, remessa.generated_time)]
    sizes = []
    account = {
        "agencia": b.agencia,
        "agencia_dv": b.agencia_dv,
        "conta": b.conta,
        "conta_dv": b.conta_dv,
    }
    p_render, q_render = SEGMENT_P.render, SEGMENT_Q.render
    for lote, chunk in enumerate(_chunks(remessa.titulos), 1):
        start = len(lines)
        lines.append(_lote_header(b, lote, "R", remessa.sequence, remessa.generated_on))
        seq = 0
        total = Decimal(0)
        for t in chunk:
            p = t.pagador
            lines.append(
                p_render(
                    {
                        "bank_code": bank,
                        "lote": lote,
                        "sequence": seq + 1,
                        "movement": t.movement,
                        **account,
                        "nosso_numero": t.nosso_numero,
                        "carteira": t.carteira,
                        "seu_numero": t.seu_numero,
                        "due_date": t.due_date,
                        "amount": t.amount,
                        "especie": t.especie,
                        "aceite": t.aceite,
                        "issue_date": t.issue_date,
                        "juros_code": "1" if t.juros_per_day else "3",
                        "juros_date": t.due_date if t.juros_per_day else None,
                        "juros": t.juros_per_day,
                        "discount_code": "1" if t.discount else "0",
                        "discount_date": t.discount_date,
                        "discount": t.discount,
                        "iof": t.iof,
                        "abatimento": t.abatimento,
                        "company_id": t.company_id,
                    }
                )
            )
            lines.append(
                q_render(
                    {
                        "bank_code": bank,
                        "lote": lote,
                        "sequence": seq + 2,
                        "movement": t.movement,
                        "payer_document_type": p.document_type,
                        "payer_document": p.document.zfill(15),
                        "payer_name": p.name,
                        "payer_address": p.address,
                        "payer_bairro": p.bairro,
                        "payer_cep": p.cep,
                        "payer_city": p.city,
                        "payer_uf": p.uf,
                    }
                )
            )
            seq += 2
            total += t.amount
        lines.append(
            LOTE_TRAILER.render(
                {
                    "bank_code": bank,
                    "lote": lote,
                    "record_count": len(lines) - start + 1,
                    "simples_count": len(chunk),
                    "simples_total": total,
                }
            )
        )
        sizes.append(len(chunk))
    return _assemble(lines, bank, sizes)


def read_remessa_240(text: str) -> Remessa:
    """Parse a remessa back (all or nothing): header, lotes of P+Q pairs, trailers."""
    reader = _Reader(text, "1", "R")
    titulos: list[Titulo] = []
    append = titulos.append
    for lote in reader.lotes(_PQ):
        for p, q in lote:
            append(
                Titulo(
                    p[2],
                    p[3],
                    p[4],
                    p[5],
                    p[6],
                    Pagador(_strip_document(q[3], q[2]), q[4], q[5], q[6], q[7], q[8], q[9]),
                    *p[7:17],
                )
            )
    h = reader.header
    t = h["generated_time"]
    try:
        at = time(int(t[0:2]), int(t[2:4]), int(t[4:6]))
    except ValueError:
        raise _err(
            "CNAB_INVALID_FIELD",
            f"Linha 1 (header de arquivo), campo generated_time: {t!r} não é uma hora.",
            1,
            field="generated_time",
        ) from None
    if h["generated_on"] is None:
        raise _err(
            "CNAB_INVALID_FIELD", "Linha 1: data de geração ausente.", 1, field="generated_on"
        )
    return Remessa(_beneficiario(h), tuple(titulos), h["sequence"], h["generated_on"], at)


# --- retorno ---------------------------------------------------------------------------


def write_retorno_240(retorno: Retorno) -> str:
    """A retorno file, as a bank would send it (for sandboxes and tests)."""
    b = retorno.beneficiario
    bank = b.bank_code
    lines = [_file_header(b, "2", retorno.sequence, retorno.generated_on, time(0, 0))]
    sizes = []
    for lote, chunk in enumerate(_chunks(retorno.ocorrencias), 1):
        start = len(lines)
        lines.append(_lote_header(b, lote, "T", retorno.sequence, retorno.generated_on))
        seq = 0
        for o in chunk:
            common = {"bank_code": bank, "lote": lote, "movement": o.movement}
            lines.append(
                SEGMENT_T.render(
                    {
                        **common,
                        "sequence": seq + 1,
                        "agencia": b.agencia,
                        "agencia_dv": b.agencia_dv,
                        "conta": b.conta,
                        "conta_dv": b.conta_dv,
                        "nosso_numero": o.nosso_numero,
                        "seu_numero": o.seu_numero,
                        "due_date": o.due_date,
                        "face_value": o.face_value,
                        "company_id": o.company_id,
                        "payer_document_type": (
                            "0"
                            if not o.payer_document
                            else "1"
                            if len(o.payer_document) == 11
                            else "2"
                        ),
                        "payer_document": o.payer_document.zfill(15) if o.payer_document else "",
                        "payer_name": o.payer_name,
                        "tarifa": o.tarifa,
                        "reasons": "".join(o.reasons),
                    }
                )
            )
            lines.append(
                SEGMENT_U.render(
                    {
                        **common,
                        "sequence": seq + 2,
                        "juros": o.juros,
                        "discount": o.discount,
                        "abatimento": o.abatimento,
                        "iof": o.iof,
                        "paid_amount": o.paid_amount,
                        "net_amount": o.net_amount,
                        "occurrence_date": o.occurrence_date,
                        "credit_date": o.credit_date,
                    }
                )
            )
            seq += 2
        lines.append(
            LOTE_TRAILER.render(
                {
                    "bank_code": bank,
                    "lote": lote,
                    "record_count": len(lines) - start + 1,
                    "simples_count": len(chunk),
                    "simples_total": sum((o.face_value for o in chunk), Decimal(0)),
                }
            )
        )
        sizes.append(len(chunk))
    return _assemble(lines, bank, sizes)


def _reasons(raw: str) -> tuple[str, ...]:
    text = raw.strip()
    return tuple(c for c in (text[i : i + 2] for i in range(0, len(text), 2)) if c.strip("0 "))


def read_retorno_240(text: str) -> Retorno:
    """Parse a retorno: T+U pairs become ``Ocorrencia`` with their reconciliation status."""
    reader = _Reader(text, "2", "T")
    items = []
    for lote in reader.lotes(_TU):
        for t, u in lote:
            (_, _seq, movement, nosso, seu, due, face, tarifa, reasons, company) = t[:10]
            if u[2] != movement:
                raise CnabError(
                    "CNAB_INVALID_FIELD",
                    f"Segmento U com movimento {u[2]} diferente do T ({movement}), "
                    f"sequencial {u[1]}.",
                    field="movement",
                )
            items.append(
                Ocorrencia(
                    movement,
                    nosso,
                    seu,
                    due,
                    face,
                    u[3],
                    u[4],
                    tarifa,
                    u[5],
                    u[6],
                    u[7],
                    u[8],
                    u[9],
                    u[10],
                    reasons=_reasons(reasons),
                    company_id=company,
                    payer_document=_strip_document(t[11], t[10]),
                    payer_name=t[12],
                    status=RETORNO_STATUS.get(movement, MovementStatus.OTHER),
                )
            )
    h = reader.header
    if h["generated_on"] is None:
        raise _err(
            "CNAB_INVALID_FIELD", "Linha 1: data de geração ausente.", 1, field="generated_on"
        )
    return Retorno(_beneficiario(h), h["sequence"], h["generated_on"], tuple(items))
