"""Demo billing history: a few months of invoices for the demo tenants, mostly paid (through
the sandbox provider's signed webhook, like real payments), one overdue, and a reseller with
its sub-tenants. Idempotent: nothing is added once the demo tenants have invoices."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select

from lastro.core.billing import books, collection, invoicing
from lastro.core.billing.models import Invoice, Subscription
from lastro.core.billing.providers import SandboxProvider
from lastro.core.billing.service import add_months, period_end
from lastro.core.platform.models import Tenant
from lastro.core.platform.provisioning import AdminSpec, provision
from lastro.core.runtime import Runtime
from lastro.kit.clock import SAO_PAULO, today_sp

RESELLER = ("revenda", "Revenda Sul Soluções Ltda")
SUB_TENANTS = (
    ("padaria-sol", "Padaria Sol Ltda", "chat-starter"),
    ("mercado-lua", "Mercado Lua Ltda", "chat-professional"),
    ("oficina-sul", "Oficina Sul ME", "chat-starter"),
)
MONTHS_OF_HISTORY = 4


async def _backdate(runtime: Runtime, tenant_id: uuid.UUID, start: date) -> None:
    async with runtime.db.unit_of_work(platform=True) as session:
        sub = await session.scalar(select(Subscription).where(Subscription.tenant_id == tenant_id))
        if sub is None:
            return
        sub.status = "active"
        sub.trial_ends_on = None
        sub.current_period_start = start
        sub.current_period_end = period_end(start, sub.cycle)


async def _history(
    runtime: Runtime, tenant_id: uuid.UUID, last_start: date, *, pay_last: bool
) -> None:
    """Invoices for each month up to ``last_start``; all paid except maybe the last one."""
    first = add_months(last_start, -MONTHS_OF_HISTORY)
    await _backdate(runtime, tenant_id, first)
    for i in range(MONTHS_OF_HISTORY + 1):
        await invoicing.run_billing(
            runtime.db, runtime.settings, day=add_months(first, i), tenant_ids=[tenant_id]
        )
    provider = SandboxProvider(runtime.settings)
    async with runtime.db.unit_of_work(platform=True) as session:
        invoices = (
            await session.scalars(
                select(Invoice).where(Invoice.tenant_id == tenant_id).order_by(Invoice.issue_date)
            )
        ).all()
        to_pay = invoices if pay_last else invoices[:-1]
        for inv in to_pay:
            # paid a couple of days before the due date, in the afternoon (São Paulo)
            paid_on = min(inv.due_date - timedelta(days=2), today_sp())
            headers, body = provider.paid_event(
                inv.provider_ref,
                inv.total,
                method="pix" if inv.number[-1] in "02468" else "boleto",
                paid_at=datetime.combine(paid_on, time(15, 30), tzinfo=SAO_PAULO),
            )
            await collection.record_payment(
                session, provider.name, provider.parse_webhook(headers, body)
            )


async def load_billing_demo(runtime: Runtime) -> None:
    today = today_sp()
    async with runtime.db.session(platform=True, readonly=True) as session:
        tenants = {
            t.slug: t.id
            for t in (
                await session.scalars(select(Tenant).where(Tenant.slug.in_(("demo", "acme"))))
            ).all()
        }
        issued = await session.scalar(
            select(func.count())
            .select_from(Invoice)
            .where(Invoice.tenant_id.in_(list(tenants.values())))
        )
        reseller = await session.scalar(select(Tenant.id).where(Tenant.slug == RESELLER[0]))
    if issued:
        return
    due_days = runtime.settings.billing_due_days
    if "demo" in tenants:
        await _history(runtime, tenants["demo"], today, pay_last=False)
    if "acme" in tenants:
        # acme's latest invoice is five days overdue: past due, not yet suspended
        await _history(
            runtime, tenants["acme"], today - timedelta(days=due_days + 5), pay_last=False
        )
    if reseller is None:
        await _reseller(runtime, today)
    await collection.run_dunning(runtime.db, runtime.settings, day=today)
    await books.post_pending(runtime.db, runtime.settings)


async def _reseller(runtime: Runtime, today: date) -> None:
    from lastro.core.demo import DEMO_PASSWORD

    async with runtime.db.unit_of_work(platform=True) as session:
        owner, _ = await provision(
            session,
            runtime.auth,
            slug=RESELLER[0],
            name=RESELLER[1],
            plan="chat-business",
            trial=False,
            admin=AdminSpec(
                email="admin@revenda.example", name="Admin Revenda", password=DEMO_PASSWORD
            ),
            check_password_policy=False,
        )
        owner.is_reseller = True
        owner_id = owner.id
    subs = []
    for slug, name, plan in SUB_TENANTS:
        async with runtime.db.unit_of_work(platform=True) as session:
            tenant, _ = await provision(
                session,
                runtime.auth,
                slug=slug,
                name=name,
                plan=plan,
                trial=False,
                admin=AdminSpec(
                    email=f"admin@{slug}.example", name=f"Admin {name}", password=DEMO_PASSWORD
                ),
                check_password_policy=False,
            )
            tenant.reseller_id = owner_id
            subs.append(tenant.id)
    for i, tenant_id in enumerate(subs):
        await _history(runtime, tenant_id, today - timedelta(days=3 * i), pay_last=i != 2)
    await _history(runtime, owner_id, today, pay_last=False)
