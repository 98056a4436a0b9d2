"""Domain events: past-tense facts, serialisable, delivered at least once after commit."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from lastro.kit.clock import utcnow
from lastro.kit.ids import new_id


class Event(BaseModel):
    """Base of every event; subclasses set ``topic`` (``<module>.<noun>.<past-verb>``)."""

    model_config = ConfigDict(frozen=True)

    topic: ClassVar[str] = "event"
    event_id: uuid.UUID = Field(default_factory=new_id)
    occurred_at: datetime = Field(default_factory=utcnow)
    tenant_id: uuid.UUID | None = None

    def payload(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


_REGISTRY: dict[str, type[Event]] = {}


def register_event(cls: type[Event]) -> type[Event]:
    """Class decorator: lets consumers turn a topic back into its typed event."""
    _REGISTRY[cls.topic] = cls
    return cls


def event_class(topic: str) -> type[Event] | None:
    return _REGISTRY.get(topic)
