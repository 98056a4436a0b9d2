"""Notifications: one call (``notify``) delivered by e-mail, SMS, WhatsApp and in-app.

Owns ``notifications`` (what was said to whom), ``notification_deliveries`` (the delivery log,
one row per channel, retried with backoff), ``notification_templates`` (tenants' versioned
wording per locale over the defaults registered in code) and ``notification_preferences``
(per-person opt-outs; legal notices ignore them). Publishes ``core.notifications.queued`` to
itself through the outbox so delivery starts after the caller's commit; a job delivers, and a
cron sweep every minute sends scheduled notifications, retries and abandoned claims.
"""

from __future__ import annotations

import collections
import uuid
from pathlib import Path
from typing import Any

from lastro.core.modules import EventSubscription, ModuleSpec, ServiceParts
from lastro.core.notifications import lgpd_source as _lgpd_source  # noqa: F401 - registers
from lastro.core.notifications.api import (
    CHANNELS,
    DefaultTemplate,
    Recipient,
    default_templates,
    notify,
    notify_admins,
    register_template,
)

__all__ = [
    "CHANNELS",
    "DefaultTemplate",
    "Recipient",
    "build_spec",
    "default_templates",
    "notify",
    "notify_admins",
    "register_template",
]

DELIVER_JOB = "core.notifications.deliver"
SWEEP_JOB = "core.notifications.sweep"
TEMPLATES_DIR = Path(__file__).parent / "templates"

register_template(
    DefaultTemplate(
        key="notifications.welcome",
        subject="Bem-vindo(a) à central de notificações, {{ name or 'cliente' }}",
        body=(
            "Olá, {{ name or 'cliente' }}!\n\n"
            "Avisos importantes da {{ company or 'empresa' }} aparecem aqui e, conforme suas "
            "preferências, por e-mail, SMS ou WhatsApp."
        ),
        description="Mensagem de boas-vindas da central de notificações",
    )
)


def build_spec(parts: ServiceParts) -> ModuleSpec:
    """This service's routes, jobs, schedules and event handlers, for the composition root."""
    # imported here: modules import ``notify`` from this package, and the web layer must not
    # be pulled in (or cycle) just for that
    from sqlalchemy.ext.asyncio import AsyncSession

    from lastro.core.notifications.config import from_settings
    from lastro.core.notifications.delivery import Deliverer
    from lastro.core.notifications.endpoints import build_router
    from lastro.core.notifications.events import NotificationQueued
    from lastro.core.notifications.live import build_hub
    from lastro.core.notifications.pages import pages
    from lastro.infra.jobs import JobQueue, JobRegistry, Schedule
    from lastro.kit.events import Event

    settings = from_settings(parts.settings)
    hub = build_hub(settings.redis_url)
    # a registry holding only our jobs, so we can enqueue by name on the shared bus; the
    # runtime's worker runs them (they are also declared in ``jobs`` below)
    own_jobs = JobRegistry()
    queue = JobQueue(parts.bus, own_jobs)

    async def retry_soon(tenant_id: uuid.UUID, notification_id: uuid.UUID, delay: float) -> None:
        await queue.enqueue(
            DELIVER_JOB,
            {"tenant_id": str(tenant_id), "notification_id": str(notification_id)},
            delay=delay,
        )

    deliverer = Deliverer(parts.db, settings, hub, retry=retry_soon)

    async def deliver(payload: dict[str, Any]) -> None:
        await deliverer.deliver_notification(
            uuid.UUID(str(payload["tenant_id"])), uuid.UUID(str(payload["notification_id"]))
        )

    async def sweep(_payload: dict[str, Any]) -> None:
        await deliverer.sweep()

    own_jobs.register(DELIVER_JOB, deliver)
    own_jobs.register(SWEEP_JOB, sweep)

    async def on_queued(_session: AsyncSession, event: Event) -> None:
        notification_id = getattr(event, "notification_id", None) or event.payload().get(
            "notification_id"
        )
        if event.tenant_id is None or notification_id is None:
            return
        await queue.enqueue(
            DELIVER_JOB,
            {"tenant_id": str(event.tenant_id), "notification_id": str(notification_id)},
        )

    async def demo(runtime: Any) -> None:
        from lastro.core.notifications.demo import load_demo

        await load_demo(runtime, deliverer)

    spec = ModuleSpec(
        name="core.notifications",
        title="notifications",
        description="Notificações por e-mail, SMS, WhatsApp e no aplicativo.",
        router=build_router(hub),
        pages=pages,
        templates=TEMPLATES_DIR,
        permissions={
            "tenant_admin": {"notifications.read", "notifications.manage"},
            "manager": {"notifications.read"},
            "operator": {"notifications.read"},
            "agent": {"notifications.read"},
            "customer": {"notifications.read"},
        },
        event_handlers=(
            EventSubscription(
                "core.notifications.dispatch", (NotificationQueued.topic,), on_queued
            ),
        ),
        jobs={DELIVER_JOB: deliver, SWEEP_JOB: sweep},
        schedules=(Schedule(name=SWEEP_JOB, cron="* * * * *", job=SWEEP_JOB),),
        demo=demo,
        home_path="/notifications",
    )
    _built.append((spec, deliverer))
    return spec


# (spec, deliverer) of every runtime built in this process, newest last: tests and tools reach
# the deliverer of a runtime through ``deliverer_for``.
_built: collections.deque[tuple[ModuleSpec, Any]] = collections.deque(maxlen=16)


def deliverer_for(spec: ModuleSpec) -> Any:
    for built, deliverer in reversed(_built):
        if built is spec:
            return deliverer
    raise LookupError("this spec was not built by build_spec")
