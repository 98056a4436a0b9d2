"""banking · bills: paying bank boletos and arrecadação slips (utilities, taxes) from a banking
account. ``POST /bills/validate`` reads a typed or scanned line through ``lastro.br`` (value, due
date, bank or segment; a wrong check digit is 400 ``INVALID_BARCODE``); ``POST /bills/pay`` pays
now (a ledger debit against ``banco.liquidacao_contas``, metadata ``{"kind": "bill_payment",
"category": "contas", ...}``) or schedules it (job ``banking.bills.run_scheduled``); a second
payment of the same bill is 409 ``BILL_ALREADY_PAID`` (unique index, race-proof); receipts as
PDF. Notifies the holder when a scheduled payment is made or fails.
"""

from __future__ import annotations

from typing import Any

from lastro.core.modules import ModuleSpec, ServiceParts
from lastro.infra.jobs import Schedule

READ = "banking.bills.read"
WRITE = "banking.bills.write"
MANAGE = "banking.bills.manage"


def build_area(parts: ServiceParts) -> ModuleSpec:
    from lastro.modules.banking.bills.demo import load_bills_demo
    from lastro.modules.banking.bills.endpoints import router
    from lastro.modules.banking.bills.pages import router as pages
    from lastro.modules.banking.bills.service import run_scheduled

    db = parts.db

    async def run(payload: dict[str, Any]) -> None:
        await run_scheduled(db)

    staff = [READ, WRITE, MANAGE]
    return ModuleSpec(
        name="banking.bills",
        title="Pagar contas",
        router=router,
        pages=pages,
        permissions={
            "tenant_admin": staff,
            "manager": staff,
            "operator": staff,
            "agent": [READ, MANAGE],
            "customer": [READ, WRITE],
        },
        jobs={"banking.bills.run_scheduled": run},
        # hourly: a day's scheduled payments go out in the first run after midnight (São
        # Paulo); later runs pick up anything a transient failure held back
        schedules=(
            Schedule(
                name="banking.bills.run_scheduled",
                cron="5 * * * *",
                job="banking.bills.run_scheduled",
            ),
        ),
        demo=load_bills_demo,
    )
