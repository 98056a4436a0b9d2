"""banking · budgets and analytics: budgets per account, category and period (weekly, monthly,
annual) with alert thresholds (default 50/75/90 %) notified once per crossing per period; a
summary with SAFE / WARNING / DANGER; spending by category and daily trends computed from the
ledger (the account's postings and each entry's metadata: ``kind``, ``category`` — card
purchases by MCC —, ``counterparty``). Subscribes to ``ledger.entry.posted`` (records entry
facts, checks the touched accounts' budgets); the hourly ``banking.budgets.check`` job catches
up anything the handler missed.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from lastro.core.modules import EventSubscription, ModuleSpec, ServiceParts
from lastro.infra.jobs import Schedule

READ = "banking.budgets.read"
WRITE = "banking.budgets.write"
MANAGE = "banking.budgets.manage"


def build_area(parts: ServiceParts) -> ModuleSpec:
    from lastro.contracts.ledger import LancamentoRegistrado
    from lastro.modules.banking.budgets.demo import load_budgets_demo
    from lastro.modules.banking.budgets.endpoints import analytics_router
    from lastro.modules.banking.budgets.endpoints import router as budgets_router
    from lastro.modules.banking.budgets.pages import router as pages
    from lastro.modules.banking.budgets.service import check_all, on_ledger_entry

    db = parts.db

    async def check(payload: dict[str, Any]) -> None:
        await check_all(db)

    router = APIRouter()
    router.include_router(budgets_router)
    router.include_router(analytics_router)
    staff = [READ, WRITE, MANAGE]
    return ModuleSpec(
        name="banking.budgets",
        title="Orçamentos e análises",
        router=router,
        pages=pages,
        permissions={
            "tenant_admin": staff,
            "manager": staff,
            "operator": [READ, MANAGE],
            "agent": [READ, MANAGE],
            "customer": [READ, WRITE],
        },
        event_handlers=(
            EventSubscription(
                name="banking.budgets.ledger",
                topics=(LancamentoRegistrado.topic,),
                handler=on_ledger_entry,
            ),
        ),
        jobs={"banking.budgets.check": check},
        schedules=(
            Schedule(name="banking.budgets.check", cron="20 * * * *", job="banking.budgets.check"),
        ),
        demo=load_budgets_demo,
    )
