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

CHANNELS = ("email", "sms", "whatsapp", "in_app")


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
    the notification."""
    raise NotImplementedError


async def notify_admins(
    session: AsyncSession,
    template: str,
    data: Mapping[str, Any],
    channels: Sequence[str] | None = None,
    *,
    legal: bool = False,
) -> list[uuid.UUID]:
    """``notify`` every active admin of the bound tenant."""
    raise NotImplementedError
