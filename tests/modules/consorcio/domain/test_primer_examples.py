"""Every worked example of the consórcio primer (shared/domain/consorcio.md), to the cent."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from lastro.modules.consorcio.domain import (
    CatchUp,
    Components,
    QuotaLedger,
    ResidualSettlement,
    allocate_cents,
    bill,
    end_reduction,
    fc_percent_paid,
    late_charges,
    late_joiner_plan,
    money_at,
    normal_plan,
    price_difference,
    reduced_plan,
    refund_amount,
    reprice,
    second_copy,
    settle_price_difference,
    split_payment,
    spread,
    updated_price,
)
from lastro.modules.consorcio.domain.terms import PlanTerms

ABAC = PlanTerms(term_months=50, taxa_administracao=D(15), fundo_reserva=D(2))
PRICE = D("30000.00")
DUE = date(2026, 3, 10)


def _ten_on_time() -> QuotaLedger:
    schedule = normal_plan(ABAC)
    ledger = QuotaLedger.open(schedule)
    for number in range(1, 11):
        installment, ledger = ledger.bill(schedule.installment(number), PRICE)
        split = split_payment(installment.total, installment)
        assert split.settled and split.excess == 0
        ledger = ledger.credit(split.percent)
    return ledger


def test_abac_installment_is_702_from_600_90_12() -> None:
    """§3.2: 2.00 + 0.30 + 0.04 = 2.34 % of 30,000 = 600 + 90 + 12 = R$ 702.00."""
    schedule = normal_plan(ABAC)
    first = schedule.installment(1)
    assert first == Components(D(2), D("0.3"), D("0.04"))
    assert first.total == D("2.34")
    installment = bill(first, PRICE)
    assert installment.money == Components(D("600.00"), D("90.00"), D("12.00"))
    assert installment.total == D("702.00")
    assert schedule.obligation.total == D(117)
    # every installment of the plan is the same 2.34 %
    assert {schedule.installment(n).total for n in range(1, 51)} == {D("2.34")}


def test_installment_after_five_percent_update_is_737_10() -> None:
    """§3.4: the credit goes to 31,500 (+5 %): 2.34 % × 31,500 = R$ 737.10."""
    new_price = updated_price(PRICE, D(5))
    assert new_price == D("31500.00")
    installment = bill(normal_plan(ABAC).installment(11), new_price)
    assert installment.total == D("737.10")
    assert installment.money == Components(D("630.00"), D("94.50"), D("12.60"))
    assert reprice(bill(normal_plan(ABAC).installment(1), PRICE), new_price).total == D("737.10")


def test_ten_on_time_installments_leave_93_6_percent() -> None:
    """§3.3: 23.4 % paid (FC 20, TA 3, FR 0.4); balance 93.6 % = R$ 28,080; R$ 29,484 at 31,500."""
    ledger = _ten_on_time()
    assert ledger.paid == Components(D(20), D(3), D("0.4"))
    assert ledger.paid_total == D("23.4")
    assert ledger.saldo_devedor == D("93.6")
    assert ledger.balance_money(PRICE) == D("28080.00")
    assert ledger.balance_money(D("31500.00")) == D("29484.00")
    position = ledger.position(normal_plan(ABAC), 10)
    assert position.ideal.total == D("23.4")
    assert position.arrears.is_zero() and position.advance.is_zero()
    # one month later without paying: one installment in arrears
    assert ledger.position(normal_plan(ABAC), 11).arrears_total == D("2.34")


def test_late_payment_fifteen_days_is_719_55() -> None:
    """§6.1: R$ 702 paid 15 days late: fine 14.04 + interest 3.51 = R$ 719.55."""
    charges = late_charges(D("702.00"), DUE, date(2026, 3, 25))
    assert charges.days_late == 15
    assert charges.fine == D("14.04")
    assert charges.interest == D("3.51")
    assert charges.total == D("719.55")


def test_late_payment_with_price_update_is_755_53() -> None:
    """§6.1: with a 5 % update in between the base is 737.10 and the total R$ 755.53."""
    installment = bill(normal_plan(ABAC).installment(1), PRICE)
    copy = second_copy(installment, D("31500.00"), DUE, date(2026, 3, 25))
    assert copy.installment.total == D("737.10")
    assert copy.charges.fine == D("14.74")
    assert copy.charges.interest == D("3.69")
    assert copy.total == D("755.53")
    # paying that amount settles the installment and the charges, nothing left over
    split = split_payment(copy.total, copy.installment, copy.charges)
    assert split.settled and split.excess == 0
    assert split.percent == installment.percent


def test_late_joiner_at_month_20_pays_3_90_percent() -> None:
    """§3.5: joining at month 20 of 50: 117 %/30 = 3.90 % a month = R$ 1,170."""
    schedule = late_joiner_plan(ABAC, elapsed_months=20)
    assert schedule.count == 30
    assert schedule.first_month == 21
    for number in range(1, 31):
        assert schedule.installment(number).total == D("3.9")
        assert bill(schedule.installment(number), PRICE).total == D("1170.00")
    assert schedule.obligation.total == D(117)
    assert schedule.ideal(20).is_zero()
    assert schedule.ideal(50).total == D(117)


def test_late_joiner_upfront_arrears() -> None:
    """The parameter alternative: perc_ideal at month 20 (46.8 %) charged with the first one."""
    schedule = late_joiner_plan(ABAC, 20, CatchUp.UPFRONT)
    assert schedule.installment(1).total == D("46.8") + D("2.34")
    assert schedule.installment(2).total == D("2.34")
    assert schedule.obligation.total == D(117)
    spread_over = late_joiner_plan(ABAC, 20, CatchUp.OVER_MONTHS, catch_up_months=6)
    assert spread_over.installment(1).total == D("2.34") + D("7.8")
    assert spread_over.installment(7).total == D("2.34")
    assert spread_over.obligation.total == D(117)


def test_reduced_installment_residual_and_dilution() -> None:
    """§3.6: FC 25 % off (1.5 % instead of 2 %) for 12 months, contemplated by draw:
    residual 12 × 0.5 % = 6 % = R$ 1,800; over 38 months +0.158 %/month ≈ R$ 47.37."""
    base = normal_plan(ABAC)
    until_contemplation = reduced_plan(base, D(25), None)
    assert until_contemplation.schedule.installment(1).fundo_comum == D("1.5")
    assert until_contemplation.schedule.installment(1).total == D("1.84")

    settled = end_reduction(base, D(25), 12, ResidualSettlement.DILUTE)
    assert settled.residual == Components(fundo_comum=D(6))
    assert money_at(settled.residual.total, PRICE) == D("1800.00")
    extra = settled.schedule.installment(13) - base.installment(13)
    assert extra.fundo_comum.quantize(D("0.001")) == D("0.158")
    assert bill(extra, PRICE).total == D("47.37")
    assert settled.schedule.installment(12).fundo_comum == D("1.5")
    assert settled.schedule.obligation == base.obligation
    assert settled.schedule.residual.is_zero()

    by_lance = end_reduction(base, D(25), 12, ResidualSettlement.LANCE)
    assert by_lance.schedule.residual == Components(fundo_comum=D(6))
    assert by_lance.schedule.installment(13) == base.installment(13)
    assert by_lance.schedule.obligation == base.obligation


def test_lance_examples_balance_and_reamortisation() -> None:
    """§5: after 10 installments a 30 % lance leaves 63.6 % (R$ 19,080): 1.59 %/month over 40
    (R$ 477), or 27 installments of 2.34 % and a last one of 0.42 % (R$ 126)."""
    ledger = _ten_on_time().credit(Components(fundo_comum=D(30)))
    assert ledger.saldo_devedor == D("63.6")
    assert ledger.balance_money(PRICE) == D("19080.00")
    per_month = spread(ledger.saldo_devedor, 40)
    assert set(per_month) == {D("1.59")}
    assert money_at(per_month[0], PRICE) == D("477.00")
    full, last = divmod(ledger.saldo_devedor, D("2.34"))
    assert (full, last) == (D(27), D("0.42"))
    assert money_at(last, PRICE) == D("126.00")
    assert PRICE - money_at(D(30), PRICE) == D("21000.00")  # lance embutido payout


def test_diferenca_de_parcela_after_update_before_assembly() -> None:
    """§3.4: boleto at 30,000, AGO at 31,500: the difference is charged in the next one."""
    installment = normal_plan(ABAC).installment(1)
    diff = price_difference(installment, PRICE, D("31500.00"))
    assert diff.is_charge
    assert diff.total_percent == D("0.1114285714")
    assert diff.money_at(D("31500.00")) == D("35.10")
    assert D("702.00") + diff.money_at(D("31500.00")) == D("737.10")
    # the assembly restates the paid boleto and the next installment carries the charge
    ledger = QuotaLedger.open(normal_plan(ABAC)).credit(installment)
    settled = settle_price_difference(ledger, installment, PRICE, D("31500.00"))
    assert settled.ledger.paid.total == D("2.34") - D("0.1114285714")
    next_one = bill(normal_plan(ABAC).installment(2) + settled.charge, D("31500.00"))
    assert next_one.total == D("737.10") + D("35.10")
    assert settled.ledger.credit(next_one.percent).paid.total == D("4.68")
    credit = price_difference(installment, D("31500.00"), PRICE)
    assert not credit.is_charge
    assert credit.money_at(PRICE) == D("-35.10")


def test_refund_of_excluded_member() -> None:
    """§6.3: excluded with FC 20 %, drawn at a credit of 33,000: R$ 6,600; 10 % penalty 5,940.
    The FC percent comes from Σ FC paid_i / price_i across price changes."""
    fc_percent = fc_percent_paid([(D("600.00"), PRICE)] * 5 + [(D("630.00"), D("31500.00"))] * 5)
    assert fc_percent == D(20)
    refund = refund_amount(fc_percent, D("33000.00"))
    assert refund.gross == D("6600.00") and refund.net == D("6600.00")
    with_penalty = refund_amount(fc_percent, D("33000.00"), penalty_pct=D(10))
    assert with_penalty.penalty == D("660.00")
    assert with_penalty.net == D("5940.00")


def test_fundo_de_reserva_rateio_at_closing() -> None:
    """§7: R$ 10,000 left, FR paid 600/600/300: shares 4,000 / 4,000 / 2,000."""
    shares = allocate_cents(D("10000.00"), [D(600), D(600), D(300)])
    assert shares == (D("4000.00"), D("4000.00"), D("2000.00"))
