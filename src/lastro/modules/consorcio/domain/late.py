"""Late payment (primer §6.1): fine + daily interest on the installment at the current price.

Fine (default 2 %) and interest (default 1 % a month, pro rata die on a 30-day month) apply to
the installment re-priced at the price in force on the payment date; both are split between the
group and the administradora, the group getting at least 50 % (Lei 11.795 art. 28).
R$ 702 paid 15 days late: 14.04 + 3.51 = R$ 719.55.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from lastro.modules.consorcio.domain.errors import InvalidTerms
from lastro.modules.consorcio.domain.installments import Installment, reprice
from lastro.modules.consorcio.domain.rounding import HUNDRED, q_money

_ZERO_MONEY = Decimal("0.00")
MIN_GROUP_SHARE = Decimal(50)


@dataclass(frozen=True, slots=True)
class LateRules:
    """A group's late-payment rule (contract parameters)."""

    fine_pct: Decimal = Decimal(2)
    interest_pct_month: Decimal = Decimal(1)
    group_share_pct: Decimal = Decimal(50)
    days_in_month: int = 30
    grace_days: int = 0

    def __post_init__(self) -> None:
        if self.fine_pct < 0 or self.interest_pct_month < 0:
            raise InvalidTerms("Multa e juros de mora não podem ser negativos.")
        if not MIN_GROUP_SHARE <= self.group_share_pct <= HUNDRED:
            raise InvalidTerms(
                "A parte do grupo na multa e nos juros deve ficar entre 50 % e 100 % "
                "(Lei 11.795, art. 28)."
            )
        if self.days_in_month <= 0 or self.grace_days < 0:
            raise InvalidTerms("Convenção de dias inválida para os juros de mora.")


@dataclass(frozen=True, slots=True)
class LateCharges:
    """Fine and interest for one installment paid ``days_late`` days after its due date."""

    base: Decimal
    days_late: int
    fine: Decimal
    interest: Decimal
    fine_group: Decimal
    interest_group: Decimal

    @property
    def charges(self) -> Decimal:
        return self.fine + self.interest

    @property
    def total(self) -> Decimal:
        """Installment plus fine plus interest: what the member pays that day."""
        return self.base + self.fine + self.interest

    @property
    def fine_administradora(self) -> Decimal:
        return self.fine - self.fine_group

    @property
    def interest_administradora(self) -> Decimal:
        return self.interest - self.interest_group

    @property
    def group_total(self) -> Decimal:
        return self.fine_group + self.interest_group

    @property
    def administradora_total(self) -> Decimal:
        return self.charges - self.group_total


def days_late(due_date: date, paid_on: date, rules: LateRules = LateRules()) -> int:
    """Calendar days after the due date; 0 when paid on time or within the grace days.

    Moving a due date that falls on a non-business day is the caller's job (``lastro.br``
    calendar); pass the effective due date.
    """
    days = (paid_on - due_date).days
    return 0 if days <= rules.grace_days else days


def late_charges(
    base: Decimal, due_date: date, paid_on: date, rules: LateRules = LateRules()
) -> LateCharges:
    """Fine and pro-rata interest on ``base`` (the installment at the current price)."""
    days = days_late(due_date, paid_on, rules)
    if days == 0 or base <= 0:
        return LateCharges(q_money(base), 0, _ZERO_MONEY, _ZERO_MONEY, _ZERO_MONEY, _ZERO_MONEY)
    fine = q_money(base * rules.fine_pct / HUNDRED)
    interest = q_money(base * rules.interest_pct_month * days / (HUNDRED * rules.days_in_month))
    share = rules.group_share_pct / HUNDRED
    return LateCharges(
        q_money(base), days, fine, interest, q_money(fine * share), q_money(interest * share)
    )


@dataclass(frozen=True, slots=True)
class SecondCopy:
    """A second copy (2ª via) of an overdue installment for a given payment date."""

    installment: Installment
    charges: LateCharges

    @property
    def total(self) -> Decimal:
        return self.charges.total


def second_copy(
    installment: Installment,
    price_now: Decimal,
    due_date: date,
    pay_on: date,
    rules: LateRules = LateRules(),
) -> SecondCopy:
    """Amount due on ``pay_on``: when overdue, the installment re-priced at ``price_now`` plus
    fine and interest (R$ 755.53 for the R$ 702 installment after a 5 % update, 15 days late);
    on or before the due date, the original boleto amount."""
    if days_late(due_date, pay_on, rules) == 0:
        return SecondCopy(installment, late_charges(installment.total, due_date, pay_on, rules))
    repriced = reprice(installment, price_now)
    return SecondCopy(repriced, late_charges(repriced.total, due_date, pay_on, rules))
