"""Sending deliveries: claim due rows, POST them signed, log each attempt, schedule retries.

No transaction is open during HTTP calls: a claim moves ``next_attempt_at`` forward by a lease
(so a crashed worker's deliveries come back) and commits; results are recorded afterwards.
Several workers may run at once: PostgreSQL claims with ``SKIP LOCKED``, SQLite serialises.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx
import orjson
from sqlalchemy import and_, select

from lastro.core.audit.service import record as audit
from lastro.core.notifications.api import DefaultTemplate, notify_admins, register_template
from lastro.core.webhooks import crypto
from lastro.core.webhooks.errors import InvalidWebhookUrl
from lastro.core.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from lastro.core.webhooks.policy import WebhookPolicy
from lastro.core.webhooks.signing import SIGNATURE_HEADER, signature_header
from lastro.core.webhooks.urls import check_destination
from lastro.infra.database import Database
from lastro.kit.clock import utcnow

log = logging.getLogger(__name__)

USER_AGENT = "Lastro-Webhooks/1"
DISABLED_TEMPLATE = register_template(
    DefaultTemplate(
        key="webhooks.endpoint_disabled",
        subject="Webhook desativado: {{ url }}",
        body=(
            "O endpoint de webhook {{ url }} falhou continuamente desde {{ failing_since }} e "
            "foi desativado em {{ disabled_at }}. Corrija o receptor e reative o endpoint; as "
            "entregas pendentes podem ser reenviadas pelo painel ou pela API."
        ),
        description="Endpoint de webhook desativado após falhas contínuas",
        legal=True,
    )
)


@dataclass(frozen=True)
class Outgoing:
    tenant_id: uuid.UUID
    delivery_id: uuid.UUID
    endpoint_id: uuid.UUID
    number: int
    url: str
    body: bytes
    headers: dict[str, str]
    secrets: tuple[str, ...] = field(repr=False)


@dataclass(frozen=True)
class Outcome:
    outgoing: Outgoing
    started_at: datetime
    duration_ms: int
    status_code: int | None = None
    response_body: str | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def body_of(delivery: WebhookDelivery) -> bytes:
    return orjson.dumps(delivery.payload, option=orjson.OPT_SORT_KEYS)


def signing_secrets(policy: WebhookPolicy, ep: WebhookEndpoint, now: datetime) -> tuple[str, ...]:
    current = crypto.decrypt(policy.secret_key, ep.secret_ciphertext)
    previous = ep.previous_secret_ciphertext
    expires = ep.previous_secret_expires_at
    if previous and expires is not None and expires > now:
        return current, crypto.decrypt(policy.secret_key, previous)
    return (current,)


async def claim_due(db: Database, policy: WebhookPolicy, now: datetime) -> list[Outgoing]:
    lease = timedelta(seconds=policy.timeout_seconds * 3 + 60)
    stmt = (
        select(WebhookDelivery, WebhookEndpoint)
        .join(
            WebhookEndpoint,
            and_(
                WebhookEndpoint.tenant_id == WebhookDelivery.tenant_id,
                WebhookEndpoint.id == WebhookDelivery.endpoint_id,
            ),
        )
        .where(
            WebhookDelivery.status == "pending",
            WebhookDelivery.next_attempt_at <= now,
            WebhookEndpoint.is_active.is_(True),
        )
        .order_by(WebhookDelivery.next_attempt_at)
        .limit(policy.batch)
    )
    if db.dialect == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True, of=WebhookDelivery)
    claimed: list[Outgoing] = []
    async with db.unit_of_work(platform=True) as session:
        for delivery, ep in (await session.execute(stmt)).all():
            delivery.attempts += 1
            delivery.next_attempt_at = now + lease
            headers = {
                "Content-Type": "application/json",
                "User-Agent": USER_AGENT,
                "Lastro-Event": delivery.event_type,
                "Lastro-Event-Id": str(delivery.event_id),
                "Lastro-Delivery": str(delivery.id),
                "Lastro-Attempt": str(delivery.attempts),
            }
            claimed.append(
                Outgoing(
                    tenant_id=delivery.tenant_id,
                    delivery_id=delivery.id,
                    endpoint_id=ep.id,
                    number=delivery.attempts,
                    url=ep.url,
                    body=body_of(delivery),
                    headers=headers,
                    secrets=signing_secrets(policy, ep, now),
                )
            )
    return claimed


async def send(client: httpx.AsyncClient, out: Outgoing, policy: WebhookPolicy) -> Outcome:
    started_at = utcnow()
    clock = time.perf_counter()

    def done(**kw: object) -> Outcome:
        elapsed = int((time.perf_counter() - clock) * 1000)
        return Outcome(out, started_at, elapsed, **kw)  # type: ignore[arg-type]

    try:
        await check_destination(out.url, production=policy.production)
    except InvalidWebhookUrl as exc:
        return done(error=exc.detail[:500])
    headers = {**out.headers, SIGNATURE_HEADER: signature_header(out.secrets, out.body)}
    try:
        async with client.stream("POST", out.url, content=out.body, headers=headers) as response:
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                chunks.append(chunk)
                size += len(chunk)
                if size >= policy.response_max_bytes:
                    break
            text = b"".join(chunks)[: policy.response_max_bytes].decode("utf-8", "replace")
            return done(status_code=response.status_code, response_body=text or None)
    except httpx.TimeoutException:
        return done(error=f"tempo esgotado após {policy.timeout_seconds:g} s")
    except httpx.HTTPError as exc:
        return done(error=f"{type(exc).__name__}: {exc}"[:500])


async def record(
    db: Database, policy: WebhookPolicy, outcomes: list[Outcome], now: datetime
) -> set[uuid.UUID]:
    """Log the attempts and move each delivery on; returns endpoints that failed now."""
    failed: set[uuid.UUID] = set()
    async with db.unit_of_work(platform=True) as session:
        for o in sorted(outcomes, key=lambda x: x.started_at):
            out = o.outgoing
            delivery = await session.get(WebhookDelivery, (out.tenant_id, out.delivery_id))
            ep = await session.get(WebhookEndpoint, (out.tenant_id, out.endpoint_id))
            if delivery is None or ep is None:
                continue  # the endpoint was deleted meanwhile
            session.add(
                WebhookAttempt(
                    tenant_id=out.tenant_id,
                    delivery_id=out.delivery_id,
                    number=out.number,
                    started_at=o.started_at,
                    duration_ms=o.duration_ms,
                    status_code=o.status_code,
                    response_body=o.response_body,
                    error=o.error,
                )
            )
            delivery.last_status_code = o.status_code
            if o.ok:
                delivery.status, delivery.delivered_at = "succeeded", now
                delivery.next_attempt_at, delivery.last_error = None, None
                ep.failing_since, ep.last_success_at = None, now
                continue
            delivery.last_error = o.error or f"HTTP {o.status_code}"
            if delivery.attempts >= policy.max_attempts:
                delivery.status, delivery.next_attempt_at = "failed", None
            else:
                delay = policy.backoff(delivery.attempts)
                delivery.next_attempt_at = now + timedelta(seconds=delay)
            ep.failing_since = ep.failing_since or now
            ep.last_failure_at = now
            failed.add(ep.id)
    return failed


async def deliver_due(
    db: Database,
    policy: WebhookPolicy,
    *,
    now: datetime | None = None,
    client: httpx.AsyncClient | None = None,
) -> int:
    """One round: claim a batch of due deliveries, send them concurrently, record. Returns how
    many were attempted. ``now`` lets tests and tools act at another moment."""
    claimed = await claim_due(db, policy, now or utcnow())
    if not claimed:
        return 0
    gate = asyncio.Semaphore(policy.concurrency)
    own = client is None
    http = client or httpx.AsyncClient(
        timeout=httpx.Timeout(policy.timeout_seconds), follow_redirects=False
    )

    async def one(out: Outgoing) -> Outcome:
        async with gate:
            return await send(http, out, policy)

    try:
        outcomes = list(await asyncio.gather(*(one(o) for o in claimed)))
    finally:
        if own:
            await http.aclose()
    moment = now or utcnow()
    failing = await record(db, policy, outcomes, moment)
    if failing:
        await disable_failing(db, policy, now=moment, only=failing)
    return len(outcomes)


async def disable_failing(
    db: Database,
    policy: WebhookPolicy,
    *,
    now: datetime | None = None,
    only: set[uuid.UUID] | None = None,
) -> int:
    """Disable endpoints failing without a success for ``disable_after_days`` and tell the
    tenant's admins (legal notice: it stops their integration). Returns how many."""
    moment = now or utcnow()
    cutoff = moment - timedelta(days=policy.disable_after_days)
    stmt = select(WebhookEndpoint.tenant_id, WebhookEndpoint.id).where(
        WebhookEndpoint.is_active.is_(True), WebhookEndpoint.failing_since <= cutoff
    )
    if only is not None:
        stmt = stmt.where(WebhookEndpoint.id.in_(only))
    async with db.session(platform=True, readonly=True) as session:
        candidates = [(t, i) for t, i in (await session.execute(stmt)).all()]
    disabled = 0
    for tenant_id, endpoint_id in candidates:
        async with db.unit_of_work(tenant_id=tenant_id) as session:
            ep = await session.get(WebhookEndpoint, (tenant_id, endpoint_id))
            if ep is None or not ep.is_active or ep.failing_since is None:
                continue
            if ep.failing_since > cutoff:
                continue
            ep.is_active, ep.disabled_at = False, moment
            ep.disabled_reason = "Falhas contínuas nas entregas"
            audit(
                session,
                "webhook_endpoint.disabled",
                "webhook_endpoint",
                ep.id,
                after={"url": ep.url, "failing_since": ep.failing_since.isoformat()},
            )
            await notify_admins(
                session,
                DISABLED_TEMPLATE.key,
                {
                    "url": ep.url,
                    "endpoint_id": str(ep.id),
                    "failing_since": ep.failing_since.isoformat(),
                    "disabled_at": moment.isoformat(),
                },
                legal=True,
            )
            disabled += 1
            log.warning("webhook endpoint disabled", extra={"endpoint_id": str(ep.id)})
    return disabled
