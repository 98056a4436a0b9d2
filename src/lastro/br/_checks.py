"""Check-digit arithmetic shared by boleto, arrecadação and the bank layouts.

Kept apart so each algorithm is written (and tested) once; the weight tables are
precomputed because these run hundreds of thousands of times in batch jobs.
"""

from __future__ import annotations

import re

_NON_DIGIT_SEPARATORS = re.compile(r"[\s.\-/_]+")
_DIGITS = re.compile(r"[0-9]+")
# Doubling table for mod 10: digit -> sum of the digits of 2*digit.
_DOUBLE = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)


def strip_separators(text: str) -> str:
    """Remove the spaces, dots, hyphens and slashes people paste between digit groups."""
    return _NON_DIGIT_SEPARATORS.sub("", text)


def is_digits(text: str) -> bool:
    """ASCII digits only (``str.isdigit`` also accepts '²' and other Unicode digits)."""
    return _DIGITS.fullmatch(text) is not None


def mod10(digits: str) -> int:
    """FEBRABAN mod 10: weights 2,1,2,1… from the right, products' digits summed."""
    total = 0
    double = True
    for ch in reversed(digits):
        d = ord(ch) - 48
        total += _DOUBLE[d] if double else d
        double = not double
    return (10 - total % 10) % 10


def weighted_sum(digits: str, weights: tuple[int, ...]) -> int:
    """Sum of digit × weight, weights cycling from the rightmost digit."""
    n = len(weights)
    total = 0
    for i, ch in enumerate(reversed(digits)):
        total += (ord(ch) - 48) * weights[i % n]
    return total


W2_9 = (2, 3, 4, 5, 6, 7, 8, 9)


def mod11_boleto(digits: str) -> int:
    """General DV of a cobrança barcode: 11 - r, and 0, 10 or 11 become 1."""
    dv = 11 - weighted_sum(digits, W2_9) % 11
    return 1 if dv in (0, 10, 11) else dv


def mod11_arrecadacao(digits: str) -> int:
    """Arrecadação mod 11: remainder 0 or 1 gives 0, remainder 10 gives 1."""
    r = weighted_sum(digits, W2_9) % 11
    if r in (0, 1):
        return 0
    if r == 10:
        return 1
    return 11 - r


def mod11_zero(digits: str, weights: tuple[int, ...] = W2_9) -> int:
    """Common bank variant: 11 - r, and results 10 or 11 become 0."""
    dv = 11 - weighted_sum(digits, weights) % 11
    return 0 if dv >= 10 else dv
