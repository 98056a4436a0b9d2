"""Reads of the delinquency area: the delinquent-quota list, the summary per stage, a quota's
collection history, the amount due on a date and price updates — plus the public calls the
back office and billing use (``amount_due``, ``summary_amounts``).
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from lastro.modules.consorcio.billing.models import PendingAdjustment
from lastro.modules.consorcio.consorciados.models import Consorciado
from lastro.modules.consorcio.delinquency.collections import COLLECTED_STATUSES
from lastro.modules.consorcio.delinquency.debts import QuotaDebts, quota_debts
from lastro.modules.consorcio.delinquency.errors import PriceUpdateInvalid
from lastro.modules.consorcio.delinquency.models import (
    DelinquencyPosition,
    DelinquencyReminder,
    DelinquencyRun,
    DelinquencyTransition,
    PriceUpdate,
)
from lastro.modules.consorcio.delinquency.pricing import apply_price
from lastro.modules.consorcio.delinquency.schemas import (
    DebtItemRead,
    DelinquencyPage,
    DelinquencyRow,
    FlagSummary,
    PositionRead,
    PriceUpdateCreate,
    PriceUpdateRead,
    QuotaDebtsRead,
    QuotaDelinquencyRead,
    ReminderRead,
    RunRead,
    StageSummary,
    SummaryRead,
    TransitionRead,
)
from lastro.modules.consorcio.domain import CollectionStage, updated_price
from lastro.modules.consorcio.groups import service as groups
from lastro.modules.consorcio.groups.models import Group, GroupPrice
from lastro.modules.consorcio.groups.schemas import PriceCreate
from lastro.modules.consorcio.quotas import service as quotas
from lastro.modules.consorcio.quotas.models import Quota

ZERO = Decimal("0.00")


def debts_read(debts: QuotaDebts) -> QuotaDebtsRead:
    return QuotaDebtsRead(
        quota_id=debts.quota_id,
        group_id=debts.group_id,
        on=debts.on,
        price_now=debts.price_now,
        installments=len(debts.items),
        oldest_due_date=debts.oldest_due_date,
        days_late=debts.days_late,
        boleto_amount=debts.boleto_amount,
        principal=debts.principal,
        fine=debts.fine,
        interest=debts.interest,
        group_share=debts.fine_group + debts.interest_group,
        administradora_share=debts.fine + debts.interest - debts.fine_group - debts.interest_group,
        total=debts.total,
        items=[
            DebtItemRead(
                installment_id=i.installment_id,
                number=i.number,
                reference_month=i.reference_month,
                due_date=i.due_date,
                days_late=i.days_late,
                boleto_price=i.boleto_price,
                price_now=i.price_now,
                boleto_amount=i.boleto_amount,
                principal=i.principal,
                components=i.components.as_dict(),
                fine=i.fine,
                interest=i.interest,
                fine_group=i.fine_group,
                interest_group=i.interest_group,
                fine_administradora=i.fine - i.fine_group,
                interest_administradora=i.interest - i.interest_group,
                total=i.total,
            )
            for i in debts.items
        ],
    )


async def amount_due(session: AsyncSession, quota_id: uuid.UUID, on: date) -> QuotaDebts:
    """What the quota owes on ``on`` (overdue installments at the price in force, fine and
    interest). Raises ``QUOTA_NOT_FOUND``."""
    quota = await quotas.get_quota(session, quota_id)
    return await quota_debts(session, quota, on)


def _list_statement(
    today: date,
    *,
    group_id: uuid.UUID | None,
    stage: str | None,
    flag: str | None,
    min_days_late: int | None,
    max_days_late: int | None,
    include_excluded: bool,
) -> Select[DelinquencyPosition, Quota, str, str]:
    stmt = (
        select(DelinquencyPosition, Quota, Group.code, Consorciado.name)
        .join(Quota, Quota.id == DelinquencyPosition.quota_id)
        .join(Group, Group.id == DelinquencyPosition.group_id)
        .join(Consorciado, Consorciado.id == Quota.consorciado_id)
        .where(DelinquencyPosition.overdue_count > 0)
    )
    statuses = (*COLLECTED_STATUSES, "excluida") if include_excluded else COLLECTED_STATUSES
    stmt = stmt.where(Quota.status.in_(statuses))
    if group_id is not None:
        stmt = stmt.where(DelinquencyPosition.group_id == group_id)
    if stage:
        stmt = stmt.where(DelinquencyPosition.stage == stage)
    if flag:
        stmt = stmt.where(DelinquencyPosition.flag == flag)
    if min_days_late is not None:
        stmt = stmt.where(
            DelinquencyPosition.oldest_due_date <= today - timedelta(days=min_days_late)
        )
    if max_days_late is not None:
        stmt = stmt.where(
            DelinquencyPosition.oldest_due_date >= today - timedelta(days=max_days_late)
        )
    return stmt.order_by(
        DelinquencyPosition.oldest_due_date, Group.code, Quota.number, Quota.version
    )


async def delinquency_page(
    session: AsyncSession,
    today: date,
    *,
    group_id: uuid.UUID | None = None,
    stage: str | None = None,
    flag: str | None = None,
    min_days_late: int | None = None,
    max_days_late: int | None = None,
    include_excluded: bool = False,
    page: int = 1,
    limit: int = 50,
) -> DelinquencyPage:
    stmt = _list_statement(
        today,
        group_id=group_id,
        stage=stage,
        flag=flag,
        min_days_late=min_days_late,
        max_days_late=max_days_late,
        include_excluded=include_excluded,
    )
    total = int(
        await session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    )
    rows = (await session.execute(stmt.offset((page - 1) * limit).limit(limit))).all()
    items = [
        DelinquencyRow(
            quota_id=quota.id,
            group_id=pos.group_id,
            group_code=code,
            quota_number=quota.number,
            quota_version=quota.version,
            quota_status=quota.status,
            consorciado_id=quota.consorciado_id,
            consorciado_name=name,
            stage=pos.stage,
            flag=pos.flag,
            stage_since=pos.stage_since,
            contemplated=pos.contemplated,
            missed_consecutive=pos.missed_consecutive,
            overdue_count=pos.overdue_count,
            oldest_due_date=pos.oldest_due_date,
            days_late=(today - pos.oldest_due_date).days if pos.oldest_due_date else 0,
            principal=pos.principal,
            fine=pos.fine,
            interest=pos.interest,
            total_due=pos.total_due,
            as_of=pos.as_of,
        )
        for pos, quota, code, name in rows
    ]
    return DelinquencyPage(items=items, total=total, page=page, limit=limit)


async def last_run(session: AsyncSession) -> DelinquencyRun | None:
    return await session.scalar(
        select(DelinquencyRun).order_by(DelinquencyRun.run_on.desc()).limit(1)
    )


async def summary(
    session: AsyncSession, today: date, *, group_id: uuid.UUID | None = None
) -> SummaryRead:
    """Quotas and amounts per collection stage and per flag (positions of active quotas)."""
    base = (
        select(DelinquencyPosition)
        .join(Quota, Quota.id == DelinquencyPosition.quota_id)
        .where(Quota.status.in_(COLLECTED_STATUSES), DelinquencyPosition.overdue_count > 0)
    )
    active_stmt = (
        select(func.count()).select_from(Quota).where(Quota.status.in_(COLLECTED_STATUSES))
    )
    excluded_stmt = (
        select(func.count())
        .select_from(DelinquencyTransition)
        .where(
            DelinquencyTransition.excluded.is_(True),
            DelinquencyTransition.changed_on > today - timedelta(days=30),
        )
    )
    if group_id is not None:
        base = base.where(DelinquencyPosition.group_id == group_id)
        active_stmt = active_stmt.where(Quota.group_id == group_id)
        excluded_stmt = excluded_stmt.where(DelinquencyTransition.group_id == group_id)
    sub = base.subquery()
    stage_rows = (
        await session.execute(
            select(
                sub.c.stage,
                func.count(),
                func.sum(sub.c.principal),
                func.sum(sub.c.fine),
                func.sum(sub.c.interest),
                func.sum(sub.c.total_due),
            ).group_by(sub.c.stage)
        )
    ).all()
    flag_rows = (
        await session.execute(
            select(sub.c.flag, func.count(), func.sum(sub.c.total_due)).group_by(sub.c.flag)
        )
    ).all()
    as_of = await session.scalar(select(func.max(sub.c.as_of)))
    active = int(await session.scalar(active_stmt) or 0)
    excluded = int(await session.scalar(excluded_stmt) or 0)

    def money(value: Any) -> Decimal:
        return Decimal(str(value or 0)).quantize(Decimal("0.01"))

    by_stage = {row[0]: row for row in stage_rows}
    stages = [
        StageSummary(
            stage=stage.value,
            quotas=int(by_stage[stage.value][1]) if stage.value in by_stage else 0,
            principal=money(by_stage[stage.value][2]) if stage.value in by_stage else ZERO,
            fine=money(by_stage[stage.value][3]) if stage.value in by_stage else ZERO,
            interest=money(by_stage[stage.value][4]) if stage.value in by_stage else ZERO,
            total=money(by_stage[stage.value][5]) if stage.value in by_stage else ZERO,
        )
        for stage in CollectionStage
        if stage is not CollectionStage.EM_DIA
    ]
    delinquent = sum(s.quotas for s in stages)
    run = await last_run(session)
    return SummaryRead(
        today=today,
        as_of=as_of,
        active_quotas=active,
        em_dia=max(active - delinquent, 0),
        delinquent=delinquent,
        delinquency_rate_pct=(
            (Decimal(delinquent) * 100 / Decimal(active)).quantize(Decimal("0.01"))
            if active
            else ZERO
        ),
        principal=sum((s.principal for s in stages), ZERO),
        fine=sum((s.fine for s in stages), ZERO),
        interest=sum((s.interest for s in stages), ZERO),
        total_due=sum((s.total for s in stages), ZERO),
        excluded_last_30_days=excluded,
        stages=stages,
        flags=sorted(
            (FlagSummary(flag=f, quotas=int(n), total=money(t)) for f, n, t in flag_rows),
            key=lambda f: f.flag,
        ),
        last_run=RunRead.model_validate(run) if run is not None else None,
    )


async def summary_amounts(session: AsyncSession, today: date) -> dict[str, Decimal]:
    """Totals for the back office's dashboard: principal, fine, interest, total due, and the
    number of delinquent quotas (as a Decimal, to fit the mapping)."""
    read = await summary(session, today)
    return {
        "quotas": Decimal(read.delinquent),
        "principal": read.principal,
        "fine": read.fine,
        "interest": read.interest,
        "total": read.total_due,
    }


async def quota_delinquency(session: AsyncSession, quota_id: uuid.UUID) -> QuotaDelinquencyRead:
    quota = await quotas.get_quota(session, quota_id)
    position = await session.scalar(
        select(DelinquencyPosition).where(DelinquencyPosition.quota_id == quota.id)
    )
    transitions = await session.scalars(
        select(DelinquencyTransition)
        .where(DelinquencyTransition.quota_id == quota.id)
        .order_by(DelinquencyTransition.changed_on.desc(), DelinquencyTransition.created_at.desc())
        .limit(200)
    )
    reminders = await session.scalars(
        select(DelinquencyReminder)
        .where(DelinquencyReminder.quota_id == quota.id)
        .order_by(DelinquencyReminder.sent_on.desc(), DelinquencyReminder.created_at.desc())
        .limit(200)
    )
    return QuotaDelinquencyRead(
        quota_id=quota.id,
        collection_flag=quota.collection_flag,
        overdue_installments=quota.overdue_installments,
        position=PositionRead.model_validate(position) if position is not None else None,
        transitions=[TransitionRead.model_validate(t) for t in transitions],
        reminders=[ReminderRead.model_validate(r) for r in reminders],
    )


async def quota_adjustments(session: AsyncSession, quota_id: uuid.UUID) -> list[PendingAdjustment]:
    quota = await quotas.get_quota(session, quota_id)
    rows = await session.scalars(
        select(PendingAdjustment)
        .where(PendingAdjustment.quota_id == quota.id)
        .order_by(PendingAdjustment.created_at.desc())
    )
    return list(rows.all())


def _update_read(price: GroupPrice, update: PriceUpdate | None) -> PriceUpdateRead:
    if update is None:
        return PriceUpdateRead(
            price_id=price.id,
            group_id=price.group_id,
            effective_on=price.effective_on,
            price=price.price,
            index_value=price.index_value,
            status="applied" if price.applied else "scheduled",
            source=price.source,
            note=price.note,
        )
    return PriceUpdateRead(
        price_id=price.id,
        group_id=price.group_id,
        effective_on=price.effective_on,
        price=price.price,
        index_value=price.index_value,
        status="applied",
        previous_price=update.previous_price,
        variation_pct=update.variation_pct,
        applied_on=update.applied_on,
        overdue_installments=update.overdue_installments,
        overdue_amount_before=update.overdue_amount_before,
        overdue_amount_after=update.overdue_amount_after,
        open_installments=update.open_installments,
        adjustments_created=update.adjustments_created,
        source=price.source,
        note=price.note,
    )


async def price_updates(session: AsyncSession, group_id: uuid.UUID) -> list[PriceUpdateRead]:
    """Every price of the group after its opening one, with what applying it touched."""
    await groups.get_group(session, group_id)
    prices = await groups.prices(session, group_id)  # newest first
    applied = {
        u.price_id: u
        for u in await session.scalars(select(PriceUpdate).where(PriceUpdate.group_id == group_id))
    }
    return [_update_read(p, applied.get(p.id)) for p in prices[:-1]]


async def create_price_update(
    session: AsyncSession,
    group_id: uuid.UUID,
    body: PriceUpdateCreate,
    today: date,
    *,
    actor: uuid.UUID | None = None,
) -> PriceUpdateRead:
    """Record the new price through the groups area and apply it at once when in force."""
    group = await groups.get_group(session, group_id)
    price = body.price
    if body.variation_pct is not None:
        current = await groups.price_as_of(session, group_id, body.effective_on - timedelta(days=1))
        price = updated_price(current, body.variation_pct)
    if price is not None and price <= 0:
        raise PriceUpdateInvalid("O reajuste resultaria em preço não positivo.")
    row = await groups.add_price(
        session,
        group_id,
        PriceCreate(
            effective_on=body.effective_on,
            price=price,
            index_value=body.index_value,
            source=body.source or ("reajuste" if body.variation_pct is not None else ""),
            note=body.note,
        ),
        actor=actor,
    )
    if row.effective_on > today:
        return _update_read(row, None)
    update = await apply_price(session, group, row, today, actor=actor)
    return _update_read(row, update)


async def runs(session: AsyncSession, *, limit: int = 60) -> list[DelinquencyRun]:
    rows = await session.scalars(
        select(DelinquencyRun).order_by(DelinquencyRun.run_on.desc()).limit(limit)
    )
    return list(rows.all())
