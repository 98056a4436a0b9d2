"""Recognise a pasted string (boleto, arrecadação, BR Code, PIX key, CPF/CNPJ, E2E id).

One pure function for the CLI and the API: it never raises, always returns a
JSON-serialisable dict, and an input that clearly looks like one kind (the right number of
digits, a payload starting ``000201``…) keeps that kind with ``valid: false`` and an error
saying exactly what is wrong.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from lastro.br._checks import is_digits, strip_separators
from lastro.br._clock import today_sao_paulo
from lastro.br.arrecadacao import SEGMENTS, VALUE_IDS, parse_arrecadacao
from lastro.br.boleto import parse_boleto
from lastro.br.boleto_banks import parse_free_field
from lastro.br.documents import format_cnpj, format_cpf, parse_cnpj, parse_cpf
from lastro.br.errors import BrFormatError
from lastro.br.pdf import BANK_NAMES
from lastro.br.pix import (
    detect_pix_key_type,
    parse_br_code,
    parse_end_to_end_id,
    parse_pix_key,
)

__all__ = ["KINDS", "inspect_text"]

KINDS = (
    "cpf",
    "cnpj",
    "boleto",
    "arrecadacao",
    "pix_br_code",
    "pix_key",
    "end_to_end_id",
    "unknown",
)
_E2E_LIKE = re.compile(r"[ED][0-9]{8}[0-9A-Za-z]{15,30}")
_CNPJ_SHAPE = re.compile(r"[0-9A-Z]{12}[0-9]{2}")
_PIX_GUI_HINT = "br.gov.bcb.pix"
_MAX_INPUT = 4096


def _result(kind: str, fields: dict[str, Any]) -> dict[str, Any]:
    return {"kind": kind, "valid": True, "fields": fields}


def _error(kind: str, exc: BrFormatError) -> dict[str, Any]:
    return {
        "kind": kind,
        "valid": False,
        "fields": {},
        "error": {"code": exc.code, "detail": exc.detail},
    }


def _boleto(digits: str, today: date) -> dict[str, Any]:
    try:
        b = parse_boleto(digits, today=today)
    except BrFormatError as exc:
        return _error("boleto", exc)
    fields: dict[str, Any] = {
        "bank_code": b.bank_code,
        "bank_name": BANK_NAMES.get(b.bank_code, (None,))[0],
        "currency": b.currency,
        "due_date": b.due_date.isoformat() if b.due_date else None,
        "fator_vencimento": b.fator_vencimento,
        "amount": str(b.amount),
        "barcode": b.barcode,
        "linha_digitavel": b.linha_digitavel,
        "linha_digitavel_formatada": b.linha_digitavel_formatada,
        "free_field": b.free_field,
    }
    try:
        layout = parse_free_field(b.bank_code, b.free_field)
    except BrFormatError as exc:
        fields["bank_fields"] = None
        fields["bank_fields_warning"] = {"code": exc.code, "detail": exc.detail}
    else:
        fields["bank_fields"] = {
            "layout": type(layout).__name__,
            "nosso_numero": layout.nosso_numero,
            "nosso_numero_dv": layout.nosso_numero_dv,
            "nosso_numero_formatado": layout.nosso_numero_formatado,
        }
    return _result("boleto", fields)


def _arrecadacao(digits: str) -> dict[str, Any]:
    try:
        a = parse_arrecadacao(digits)
    except BrFormatError as exc:
        return _error("arrecadacao", exc)
    return _result(
        "arrecadacao",
        {
            "segment": a.segment,
            "segment_name": SEGMENTS[a.segment],
            "value_id": a.value_id,
            "value_type": VALUE_IDS[a.value_id],
            "value": str(a.value),
            "amount": str(a.amount) if a.amount is not None else None,
            "company_id": a.company_id,
            "cnpj_root": a.cnpj_root,
            "free_field": a.free_field,
            "barcode": a.barcode,
            "linha_digitavel": a.linha_digitavel,
            "linha_digitavel_formatada": a.linha_digitavel_formatada,
        },
    )


def _br_code(text: str) -> dict[str, Any]:
    try:
        c = parse_br_code(text)
    except BrFormatError as exc:
        return _error("pix_br_code", exc)
    key_type = detect_pix_key_type(c.key) if c.key else None
    return _result(
        "pix_br_code",
        {
            "dynamic": c.is_dynamic,
            "key": c.key,
            "key_type": key_type.value if key_type else None,
            "url": c.url,
            "amount": str(c.amount) if c.amount is not None else None,
            "txid": c.txid,
            "merchant_name": c.merchant_name,
            "merchant_city": c.merchant_city,
            "postal_code": c.postal_code,
            "mcc": c.mcc,
            "description": c.description,
            "point_of_initiation": c.point_of_initiation,
            "crc": c.crc,
        },
    )


def _document(kind: str, text: str) -> dict[str, Any]:
    try:
        if kind == "cpf":
            value = parse_cpf(text)
            return _result("cpf", {"cpf": value, "formatted": format_cpf(value)})
        value = parse_cnpj(text)
        return _result(
            "cnpj",
            {
                "cnpj": value,
                "formatted": format_cnpj(value),
                "alphanumeric": not value.isdigit(),
            },
        )
    except BrFormatError as exc:
        return _error(kind, exc)


def _pix_key(text: str) -> dict[str, Any]:
    try:
        key = parse_pix_key(text)
    except BrFormatError as exc:
        result = _error("pix_key", exc)
        shape = detect_pix_key_type(text)
        result["fields"] = {"key_type": shape.value if shape else None}
        return result
    return _result("pix_key", {"key_type": key.key_type.value, "key": key.value})


def _e2e(text: str) -> dict[str, Any]:
    try:
        e = parse_end_to_end_id(text)
    except BrFormatError as exc:
        return _error("end_to_end_id", exc)
    return _result(
        "end_to_end_id",
        {
            "end_to_end_id": e.value,
            "ispb": e.ispb,
            "created_at": e.created_at.isoformat(),
            "sequence": e.sequence,
            "is_return": e.is_return,
        },
    )


def _unknown(detail: str) -> dict[str, Any]:
    return {
        "kind": "unknown",
        "valid": False,
        "fields": {},
        "error": {"code": "UNRECOGNISED_INPUT", "detail": detail},
    }


def inspect_text(text: str, today: date | None = None) -> dict[str, Any]:
    """What ``text`` is, whether it is valid, its fields, and if not, what is wrong.

    ``today`` anchors the boleto due-date window (default: today in America/Sao_Paulo).
    """
    try:
        return _inspect(text, today)
    except BrFormatError as exc:  # defensive: the helpers already catch these
        return _error("unknown", exc)


def _inspect(text: str, today: date | None) -> dict[str, Any]:
    if not isinstance(text, str):
        return _unknown("Entrada deve ser texto.")
    raw = text.strip()
    if not raw:
        return _unknown("Entrada vazia.")
    if len(raw) > _MAX_INPUT:
        return _unknown(f"Entrada com {len(raw)} caracteres; o limite é {_MAX_INPUT}.")
    lowered = raw.lower()
    if raw.startswith("000201") or _PIX_GUI_HINT in lowered:
        return _br_code(raw)
    if _E2E_LIKE.fullmatch(raw) and len(raw) in range(28, 37):
        return _e2e(raw)
    digits = strip_separators(raw)
    if digits and is_digits(digits):
        n = len(digits)
        if n == 48 or (n == 44 and digits[0] == "8"):
            return _arrecadacao(digits)
        if n in (44, 47):
            return _boleto(digits, today or today_sao_paulo())
        if n == 11 and not raw.startswith("+"):
            return _document("cpf", raw)
        if n == 14:
            return _document("cnpj", raw)
    if _CNPJ_SHAPE.fullmatch(digits.upper()) and any(c.isdigit() for c in digits[:12]):
        return _document("cnpj", raw)
    if detect_pix_key_type(raw) is not None:
        return _pix_key(raw)
    if raw[0] in "ED" and len(raw) == 32:
        return _e2e(raw)
    return _unknown(
        "Não reconhecido: informe CPF, CNPJ, boleto (44/47 dígitos), arrecadação (44/48 "
        "dígitos iniciando com 8), BR Code PIX, chave PIX ou EndToEndId."
    )
