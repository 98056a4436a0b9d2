"""LGPD data-subject requests (export, rectify, erase) across modules, and the consent register.

Owns ``lgpd_requests`` (every request with its 15-day deadline and outcome) and
``lgpd_consents`` (append-only consent history). Answers requests by asking every
:class:`~lastro.contracts.lgpd.DataSubjectSource` registered in ``lastro.contracts.lgpd``; the
core's own sources (user accounts, audit log, consents, request log, ledger) are registered
here. Publishes no events; every step is in the audit log. A daily job reminds each tenant's
admins of requests due within three days or overdue.
"""

from __future__ import annotations

from typing import Any

from lastro.core.modules import ModuleSpec, ServiceParts
from lastro.infra.jobs import Schedule


def build_spec(parts: ServiceParts) -> ModuleSpec:
    """This service's routes, jobs, schedules and event handlers, for the composition root."""
    # imported here: ``lastro.models`` imports this package's models (Alembic, the architecture
    # tests) and must not pull in the web layer and the notification service with them.
    from lastro.core.lgpd import models
    from lastro.core.lgpd.endpoints import PERMISSION, router
    from lastro.core.lgpd.reminders import REMINDER_CRON, REMINDER_JOB, send_deadline_reminders
    from lastro.core.lgpd.sources import register_core_sources

    register_core_sources()

    async def remind(_payload: dict[str, Any]) -> None:
        await send_deadline_reminders(parts.db)

    return ModuleSpec(
        name="core.lgpd",
        title="lgpd",
        description="Direitos dos titulares (LGPD) e registro de consentimentos",
        router=router,
        models=(models.DataSubjectRequest, models.Consent),
        permissions={"tenant_admin": (PERMISSION,)},
        jobs={REMINDER_JOB: remind},
        schedules=(Schedule(name=REMINDER_JOB, cron=REMINDER_CRON, job=REMINDER_JOB),),
    )
