"""Tables of the notifications service: what was said to whom (``notifications``), how each
channel carried it (``notification_deliveries``, the delivery log), the tenants' own wording
(``notification_templates``, versioned) and who does not want what (``notification_preferences``).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from lastro.kit.clock import utcnow
from lastro.kit.orm import Base, TenantScoped, Timestamps

# Delivery statuses. ``sending`` is a claim with a lease: a worker that dies mid-send leaves it,
# and the sweep takes it back once ``lease_until`` has passed.
QUEUED = "queued"
SENDING = "sending"
SENT = "sent"
FAILED = "failed"
CANCELLED = "cancelled"
STATUSES = (QUEUED, SENDING, SENT, FAILED, CANCELLED)


class Notification(TenantScoped, Base):
    """One call to ``notify``: the rendered message, kept as it was sent."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_inbox", "tenant_id", "user_id", "in_app_at"),
        Index("ix_notifications_unread", "tenant_id", "user_id", "read_at"),
    )

    user_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    recipient_email: Mapped[str | None] = mapped_column(String(254), default=None)
    recipient_phone: Mapped[str | None] = mapped_column(String(32), default=None)
    recipient_name: Mapped[str | None] = mapped_column(String(200), default=None)
    template_key: Mapped[str] = mapped_column(String(120))
    template_version: Mapped[int] = mapped_column(Integer, default=0)  # 0 = the code default
    category: Mapped[str] = mapped_column(String(60))
    locale: Mapped[str] = mapped_column(String(10))
    legal: Mapped[bool] = mapped_column(Boolean, default=False)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    html: Mapped[str | None] = mapped_column(Text, default=None)
    send_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # set when the in-app channel delivered it (it then shows in the person's centre)
    in_app_at: Mapped[datetime | None] = mapped_column(default=None)
    read_at: Mapped[datetime | None] = mapped_column(default=None)


class Delivery(TenantScoped, Base):
    """One channel of one notification: the delivery log row, retried with backoff."""

    __tablename__ = "notification_deliveries"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "notification_id"],
            ["notifications.tenant_id", "notifications.id"],
            ondelete="CASCADE",
        ),
        Index("ix_notification_deliveries_due", "status", "next_attempt_at"),
        Index("ix_notification_deliveries_notification", "tenant_id", "notification_id"),
    )

    notification_id: Mapped[uuid.UUID]
    channel: Mapped[str] = mapped_column(String(20))
    address: Mapped[str | None] = mapped_column(String(254), default=None)
    status: Mapped[str] = mapped_column(String(20), default=QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=5)
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=None)
    lease_until: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(String(1000), default=None)
    provider: Mapped[str | None] = mapped_column(String(40), default=None)
    provider_message_id: Mapped[str | None] = mapped_column(String(200), default=None)
    # what went to the provider (recipient, text, template), for the log and the sandbox
    request: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    resend_of: Mapped[uuid.UUID | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)


class TemplateVersion(TenantScoped, Base):
    """A tenant's wording of a registered template for one locale. Every edit is a new row
    (``version`` + 1); the newest active one is used, older ones stay as history."""

    __tablename__ = "notification_templates"
    __table_args__ = (
        Index(
            "uq_notification_templates_version",
            "tenant_id",
            "key",
            "locale",
            "version",
            unique=True,
        ),
    )

    key: Mapped[str] = mapped_column(String(120))
    locale: Mapped[str] = mapped_column(String(10))
    version: Mapped[int] = mapped_column(Integer)
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    html: Mapped[str | None] = mapped_column(Text, default=None)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[uuid.UUID | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Preference(TenantScoped, Timestamps, Base):
    """A person's choice for one category (``*`` = all) and channel. No row = the default."""

    __tablename__ = "notification_preferences"
    __table_args__ = (
        Index(
            "uq_notification_preferences_choice",
            "tenant_id",
            "user_id",
            "category",
            "channel",
            unique=True,
        ),
    )

    user_id: Mapped[uuid.UUID]
    category: Mapped[str] = mapped_column(String(60))
    channel: Mapped[str] = mapped_column(String(20))
    enabled: Mapped[bool] = mapped_column(Boolean)
