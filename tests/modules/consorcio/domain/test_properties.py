"""Hypothesis properties of the percentage ledger.

For any plan, sequence of payments and price updates: the components always sum to the
installment, the percent paid never exceeds the total, and over a whole life of on-time
payments at a constant price each component's money reconciles to the cent with total % × price.
"""

from __future__ import annotations

from decimal import Decimal as D

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lastro.modules.consorcio.domain import (
    AdvanceOrder,
    CatchUp,
    Component,
    Components,
    InsuranceBase,
    InsuranceRule,
    PlanTerms,
    QuotaLedger,
    Schedule,
    allocate_cents,
    apply_advance,
    apply_payment,
    bill,
    billable_percent,
    carry_from_history,
    late_joiner_plan,
    money_at,
    normal_plan,
    reduced_plan,
    split_money,
    split_payment,
    spread,
)

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _percent(max_value: int, places: int = 4) -> st.SearchStrategy[D]:
    return st.integers(0, max_value * 10**places).map(lambda v: D(v).scaleb(-places))


prices = st.integers(100, 500_000_000).map(lambda c: D(c).scaleb(-2))


@st.composite
def plan_terms(draw: st.DrawFn) -> PlanTerms:
    ta = draw(_percent(30))
    rate = draw(st.one_of(st.just(D(0)), _percent(1, 4)))
    return PlanTerms(
        term_months=draw(st.integers(1, 120)),
        taxa_administracao=ta,
        fundo_reserva=draw(_percent(5)),
        taxa_prepaga=(ta * draw(st.integers(0, 100)) / 100).quantize(D("0.0001"), "ROUND_DOWN"),
        seguro=InsuranceRule(rate, draw(st.sampled_from(list(InsuranceBase)))),
    )


@st.composite
def schedules(draw: st.DrawFn) -> Schedule:
    terms = draw(plan_terms())
    kind = draw(st.sampled_from(["normal", "late", "late_upfront", "reduced"]))
    if kind == "normal" or terms.term_months == 1:
        return normal_plan(terms)
    if kind.startswith("late"):
        elapsed = draw(st.integers(0, terms.term_months - 1))
        mode = CatchUp.UPFRONT if kind == "late_upfront" else CatchUp.SPREAD
        return late_joiner_plan(terms, elapsed, mode)
    months = draw(st.integers(1, terms.term_months - 1))
    return reduced_plan(normal_plan(terms), draw(_percent(99, 2)).max(D(1)), months).schedule


@SETTINGS
@given(schedule=schedules(), price=prices)
def test_whole_life_on_time_reconciles_every_component_to_the_cent(
    schedule: Schedule, price: D
) -> None:
    ledger = QuotaLedger.open(schedule)
    billed = Components()
    for number in range(schedule.count + 1):
        percent = schedule.prepaid if number == 0 else schedule.installment(number)
        installment, ledger = ledger.bill(percent, price)
        assert installment.money.total == installment.total
        split = split_payment(installment.total, installment)
        assert split.settled and split.excess == 0
        ledger = ledger.credit(split.percent)
        billed = billed + installment.money
    assert ledger.is_paid_off
    assert ledger.paid == schedule.obligation
    for component, total in schedule.obligation:
        assert billed[component] == money_at(total, price), component


@SETTINGS
@given(
    schedule=schedules(),
    first_price=prices,
    events=st.lists(
        st.tuples(
            st.sampled_from(["bill", "pay", "pay", "update", "advance"]),
            st.integers(0, 10**7),
            st.integers(-20, 40),
        ),
        max_size=60,
    ),
    order=st.sampled_from([None, [Component.TAXA_ADMINISTRACAO, Component.FUNDO_RESERVA]]),
)
def test_any_payments_and_price_updates_keep_the_invariants(
    schedule: Schedule,
    first_price: D,
    events: list[tuple[str, int, int]],
    order: list[Component] | None,
) -> None:
    price = first_price
    ledger = QuotaLedger.open(schedule)
    open_items: list[Components] = []  # percent still due per billed installment
    next_number = 1
    for kind, cents, variation in events:
        amount = D(cents).scaleb(-2)
        if kind == "bill" and next_number <= schedule.count:
            due = billable_percent(schedule, next_number, ledger.paid, AdvanceOrder.DIRECT)
            installment, ledger = ledger.bill(due, price)
            assert installment.money.total == installment.total
            open_items.append(due)
            next_number += 1
        elif kind == "pay" and open_items:
            installment = bill(open_items[0], price)  # overdue: re-priced at the current price
            raw = split_payment(amount, installment, order=order)
            assert raw.money.total + raw.excess + raw.fine + raw.interest == amount
            assert installment.percent.dominates(raw.percent)
            assert installment.money.dominates(raw.money)
            applied = apply_payment(ledger, amount, installment, order=order)
            advanced = applied.advance.money.total if applied.advance else 0
            assert applied.split.money.total + advanced + applied.refund == amount
            assert applied.ledger.paid == ledger.paid + applied.percent
            ledger = applied.ledger
            remaining = (open_items[0] - applied.split.percent).positive()
            done = applied.split.settled or remaining.is_zero()
            open_items = open_items[1:] if done else [remaining, *open_items[1:]]
        elif kind == "advance":
            adv = apply_advance(ledger, amount, price, order)
            assert adv.money.total + adv.excess == amount
            ledger = ledger.credit(adv.percent)
        elif kind == "update":
            price = max((price * (100 + variation) / 100).quantize(D("0.01")), D("1.00"))
        assert ledger.obligation.dominates(ledger.paid)
        assert ledger.paid.dominates(Components())


@SETTINGS
@given(total=_percent(200, 10), parts=st.integers(1, 400))
def test_spread_sums_exactly_and_evenly(total: D, parts: int) -> None:
    slices = spread(total, parts)
    assert sum(slices) == total
    assert max(slices) - min(slices) <= D("1E-10")


@SETTINGS
@given(
    amount=st.integers(0, 10**9).map(lambda c: D(c).scaleb(-2)),
    weights=st.lists(st.integers(0, 10**6).map(D), min_size=1, max_size=6),
)
def test_allocate_cents_is_exact(amount: D, weights: list[D]) -> None:
    parts = allocate_cents(amount, weights)
    assert sum(parts) == amount
    assert all(p >= 0 and p == p.quantize(D("0.01")) for p in parts)


@SETTINGS
@given(
    target=st.tuples(*[st.integers(0, 10**6) for _ in range(4)]).map(
        lambda t: Components(*(D(v).scaleb(-2) for v in t))
    ),
    fraction=st.integers(0, 1000),
    order=st.one_of(st.none(), st.permutations(list(Component))),
)
def test_split_money_caps_each_component(
    target: Components, fraction: int, order: list[Component] | None
) -> None:
    amount = (target.total * fraction / 1000).quantize(D("0.01"), rounding="ROUND_DOWN")
    split = split_money(amount, target, order)
    assert split.total == amount
    assert target.dominates(split) and split.dominates(Components())


@SETTINGS
@given(
    items=st.lists(
        st.tuples(_percent(10, 10), st.integers(1, 10**9).map(lambda c: D(c).scaleb(-2))),
        min_size=1,
        max_size=30,
    )
)
def test_carry_from_history_matches_the_running_carry(items: list[tuple[D, D]]) -> None:
    carry = Components()
    history = []
    for pct, price in items:
        installment = bill(Components(fundo_comum=pct, seguro=pct / 3), price, carry)
        carry = installment.carry_out
        history.append((installment.percent, installment.price, installment.money))
    assert carry_from_history(history) == carry
