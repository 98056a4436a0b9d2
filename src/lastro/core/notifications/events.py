"""What this service publishes to itself through the outbox, so delivery starts only after the
caller's transaction committed."""

from __future__ import annotations

import uuid
from typing import ClassVar

from lastro.kit.events import Event, register_event


@register_event
class NotificationQueued(Event):
    """A notification has deliveries due now (scheduled ones wait for the sweep)."""

    topic: ClassVar[str] = "core.notifications.queued"
    notification_id: uuid.UUID
