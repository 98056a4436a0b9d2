"""Pure rules of accounts: the account number's check digit and display formats."""

from __future__ import annotations

import re

_DIGITS = re.compile(r"[0-9]+")


def account_check_digit(agency: str, number: str) -> str:
    """Módulo 11 over agency + number, weights 2..9 cycling from the right; a remainder of 0
    or 1 (DV 11 or 10) gives "0". The documented rule for every account this bank opens."""
    digits = agency + number
    if not _DIGITS.fullmatch(digits):
        raise ValueError("agency and number must be digits")
    total = 0
    weight = 2
    for ch in reversed(digits):
        total += int(ch) * weight
        weight = 2 if weight == 9 else weight + 1
    dv = 11 - total % 11
    return "0" if dv >= 10 else str(dv)


def is_valid_account(agency: str, number_with_dv: str) -> bool:
    """``number_with_dv`` as "1234567-8" or "12345678"."""
    cleaned = number_with_dv.replace("-", "").strip()
    if len(cleaned) < 2 or not _DIGITS.fullmatch(cleaned) or not _DIGITS.fullmatch(agency):
        return False
    return account_check_digit(agency, cleaned[:-1]) == cleaned[-1]


def mask_document(document: str) -> str:
    """CPF/CNPJ with the middle hidden, as receipts show the other party (LGPD)."""
    if len(document) == 11:
        return f"***.{document[3:6]}.{document[6:9]}-**"
    if len(document) == 14:
        return f"{document[:2]}.{document[2:5]}.***/****-{document[12:]}"
    return "***"
