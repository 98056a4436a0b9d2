"""Cards (physical and virtual) on a banking account, the one-time codes that unlock their
full details, and processor authorisations with their ledger holds.

Only the BIN, the last four digits and an HMAC of the PAN are stored in the clear; PAN and CVV
are AES-GCM ciphertexts (see :mod:`lastro.modules.banking.cards.crypto`)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKeyConstraint, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from lastro.kit.orm import Base, Money, TenantScoped, Timestamps


class Card(TenantScoped, Timestamps, Base):
    """``status``: active, blocked (by the holder or staff; reversible), cancelled, lost
    (reported lost/stolen: permanently blocked and replaced by ``replaced_by_id``)."""

    __tablename__ = "banking_cards"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "account_id"],
            ["banking_accounts.tenant_id", "banking_accounts.id"],
            ondelete="RESTRICT",
        ),
        Index("uq_banking_cards_pan_hash", "tenant_id", "pan_hash", unique=True),
        Index("uq_banking_cards_token", "tenant_id", "token", unique=True),
        Index("ix_banking_cards_account", "tenant_id", "account_id"),
        Index("ix_banking_cards_key", "key_id"),
    )

    account_id: Mapped[uuid.UUID]
    kind: Mapped[str] = mapped_column(String(10))  # physical | virtual
    status: Mapped[str] = mapped_column(String(12), default="active")
    status_reason: Mapped[str | None] = mapped_column(String(300), default=None)
    brand: Mapped[str] = mapped_column(String(12))
    bin: Mapped[str] = mapped_column(String(8))
    last4: Mapped[str] = mapped_column(String(4))
    pan_hash: Mapped[str] = mapped_column(String(64))
    pan_encrypted: Mapped[str] = mapped_column(String(200))
    cvv_encrypted: Mapped[str] = mapped_column(String(200))
    key_id: Mapped[str] = mapped_column(String(40))
    token: Mapped[str] = mapped_column(String(40))
    holder_name: Mapped[str] = mapped_column(String(26))
    nickname: Mapped[str | None] = mapped_column(String(60), default=None)
    exp_month: Mapped[int] = mapped_column(Integer)
    exp_year: Mapped[int] = mapped_column(Integer)
    valid_until: Mapped[date] = mapped_column(Date)
    daily_limit: Mapped[Decimal] = mapped_column(Money())
    monthly_limit: Mapped[Decimal] = mapped_column(Money())
    replaced_by_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    replaces_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    issued_at: Mapped[datetime]


class CardVerification(TenantScoped, Base):
    """A one-time code to see a card's full details: only its hash is kept; single use,
    short-lived, a few attempts."""

    __tablename__ = "banking_card_verifications"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "card_id"],
            ["banking_cards.tenant_id", "banking_cards.id"],
            ondelete="CASCADE",
        ),
        Index("ix_banking_card_verifications_card", "tenant_id", "card_id", "user_id"),
    )

    card_id: Mapped[uuid.UUID]
    user_id: Mapped[uuid.UUID]
    code_hash: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None] = mapped_column(default=None)
    attempts: Mapped[int] = mapped_column(Integer, default=0)


class CardAuthorization(TenantScoped, Base):
    """One processor authorisation. ``status``: approved (amount held), captured, reversed,
    declined (``decline_reason`` says why), expired (the hold lapsed uncaptured)."""

    __tablename__ = "banking_card_authorizations"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "card_id"],
            ["banking_cards.tenant_id", "banking_cards.id"],
            ondelete="RESTRICT",
        ),
        Index("uq_banking_card_authorizations_ref", "tenant_id", "processor_ref", unique=True),
        Index("ix_banking_card_authorizations_card", "tenant_id", "card_id", "local_date"),
        Index("ix_banking_card_authorizations_account", "tenant_id", "account_id", "created_at"),
    )

    card_id: Mapped[uuid.UUID]
    account_id: Mapped[uuid.UUID]
    processor_ref: Mapped[str] = mapped_column(String(64))
    amount: Mapped[Decimal] = mapped_column(Money())
    currency: Mapped[str] = mapped_column(String(3), default="BRL")
    merchant_name: Mapped[str] = mapped_column(String(100))
    merchant_city: Mapped[str | None] = mapped_column(String(60), default=None)
    mcc: Mapped[str] = mapped_column(String(4))
    category: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10))
    decline_reason: Mapped[str | None] = mapped_column(String(40), default=None)
    hold_entry_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    capture_entry_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    reversal_entry_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    captured_amount: Mapped[Decimal | None] = mapped_column(Money(), default=None)
    local_date: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime]
    captured_at: Mapped[datetime | None] = mapped_column(default=None)
    reversed_at: Mapped[datetime | None] = mapped_column(default=None)
