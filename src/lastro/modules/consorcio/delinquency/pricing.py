"""Price updates (reajuste) applied to a group's installments, and the diferença de parcela.

A new reference price (a ``consorcio_group_prices`` row, recorded by the groups area) is
*applied* once it is in force: percentages never change, so

* installments not yet billed simply bill at the new price (billing reads the price in force);
* overdue installments are re-priced at the current price whenever they are collected — the
  amount due today (:mod:`.debts`) and billing's second copy both use the price in force on the
  payment date; nothing is rewritten;
* installments already billed at the old price keep their registered boleto (altering a
  registered boleto needs a bank instruction, and Res. BCB 285 art. 25-A settles the gap
  instead): when such an installment is paid at the boleto price and the price at its
  assembly differs, the difference in percent of the price — the *diferença de parcela* — is
  charged (or credited, when negative) in the next installment, through billing's
  ``consorcio_pending_adjustments`` (``kind`` ``diferenca_parcela``, ``source_ref``
  ``delinquency:diferenca:<installment id>``, signed percents per component and the reais at
  the assembly price).

Applying a price records a ``consorcio_price_updates`` row (one per price: idempotent) with
what it touched, marks the price ``applied`` and publishes ``PriceUpdateApplied``.
"""

from __future__ import annotations

import calendar
import uuid
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from lastro.core.audit.service import record as audit
from lastro.infra.database import bound_tenant
from lastro.infra.outbox import publish
from lastro.kit.money import brl
from lastro.modules.consorcio.billing.composition import parse_month
from lastro.modules.consorcio.billing.models import (
    Charge,
    ChargeItem,
    Installment,
    PendingAdjustment,
)
from lastro.modules.consorcio.delinquency.debts import (
    OPEN_STATUSES,
    ZERO,
    RulesCache,
    installment_debt,
    is_overdue,
    percent_of,
)
from lastro.modules.consorcio.delinquency.events import PriceUpdateApplied
from lastro.modules.consorcio.delinquency.models import PriceUpdate
from lastro.modules.consorcio.domain import price_difference, variation_pct
from lastro.modules.consorcio.groups import service as groups
from lastro.modules.consorcio.groups.models import Group, GroupPrice, GroupRuleVersion
from lastro.modules.consorcio.quotas.models import Quota

# assemblies older than this are settled (a missed daily run still catches up within it)
LOOKBACK_DAYS = 62
ADJUSTMENT_KIND = "diferenca_parcela"


def source_ref(installment_id: uuid.UUID) -> str:
    return f"delinquency:diferenca:{installment_id}"


def assembly_date(reference_month: str, due: date, rules: GroupRuleVersion | None) -> date:
    """The assembly an installment pays for: the rule's assembly day in its reference month,
    or the next month's when that day comes before the due date."""
    year, month = parse_month(reference_month)
    day = rules.assembly_day if rules is not None else due.day
    held = date(year, month, min(day, calendar.monthrange(year, month)[1]))
    if held < due:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        held = date(year, month, min(day, calendar.monthrange(year, month)[1]))
    return held


async def _paid_by_second_copy(session: AsyncSession, ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    """Installments paid through a second copy: that charge was already re-priced at the
    payment date, so no diferença applies."""
    if not ids:
        return set()
    rows = await session.scalars(
        select(ChargeItem.installment_id)
        .join(Charge, Charge.id == ChargeItem.charge_id)
        .where(
            ChargeItem.installment_id.in_(list(ids)),
            Charge.kind == "segunda_via",
            Charge.status == "paid",
        )
    )
    return set(rows)


async def create_price_differences(
    session: AsyncSession, group: Group, cache: RulesCache, on: date
) -> int:
    """Pending adjustments for the group's installments paid at the boleto price whose
    assembly (held by ``on``, within the look-back) ran at another price. Idempotent."""
    since = on - timedelta(days=LOOKBACK_DAYS + 31)
    window = (
        Installment.group_id == group.id,
        Installment.status == "paid",
        Installment.due_date >= since,
        Installment.due_date <= on,
    )
    # most days no assembly in the window ran at another price: decide per (month, billing
    # price date, due date) before reading any installment
    batches = (
        await session.execute(
            select(Installment.reference_month, Installment.price_on, Installment.due_date)
            .where(*window)
            .distinct()
        )
    ).all()
    wanted: list[tuple[str, date]] = []
    for month, price_on, due in batches:
        held = assembly_date(month, due, cache.rules_on(due))
        if on - timedelta(days=LOOKBACK_DAYS) <= held <= on and cache.price_on(
            price_on
        ) != cache.price_on(held):
            wanted.append((month, price_on))
    if not wanted:
        return 0
    rows = (
        await session.execute(
            select(Installment, Quota.credit_base)
            .join(Quota, Quota.id == Installment.quota_id)
            .where(
                *window,
                Installment.reference_month.in_(sorted({m for m, _ in wanted})),
                Installment.price_on.in_(sorted({p for _, p in wanted})),
            )
        )
    ).all()
    candidates: list[tuple[Installment, Decimal, date]] = []
    for inst, credit_base in rows:
        if inst.total <= 0 or inst.paid_amount < inst.total:
            continue
        held = assembly_date(inst.reference_month, inst.due_date, cache.rules_on(inst.due_date))
        if held > on or held < on - timedelta(days=LOOKBACK_DAYS):
            continue
        boleto_ref = cache.price_on(inst.price_on)
        assembly_ref = cache.price_on(held)
        if boleto_ref == assembly_ref:
            continue
        candidates.append((inst, groups.credit_at(group, credit_base, assembly_ref), held))
    if not candidates:
        return 0
    refs = [source_ref(inst.id) for inst, _, _ in candidates]
    existing = set(
        await session.scalars(
            select(PendingAdjustment.source_ref).where(PendingAdjustment.source_ref.in_(refs))
        )
    )
    skip = await _paid_by_second_copy(session, [i.id for i, _, _ in candidates])
    created = 0
    for inst, assembly_credit, held in candidates:
        ref = source_ref(inst.id)
        if ref in existing or inst.id in skip:
            continue
        diff = price_difference(percent_of(inst), inst.price, assembly_credit)
        if diff.percent.is_zero():
            continue
        amount = diff.money_at(assembly_credit)
        word = "cobrança" if diff.is_charge else "crédito"
        row = PendingAdjustment(
            quota_id=inst.quota_id,
            kind=ADJUSTMENT_KIND,
            description=(
                f"Diferença de parcela {inst.number} ({word}): boleto a {brl(inst.price)} e "
                f"assembleia de {held.strftime('%d/%m/%Y')} a {brl(assembly_credit)}"
            )[:300],
            amount=amount,
            fc_pct=diff.percent.fundo_comum,
            ta_pct=diff.percent.taxa_administracao,
            fr_pct=diff.percent.fundo_reserva,
            ins_pct=diff.percent.seguro,
            source_ref=ref,
        )
        try:
            async with session.begin_nested():
                session.add(row)
                await session.flush()
        except IntegrityError:  # a concurrent pass created it
            continue
        created += 1
    return created


async def apply_price(
    session: AsyncSession,
    group: Group,
    price: GroupPrice,
    on: date,
    *,
    actor: uuid.UUID | None = None,
) -> PriceUpdate:
    """Apply a price in force on ``on`` (idempotent: the second call returns the first
    record). Locks the price row so concurrent appliers serialise."""
    existing = await session.scalar(select(PriceUpdate).where(PriceUpdate.price_id == price.id))
    if existing is not None:
        return existing
    await session.scalar(select(GroupPrice).where(GroupPrice.id == price.id).with_for_update())
    existing = await session.scalar(select(PriceUpdate).where(PriceUpdate.price_id == price.id))
    if existing is not None:
        return existing
    cache = await RulesCache.load(session, group)
    previous = cache.price_on(price.effective_on - timedelta(days=1))
    if previous == price.price and price.effective_on <= min(
        (d for d, _ in cache.prices), default=price.effective_on
    ):
        previous = group.base_price
    rows = (
        await session.execute(
            select(Installment, Quota)
            .join(Quota, Quota.id == Installment.quota_id)
            .where(Installment.group_id == group.id, Installment.status.in_(OPEN_STATUSES))
        )
    ).all()
    overdue = open_at_old = 0
    before = after = ZERO
    for inst, quota in rows:
        if is_overdue(inst.due_date, on):
            debt = installment_debt(
                inst, on, cache.credit_on(quota, on), cache.late_rules_on(inst.due_date)
            )
            overdue += 1
            before += debt.boleto_amount
            after += debt.principal
        elif inst.due_date >= price.effective_on and inst.price_on < price.effective_on:
            open_at_old += 1
    price.applied = True
    update = PriceUpdate(
        group_id=group.id,
        price_id=price.id,
        effective_on=price.effective_on,
        previous_price=previous,
        new_price=price.price,
        variation_pct=variation_pct(previous, price.price),
        index_value=price.index_value,
        applied_on=on,
        overdue_installments=overdue,
        overdue_amount_before=before,
        overdue_amount_after=after,
        open_installments=open_at_old,
        source=price.source,
        note=price.note,
        created_by=actor,
    )
    session.add(update)
    await session.flush()
    update.adjustments_created = await create_price_differences(session, group, cache, on)
    audit(
        session,
        "consorcio.group.price_applied",
        "consorcio_group",
        group.id,
        before={"price": str(previous)},
        after={
            "price": str(price.price),
            "effective_on": price.effective_on.isoformat(),
            "overdue_installments": overdue,
            "open_installments": open_at_old,
            "adjustments_created": update.adjustments_created,
        },
    )
    publish(
        session,
        PriceUpdateApplied(
            tenant_id=bound_tenant(session),
            group_id=group.id,
            price_id=price.id,
            effective_on=price.effective_on,
            previous_price=previous,
            new_price=price.price,
            adjustments_created=update.adjustments_created,
        ),
    )
    await session.flush()
    return update


async def apply_due_prices(
    session: AsyncSession, group: Group, on: date, *, actor: uuid.UUID | None = None
) -> int:
    """Apply every price of the group in force by ``on`` and not applied yet, oldest first."""
    due = list(
        await session.scalars(
            select(GroupPrice)
            .where(
                GroupPrice.group_id == group.id,
                GroupPrice.applied.is_(False),
                GroupPrice.effective_on <= on,
            )
            .order_by(GroupPrice.effective_on)
        )
    )
    first = await session.scalar(
        select(func.min(GroupPrice.effective_on)).where(GroupPrice.group_id == group.id)
    )
    applied = 0
    for price in due:
        if price.effective_on == first:  # the group's opening price: nothing to re-price
            price.applied = True
            continue
        await apply_price(session, group, price, on, actor=actor)
        applied += 1
    await session.flush()
    return applied
