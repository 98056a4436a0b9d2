"""Refund of an excluded member (Lei 11.795 art. 30; primer §6.3).

The refund is the FC percent amortized × the price at the AGO that contemplates the excluded
quota (or at closing), minus a penalty only when the contract has one and harm to the group is
proven, plus the excess of the prepaid fee over the pro-rata fee due. Yields are added by the
caller (they depend on the group's investments).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, localcontext

from lastro.modules.consorcio.domain.errors import InvalidTerms
from lastro.modules.consorcio.domain.rounding import HUNDRED, money_at, q_money, q_percent


def fc_percent_paid(payments: Iterable[tuple[Decimal, Decimal]]) -> Decimal:
    """Σ FC amount paid_i / price in force_i, in percent, from (FC money, price) pairs."""
    with localcontext() as ctx:
        ctx.prec = 60
        total = Decimal(0)
        for amount, price in payments:
            if price <= 0:
                raise InvalidTerms("O preço do bem deve ser positivo.")
            total += amount * HUNDRED / price
    return q_percent(total)


def prepaid_fee_excess(
    taxa_prepaga: Decimal, taxa_total: Decimal, months_in_group: int, term_months: int
) -> Decimal:
    """Percent of prepaid fee beyond the fee due pro rata to the months in the group."""
    if term_months <= 0 or months_in_group < 0:
        raise InvalidTerms("Prazo inválido para o cálculo da taxa proporcional.")
    due = taxa_total * min(months_in_group, term_months) / term_months
    return q_percent(max(taxa_prepaga - due, Decimal(0)))


@dataclass(frozen=True, slots=True)
class Refund:
    gross: Decimal
    penalty: Decimal
    fee_excess: Decimal

    @property
    def net(self) -> Decimal:
        return self.gross - self.penalty + self.fee_excess


def refund_amount(
    fc_percent: Decimal,
    price: Decimal,
    penalty_pct: Decimal = Decimal(0),
    fee_excess_percent: Decimal = Decimal(0),
) -> Refund:
    """20 % FC at a credit of 33,000: R$ 6,600; with an upheld 10 % penalty, R$ 5,940."""
    if not Decimal(0) <= penalty_pct <= HUNDRED:
        raise InvalidTerms("A cláusula penal deve estar entre 0 % e 100 %.")
    gross = money_at(fc_percent, price)
    penalty = q_money(gross * penalty_pct / HUNDRED)
    return Refund(gross, penalty, money_at(fee_excess_percent, price))
