"""Money is ``Decimal`` (or integer cents), never float; rounding is always explicit."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

CENT = Decimal("0.01")


def to_decimal(value: Decimal | int | str) -> Decimal:
    """Convert without ever passing through float; floats are refused outright."""
    if isinstance(value, float):
        raise TypeError("money must never be a float")
    try:
        result = Decimal(value)
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"not a decimal amount: {value!r}") from exc
    if not result.is_finite():
        raise ValueError(f"not a finite amount: {value!r}")
    return result


def quantize(value: Decimal, exp: Decimal = CENT, rounding: str = ROUND_HALF_EVEN) -> Decimal:
    """Round to ``exp`` (cents by default) with an explicit rule (banker's rounding by default)."""
    return value.quantize(exp, rounding=rounding)


def to_cents(value: Decimal, rounding: str = ROUND_HALF_EVEN) -> int:
    return int(quantize(value, CENT, rounding) * 100)


def from_cents(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(CENT)


def brl(value: Decimal | int | str | None) -> str:
    """``R$ 1.234,56`` for people (pt-BR grouping, half-even to the cent; negatives
    ``-R$ 1,00``); an em dash for nothing. Never raises on extra decimals: it is for text."""
    if value is None:
        return "—"
    amount = quantize(to_decimal(value))
    sign = "-" if amount < 0 else ""
    text = f"{abs(amount):,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")
    return f"{sign}R$ {text}"
