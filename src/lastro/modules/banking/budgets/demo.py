"""Demo budgets for tenant ``demo``: on each customer account, monthly budgets for the
categories it spends most on, sized so that one is safe, one near its warning threshold and
one in danger; the alerts those crossings send are recorded (and notified) once. Idempotent:
nothing is added once the tenant has budgets."""

from __future__ import annotations

from datetime import timedelta
from decimal import ROUND_HALF_EVEN, Decimal

from sqlalchemy import func, select

from lastro.core.runtime import Runtime
from lastro.kit.clock import today_sp
from lastro.modules.banking.budgets import analytics, domain, service
from lastro.modules.banking.budgets.models import Budget
from lastro.modules.banking.cards.demo import customer_accounts, demo_tenant

# spent / limit for the first, second and third category of each account
TARGETS = (Decimal("0.40"), Decimal("0.80"), Decimal("0.95"))
SKIP = frozenset({"transferencias", "tarifas", "saques"})


async def load_budgets_demo(runtime: Runtime) -> None:
    tenant_id = await demo_tenant(runtime)
    if tenant_id is None:
        return
    today = today_sp()
    async with runtime.db.unit_of_work(tenant_id=tenant_id) as session:
        if await session.scalar(select(func.count()).select_from(Budget)):
            return
        for account in await customer_accounts(session):
            # what the ledger's events would have recorded had a worker been running
            await analytics.spending(
                session, [account], today - timedelta(days=200), today, remember=True
            )
            start, end = domain.period_bounds("monthly", today)
            lines = await analytics.spending(session, [account], start, end)
            _, every = analytics.by_category(lines)
            # budgets for what people budget: purchases and bills, not transfers or fees
            cats = [c for c in every if c.category not in SKIP]
            caller = service.Caller(account.holder_user_id or account.id, staff=True)
            for target, cat in zip(TARGETS, cats, strict=False):
                limit = (cat.amount / target).quantize(Decimal("1"), rounding=ROUND_HALF_EVEN)
                await service.create_budget(
                    session,
                    caller,
                    account_id=account.id,
                    category=cat.category,
                    period="monthly",
                    amount=max(limit, Decimal("10")),
                    thresholds=None,
                )
            if not any(c.category == "lazer" for c in cats[: len(TARGETS)]):
                await service.create_budget(
                    session,
                    caller,
                    account_id=account.id,
                    category="lazer",
                    period="annual",
                    amount=Decimal("3000.00"),
                    thresholds=[50, 80, 100],
                )
            await service.check_alerts(session, account.id)
