"""Outbound webhooks: tenants subscribe endpoints to event types, signed and retried.

Modules publish events through the outbox and declare which are public with
:func:`register_webhook_event`; this service fans each one out to the tenant's subscribed
endpoints and delivers it in the background (HMAC-SHA256 signatures, exponential backoff with
jitter, every attempt logged, replay, endpoints failing for days disabled with a notice).
Receivers verify with :func:`verify_signature`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from lastro.core.modules import EventSubscription, ModuleSpec, ServiceParts
from lastro.core.webhooks.policy import WebhookPolicy
from lastro.core.webhooks.registry import register_webhook_event, webhook_event_types
from lastro.core.webhooks.signing import SignatureError, verify_signature
from lastro.infra.jobs import Schedule
from lastro.kit.events import Event

__all__ = ["SignatureError", "build_spec", "register_webhook_event", "verify_signature"]

DISABLE_JOB = "core.webhooks.disable_failing"
MAX_ROUNDS = 20


def build_spec(parts: ServiceParts) -> ModuleSpec:
    """This service's routes, jobs, schedules and event handlers, for the composition root."""
    from lastro.core.webhooks import delivery, endpoints, service
    from lastro.core.webhooks.kick import DELIVER_JOB, kick_after_commit

    policy = WebhookPolicy.from_settings(parts.settings)

    async def on_event(session: AsyncSession, evt: Event) -> None:
        if await service.fan_out(session, evt):
            kick_after_commit(session, parts.bus)

    async def deliver(_payload: dict[str, Any]) -> None:
        for _ in range(MAX_ROUNDS):
            if await delivery.deliver_due(parts.db, policy) < policy.batch:
                return

    async def disable(_payload: dict[str, Any]) -> None:
        await delivery.disable_failing(parts.db, policy)

    # Only registered (public) topics; modules register at import, before this runs.
    topics = tuple(sorted(webhook_event_types()))
    return ModuleSpec(
        name="core.webhooks",
        title="Webhooks",
        description="Entrega de eventos a sistemas dos clientes.",
        router=endpoints.router,
        permissions={"tenant_admin": ["webhooks.manage"]},
        event_handlers=(EventSubscription("core.webhooks.fan_out", topics, on_event),)
        if topics
        else (),
        jobs={DELIVER_JOB: deliver, DISABLE_JOB: disable},
        schedules=(
            Schedule(name="core.webhooks.deliver", cron="* * * * * */10", job=DELIVER_JOB),
            Schedule(name="core.webhooks.disable_failing", cron="H * * * *", job=DISABLE_JOB),
        ),
    )
