"""Request and response models of the webhooks API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from lastro.kit.schemas import ReadModel, WriteModel


class EndpointCreate(WriteModel):
    url: str = Field(min_length=8, max_length=2000)
    event_types: list[str] = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=200)


class EndpointUpdate(WriteModel):
    url: str | None = Field(default=None, min_length=8, max_length=2000)
    event_types: list[str] | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=200)
    is_active: bool | None = None


class SecretRotate(WriteModel):
    grace_hours: int = Field(
        default=24, ge=0, le=168, description="Horas em que o segredo anterior ainda assina"
    )


class EndpointRead(ReadModel):
    id: uuid.UUID
    url: str
    description: str
    event_types: list[str]
    is_active: bool
    disabled_at: datetime | None
    disabled_reason: str | None
    failing_since: datetime | None
    last_success_at: datetime | None
    last_failure_at: datetime | None
    created_at: datetime
    updated_at: datetime


class EndpointWithSecret(EndpointRead):
    secret: str = Field(description="Mostrado somente agora; guarde-o em local seguro.")


class SecretRead(ReadModel):
    secret: str = Field(description="Mostrado somente agora; guarde-o em local seguro.")
    previous_secret_expires_at: datetime | None


class AttemptRead(ReadModel):
    number: int
    started_at: datetime
    duration_ms: int
    status_code: int | None
    response_body: str | None
    error: str | None


DeliveryStatus = Literal["pending", "succeeded", "failed"]


class DeliveryRead(ReadModel):
    id: uuid.UUID
    endpoint_id: uuid.UUID
    event_id: uuid.UUID
    event_type: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
    replay_of: uuid.UUID | None


class DeliveryDetail(DeliveryRead):
    payload: dict[str, Any]
    attempt_log: list[AttemptRead]


class EventTypeRead(ReadModel):
    type: str
    description: str
