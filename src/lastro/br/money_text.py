"""Amounts for people: ``R$ 1.234,56`` and the amount in words (valor por extenso).

Receipts, contracts and promissory notes need the extenso; the rules follow standard pt-BR
usage: "mil" without "um", "e" before a final group below 100 or a round hundred, and
"de reais" after a whole number of millions ("um milhão de reais").
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from lastro.br.errors import MoneyTextError

__all__ = ["format_brl", "numero_por_extenso", "valor_por_extenso"]

_UNITS = (
    "zero", "um", "dois", "três", "quatro", "cinco", "seis", "sete", "oito", "nove", "dez",
    "onze", "doze", "treze", "catorze", "quinze", "dezesseis", "dezessete", "dezoito",
    "dezenove",
)  # fmt: skip
_TENS = (
    "", "", "vinte", "trinta", "quarenta", "cinquenta", "sessenta", "setenta", "oitenta",
    "noventa",
)  # fmt: skip
_HUNDREDS = (
    "", "cento", "duzentos", "trezentos", "quatrocentos", "quinhentos", "seiscentos",
    "setecentos", "oitocentos", "novecentos",
)  # fmt: skip
_SCALES = (("", ""), ("mil", "mil"), ("milhão", "milhões"), ("bilhão", "bilhões"),
           ("trilhão", "trilhões"))  # fmt: skip
_MAX = 10**15 - 1


def _to_decimal(amount: Decimal | int | str) -> Decimal:
    if isinstance(amount, float):
        raise MoneyTextError("MONEY_FLOAT", "Valor não pode ser float; use Decimal.")
    try:
        value = Decimal(amount)
    except (InvalidOperation, ValueError, TypeError):
        raise MoneyTextError("MONEY_INVALID", f"Valor inválido: {amount!r}.") from None
    if not value.is_finite():
        raise MoneyTextError("MONEY_INVALID", f"Valor inválido: {amount!r}.")
    if value != value.quantize(Decimal("0.01")):
        raise MoneyTextError(
            "MONEY_TOO_MANY_DECIMALS", f"Valor {amount} tem mais de 2 casas decimais."
        )
    return value.quantize(Decimal("0.01"))


def format_brl(amount: Decimal | int | str, *, symbol: bool = True) -> str:
    """``R$ 1.234,56``; negatives as ``-R$ 1.234,56``. More than 2 decimals is an error."""
    value = _to_decimal(amount)
    sign = "-" if value < 0 else ""
    integer, cents = f"{abs(value):,.2f}".split(".")
    text = f"{integer.replace(',', '.')},{cents}"
    return f"{sign}R$ {text}" if symbol else f"{sign}{text}"


def _below_thousand(n: int) -> str:
    if n == 100:
        return "cem"
    hundreds, rest = divmod(n, 100)
    parts = []
    if hundreds:
        parts.append(_HUNDREDS[hundreds])
    if rest:
        if rest < 20:
            parts.append(_UNITS[rest])
        else:
            tens, units = divmod(rest, 10)
            parts.append(_TENS[tens] if not units else f"{_TENS[tens]} e {_UNITS[units]}")
    return " e ".join(parts)


def numero_por_extenso(n: int) -> str:
    """A non-negative integer in words (masculine), up to 999 trilhões."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 0 or n > _MAX:
        raise MoneyTextError(
            "MONEY_OUT_OF_RANGE", f"Número {n!r} fora do intervalo de 0 a 999 trilhões."
        )
    if n == 0:
        return "zero"
    groups = []
    scale = 0
    while n:
        n, group = divmod(n, 1000)
        if group:
            groups.append((scale, group))
        scale += 1
    words = []
    for scale, group in reversed(groups):
        if scale == 0:
            words.append(_below_thousand(group))
        elif scale == 1:
            words.append("mil" if group == 1 else f"{_below_thousand(group)} mil")
        else:
            singular, plural = _SCALES[scale]
            words.append(f"{_below_thousand(group)} {singular if group == 1 else plural}")
    if len(groups) == 1:
        return words[0]
    last = groups[0][1]  # the lowest non-zero group
    joiner = " e " if last < 100 or last % 100 == 0 else " "
    return " ".join(words[:-1]) + joiner + words[-1]


def valor_por_extenso(amount: Decimal | int | str) -> str:
    """``mil duzentos e trinta e quatro reais e cinquenta e seis centavos``."""
    value = _to_decimal(amount)
    if int(abs(value)) > _MAX:
        raise MoneyTextError("MONEY_OUT_OF_RANGE", "Valor acima de 999 trilhões de reais.")
    prefix = "menos " if value < 0 else ""
    value = abs(value)
    reais = int(value)
    centavos = int((value - reais) * 100)
    parts = []
    if reais:
        unit = "real" if reais == 1 else "reais"
        if reais >= 1_000_000 and reais % 1_000_000 == 0:
            unit = "de reais"
        parts.append(f"{numero_por_extenso(reais)} {unit}")
    if centavos:
        parts.append(f"{numero_por_extenso(centavos)} {'centavo' if centavos == 1 else 'centavos'}")
    if not parts:
        return "zero reais"
    return prefix + " e ".join(parts)
