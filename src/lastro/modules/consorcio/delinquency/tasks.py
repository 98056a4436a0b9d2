"""The daily delinquency run: per tenant, per group — apply prices now in force, assess every
active quota (stage, flag, exclusion), send the reminders due, and record the diferença de
parcela of installments whose assembly ran at another price.

The scheduled job gives each group its own transaction (one failing group leaves the others
done and is listed in the run's ``errors``); the on-demand run (``POST /delinquency/runs``)
works in the request's transaction. Both are idempotent for a day.
"""

from __future__ import annotations

import logging
import uuid
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from lastro.core.config.service import get_settings_for
from lastro.infra.database import Database
from lastro.kit.clock import today_sp, utcnow
from lastro.kit.events import Event
from lastro.modules.consorcio.delinquency.collections import RunCounters, collect_group
from lastro.modules.consorcio.delinquency.models import DelinquencyRun
from lastro.modules.consorcio.delinquency.pricing import apply_due_prices, apply_price
from lastro.modules.consorcio.delinquency.settings import AreaSettings
from lastro.modules.consorcio.groups import service as groups
from lastro.modules.consorcio.groups.events import GroupPriceAdded
from lastro.modules.consorcio.groups.models import Group, GroupPrice

log = logging.getLogger(__name__)

RUN_GROUP_STATUSES = ("em_formacao", "em_andamento")
MAX_ERRORS = 50


async def area_settings(session: AsyncSession) -> AreaSettings:
    return await get_settings_for(session, "consorcio", AreaSettings)


async def run_group(
    session: AsyncSession,
    group: Group,
    on: date,
    cfg: AreaSettings,
    *,
    actor: uuid.UUID | None = None,
) -> RunCounters:
    applied = await apply_due_prices(session, group, on, actor=actor)
    counters = await collect_group(session, group, on, cfg, actor=actor)
    counters.prices_applied += applied
    from lastro.modules.consorcio.delinquency.debts import RulesCache
    from lastro.modules.consorcio.delinquency.pricing import create_price_differences

    counters.adjustments_created += await create_price_differences(
        session, group, await RulesCache.load(session, group), on
    )
    return counters


async def _run_row(session: AsyncSession, on: date) -> DelinquencyRun:
    run = await session.scalar(
        select(DelinquencyRun).where(DelinquencyRun.run_on == on).with_for_update()
    )
    if run is None:
        try:
            async with session.begin_nested():
                run = DelinquencyRun(run_on=on)
                session.add(run)
                await session.flush()
        except IntegrityError:
            run = await session.scalar(
                select(DelinquencyRun).where(DelinquencyRun.run_on == on).with_for_update()
            )
            assert run is not None
    run.status = "running"
    run.attempts += 1
    run.started_at = utcnow()
    run.finished_at = None
    return run


def _finish(run: DelinquencyRun, counters: RunCounters, errors: list[dict[str, Any]]) -> None:
    """A re-run of a day adds what it did now to what the earlier passes did."""
    run.quotas_checked = counters.quotas_checked
    run.delinquent = counters.delinquent
    run.stage_changes += counters.stage_changes
    run.exclusions += counters.exclusions
    run.reminders_sent += counters.reminders_sent
    run.prices_applied += counters.prices_applied
    run.adjustments_created += counters.adjustments_created
    run.errors = errors[:MAX_ERRORS]
    run.status = "failed" if errors else "completed"
    run.finished_at = utcnow()


async def _group_ids(session: AsyncSession) -> list[uuid.UUID]:
    return list(
        await session.scalars(
            select(Group.id).where(Group.status.in_(RUN_GROUP_STATUSES)).order_by(Group.code)
        )
    )


async def run_tenant(
    session: AsyncSession, on: date, *, actor: uuid.UUID | None = None
) -> DelinquencyRun:
    """The whole run for the session's tenant, in this transaction (on demand)."""
    cfg = await area_settings(session)
    run = await _run_row(session, on)
    total = RunCounters()
    for group_id in await _group_ids(session):
        group = await groups.get_group(session, group_id)
        total.add(await run_group(session, group, on, cfg, actor=actor))
    _finish(run, total, [])
    await session.flush()
    return run


async def run_tenant_job(db: Database, tenant_id: uuid.UUID, on: date) -> None:
    """The scheduled run of one tenant: one transaction per group."""
    async with db.unit_of_work(tenant_id=tenant_id) as session:
        cfg = await area_settings(session)
        await _run_row(session, on)
        group_ids = await _group_ids(session)
    total = RunCounters()
    errors: list[dict[str, Any]] = []
    for group_id in group_ids:
        try:
            async with db.unit_of_work(tenant_id=tenant_id) as session:
                group = await groups.get_group(session, group_id)
                total.add(await run_group(session, group, on, cfg))
        except Exception as exc:
            log.exception("delinquency run failed for a group", extra={"group_id": str(group_id)})
            errors.append(
                {
                    "group_id": str(group_id),
                    "code": getattr(exc, "code", type(exc).__name__),
                    "detail": str(exc)[:300],
                }
            )
    async with db.unit_of_work(tenant_id=tenant_id) as session:
        run = await session.scalar(
            select(DelinquencyRun).where(DelinquencyRun.run_on == on).with_for_update()
        )
        if run is not None:
            _finish(run, total, errors)


async def daily(db: Database, payload: dict[str, Any]) -> None:
    """Job ``consorcio.delinquency.daily``: every tenant with running groups (payload may
    name ``tenant_id`` and ``date``)."""
    on = date.fromisoformat(payload["date"]) if payload.get("date") else today_sp()
    if payload.get("tenant_id"):
        tenants = [uuid.UUID(str(payload["tenant_id"]))]
    else:
        async with db.session(platform=True, readonly=True) as session:
            tenants = list(
                await session.scalars(
                    select(Group.tenant_id).where(Group.status.in_(RUN_GROUP_STATUSES)).distinct()
                )
            )
    for tenant_id in tenants:
        try:
            await run_tenant_job(db, tenant_id, on)
        except Exception:
            log.exception("delinquency run failed", extra={"tenant_id": str(tenant_id)})


async def on_price_added(session: AsyncSession, event: Event) -> None:
    """A price recorded by the groups area: apply it now when already in force (a future
    one waits for the daily run of its date)."""
    if not isinstance(event, GroupPriceAdded):
        return
    today = today_sp()
    if event.effective_on > today:
        return
    price = await session.scalar(select(GroupPrice).where(GroupPrice.id == event.price_id))
    if price is None or price.applied:
        return
    group = await groups.get_group(session, event.group_id)
    await apply_price(session, group, price, today)
