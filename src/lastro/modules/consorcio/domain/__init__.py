"""consorcio · domain: the pure rules of the percentage ledger (no I/O, no database).

Conventions: percentages are Decimal *percent values* (``Decimal("2.34")`` = 2.34 % of the
reference price) kept at 10 decimal places (NUMERIC(18,10)); money is Decimal at 2 places; all
rounding is explicit, ROUND_HALF_EVEN. Everything is frozen dataclasses and functions.
Errors: :class:`InvalidTerms` (422, ``CONSORCIO_INVALID_TERMS``) and
:class:`PercentExceedsTotal` (409, ``CONSORCIO_PERCENT_EXCEEDS_TOTAL``).

Typical flow: ``schedule = normal_plan(terms)`` (or late_joiner_plan / reduced_plan);
``ledger = QuotaLedger(schedule.obligation, paid, carry)`` from storage; each month
``installment, ledger = ledger.bill(billable_percent(schedule, n, ledger.paid, order), price)``
(store ``installment.carry_out``: opaque, ≤ 14 decimal places, in (−0.005, 0.015]); on payment
``apply_payment(ledger, amount, reprice(installment, price_now) if overdue else installment,
late_charges(...))`` and store ``.ledger.paid``; at the assembly ``settle_price_difference``.

Components (``components``)
    Component                 enum: fundo_comum, taxa_administracao, fundo_reserva, seguro.
    Components                frozen vector, one Decimal per component (percent or money):
                              ``+ - neg``, ``[c]``, ``total``, ``total_without_seguro``,
                              ``as_dict()``, ``positive()``, ``minimum()``, ``dominates()``.
Terms and plans (``terms``, ``plans``)
    PlanTerms                 term_months, taxa_administracao (total), fundo_reserva,
                              fundo_comum (100), taxa_prepaga (part paid at sign-up), seguro.
    InsuranceRule, InsuranceBase  seguro: ``rate`` % a month on CREDITO / CREDITO_MAIS_TAXA /
                              CATEGORIA / SALDO_DEVEDOR.
    Schedule                  percent per installment; ``installment(n)``, ``month_of(n)``,
                              ``number_for_month(m)``, ``cumulative(n)``, ``ideal(month)``,
                              ``obligation`` (= scheduled_total + residual), ``prepaid``.
    normal_plan(terms)        totals spread over the term (2.00 + 0.30 + 0.04 = 2.34 %).
    late_joiner_plan(terms, elapsed_months, catch_up=CatchUp.SPREAD|UPFRONT|OVER_MONTHS,
                              catch_up_months)  joining at month 20 of 50: 3.90 % a month.
    reduced_plan(base, reduction_pct, reduced_installments|None, settlement) -> ReducedPlan
                              (schedule, residual); end_reduction(...) at contemplation;
                              ResidualSettlement DILUTE|LANCE|SMALLER_CREDIT|PENDING.
    dilute(schedule, amount, from_number)  spread a percent over the remaining installments.
Money (``installments``)
    bill(percent, price, carry) -> Installment  per-component cents, total = sum of components,
                              sub-cent residue carried (``carry_in``/``carry_out``) so each
                              component reconciles to the cent over the quota's life.
    reprice(installment, price)  same percent at the current price (702.00 -> 737.10).
    carry_from_history(items)    rebuild the carry from (percent, price, money) billed.
Ledger (``ledger``)
    QuotaLedger(obligation, paid, carry)  ``open(schedule)``, ``balance``, ``saldo_devedor``
                              (%), ``balance_money(price)``, ``credit(percent)`` (refuses to
                              exceed the obligation), ``bill(percent, price)`` (uses/advances
                              the carry), ``position(schedule, month)`` -> Position.
    Position                  ideal, paid, balance, ``arrears``, ``advance`` (+ ``_total``).
    billable_percent(schedule, number, paid, AdvanceOrder.DIRECT|REVERSE)  percent still to
                              bill for an installment after advances.
Payments (``payments``)
    apply_payment(ledger, amount, installment, charges=None, order=None, advance_excess=True)
                              -> PaymentApplication (split, advance, ledger, refund): the safe
                              entry point — caps at the balance, credits, turns excess into
                              an advance.
    split_payment(amount, installment, charges=None, order=None) -> PaymentSplit
                              fine, interest, money, percent, excess, settled.
    split_money(amount, target, order)  pro rata (default) or priority split in cents.
    apply_advance(ledger, amount, price, order) -> AdvanceResult (money, percent, excess).
    antecipacao(schedule, ledger, next_number, installments, price, order) -> Installment.
    quitacao(ledger, price) -> Installment   the balance at the current price.
Late payment (``late``)
    LateRules(fine_pct=2, interest_pct_month=1, group_share_pct=50, days_in_month=30,
              grace_days=0);  days_late(due, paid_on, rules).
    late_charges(base, due_date, paid_on, rules) -> LateCharges  (702 + 14.04 + 3.51 = 719.55;
                              fine/interest group and administradora shares).
    second_copy(installment, price_now, due_date, pay_on, rules) -> SecondCopy (755.53).
Prices (``pricing``)
    updated_price(price, variation_pct); variation_pct(old, new).
    price_difference(percent, boleto_price, assembly_price) -> PriceDifference
                              diferença de parcela (+ charge / − credit), ``money_at(price)``.
    credited_at_assembly(percent, boleto_price, assembly_price).
    settle_price_difference(ledger, percent, boleto_price, assembly_price)
                              -> PriceDifferenceSettlement (difference, ledger, ``charge`` to add
                              to the next installment): the AGO restatement of a paid boleto.
Exclusion and collection (``exclusion``)
    Regime, validate_exclusion_threshold(threshold, regime)  (≤ 3 under Res. 285).
    missed_due_dates(pairs, as_of, consecutive=True); exclusion_due(missed, threshold, ...).
    CollectionStage, CollectionTiers, collection_stage(missed, threshold, contemplated=...),
    stage_counts(stages).
Refunds (``refunds``)
    fc_percent_paid(pairs)    Σ FC paid_i / price_i, in percent (the refund base).
    refund_amount(fc_percent, price, penalty_pct, fee_excess_percent) -> Refund (6,600/5,940).
    prepaid_fee_excess(taxa_prepaga, taxa_total, months_in_group, term_months).
Helpers (``rounding``)
    PERCENT_QUANTUM, q_percent, q_money, money_at, percent_of, spread, allocate_cents.
"""

from __future__ import annotations

from lastro.modules.consorcio.domain.components import COMPONENTS, Component, Components
from lastro.modules.consorcio.domain.errors import InvalidTerms, PercentExceedsTotal
from lastro.modules.consorcio.domain.exclusion import (
    MAX_EXCLUSION_THRESHOLD_285,
    CollectionStage,
    CollectionTiers,
    Regime,
    collection_stage,
    exclusion_due,
    missed_due_dates,
    stage_counts,
    validate_exclusion_threshold,
)
from lastro.modules.consorcio.domain.installments import (
    Installment,
    bill,
    carry_from_history,
    reprice,
)
from lastro.modules.consorcio.domain.late import (
    LateCharges,
    LateRules,
    SecondCopy,
    days_late,
    late_charges,
    second_copy,
)
from lastro.modules.consorcio.domain.ledger import (
    AdvanceOrder,
    Position,
    QuotaLedger,
    billable_percent,
)
from lastro.modules.consorcio.domain.payments import (
    AdvanceResult,
    PaymentApplication,
    PaymentSplit,
    antecipacao,
    apply_advance,
    apply_payment,
    quitacao,
    split_money,
    split_payment,
)
from lastro.modules.consorcio.domain.plans import (
    CatchUp,
    ReducedPlan,
    ResidualSettlement,
    Schedule,
    dilute,
    end_reduction,
    late_joiner_plan,
    normal_plan,
    reduced_plan,
)
from lastro.modules.consorcio.domain.pricing import (
    PriceDifference,
    PriceDifferenceSettlement,
    credited_at_assembly,
    price_difference,
    settle_price_difference,
    updated_price,
    variation_pct,
)
from lastro.modules.consorcio.domain.refunds import (
    Refund,
    fc_percent_paid,
    prepaid_fee_excess,
    refund_amount,
)
from lastro.modules.consorcio.domain.rounding import (
    PERCENT_PLACES,
    PERCENT_QUANTUM,
    allocate_cents,
    money_at,
    percent_of,
    q_money,
    q_percent,
    spread,
)
from lastro.modules.consorcio.domain.terms import InsuranceBase, InsuranceRule, PlanTerms

__all__ = [
    "COMPONENTS",
    "MAX_EXCLUSION_THRESHOLD_285",
    "PERCENT_PLACES",
    "PERCENT_QUANTUM",
    "AdvanceOrder",
    "AdvanceResult",
    "CatchUp",
    "CollectionStage",
    "CollectionTiers",
    "Component",
    "Components",
    "Installment",
    "InsuranceBase",
    "InsuranceRule",
    "InvalidTerms",
    "LateCharges",
    "LateRules",
    "PaymentApplication",
    "PaymentSplit",
    "PercentExceedsTotal",
    "PlanTerms",
    "Position",
    "PriceDifference",
    "PriceDifferenceSettlement",
    "QuotaLedger",
    "ReducedPlan",
    "Refund",
    "Regime",
    "ResidualSettlement",
    "Schedule",
    "SecondCopy",
    "allocate_cents",
    "antecipacao",
    "apply_advance",
    "apply_payment",
    "bill",
    "billable_percent",
    "carry_from_history",
    "collection_stage",
    "credited_at_assembly",
    "days_late",
    "dilute",
    "end_reduction",
    "exclusion_due",
    "fc_percent_paid",
    "late_charges",
    "late_joiner_plan",
    "missed_due_dates",
    "money_at",
    "normal_plan",
    "percent_of",
    "prepaid_fee_excess",
    "price_difference",
    "q_money",
    "q_percent",
    "quitacao",
    "reduced_plan",
    "refund_amount",
    "reprice",
    "second_copy",
    "settle_price_difference",
    "split_money",
    "split_payment",
    "spread",
    "stage_counts",
    "updated_price",
    "validate_exclusion_threshold",
    "variation_pct",
]
