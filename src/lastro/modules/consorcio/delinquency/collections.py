"""The daily collection pass over one group: positions, stages, exclusion and reminders.

For every active quota (``ativa``/``contemplada``): its overdue installments re-priced at the
price in force with fine and interest (:mod:`.debts`), the longest run of consecutive missed
due dates, the domain's collection stage and the quota's ``collection_flag``. A stage change
is recorded (``consorcio_delinquency_transitions``) and published. A NON-contemplated quota
reaching the group's exclusion threshold is excluded (quotas area's ``change_status``, which
records the refund owed), its open installments and charges are cancelled, ``CotaExcluida``
is published and the holder notified; a contemplated defaulter is never excluded — it moves
to ``bloqueio_contemplado``/``juridico`` for collection. Reminders go once per installment and
offset (a unique row written before the notification is queued).

Everything is idempotent: re-running a day changes nothing that already changed.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from lastro.core.audit.service import record as audit
from lastro.core.notifications.api import Recipient, notify
from lastro.infra.database import bound_tenant
from lastro.infra.outbox import publish
from lastro.kit.clock import utcnow
from lastro.modules.consorcio.billing.models import Charge, ChargeItem, Installment
from lastro.modules.consorcio.consorciados.models import Consorciado
from lastro.modules.consorcio.delinquency import notices
from lastro.modules.consorcio.delinquency.debts import (
    OPEN_STATUSES,
    QuotaDebts,
    RulesCache,
    debts_of,
    effective_due,
    installment_debt,
    open_installments,
)
from lastro.modules.consorcio.delinquency.events import CollectionStageChanged, CotaExcluida
from lastro.modules.consorcio.delinquency.models import (
    DelinquencyPosition,
    DelinquencyReminder,
    DelinquencyTransition,
)
from lastro.modules.consorcio.delinquency.settings import AreaSettings
from lastro.modules.consorcio.domain import CollectionStage, collection_stage, missed_due_dates
from lastro.modules.consorcio.groups.models import Group
from lastro.modules.consorcio.quotas import service as quotas
from lastro.modules.consorcio.quotas.models import Quota

log = logging.getLogger(__name__)

COLLECTED_STATUSES = ("ativa", "contemplada")
DEFAULT_THRESHOLD = 3
SMS_CHANNELS = ("sms", "whatsapp")


@dataclass
class RunCounters:
    quotas_checked: int = 0
    delinquent: int = 0
    stage_changes: int = 0
    exclusions: int = 0
    reminders_sent: int = 0
    prices_applied: int = 0
    adjustments_created: int = 0

    def add(self, other: RunCounters) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


def is_contemplated(quota: Quota) -> bool:
    return quota.status == "contemplada" or quota.contemplated_on is not None


def collection_flag(
    stage: CollectionStage, missed: int, overdue: int, threshold: int, *, contemplated: bool
) -> str:
    """What the quota's ``collection_flag`` shows for a stage (the back office labels these):
    ``em_dia``, ``atraso_N`` (N installments overdue), ``pre_exclusao`` (one more missed due
    date excludes a non-contemplated quota, or the threshold was reached and exclusion waits
    for a person), ``cobranca_judicial`` (contemplated, long default)."""
    if overdue <= 0:
        return "em_dia"
    if stage is CollectionStage.JURIDICO:
        return "cobranca_judicial"
    if stage is CollectionStage.EXCLUSAO:
        return "pre_exclusao"
    if not contemplated and threshold > 1 and missed == threshold - 1:
        return "pre_exclusao"
    return f"atraso_{min(overdue, 99)}"


async def consecutive_missed(
    session: AsyncSession, debts: dict[uuid.UUID, QuotaDebts], on: date
) -> dict[uuid.UUID, int]:
    """Longest run of consecutive missed due dates per delinquent quota (the paid installments
    between overdue ones break a run), from the oldest overdue due date on."""
    late = {qid: d for qid, d in debts.items() if d.items}
    if not late:
        return {}
    since = min(d.oldest_due_date for d in late.values() if d.oldest_due_date is not None)
    pairs: dict[uuid.UUID, list[tuple[date, date | None]]] = {qid: [] for qid in late}
    ids = list(late)
    for start in range(0, len(ids), 2000):
        rows = await session.execute(
            select(
                Installment.quota_id, Installment.due_date, Installment.status, Installment.paid_on
            ).where(
                Installment.quota_id.in_(ids[start : start + 2000]),
                Installment.due_date >= since,
                Installment.due_date < on,
                Installment.status.not_in(("cancelled", "replaced")),
            )
        )
        for quota_id, due, status, paid_on in rows:
            # the run counts due dates missed as of ``on``: pay-by date is the banking day
            pairs[quota_id].append((effective_due(due), paid_on if status == "paid" else None))
    return {qid: missed_due_dates(items, on) for qid, items in pairs.items()}


async def _holders(session: AsyncSession, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Consorciado]:
    wanted = list(dict.fromkeys(ids))
    out: dict[uuid.UUID, Consorciado] = {}
    for start in range(0, len(wanted), 2000):
        rows = await session.scalars(
            select(Consorciado).where(Consorciado.id.in_(wanted[start : start + 2000]))
        )
        out.update((c.id, c) for c in rows)
    return out


def recipient_of(holder: Consorciado, wanted: Sequence[str]) -> tuple[Recipient, list[str]]:
    """The consorciado as a notification recipient and the wanted channels it has an address
    for (consorciados are not users: no in-app centre)."""
    phone = holder.mobile or holder.phone or None
    channels = [
        c for c in wanted if (c == "email" and holder.email) or (c in SMS_CHANNELS and phone)
    ]
    name = holder.trade_name or holder.name if holder.kind == "pj" else holder.name
    return Recipient(email=holder.email or None, phone=phone, name=name), channels


async def _notify_holder(
    session: AsyncSession,
    holder: Consorciado | None,
    template: str,
    data: dict[str, object],
    channels: Sequence[str],
    *,
    legal: bool = False,
) -> uuid.UUID | None:
    if holder is None or holder.anonymized_at is not None:
        return None
    recipient, usable = recipient_of(holder, channels)
    if not usable:
        return None
    return await notify(
        session, recipient, template, {"name": recipient.name, **data}, usable, legal=legal
    )


async def _cancel_open_billing(session: AsyncSession, quota: Quota) -> int:
    """An excluded quota owes no more installments (the fee is not charged after exclusion):
    its open installments and the open charges covering only them are cancelled."""
    open_ids = list(
        await session.scalars(
            select(Installment.id).where(
                Installment.quota_id == quota.id, Installment.status == "open"
            )
        )
    )
    if not open_ids:
        return 0
    now = utcnow()
    charge_ids = set(
        await session.scalars(
            select(ChargeItem.charge_id).where(ChargeItem.installment_id.in_(open_ids))
        )
    )
    await session.execute(
        update(Installment)
        .where(Installment.id.in_(open_ids), Installment.status == "open")
        .values(status="cancelled", updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if charge_ids:
        await session.execute(
            update(Charge)
            .where(Charge.id.in_(list(charge_ids)), Charge.status == "open")
            .values(status="cancelled", cancelled_at=now, updated_at=now)
            .execution_options(synchronize_session=False)
        )
    return len(open_ids)


async def exclude_quota(
    session: AsyncSession,
    quota: Quota,
    group: Group,
    debts: QuotaDebts,
    missed: int,
    threshold: int,
    on: date,
    *,
    holder: Consorciado | None,
    cfg: AreaSettings,
    actor: uuid.UUID | None = None,
) -> None:
    """Exclude a non-contemplated defaulter (the caller checked it is due)."""
    reason = (
        f"Inadimplência: {missed} vencimentos consecutivos em atraso (limite do grupo: {threshold})"
    )
    await quotas.change_status(session, quota, "excluida", reason=reason, on=on)
    cancelled = await _cancel_open_billing(session, quota)
    audit(
        session,
        "consorcio.quota.excluded",
        "consorcio_quota",
        quota.id,
        before={"status": "ativa"},
        after={
            "status": "excluida",
            "missed_due_dates": missed,
            "threshold": threshold,
            "total_due": str(debts.total),
            "installments_cancelled": cancelled,
            "actor": str(actor) if actor else "delinquency_job",
        },
    )
    publish(
        session,
        CotaExcluida(
            tenant_id=bound_tenant(session),
            quota_id=quota.id,
            group_id=group.id,
            group_code=group.code,
            quota_number=quota.number,
            quota_version=quota.version,
            consorciado_id=quota.consorciado_id,
            excluded_on=on,
            missed_due_dates=missed,
            threshold=threshold,
            total_due=debts.total,
        ),
    )
    if cfg.delinquency_notify_exclusion:
        await _notify_holder(
            session,
            holder,
            notices.EXCLUDED,
            {
                "quota": f"{quota.number:04d}",
                "group": group.code,
                "excluded_on": notices.br_date(on),
                "missed": missed,
            },
            cfg.delinquency_reminder_channels,
            legal=True,
        )


@dataclass(frozen=True, slots=True)
class Assessment:
    stage: str
    flag: str
    missed: int
    changed: bool
    excluded: bool


async def assess_quota(
    session: AsyncSession,
    quota: Quota,
    group: Group,
    debts: QuotaDebts,
    missed: int,
    threshold: int,
    on: date,
    *,
    position: DelinquencyPosition | None,
    holder: Consorciado | None,
    cfg: AreaSettings,
    actor: uuid.UUID | None = None,
) -> tuple[Assessment, DelinquencyPosition | None]:
    """Stage, flag, position and history of one quota on ``on``; excludes when due."""
    contemplated = is_contemplated(quota)
    overdue = len(debts.items)
    stage = collection_stage(missed, threshold, contemplated=contemplated)
    excluded = False
    if (
        stage is CollectionStage.EXCLUSAO
        and cfg.delinquency_auto_exclude
        and quota.status == "ativa"
        and not contemplated
    ):
        await exclude_quota(
            session, quota, group, debts, missed, threshold, on, holder=holder, cfg=cfg, actor=actor
        )
        flag, excluded = "excluida", True
    else:
        flag = collection_flag(stage, missed, overdue, threshold, contemplated=contemplated)

    before_stage = position.stage if position is not None else CollectionStage.EM_DIA.value
    before_flag = position.flag if position is not None else quota.collection_flag
    changed = before_stage != stage.value or before_flag != flag
    if position is not None or overdue > 0:
        if position is None:
            position = DelinquencyPosition(
                quota_id=quota.id, group_id=group.id, stage_since=on, as_of=on
            )
            session.add(position)
        if before_stage != stage.value:
            position.stage_since = on
        position.stage = stage.value
        position.flag = flag
        position.contemplated = contemplated
        position.missed_consecutive = missed
        position.overdue_count = overdue
        position.oldest_due_date = debts.oldest_due_date
        position.principal = debts.principal
        position.fine = debts.fine
        position.interest = debts.interest
        position.total_due = debts.total
        position.as_of = on
    if changed:
        session.add(
            DelinquencyTransition(
                quota_id=quota.id,
                group_id=group.id,
                changed_on=on,
                from_stage=before_stage,
                to_stage=stage.value,
                from_flag=before_flag,
                to_flag=flag,
                missed_consecutive=missed,
                overdue_count=overdue,
                total_due=debts.total,
                excluded=excluded,
                reason=_reason(stage, flag, missed, threshold),
                actor_id=actor,
            )
        )
        if before_stage != stage.value:
            publish(
                session,
                CollectionStageChanged(
                    tenant_id=bound_tenant(session),
                    quota_id=quota.id,
                    group_id=group.id,
                    from_stage=before_stage,
                    to_stage=stage.value,
                    flag=flag,
                    missed_due_dates=missed,
                    on=on,
                ),
            )
        if flag == "pre_exclusao" and before_flag != flag and cfg.delinquency_notify_exclusion:
            await _notify_holder(
                session,
                holder,
                notices.PRE_EXCLUSION,
                {
                    "quota": f"{quota.number:04d}",
                    "group": group.code,
                    "missed": missed,
                    "threshold": threshold,
                    "amount": notices.brl(debts.total),
                },
                cfg.delinquency_reminder_channels,
                legal=True,
            )
    if quota.collection_flag != flag or quota.overdue_installments != overdue:
        await quotas.set_collection_flag(session, quota, flag, overdue)
    return Assessment(stage.value, flag, missed, changed, excluded), position


def _reason(stage: CollectionStage, flag: str, missed: int, threshold: int) -> str:
    if flag == "em_dia":
        return "Parcelas em dia"
    if flag == "excluida":
        return f"Excluída: {missed} vencimentos em atraso (limite {threshold})"
    if stage is CollectionStage.EXCLUSAO:
        return f"Limite de exclusão atingido ({missed}/{threshold}); aguardando decisão"
    return f"{missed} vencimento(s) consecutivo(s) em atraso"


def pick_reminder(
    due: date, on: date, before: Sequence[int], after: Sequence[int]
) -> tuple[str, int] | None:
    """The reminder an open installment is due on ``on``: the latest scheduled offset reached
    (older ones missed while the job was down are not sent late). Before the due date the
    pay-by day is the banking day; after it, offsets count from the contract due date."""
    pay_by = effective_due(due)
    if on > pay_by:
        reached = [d for d in after if due + timedelta(days=d) <= on]
        return ("after", max(reached)) if reached else None
    reached = [d for d in before if due - timedelta(days=d) <= on]
    return ("before", min(reached)) if reached else None


async def send_reminders(
    session: AsyncSession,
    quota: Quota,
    group: Group,
    installments: Sequence[Installment],
    on: date,
    *,
    cache: RulesCache,
    holder: Consorciado | None,
    sent: set[tuple[uuid.UUID, str, int]],
    cfg: AreaSettings,
) -> int:
    """Reminders due today for the quota's open installments; each (installment, kind, offset)
    at most once — the unique row is written (in a savepoint) before the notification."""
    count = 0
    for inst in installments:
        if inst.status not in OPEN_STATUSES:
            continue
        picked = pick_reminder(
            inst.due_date,
            on,
            cfg.delinquency_reminder_days_before,
            cfg.delinquency_reminder_days_after,
        )
        if picked is None or (inst.id, *picked) in sent:
            continue
        kind, offset = picked
        if kind == "after":
            debt = installment_debt(
                inst, on, cache.credit_on(quota, on), cache.late_rules_on(inst.due_date)
            )
            amount, template = debt.total, notices.AFTER_DUE
            days_late = debt.days_late
        else:
            amount, template, days_late = inst.total - inst.paid_amount, notices.BEFORE_DUE, 0
        recipient_channels: list[str] = []
        if holder is not None and holder.anonymized_at is None:
            recipient_channels = recipient_of(holder, cfg.delinquency_reminder_channels)[1]
        row = DelinquencyReminder(
            quota_id=quota.id,
            installment_id=inst.id,
            kind=kind,
            offset_days=offset,
            due_date=inst.due_date,
            sent_on=on,
            template_key=template,
            channels=recipient_channels,
            status="queued" if recipient_channels else "no_contact",
            amount=amount,
        )
        try:
            async with session.begin_nested():
                session.add(row)
                await session.flush()
        except IntegrityError:  # a concurrent run sent it
            sent.add((inst.id, kind, offset))
            continue
        sent.add((inst.id, kind, offset))
        if recipient_channels:
            row.notification_id = await _notify_holder(
                session,
                holder,
                template,
                {
                    "number": inst.number,
                    "quota": f"{quota.number:04d}",
                    "group": group.code,
                    "due_date": notices.br_date(inst.due_date),
                    "amount": notices.brl(amount),
                    "days_late": days_late,
                },
                recipient_channels,
            )
            count += 1
    return count


async def _sent_reminders(
    session: AsyncSession, installment_ids: Sequence[uuid.UUID]
) -> set[tuple[uuid.UUID, str, int]]:
    out: set[tuple[uuid.UUID, str, int]] = set()
    for start in range(0, len(installment_ids), 2000):
        rows = await session.execute(
            select(
                DelinquencyReminder.installment_id,
                DelinquencyReminder.kind,
                DelinquencyReminder.offset_days,
            ).where(DelinquencyReminder.installment_id.in_(installment_ids[start : start + 2000]))
        )
        out.update((i, k, o) for i, k, o in rows)
    return out


async def collect_group(
    session: AsyncSession,
    group: Group,
    on: date,
    cfg: AreaSettings,
    *,
    quota_ids: Sequence[uuid.UUID] | None = None,
    actor: uuid.UUID | None = None,
) -> RunCounters:
    """One group's collection pass on ``on`` (prices are applied by the caller first)."""
    counters = RunCounters()
    cache = await RulesCache.load(session, group)
    rules = cache.rules_on(on)
    threshold = rules.exclusion_threshold if rules is not None else DEFAULT_THRESHOLD
    stmt = select(Quota).where(Quota.group_id == group.id, Quota.status.in_(COLLECTED_STATUSES))
    if quota_ids is not None:
        stmt = stmt.where(Quota.id.in_(list(quota_ids)))
    quota_list = list(await session.scalars(stmt.order_by(Quota.number, Quota.version)))
    if not quota_list:
        return counters
    ids = [q.id for q in quota_list]
    positions = {
        p.quota_id: p
        for p in await session.scalars(
            select(DelinquencyPosition).where(DelinquencyPosition.group_id == group.id)
        )
    }
    horizon = max(cfg.delinquency_reminder_days_before, default=0)
    found = await open_installments(session, ids, due_before=on + timedelta(days=horizon + 1))
    debts = {q.id: debts_of(q, found.get(q.id, []), on, cache) for q in quota_list}
    missed = await consecutive_missed(session, debts, on)
    remind = cfg.delinquency_reminders_enabled and bool(
        cfg.delinquency_reminder_days_before or cfg.delinquency_reminder_days_after
    )
    wanted_holders = [
        q.consorciado_id for q in quota_list if (remind and found.get(q.id)) or debts[q.id].items
    ]
    holders = await _holders(session, wanted_holders)
    sent = await _sent_reminders(
        session, [i.id for items in found.values() for i in items] if remind else []
    )
    for quota in quota_list:
        counters.quotas_checked += 1
        quota_debts = debts[quota.id]
        result, _ = await assess_quota(
            session,
            quota,
            group,
            quota_debts,
            missed.get(quota.id, 0),
            threshold,
            on,
            position=positions.get(quota.id),
            holder=holders.get(quota.consorciado_id),
            cfg=cfg,
            actor=actor,
        )
        counters.delinquent += 1 if quota_debts.items else 0
        counters.stage_changes += 1 if result.changed else 0
        counters.exclusions += 1 if result.excluded else 0
        if remind and not result.excluded and found.get(quota.id):
            counters.reminders_sent += await send_reminders(
                session,
                quota,
                group,
                found[quota.id],
                on,
                cache=cache,
                holder=holders.get(quota.consorciado_id),
                sent=sent,
                cfg=cfg,
            )
    await session.flush()
    return counters
