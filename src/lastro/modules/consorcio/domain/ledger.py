"""The percentage ledger of one quota (primer §3.3): obligation, paid, ideal, balance.

Everything is percent of the reference price per component; money is derived at the price in
force. Percent paid never exceeds the obligation: :meth:`QuotaLedger.credit` refuses it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum

from lastro.modules.consorcio.domain.components import ZERO_COMPONENTS, Component, Components
from lastro.modules.consorcio.domain.errors import PercentExceedsTotal
from lastro.modules.consorcio.domain.installments import Installment, bill
from lastro.modules.consorcio.domain.plans import Schedule
from lastro.modules.consorcio.domain.rounding import money_at

_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Position:
    """Where a quota stands at the end of a group month (all percent, per component)."""

    month: int
    ideal: Components
    paid: Components
    balance: Components

    @property
    def arrears(self) -> Components:
        """*perc_atraso*: ideal − paid where positive."""
        return (self.ideal - self.paid).positive()

    @property
    def advance(self) -> Components:
        """Paid ahead of the schedule (*adiantado*): paid − ideal where positive."""
        return (self.paid - self.ideal).positive()

    @property
    def arrears_total(self) -> Decimal:
        return max(self.ideal.total - self.paid.total, _ZERO)

    @property
    def advance_total(self) -> Decimal:
        return max(self.paid.total - self.ideal.total, _ZERO)


@dataclass(frozen=True, slots=True)
class QuotaLedger:
    """Percent owed and paid per component, plus the rounding carry for the next bill."""

    obligation: Components
    paid: Components = ZERO_COMPONENTS
    carry: Components = ZERO_COMPONENTS

    @classmethod
    def open(cls, schedule: Schedule) -> QuotaLedger:
        """A new quota owing its schedule's full obligation (prepaid fee included)."""
        return cls(schedule.obligation)

    @property
    def balance(self) -> Components:
        """*perc_devedor* per component: obligation − paid."""
        return self.obligation - self.paid

    @property
    def saldo_devedor(self) -> Decimal:
        """Balance in percent of FC + TA + FR (117 − 23.4 = 93.6 % after ten installments)."""
        return self.balance.total_without_seguro

    @property
    def paid_total(self) -> Decimal:
        return self.paid.total_without_seguro

    @property
    def fc_paid(self) -> Decimal:
        """*Percentual amortizado* of the fundo comum (the refund base, Lei art. 30)."""
        return self.paid.fundo_comum

    @property
    def is_paid_off(self) -> bool:
        return self.balance.is_zero()

    def balance_money(self, price: Decimal) -> Decimal:
        """Saldo devedor in reais at ``price``: 93.6 % of 30,000 = R$ 28,080.00."""
        return money_at(self.saldo_devedor, price)

    def credit(self, percent: Components) -> QuotaLedger:
        """Record paid percent (negative undoes a payment); never above the obligation."""
        paid = self.paid + percent
        if not self.obligation.dominates(paid):
            over = (paid - self.obligation).positive()
            raise PercentExceedsTotal(
                "O pagamento excederia o total devido pela cota "
                f"(excesso de {over.total} % do preço do bem).",
                extra={"excess_percent": {k: str(v) for k, v in over.as_dict().items() if v}},
            )
        if paid.any_negative():
            raise PercentExceedsTotal("O estorno excede o percentual pago pela cota.")
        return replace(self, paid=paid)

    def add_obligation(self, percent: Components) -> QuotaLedger:
        """Adjust what the quota owes (insurance billed differently, a residual added)."""
        return replace(self, obligation=self.obligation + percent)

    def with_carry(self, carry: Components) -> QuotaLedger:
        return replace(self, carry=carry)

    def bill(self, percent: Components, price: Decimal) -> tuple[Installment, QuotaLedger]:
        """Bill ``percent`` at ``price`` using and advancing this quota's rounding carry."""
        installment = bill(percent, price, self.carry)
        return installment, replace(self, carry=installment.carry_out)

    def position(self, schedule: Schedule, month: int) -> Position:
        """Ideal vs paid at the end of group ``month`` of this quota's schedule."""
        return Position(
            month, schedule.ideal(month).minimum(self.obligation), self.paid, self.balance
        )


class AdvanceOrder(StrEnum):
    """Which installments money paid ahead covers (the contract's amortisation order)."""

    DIRECT = "direct"  # the next installments
    REVERSE = "reverse"  # the last installments (shortens the term)


def billable_percent(
    schedule: Schedule,
    number: int,
    paid: Components,
    order: AdvanceOrder = AdvanceOrder.DIRECT,
) -> Components:
    """Percent still to bill for installment ``number`` given what was paid so far.

    Percent paid beyond the schedule through installment ``number − 1`` is an advance; it covers
    this installment (DIRECT) or the last ones (REVERSE). Unpaid earlier installments (arrears)
    do not change this installment: they are billed on their own boletos.
    """
    percent = schedule.installment(number)
    before = schedule.cumulative(number - 1)
    through = schedule.cumulative(number)
    obligation = schedule.scheduled_total
    out: dict[Component, Decimal] = {}
    for component, pct in percent:
        advance = max(paid[component] - before[component], _ZERO)
        if order is AdvanceOrder.DIRECT:
            covered = min(pct, advance)
        else:
            start = max(before[component], obligation[component] - advance)
            covered = max(_ZERO, min(through[component] - start, pct))
        out[component] = pct - covered
    return Components.of(out)
