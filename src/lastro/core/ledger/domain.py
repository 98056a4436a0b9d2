"""Pure ledger rules (no I/O): money in minor units, balancing, limits, fingerprints.

Money is stored as signed integer minor units (centavos for BRL): exact on SQLite and
PostgreSQL alike, cheap to sum, and free of NUMERIC's per-row cost on the hot path. A posting's
sign is its side: positive = debit, negative = credit, so an entry balances when its postings
sum to zero per currency.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation

from lastro.core.ledger.errors import (
    CurrencyNotSupported,
    InvalidAmount,
    InvalidEntry,
    UnbalancedEntry,
)

# ISO 4217 minor-unit exponents of the currencies the platform books; add more as needed.
CURRENCY_EXPONENTS: dict[str, int] = {
    "BRL": 2,
    "USD": 2,
    "EUR": 2,
    "GBP": 2,
    "ARS": 2,
    "MXN": 2,
    "CLP": 0,
    "JPY": 0,
}
MAX_LEGS = 250
MAX_KEY_LENGTH = 200
# Keys the engine derives itself: one resolution per hold, one reversal per entry.
RESERVED_KEY_PREFIXES = ("pending:", "reversal:")
# Largest amount in minor units accepted on one posting (well inside BIGINT's range, so sums
# of many postings cannot overflow in practice).
MAX_MINOR = 10**15


def currency_exponent(currency: str) -> int:
    try:
        return CURRENCY_EXPONENTS[currency]
    except KeyError:
        raise CurrencyNotSupported(f"Moeda '{currency}' não suportada pelo razão.") from None


def to_minor(amount: Decimal, exponent: int) -> int:
    """A positive Decimal to minor units; refuses floats and fractions of a cent (no rounding)."""
    if not isinstance(amount, Decimal):
        raise InvalidAmount(f"Valor deve ser Decimal, recebido {type(amount).__name__}.")
    try:
        scaled = amount.scaleb(exponent)
        minor = int(scaled)
    except (InvalidOperation, ValueError, OverflowError):
        raise InvalidAmount(f"Valor inválido: {amount}.") from None
    if scaled != minor:
        raise InvalidAmount(f"Valor {amount} tem mais de {exponent} casas decimais.")
    if minor <= 0:
        raise InvalidAmount(f"Valor deve ser positivo, recebido {amount}.")
    if minor > MAX_MINOR:
        raise InvalidAmount(f"Valor {amount} acima do máximo aceito.")
    return minor


def from_minor(value: int, exponent: int) -> Decimal:
    return Decimal(value).scaleb(-exponent) if exponent else Decimal(value)


def format_amount(value: int, exponent: int) -> str:
    """Minor units as the plain decimal string events carry ("1234.50")."""
    if not exponent:
        return str(value)
    sign = "-" if value < 0 else ""
    whole, frac = divmod(abs(value), 10**exponent)
    return f"{sign}{whole}.{frac:0{exponent}d}"


def check_key(key: str, *, derived: bool = False) -> str:
    if not isinstance(key, str) or not key.strip():
        raise InvalidEntry("Chave de idempotência obrigatória.")
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidEntry(f"Chave de idempotência acima de {MAX_KEY_LENGTH} caracteres.")
    if not derived and key.startswith(RESERVED_KEY_PREFIXES):
        raise InvalidEntry("Prefixos 'pending:' e 'reversal:' são reservados ao razão.")
    return key


def check_balanced(legs: Iterable[tuple[str, int]]) -> None:
    """Legs are (currency, signed minor units); each currency must sum to zero."""
    totals: dict[str, int] = {}
    for currency, amount in legs:
        totals[currency] = totals.get(currency, 0) + amount
    off = {c: t for c, t in totals.items() if t}
    if off:
        detail = ", ".join(f"{c}: diferença de {t} centésimos" for c, t in sorted(off.items()))
        raise UnbalancedEntry(f"Débitos e créditos não fecham ({detail}).")


def exposure(debit_normal: bool, dp: int, cp: int, dpe: int, cpe: int) -> int:
    """How far the normal-side balance, less holds against it, has gone below zero.

    Credit-normal accounts (a customer's deposit, a liability) are drawn down by debits, so
    pending debits count and pending credits do not; debit-normal accounts mirror that.
    """
    return (cp + cpe - dp) if debit_normal else (dp + dpe - cp)


def breaches_limit(
    limit: int | None,
    debit_normal: bool,
    before: Sequence[int],
    after: Sequence[int],
) -> bool:
    """True when ``after`` exceeds the overdraft ``limit`` and is worse than ``before``.

    A change that does not worsen the exposure (a deposit, a release) is always allowed, so an
    account left over a lowered limit can still be paid into.
    """
    if limit is None:
        return False
    new = exposure(debit_normal, *after)
    return new > limit and new > exposure(debit_normal, *before)


def fingerprint(
    ledger_id: uuid.UUID,
    kind: str,
    legs: Iterable[tuple[uuid.UUID, str, int]],
    ref: uuid.UUID | None = None,
) -> str:
    """What makes two entries "the same" for idempotency: book, kind, legs and referenced entry.

    Description, metadata and effective date are left out on purpose: a retry a day later with
    a defaulted date is still the same movement of money.
    """
    parts = sorted(f"{a}:{c}:{v}" for a, c, v in legs)
    text = f"{ledger_id}|{kind}|{ref or ''}|{';'.join(parts)}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def settle_legs(
    pending: Sequence[tuple[uuid.UUID, str, int]],
    amount: int | None,
    final: Sequence[tuple[uuid.UUID, str, int]] | None,
) -> list[tuple[uuid.UUID, str, int]]:
    """The legs that post a hold: all of it, a smaller ``amount`` (two-leg holds), or ``final``
    legs that each stay within the hold's leg of the same account, currency and side."""
    if amount is not None and final is not None:
        raise InvalidEntry("Informe o valor ou as partidas da efetivação, não ambos.")
    if amount is None and final is None:
        return list(pending)
    if amount is not None:
        if len(pending) != 2:
            raise InvalidEntry("Efetivação por valor só vale para reservas de duas partidas.")
        held = abs(pending[0][2])
        if amount > held:
            raise InvalidEntry("Efetivação acima do valor reservado.")
        return [(a, c, amount if v > 0 else -amount) for a, c, v in pending]
    assert final is not None
    room: dict[tuple[uuid.UUID, str, bool], int] = {}
    for a, c, v in pending:
        room[(a, c, v > 0)] = room.get((a, c, v > 0), 0) + abs(v)
    for a, c, v in final:
        key = (a, c, v > 0)
        if room.get(key, 0) < abs(v):
            raise InvalidEntry("Partida da efetivação excede a reserva correspondente.")
        room[key] -= abs(v)
    check_balanced((c, v) for _, c, v in final)
    return list(final)
