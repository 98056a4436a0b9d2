"""Installment schedules in percent: normal quota, late joiner, reduced installment, dilution.

A :class:`Schedule` is the percent per component of each installment of one quota. Installment
``k`` (1-based) falls in group month ``first_month + k − 1``. Every spread uses cumulative
rounding (:func:`rounding.spread`), so the installments sum *exactly* to the totals they spread;
any percent the schedule does not carry yet (a reduced plan's residual waiting for
contemplation) is kept in ``residual`` so the obligation is always ``scheduled_total + residual``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum

from lastro.modules.consorcio.domain.components import (
    ZERO_COMPONENTS,
    Component,
    Components,
    sum_components,
)
from lastro.modules.consorcio.domain.errors import InvalidTerms
from lastro.modules.consorcio.domain.rounding import HUNDRED, q_percent, spread
from lastro.modules.consorcio.domain.terms import PlanTerms

_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Schedule:
    """Percent per installment of one quota (see the module docstring)."""

    installments: tuple[Components, ...]
    first_month: int = 1
    prepaid: Components = ZERO_COMPONENTS
    residual: Components = ZERO_COMPONENTS

    def __post_init__(self) -> None:
        if not self.installments:
            raise InvalidTerms("O plano precisa de pelo menos uma parcela.")
        if self.first_month < 1:
            raise InvalidTerms("O mês da primeira parcela deve ser 1 ou posterior.")

    @property
    def count(self) -> int:
        return len(self.installments)

    @property
    def last_month(self) -> int:
        return self.first_month + self.count - 1

    def installment(self, number: int) -> Components:
        """Percent of installment ``number`` (1-based)."""
        if not 1 <= number <= self.count:
            raise InvalidTerms(f"A parcela {number} não existe neste plano (1 a {self.count}).")
        return self.installments[number - 1]

    def month_of(self, number: int) -> int:
        """Group month of installment ``number``."""
        self.installment(number)
        return self.first_month + number - 1

    def number_for_month(self, month: int) -> int | None:
        """Installment number due in group month ``month`` (None before or after the plan)."""
        number = month - self.first_month + 1
        return number if 1 <= number <= self.count else None

    def cumulative(self, number: int) -> Components:
        """Prepaid fee + installments 1..number (number is clamped to 0..count)."""
        number = max(0, min(number, self.count))
        return self.prepaid + sum_components(self.installments[:number])

    def ideal(self, month: int) -> Components:
        """*perc_ideal*: what an on-time member has paid by the end of group month ``month``."""
        return self.cumulative(month - self.first_month + 1)

    @property
    def scheduled_total(self) -> Components:
        return self.cumulative(self.count)

    @property
    def obligation(self) -> Components:
        """Everything the quota owes: scheduled installments, prepaid fee and pending residual."""
        return self.scheduled_total + self.residual


class CatchUp(StrEnum):
    """How a late joiner settles the months the group ran before they joined."""

    SPREAD = "spread"  # the total over the remaining term (primer §3.5: 117 %/30 = 3.90 %)
    UPFRONT = "upfront"  # the arrears (perc_ideal at joining) in the first installment
    OVER_MONTHS = "over_months"  # the arrears spread over the first N installments


def _with_insurance(
    terms: PlanTerms,
    fc: Sequence[Decimal],
    ta: Sequence[Decimal],
    fr: Sequence[Decimal],
    prepaid: Components,
) -> tuple[Components, ...]:
    """Zip the component lists into installments and add the insurance of each month."""
    rule = terms.seguro
    balance = terms.category_percent - prepaid.total_without_seguro
    out: list[Components] = []
    for f, t, r in zip(fc, ta, fr, strict=True):
        seguro = _ZERO
        if rule.rate:
            seguro = q_percent(rule.monthly_percent(terms, balance))
        out.append(Components(f, t, r, seguro))
        balance -= f + t + r
    return tuple(out)


def _prepaid(terms: PlanTerms) -> Components:
    return Components(taxa_administracao=q_percent(terms.taxa_prepaga))


def normal_plan(terms: PlanTerms) -> Schedule:
    """A quota that joins at the start: each total spread evenly over the term.

    ABAC example (FC 100, TA 15, FR 2, 50 months): 2.00 + 0.30 + 0.04 = 2.34 % a month.
    """
    n = terms.term_months
    prepaid = _prepaid(terms)
    fc = spread(q_percent(terms.fundo_comum), n)
    ta = spread(q_percent(terms.taxa_administracao) - prepaid.taxa_administracao, n)
    fr = spread(q_percent(terms.fundo_reserva), n)
    return Schedule(_with_insurance(terms, fc, ta, fr, prepaid), 1, prepaid)


def late_joiner_plan(
    terms: PlanTerms,
    elapsed_months: int,
    catch_up: CatchUp = CatchUp.SPREAD,
    catch_up_months: int | None = None,
) -> Schedule:
    """A quota sold ``elapsed_months`` after the group started (cota de reposição/adesão).

    The member still owes the full totals within the group's remaining term (Res. 285 art. 34):
    SPREAD divides them over the remaining months (joining at month 20 of 50: 117 %/30 = 3.90 %);
    UPFRONT charges the arrears with the first installment; OVER_MONTHS over ``catch_up_months``.
    Insurance is charged only for the months the member is in the group.
    """
    n = terms.term_months
    if not 0 <= elapsed_months < n:
        raise InvalidTerms(f"O grupo de {n} meses não tem prazo restante após {elapsed_months}.")
    remaining = n - elapsed_months
    prepaid = _prepaid(terms)
    totals = (
        q_percent(terms.fundo_comum),
        q_percent(terms.taxa_administracao) - prepaid.taxa_administracao,
        q_percent(terms.fundo_reserva),
    )
    if catch_up is CatchUp.SPREAD:
        fc, ta, fr = (list(spread(t, remaining)) for t in totals)
    else:
        fc, ta, fr = (list(spread(t, n)) for t in totals)
        arrears = [sum(lst[:elapsed_months], _ZERO) for lst in (fc, ta, fr)]
        fc, ta, fr = (lst[elapsed_months:] for lst in (fc, ta, fr))
        months = 1 if catch_up is CatchUp.UPFRONT else (catch_up_months or 0)
        if not 1 <= months <= remaining:
            raise InvalidTerms(
                f"Os atrasados devem ser cobrados em 1 a {remaining} parcelas, não {months}."
            )
        for lst, owed in zip((fc, ta, fr), arrears, strict=True):
            for i, part in enumerate(spread(owed, months)):
                lst[i] += part
    installments = _with_insurance(terms, fc, ta, fr, prepaid)
    return Schedule(installments, elapsed_months + 1, prepaid)


def dilute(schedule: Schedule, amount: Components, from_number: int) -> Schedule:
    """Spread ``amount`` (percent) over installments ``from_number``..last, exactly.

    The residual of a reduced plan diluted over 38 installments: 6 %/38 ≈ +0.158 % a month.
    Whatever of ``amount`` was pending in ``residual`` is taken out of it.
    """
    if not 1 <= from_number <= schedule.count:
        raise InvalidTerms(f"Não há parcelas a partir da {from_number} para diluir o valor.")
    months = schedule.count - from_number + 1
    parts = {c: spread(v, months) for c, v in amount}
    installments = list(schedule.installments)
    for i in range(months):
        extra = Components.of({c: parts[c][i] for c in parts})
        installments[from_number - 1 + i] = installments[from_number - 1 + i] + extra
    residual = (schedule.residual - amount).positive()
    return replace(schedule, installments=tuple(installments), residual=residual)


class ResidualSettlement(StrEnum):
    """How a reduced plan's residual is settled (primer §3.6)."""

    DILUTE = "dilute"  # spread over the remaining installments
    LANCE = "lance"  # covered first by the winning bid: an amount to collect
    SMALLER_CREDIT = "smaller_credit"  # deducted from the credit paid out
    PENDING = "pending"  # not settled yet (until contemplation)


@dataclass(frozen=True, slots=True)
class ReducedPlan:
    """A reduced schedule and the residual percent it accumulated (still owed unless diluted)."""

    schedule: Schedule
    residual: Components


def reduced_plan(
    base: Schedule,
    reduction_pct: Decimal,
    reduced_installments: int | None = None,
    settlement: ResidualSettlement = ResidualSettlement.DILUTE,
) -> ReducedPlan:
    """Reduce the FC of the first installments by ``reduction_pct`` percent (parcela reduzida).

    ``reduced_installments`` is the number of reduced installments (a fixed period, or the
    installments paid up to contemplation); None reduces every installment until
    :func:`end_reduction` is called at contemplation. The unpaid FC is the residual:
    25 % off a 2 % FC for 12 months leaves 12 × 0.5 % = 6 %. With DILUTE it is spread over the
    installments after the reduction; otherwise it stays in ``schedule.residual`` (to be paid by a
    lance or deducted from the credit, then credited to the ledger by the caller).
    """
    if not _ZERO < reduction_pct < HUNDRED:
        raise InvalidTerms("A redução do fundo comum deve estar entre 0 % e 100 %.")
    k = base.count if reduced_installments is None else reduced_installments
    if not 1 <= k <= base.count:
        raise InvalidTerms(f"A redução deve cobrir de 1 a {base.count} parcelas.")
    factor = (HUNDRED - reduction_pct) / HUNDRED
    installments = list(base.installments)
    residual_fc = _ZERO
    for i in range(k):
        fc = installments[i].fundo_comum
        reduced = q_percent(fc * factor)
        residual_fc += fc - reduced
        installments[i] = installments[i].replace(Component.FUNDO_COMUM, reduced)
    residual = Components(fundo_comum=residual_fc)
    schedule = replace(base, installments=tuple(installments), residual=base.residual + residual)
    if settlement is ResidualSettlement.DILUTE and reduced_installments is not None:
        if k == base.count:
            raise InvalidTerms("Não há parcelas restantes para diluir o residual.")
        schedule = dilute(schedule, residual, k + 1)
    return ReducedPlan(schedule, residual)


def end_reduction(
    base: Schedule,
    reduction_pct: Decimal,
    paid_reduced: int,
    settlement: ResidualSettlement,
) -> ReducedPlan:
    """At contemplation after ``paid_reduced`` reduced installments: restore the full FC from
    the next installment and settle the residual (DILUTE spreads it over the rest; LANCE and
    SMALLER_CREDIT leave it in ``schedule.residual`` for the caller to collect/deduct — its money
    is ``residual.total`` % of the credit at the price in force).
    """
    return reduced_plan(base, reduction_pct, paid_reduced, settlement)
