"""Decimal helpers: percent precision, money at a price, cent allocation.

Percentages are Decimal *percent values* (``Decimal("2.34")`` is 2.34 %) kept at 10 decimal
places (:data:`PERCENT_QUANTUM`, the foundation's NUMERIC(18,10)); money is Decimal with 2 places.
All products are computed in a wide local context, so nothing is lost before the explicit
rounding (ROUND_HALF_EVEN for both).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_FLOOR, ROUND_HALF_EVEN, Decimal, localcontext

from lastro.kit.money import CENT
from lastro.modules.consorcio.domain.errors import InvalidTerms

PERCENT_PLACES = 10
PERCENT_QUANTUM = Decimal(1).scaleb(-PERCENT_PLACES)
HUNDRED = Decimal(100)
ZERO_MONEY = Decimal("0.00")
ZERO_PERCENT = Decimal(0).quantize(PERCENT_QUANTUM)
_PREC = 60


def q_percent(value: Decimal) -> Decimal:
    """Round a percent value to the kept precision (10 places, half-even)."""
    with localcontext() as ctx:
        ctx.prec = _PREC
        return (value + 0).quantize(PERCENT_QUANTUM, rounding=ROUND_HALF_EVEN) + ZERO_PERCENT


def q_money(value: Decimal) -> Decimal:
    """Round to the cent (half-even); never returns a negative zero."""
    with localcontext() as ctx:
        ctx.prec = _PREC
        return value.quantize(CENT, rounding=ROUND_HALF_EVEN) + ZERO_MONEY


def exact_money(percent: Decimal, price: Decimal) -> Decimal:
    """``percent`` % of ``price`` with no rounding at all."""
    with localcontext() as ctx:
        ctx.prec = _PREC
        return percent * price / HUNDRED


def money_at(percent: Decimal, price: Decimal) -> Decimal:
    """``percent`` % of ``price`` rounded to the cent: 2.34 % of 30,000 is 702.00."""
    return q_money(exact_money(percent, price))


def percent_of(amount: Decimal, price: Decimal) -> Decimal:
    """What share of ``price`` the ``amount`` is, in percent at the kept precision."""
    if price <= 0:
        raise InvalidTerms("O preço do bem deve ser positivo.")
    with localcontext() as ctx:
        ctx.prec = _PREC
        return q_percent(amount * HUNDRED / price)


def spread(total: Decimal, parts: int, quantum: Decimal = PERCENT_QUANTUM) -> tuple[Decimal, ...]:
    """Split ``total`` into ``parts`` near-equal slices that sum to it exactly.

    Slice i is round(total·i/n) − round(total·(i−1)/n): the rounding residue is carried forward,
    so no slice differs from total/n by more than one quantum and the last one closes the sum.
    """
    if parts <= 0:
        raise ValueError("parts must be positive")
    out: list[Decimal] = []
    with localcontext() as ctx:
        ctx.prec = _PREC
        previous = Decimal(0).quantize(quantum)
        for i in range(1, parts + 1):
            cumulative = (total * i / parts).quantize(quantum, rounding=ROUND_HALF_EVEN)
            out.append(cumulative - previous)
            previous = cumulative
    return tuple(out)


def allocate_cents(amount: Decimal, weights: Sequence[Decimal]) -> tuple[Decimal, ...]:
    """Split ``amount`` (cents) pro rata to non-negative ``weights``, largest remainder first.

    The parts sum exactly to ``amount``; ties go to the earlier weight. With all weights zero the
    whole amount goes to the first slot.
    """
    if not weights:
        raise ValueError("weights must not be empty")
    if amount < 0 or any(w < 0 for w in weights):
        raise ValueError("amount and weights must be non-negative")
    cents = int((amount * 100).to_integral_value())
    weight_total = sum(weights, Decimal(0))
    if weight_total == 0:
        return (q_money(amount), *(ZERO_MONEY for _ in weights[1:]))
    with localcontext() as ctx:
        ctx.prec = _PREC
        raw = [Decimal(cents) * w / weight_total for w in weights]
        floors = [int(r.to_integral_value(rounding=ROUND_FLOOR)) for r in raw]
        left = cents - sum(floors)
        order = sorted(range(len(weights)), key=lambda i: (-(raw[i] - floors[i]), i))
        for i in order[:left]:
            floors[i] += 1
    return tuple(Decimal(c).scaleb(-2) + ZERO_MONEY for c in floors)
