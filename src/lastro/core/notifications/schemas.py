"""Request and response models of ``/api/v1/notifications``."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from lastro.kit.schemas import ReadModel, WriteModel

Channel = Literal["email", "sms", "whatsapp", "in_app"]
Locale = Literal["pt-BR", "en", "es"]


class NotificationRead(ReadModel):
    id: uuid.UUID
    template_key: str
    category: str
    subject: str
    body: str
    created_at: datetime
    in_app_at: datetime | None
    read_at: datetime | None


class UnreadCount(ReadModel):
    unread: int


class Updated(ReadModel):
    updated: int


class PreferenceItem(WriteModel):
    category: str = Field(
        min_length=1,
        max_length=60,
        pattern=r"^(\*|[a-z0-9_]+)$",
        description="Categoria (primeira palavra da chave do modelo) ou * para todas",
    )
    channel: Channel
    enabled: bool | None = Field(description="null volta ao padrão")


class PreferencesUpdate(WriteModel):
    items: list[PreferenceItem] = Field(max_length=200)


class PreferenceRead(ReadModel):
    category: str
    channel: str
    enabled: bool


class PreferencesRead(ReadModel):
    channels: list[str]
    default_channels: list[str]
    categories: list[str]
    items: list[PreferenceRead]


class TemplateSource(WriteModel):
    subject: str = Field(min_length=1, max_length=300)
    body: str = Field(min_length=1, max_length=50_000)
    html: str | None = Field(default=None, max_length=50_000)


class TemplateVersionCreate(TemplateSource):
    key: str = Field(min_length=1, max_length=120)
    locale: Locale = "pt-BR"


class TemplateVersionRead(ReadModel):
    id: uuid.UUID
    key: str
    locale: str
    version: int
    subject: str
    body: str
    html: str | None
    is_active: bool
    created_by: uuid.UUID | None
    created_at: datetime


class TemplateInfo(ReadModel):
    key: str
    category: str
    description: str
    legal: bool
    subject: str
    body: str
    html: str | None
    active_versions: dict[str, int] = Field(
        description="Versão própria em uso por idioma (ausente = modelo padrão)"
    )


class PreviewRequest(WriteModel):
    key: str = Field(min_length=1, max_length=120)
    locale: Locale = "pt-BR"
    subject: str | None = Field(default=None, max_length=300)
    body: str | None = Field(default=None, max_length=50_000)
    html: str | None = Field(default=None, max_length=50_000)
    data: dict[str, Any] = Field(default_factory=dict)


class PreviewRead(ReadModel):
    subject: str
    body: str
    html: str | None
    email_html: str
    variables: list[str]
    sample_data: dict[str, Any]


class DeliveryRead(ReadModel):
    id: uuid.UUID
    notification_id: uuid.UUID
    channel: str
    address: str | None
    status: str
    attempts: int
    max_attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    provider: str | None
    provider_message_id: str | None
    request: dict[str, Any] | None
    resend_of: uuid.UUID | None
    created_at: datetime
    updated_at: datetime
    sent_at: datetime | None


class DeliveryDetail(DeliveryRead):
    template_key: str
    subject: str
    user_id: uuid.UUID | None
    send_at: datetime | None
