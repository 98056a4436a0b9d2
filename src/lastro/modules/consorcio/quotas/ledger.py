"""The per-quota percentage ledger: append-only movements plus one position row, kept in the
same transaction. The math (schedules, ideal, balance, percent caps) is the domain package's.

``record_movement`` is what billing (charges), payments (payments, prepayments), delinquency
(diferença de parcela, adjustments) and the assemblies (lances, residual) call; it is
idempotent by ``source_ref`` and serialises writers of one quota on its position row.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from lastro.kit.clock import today_sp, utcnow
from lastro.modules.consorcio.domain import (
    CatchUp,
    Component,
    Components,
    InsuranceBase,
    InsuranceRule,
    PlanTerms,
    QuotaLedger,
    ResidualSettlement,
    Schedule,
    late_joiner_plan,
    money_at,
    normal_plan,
    q_money,
    reduced_plan,
)
from lastro.modules.consorcio.groups import service as groups
from lastro.modules.consorcio.groups.models import Group, GroupRuleVersion
from lastro.modules.consorcio.quotas.errors import (
    InvalidMovement,
    MovementRefConflict,
    QuotaNotFound,
)
from lastro.modules.consorcio.quotas.models import Quota, QuotaMovement, QuotaPosition
from lastro.modules.consorcio.quotas.schemas import MOVEMENT_KINDS

ZERO = Decimal(0)
COMPONENT_KEYS = ("fc", "ta", "fr", "ins")
_INSURANCE = {
    "none": InsuranceBase.CREDITO,
    "credit": InsuranceBase.CREDITO,
    "credit_plus_fee": InsuranceBase.CREDITO_MAIS_TAXA,
    "saldo_devedor": InsuranceBase.SALDO_DEVEDOR,
}
_CATCH_UP = {
    "spread_remaining": CatchUp.SPREAD,
    "arrears_upfront": CatchUp.UPFRONT,
    "arrears_over_months": CatchUp.OVER_MONTHS,
}
DEFAULT_CATCH_UP_MONTHS = 6


def components(fc: Decimal, ta: Decimal, fr: Decimal, ins: Decimal) -> Components:
    return Components(fundo_comum=fc, taxa_administracao=ta, fundo_reserva=fr, seguro=ins)


@dataclass(frozen=True)
class PlanChoice:
    """What the quota's schedule depends on besides the group's rules."""

    joined_at_installment: int
    reduced: bool = False


@lru_cache(maxsize=4096)
def _schedule(
    term: int,
    admin_fee: Decimal,
    prepaid: Decimal,
    reserve: Decimal,
    ins_rate: Decimal,
    ins_base: str,
    joined: int,
    catch_up: str,
    catch_up_months: int,
    reduced_pct: Decimal,
    reduced_months: int | None,
    dilute: bool,
) -> Schedule:
    terms = PlanTerms(
        term_months=term,
        taxa_administracao=admin_fee,
        fundo_reserva=reserve,
        taxa_prepaga=prepaid,
        seguro=InsuranceRule(ins_rate if ins_base != "none" else ZERO, _INSURANCE[ins_base]),
    )
    if joined <= 1:
        base = normal_plan(terms)
    else:
        mode = _CATCH_UP[catch_up]
        remaining = term - joined + 1
        base = late_joiner_plan(
            terms,
            joined - 1,
            mode,
            min(catch_up_months, remaining) if mode is CatchUp.OVER_MONTHS else None,
        )
    if reduced_pct <= 0:
        return base
    months = None if reduced_months is None else min(reduced_months, base.count)
    if months is not None and months >= base.count:
        months = base.count - 1 if dilute else base.count
    settlement = ResidualSettlement.DILUTE if dilute and months else ResidualSettlement.PENDING
    return reduced_plan(base, reduced_pct, months, settlement).schedule


def schedule_for(group: Group, rules: GroupRuleVersion, choice: PlanChoice) -> Schedule:
    """The quota's installment schedule in percent (domain :class:`Schedule`)."""
    reduced = rules.reduced_plan or {}
    use_reduced = choice.reduced and bool(reduced.get("enabled"))
    settlements = reduced.get("settlements") or []
    joined = max(1, min(choice.joined_at_installment, group.term_months))
    return _schedule(
        group.term_months,
        rules.admin_fee_pct,
        rules.admin_fee_prepaid_pct,
        rules.reserve_fund_pct,
        rules.insurance_rate_pct,
        rules.insurance_base,
        joined,
        rules.late_joiner_mode,
        int((rules.extra or {}).get("late_joiner_catch_up_months", DEFAULT_CATCH_UP_MONTHS)),
        Decimal(str(reduced.get("fc_discount_pct", "0"))) if use_reduced else ZERO,
        reduced.get("months") if use_reduced else None,
        "dilution" in settlements,
    )


async def quota_rules(session: AsyncSession, quota: Quota) -> GroupRuleVersion:
    """The rule version the quota was sold under (its financial terms)."""
    found = await session.scalar(
        select(GroupRuleVersion).where(
            GroupRuleVersion.group_id == quota.group_id,
            GroupRuleVersion.version == quota.rules_version,
        )
    )
    if found is None:
        return await groups.rules_as_of(session, quota.group_id, quota.sold_on)
    return found


async def quota_schedule(
    session: AsyncSession, quota: Quota, group: Group, position: QuotaPosition
) -> Schedule:
    rules = await quota_rules(session, quota)
    return schedule_for(
        group,
        rules,
        PlanChoice(quota.joined_at_installment, reduced=position.plan == "reduced"),
    )


def installments_covered(schedule: Schedule, paid: Components) -> int:
    """How many installments the percent paid covers in full (FC + TA + FR)."""
    paid_total = paid.total_without_seguro
    running = schedule.prepaid.total_without_seguro
    covered = 0
    for item in schedule.installments:
        running += item.total_without_seguro
        if running > paid_total:
            break
        covered += 1
    return covered


def position_paid(p: QuotaPosition) -> Components:
    return components(p.fc_paid_pct, p.ta_paid_pct, p.fr_paid_pct, p.ins_paid_pct)


def position_obligation(p: QuotaPosition) -> Components:
    return components(p.fc_total_pct, p.ta_total_pct, p.fr_total_pct, p.ins_total_pct)


@dataclass(frozen=True)
class MovementDraft:
    """One movement: percent per component (signed), their reais, the quota's credit in force
    used for the conversion and an idempotency reference. ``amount`` defaults to the sum of the
    component amounts plus fine and interest."""

    kind: str
    source_ref: str
    price: Decimal
    effective_on: date | None = None
    installment_number: int | None = None
    fc_pct: Decimal = ZERO
    ta_pct: Decimal = ZERO
    fr_pct: Decimal = ZERO
    ins_pct: Decimal = ZERO
    fc_amount: Decimal = ZERO
    ta_amount: Decimal = ZERO
    fr_amount: Decimal = ZERO
    ins_amount: Decimal = ZERO
    fine_amount: Decimal = ZERO
    interest_amount: Decimal = ZERO
    amount: Decimal | None = None
    description: str = ""

    @property
    def percent(self) -> Components:
        return components(self.fc_pct, self.ta_pct, self.fr_pct, self.ins_pct)


@dataclass(frozen=True)
class MovementResult:
    movement: QuotaMovement
    created: bool


def _check_draft(draft: MovementDraft) -> None:
    if draft.kind not in MOVEMENT_KINDS:
        raise InvalidMovement(
            f"Tipo de movimento desconhecido: {draft.kind}.",
            extra={"allowed": list(MOVEMENT_KINDS)},
        )
    if not draft.source_ref or len(draft.source_ref) > 120:
        raise InvalidMovement("A referência do movimento deve ter de 1 a 120 caracteres.")
    if draft.price <= 0:
        raise InvalidMovement("O preço em vigor deve ser positivo.")
    values = [
        draft.fc_pct,
        draft.ta_pct,
        draft.fr_pct,
        draft.ins_pct,
        draft.fc_amount,
        draft.ta_amount,
        draft.fr_amount,
        draft.ins_amount,
        draft.fine_amount,
        draft.interest_amount,
    ]
    if any(isinstance(v, float) for v in values):
        raise InvalidMovement("Valores não podem ser float.")
    if draft.kind == "charge" and draft.percent.any_negative():
        raise InvalidMovement("Uma cobrança não tem percentuais negativos.")
    if draft.kind == "payment" and draft.percent.any_negative():
        raise InvalidMovement("Um pagamento não tem percentuais negativos (use estorno).")


async def _existing(
    session: AsyncSession, quota_id: uuid.UUID, source_ref: str
) -> MovementResult | None:
    found = await session.scalar(
        select(QuotaMovement).where(QuotaMovement.source_ref == source_ref)
    )
    if found is None:
        return None
    if found.quota_id != quota_id:
        raise MovementRefConflict(
            f"A referência {source_ref} já foi usada em outra cota.",
            extra={"source_ref": source_ref},
        )
    return MovementResult(found, False)


async def lock_position(session: AsyncSession, quota_id: uuid.UUID) -> QuotaPosition:
    position = await session.scalar(
        select(QuotaPosition).where(QuotaPosition.quota_id == quota_id).with_for_update()
    )
    if position is None:
        raise QuotaNotFound("Cota não encontrada.")
    return position


async def record_movement(
    session: AsyncSession, quota_id: uuid.UUID, draft: MovementDraft
) -> MovementResult:
    """Append a movement and update the quota's position (same transaction). The same
    ``source_ref`` again returns the first movement (``created=False``). Paid percent may
    never exceed the quota's obligation (``CONSORCIO_PERCENT_EXCEEDS_TOTAL``, 409) nor go
    below zero; the insurance has no fixed cap (its base may move)."""
    _check_draft(draft)
    found = await _existing(session, quota_id, draft.source_ref)
    if found is not None:
        return found
    position = await lock_position(session, quota_id)
    # a concurrent writer of the same reference committed while we waited for the lock
    found = await _existing(session, quota_id, draft.source_ref)
    if found is not None:
        return found
    quota = await session.scalar(select(Quota).where(Quota.id == quota_id))
    if quota is None:
        raise QuotaNotFound("Cota não encontrada.")
    percent = draft.percent
    amount = draft.amount
    if amount is None:
        amount = (
            draft.fc_amount
            + draft.ta_amount
            + draft.fr_amount
            + draft.ins_amount
            + draft.fine_amount
            + draft.interest_amount
        )
    row = QuotaMovement(
        quota_id=quota_id,
        group_id=quota.group_id,
        kind=draft.kind,
        installment_number=draft.installment_number,
        effective_on=draft.effective_on or today_sp(),
        fc_pct=draft.fc_pct,
        ta_pct=draft.ta_pct,
        fr_pct=draft.fr_pct,
        ins_pct=draft.ins_pct,
        fc_amount=draft.fc_amount,
        ta_amount=draft.ta_amount,
        fr_amount=draft.fr_amount,
        ins_amount=draft.ins_amount,
        fine_amount=draft.fine_amount,
        interest_amount=draft.interest_amount,
        amount=amount,
        price=draft.price,
        source_ref=draft.source_ref,
        description=draft.description[:300],
    )
    if draft.kind == "charge":
        position.fc_charged_pct += draft.fc_pct
        position.ta_charged_pct += draft.ta_pct
        position.fr_charged_pct += draft.fr_pct
        position.ins_charged_pct += draft.ins_pct
    else:
        paid = position_paid(position)
        obligation = position_obligation(position)
        # insurance follows its base: cap only what the plan fixes (fc, ta, fr)
        obligation = obligation.replace(
            Component.SEGURO, max(obligation.seguro, paid.seguro + percent.seguro)
        )
        ledger = QuotaLedger(obligation, paid).credit(percent)
        position.fc_paid_pct = ledger.paid.fundo_comum
        position.ta_paid_pct = ledger.paid.taxa_administracao
        position.fr_paid_pct = ledger.paid.fundo_reserva
        position.ins_paid_pct = ledger.paid.seguro
        position.paid_amount += amount
        group = await groups.get_group(session, quota.group_id)
        schedule = await quota_schedule(session, quota, group, position)
        position.installments_paid = installments_covered(schedule, ledger.paid)
        if draft.installment_number is not None and draft.kind in ("payment", "antecipacao"):
            position.last_installment_paid = max(
                position.last_installment_paid, draft.installment_number
            )
    position.movements += 1
    position.last_movement_at = utcnow()
    try:
        async with session.begin_nested():
            session.add(row)
            await session.flush()
    except IntegrityError:
        found = await _existing(session, quota_id, draft.source_ref)
        if found is None:
            raise
        return found
    if draft.kind != "charge":
        await _settle_status(session, quota, position)
    return MovementResult(row, True)


async def _settle_status(session: AsyncSession, quota: Quota, position: QuotaPosition) -> None:
    """A quota whose balance reaches zero is paid off (quitada)."""
    if quota.status not in ("ativa", "contemplada"):
        return
    balance = position_obligation(position) - position_paid(position)
    if balance.total_without_seguro <= 0:
        from lastro.modules.consorcio.quotas.service import change_status

        await change_status(session, quota, "quitada", reason="Saldo devedor quitado")


@dataclass(frozen=True)
class ComponentLine:
    total: Decimal
    paid: Decimal
    ideal: Decimal
    balance: Decimal
    arrears: Decimal
    advance: Decimal


@dataclass(frozen=True)
class LedgerState:
    """A quota's percentage ledger on ``on``: per component and in total, money at the
    quota's credit in force (``credit``)."""

    quota_id: uuid.UUID
    on: date
    month: int  # installments due by ``on`` (group numbering)
    plan: str
    credit: Decimal
    installment: Components  # percent of the installment of the month of ``on``
    installments_paid: int
    lines: dict[str, ComponentLine]
    residual_fc: Decimal

    @property
    def total(self) -> ComponentLine:
        lines = [self.lines[k] for k in ("fc", "ta", "fr")]
        return ComponentLine(*(sum((getattr(x, f) for x in lines), ZERO) for f in _FIELDS))

    @property
    def saldo_devedor(self) -> Decimal:
        return self.total.balance

    def money(self, percent: Decimal) -> Decimal:
        return money_at(percent, self.credit)


_FIELDS = ("total", "paid", "ideal", "balance", "arrears", "advance")


def due_month(group: Group, rules: GroupRuleVersion, on: date) -> int:
    """The last group installment whose due date is on or before ``on`` (0: none yet)."""
    import calendar

    number = groups.installment_number(group, on)
    anchor = groups.schedule_anchor(group)
    months = (anchor.year * 12 + anchor.month - 1) + number - 1
    year, month = divmod(months, 12)
    last_day = calendar.monthrange(year, month + 1)[1]
    due = date(year, month + 1, min(rules.due_day, last_day))
    return number - 1 if on < due else number


async def ledger_state(
    session: AsyncSession, quota_id: uuid.UUID, *, on: date | None = None
) -> LedgerState:
    on = on or today_sp()
    quota = await session.scalar(select(Quota).where(Quota.id == quota_id))
    if quota is None:
        raise QuotaNotFound("Cota não encontrada.")
    position = await session.scalar(select(QuotaPosition).where(QuotaPosition.quota_id == quota_id))
    if position is None:
        raise QuotaNotFound("Cota sem posição no razão percentual.")
    group = await groups.get_group(session, quota.group_id)
    rules = await groups.rules_as_of(session, group.id, max(on, group.formation_started_on))
    schedule = await quota_schedule(session, quota, group, position)
    month = due_month(group, rules, on)
    obligation = position_obligation(position)
    paid = position_paid(position)
    ideal = schedule.ideal(month).minimum(obligation) if month >= 1 else schedule.prepaid
    price = await groups.price_as_of(session, group.id, on)
    credit = groups.credit_at(group, quota.credit_base, price)
    current = schedule.number_for_month(groups.installment_number(group, on))
    installment = schedule.installment(current) if current else Components()
    lines: dict[str, ComponentLine] = {}
    for key, name in zip(
        COMPONENT_KEYS,
        ("fundo_comum", "taxa_administracao", "fundo_reserva", "seguro"),
        strict=True,
    ):
        total, p, i = obligation[name], paid[name], ideal[name]
        if key == "ins":
            total = max(total, p)
        lines[key] = ComponentLine(
            total=total,
            paid=p,
            ideal=i,
            balance=total - p,
            arrears=max(i - p, ZERO),
            advance=max(p - i, ZERO),
        )
    return LedgerState(
        quota_id=quota.id,
        on=on,
        month=month,
        plan=position.plan,
        credit=credit,
        installment=installment,
        installments_paid=position.installments_paid,
        lines=lines,
        residual_fc=position.residual_fc_pct,
    )


def installment_money(state: LedgerState) -> Decimal:
    return sum((q_money(money_at(v, state.credit)) for _, v in state.installment), ZERO)
