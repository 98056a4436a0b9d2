"""Sending what ``notify`` queued: claim a delivery (a short transaction), talk to the channel
with no transaction open (SMTP or an HTTP provider may take seconds, and SQLite would hold
its write lock all along), then record the outcome in another short transaction.

A failed attempt is retried with exponential backoff up to ``max_attempts``; permanent
failures (address refused, auth rejected) stop at once. A worker that dies mid-send leaves a
``sending`` claim whose lease runs out, and the every-minute sweep takes it back.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.engine import CursorResult

from lastro.core.notifications.config import NotificationSettings
from lastro.core.notifications.email import EmailSender, OutgoingEmail
from lastro.core.notifications.live import LiveHub
from lastro.core.notifications.models import (
    FAILED,
    QUEUED,
    SENDING,
    SENT,
    Delivery,
    Notification,
)
from lastro.core.notifications.providers import (
    DeliveryError,
    Provider,
    ProviderMessage,
    SendResult,
    WhatsAppTemplate,
    build_sms,
    build_whatsapp,
)
from lastro.core.platform.models import Tenant
from lastro.core.web.branding import Brand, brand_for
from lastro.infra.database import Database
from lastro.kit.clock import utcnow

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
SWEEP_CONCURRENCY = 8  # sends in flight per sweep (SMTP and HTTP wait on the network)
MAX_BACKOFF = timedelta(hours=6)
RetryHook = Callable[[uuid.UUID, uuid.UUID, float], Awaitable[None]]


def backoff(base_seconds: float, attempts: int) -> timedelta:
    """Wait before the next try after ``attempts`` failed ones: base × 4^(n−1), capped."""
    seconds = base_seconds * 4 ** max(attempts - 1, 0)
    return min(timedelta(seconds=seconds), MAX_BACKOFF)


@dataclass(frozen=True)
class _Claimed:
    delivery_id: uuid.UUID
    notification_id: uuid.UUID
    channel: str
    address: str | None
    attempts: int
    user_id: uuid.UUID | None
    recipient_name: str | None
    template_key: str
    data: dict[str, Any]
    subject: str
    body: str
    html: str | None
    locale: str
    brand: Brand


def in_app_event(notification: Notification) -> dict[str, Any]:
    """What a page receives when a notification arrives (also the centre's list item)."""
    return {
        "id": str(notification.id),
        "template": notification.template_key,
        "category": notification.category,
        "subject": notification.subject,
        "body": notification.body,
        "created_at": notification.created_at.isoformat(),
        "read_at": None,
    }


class Deliverer:
    """Runs deliveries for one process. ``retry`` (optional) schedules an early retry, e.g. by
    enqueueing a delayed job; the sweep catches anything it misses."""

    def __init__(
        self,
        db: Database,
        settings: NotificationSettings,
        hub: LiveHub,
        *,
        email: EmailSender | None = None,
        sms: Provider | None = None,
        whatsapp: Provider | None = None,
        retry: RetryHook | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.hub = hub
        self.email = email or EmailSender(settings)
        self.sms = sms or build_sms(settings)
        self.whatsapp = whatsapp or build_whatsapp(settings)
        self.retry = retry

    async def deliver_notification(
        self, tenant_id: uuid.UUID, notification_id: uuid.UUID, *, now: datetime | None = None
    ) -> int:
        """Attempt the due deliveries of one notification; returns how many were attempted."""
        now = now or utcnow()
        async with self.db.session(tenant_id=tenant_id, readonly=True) as session:
            ids = list(
                await session.scalars(
                    select(Delivery.id).where(
                        Delivery.notification_id == notification_id, _due(now)
                    )
                )
            )
        attempted = 0
        for delivery_id in ids:
            attempted += await self.process(tenant_id, delivery_id, now=now) is not None
        return attempted

    async def sweep(self, *, now: datetime | None = None, limit: int = 500) -> int:
        """Every tenant's due deliveries: scheduled sends, retries and abandoned claims."""
        now = now or utcnow()
        async with self.db.session(platform=True, readonly=True) as session:
            rows = (
                await session.execute(
                    select(Delivery.tenant_id, Delivery.id)
                    .where(_due(now))
                    .order_by(Delivery.next_attempt_at)
                    .limit(limit)
                )
            ).all()
        gate = asyncio.Semaphore(SWEEP_CONCURRENCY)

        async def one(tenant_id: uuid.UUID, delivery_id: uuid.UUID) -> bool:
            async with gate:
                try:
                    return await self.process(tenant_id, delivery_id, now=now) is not None
                except Exception:
                    log.exception(
                        "notification delivery crashed", extra={"delivery": str(delivery_id)}
                    )
                    return False

        done = await asyncio.gather(*(one(t, d) for t, d in rows))
        return sum(done)

    async def process(
        self, tenant_id: uuid.UUID, delivery_id: uuid.UUID, *, now: datetime | None = None
    ) -> str | None:
        """One attempt at one delivery; the resulting status, or None when it was not due or
        another worker has it."""
        now = now or utcnow()
        claimed = await self._claim(tenant_id, delivery_id, now)
        if claimed is None:
            return None
        if claimed.channel == "in_app":
            return await self._deliver_in_app(tenant_id, claimed, now)
        try:
            result = await self._send(claimed)
        except DeliveryError as exc:
            return await self._failed(tenant_id, claimed, str(exc), exc.permanent, now)
        except Exception as exc:
            log.exception("unexpected error sending a notification")
            return await self._failed(
                tenant_id, claimed, f"{type(exc).__name__}: {exc}", False, now
            )
        async with self.db.unit_of_work(tenant_id=tenant_id) as session:
            delivery = await session.scalar(select(Delivery).where(Delivery.id == delivery_id))
            if delivery is not None:
                delivery.status = SENT
                delivery.sent_at = utcnow()
                delivery.lease_until = None
                delivery.next_attempt_at = None
                delivery.last_error = None
                delivery.provider = result.provider
                delivery.provider_message_id = result.message_id
                delivery.request = result.request
        return SENT

    async def _claim(
        self, tenant_id: uuid.UUID, delivery_id: uuid.UUID, now: datetime
    ) -> _Claimed | None:
        async with self.db.unit_of_work(tenant_id=tenant_id) as session:
            result = await session.execute(
                update(Delivery)
                .where(Delivery.id == delivery_id, _due(now))
                .values(
                    status=SENDING,
                    lease_until=now + LEASE,
                    attempts=Delivery.attempts + 1,
                    max_attempts=self.settings.max_attempts,
                    updated_at=utcnow(),
                )
                .execution_options(synchronize_session=False)
            )
            if not isinstance(result, CursorResult) or result.rowcount != 1:
                return None
            row = (
                await session.execute(
                    select(Delivery, Notification)
                    .join(
                        Notification,
                        and_(
                            Notification.tenant_id == Delivery.tenant_id,
                            Notification.id == Delivery.notification_id,
                        ),
                    )
                    .where(Delivery.id == delivery_id)
                )
            ).one()
            delivery, notification = row
            tenant = await session.get(Tenant, tenant_id)
            brand = brand_for(tenant.name if tenant else None, tenant.branding if tenant else None)
            return _Claimed(
                delivery_id=delivery.id,
                notification_id=notification.id,
                channel=delivery.channel,
                address=delivery.address,
                attempts=delivery.attempts,
                user_id=notification.user_id,
                recipient_name=notification.recipient_name,
                template_key=notification.template_key,
                data=dict(notification.data or {}),
                subject=notification.subject,
                body=notification.body,
                html=notification.html,
                locale=notification.locale,
                brand=brand,
            )

    async def _send(self, claimed: _Claimed) -> SendResult:
        if not claimed.address:
            raise DeliveryError("Entrega sem endereço.", permanent=True)
        if claimed.channel == "email":
            return await self.email.send(
                OutgoingEmail(
                    to=claimed.address,
                    to_name=claimed.recipient_name,
                    subject=claimed.subject,
                    text=claimed.body,
                    html=claimed.html,
                    brand=claimed.brand,
                    locale=claimed.locale,
                    notification_id=str(claimed.notification_id),
                )
            )
        text = f"{claimed.brand.name}: {claimed.body}"
        if claimed.channel == "sms":
            return await self.sms.send(ProviderMessage(to=claimed.address, text=text))
        if claimed.channel == "whatsapp":
            return await self.whatsapp.send(
                ProviderMessage(to=claimed.address, text=text, template=self._wa_template(claimed))
            )
        raise DeliveryError(f"Canal desconhecido: {claimed.channel}.", permanent=True)

    def _wa_template(self, claimed: _Claimed) -> WhatsAppTemplate | None:
        spec = self.settings.whatsapp_templates.get(claimed.template_key)
        if not isinstance(spec, dict) or not spec.get("name"):
            return None
        params = tuple(str(claimed.data.get(str(k), "")) for k in spec.get("params") or ())
        return WhatsAppTemplate(str(spec["name"]), str(spec.get("language") or "pt_BR"), params)

    async def _deliver_in_app(self, tenant_id: uuid.UUID, claimed: _Claimed, now: datetime) -> str:
        async with self.db.unit_of_work(tenant_id=tenant_id) as session:
            delivery = await session.scalar(
                select(Delivery).where(Delivery.id == claimed.delivery_id)
            )
            notification = await session.scalar(
                select(Notification).where(Notification.id == claimed.notification_id)
            )
            if delivery is None or notification is None:
                return FAILED
            if notification.in_app_at is None:
                notification.in_app_at = now
            delivery.status = SENT
            delivery.sent_at = utcnow()
            delivery.lease_until = None
            delivery.next_attempt_at = None
            delivery.last_error = None
            delivery.provider = "in_app"
            event = in_app_event(notification)
        if claimed.user_id is not None:
            try:
                await self.hub.publish(
                    tenant_id, claimed.user_id, {"type": "notification", **event}
                )
            except Exception:  # the centre has it; only the live push is lost
                log.exception("could not push an in-app notification live")
        return SENT

    async def _failed(
        self,
        tenant_id: uuid.UUID,
        claimed: _Claimed,
        error: str,
        permanent: bool,
        now: datetime,
    ) -> str:
        final = permanent or claimed.attempts >= self.settings.max_attempts
        wait = backoff(self.settings.retry_base_seconds, claimed.attempts)
        async with self.db.unit_of_work(tenant_id=tenant_id) as session:
            delivery = await session.scalar(
                select(Delivery).where(Delivery.id == claimed.delivery_id)
            )
            if delivery is None:
                return FAILED
            delivery.last_error = error[:1000]
            delivery.lease_until = None
            delivery.status = FAILED if final else QUEUED
            delivery.next_attempt_at = None if final else now + wait
        log.warning(
            "notification delivery failed",
            extra={
                "delivery": str(claimed.delivery_id),
                "channel": claimed.channel,
                "attempt": claimed.attempts,
                "final": final,
                "error": error[:300],
            },
        )
        if not final and self.retry is not None:
            try:
                await self.retry(tenant_id, claimed.notification_id, wait.total_seconds())
            except Exception:
                log.exception("could not schedule the retry early; the sweep will")
        return FAILED if final else QUEUED


def _due(now: datetime) -> Any:
    return or_(
        and_(Delivery.status == QUEUED, Delivery.next_attempt_at <= now),
        and_(Delivery.status == SENDING, Delivery.lease_until < now),
    )
