"""The event types tenants may subscribe endpoints to.

Modules register their public events at import time; only registered topics are delivered, so
an internal event never leaks to a tenant's endpoint by accident. Pass the event class (it must
be registered with :func:`lastro.kit.events.register_event` so its fields survive the bus).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from lastro.kit.events import Event, register_event

TEST_EVENT = "webhook.test"
ALL_EVENTS = "*"


@dataclass(frozen=True)
class WebhookEventType:
    topic: str
    description: str


_TYPES: dict[str, WebhookEventType] = {}


def register_webhook_event(topic: str | type[Event], description: str) -> WebhookEventType:
    if isinstance(topic, type):
        register_event(topic)
        topic = topic.topic
    if topic in (TEST_EVENT, ALL_EVENTS) or not topic or topic == Event.topic:
        raise ValueError(f"reserved or empty webhook event type {topic!r}")
    entry = WebhookEventType(topic, description)
    _TYPES[topic] = entry
    return entry


def webhook_event_types() -> Mapping[str, WebhookEventType]:
    return _TYPES


def subscribed(event_types: list[str], topic: str) -> bool:
    return ALL_EVENTS in event_types or topic in event_types
