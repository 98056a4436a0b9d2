"""What a quota is billed: the group's calendar, the quota's schedule, the price.

The schedule is the quotas area's (``quotas.ledger.schedule_for``: the quota's rule version,
joining installment, reduced plan) and the money the domain's (``bill`` with the rounding
carry) — nothing is re-derived here. Schedules and bills are cached per group
context: the quotas of a group share a handful of plans, and quotas on the same plan, price
and rounding carry share the same money, so 200 quotas cost a few domain calls.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from lastro.br.calendar import bank_calendar
from lastro.modules.consorcio.domain.components import Components
from lastro.modules.consorcio.domain.installments import Installment, bill
from lastro.modules.consorcio.domain.late import LateRules
from lastro.modules.consorcio.domain.ledger import AdvanceOrder, billable_percent
from lastro.modules.consorcio.domain.plans import Schedule
from lastro.modules.consorcio.groups.models import Group, GroupRuleVersion
from lastro.modules.consorcio.quotas.ledger import PlanChoice, schedule_for

# the group rule's amortisation order → which installments money paid ahead covers
_ORDER = {"inversa": AdvanceOrder.REVERSE, "direta": AdvanceOrder.DIRECT}


def parse_month(text: str) -> tuple[int, int]:
    """'2026-12' → (2026, 12); raises ValueError otherwise."""
    year, _, month = text.partition("-")
    if len(year) != 4 or len(month) != 2 or not (year + month).isdigit():
        raise ValueError(text)
    y, m = int(year), int(month)
    if not 1 <= m <= 12 or y < 2000:
        raise ValueError(text)
    return y, m


def month_text(on: date) -> str:
    return f"{on.year:04d}-{on.month:02d}"


def add_months(year: int, month: int, n: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + n
    return index // 12, index % 12 + 1


def anchor(group: Group) -> date:
    """The calendar month of installment 1 (same rule as the groups area)."""
    return group.first_assembly_on or group.constituted_on or group.formation_started_on


def installment_number(group: Group, year: int, month: int) -> int:
    """The group's installment number for a calendar month (may fall outside 1..term)."""
    start = anchor(group)
    return (year - start.year) * 12 + month - start.month + 1


def month_of_number(group: Group, number: int) -> tuple[int, int]:
    start = anchor(group)
    return add_months(start.year, start.month, number - 1)


def contract_due_date(year: int, month: int, due_day: int, *, business_day: bool) -> date:
    """The rule's due day in that month (clamped to its last day), moved to the next banking
    day when it falls on a weekend or holiday."""
    day = min(due_day, calendar.monthrange(year, month)[1])
    due = date(year, month, day)
    return bank_calendar().adjust_due_date(due) if business_day else due


def boleto_due_date(contract_due: date, issued_on: date) -> date:
    """A boleto is never issued already overdue: a late issue gets three banking days."""
    if contract_due >= issued_on:
        return contract_due
    return bank_calendar().add_business_days(issued_on, 3)


def late_rules(rules: GroupRuleVersion) -> LateRules:
    return LateRules(
        fine_pct=rules.late_fine_pct,
        interest_pct_month=rules.late_interest_monthly_pct,
        group_share_pct=max(Decimal(50), min(Decimal(100), rules.late_group_share_pct)),
    )


def advance_order(rules: GroupRuleVersion) -> AdvanceOrder:
    return _ORDER.get(rules.amortization_order, AdvanceOrder.REVERSE)


@dataclass(frozen=True, slots=True)
class PlanKey:
    """What distinguishes one quota's schedule from another's in the same group: the rule
    version it was sold under, the installment it joined at, and a reduced plan."""

    rules_version: int
    joined_at_installment: int
    reduced: bool


@dataclass
class GroupPlans:
    """Per-group caches of schedules and bills (one billing context)."""

    group: Group
    rules: GroupRuleVersion  # in force on the billing date
    versions: dict[int, GroupRuleVersion]
    order: AdvanceOrder
    schedules: dict[PlanKey, Schedule] = field(default_factory=dict)
    percents: dict[tuple[PlanKey, int, Components], Components | None] = field(default_factory=dict)
    bills: dict[tuple[Components, Decimal, Components], Installment] = field(default_factory=dict)

    @classmethod
    def of(
        cls, group: Group, rules: GroupRuleVersion, versions: list[GroupRuleVersion] | None = None
    ) -> GroupPlans:
        by_version = {v.version: v for v in versions or [rules]}
        return cls(group, rules, by_version, advance_order(rules))

    def schedule(self, key: PlanKey) -> Schedule:
        """The quotas area's schedule for the quota (its terms are those it was sold under)."""
        found = self.schedules.get(key)
        if found is None:
            rules = self.versions.get(key.rules_version, self.rules)
            choice = PlanChoice(key.joined_at_installment, reduced=key.reduced)
            found = self.schedules[key] = schedule_for(self.group, rules, choice)
        return found

    def percent(self, key: PlanKey, group_number: int, paid: Components) -> Components | None:
        """Percent to bill for the group's installment ``group_number`` (None when it is outside
        the quota's plan); money paid ahead reduces it per the group's amortisation order."""
        cache_key = (key, group_number, paid)
        if cache_key in self.percents:
            return self.percents[cache_key]
        schedule = self.schedule(key)
        number = schedule.number_for_month(group_number)
        result: Components | None = None
        if number is not None:
            before = schedule.cumulative(number - 1)
            if any(p > b for (_, p), (_, b) in zip(paid, before, strict=True)):
                result = billable_percent(schedule, number, paid, self.order)
            else:
                result = schedule.installment(number)
        self.percents[cache_key] = result
        return result

    def bill(self, percent: Components, price: Decimal, carry: Components) -> Installment:
        key = (percent, price, carry)
        found = self.bills.get(key)
        if found is None:
            found = self.bills[key] = bill(percent, price, carry)
        return found
