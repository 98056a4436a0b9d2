"""Collection: payments confirmed by the provider's webhook, and dunning of unpaid invoices.

Dunning, once a day: an open invoice past its due date becomes ``overdue`` and its subscription
``past_due``; admins are reminded on the days ``billing_reminder_days`` lists; past the grace
period the subscription is ``suspended`` and the tenant blocked (its people may sign in only to
see and pay invoices). A payment that leaves nothing overdue reactivates everything at once.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from lastro.contracts.billing import InvoicePaid, InvoiceReminderDue, SubscriptionStatusChanged
from lastro.core.audit.service import record as audit
from lastro.core.billing.models import Invoice, InvoicePayment, ProviderEvent, Subscription
from lastro.core.billing.providers import PaymentNotice
from lastro.core.platform.models import Tenant
from lastro.core.platform.service import tenant_cache
from lastro.infra.database import Database
from lastro.infra.outbox import publish
from lastro.kit.clock import today_sp, utcnow
from lastro.settings import Settings

UNPAID = ("open", "overdue")
IN_CHUNK = 5000


@dataclass(frozen=True)
class WebhookOutcome:
    status: str  # applied | duplicate | ignored | unknown_charge
    invoice_number: str | None = None
    invoice_status: str | None = None


async def _set_status(
    session: AsyncSession,
    sub: Subscription,
    status: str,
    *,
    day: date,
    tenant: Tenant | None = None,
) -> None:
    if sub.status == status:
        return
    previous = sub.status
    sub.status = status
    tenant = tenant or await session.get(Tenant, sub.tenant_id)
    if status == "past_due":
        sub.past_due_since = sub.past_due_since or day
    elif status == "suspended":
        sub.suspended_at = utcnow()
    elif status == "active":
        sub.past_due_since = None
        sub.suspended_at = None
    if tenant is not None:
        blocked = status == "suspended"
        if tenant.billing_blocked != blocked:
            tenant.billing_blocked = blocked
            tenant_cache.forget(tenant.slug)
    audit(
        session,
        f"subscription.{status}",
        "subscription",
        sub.id,
        tenant_id=sub.tenant_id,
        before={"status": previous},
        after={"status": status},
    )
    publish(
        session,
        SubscriptionStatusChanged(tenant_id=sub.tenant_id, status=status, previous=previous),
    )


async def record_payment(
    session: AsyncSession, provider: str, notice: PaymentNotice
) -> WebhookOutcome:
    """Apply a verified notice once (platform-bound session). A redelivered event finds its
    row and changes nothing; a payment covering the invoice marks it paid, any excess becomes
    credit, and a tenant with nothing else overdue is reactivated."""
    try:
        async with session.begin_nested():
            session.add(
                ProviderEvent(
                    provider=provider,
                    event_id=notice.event_id,
                    kind=notice.kind,
                    received_at=utcnow(),
                    outcome="received",
                    payload=notice.raw,
                )
            )
    except IntegrityError:
        return WebhookOutcome("duplicate")
    event = await session.scalar(
        select(ProviderEvent).where(
            ProviderEvent.provider == provider, ProviderEvent.event_id == notice.event_id
        )
    )
    assert event is not None
    if notice.kind != "charge.paid":
        event.outcome = "ignored"
        return WebhookOutcome("ignored")
    invoice = await session.scalar(
        select(Invoice)
        .where(Invoice.provider == provider, Invoice.provider_ref == notice.provider_ref)
        .with_for_update()
    )
    if invoice is None:
        event.outcome = "unknown_charge"
        return WebhookOutcome("unknown_charge")
    session.add(
        InvoicePayment(
            tenant_id=invoice.tenant_id,
            invoice_id=invoice.id,
            provider=provider,
            event_id=notice.event_id,
            method=notice.method if notice.method in ("boleto", "pix") else "pix",
            amount=notice.amount,
            paid_at=notice.paid_at,
        )
    )
    paid = (invoice.paid_amount or Decimal("0.00")) + notice.amount
    invoice.paid_amount = paid
    event.outcome = "applied"
    if invoice.status in UNPAID and paid >= invoice.total:
        invoice.status = "paid"
        invoice.paid_at = notice.paid_at
        sub = await session.get(Subscription, (invoice.tenant_id, invoice.subscription_id))
        if sub is not None:
            if paid > invoice.total:
                sub.credit_balance = (sub.credit_balance or Decimal("0.00")) + (
                    paid - invoice.total
                )
            await session.flush()
            await _reactivate_if_clear(session, sub)
        audit(
            session,
            "invoice.paid",
            "invoice",
            invoice.id,
            tenant_id=invoice.tenant_id,
            after={"number": invoice.number, "amount": paid, "method": notice.method},
        )
        publish(
            session,
            InvoicePaid(
                tenant_id=invoice.tenant_id,
                invoice_id=str(invoice.id),
                number=invoice.number,
                amount=str(paid),
            ),
        )
    elif invoice.status == "paid":
        # paid twice (two different events): the second payment becomes credit
        sub = await session.get(Subscription, (invoice.tenant_id, invoice.subscription_id))
        if sub is not None:
            sub.credit_balance = (sub.credit_balance or Decimal("0.00")) + notice.amount
    await session.flush()
    return WebhookOutcome("applied", invoice.number, invoice.status)


async def _reactivate_if_clear(session: AsyncSession, sub: Subscription) -> None:
    if sub.status not in ("past_due", "suspended"):
        return
    overdue = await session.scalar(
        select(func.count())
        .select_from(Invoice)
        .where(Invoice.tenant_id == sub.tenant_id, Invoice.status == "overdue")
    )
    if not overdue:
        await _set_status(session, sub, "active", day=today_sp())


@dataclass
class DunningReport:
    day: date
    overdue: int = 0
    reminders: int = 0
    suspended: int = 0
    details: list[dict[str, Any]] = field(default_factory=list)


@contextlib.contextmanager
def _no_autoflush(session: AsyncSession) -> Iterator[None]:
    """Dunning reads first and writes at commit: flushing before every read costs a round
    trip per changed row."""
    with session.no_autoflush:
        yield


async def _owners(
    session: AsyncSession, invoices: Sequence[Invoice]
) -> tuple[dict[uuid.UUID, Subscription], dict[uuid.UUID, Tenant]]:
    """The subscriptions and tenants of ``invoices``, loaded in a few queries up front."""
    sub_ids = sorted({inv.subscription_id for inv in invoices})
    tenant_ids = sorted({inv.tenant_id for inv in invoices})
    subs: dict[uuid.UUID, Subscription] = {}
    tenants: dict[uuid.UUID, Tenant] = {}
    for i in range(0, len(sub_ids), IN_CHUNK):
        rows = await session.scalars(
            select(Subscription).where(Subscription.id.in_(sub_ids[i : i + IN_CHUNK]))
        )
        subs.update((row.id, row) for row in rows)
    for i in range(0, len(tenant_ids), IN_CHUNK):
        found = await session.scalars(
            select(Tenant).where(Tenant.id.in_(tenant_ids[i : i + IN_CHUNK]))
        )
        tenants.update((t.id, t) for t in found)
    return subs, tenants


async def run_dunning(
    db: Database, settings: Settings, *, day: date | None = None
) -> DunningReport:
    """Mark overdue, remind, suspend past the grace period. Idempotent per day."""
    day = day or today_sp()
    report = DunningReport(day)
    offsets = sorted(set(settings.billing_reminder_days))
    async with db.unit_of_work(platform=True) as session:
        with _no_autoflush(session):
            unpaid = (
                await session.scalars(
                    select(Invoice).where(
                        Invoice.status.in_(UNPAID),
                        Invoice.due_date <= day + timedelta(days=max(0, -min(offsets or [0]))),
                    )
                )
            ).all()
            subs, tenants = await _owners(session, unpaid)
            for inv in unpaid:
                days = (day - inv.due_date).days
                if days > 0 and inv.status == "open":
                    inv.status = "overdue"
                    report.overdue += 1
                reached = [o for o in offsets if o <= days and f"d{o}" not in inv.reminders]
                if reached:
                    # only the latest reminder goes out; earlier ones missed are marked done
                    inv.reminders = [*inv.reminders, *(f"d{o}" for o in reached)]
                    report.reminders += 1
                    publish(
                        session,
                        InvoiceReminderDue(
                            tenant_id=inv.tenant_id,
                            invoice_id=str(inv.id),
                            number=inv.number,
                            total=str(inv.total),
                            due_date=inv.due_date.isoformat(),
                            days=reached[-1],
                        ),
                    )
                sub = subs.get(inv.subscription_id)
                if inv.status == "overdue" and sub is not None:
                    tenant = tenants.get(inv.tenant_id)
                    if days > settings.billing_grace_days:
                        if sub.status != "suspended":
                            await _set_status(session, sub, "suspended", day=day, tenant=tenant)
                            report.suspended += 1
                            report.details.append(
                                {"tenant_id": str(sub.tenant_id), "suspended": True}
                            )
                    elif sub.status == "active":
                        await _set_status(
                            session, sub, "past_due", day=inv.due_date + timedelta(1), tenant=tenant
                        )
    return report
