"""The billing run: issue each subscription's invoice for the period it has entered.

Invoices are issued in advance, on the first day of the period (the day a pilot ends, then
each cycle). A line per charge: the plan (or its tier by the tier metric's level), overage of
soft limits, prorations of plan changes, the credit the tenant holds. Runs are set-based, in
chunks of one transaction each, and idempotent: an invoice is unique per subscription and
period, so a repeated or concurrent run issues nothing twice.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from sqlalchemy import and_, exists, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from lastro.contracts.billing import InvoiceIssued
from lastro.core.billing.metrics import METRICS
from lastro.core.billing.models import (
    Invoice,
    InvoiceLine,
    InvoiceSequence,
    Plan,
    PlanChange,
    Subscription,
    UsageCounter,
)
from lastro.core.billing.providers import ChargeRequest, PaymentProvider, get_provider
from lastro.core.billing.service import add_months, cycle_price, period_end, tier_price
from lastro.core.platform.models import Tenant
from lastro.infra.database import Database
from lastro.infra.outbox import publish
from lastro.kit.clock import today_sp, utcnow
from lastro.kit.ids import new_id
from lastro.kit.money import CENT
from lastro.settings import Settings

ZERO = Decimal("0.00")
CHUNK = 1000
BILLABLE = ("active", "past_due")


@dataclass(frozen=True)
class LineDraft:
    kind: str  # plan|tier|overage|proration|credit
    description: str
    amount: Decimal
    quantity: Decimal = Decimal(1)
    unit_price: Decimal | None = None

    @property
    def unit(self) -> Decimal:
        return self.unit_price if self.unit_price is not None else self.amount


@dataclass(frozen=True)
class Pricing:
    lines: tuple[LineDraft, ...]
    subtotal: Decimal
    credit_applied: Decimal
    total: Decimal
    credit_left: Decimal  # the tenant's credit after this invoice


@dataclass
class RunReport:
    day: date
    activated: int = 0
    renewed: int = 0
    issued: int = 0
    skipped_zero: int = 0
    total: Decimal = ZERO
    invoice_ids: list[tuple[uuid.UUID, uuid.UUID]] = field(default_factory=list)


_CYCLE_NAMES = {"monthly": "mensal", "yearly": "anual"}


def price_invoice(
    plan: Plan,
    cycle: str,
    *,
    levels: dict[str, int],
    last_month: dict[str, int],
    prorations: Sequence[tuple[str, Decimal]],
    credit: Decimal,
) -> Pricing:
    """The lines and totals of one invoice (pure: everything it needs is passed in).

    ``levels`` are the current level metrics, ``last_month`` the monthly flows of the month
    that ended (overage of monthly metrics is billed in arrears).
    """
    lines: list[LineDraft] = []
    label = _CYCLE_NAMES.get(cycle, cycle)
    if plan.tier_metric and plan.tiers:
        quantity = levels.get(plan.tier_metric, 0)
        monthly = tier_price(plan, quantity) or ZERO
        metric_label = METRICS[plan.tier_metric].label if plan.tier_metric in METRICS else ""
        lines.append(
            LineDraft(
                "tier",
                f"Plano {plan.name} ({label}) — faixa de {quantity} {metric_label}",
                cycle_price(plan, cycle, monthly),
            )
        )
    else:
        lines.append(LineDraft("plan", f"Plano {plan.name} ({label})", cycle_price(plan, cycle)))
    for code, unit_text in sorted((plan.overage or {}).items()):
        limit = (plan.limits or {}).get(code)
        if limit is None or code not in METRICS:
            continue
        used = (last_month if METRICS[code].kind == "monthly" else levels).get(code, 0)
        extra = used - int(limit)
        if extra > 0:
            unit = Decimal(str(unit_text))
            lines.append(
                LineDraft(
                    "overage",
                    f"Excedente de {METRICS[code].label} ({extra} acima de {limit})",
                    (unit * extra).quantize(CENT, rounding=ROUND_HALF_EVEN),
                    quantity=Decimal(extra),
                    unit_price=unit,
                )
            )
    for description, amount in prorations:
        lines.append(LineDraft("proration", description, amount))
    subtotal = sum((line.amount for line in lines), ZERO)
    available = credit + (-subtotal if subtotal < 0 else ZERO)
    due_before_credit = max(subtotal, ZERO)
    applied = min(max(credit, ZERO), due_before_credit)
    if applied:
        lines.append(LineDraft("credit", "Crédito de períodos anteriores", -applied))
    total = due_before_credit - applied
    credit_left = available - applied if subtotal >= 0 else available
    return Pricing(tuple(lines), subtotal, applied, total, credit_left)


def invoice_number(year: int, sequence: int) -> str:
    return f"{year}-{sequence:06d}"


async def allocate_numbers(session: AsyncSession, year: int, count: int) -> int:
    """Reserve ``count`` consecutive numbers of ``year``; returns the first. The row lock holds
    concurrent runs in line, so numbers never repeat or skip within a committed run."""
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    ins = postgresql.insert if dialect == "postgresql" else sqlite.insert
    await session.execute(ins(InvoiceSequence).values(year=year, last=0).on_conflict_do_nothing())
    last = await session.scalar(
        update(InvoiceSequence)
        .where(InvoiceSequence.year == year)
        .values(last=InvoiceSequence.last + count)
        .returning(InvoiceSequence.last)
    )
    assert last is not None
    return int(last) - count + 1


async def _advance_periods(
    session: AsyncSession,
    day: date,
    report: RunReport,
    tenant_ids: Sequence[uuid.UUID] | None = None,
) -> None:
    """Pilots that ended become active; periods that ended roll over to the next. Read as
    plain rows and written back in one executemany, by primary key."""
    only = [Subscription.tenant_id.in_(tenant_ids)] if tenant_ids is not None else []
    cols = (
        Subscription.tenant_id,
        Subscription.id,
        Subscription.cycle,
        Subscription.trial_ends_on,
        Subscription.current_period_end,
    )
    changes: list[dict[str, Any]] = []
    for row in await session.execute(
        select(*cols).where(
            Subscription.status == "trialing", Subscription.trial_ends_on <= day, *only
        )
    ):
        start = row.trial_ends_on or day
        changes.append(
            {
                "tenant_id": row.tenant_id,
                "id": row.id,
                "status": "active",
                "current_period_start": start,
                "current_period_end": period_end(start, row.cycle),
            }
        )
        report.activated += 1
    for row in await session.execute(
        select(*cols).where(
            Subscription.status.in_(BILLABLE), Subscription.current_period_end < day, *only
        )
    ):
        start = row.current_period_end + timedelta(days=1)
        while period_end(start, row.cycle) < day:
            start = add_months(start, 12 if row.cycle == "yearly" else 1)
        changes.append(
            {
                "tenant_id": row.tenant_id,
                "id": row.id,
                "current_period_start": start,
                "current_period_end": period_end(start, row.cycle),
            }
        )
        report.renewed += 1
    now = utcnow()
    activated = [c | {"updated_at": now} for c in changes if "status" in c]
    renewed = [c | {"updated_at": now} for c in changes if "status" not in c]
    for batch in (activated, renewed):
        if batch:
            await session.execute(update(Subscription), batch)


def _due_query(day: date, after: uuid.UUID | None, tenant_ids: Sequence[uuid.UUID] | None) -> Any:
    already = exists().where(
        and_(
            Invoice.tenant_id == Subscription.tenant_id,
            Invoice.subscription_id == Subscription.id,
            Invoice.period_start == Subscription.current_period_start,
        )
    )
    stmt = (
        select(Subscription, Plan, Tenant.name)
        .join(Plan, Plan.id == Subscription.plan_id)
        .join(Tenant, Tenant.id == Subscription.tenant_id)
        .where(
            Subscription.status.in_(BILLABLE),
            Subscription.current_period_start <= day,
            Tenant.status == "active",
            ~already,
        )
        .order_by(Subscription.tenant_id)
        .limit(CHUNK)
    )
    if after is not None:
        stmt = stmt.where(Subscription.tenant_id > after)
    if tenant_ids is not None:
        stmt = stmt.where(Subscription.tenant_id.in_(tenant_ids))
    return stmt


async def _issue_chunk(
    session: AsyncSession,
    rows: Sequence[Any],
    day: date,
    settings: Settings,
    provider: PaymentProvider,
    report: RunReport,
) -> None:
    tenant_ids = [sub.tenant_id for sub, _plan, _name in rows]
    levels: dict[uuid.UUID, dict[str, int]] = defaultdict(dict)
    last_month: dict[uuid.UUID, dict[str, int]] = defaultdict(dict)
    previous = (day.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    for c in (
        await session.execute(
            select(
                UsageCounter.tenant_id, UsageCounter.metric, UsageCounter.period, UsageCounter.value
            ).where(
                UsageCounter.tenant_id.in_(tenant_ids),
                UsageCounter.period.in_(("", previous)),
            )
        )
    ).all():
        (levels if c.period == "" else last_month)[c.tenant_id][c.metric] = int(c.value)
    changes: dict[uuid.UUID, list[PlanChange]] = defaultdict(list)
    for change in (
        await session.scalars(
            select(PlanChange)
            .where(PlanChange.tenant_id.in_(tenant_ids), PlanChange.invoiced.is_(False))
            .order_by(PlanChange.changed_at)
        )
    ).all():
        changes[change.tenant_id].append(change)
    plans_by_id = {p.id: p.name for p in (await session.scalars(select(Plan))).all()}

    priced: list[tuple[Subscription, Plan, str, Pricing]] = []
    for sub, plan, tenant_name in rows:
        prorations = [
            (
                f"Ajuste proporcional: troca de {plans_by_id.get(ch.from_plan_id, '?')} para "
                f"{plans_by_id.get(ch.to_plan_id, '?')} em "
                f"{ch.changed_at.date().strftime('%d/%m/%Y')}",
                ch.proration,
            )
            for ch in changes.get(sub.tenant_id, [])
            if ch.proration
        ]
        pricing = price_invoice(
            plan,
            sub.cycle,
            levels=levels.get(sub.tenant_id, {}),
            last_month=last_month.get(sub.tenant_id, {}),
            prorations=prorations,
            credit=sub.credit_balance or ZERO,
        )
        sub.credit_balance = pricing.credit_left
        for ch in changes.get(sub.tenant_id, []):
            ch.invoiced = True
        if pricing.total <= 0 and not any(line.kind != "plan" for line in pricing.lines):
            report.skipped_zero += 1  # a free or custom-priced plan: nothing to collect
            continue
        priced.append((sub, plan, tenant_name, pricing))
    if not priced:
        await session.flush()
        return

    first = await allocate_numbers(session, day.year, len(priced))
    due = day + timedelta(days=settings.billing_due_days)
    now = utcnow()
    invoices: list[dict[str, Any]] = []
    lines: list[dict[str, Any]] = []
    for i, (sub, plan, tenant_name, pricing) in enumerate(priced):
        seq = first + i
        number = invoice_number(day.year, seq)
        charge = provider.charge(
            ChargeRequest(number, seq, day.year, pricing.total, due, tenant_name)
        )
        invoice_id = new_id()
        invoices.append(
            {
                "tenant_id": sub.tenant_id,
                "id": invoice_id,
                "number": number,
                "subscription_id": sub.id,
                "plan_code": plan.code,
                "cycle": sub.cycle,
                "period_start": sub.current_period_start,
                "period_end": sub.current_period_end,
                "issue_date": day,
                "due_date": due,
                "status": "paid" if pricing.total == 0 else "open",
                "subtotal": pricing.subtotal,
                "credit_applied": pricing.credit_applied,
                "total": pricing.total,
                "currency": plan.currency,
                "paid_at": now if pricing.total == 0 else None,
                "paid_amount": ZERO if pricing.total == 0 else None,
                "provider": provider.name,
                "provider_ref": charge.provider_ref,
                "nosso_numero": charge.nosso_numero,
                "boleto_barcode": charge.boleto_barcode,
                "boleto_line": charge.boleto_line,
                "pix_payload": charge.pix_payload,
                "reminders": [],
                "posted_issue": False,
                "posted_payment": pricing.total == 0,
                "created_at": now,
                "updated_at": now,
            }
        )
        for position, line in enumerate(pricing.lines, start=1):
            lines.append(
                {
                    "tenant_id": sub.tenant_id,
                    "id": new_id(),
                    "invoice_id": invoice_id,
                    "position": position,
                    "kind": line.kind,
                    "description": line.description[:200],
                    "quantity": line.quantity,
                    "unit_price": line.unit,
                    "amount": line.amount,
                }
            )
        report.issued += 1
        report.total += pricing.total
        report.invoice_ids.append((sub.tenant_id, invoice_id))
        publish(
            session,
            InvoiceIssued(
                tenant_id=sub.tenant_id,
                invoice_id=str(invoice_id),
                number=number,
                total=str(pricing.total),
                due_date=due.isoformat(),
            ),
        )
    await session.flush()
    await session.execute(insert(Invoice), invoices)
    await session.execute(insert(InvoiceLine), lines)


async def run_billing(
    db: Database,
    settings: Settings,
    *,
    day: date | None = None,
    tenant_ids: Sequence[uuid.UUID] | None = None,
) -> RunReport:
    """Issue every invoice due on ``day`` (today in São Paulo by default). Safe to repeat."""
    day = day or today_sp()
    report = RunReport(day)
    provider = get_provider(settings)
    async with db.unit_of_work(platform=True) as session:
        await _advance_periods(session, day, report, tenant_ids)
    after: uuid.UUID | None = None
    while True:
        async with db.unit_of_work(platform=True) as session:
            rows = (await session.execute(_due_query(day, after, tenant_ids))).all()
            if not rows:
                break
            await _issue_chunk(session, rows, day, settings, provider, report)
            after = rows[-1][0].tenant_id
        if len(rows) < CHUNK:
            break
    return report
