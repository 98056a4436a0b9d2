"""Support tickets: the ticket, its messages (customer and staff), attachments (documents kept
by the core documents service) and the per-tenant, per-year numbering counter."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKeyConstraint, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lastro.kit.orm import Base, TenantScoped, Timestamps


class Ticket(TenantScoped, Timestamps, Base):
    __tablename__ = "banking_tickets"
    __table_args__ = (
        Index("uq_banking_tickets_number", "tenant_id", "number", unique=True),
        Index("ix_banking_tickets_status", "tenant_id", "status", "created_at"),
        Index("ix_banking_tickets_customer", "tenant_id", "customer_id", "created_at"),
    )

    number: Mapped[str] = mapped_column(String(20))
    customer_id: Mapped[uuid.UUID]  # the user who opened it (a tenant user)
    category: Mapped[str] = mapped_column(String(30))
    priority: Mapped[str] = mapped_column(String(10))
    subject: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="OPEN")
    assignee_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    resolved_at: Mapped[datetime | None] = mapped_column(default=None)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)


class TicketMessage(TenantScoped, Base):
    __tablename__ = "banking_ticket_messages"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "ticket_id"],
            ["banking_tickets.tenant_id", "banking_tickets.id"],
            ondelete="CASCADE",
        ),
        Index("ix_banking_ticket_messages_ticket", "tenant_id", "ticket_id", "created_at"),
    )

    ticket_id: Mapped[uuid.UUID]
    author_id: Mapped[uuid.UUID]
    author_kind: Mapped[str] = mapped_column(String(10))  # customer | staff
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class TicketAttachment(TenantScoped, Base):
    __tablename__ = "banking_ticket_attachments"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "ticket_id"],
            ["banking_tickets.tenant_id", "banking_tickets.id"],
            ondelete="CASCADE",
        ),
        Index(
            "uq_banking_ticket_attachments_doc",
            "tenant_id",
            "ticket_id",
            "document_id",
            unique=True,
        ),
    )

    ticket_id: Mapped[uuid.UUID]
    message_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    document_id: Mapped[uuid.UUID]
    name: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime]


class TicketCounter(TenantScoped, Base):
    """The last number given out per year; bumped with an atomic UPDATE ... RETURNING."""

    __tablename__ = "banking_ticket_counters"
    __table_args__ = (Index("uq_banking_ticket_counters_year", "tenant_id", "year", unique=True),)

    year: Mapped[int] = mapped_column(Integer)
    last_value: Mapped[int] = mapped_column(Integer, default=0)
