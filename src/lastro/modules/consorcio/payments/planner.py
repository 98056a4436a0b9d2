"""Where one payment goes (pure, no I/O): fines and interest of late installments first, then
each installment's components, then an advance (antecipação) on the quota's balance, and what
is left above the whole balance is excess to refund.

The price for converting reais to percent is the price in force *for that installment*: its
own billing price when paid on time (the boleto was issued at it; a price change between the
boleto and the assembly is the diferença de parcela, charged later), and the quota's credit
in force on the payment date when paid late (overdue installments are re-priced, primer
§6.1). Advances convert at the credit in force on the payment date. Percent paid never goes
above what the quota owes (money that would take it above becomes excess).

The math is :mod:`lastro.modules.consorcio.domain` (``split_payment``, ``late_charges``,
``apply_advance``, ``bill``); this module only walks a charge's installments with it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from lastro.modules.consorcio.domain import (
    Component,
    Components,
    Installment,
    LateCharges,
    LateRules,
    QuotaLedger,
    allocate_cents,
    apply_advance,
    bill,
    late_charges,
    money_at,
    percent_of,
    q_money,
    split_payment,
)

ZERO = Decimal("0.00")
_BIG = Decimal(10) ** 9
_ZERO_PCT = Decimal(0)
_PCT_KEYS = (
    ("fc_pct", "fundo_comum"),
    ("ta_pct", "taxa_administracao"),
    ("fr_pct", "fundo_reserva"),
)


@dataclass
class InstallmentState:
    """An installment of the charge, as stored, plus the percent already credited to it."""

    id: uuid.UUID
    number: int
    due_date: date
    price: Decimal
    percent: Components
    money: Components
    extra_amount: Decimal
    lines: list[dict[str, Any]]
    status: str
    paid_amount: Decimal
    credited: Components = field(default_factory=Components)
    total: Decimal = ZERO
    pct: tuple[Decimal, ...] = ()

    def __post_init__(self) -> None:
        m, p = self.money, self.percent
        self.total = m.fundo_comum + m.taxa_administracao + m.fundo_reserva + m.seguro
        self.pct = (p.fundo_comum, p.taxa_administracao, p.fundo_reserva, p.seguro)

    @property
    def open(self) -> bool:
        return self.status not in ("paid", "cancelled")

    @property
    def fresh(self) -> bool:
        c = self.credited
        return not (c.fundo_comum or c.taxa_administracao or c.fundo_reserva or c.seguro)


class QuotaState:
    """The quota's percentage ledger (obligation and paid per component), kept current in
    memory while a batch is planned (the same quota may pay twice in one file). Plain lists
    of four Decimals (fc, ta, fr, seguro): the common payment never builds a vector."""

    __slots__ = (
        "group_id",
        "installments_paid",
        "last_installment_paid",
        "movements",
        "obl",
        "paid_amount",
        "paid_l",
        "quota_id",
        "touched",
    )

    def __init__(
        self,
        quota_id: uuid.UUID,
        group_id: uuid.UUID,
        obligation: Components,
        paid: Components,
        paid_amount: Decimal = ZERO,
        installments_paid: int = 0,
        last_installment_paid: int = 0,
        movements: int = 0,
    ) -> None:
        self.quota_id = quota_id
        self.group_id = group_id
        self.obl = [
            obligation.fundo_comum,
            obligation.taxa_administracao,
            obligation.fundo_reserva,
            obligation.seguro,
        ]
        self.paid_l = [paid.fundo_comum, paid.taxa_administracao, paid.fundo_reserva, paid.seguro]
        self.paid_amount = paid_amount
        self.installments_paid = installments_paid
        self.last_installment_paid = last_installment_paid
        self.movements = movements
        self.touched = False

    @property
    def obligation(self) -> Components:
        return Components(*self.obl)

    @property
    def paid(self) -> Components:
        return Components(*self.paid_l)

    @paid.setter
    def paid(self, value: Components) -> None:
        self.paid_l = [
            value.fundo_comum,
            value.taxa_administracao,
            value.fundo_reserva,
            value.seguro,
        ]

    def room(self) -> Components:
        """Percent still owed per component; insurance is open-ended (billed monthly)."""
        o, p = self.obl, self.paid_l
        return Components(
            max(o[0] - p[0], _ZERO_PCT),
            max(o[1] - p[1], _ZERO_PCT),
            max(o[2] - p[2], _ZERO_PCT),
            _BIG,
        )

    def fits(self, pct: tuple[Decimal, ...]) -> bool:
        o, p = self.obl, self.paid_l
        return p[0] + pct[0] <= o[0] and p[1] + pct[1] <= o[1] and p[2] + pct[2] <= o[2]

    def add(self, pct: tuple[Decimal, ...]) -> None:
        p = self.paid_l
        self.paid_l = [p[0] + pct[0], p[1] + pct[1], p[2] + pct[2], p[3] + pct[3]]

    @property
    def balance_without_seguro(self) -> Decimal:
        o, p = self.obl, self.paid_l
        return (o[0] - p[0]) + (o[1] - p[1]) + (o[2] - p[2])


@dataclass
class Allocation:
    """The part of a payment that went to one installment (or to the advance when
    ``installment`` is None)."""

    installment: InstallmentState | None
    price: Decimal
    money: Components
    percent: Components
    fine: Decimal = ZERO
    interest: Decimal = ZERO
    days_late: int = 0
    settled: bool = False

    @property
    def total(self) -> Decimal:
        return self.money.total + self.fine + self.interest

    def as_json(self) -> dict[str, Any]:
        inst = self.installment
        return {
            "installment_id": str(inst.id) if inst else None,
            "number": inst.number if inst else None,
            "kind": "parcela" if inst else "antecipacao",
            "price": str(self.price),
            "fine": str(self.fine),
            "interest": str(self.interest),
            "days_late": self.days_late,
            "settled": self.settled,
            "money": _dict(self.money),
            "percent": _dict(self.percent),
        }


def cents(value: Decimal) -> Decimal:
    """Money at 2 places (half-even); already-quantized amounts (every CNAB and PIX value)
    pass through untouched — this runs once per payment of a 100,000-line file."""
    if value.as_tuple().exponent == -2:
        return value
    return q_money(value)


def _dict(c: Components) -> dict[str, str]:
    return {
        "fundo_comum": str(c.fundo_comum),
        "taxa_administracao": str(c.taxa_administracao),
        "fundo_reserva": str(c.fundo_reserva),
        "seguro": str(c.seguro),
    }


class PaymentPlan:
    """Where one payment went; the sums are computed once (a batch reads them often)."""

    __slots__ = (
        "advance",
        "allocations",
        "amount",
        "days_late",
        "excess",
        "fine",
        "interest",
        "money",
        "percent",
        "price_now",
        "settled",
    )

    def __init__(
        self, amount: Decimal, price_now: Decimal, allocations: list[Allocation], excess: Decimal
    ) -> None:
        self.amount = amount
        self.price_now = price_now
        self.allocations = allocations
        self.excess = excess
        if len(allocations) == 1:
            a = allocations[0]
            self.fine, self.interest, self.days_late = a.fine, a.interest, a.days_late
            self.money, self.percent = a.money, a.percent
        else:
            self.fine = sum((a.fine for a in allocations), ZERO)
            self.interest = sum((a.interest for a in allocations), ZERO)
            self.days_late = max((a.days_late for a in allocations), default=0)
            money, percent = Components(), Components()
            for a in allocations:
                money, percent = money + a.money, percent + a.percent
            self.money, self.percent = money, percent
        self.advance = sum((a.money.total for a in allocations if a.installment is None), ZERO)
        self.settled = [a for a in allocations if a.installment is not None and a.settled]


def _line_percent(lines: Sequence[dict[str, Any]]) -> Components:
    values: dict[str, Decimal] = {}
    for line in lines:
        if not isinstance(line, dict):
            continue
        for key, component in (*_PCT_KEYS, ("ins_pct", "seguro")):
            raw = line.get(key)
            if raw is None:
                continue
            try:
                values[component] = values.get(component, Decimal(0)) + Decimal(str(raw))
            except ArithmeticError:
                continue
    return Components.of(values) if values else Components()


def target(inst: InstallmentState, price: Decimal, repriced: bool) -> Installment:
    """What is still due on ``inst`` at ``price`` (components plus its extra lines)."""
    remaining = (inst.percent - inst.credited).positive()
    fresh = inst.credited.is_zero()
    if fresh and not repriced:
        base = Installment(inst.percent, inst.price, inst.money)
    else:
        base = bill(remaining, price)
    if not fresh or inst.extra_amount == 0:
        return base
    extra_pct = _line_percent(inst.lines)
    extra = q_money(inst.extra_amount)
    if extra > 0:
        weights = [v for _, v in (extra_pct.positive() if not extra_pct.is_zero() else base.money)]
        if sum(weights, Decimal(0)) == 0:
            weights = [Decimal(1), Decimal(0), Decimal(0), Decimal(0)]
        extra_money = Components(*allocate_cents(extra, weights))
        if extra_pct.is_zero():
            extra_pct = extra_money.map(lambda m: percent_of(m, price))
        return Installment(base.percent + extra_pct.positive(), price, base.money + extra_money)
    # a credit riding on the installment lowers what is due, pro rata to its components
    credit = min(-extra, base.money.total)
    cut = Components(*allocate_cents(credit, [v for _, v in base.money]))
    cut_pct = (
        extra_pct.map(lambda p: -p)
        if not extra_pct.is_zero()
        else cut.map(lambda m: percent_of(m, price))
    )
    return Installment((base.percent - cut_pct).positive(), price, (base.money - cut).positive())


def _cap(
    money: Components, percent: Components, room: Components, price: Decimal
) -> tuple[Components, Components, Decimal]:
    """Never credit more percent than the quota still owes; the money for the part cut off
    is returned as excess."""
    if room.dominates(percent):
        return money, percent, ZERO
    capped = percent.minimum(room)
    out_money: dict[str, Decimal] = {}
    excess = ZERO
    for (component, m), (_, p), (_, c) in zip(money, percent, capped, strict=True):
        if c < p:
            keep = min(m, money_at(c, price))
            out_money[component.value] = keep
            excess += m - keep
        else:
            out_money[component.value] = m
    return Components.of(out_money), capped, excess


def plan_payment(
    amount: Decimal,
    paid_on: date,
    installments: Sequence[InstallmentState],
    quota: QuotaState,
    price_now: Decimal,
    rules: LateRules,
    effective_due: Callable[[date], date],
) -> PaymentPlan:
    """Split ``amount`` over the open ``installments`` (oldest first), then the advance.

    Updates ``quota`` and each installment's ``credited``/``status``/``paid_amount`` in memory
    so that the next payment of the same batch sees them.
    """
    amount = cents(amount)
    left = amount
    allocations: list[Allocation] = []
    excess = ZERO
    for inst in sorted(installments, key=lambda i: i.number):
        if left <= 0:
            break
        if not inst.open:
            continue
        late = paid_on > effective_due(inst.due_date)
        if (
            not late
            and left >= inst.total
            and inst.extra_amount == 0
            and inst.fresh
            and quota.fits(inst.pct)
        ):
            # the common case: the installment paid in full, on time
            quota.add(inst.pct)
            inst.credited = inst.percent
            inst.paid_amount = inst.paid_amount + inst.total
            inst.status = "paid"
            quota.installments_paid += 1
            quota.last_installment_paid = max(quota.last_installment_paid, inst.number)
            allocations.append(Allocation(inst, inst.price, inst.money, inst.percent, settled=True))
            left -= inst.total
            continue
        price = price_now if late else inst.price
        due = target(inst, price, repriced=late and price != inst.price)
        if due.total <= 0:
            inst.status = "paid"
            continue
        charges: LateCharges | None = (
            late_charges(due.total, inst.due_date, paid_on, rules) if late else None
        )
        split = split_payment(left, due, charges)
        applied = split.amount - split.excess
        money, percent, cut = _cap(split.money, split.percent, quota.room(), price)
        excess += cut
        settled = split.settled
        quota.add(
            (percent.fundo_comum, percent.taxa_administracao, percent.fundo_reserva, percent.seguro)
        )
        inst.credited = inst.credited + percent
        inst.paid_amount = inst.paid_amount + applied
        if settled:
            inst.status = "paid"
            quota.installments_paid += 1
            quota.last_installment_paid = max(quota.last_installment_paid, inst.number)
        elif applied > 0:
            inst.status = "partial"
        allocations.append(
            Allocation(
                inst,
                price,
                money,
                percent,
                split.fine,
                split.interest,
                charges.days_late if charges else 0,
                settled,
            )
        )
        left = split.excess
    if left > 0:
        ledger = QuotaLedger(
            quota.obligation.replace(Component.SEGURO, quota.paid.seguro), quota.paid
        )
        adv = apply_advance(ledger, left, price_now)
        if not adv.percent.is_zero():
            quota.paid = quota.paid + adv.percent
            allocations.append(Allocation(None, price_now, adv.money, adv.percent))
        excess += adv.excess
    quota.paid_amount = quota.paid_amount + amount - excess
    quota.touched = True
    return PaymentPlan(amount, price_now, allocations, excess)
