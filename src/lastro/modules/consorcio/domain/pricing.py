"""Price updates (*reajuste*) and the *diferença de parcela* (Res. 285 art. 25-A).

Percentages never change on a reajuste; only the money projection does (93.6 % is R$ 28,080 at
30,000 and R$ 29,484 at 31,500). When the price changes between the boleto's issue and the
assembly, the money paid buys less (or more) percent at the assembly price; the difference is
charged (or credited) in a later installment.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, localcontext

from lastro.modules.consorcio.domain.components import Components
from lastro.modules.consorcio.domain.errors import InvalidTerms
from lastro.modules.consorcio.domain.ledger import QuotaLedger
from lastro.modules.consorcio.domain.rounding import HUNDRED, money_at, q_money, q_percent


def updated_price(price: Decimal, variation_pct: Decimal) -> Decimal:
    """Price after an index variation of ``variation_pct`` %: 30,000 + 5 % = 31,500.00."""
    new = q_money(price * (HUNDRED + variation_pct) / HUNDRED)
    if new <= 0:
        raise InvalidTerms("O reajuste resultaria em preço não positivo.")
    return new


def variation_pct(old_price: Decimal, new_price: Decimal) -> Decimal:
    """The percent change from ``old_price`` to ``new_price`` (kept precision)."""
    if old_price <= 0:
        raise InvalidTerms("O preço anterior deve ser positivo.")
    return q_percent((new_price - old_price) * HUNDRED / old_price)


@dataclass(frozen=True, slots=True)
class PriceDifference:
    """Percent per component still owed (positive) or to credit (negative) after the AGO."""

    percent: Components
    boleto_price: Decimal
    assembly_price: Decimal

    @property
    def total_percent(self) -> Decimal:
        return self.percent.total

    @property
    def is_charge(self) -> bool:
        return self.percent.total > 0

    def money_at(self, price: Decimal) -> Decimal:
        """Reais at ``price`` (the next installment's price), sign kept."""
        return sum((money_at(p, price) for _, p in self.percent), Decimal("0.00"))


def price_difference(
    percent: Components, boleto_price: Decimal, assembly_price: Decimal
) -> PriceDifference:
    """*Diferença de parcela* of an installment of ``percent`` billed at ``boleto_price``.

    Money paid = percent × boleto price, worth percent × boleto/assembly at the assembly price;
    the gap is the difference. 2.34 % billed at 30,000 with the AGO at 31,500: 0.1114285714 %
    to charge (R$ 35.10 at 31,500).
    """
    if boleto_price <= 0 or assembly_price <= 0:
        raise InvalidTerms("Os preços do boleto e da assembleia devem ser positivos.")
    with localcontext() as ctx:
        ctx.prec = 60
        ratio = boleto_price / assembly_price
        diff = percent.map(lambda p: p - q_percent(p * ratio))
    return PriceDifference(diff, boleto_price, assembly_price)


def credited_at_assembly(
    percent: Components, boleto_price: Decimal, assembly_price: Decimal
) -> Components:
    """Percent an installment paid at ``boleto_price`` is worth at the assembly price."""
    return percent - price_difference(percent, boleto_price, assembly_price).percent


@dataclass(frozen=True, slots=True)
class PriceDifferenceSettlement:
    """The assembly's correction of one installment paid at the boleto price.

    ``ledger`` has the paid percent restated at the assembly price; ``charge`` is the percent
    to add to the next installment (zero when the price fell: the surplus stays as paid
    percent, an advance that :func:`billable_percent` deducts from the next installment).
    """

    difference: PriceDifference
    ledger: QuotaLedger

    @property
    def charge(self) -> Components:
        return self.difference.percent.positive()


def settle_price_difference(
    ledger: QuotaLedger, percent: Components, boleto_price: Decimal, assembly_price: Decimal
) -> PriceDifferenceSettlement:
    """Restate ``percent`` (credited when the boleto was paid) at the assembly price.

    The member paid percent × boleto price in money; at the assembly that money is worth
    percent × boleto/assembly. The ledger is debited (or credited) the difference, never below
    zero nor above the obligation.
    """
    diff = price_difference(percent, boleto_price, assembly_price)
    change = (-diff.percent).clamp(-ledger.paid, ledger.balance)
    return PriceDifferenceSettlement(diff, ledger.credit(change))
