"""Use cases behind ``notify``: pick the template (the tenant's newest active version, else the
code default), render it, decide the channels from the person's preferences, and write the
notification with one delivery row per channel in the caller's transaction."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lastro.core.auth.models import User
from lastro.core.notifications.events import NotificationQueued
from lastro.core.notifications.models import (
    CANCELLED,
    QUEUED,
    Delivery,
    Notification,
    Preference,
    TemplateVersion,
)
from lastro.core.notifications.rendering import Rendered, TemplateInvalid, render
from lastro.infra.database import bound_tenant
from lastro.infra.outbox import publish
from lastro.kit.clock import ensure_utc, utcnow

log = logging.getLogger(__name__)

CHANNELS = ("email", "sms", "whatsapp", "in_app")
# Channels used when the caller names none and the person chose nothing: the cheap, quiet ones.
DEFAULT_CHANNELS = frozenset({"email", "in_app"})
DEFAULT_LOCALE = "pt-BR"
LOCALES = ("pt-BR", "en", "es")
ALL_CATEGORIES = "*"
_PHONE_DIGITS = re.compile(r"\D+")


def category_of(key: str) -> str:
    """Preferences are per category: the template key's first word (``billing.invoice_due``)."""
    return key.split(".", 1)[0]


def pick_locale(data: Mapping[str, Any]) -> str:
    """Callers who know the recipient's language pass it as ``data["locale"]``."""
    wanted = data.get("locale")
    return wanted if isinstance(wanted, str) and wanted in LOCALES else DEFAULT_LOCALE


def normalise_phone(raw: str | None) -> str | None:
    """E.164 (``+5511987654321``); Brazilian numbers without the country code get ``+55``."""
    if not raw:
        return None
    digits = _PHONE_DIGITS.sub("", raw)
    if not raw.strip().startswith("+") and len(digits) in (10, 11):
        digits = "55" + digits
    if not 10 <= len(digits) <= 15:
        return None
    return "+" + digits


def jsonable(data: Mapping[str, Any]) -> dict[str, Any]:
    """What is stored: Decimals and dates as strings (exactly, never through float)."""
    result: dict[str, Any] = orjson.loads(orjson.dumps(dict(data), default=str))
    return result


async def active_override(session: AsyncSession, key: str, locale: str) -> TemplateVersion | None:
    return await session.scalar(
        select(TemplateVersion)
        .where(
            TemplateVersion.key == key,
            TemplateVersion.locale == locale,
            TemplateVersion.is_active.is_(True),
        )
        .order_by(TemplateVersion.version.desc())
        .limit(1)
    )


async def render_for_tenant(
    session: AsyncSession, key: str, locale: str, data: Mapping[str, Any]
) -> tuple[Rendered, int]:
    """The tenant's active wording for ``locale`` when it renders, else the code default.
    Returns the rendering and the version used (0 = default)."""
    from lastro.core.notifications.api import default_templates

    default = default_templates().get(key)
    if default is None:
        raise ValueError(f"unknown notification template {key!r}: register_template it first")
    override = await active_override(session, key, locale)
    if override is not None:
        try:
            return render(override.subject, override.body, override.html, data), override.version
        except TemplateInvalid:
            log.warning(
                "tenant template failed to render; using the default",
                extra={"template": key, "locale": locale, "version": override.version},
            )
    return render(default.subject, default.body, default.html, data), 0


async def preferences_of(
    session: AsyncSession, user_id: uuid.UUID, category: str
) -> dict[str, bool]:
    """Channel -> enabled for ``category``; a category choice beats the all-categories one."""
    rows = (
        await session.scalars(
            select(Preference).where(
                Preference.user_id == user_id,
                Preference.category.in_((category, ALL_CATEGORIES)),
            )
        )
    ).all()
    chosen: dict[str, bool] = {}
    for row in sorted(rows, key=lambda r: r.category != ALL_CATEGORIES):
        chosen[row.channel] = row.enabled  # the specific category comes last and wins
    return chosen


async def create_notification(
    session: AsyncSession,
    *,
    user_id: uuid.UUID | None,
    email: str | None,
    phone: str | None,
    name: str | None,
    template: str,
    data: Mapping[str, Any],
    channels: Sequence[str] | None,
    legal: bool,
    send_at: datetime | None,
) -> uuid.UUID:
    from lastro.core.notifications.api import default_templates

    if bound_tenant(session) is None:
        raise RuntimeError("notify needs a session bound to the recipient's tenant")
    default = default_templates().get(template)
    if default is None:
        raise ValueError(f"unknown notification template {template!r}: register_template it first")
    if channels is not None:
        unknown = [c for c in channels if c not in CHANNELS]
        if unknown:
            raise ValueError(f"unknown notification channels: {', '.join(unknown)}")
    user: User | None = None
    if user_id is not None:
        user = await session.scalar(select(User).where(User.id == user_id))
        if user is None:
            raise ValueError(f"user {user_id} is not a user of the bound tenant")
    locale = pick_locale(data)
    rendered, version = await render_for_tenant(session, template, locale, data)
    is_legal = legal or default.legal
    category = category_of(template)
    now = utcnow()
    due = ensure_utc(send_at) if send_at is not None else now
    notification = Notification(
        user_id=user_id,
        recipient_email=email or (user.email if user else None),
        recipient_phone=normalise_phone(phone),
        recipient_name=name or (user.name if user else None),
        template_key=template,
        template_version=version,
        category=category,
        locale=locale,
        legal=is_legal,
        data=jsonable(data),
        subject=rendered.subject,
        body=rendered.body,
        html=rendered.html,
        send_at=send_at and due,
        created_at=now,
    )
    session.add(notification)
    await session.flush()
    prefs = await preferences_of(session, user_id, category) if user_id else {}
    explicit = channels is not None
    queued = 0
    for channel in dict.fromkeys(channels if channels is not None else CHANNELS):
        choice = prefs.get(channel)
        if not (explicit or channel in DEFAULT_CHANNELS or choice is True):
            continue
        address = _address(channel, notification)
        reason: str | None = None
        if choice is False and not is_legal:
            reason = "Destinatário optou por não receber por este canal."
        elif channel == "in_app" and user_id is None:
            reason = "Notificação no aplicativo exige um usuário."
        elif channel != "in_app" and address is None:
            if not explicit:
                continue
            reason = _missing_address(channel, phone)
        session.add(
            Delivery(
                notification_id=notification.id,
                channel=channel,
                address=address,
                status=CANCELLED if reason else QUEUED,
                last_error=reason,
                next_attempt_at=None if reason else due,
                created_at=now,
                updated_at=now,
            )
        )
        queued += reason is None
    await session.flush()
    if queued and due <= now:
        publish(
            session,
            NotificationQueued(tenant_id=bound_tenant(session), notification_id=notification.id),
        )
    return notification.id


def _address(channel: str, notification: Notification) -> str | None:
    if channel == "email":
        return notification.recipient_email
    if channel in ("sms", "whatsapp"):
        return notification.recipient_phone
    return None


def _missing_address(channel: str, raw_phone: str | None) -> str:
    if channel == "email":
        return "Destinatário sem e-mail."
    if raw_phone:
        return "Telefone do destinatário inválido."
    return "Destinatário sem telefone."


async def admin_ids(session: AsyncSession) -> list[uuid.UUID]:
    rows = await session.scalars(
        select(User.id)
        .where(User.role == "tenant_admin", User.is_active.is_(True))
        .order_by(User.created_at)
    )
    return list(rows)
