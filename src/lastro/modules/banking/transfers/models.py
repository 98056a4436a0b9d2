"""Transfers: outbound PIX / TED through the payment rail, P2P inside the bank, incoming PIX
from the webhook, PIX refunds (devoluções, MED). The money itself is in the ledger; a row here
is the order and its life cycle, pointing at its ledger entries."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKeyConstraint, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from lastro.kit.orm import Base, Money, TenantScoped, Timestamps

# status: scheduled → pending (hold at the rail) → completed | rejected;
#         scheduled → cancelled; med refunds: blocked → completed | released
STATUSES = (
    "scheduled",
    "pending",
    "completed",
    "rejected",
    "cancelled",
    "failed",
    "blocked",
    "released",
)
TYPES = ("pix", "ted", "p2p", "pix_refund")


class Transfer(TenantScoped, Timestamps, Base):
    __tablename__ = "banking_transfers"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "account_id"],
            ["banking_accounts.tenant_id", "banking_accounts.id"],
            ondelete="RESTRICT",
        ),
        ForeignKeyConstraint(
            ["tenant_id", "counterparty_account_id"],
            ["banking_accounts.tenant_id", "banking_accounts.id"],
            ondelete="RESTRICT",
        ),
        Index("uq_banking_transfers_e2e", "tenant_id", "end_to_end_id", unique=True),
        Index("ix_banking_transfers_account", "tenant_id", "account_id", "created_at"),
        Index("ix_banking_transfers_counterparty", "tenant_id", "counterparty_account_id"),
        Index("ix_banking_transfers_due", "tenant_id", "status", "scheduled_for"),
        Index("ix_banking_transfers_creator", "tenant_id", "created_by", "created_at"),
        Index("ix_banking_transfers_original", "tenant_id", "original_transfer_id"),
    )

    type: Mapped[str] = mapped_column(String(12))
    direction: Mapped[str] = mapped_column(String(4))  # out | in
    status: Mapped[str] = mapped_column(String(12))
    account_id: Mapped[uuid.UUID]
    counterparty_account_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    amount: Mapped[Decimal] = mapped_column(Money())
    fee: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0.00"))
    description: Mapped[str] = mapped_column(String(140), default="")
    counterparty: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    end_to_end_id: Mapped[str | None] = mapped_column(String(32), default=None)
    original_transfer_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    refunded_amount: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0.00"))
    med: Mapped[bool] = mapped_column(Boolean, default=False)
    scheduled_for: Mapped[datetime | None] = mapped_column(default=None)
    night: Mapped[bool] = mapped_column(Boolean, default=False)
    executed_at: Mapped[datetime | None] = mapped_column(default=None)
    settled_at: Mapped[datetime | None] = mapped_column(default=None)
    hold_entry_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    entry_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    rail: Mapped[str | None] = mapped_column(String(20), default=None)
    rail_ref: Mapped[str | None] = mapped_column(String(64), default=None)
    sandbox_outcome: Mapped[str | None] = mapped_column(String(12), default=None)
    failure_code: Mapped[str | None] = mapped_column(String(40), default=None)
    failure_reason: Mapped[str | None] = mapped_column(String(300), default=None)
    created_by: Mapped[uuid.UUID | None] = mapped_column(default=None)
