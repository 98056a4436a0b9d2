"""The one interface modules and services call to tell people things.

``notify`` records the notification in the caller's transaction (so it is sent only if the
change that caused it commits) and the delivery happens in the background, per channel.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from lastro.core.notifications import service
from lastro.core.notifications.service import CHANNELS

__all__ = [
    "CHANNELS",
    "DefaultTemplate",
    "Recipient",
    "default_templates",
    "notify",
    "notify_admins",
    "register_template",
]


@dataclass(frozen=True)
class Recipient:
    """Who receives it: a user of the bound tenant (``user_id``) and/or raw addresses for
    people who are not users (a consorciado, a chat contact)."""

    user_id: uuid.UUID | None = None
    email: str | None = None
    phone: str | None = None
    name: str | None = None


@dataclass(frozen=True)
class DefaultTemplate:
    """A template shipped in code; tenants may override it per locale."""

    key: str
    subject: str
    body: str
    html: str | None = None
    description: str = ""
    legal: bool = False


_DEFAULTS: dict[str, DefaultTemplate] = {}


def register_template(template: DefaultTemplate) -> DefaultTemplate:
    """Declare a default template (at import time, by the module or service that sends it)."""
    _DEFAULTS[template.key] = template
    return template


def default_templates() -> Mapping[str, DefaultTemplate]:
    return _DEFAULTS


async def notify(
    session: AsyncSession,
    recipient: Recipient,
    template: str,
    data: Mapping[str, Any],
    channels: Sequence[str] | None = None,
    *,
    legal: bool = False,
    send_at: datetime | None = None,
) -> uuid.UUID:
    """Queue ``template`` rendered with ``data`` for ``recipient`` on ``channels`` (the
    recipient's preferences when None). ``legal`` notices ignore opt-outs. Returns the id of
    the notification.

    The session must be bound to the recipient's tenant. Opted-out and address-less channels
    are logged as cancelled deliveries; ``send_at`` in the future waits for the scheduler."""
    return await service.create_notification(
        session,
        user_id=recipient.user_id,
        email=recipient.email,
        phone=recipient.phone,
        name=recipient.name,
        template=template,
        data=data,
        channels=channels,
        legal=legal,
        send_at=send_at,
    )


async def notify_admins(
    session: AsyncSession,
    template: str,
    data: Mapping[str, Any],
    channels: Sequence[str] | None = None,
    *,
    legal: bool = False,
) -> list[uuid.UUID]:
    """``notify`` every active admin of the bound tenant."""
    return [
        await notify(session, Recipient(user_id=user_id), template, data, channels, legal=legal)
        for user_id in await service.admin_ids(session)
    ]
