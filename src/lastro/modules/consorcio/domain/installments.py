"""Money of an installment: percent × price per component, with the rounding residue carried.

Each component is rounded to the cent on its own, and the installment total is the sum of the
rounded components, so they always add up. The sub-cent residue of each component is carried
into the next bill: the money billed so far is always round(Σ exact money) per component
(half-even), so over the life of a quota at a constant price each component sums to exactly
round(total % × price) — the "lost cent" is caught up instead of lost.

The carry is an opaque per-component state in (−0.005, 0.015]: the residue Σexact − Σmoney plus
the parity of Σmoney in cents (half-even rounding is only invariant under shifts of two cents).
Start a quota with zeros, store ``carry_out`` (≤ 14 decimal places with 10-place percents and
2-place prices: NUMERIC(20,14)), or rebuild it from history with :func:`carry_from_history`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, localcontext

from lastro.modules.consorcio.domain.components import ZERO_COMPONENTS, Component, Components
from lastro.modules.consorcio.domain.errors import InvalidTerms
from lastro.modules.consorcio.domain.rounding import exact_money, q_money

_ZERO_MONEY = Decimal("0.00")
_HALF_CENT = Decimal("0.005")
_ODD_CENT = Decimal("0.01")
_TWO_CENTS = Decimal("0.02")


@dataclass(frozen=True, slots=True)
class Installment:
    """One billed amount: percent and money per component at ``price``."""

    percent: Components
    price: Decimal
    money: Components
    carry_in: Components = ZERO_COMPONENTS
    carry_out: Components = ZERO_COMPONENTS

    @property
    def total(self) -> Decimal:
        """The boleto amount (before fines): exactly the sum of the component amounts."""
        return self.money.total

    @property
    def total_percent(self) -> Decimal:
        return self.percent.total


def bill(percent: Components, price: Decimal, carry: Components | None = None) -> Installment:
    """Money for ``percent`` at ``price``: 2.34 % of 30,000 is 600 + 90 + 12 = R$ 702.00."""
    if price <= 0:
        raise InvalidTerms("O preço do bem deve ser positivo.")
    if percent.any_negative():
        raise InvalidTerms("Uma parcela não pode ter percentual negativo.")
    carry_in = carry or Components()
    money: dict[Component, Decimal] = {}
    carry_out: dict[Component, Decimal] = {}
    with localcontext() as ctx:
        ctx.prec = 60
        for component, pct in percent:
            state = carry_in[component]
            parity = _ODD_CENT if state > _HALF_CENT else _ZERO_MONEY
            rounded = q_money(state + exact_money(pct, price))
            amount = rounded - parity
            money[component] = amount + _ZERO_MONEY
            new_parity = (parity + amount) % _TWO_CENTS
            carry_out[component] = state + exact_money(pct, price) - rounded + new_parity
    return Installment(percent, price, Components.of(money), carry_in, Components.of(carry_out))


def reprice(installment: Installment, price: Decimal) -> Installment:
    """The same percent at another price (an overdue installment at the current price).

    2.34 % re-priced from 30,000 to 31,500 is R$ 737.10. The incoming carry is kept, so
    re-pricing at the original price gives the original amounts back.
    """
    return bill(installment.percent, price, installment.carry_in)


def carry_from_history(billed: Iterable[tuple[Components, Decimal, Components]]) -> Components:
    """Rebuild the carry from (percent, price, money) of every installment billed so far."""
    exact_total: dict[Component, Decimal] = {}
    money_total: dict[Component, Decimal] = {}
    with localcontext() as ctx:
        ctx.prec = 60
        for percent, price, money in billed:
            for c, p in percent:
                exact_total[c] = exact_total.get(c, Decimal(0)) + exact_money(p, price)
                money_total[c] = money_total.get(c, Decimal(0)) + money[c]
        return Components.of(
            {c: exact_total[c] - money_total[c] + money_total[c] % _TWO_CENTS for c in exact_total}
        )
