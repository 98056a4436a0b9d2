"""Use cases of the webhooks service; take the session, flush, never commit."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lastro.core.audit.service import record as audit
from lastro.core.webhooks import crypto
from lastro.core.webhooks.errors import (
    DeliveryNotFound,
    EndpointDisabled,
    EndpointNotFound,
    UnknownEventType,
)
from lastro.core.webhooks.models import WebhookDelivery, WebhookEndpoint
from lastro.core.webhooks.policy import WebhookPolicy
from lastro.core.webhooks.registry import (
    ALL_EVENTS,
    TEST_EVENT,
    subscribed,
    webhook_event_types,
)
from lastro.core.webhooks.urls import check_destination
from lastro.kit.clock import utcnow
from lastro.kit.events import Event
from lastro.kit.ids import new_id

_ENVELOPE_KEYS = ("event_id", "occurred_at", "tenant_id")


def validate_event_types(event_types: list[str]) -> list[str]:
    known = webhook_event_types()
    unknown = sorted({t for t in event_types if t != ALL_EVENTS and t not in known})
    if unknown:
        raise UnknownEventType(
            f"Tipos de evento desconhecidos: {', '.join(unknown)}.", extra={"unknown": unknown}
        )
    return sorted(set(event_types))


async def get_endpoint(session: AsyncSession, endpoint_id: uuid.UUID) -> WebhookEndpoint:
    ep = await session.scalar(select(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id))
    if ep is None:
        raise EndpointNotFound("Endpoint de webhook não encontrado.")
    return ep


async def get_delivery(session: AsyncSession, delivery_id: uuid.UUID) -> WebhookDelivery:
    row = await session.scalar(select(WebhookDelivery).where(WebhookDelivery.id == delivery_id))
    if row is None:
        raise DeliveryNotFound("Entrega de webhook não encontrada.")
    return row


def _audit_view(ep: WebhookEndpoint) -> dict[str, Any]:
    return {
        "url": ep.url,
        "description": ep.description,
        "event_types": ep.event_types,
        "is_active": ep.is_active,
    }


async def create_endpoint(
    session: AsyncSession,
    policy: WebhookPolicy,
    *,
    url: str,
    event_types: list[str],
    description: str = "",
) -> tuple[WebhookEndpoint, str]:
    """The new endpoint and its secret, in plain text this once."""
    await check_destination(url, production=policy.production)
    secret = crypto.new_secret()
    ep = WebhookEndpoint(
        url=url,
        description=description,
        event_types=validate_event_types(event_types),
        secret_ciphertext=crypto.encrypt(policy.secret_key, secret),
        is_active=True,
    )
    session.add(ep)
    await session.flush()
    audit(session, "webhook_endpoint.created", "webhook_endpoint", ep.id, after=_audit_view(ep))
    return ep, secret


async def update_endpoint(
    session: AsyncSession, policy: WebhookPolicy, ep: WebhookEndpoint, changes: dict[str, Any]
) -> WebhookEndpoint:
    before = _audit_view(ep)
    if "url" in changes:
        await check_destination(changes["url"], production=policy.production)
        ep.url = changes["url"]
    if "event_types" in changes:
        ep.event_types = validate_event_types(changes["event_types"])
    if "description" in changes:
        ep.description = changes["description"]
    if "is_active" in changes and changes["is_active"] != ep.is_active:
        ep.is_active = bool(changes["is_active"])
        if ep.is_active:  # a fresh start: the failure clock restarts
            ep.disabled_at, ep.disabled_reason, ep.failing_since = None, None, None
        else:
            ep.disabled_at, ep.disabled_reason = utcnow(), "Desativado pelo cliente"
    await session.flush()
    audit(
        session,
        "webhook_endpoint.updated",
        "webhook_endpoint",
        ep.id,
        before=before,
        after=_audit_view(ep),
    )
    return ep


async def delete_endpoint(session: AsyncSession, ep: WebhookEndpoint) -> None:
    audit(session, "webhook_endpoint.deleted", "webhook_endpoint", ep.id, before=_audit_view(ep))
    await session.delete(ep)
    await session.flush()


async def rotate_secret(
    session: AsyncSession, policy: WebhookPolicy, ep: WebhookEndpoint, grace_hours: int
) -> str:
    """A new secret; the old one keeps signing (as a second ``v1``) for ``grace_hours`` so
    receivers can switch without losing deliveries."""
    secret = crypto.new_secret()
    if grace_hours > 0:
        ep.previous_secret_ciphertext = ep.secret_ciphertext
        ep.previous_secret_expires_at = utcnow() + timedelta(hours=grace_hours)
    else:
        ep.previous_secret_ciphertext, ep.previous_secret_expires_at = None, None
    ep.secret_ciphertext = crypto.encrypt(policy.secret_key, secret)
    await session.flush()
    audit(
        session,
        "webhook_endpoint.secret_rotated",
        "webhook_endpoint",
        ep.id,
        after={"grace_hours": grace_hours},
    )
    return secret


def envelope(
    event_id: uuid.UUID, topic: str, occurred_at: datetime, data: dict[str, Any]
) -> dict[str, Any]:
    """What receivers get: stable envelope, the event's own fields under ``data``."""
    return {
        "id": str(event_id),
        "type": topic,
        "created_at": occurred_at.isoformat(),
        "data": data,
    }


def _new_delivery(
    ep: WebhookEndpoint, event_id: uuid.UUID, topic: str, payload: dict[str, Any]
) -> WebhookDelivery:
    return WebhookDelivery(
        endpoint_id=ep.id,
        event_id=event_id,
        event_type=topic,
        payload=payload,
        status="pending",
        attempts=0,
        next_attempt_at=utcnow(),
    )


async def fan_out(session: AsyncSession, evt: Event) -> int:
    """One pending delivery per active endpoint of the event's tenant subscribed to its type
    (the session is bound to that tenant by the dispatcher)."""
    topic = evt.topic
    if evt.tenant_id is None or topic not in webhook_event_types():
        return 0
    data = {k: v for k, v in evt.payload().items() if k not in _ENVELOPE_KEYS}
    payload = envelope(evt.event_id, topic, evt.occurred_at, data)
    endpoints = await session.scalars(
        select(WebhookEndpoint).where(WebhookEndpoint.is_active.is_(True))
    )
    created = 0
    for ep in endpoints:
        if subscribed(ep.event_types, topic):
            session.add(_new_delivery(ep, evt.event_id, topic, payload))
            created += 1
    if created:
        await session.flush()
    return created


async def send_test(session: AsyncSession, ep: WebhookEndpoint) -> WebhookDelivery:
    if not ep.is_active:
        raise EndpointDisabled("Reative o endpoint antes de enviar um evento de teste.")
    event_id = new_id()
    payload = envelope(
        event_id, TEST_EVENT, utcnow(), {"message": "Evento de teste da Lastro.", "test": True}
    )
    delivery = _new_delivery(ep, event_id, TEST_EVENT, payload)
    session.add(delivery)
    await session.flush()
    return delivery


async def replay(session: AsyncSession, original: WebhookDelivery) -> WebhookDelivery:
    """Send ``original`` again as a new delivery (new ``Lastro-Delivery``, same event id)."""
    ep = await get_endpoint(session, original.endpoint_id)
    if not ep.is_active:
        raise EndpointDisabled("Reative o endpoint antes de reenviar entregas.")
    copy = _new_delivery(ep, original.event_id, original.event_type, original.payload)
    copy.replay_of = original.id
    session.add(copy)
    await session.flush()
    audit(
        session,
        "webhook_delivery.replayed",
        "webhook_delivery",
        original.id,
        after={"replay": str(copy.id)},
    )
    return copy
