"""What a quota owes on a date: its overdue installments re-priced at the price in force, plus
the late fine and pro-rata interest of the group's rules, split group/administradora.

All the math is ``consorcio.domain`` (``bill``, ``late_charges``); this module maps rows onto
it. An installment is overdue once the date passes its due date moved to the next banking day
(a boleto due on a holiday is paid on time the next business day); interest then counts from
the contract due date.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lastro.br.calendar import bank_calendar
from lastro.modules.consorcio.billing.composition import late_rules
from lastro.modules.consorcio.billing.models import Installment
from lastro.modules.consorcio.domain import Components, LateRules, bill, late_charges, q_money
from lastro.modules.consorcio.groups import service as groups
from lastro.modules.consorcio.groups.models import Group, GroupRuleVersion
from lastro.modules.consorcio.quotas.models import Quota

ZERO = Decimal("0.00")
OPEN_STATUSES = ("open", "partial")


def effective_due(due: date) -> date:
    """The last day the installment can be paid without charges (next banking day)."""
    return bank_calendar().adjust_due_date(due)


def is_overdue(due: date, on: date) -> bool:
    return on > effective_due(due)


def percent_of(inst: Installment) -> Components:
    return Components(inst.fc_pct, inst.ta_pct, inst.fr_pct, inst.ins_pct)


def money_of(inst: Installment) -> Components:
    return Components(inst.fc_amount, inst.ta_amount, inst.fr_amount, inst.ins_amount)


@dataclass(frozen=True, slots=True)
class InstallmentDebt:
    """One overdue installment as due on ``on``."""

    installment_id: uuid.UUID
    number: int
    reference_month: str
    due_date: date
    days_late: int
    boleto_price: Decimal
    price_now: Decimal
    boleto_amount: Decimal  # what is still open at the boleto's price
    principal: Decimal  # the open part re-priced at ``price_now`` (+ extra lines)
    components: Components  # money per component of ``principal`` (extra lines excluded)
    fine: Decimal
    interest: Decimal
    fine_group: Decimal
    interest_group: Decimal

    @property
    def total(self) -> Decimal:
        return self.principal + self.fine + self.interest


@dataclass(frozen=True, slots=True)
class QuotaDebts:
    quota_id: uuid.UUID
    group_id: uuid.UUID
    on: date
    price_now: Decimal
    items: tuple[InstallmentDebt, ...] = field(default_factory=tuple)

    @property
    def principal(self) -> Decimal:
        return sum((i.principal for i in self.items), ZERO)

    @property
    def boleto_amount(self) -> Decimal:
        return sum((i.boleto_amount for i in self.items), ZERO)

    @property
    def fine(self) -> Decimal:
        return sum((i.fine for i in self.items), ZERO)

    @property
    def interest(self) -> Decimal:
        return sum((i.interest for i in self.items), ZERO)

    @property
    def fine_group(self) -> Decimal:
        return sum((i.fine_group for i in self.items), ZERO)

    @property
    def interest_group(self) -> Decimal:
        return sum((i.interest_group for i in self.items), ZERO)

    @property
    def total(self) -> Decimal:
        return self.principal + self.fine + self.interest

    @property
    def oldest_due_date(self) -> date | None:
        return min((i.due_date for i in self.items), default=None)

    @property
    def days_late(self) -> int:
        return max((i.days_late for i in self.items), default=0)


class RulesCache:
    """Rule versions and prices of one group, read once per run (the daily job walks every
    quota of a group against the same few rows)."""

    def __init__(
        self,
        group: Group,
        versions: Sequence[GroupRuleVersion],
        prices: Sequence[tuple[date, Decimal]],
    ) -> None:
        self.group = group
        self.versions = sorted(versions, key=lambda v: v.effective_from)
        self.prices = sorted(prices)

    @classmethod
    async def load(cls, session: AsyncSession, group: Group) -> RulesCache:
        versions = await groups.rule_versions(session, group.id)
        prices = [(p.effective_on, p.price) for p in await groups.prices(session, group.id)]
        return cls(group, versions, prices)

    def rules_on(self, on: date) -> GroupRuleVersion | None:
        found: GroupRuleVersion | None = None
        for version in self.versions:
            if version.effective_from <= on:
                found = version
        return found or (self.versions[0] if self.versions else None)

    def late_rules_on(self, on: date) -> LateRules:
        rules = self.rules_on(on)
        return late_rules(rules) if rules is not None else LateRules()

    def price_on(self, on: date) -> Decimal:
        """The reference price in force on ``on`` (the first one for earlier dates)."""
        if not self.prices:
            return self.group.base_price
        found = self.prices[0][1]
        for effective_on, price in self.prices:
            if effective_on <= on:
                found = price
        return found

    def credit_on(self, quota: Quota, on: date) -> Decimal:
        return groups.credit_at(self.group, quota.credit_base, self.price_on(on))


def installment_debt(
    inst: Installment, on: date, price_now: Decimal, rules: LateRules
) -> InstallmentDebt:
    """The open part of ``inst`` on ``on``: re-priced at ``price_now`` with fine and interest.

    At an unchanged price the boleto's own component amounts are kept (no cent drift from
    re-billing); a partial payment (reais at the boleto price) comes off the re-priced
    amount, and the components shown are scaled to what stays open.
    """
    open_amount = max(inst.total - inst.paid_amount, ZERO)
    if inst.total <= 0 or open_amount <= 0:
        base_components = Components()
        principal = ZERO
    else:
        if price_now == inst.price:
            money = money_of(inst)
        else:
            money = bill(percent_of(inst), price_now).money
        # what was paid (reais at the boleto price) comes off the re-priced amount, as
        # billing's second copy does
        full = money.total + inst.extra_amount
        principal = max(q_money(full - inst.paid_amount), ZERO)
        if inst.paid_amount <= 0 or full <= 0:
            base_components = money
        else:
            share = principal / full
            base_components = money.map(lambda m: q_money(m * share))
    charges = (
        late_charges(principal, inst.due_date, on, rules) if is_overdue(inst.due_date, on) else None
    )
    return InstallmentDebt(
        installment_id=inst.id,
        number=inst.number,
        reference_month=inst.reference_month,
        due_date=inst.due_date,
        days_late=charges.days_late if charges else 0,
        boleto_price=inst.price,
        price_now=price_now,
        boleto_amount=open_amount,
        principal=principal,
        components=base_components,
        fine=charges.fine if charges else ZERO,
        interest=charges.interest if charges else ZERO,
        fine_group=charges.fine_group if charges else ZERO,
        interest_group=charges.interest_group if charges else ZERO,
    )


def debts_of(
    quota: Quota, installments: Iterable[Installment], on: date, cache: RulesCache
) -> QuotaDebts:
    """Every overdue installment of ``quota`` on ``on`` (fine/interest rules of the version in
    force on each due date; price in force on ``on``)."""
    price_now = cache.credit_on(quota, on)
    items = tuple(
        installment_debt(inst, on, price_now, cache.late_rules_on(inst.due_date))
        for inst in sorted(installments, key=lambda i: (i.due_date, i.number))
        if inst.status in OPEN_STATUSES and is_overdue(inst.due_date, on)
    )
    return QuotaDebts(quota.id, quota.group_id, on, price_now, items)


async def open_installments(
    session: AsyncSession, quota_ids: Sequence[uuid.UUID], *, due_before: date
) -> dict[uuid.UUID, list[Installment]]:
    """Open/partial installments of these quotas due before ``due_before``, per quota."""
    out: dict[uuid.UUID, list[Installment]] = {}
    for start in range(0, len(quota_ids), 2000):
        rows = await session.scalars(
            select(Installment)
            .where(
                Installment.quota_id.in_(quota_ids[start : start + 2000]),
                Installment.status.in_(OPEN_STATUSES),
                Installment.due_date < due_before,
            )
            .order_by(Installment.due_date, Installment.number)
        )
        for inst in rows:
            out.setdefault(inst.quota_id, []).append(inst)
    return out


async def quota_debts(session: AsyncSession, quota: Quota, on: date) -> QuotaDebts:
    """The amount due on ``on`` for one quota (the ``/quotas/{id}/debts`` answer)."""
    group = await groups.get_group(session, quota.group_id)
    cache = await RulesCache.load(session, group)
    found = await open_installments(session, [quota.id], due_before=on)
    return debts_of(quota, found.get(quota.id, []), on, cache)
