"""CPF and CNPJ: validation, normalisation, formatting and test-data generation.

The CNPJ follows IN RFB 2.229/2024: the 12 base characters may be ``0-9A-Z`` (value
``ord(c) - 48``, so numeric CNPJs compute exactly as before) and the two check digits stay
numeric. Input is normalised to upper case; store CNPJs as text, never as integers.
"""

from __future__ import annotations

import re
import secrets
from random import Random

from lastro.br.errors import DocumentError

__all__ = [
    "cnpj_check_digits",
    "cpf_check_digits",
    "format_cnpj",
    "format_cpf",
    "generate_cnpj",
    "generate_cpf",
    "is_valid_cnpj",
    "is_valid_cpf",
    "normalize_document",
    "parse_cnpj",
    "parse_cpf",
]

_PUNCTUATION = re.compile(r"[\s.\-/]+")
_CPF_SHAPE = re.compile(r"[0-9]{11}")
_CNPJ_SHAPE = re.compile(r"[0-9A-Z]{12}[0-9]{2}")
_CNPJ_W1 = (5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2)
_CNPJ_W2 = (6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2)
_ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def normalize_document(text: str) -> str:
    """Strip the mask (dots, hyphen, slash, spaces) and upper-case alphanumeric CNPJs."""
    return _PUNCTUATION.sub("", text).upper()


def _dv(total: int) -> int:
    r = total % 11
    return 0 if r < 2 else 11 - r


def cpf_check_digits(base: str) -> str:
    """The two check digits of a 9-digit CPF base."""
    if not _CPF_SHAPE.fullmatch(base + "00"):
        raise DocumentError("INVALID_CPF", f"Base do CPF deve ter 9 dígitos; recebido {base!r}.")
    values = [ord(c) - 48 for c in base]
    d1 = _dv(sum(v * w for v, w in zip(values, range(10, 1, -1), strict=True)))
    values.append(d1)
    d2 = _dv(sum(v * w for v, w in zip(values, range(11, 1, -1), strict=True)))
    return f"{d1}{d2}"


def cnpj_check_digits(base: str) -> str:
    """The two numeric check digits of a 12-character CNPJ base (numeric or alphanumeric)."""
    if not re.fullmatch(r"[0-9A-Z]{12}", base):
        raise DocumentError(
            "INVALID_CNPJ", f"Base do CNPJ deve ter 12 caracteres 0-9/A-Z; recebido {base!r}."
        )
    values = [ord(c) - 48 for c in base]
    d1 = _dv(sum(v * w for v, w in zip(values, _CNPJ_W1, strict=True)))
    values.append(d1)
    d2 = _dv(sum(v * w for v, w in zip(values, _CNPJ_W2, strict=True)))
    return f"{d1}{d2}"


def parse_cpf(text: str) -> str:
    """Return the 11-digit CPF or raise ``DocumentError(INVALID_CPF)`` saying what is wrong."""
    value = normalize_document(text)
    if not value:
        raise DocumentError("INVALID_CPF", "CPF vazio.", reason="empty")
    if len(value) != 11:
        raise DocumentError(
            "INVALID_CPF",
            f"CPF deve ter 11 dígitos; recebidos {len(value)} caracteres.",
            reason="length",
        )
    if not _CPF_SHAPE.fullmatch(value):
        bad = next(c for c in value if not ("0" <= c <= "9"))
        raise DocumentError(
            "INVALID_CPF", f"CPF aceita apenas dígitos; encontrado {bad!r}.", reason="characters"
        )
    if value == value[0] * 11:
        raise DocumentError(
            "INVALID_CPF",
            f"CPF com todos os dígitos iguais ({_mask_cpf(value)}) não é válido.",
            reason="repeated",
        )
    expected = cpf_check_digits(value[:9])
    if value[9:] != expected:
        raise DocumentError(
            "INVALID_CPF",
            f"Dígitos verificadores do CPF não conferem: esperado {expected}, "
            f"encontrado {value[9:]}.",
            reason="check_digit",
            expected=expected,
            found=value[9:],
        )
    return value


def parse_cnpj(text: str) -> str:
    """Return the 14-character CNPJ (upper case) or raise ``DocumentError(INVALID_CNPJ)``."""
    value = normalize_document(text)
    if not value:
        raise DocumentError("INVALID_CNPJ", "CNPJ vazio.", reason="empty")
    if len(value) != 14:
        raise DocumentError(
            "INVALID_CNPJ",
            f"CNPJ deve ter 14 caracteres; recebidos {len(value)}.",
            reason="length",
        )
    if not _CNPJ_SHAPE.fullmatch(value):
        for i, c in enumerate(value):
            allowed = _ALNUM if i < 12 else "0123456789"
            if c not in allowed:
                where = "na base (posições 1-12)" if i < 12 else "nos dígitos verificadores"
                raise DocumentError(
                    "INVALID_CNPJ",
                    f"Caractere {c!r} inválido {where} do CNPJ (posição {i + 1}).",
                    reason="characters",
                )
    if value == value[0] * 14:
        raise DocumentError(
            "INVALID_CNPJ",
            f"CNPJ com todos os caracteres iguais ({_mask_cnpj(value)}) não é válido.",
            reason="repeated",
        )
    expected = cnpj_check_digits(value[:12])
    if value[12:] != expected:
        raise DocumentError(
            "INVALID_CNPJ",
            f"Dígitos verificadores do CNPJ não conferem: esperado {expected}, "
            f"encontrado {value[12:]}.",
            reason="check_digit",
            expected=expected,
            found=value[12:],
        )
    return value


def is_valid_cpf(text: str) -> bool:
    try:
        parse_cpf(text)
    except DocumentError:
        return False
    return True


def is_valid_cnpj(text: str) -> bool:
    try:
        parse_cnpj(text)
    except DocumentError:
        return False
    return True


def _mask_cpf(v: str) -> str:
    return f"{v[:3]}.{v[3:6]}.{v[6:9]}-{v[9:]}"


def _mask_cnpj(v: str) -> str:
    return f"{v[:2]}.{v[2:5]}.{v[5:8]}/{v[8:12]}-{v[12:]}"


def format_cpf(text: str) -> str:
    """``529.982.247-25``; validates first, so a formatted CPF is always a valid one."""
    return _mask_cpf(parse_cpf(text))


def format_cnpj(text: str) -> str:
    """``12.ABC.345/01DE-35``; validates first."""
    return _mask_cnpj(parse_cnpj(text))


def generate_cpf(rng: Random | None = None, *, formatted: bool = False) -> str:
    """A valid CPF for tests and demo data (never a repeated-digit one)."""
    r = rng or secrets.SystemRandom()
    while True:
        base = "".join(r.choice("0123456789") for _ in range(9))
        if base != base[0] * 9:
            break
    value = base + cpf_check_digits(base)
    return _mask_cpf(value) if formatted else value


def generate_cnpj(
    rng: Random | None = None, *, alphanumeric: bool = False, formatted: bool = False
) -> str:
    """A valid CNPJ (head office ``0001`` branch); ``alphanumeric`` draws A-Z in the root too."""
    r = rng or secrets.SystemRandom()
    alphabet = _ALNUM if alphanumeric else "0123456789"
    while True:
        root = "".join(r.choice(alphabet) for _ in range(8))
        if root != root[0] * 8:
            break
    base = root + "0001"
    value = base + cnpj_check_digits(base)
    return _mask_cnpj(value) if formatted else value
