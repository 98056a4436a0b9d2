"""Ledger tables: books, accounts, balance rows, entries and postings — all tenant-scoped.

Amounts are BIGINT minor units (see :mod:`lastro.core.ledger.domain`).

``ledger_balances`` holds one row per account and *shard*: an account without a balance limit
may have several shard rows (``hot`` accounts), each writer adding to a random one, so a
settlement account every entry touches does not serialise all writers; its balance is the sum.
An account with a limit has exactly one row, which writers lock. The row also carries the
account's ``closed`` flag and ``overdraft_limit``: a writer re-reads a row when it acquires its
lock, so whatever must be checked under that lock has to live on it (READ COMMITTED would
otherwise let a posting see an account as open after a concurrent close committed).

``ledger_entries`` and ``ledger_postings`` are append-only and carry no foreign keys, not even
to ``tenants``: on PostgreSQL each foreign key is a per-row trigger plus a KEY SHARE lock on the
referenced row, which cut batch throughput threefold in measurements and turns a hot account's
row into a multixact hot spot. The engine only writes postings to accounts whose balance rows
it holds locked, and ``lastro ledger verify`` checks for orphans.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKeyConstraint,
    Index,
    SmallInteger,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from lastro.core.platform import models as _platform  # noqa: F401 - the "tenants" FK target
from lastro.kit.clock import utcnow
from lastro.kit.orm import Base, TenantScoped


class Ledger(TenantScoped, Base):
    """A book: each module opens its own (one per consórcio group, one for bank accounts...)."""

    __tablename__ = "ledgers"
    __table_args__ = (UniqueConstraint("tenant_id", "code"),)

    code: Mapped[str] = mapped_column(String(80))
    name: Mapped[str] = mapped_column(String(200))
    module: Mapped[str] = mapped_column(String(40))
    owner_ref: Mapped[str | None] = mapped_column(String(80), default=None)
    currency: Mapped[str] = mapped_column(String(3), default="BRL")
    chart: Mapped[str | None] = mapped_column(String(80), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LedgerAccount(TenantScoped, Base):
    __tablename__ = "ledger_accounts"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "ledger_id"], ["ledgers.tenant_id", "ledgers.id"], ondelete="RESTRICT"
        ),
        UniqueConstraint("tenant_id", "ledger_id", "code"),
        Index("ix_ledger_accounts_owner", "tenant_id", "owner_ref"),
    )

    ledger_id: Mapped[uuid.UUID]
    code: Mapped[str] = mapped_column(String(80))
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(10))
    currency: Mapped[str] = mapped_column(String(3))
    owner_ref: Mapped[str | None] = mapped_column(String(80), default=None)
    # None: no limit; 0: debits may not exceed credits (or the mirror for debit-normal types).
    overdraft_limit: Mapped[int | None] = mapped_column(BigInteger, default=None)
    shards: Mapped[int] = mapped_column(SmallInteger, default=1)
    status: Mapped[str] = mapped_column(String(10), default="open")
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LedgerBalance(TenantScoped, Base):
    __tablename__ = "ledger_balances"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "account_id"],
            ["ledger_accounts.tenant_id", "ledger_accounts.id"],
            ondelete="RESTRICT",
        ),
        UniqueConstraint("tenant_id", "account_id", "shard"),
    )

    account_id: Mapped[uuid.UUID]
    shard: Mapped[int] = mapped_column(SmallInteger, default=0)
    debits_posted: Mapped[int] = mapped_column(BigInteger, default=0)
    credits_posted: Mapped[int] = mapped_column(BigInteger, default=0)
    debits_pending: Mapped[int] = mapped_column(BigInteger, default=0)
    credits_pending: Mapped[int] = mapped_column(BigInteger, default=0)
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    overdraft_limit: Mapped[int | None] = mapped_column(BigInteger, default=None)


class LedgerEntry(TenantScoped, Base):
    """Immutable: corrections are reversal entries; holds are resolved by a second entry."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        UniqueConstraint("tenant_id", "ledger_id", "idempotency_key"),
        Index(
            "uq_ledger_entries_pending",
            "tenant_id",
            "pending_id",
            unique=True,
            sqlite_where=text("pending_id IS NOT NULL"),
            postgresql_where=text("pending_id IS NOT NULL"),
        ),
        Index(
            "uq_ledger_entries_reverses",
            "tenant_id",
            "reverses_id",
            unique=True,
            sqlite_where=text("reverses_id IS NOT NULL"),
            postgresql_where=text("reverses_id IS NOT NULL"),
        ),
        Index(
            "ix_ledger_entries_expiring",
            "expires_at",
            sqlite_where=text("expires_at IS NOT NULL"),
            postgresql_where=text("expires_at IS NOT NULL"),
        ),
    )

    # No foreign key (see the module docstring); RLS and the tenancy guard still apply.
    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, sort_order=-20)
    # id: a UUIDv7 ending in a zero byte (engine.new_entry_id); also the id of its event.
    ledger_id: Mapped[uuid.UUID]
    kind: Mapped[str] = mapped_column(String(16))
    idempotency_key: Mapped[str] = mapped_column(String(200))
    fingerprint: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(String(500), default="")
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    effective_date: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    pending_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    reverses_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    expires_at: Mapped[datetime | None] = mapped_column(default=None)
    link_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    posting_count: Mapped[int] = mapped_column(SmallInteger)


class LedgerPosting(TenantScoped, Base):
    """One leg: ``amount`` > 0 is a debit, < 0 a credit; ``pending`` legs belong to holds.

    Leg ``i`` of an entry has id ``entry_id + i + 1`` (entry ids end in a zero byte), so the
    primary key finds an entry's legs and the largest table needs only one more index.
    """

    __tablename__ = "ledger_postings"
    __table_args__ = (
        Index(
            "ix_ledger_postings_account", "tenant_id", "account_id", "effective_date", "entry_id"
        ),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, sort_order=-20)
    entry_id: Mapped[uuid.UUID]
    account_id: Mapped[uuid.UUID]
    idx: Mapped[int] = mapped_column(SmallInteger)
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[int] = mapped_column(BigInteger)
    pending: Mapped[bool] = mapped_column(Boolean, default=False)
    effective_date: Mapped[date] = mapped_column(Date)
