"""Exports and reports: any list as CSV, XLSX or PDF, large ones in the background.

Owns the ``export_jobs`` and ``scheduled_reports`` tables. A list becomes exportable with
:func:`lastro.core.exports.registry.register_export`; the core registers ``users`` and
``audit``. Finished exports are documents (category ``exports``) reached by signed links;
scheduled reports are e-mailed through notifications (template ``exports.report_ready``).
"""

from __future__ import annotations

import uuid
from typing import Any

from lastro.core.modules import ModuleSpec, ServiceParts
from lastro.infra.jobs import JobQueue, JobRegistry, Schedule

PERMISSIONS = {
    "tenant_admin": ("exports.run", "reports.manage"),
    "manager": ("exports.run", "reports.manage"),
    "operator": ("exports.run",),
}
DEFAULT_DIRECT_MAX_ROWS = 50_000


def build_spec(parts: ServiceParts) -> ModuleSpec:
    """This service's routes, jobs, schedules and event handlers, for the composition root."""
    from lastro.core.documents.api import documents_for
    from lastro.core.exports import sources as _sources
    from lastro.core.exports.endpoints import build_router
    from lastro.core.exports.service import EXPIRE_JOB, RUN_JOB, TICK_JOB, Exporter

    del _sources  # registers the core's sources
    settings = parts.settings
    exporter = Exporter(
        db=parts.db,
        documents=documents_for(settings),
        public_url=getattr(settings, "public_url", None),
        base_domain=settings.base_domain,
    )

    async def run(payload: dict[str, Any]) -> None:
        await exporter.run(uuid.UUID(payload["tenant_id"]), uuid.UUID(payload["export_id"]))

    # The runtime's queue does not exist yet; any queue on the same bus reaches its workers.
    own = JobRegistry()
    own.register(RUN_JOB, run, max_attempts=3)
    queue = JobQueue(parts.bus, own)

    async def enqueue(tenant_id: uuid.UUID, export_id: uuid.UUID) -> None:
        await queue.enqueue(RUN_JOB, {"tenant_id": str(tenant_id), "export_id": str(export_id)})

    async def tick(_payload: dict[str, Any]) -> None:
        await exporter.tick(enqueue)

    async def expire(_payload: dict[str, Any]) -> None:
        await exporter.expire()

    direct = getattr(settings, "exports_direct_max_rows", None) or DEFAULT_DIRECT_MAX_ROWS
    return ModuleSpec(
        name="core.exports",
        title="exports",
        description="Exportação de listas em CSV, XLSX e PDF e relatórios agendados.",
        router=build_router(exporter.documents, enqueue, direct_max_rows=int(direct)),
        permissions=PERMISSIONS,
        jobs={RUN_JOB: run, TICK_JOB: tick, EXPIRE_JOB: expire},
        schedules=(
            Schedule(name=TICK_JOB, cron="* * * * *", job=TICK_JOB),
            Schedule(name=EXPIRE_JOB, cron="23 4 * * *", job=EXPIRE_JOB),
        ),
    )
