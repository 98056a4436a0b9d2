"""Applying money to a quota: split into fines and components, convert to percent.

A payment of an installment in full credits exactly the installment's percent (so a life of
on-time payments closes every component at its total); a partial payment is split across the
components (pro rata to the installment's composition by default, or in a priority order) and
each part is converted to percent at the price the installment was valued at, never more than
the component's due percent. Fine and interest are paid first. Money left over is returned as
``excess`` for the caller to apply as an advance (:func:`apply_advance`) or refund.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from lastro.modules.consorcio.domain.components import COMPONENTS, Component, Components
from lastro.modules.consorcio.domain.errors import InvalidTerms
from lastro.modules.consorcio.domain.installments import Installment, bill
from lastro.modules.consorcio.domain.late import LateCharges
from lastro.modules.consorcio.domain.ledger import AdvanceOrder, QuotaLedger, billable_percent
from lastro.modules.consorcio.domain.plans import Schedule
from lastro.modules.consorcio.domain.rounding import allocate_cents, percent_of, q_money

_ZERO_MONEY = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class PaymentSplit:
    """Where one payment went."""

    amount: Decimal
    fine: Decimal
    interest: Decimal
    money: Components
    percent: Components
    excess: Decimal
    settled: bool

    @property
    def applied(self) -> Decimal:
        return self.amount - self.excess


def _ordered(order: Sequence[Component] | None) -> tuple[Component, ...]:
    if order is None:
        return ()
    seen = list(dict.fromkeys(Component(c) for c in order))
    return tuple(seen + [c for c in COMPONENTS if c not in seen])


def split_money(
    amount: Decimal, target: Components, order: Sequence[Component] | None = None
) -> Components:
    """Split ``amount`` ≤ ``target.total`` over components, each capped at its target.

    ``order`` None is pro rata to ``target`` (largest remainder in cents); a sequence fills the
    listed components first, in order (unlisted ones follow in the default order).
    """
    amount = q_money(amount)
    if amount < 0 or amount > target.total:
        raise InvalidTerms("Valor a distribuir fora do intervalo da parcela.")
    if order is None:
        parts = allocate_cents(amount, [v for _, v in target])
        return Components(*parts)
    left = amount
    out: dict[Component, Decimal] = {}
    for component in _ordered(order):
        take = min(left, target[component])
        out[component] = take
        left -= take
    return Components.of(out)


def split_payment(
    amount: Decimal,
    installment: Installment,
    charges: LateCharges | None = None,
    order: Sequence[Component] | None = None,
) -> PaymentSplit:
    """Split ``amount`` paid against ``installment`` (already at the price in force).

    Fine, then interest, then the components. Paying at least the total settles the
    installment (its full percent is credited) and returns the rest as ``excess``.
    """
    amount = q_money(amount)
    if amount < 0:
        raise InvalidTerms("O valor pago não pode ser negativo.")
    left = amount
    fine = min(left, charges.fine) if charges else _ZERO_MONEY
    left -= fine
    interest = min(left, charges.interest) if charges else _ZERO_MONEY
    left -= interest
    if left >= installment.total:
        return PaymentSplit(
            amount,
            fine,
            interest,
            installment.money,
            installment.percent,
            left - installment.total,
            settled=(charges is None or fine + interest == charges.charges),
        )
    money = split_money(left, installment.money, order)
    percent = Components.of(
        {c: min(percent_of(m, installment.price), installment.percent[c]) for c, m in money}
    )
    return PaymentSplit(amount, fine, interest, money, percent, _ZERO_MONEY, settled=False)


@dataclass(frozen=True, slots=True)
class AdvanceResult:
    """Money applied ahead of the schedule, its percent, and what could not be applied."""

    money: Components
    percent: Components
    excess: Decimal


def apply_advance(
    ledger: QuotaLedger,
    amount: Decimal,
    price: Decimal,
    order: Sequence[Component] | None = None,
) -> AdvanceResult:
    """Turn ``amount`` into percent at ``price`` against the balance (an *antecipação*).

    Split pro rata to the balance composition (or by ``order``); never beyond the balance —
    what exceeds it is ``excess`` (to refund). Credit ``percent`` to the ledger afterwards.
    """
    amount = q_money(amount)
    balance = ledger.balance.positive()
    if balance.is_zero() or amount <= 0:
        return AdvanceResult(Components(), Components(), amount)
    payoff = bill(balance, price, ledger.carry)
    if amount >= payoff.total:
        return AdvanceResult(payoff.money, balance, amount - payoff.total)
    money = split_money(amount, payoff.money, order)
    percent = Components.of({c: min(percent_of(m, price), balance[c]) for c, m in money})
    return AdvanceResult(money, percent, _ZERO_MONEY)


def antecipacao(
    schedule: Schedule,
    ledger: QuotaLedger,
    next_number: int,
    installments: int,
    price: Decimal,
    order: AdvanceOrder = AdvanceOrder.DIRECT,
) -> Installment:
    """A charge that prepays ``installments`` installments at the current price.

    DIRECT prepays installments ``next_number``…; REVERSE the last ones. Capped at the balance.
    """
    if installments < 1:
        raise InvalidTerms("Informe ao menos uma parcela a antecipar.")
    if order is AdvanceOrder.DIRECT:
        first = max(next_number, 1)
        last = min(first + installments - 1, schedule.count)
        numbers = range(first, last + 1)
    else:
        first = max(schedule.count - installments + 1, max(next_number, 1))
        numbers = range(first, schedule.count + 1)
    paid = ledger.paid
    percent = Components()
    for number in numbers:
        due = billable_percent(schedule, number, paid, order)
        percent = percent + due
        paid = paid + due
    percent = percent.minimum(ledger.balance.positive())
    return bill(percent, price, ledger.carry)


def quitacao(ledger: QuotaLedger, price: Decimal) -> Installment:
    """Pay-off charge: the whole balance (every component) at the current price."""
    return bill(ledger.balance.positive(), price, ledger.carry)


@dataclass(frozen=True, slots=True)
class PaymentApplication:
    """A payment applied to a quota: the split, the advance made of any excess, the new ledger
    and the money that could not be applied at all (to refund)."""

    split: PaymentSplit
    advance: AdvanceResult | None
    ledger: QuotaLedger
    refund: Decimal

    @property
    def percent(self) -> Components:
        """All percent credited by this payment (installment + advance)."""
        extra = self.advance.percent if self.advance else Components()
        return self.split.percent + extra


def apply_payment(
    ledger: QuotaLedger,
    amount: Decimal,
    installment: Installment,
    charges: LateCharges | None = None,
    order: Sequence[Component] | None = None,
    *,
    advance_excess: bool = True,
) -> PaymentApplication:
    """Pay ``installment`` (at the price in force) and credit the ledger, safely.

    The installment's percent is first capped at the ledger balance (an advance made after it
    was billed may already cover part of it), so percent paid never exceeds the total. Money
    beyond the installment becomes an advance at the installment's price (or, with
    ``advance_excess`` False, is returned in ``refund``, as is anything beyond the balance).
    """
    capped = installment.percent.minimum(ledger.balance.positive())
    if capped != installment.percent:
        installment = bill(capped, installment.price, installment.carry_in)
    split = split_payment(amount, installment, charges, order)
    ledger = ledger.credit(split.percent)
    if not split.excess or not advance_excess:
        return PaymentApplication(split, None, ledger, split.excess)
    advance = apply_advance(ledger, split.excess, installment.price, order)
    return PaymentApplication(split, advance, ledger.credit(advance.percent), advance.excess)
