"""Applying payments: one code path for a PIX notification, a manual entry and every line of a
retorno file, set-based so that 100,000 lines cost a few dozen statements, not 100,000 round
trips.

For a batch (``apply_payments``), in the caller's transaction:

1. lock the charges (``FOR UPDATE``, in id order), then the quotas' ledger summaries
   (``consorcio_quota_positions``, in quota order) — every writer takes them in that order;
2. drop what was already applied (``external_id`` unique per tenant: a duplicate notification,
   the same payment in another file, a concurrent request that won the race);
3. plan each payment (:mod:`.planner`: fine/interest, components, advance, excess) against the
   in-memory state, so the same quota paying twice in one file is handled in order;
4. write: payments, the quota's percentage-ledger movements (``consorcio_quota_movements``,
   idempotent by ``source_ref``) and summary, installments and charges paid/partial, and one
   entry pair per (group, payment date) in the group's own book and the administradora's
   (``groups.books`` chart; ledger ``post_batch``), recorded in
   ``consorcio_group_book_postings``; events to the outbox.

Steps 3 and 4 go slice by slice (:data:`SLICE` payments): on PostgreSQL a slice's rows are
written by a background task (COPY into a staging table, then one statement per table, see
:mod:`.bulk`) while the next slice is planned, so the server's work overlaps Python's; the
books are posted once, after the last slice.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import logging
import time
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import orjson
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from lastro.br.calendar import bank_calendar
from lastro.core.ledger.service import ledger_service
from lastro.core.ledger.types import EntryDraft, Posting
from lastro.infra.database import bound_tenant
from lastro.infra.outbox import WROTE_OUTBOX_KEY, OutboxEvent
from lastro.kit.clock import utcnow
from lastro.kit.ids import new_id
from lastro.modules.consorcio.billing.models import Charge, ChargeItem, Installment
from lastro.modules.consorcio.domain import Components, LateRules
from lastro.modules.consorcio.groups import books
from lastro.modules.consorcio.groups.models import (
    Group,
    GroupBookPosting,
    GroupPrice,
    GroupRuleVersion,
)
from lastro.modules.consorcio.groups.service import credit_at
from lastro.modules.consorcio.payments import bulk
from lastro.modules.consorcio.payments.errors import ChargeNotFound, QuotaNotFound
from lastro.modules.consorcio.payments.events import PagamentoRecebido, ParcelaPaga
from lastro.modules.consorcio.payments.models import Payment
from lastro.modules.consorcio.payments.planner import (
    InstallmentState,
    PaymentPlan,
    QuotaState,
    cents,
    plan_payment,
)
from lastro.modules.consorcio.quotas.ledger import PlanChoice, schedule_for
from lastro.modules.consorcio.quotas.models import Quota, QuotaMovement, QuotaPosition

ZERO = Decimal("0.00")
CHUNK = 5000
SLICE = 10_000  # payments planned between two background writes
YIELD_EVERY = 25  # often: a COPY in flight needs a loop turn per socket buffer
log = logging.getLogger(__name__)


class _Phases:
    """Phase timings of a batch, logged at DEBUG (what a 100,000-line file spends where)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.last = time.perf_counter()
        self.spent: dict[str, float] = {}

    def __call__(self, name: str) -> None:
        now = time.perf_counter()
        self.spent[name] = round(now - self.last, 3)
        self.last = now

    def done(self) -> None:
        if log.isEnabledFor(logging.DEBUG):
            log.debug("payments batch of %d: %s", self.size, self.spent)


_DUE_CACHE: dict[date, date] = {}


@dataclass
class PaymentInput:
    """One payment to apply to a known charge."""

    charge_id: uuid.UUID
    source: str  # cnab240 | cnab400 | pix | manual
    external_id: str
    amount: Decimal
    paid_on: date
    credited_on: date | None = None
    reference: str = ""
    line_no: int | None = None
    payer_name: str = ""


@dataclass
class Outcome:
    input: PaymentInput
    status: str  # applied | duplicate
    payment_id: uuid.UUID | None = None
    plan: PaymentPlan | None = None


@dataclass
class BatchResult:
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def applied(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "applied"]

    @property
    def duplicates(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "duplicate"]


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def effective_due(due: date) -> date:
    """A due date on a non-business day may be paid on the next business day, no penalty."""
    found = _DUE_CACHE.get(due)
    if found is None:
        found = bank_calendar().adjust_due_date(due)
        _DUE_CACHE[due] = found
    return found


def _late_rules(row: GroupRuleVersion) -> LateRules:
    return LateRules(
        fine_pct=row.late_fine_pct,
        interest_pct_month=row.late_interest_monthly_pct,
        group_share_pct=row.late_group_share_pct,
    )


class _GroupData:
    """Prices and rule versions of the groups a batch touches, looked up by date."""

    def __init__(
        self,
        groups: dict[uuid.UUID, Group],
        prices: dict[uuid.UUID, list[GroupPrice]],
        rules: dict[uuid.UUID, list[GroupRuleVersion]],
    ) -> None:
        self.groups = groups
        self._prices = prices
        self._price_days = {g: [p.effective_on for p in rows] for g, rows in prices.items()}
        self._rules = rules
        self._rule_days = {g: [r.effective_from for r in rows] for g, rows in rules.items()}
        self._late: dict[tuple[uuid.UUID, int], LateRules] = {}

    def price(self, group_id: uuid.UUID, on: date) -> Decimal:
        rows = self._prices.get(group_id) or []
        if not rows:
            return self.groups[group_id].base_price
        i = bisect.bisect_right(self._price_days[group_id], on) - 1
        return rows[max(i, 0)].price

    def rules(self, group_id: uuid.UUID, on: date) -> GroupRuleVersion | None:
        rows = self._rules.get(group_id) or []
        if not rows:
            return None
        i = bisect.bisect_right(self._rule_days[group_id], on) - 1
        return rows[max(i, 0)]

    def version(self, group_id: uuid.UUID, version: int) -> GroupRuleVersion | None:
        rows = self._rules.get(group_id) or []
        for row in rows:
            if row.version == version:
                return row
        return rows[0] if rows else None

    def late_rules(self, group_id: uuid.UUID, on: date) -> LateRules:
        row = self.rules(group_id, on)
        if row is None:
            return LateRules()
        key = (group_id, row.version)
        found = self._late.get(key)
        if found is None:
            found = _late_rules(row)
            self._late[key] = found
        return found


async def _group_data(session: AsyncSession, group_ids: set[uuid.UUID]) -> _GroupData:
    ids = sorted(group_ids)
    groups: dict[uuid.UUID, Group] = {}
    prices: dict[uuid.UUID, list[GroupPrice]] = defaultdict(list)
    rules: dict[uuid.UUID, list[GroupRuleVersion]] = defaultdict(list)
    for chunk in _chunks(ids):
        for g in await session.scalars(select(Group).where(Group.id.in_(chunk))):
            groups[g.id] = g
        for p in await session.scalars(
            select(GroupPrice)
            .where(GroupPrice.group_id.in_(chunk))
            .order_by(GroupPrice.group_id, GroupPrice.effective_on)
        ):
            prices[p.group_id].append(p)
        for r in await session.scalars(
            select(GroupRuleVersion)
            .where(GroupRuleVersion.group_id.in_(chunk))
            .order_by(GroupRuleVersion.group_id, GroupRuleVersion.effective_from)
        ):
            rules[r.group_id].append(r)
    return _GroupData(groups, prices, rules)


@dataclass
class ChargeRow:
    id: uuid.UUID
    quota_id: uuid.UUID
    group_id: uuid.UUID
    amount: Decimal
    status: str
    paid_amount: Decimal


async def _lock_charges(session: AsyncSession, ids: list[uuid.UUID]) -> dict[uuid.UUID, ChargeRow]:
    out: dict[uuid.UUID, ChargeRow] = {}
    if bulk.is_pg(session):
        for chunk in _chunks(sorted(set(ids)), bulk.CHUNK):
            for r in await bulk.fetch(
                session,
                "SELECT id, quota_id, group_id, amount, status, paid_amount "
                "FROM consorcio_charges WHERE tenant_id = $1 AND id = ANY($2::uuid[]) "
                "ORDER BY id FOR UPDATE",
                list(chunk),
            ):
                out[r[0]] = ChargeRow(r[0], r[1], r[2], r[3], r[4], r[5])
        return out
    for chunk in _chunks(sorted(set(ids))):
        rows = await session.execute(
            select(
                Charge.id,
                Charge.quota_id,
                Charge.group_id,
                Charge.amount,
                Charge.status,
                Charge.paid_amount,
            )
            .where(Charge.id.in_(chunk))
            .order_by(Charge.id)
            .with_for_update()
        )
        for row in rows:
            out[row[0]] = ChargeRow(*row)
    return out


async def _existing_external(session: AsyncSession, ids: Sequence[str]) -> set[str]:
    found: set[str] = set()
    if bulk.is_pg(session):
        for chunk in _chunks(sorted(set(ids)), bulk.CHUNK):
            records = await bulk.fetch(
                session,
                "SELECT external_id FROM consorcio_payments "
                "WHERE tenant_id = $1 AND external_id = ANY($2::text[])",
                list(chunk),
            )
            found.update(r[0] for r in records)
        return found
    for chunk in _chunks(sorted(set(ids))):
        rows = await session.scalars(
            select(Payment.external_id).where(Payment.external_id.in_(chunk))
        )
        found.update(rows)
    return found


@dataclass
class _QuotaInfo:
    credit_base: Decimal
    joined_at_installment: int
    rules_version: int
    status: str
    plan: str


async def _quota_states(
    session: AsyncSession, quota_ids: set[uuid.UUID]
) -> tuple[dict[uuid.UUID, QuotaState], dict[uuid.UUID, _QuotaInfo]]:
    """Lock each quota's ledger summary (in quota order) and read it with the quota's terms."""
    states: dict[uuid.UUID, QuotaState] = {}
    infos: dict[uuid.UUID, _QuotaInfo] = {}
    if bulk.is_pg(session):
        for chunk in _chunks(sorted(quota_ids), bulk.CHUNK):
            for r in await bulk.fetch(
                session,
                "SELECT p.quota_id, p.group_id, p.fc_total_pct, p.ta_total_pct, p.fr_total_pct, "
                "p.ins_total_pct, p.fc_paid_pct, p.ta_paid_pct, p.fr_paid_pct, p.ins_paid_pct, "
                "p.paid_amount, p.installments_paid, p.last_installment_paid, p.movements, "
                "p.plan, q.credit_base, q.joined_at_installment, q.rules_version, q.status "
                "FROM consorcio_quota_positions p JOIN consorcio_quotas q "
                "ON q.tenant_id = p.tenant_id AND q.id = p.quota_id "
                "WHERE p.tenant_id = $1 AND p.quota_id = ANY($2::uuid[]) "
                "ORDER BY p.quota_id FOR UPDATE OF p",
                list(chunk),
            ):
                states[r[0]] = QuotaState(
                    r[0],
                    r[1],
                    Components(r[2], r[3], r[4], r[5]),
                    Components(r[6], r[7], r[8], r[9]),
                    r[10],
                    r[11],
                    r[12],
                    r[13],
                )
                infos[r[0]] = _QuotaInfo(r[15], r[16], r[17], r[18], r[14])
        return states, infos
    for chunk in _chunks(sorted(quota_ids)):
        rows = await session.execute(
            select(
                QuotaPosition.quota_id,
                QuotaPosition.group_id,
                QuotaPosition.fc_total_pct,
                QuotaPosition.ta_total_pct,
                QuotaPosition.fr_total_pct,
                QuotaPosition.ins_total_pct,
                QuotaPosition.fc_paid_pct,
                QuotaPosition.ta_paid_pct,
                QuotaPosition.fr_paid_pct,
                QuotaPosition.ins_paid_pct,
                QuotaPosition.paid_amount,
                QuotaPosition.installments_paid,
                QuotaPosition.last_installment_paid,
                QuotaPosition.movements,
                QuotaPosition.plan,
            )
            .where(QuotaPosition.quota_id.in_(chunk))
            .order_by(QuotaPosition.quota_id)
            .with_for_update()
        )
        plans: dict[uuid.UUID, str] = {}
        for (
            qid,
            gid,
            fct,
            tat,
            frt,
            inst,
            fcp,
            tap,
            frp,
            insp,
            amount,
            n,
            last,
            moves,
            plan,
        ) in rows:
            states[qid] = QuotaState(
                quota_id=qid,
                group_id=gid,
                obligation=Components(fct, tat, frt, inst),
                paid=Components(fcp, tap, frp, insp),
                paid_amount=amount,
                installments_paid=n,
                last_installment_paid=last,
                movements=moves,
            )
            plans[qid] = plan
        for qid, base, joined, version, status in await session.execute(
            select(
                Quota.id,
                Quota.credit_base,
                Quota.joined_at_installment,
                Quota.rules_version,
                Quota.status,
            ).where(Quota.id.in_(chunk))
        ):
            infos[qid] = _QuotaInfo(base, joined, version, status, plans.get(qid, "normal"))
    return states, infos


async def _installments(
    session: AsyncSession, charge_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[InstallmentState]]:
    """Each charge's installments (one state object per installment, shared between charges
    covering the same one); partial ones carry the percent already credited to them."""
    by_charge: dict[uuid.UUID, list[InstallmentState]] = defaultdict(list)
    states: dict[uuid.UUID, InstallmentState] = {}
    partial: dict[tuple[uuid.UUID, int], InstallmentState] = {}
    i = Installment
    if bulk.is_pg(session):
        for chunk in _chunks(sorted(set(charge_ids)), bulk.CHUNK):
            for r in await bulk.fetch(
                session,
                "SELECT ci.charge_id, i.id, i.quota_id, i.number, i.due_date, i.price, i.fc_pct, "
                "i.ta_pct, i.fr_pct, i.ins_pct, i.fc_amount, i.ta_amount, i.fr_amount, "
                "i.ins_amount, i.extra_amount, i.lines::text, i.status, i.paid_amount "
                "FROM consorcio_charge_items ci JOIN consorcio_installments i "
                "ON i.tenant_id = ci.tenant_id AND i.id = ci.installment_id "
                "WHERE ci.tenant_id = $1 AND ci.charge_id = ANY($2::uuid[])",
                list(chunk),
            ):
                state = states.get(r[1])
                if state is None:
                    lines = r[15]
                    state = InstallmentState(
                        id=r[1],
                        number=r[3],
                        due_date=r[4],
                        price=r[5],
                        percent=Components(r[6], r[7], r[8], r[9]),
                        money=Components(r[10], r[11], r[12], r[13]),
                        extra_amount=r[14],
                        lines=orjson.loads(lines) if lines and lines != "[]" else [],
                        status=r[16],
                        paid_amount=r[17],
                    )
                    states[r[1]] = state
                    if r[16] == "partial":
                        partial[(r[2], r[3])] = state
                by_charge[r[0]].append(state)
        await _credited(session, partial)
        return by_charge
    for chunk in _chunks(sorted(set(charge_ids))):
        rows = await session.execute(
            select(
                ChargeItem.charge_id,
                i.id,
                i.quota_id,
                i.number,
                i.due_date,
                i.price,
                i.fc_pct,
                i.ta_pct,
                i.fr_pct,
                i.ins_pct,
                i.fc_amount,
                i.ta_amount,
                i.fr_amount,
                i.ins_amount,
                i.extra_amount,
                i.lines,
                i.status,
                i.paid_amount,
            )
            .join(i, i.id == ChargeItem.installment_id)
            .where(ChargeItem.charge_id.in_(chunk))
        )
        for cid, iid, qid, number, due, price, *vals, extra, lines, status, paid in rows:
            state = states.get(iid)
            if state is None:
                state = InstallmentState(
                    id=iid,
                    number=number,
                    due_date=due,
                    price=price,
                    percent=Components(*vals[:4]),
                    money=Components(*vals[4:]),
                    extra_amount=extra,
                    lines=list(lines or []),
                    status=status,
                    paid_amount=paid,
                )
                states[iid] = state
                if status == "partial":
                    partial[(qid, number)] = state
            by_charge[cid].append(state)
    await _credited(session, partial)
    return by_charge


async def _credited(
    session: AsyncSession, partial: dict[tuple[uuid.UUID, int], InstallmentState]
) -> None:
    """Percent already credited to partially paid installments (from the quota's ledger)."""
    if partial:
        quota_ids = sorted({q for q, _ in partial})
        for chunk in _chunks(quota_ids):
            rows2 = await session.execute(
                select(
                    QuotaMovement.quota_id,
                    QuotaMovement.installment_number,
                    func.sum(QuotaMovement.fc_pct),
                    func.sum(QuotaMovement.ta_pct),
                    func.sum(QuotaMovement.fr_pct),
                    func.sum(QuotaMovement.ins_pct),
                )
                .where(
                    QuotaMovement.quota_id.in_(chunk),
                    QuotaMovement.kind.in_(("payment", "estorno")),
                    QuotaMovement.installment_number.is_not(None),
                )
                .group_by(QuotaMovement.quota_id, QuotaMovement.installment_number)
            )
            for qid, num, fc, ta, fr, ins in rows2:
                found = partial.get((qid, num or 0))
                if found is not None:
                    found.credited = Components(
                        *(Decimal(str(v or 0)) for v in (fc, ta, fr, ins))
                    ).as_percent()


@dataclass
class _GroupDay:
    fc: Decimal = ZERO
    ta: Decimal = ZERO
    fr: Decimal = ZERO
    seguro: Decimal = ZERO
    fine: Decimal = ZERO
    interest: Decimal = ZERO
    excess: Decimal = ZERO
    count: int = 0

    @property
    def total(self) -> Decimal:
        return self.fc + self.ta + self.fr + self.seguro + self.fine + self.interest + self.excess


_EVENT_HEAD: dict[tuple[uuid.UUID | None, Any], tuple[str, str | None]] = {}


def event_row(topic: str, tenant_id: uuid.UUID | None, at: Any, **fields: Any) -> dict[str, Any]:
    """An outbox row whose payload is what ``Event.payload()`` gives (JSON mode), built
    directly: a file of 100,000 payments makes 200,000 events."""
    event_id = new_id()
    head = _EVENT_HEAD.get((tenant_id, at))
    if head is None:
        _EVENT_HEAD.clear()
        head = (
            at.isoformat().replace("+00:00", "Z"),
            str(tenant_id) if tenant_id else None,
        )
        _EVENT_HEAD[(tenant_id, at)] = head
    payload: dict[str, Any] = {
        "event_id": str(event_id),
        "occurred_at": head[0],
        "tenant_id": head[1],
    }
    for k, v in fields.items():
        payload[k] = v if type(v) in (int, str) else str(v)
    return {
        "id": event_id,
        "tenant_id": tenant_id,
        "topic": topic,
        "payload": payload,
        "created_at": at,
        "published_at": None,
        "attempts": 0,
    }


async def _insert_events(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Outbox rows are not tenant data (``tenant_id`` is a plain column)."""
    if session.get_bind().dialect.name != "postgresql":
        for chunk in _chunks(rows):
            await session.execute(insert(OutboxEvent), list(chunk))
        return
    conn = await bulk._driver(session)
    # the outbox has no row-level security: straight binary COPY
    await conn.copy_records_to_table(
        "outbox_events",
        records=[
            (
                r["id"],
                r["tenant_id"],
                r["topic"],
                orjson.dumps(r["payload"]).decode(),
                r["created_at"],
                0,
            )
            for r in rows
        ],
        columns=["id", "tenant_id", "topic", "payload", "created_at", "attempts"],
    )


class _Writer:
    """Writes a batch slice by slice while the next slice is planned.

    On PostgreSQL each slice is written by a task on the session's connection: the server
    inserts and updates (indexes, foreign keys, row versions) while Python plans the next
    slice, which yields to the loop now and then so the task's statements move along.
    Nothing else touches the connection meanwhile (planning is pure) and the task only reads
    row snapshots; a failure surfaces at the next ``send``/``wait``. Elsewhere the writes
    happen inline.
    """

    def __init__(self, session: AsyncSession, now: Any) -> None:
        self.session = session
        self.now = now
        self.task: asyncio.Task[None] | None = None
        self.wrote_events = False
        self.pg = bulk.is_pg(session)

    async def send(self, rows: _Slice) -> None:
        await self.wait()
        if not rows:
            return
        self.wrote_events = self.wrote_events or bool(rows.events)
        if not self.pg:
            await _write_slice(self.session, rows, self.now)
            return
        self.task = asyncio.create_task(_write_slice(self.session, rows, self.now))
        await asyncio.sleep(0)  # the first statement leaves now

    async def wait(self) -> None:
        task, self.task = self.task, None
        if task is not None:
            await task

    async def abandon(self) -> None:
        """On a failure: let the pending write finish (the transaction rolls back anyway)."""
        task, self.task = self.task, None
        if task is not None:
            with contextlib.suppress(BaseException):
                await task


async def apply_payments(
    session: AsyncSession,
    inputs: Sequence[PaymentInput],
    *,
    book_ref: str,
    import_id: uuid.UUID | None = None,
    actor: uuid.UUID | None = None,
    description: str = "",
) -> BatchResult:
    """Apply ``inputs`` (each to a known charge) once each; see the module docstring."""
    tenant_id = bound_tenant(session)
    result = BatchResult()
    if not inputs:
        return result
    phase = _Phases(len(inputs))
    charges = await _lock_charges(session, [i.charge_id for i in inputs])
    phase("lock charges")
    missing = [i for i in inputs if i.charge_id not in charges]
    if missing:
        raise ChargeNotFound("Cobrança não encontrada.")
    seen = await _existing_external(session, [i.external_id for i in inputs])
    todo: list[PaymentInput] = []
    for item in inputs:
        if item.external_id in seen:
            result.outcomes.append(Outcome(item, "duplicate"))
            continue
        seen.add(item.external_id)
        todo.append(item)
        result.outcomes.append(Outcome(item, "applied"))
    if not todo:
        return result
    quota_ids = {charges[i.charge_id].quota_id for i in todo}
    quotas, infos = await _quota_states(session, quota_ids)
    phase("lock quotas")
    items = await _installments(session, [i.charge_id for i in todo])
    phase("installments")
    gdata = await _group_data(session, {charges[i.charge_id].group_id for i in todo})

    now = utcnow()
    payments: list[dict[str, Any]] = []
    movements: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    days: dict[tuple[uuid.UUID, date], _GroupDay] = defaultdict(_GroupDay)
    touched_charges: dict[uuid.UUID, Decimal] = defaultdict(lambda: ZERO)
    touched_installments: dict[uuid.UUID, tuple[InstallmentState, date]] = {}
    slice_quotas: dict[uuid.UUID, QuotaState] = {}
    slice_charges: set[uuid.UUID] = set()
    applied = iter(o for o in result.outcomes if o.status == "applied")
    day_terms: dict[tuple[uuid.UUID, date, Decimal], tuple[Decimal, LateRules, Decimal]] = {}
    writer = _Writer(session, now)

    def cut() -> _Slice:
        _recount(slice_quotas, infos, gdata)
        rows = _Slice(
            payments,
            movements,
            events,
            _position_rows(slice_quotas.values()),
            _installment_rows(touched_installments),
            _charge_rows(charges, touched_charges, slice_charges),
        )
        slice_quotas.clear()
        slice_charges.clear()
        touched_installments.clear()
        return rows

    try:
        for n, item in enumerate(todo, 1):
            outcome = next(applied)
            charge = charges[item.charge_id]
            quota = quotas.get(charge.quota_id)
            group = gdata.groups[charge.group_id]
            info = infos.get(charge.quota_id)
            if quota is None or info is None:
                raise QuotaNotFound("A cota da cobrança não tem razão percentual.", status=409)
            terms_key = (charge.group_id, item.paid_on, info.credit_base)
            terms = day_terms.get(terms_key)
            if terms is None:
                rv = gdata.rules(charge.group_id, item.paid_on)
                terms = (
                    credit_at(group, info.credit_base, gdata.price(charge.group_id, item.paid_on)),
                    gdata.late_rules(charge.group_id, item.paid_on),
                    rv.late_group_share_pct if rv is not None else Decimal(50),
                )
                day_terms[terms_key] = terms
            price_now, rules, share = terms
            plan = plan_payment(
                item.amount,
                item.paid_on,
                items.get(charge.id, []),
                quota,
                price_now,
                rules,
                effective_due,
            )
            payment_id = new_id()
            # each payment's ids as text once (its events repeat them; JSON wants text)
            ids = (str(payment_id), str(charge.quota_id), str(charge.group_id), str(charge.id))
            outcome.payment_id = payment_id
            outcome.plan = plan
            money = plan.money
            percent = plan.percent
            fine_g = books.split_penalty(plan.fine, share)[0] if plan.fine else ZERO
            int_g = books.split_penalty(plan.interest, share)[0] if plan.interest else ZERO
            payments.append(
                {
                    "id": payment_id,
                    "charge_id": charge.id,
                    "quota_id": charge.quota_id,
                    "group_id": charge.group_id,
                    "source": item.source,
                    "external_id": item.external_id,
                    "reference": item.reference[:40],
                    "import_id": import_id,
                    "line_no": item.line_no,
                    "amount": plan.amount,
                    "paid_on": item.paid_on,
                    "credited_on": item.credited_on,
                    "days_late": plan.days_late,
                    "fine_amount": plan.fine,
                    "interest_amount": plan.interest,
                    "fine_group": fine_g,
                    "interest_group": int_g,
                    "fc_amount": money.fundo_comum,
                    "ta_amount": money.taxa_administracao,
                    "fr_amount": money.fundo_reserva,
                    "ins_amount": money.seguro,
                    "advance_amount": plan.advance,
                    "excess_amount": plan.excess,
                    "fc_pct": percent.fundo_comum,
                    "ta_pct": percent.taxa_administracao,
                    "fr_pct": percent.fundo_reserva,
                    "ins_pct": percent.seguro,
                    "price": price_now,
                    "installments_settled": len(plan.settled),
                    "allocations": [a.as_json() for a in plan.allocations],
                    "book_ref": book_ref,
                    "payer_name": item.payer_name[:120],
                    "created_by": actor,
                    "created_at": now,
                }
            )
            for alloc in plan.allocations:
                inst = alloc.installment
                movements.append(
                    {
                        "id": new_id(),
                        "quota_id": charge.quota_id,
                        "group_id": charge.group_id,
                        "kind": "payment" if inst else "antecipacao",
                        "installment_number": inst.number if inst else None,
                        "effective_on": item.paid_on,
                        "fc_pct": alloc.percent.fundo_comum,
                        "ta_pct": alloc.percent.taxa_administracao,
                        "fr_pct": alloc.percent.fundo_reserva,
                        "ins_pct": alloc.percent.seguro,
                        "fc_amount": alloc.money.fundo_comum,
                        "ta_amount": alloc.money.taxa_administracao,
                        "fr_amount": alloc.money.fundo_reserva,
                        "ins_amount": alloc.money.seguro,
                        "fine_amount": alloc.fine,
                        "interest_amount": alloc.interest,
                        "amount": alloc.total,
                        "price": alloc.price,
                        "source_ref": f"pay:{payment_id}:{inst.number if inst else 'adv'}",
                        "description": (
                            f"Pagamento da parcela {inst.number}" if inst else "Antecipação"
                        ),
                        "created_at": now,
                    }
                )
                quota.movements += 1
                if inst is not None:
                    touched_installments[inst.id] = (inst, item.paid_on)
                    if alloc.settled:
                        events.append(
                            event_row(
                                ParcelaPaga.topic,
                                tenant_id,
                                now,
                                quota_id=ids[1],
                                group_id=ids[2],
                                installment_id=inst.id,
                                number=inst.number,
                                payment_id=ids[0],
                                charge_id=ids[3],
                                paid_on=item.paid_on,
                                amount=alloc.total,
                                days_late=alloc.days_late,
                            )
                        )
            events.append(
                event_row(
                    PagamentoRecebido.topic,
                    tenant_id,
                    now,
                    payment_id=ids[0],
                    quota_id=ids[1],
                    group_id=ids[2],
                    charge_id=ids[3],
                    source=item.source,
                    amount=plan.amount,
                    paid_on=item.paid_on,
                    advance=plan.advance,
                    excess=plan.excess,
                )
            )
            touched_charges[charge.id] += plan.amount
            day = days[(charge.group_id, item.paid_on)]
            day.fc += money.fundo_comum
            day.ta += money.taxa_administracao
            day.fr += money.fundo_reserva
            day.seguro += money.seguro
            day.fine += plan.fine
            day.interest += plan.interest
            day.excess += plan.excess
            day.count += 1
            slice_quotas[quota.quota_id] = quota
            slice_charges.add(charge.id)
            if n % SLICE == 0:
                await writer.send(cut())
                payments, movements, events = [], [], []
            elif n % YIELD_EVERY == 0:
                await asyncio.sleep(0)  # let the writer move its statements along
        await writer.send(cut())
        phase("plan and write")
        await writer.wait()
    except BaseException:
        await writer.abandon()
        raise
    phase("write the last slice")
    await _post_books(session, gdata, days, book_ref, description)
    phase("books")
    if writer.wrote_events:
        session.info[WROTE_OUTBOX_KEY] = True
    await _settle_paid_off(session, quotas, infos)
    phase.done()
    return result


_COVERED: dict[int, tuple[Any, list[Decimal]]] = {}


def _cumulative(schedule: Any) -> list[Decimal]:
    """Running FC+TA+FR percent after each installment (prepaid part first), per schedule."""
    found = _COVERED.get(id(schedule))
    if found is not None and found[0] is schedule:
        return found[1]
    running = schedule.prepaid.total_without_seguro
    out = []
    for item in schedule.installments:
        running += item.total_without_seguro
        out.append(running)
    _COVERED[id(schedule)] = (schedule, out)
    return out


def _recount(
    quotas: dict[uuid.UUID, QuotaState], infos: dict[uuid.UUID, _QuotaInfo], gdata: _GroupData
) -> None:
    """Installments covered by the percent paid, per the quota's own schedule (as the quotas
    area counts them: :func:`~lastro.modules.consorcio.quotas.ledger.installments_covered`)."""
    covered: dict[tuple[uuid.UUID, int, int, str], list[Decimal] | None] = {}
    for q in quotas.values():
        if not q.touched:
            continue
        info = infos[q.quota_id]
        key = (q.group_id, info.rules_version, info.joined_at_installment, info.plan)
        if key not in covered:
            rules = gdata.version(q.group_id, info.rules_version)
            covered[key] = (
                None
                if rules is None
                else _cumulative(
                    schedule_for(
                        gdata.groups[q.group_id],
                        rules,
                        PlanChoice(info.joined_at_installment, reduced=info.plan == "reduced"),
                    )
                )
            )
        running = covered[key]
        if running is None:
            continue
        paid = q.paid_l[0] + q.paid_l[1] + q.paid_l[2]
        q.installments_paid = bisect.bisect_right(running, paid)


async def _settle_paid_off(
    session: AsyncSession, quotas: dict[uuid.UUID, QuotaState], infos: dict[uuid.UUID, _QuotaInfo]
) -> None:
    """A quota whose balance reached zero is paid off (quitada), through the quotas area."""
    from lastro.modules.consorcio.quotas.service import change_status, get_quota

    for q in quotas.values():
        if not q.touched or infos[q.quota_id].status not in ("ativa", "contemplada"):
            continue
        if q.balance_without_seguro > 0:
            continue
        quota = await get_quota(session, q.quota_id)
        await change_status(session, quota, "quitada", reason="Saldo devedor quitado")


def _position_rows(quotas: Iterable[QuotaState]) -> list[dict[str, Any]]:
    """The quotas' ledger summaries as they stand now (a snapshot: planning goes on)."""
    return [
        {
            "quota_id": q.quota_id,
            "fc_paid_pct": q.paid_l[0],
            "ta_paid_pct": q.paid_l[1],
            "fr_paid_pct": q.paid_l[2],
            "ins_paid_pct": q.paid_l[3],
            "paid_amount": q.paid_amount,
            "installments_paid": q.installments_paid,
            "last_installment_paid": q.last_installment_paid,
            "movements": q.movements,
        }
        for q in quotas
        if q.touched
    ]


def _installment_rows(
    touched: dict[uuid.UUID, tuple[InstallmentState, date]],
) -> list[dict[str, Any]]:
    return [
        {
            "id": inst.id,
            "status": inst.status,
            "paid_amount": cents(inst.paid_amount),
            "paid_on": paid_on,
        }
        for inst, paid_on in touched.values()
    ]


def _charge_rows(
    charges: dict[uuid.UUID, ChargeRow],
    touched: dict[uuid.UUID, Decimal],
    ids: Iterable[uuid.UUID],
) -> list[dict[str, Any]]:
    """Charges ``ids`` with everything received for them in the batch so far."""
    rows = []
    for charge_id in ids:
        charge = charges[charge_id]
        paid = cents(charge.paid_amount + touched[charge_id])
        status = charge.status
        if status in ("open", "partial"):
            status = "paid" if paid >= charge.amount else "partial"
        rows.append({"id": charge_id, "status": status, "paid_amount": paid})
    return rows


@dataclass
class _Slice:
    """Rows of a slice of the batch, built when it was planned. Rows touched again by a
    later slice are written again with their later state (values are absolute)."""

    payments: list[dict[str, Any]] = field(default_factory=list)
    movements: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    positions: list[dict[str, Any]] = field(default_factory=list)
    installments: list[dict[str, Any]] = field(default_factory=list)
    charges: list[dict[str, Any]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.payments or self.movements or self.events or self.charges)


async def _write_slice(session: AsyncSession, rows: _Slice, now: Any) -> None:
    await bulk.insert_rows(session, Payment, rows.payments)
    await bulk.insert_rows(session, QuotaMovement, rows.movements)
    if rows.events:
        await _insert_events(session, rows.events)
    await bulk.update_rows(
        session,
        QuotaPosition,
        "quota_id",
        rows.positions,
        constants={"last_movement_at": now, "updated_at": now},
    )
    await bulk.update_rows(
        session, Installment, "id", rows.installments, constants={"updated_at": now}
    )
    await bulk.update_rows(
        session,
        Charge,
        "id",
        rows.charges,
        constants={"paid_at": now, "updated_at": now},
        coalesce=("paid_at",),
    )


async def _post_books(
    session: AsyncSession,
    gdata: _GroupData,
    days: dict[tuple[uuid.UUID, date], _GroupDay],
    book_ref: str,
    description: str,
) -> None:
    """One linked entry pair per (group, payment date): the group's own book and the
    administradora's. Keys derive from ``book_ref``, so a replay posts nothing twice."""
    if not days:
        return
    admin = await books.admin_book(session)
    admin_accounts = {a.code: a.id for a in await ledger_service.list_accounts(session, admin.id)}
    group_accounts: dict[uuid.UUID, dict[str, uuid.UUID]] = {}
    chains: list[list[EntryDraft]] = []
    postings: list[dict[str, Any]] = []
    for (group_id, on), day in sorted(days.items(), key=lambda kv: (str(kv[0][0]), kv[0][1])):
        if day.total <= 0:
            continue
        group = gdata.groups[group_id]
        accounts = group_accounts.get(group_id)
        if accounts is None:
            ledger_id = group.ledger_id or (await books.open_group_books(session, group)).id
            accounts = {
                a.code: a.id for a in await ledger_service.list_accounts(session, ledger_id)
            }
            group_accounts[group_id] = accounts
        rv = gdata.rules(group_id, on)
        share = rv.late_group_share_pct if rv is not None else Decimal(50)
        fine_g, fine_a = books.split_penalty(day.fine, share)
        int_g, int_a = books.split_penalty(day.interest, share)
        pen_g, pen_a = fine_g + int_g, fine_a + int_a
        ref = f"{book_ref}:{group_id.hex}:{on:%Y%m%d}"
        key = f"payment:{ref}"
        credits = (
            (books.G_COMMON_FUND, day.fc),
            (books.G_RESERVE_FUND, day.fr),
            (books.G_FEE_PAYABLE, day.ta),
            (books.G_INSURANCE_PAYABLE, day.seguro),
            (books.G_PENALTIES, pen_g),
            (books.G_PENALTY_PAYABLE, pen_a),
            (books.G_REFUNDS_PAYABLE, day.excess),
        )
        text = (
            f"{description or 'Pagamentos'} · {day.count} pagamento(s) em {on.strftime('%d/%m/%Y')}"
        )
        components = {
            k: str(v)
            for k, v in (
                ("fc", day.fc),
                ("ta", day.ta),
                ("fr", day.fr),
                ("seguro", day.seguro),
                ("multa", day.fine),
                ("juros", day.interest),
                ("excedente", day.excess),
            )
            if v
        }
        meta = {"payment_ref": ref, "group": group.code, "components": components}
        chain = [
            EntryDraft(
                idempotency_key=key,
                postings=(
                    Posting.debit(accounts[books.G_BANK], day.total),
                    *(Posting.credit(accounts[code], v) for code, v in credits if v > 0),
                ),
                description=text[:200],
                metadata=meta,
                effective_date=on,
            )
        ]
        admin_legs: list[Posting] = []
        if day.ta > 0:
            admin_legs += [
                Posting.debit(admin_accounts[books.A_FEE_RECEIVABLE], day.ta),
                Posting.credit(admin_accounts[books.A_FEE_REVENUE], day.ta),
            ]
        if pen_a > 0:
            admin_legs += [
                Posting.debit(admin_accounts[books.A_PENALTY_RECEIVABLE], pen_a),
                Posting.credit(admin_accounts[books.A_PENALTY_REVENUE], pen_a),
            ]
        if admin_legs:
            chain.append(
                EntryDraft(
                    idempotency_key=key,
                    postings=tuple(admin_legs),
                    description=f"{text} (grupo {group.code})"[:200],
                    metadata=meta,
                    effective_date=on,
                )
            )
        chains.append(chain)
        postings.append(
            {
                "group_id": group_id,
                "payment_ref": ref,
                "paid_on": on,
                "amount": day.total,
                "components": components,
                "created_at": utcnow(),
            }
        )
    if not chains:
        return
    outcome = await ledger_service.post_batch(session, chains, atomic=True)
    by_key: dict[str, list[uuid.UUID]] = defaultdict(list)
    for item in outcome.items:
        if item.entry_id is not None:
            by_key[item.idempotency_key].append(item.entry_id)
    for row in postings:
        ids = by_key.get(f"payment:{row['payment_ref']}", [])
        row["id"] = new_id()
        row["group_entry_id"] = ids[0] if ids else None
        row["admin_entry_id"] = ids[1] if len(ids) > 1 else None
    for chunk in _chunks(postings):
        await session.execute(insert(GroupBookPosting), list(chunk))
