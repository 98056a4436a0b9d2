"""Unit tests of the rules beyond the primer's examples: edges, parameters and refusals."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from lastro.modules.consorcio.domain import (
    AdvanceOrder,
    CatchUp,
    CollectionStage,
    CollectionTiers,
    Component,
    Components,
    InsuranceBase,
    InsuranceRule,
    InvalidTerms,
    LateRules,
    PercentExceedsTotal,
    PlanTerms,
    QuotaLedger,
    Regime,
    ResidualSettlement,
    allocate_cents,
    antecipacao,
    apply_advance,
    bill,
    billable_percent,
    carry_from_history,
    collection_stage,
    credited_at_assembly,
    days_late,
    dilute,
    exclusion_due,
    late_charges,
    late_joiner_plan,
    missed_due_dates,
    normal_plan,
    percent_of,
    prepaid_fee_excess,
    quitacao,
    reduced_plan,
    second_copy,
    split_money,
    split_payment,
    spread,
    stage_counts,
    validate_exclusion_threshold,
    variation_pct,
)

ABAC = PlanTerms(term_months=50, taxa_administracao=D(15), fundo_reserva=D(2))
PRICE = D("30000.00")


# --- plans -----------------------------------------------------------------------------------


def test_spread_closes_exactly_with_non_terminating_division() -> None:
    parts = spread(D(100), 60)
    assert sum(parts) == D(100)
    assert max(parts) - min(parts) <= D("1E-10")
    assert parts[0] == D("1.6666666667")


def test_prepaid_fee_is_deducted_from_the_installments() -> None:
    terms = PlanTerms(50, taxa_administracao=D(15), fundo_reserva=D(2), taxa_prepaga=D(1))
    schedule = normal_plan(terms)
    assert schedule.prepaid == Components(taxa_administracao=D(1))
    assert schedule.installment(1).taxa_administracao == D("0.28")
    assert schedule.obligation == Components(D(100), D(15), D(2))
    assert schedule.ideal(0).total == D(1)  # the prepaid fee is due at sign-up
    assert schedule.ideal(10).total == D(1) + D("2.32") * 10


def test_insurance_bases() -> None:
    credit_fee = PlanTerms(
        50, D(15), D(2), seguro=InsuranceRule(D("0.038"), InsuranceBase.CREDITO_MAIS_TAXA)
    )
    first = normal_plan(credit_fee).installment(1)
    assert first.seguro == D("0.0437")  # 0.038 % of 115 %
    assert bill(first, PRICE).money.seguro == D("13.11")
    balance_based = PlanTerms(
        10, D(10), seguro=InsuranceRule(D("0.05"), InsuranceBase.SALDO_DEVEDOR)
    )
    schedule = normal_plan(balance_based)
    assert schedule.installment(1).seguro == D("0.055")  # 0.05 % of 110 %
    assert schedule.installment(10).seguro == D("0.0055")  # 0.05 % of the last 11 %
    credit = normal_plan(PlanTerms(10, D(10), seguro=InsuranceRule(D("0.03"))))
    assert {credit.installment(n).seguro for n in range(1, 11)} == {D("0.03")}
    assert credit.obligation.seguro == D("0.3")


def test_plan_parameters_are_validated() -> None:
    with pytest.raises(InvalidTerms):
        PlanTerms(0, D(15))
    with pytest.raises(InvalidTerms):
        PlanTerms(50, D(15), taxa_prepaga=D(16))
    with pytest.raises(InvalidTerms):
        PlanTerms(50, D(-1))
    with pytest.raises(InvalidTerms):
        late_joiner_plan(ABAC, 50)
    with pytest.raises(InvalidTerms):
        late_joiner_plan(ABAC, 20, CatchUp.OVER_MONTHS)  # no month count
    with pytest.raises(InvalidTerms):
        reduced_plan(normal_plan(ABAC), D(0), 12)
    with pytest.raises(InvalidTerms):
        reduced_plan(normal_plan(ABAC), D(25), 50, ResidualSettlement.DILUTE)
    with pytest.raises(InvalidTerms):
        normal_plan(ABAC).installment(51)


def test_reduced_plan_for_a_fixed_period_dilutes_afterwards() -> None:
    base = normal_plan(ABAC)
    plan = reduced_plan(base, D(50), 10)
    assert plan.residual == Components(fundo_comum=D(10))
    assert plan.schedule.installment(10).fundo_comum == D(1)
    assert plan.schedule.installment(11).fundo_comum == D("2.25")  # 2 + 10 %/40
    assert plan.schedule.obligation == base.obligation
    assert plan.schedule.scheduled_total == base.scheduled_total


def test_dilute_takes_the_amount_out_of_the_pending_residual() -> None:
    pending = reduced_plan(normal_plan(ABAC), D(25), 12, ResidualSettlement.PENDING).schedule
    assert pending.residual.fundo_comum == D(6)
    diluted = dilute(pending, Components(fundo_comum=D(6)), 13)
    assert diluted.residual.is_zero()
    assert diluted.obligation == pending.obligation


# --- money and carry -------------------------------------------------------------------------


def test_lost_cent_is_caught_up_by_the_carry() -> None:
    schedule = normal_plan(PlanTerms(3, D(10)))  # FC 33.3333333333 / 33.3333333333 / 33.33…34
    ledger = QuotaLedger.open(schedule)
    amounts = []
    for n in range(1, 4):
        installment, ledger = ledger.bill(schedule.installment(n), D("1000.01"))
        amounts.append(installment.money.fundo_comum)
    assert sum(amounts) == D("1000.01")
    assert amounts == [D("333.34"), D("333.33"), D("333.34")]


def test_carry_can_be_rebuilt_from_history() -> None:
    schedule = normal_plan(PlanTerms(7, D("13.37"), D("1.1")))
    ledger = QuotaLedger.open(schedule)
    history = []
    prices = ["777.77", "777.77", "800.05", "800.05", "801", "9", "10"]
    for n, price in enumerate(prices, start=1):
        installment, ledger = ledger.bill(schedule.installment(n), D(price))
        history.append((installment.percent, installment.price, installment.money))
    assert carry_from_history(history) == ledger.carry


def test_bill_refuses_negative_percent_and_price() -> None:
    with pytest.raises(InvalidTerms):
        bill(Components(fundo_comum=D(-1)), PRICE)
    with pytest.raises(InvalidTerms):
        bill(Components(fundo_comum=D(1)), D(0))


# --- ledger ----------------------------------------------------------------------------------


def test_ledger_refuses_paying_more_than_the_total() -> None:
    ledger = QuotaLedger.open(normal_plan(ABAC))
    ledger = ledger.credit(Components(fundo_comum=D(100)))
    with pytest.raises(PercentExceedsTotal) as err:
        ledger.credit(Components(fundo_comum=D("0.0000000001")))
    assert err.value.code == "CONSORCIO_PERCENT_EXCEEDS_TOTAL"
    with pytest.raises(PercentExceedsTotal):
        ledger.credit(Components(taxa_administracao=D(-1)))


def _bill_through(schedule: object, paid: Components, order: AdvanceOrder) -> list[D]:
    """Bill installments 3..10 paying each as billed; FC due per installment."""
    from lastro.modules.consorcio.domain import Schedule

    assert isinstance(schedule, Schedule)
    out = []
    for n in range(3, 11):
        due = billable_percent(schedule, n, paid, order)
        out.append(due.fundo_comum)
        paid = paid + due
    assert paid == schedule.obligation
    return out


def test_billable_percent_direct_and_reverse_order() -> None:
    schedule = normal_plan(PlanTerms(10, D(10)))  # 10 % FC + 1 % TA a month
    advance = schedule.cumulative(2) + Components(fundo_comum=D(15))  # 2 paid + 15 % FC ahead
    assert _bill_through(schedule, advance, AdvanceOrder.DIRECT) == [0, 5] + [10] * 6
    assert billable_percent(schedule, 3, advance).taxa_administracao == D(1)
    assert _bill_through(schedule, advance, AdvanceOrder.REVERSE) == [10] * 6 + [5, 0]
    # arrears do not change the current installment
    assert billable_percent(schedule, 3, Components()) == schedule.installment(3)


# --- payments --------------------------------------------------------------------------------


def test_partial_payment_pro_rata_and_in_priority_order() -> None:
    installment = bill(normal_plan(ABAC).installment(1), PRICE)
    split = split_payment(D("351.00"), installment)
    assert split.money == Components(D("300.00"), D("45.00"), D("6.00"))
    assert split.percent == Components(D(1), D("0.15"), D("0.02"))
    assert not split.settled and split.excess == 0
    ta_first = split_payment(
        D("100.00"), installment, order=[Component.TAXA_ADMINISTRACAO, Component.FUNDO_RESERVA]
    )
    assert ta_first.money == Components(D("0.00"), D("90.00"), D("10.00"))
    assert ta_first.percent.taxa_administracao == D("0.3")


def test_fines_are_paid_first_and_overpayment_is_excess() -> None:
    installment = bill(normal_plan(ABAC).installment(1), PRICE)
    charges = late_charges(installment.total, date(2026, 1, 10), date(2026, 1, 25))
    short = split_payment(D("10.00"), installment, charges)
    assert (short.fine, short.interest, short.money.total) == (D("10.00"), D(0), D(0))
    over = split_payment(D("800.00"), installment, charges)
    assert over.settled
    assert over.excess == D("800.00") - D("719.55")
    assert over.percent == installment.percent


def test_advance_quitacao_and_antecipacao() -> None:
    schedule = normal_plan(ABAC)
    ledger = QuotaLedger.open(schedule).credit(schedule.cumulative(10))
    payoff = quitacao(ledger, PRICE)
    assert payoff.total == D("28080.00")
    assert payoff.percent.total == D("93.6")
    adv = apply_advance(ledger, D("30000.00"), PRICE)
    assert adv.excess == D("1920.00")
    assert adv.percent == ledger.balance
    assert ledger.credit(adv.percent).is_paid_off
    partial = apply_advance(ledger, D("1404.00"), PRICE)
    assert partial.percent.total == D("4.68")
    three = antecipacao(schedule, ledger, 11, 3, PRICE)
    assert three.total == D("2106.00")
    last_two = antecipacao(schedule, ledger, 11, 2, PRICE, AdvanceOrder.REVERSE)
    assert last_two.percent.total == D("4.68")
    assert antecipacao(schedule, ledger, 49, 5, PRICE).percent.total == D("4.68")


def test_split_money_bounds() -> None:
    target = Components(D("10.00"), D("0.01"), D("0.00"))
    assert split_money(D("10.01"), target) == target
    with pytest.raises(InvalidTerms):
        split_money(D("10.02"), target)
    assert allocate_cents(D("0.01"), [D(0), D(0)]) == (D("0.01"), D("0.00"))


def test_percent_of_and_variation() -> None:
    assert percent_of(D("702.00"), PRICE) == D("2.34")
    assert variation_pct(PRICE, D("31500.00")) == D(5)
    assert credited_at_assembly(Components(D(2)), PRICE, D("31500.00")).fundo_comum == D(
        "1.9047619048"
    )


# --- late payment ----------------------------------------------------------------------------


def test_late_rules_and_group_share() -> None:
    charges = late_charges(
        D("1000.00"),
        date(2026, 1, 10),
        date(2026, 2, 9),
        LateRules(group_share_pct=D(70)),
    )
    assert charges.days_late == 30
    assert (charges.fine, charges.interest) == (D("20.00"), D("10.00"))
    assert (charges.fine_group, charges.fine_administradora) == (D("14.00"), D("6.00"))
    assert (charges.interest_group, charges.interest_administradora) == (D("7.00"), D("3.00"))
    assert charges.group_total + charges.administradora_total == charges.charges
    on_time = late_charges(D("1000.00"), date(2026, 1, 10), date(2026, 1, 10))
    assert on_time.total == D("1000.00") and on_time.charges == 0
    assert days_late(date(2026, 1, 10), date(2026, 1, 12), LateRules(grace_days=2)) == 0
    with pytest.raises(InvalidTerms):
        LateRules(group_share_pct=D(49))


def test_second_copy_before_the_due_date_keeps_the_boleto_amount() -> None:
    installment = bill(normal_plan(ABAC).installment(1), PRICE)
    copy = second_copy(installment, D("31500.00"), date(2026, 1, 10), date(2026, 1, 10))
    assert copy.total == D("702.00") and copy.charges.charges == 0
    later = second_copy(installment, D("31500.00"), date(2026, 1, 10), date(2026, 2, 9))
    assert later.installment.total == D("737.10")
    assert later.charges.interest == D("7.37")  # 1 % of 737.10 for 30 days


# --- exclusion and collection ----------------------------------------------------------------


def test_exclusion_threshold_per_regime() -> None:
    assert validate_exclusion_threshold(3, Regime.RESOLUCAO_285) == 3
    assert validate_exclusion_threshold(4, Regime.CIRCULAR_3432) == 4
    with pytest.raises(InvalidTerms):
        validate_exclusion_threshold(4, Regime.RESOLUCAO_285)
    with pytest.raises(InvalidTerms):
        validate_exclusion_threshold(0, Regime.CIRCULAR_3432)


def test_missed_due_dates_and_stages() -> None:
    history = [
        (date(2026, 1, 10), date(2026, 1, 9)),
        (date(2026, 2, 10), None),
        (date(2026, 3, 10), date(2026, 3, 20)),  # paid late, but paid
        (date(2026, 4, 10), None),
        (date(2026, 5, 10), None),
        (date(2026, 6, 10), None),
    ]
    assert missed_due_dates(history, date(2026, 6, 1)) == 2
    assert missed_due_dates(history, date(2026, 6, 1), consecutive=False) == 3
    assert missed_due_dates(history, date(2026, 6, 11)) == 3
    assert missed_due_dates(history, date(2026, 3, 15)) == 2  # March not yet paid then
    assert exclusion_due(3, 3, contemplated=False)
    assert not exclusion_due(5, 3, contemplated=True)
    assert exclusion_due(2, 3, contemplated=False, last_assembly_threshold=2, at_last_assembly=True)
    assert collection_stage(0, 3, contemplated=False) is CollectionStage.EM_DIA
    assert collection_stage(1, 3, contemplated=False) is CollectionStage.COBRANCA
    assert collection_stage(2, 3, contemplated=False) is CollectionStage.MEDIACAO
    assert collection_stage(3, 3, contemplated=False) is CollectionStage.EXCLUSAO
    assert collection_stage(2, 2, contemplated=False) is CollectionStage.EXCLUSAO
    assert collection_stage(1, 3, contemplated=True) is CollectionStage.BLOQUEIO_CONTEMPLADO
    assert collection_stage(3, 3, contemplated=True) is CollectionStage.JURIDICO
    tiers = CollectionTiers(contemplated_block_from=2, contemplated_legal_from=6)
    assert collection_stage(1, 3, contemplated=True, tiers=tiers) is CollectionStage.COBRANCA
    counts = stage_counts([CollectionStage.COBRANCA, CollectionStage.COBRANCA])
    assert counts[CollectionStage.COBRANCA] == 2 and counts[CollectionStage.JURIDICO] == 0


def test_prepaid_fee_excess_returned_at_exclusion() -> None:
    assert prepaid_fee_excess(D(2), D(15), 5, 50) == D("0.5")
    assert prepaid_fee_excess(D(1), D(15), 10, 50) == D(0)
