"""banking · transfers — PIX / TED / P2P through a payment rail, incoming PIX by webhook,
refunds (devolução) and MED, limits and scheduling.

Routes under ``/api/v1/banking/transfers`` and the public rail webhook
``/api/v1/banking/webhooks/rail/{tenant}`` (HMAC-signed, see ``webhook.py``). Jobs
``banking.transfers.run_scheduled`` and ``banking.transfers.poll_pending`` run every minute.
"""

from __future__ import annotations

from typing import Any

from lastro.core.modules import ModuleSpec, ServiceParts
from lastro.infra.jobs import Schedule


def build_area(parts: ServiceParts) -> ModuleSpec:
    from fastapi import APIRouter

    from lastro.modules.banking.transfers import tasks
    from lastro.modules.banking.transfers.endpoints import router as api
    from lastro.modules.banking.transfers.pages import router as pages
    from lastro.modules.banking.transfers.webhook import router as webhook

    router = APIRouter()
    router.include_router(api)
    router.include_router(webhook)
    db = parts.db

    async def run_scheduled(payload: dict[str, Any]) -> None:
        del payload
        await tasks.run_scheduled(db)

    async def poll_pending(payload: dict[str, Any]) -> None:
        del payload
        await tasks.poll_pending(db)

    return ModuleSpec(
        name="banking.transfers",
        title="Transferências",
        router=router,
        pages=pages,
        jobs={
            "banking.transfers.run_scheduled": run_scheduled,
            "banking.transfers.poll_pending": poll_pending,
        },
        schedules=(
            Schedule(
                name="banking.transfers.run_scheduled",
                cron="* * * * *",
                job="banking.transfers.run_scheduled",
            ),
            Schedule(
                name="banking.transfers.poll_pending",
                cron="* * * * *",
                job="banking.transfers.poll_pending",
            ),
        ),
    )
