"""The ledger's public data: what callers pass in and what they get back (never ORM objects).

Amounts are :class:`~decimal.Decimal` in currency units (``Decimal("10.50")`` reais) and always
positive; the side (debit or credit) says which way they move. Plain frozen dataclasses rather
than pydantic models: the batch path builds hundreds of thousands of them.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any, Literal, NamedTuple

Side = Literal["debit", "credit"]


class AccountType(StrEnum):
    """Asset and expense accounts grow with debits; the other three grow with credits."""

    ASSET = "asset"
    LIABILITY = "liability"
    EQUITY = "equity"
    REVENUE = "revenue"
    EXPENSE = "expense"

    @property
    def debit_normal(self) -> bool:
        return self in (AccountType.ASSET, AccountType.EXPENSE)


class EntryKind(StrEnum):
    POSTED = "posted"  # an ordinary entry: moves posted balances
    PENDING = "pending"  # a hold: moves pending balances only
    POST_PENDING = "post_pending"  # settles a hold, in full or for less
    VOID_PENDING = "void_pending"  # releases a hold
    EXPIRE_PENDING = "expire_pending"  # releases a hold whose timeout passed
    REVERSAL = "reversal"  # mirrors a posted entry, cancelling its effect


@dataclass(frozen=True, slots=True)
class Posting:
    """One leg of an entry: ``amount`` (positive) debited or credited to ``account_id``."""

    account_id: uuid.UUID
    amount: Decimal
    side: Side
    currency: str | None = None  # defaults to the account's; when given it must match

    @classmethod
    def debit(cls, account_id: uuid.UUID, amount: Decimal, currency: str | None = None) -> Posting:
        return cls(account_id, amount, "debit", currency)

    @classmethod
    def credit(cls, account_id: uuid.UUID, amount: Decimal, currency: str | None = None) -> Posting:
        return cls(account_id, amount, "credit", currency)


@dataclass(frozen=True, slots=True)
class EntryDraft:
    """An entry to post. ``idempotency_key`` is unique per ledger: posting the same draft twice
    returns the first entry; reusing the key for different legs is refused."""

    idempotency_key: str
    postings: Sequence[Posting]
    description: str = ""
    metadata: Mapping[str, Any] | None = None
    effective_date: date | None = None  # business date (America/Sao_Paulo); default today
    ledger_id: uuid.UUID | None = None  # default: the accounts' ledger; when given, enforced
    pending: bool = False  # a hold: reserves the amounts until posted, voided or expired
    expires_in: timedelta | None = None  # holds only: expires this long after posting
    expires_at: datetime | None = None  # holds only: or at this instant


class EntryResult(NamedTuple):
    """What an entry call returns; ``created`` is False when the key had already been applied.

    A named tuple (like :class:`BatchItem`): a batch makes one per entry, and frozen
    dataclasses cost several times more to build."""

    id: uuid.UUID
    ledger_id: uuid.UUID
    kind: EntryKind
    idempotency_key: str
    created: bool = True


@dataclass(frozen=True, slots=True)
class LedgerInfo:
    id: uuid.UUID
    code: str
    name: str
    module: str
    owner_ref: str | None
    currency: str
    chart: str | None


@dataclass(frozen=True, slots=True)
class AccountInfo:
    id: uuid.UUID
    ledger_id: uuid.UUID
    code: str
    name: str
    type: AccountType
    currency: str
    owner_ref: str | None
    overdraft_limit: Decimal | None  # None: no limit; 0: no overdraft
    hot: bool
    closed: bool


@dataclass(frozen=True, slots=True)
class Balance:
    """Debit and credit totals of one account; ``posted``/``available`` follow its normal side.

    ``available`` subtracts holds against the account (pending outflows), never adds pending
    inflows: a reservation is spendable only once it is posted.
    """

    account_id: uuid.UUID
    currency: str
    debit_normal: bool
    debits_posted: Decimal
    credits_posted: Decimal
    debits_pending: Decimal = Decimal(0)
    credits_pending: Decimal = Decimal(0)

    @property
    def posted(self) -> Decimal:
        net = self.debits_posted - self.credits_posted
        return net if self.debit_normal else -net

    @property
    def pending_out(self) -> Decimal:
        return self.credits_pending if self.debit_normal else self.debits_pending

    @property
    def pending_in(self) -> Decimal:
        return self.debits_pending if self.debit_normal else self.credits_pending

    @property
    def available(self) -> Decimal:
        return self.posted - self.pending_out


@dataclass(frozen=True, slots=True)
class PostingView:
    account_id: uuid.UUID
    side: Side
    amount: Decimal
    currency: str


@dataclass(frozen=True, slots=True)
class EntryView:
    id: uuid.UUID
    ledger_id: uuid.UUID
    kind: EntryKind
    idempotency_key: str
    description: str
    metadata: Mapping[str, Any]
    effective_date: date
    created_at: datetime
    postings: tuple[PostingView, ...]
    pending_id: uuid.UUID | None = None
    reverses_id: uuid.UUID | None = None
    expires_at: datetime | None = None
    link_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class StatementLine:
    entry_id: uuid.UUID
    effective_date: date
    description: str
    side: Side
    amount: Decimal
    balance: Decimal  # running posted balance on the account's normal side, after this line


@dataclass(frozen=True, slots=True)
class StatementPage:
    account_id: uuid.UUID
    currency: str
    opening_balance: Decimal  # balance before the first line of this page
    lines: tuple[StatementLine, ...]
    next_cursor: str | None  # pass back as ``cursor`` for the next page; None at the end


class BatchItem(NamedTuple):
    """Outcome of one entry of a batch: ``entry_id`` when applied (now or earlier), else error."""

    position: int  # of the entry in the batch (linked chains count each entry)
    idempotency_key: str
    entry_id: uuid.UUID | None
    created: bool
    error_code: str | None = None
    error_detail: str | None = None

    @property
    def ok(self) -> bool:
        return self.error_code is None


@dataclass(frozen=True, slots=True)
class BatchResult:
    items: tuple[BatchItem, ...] = field(default_factory=tuple)

    @property
    def created(self) -> int:
        return sum(1 for i in self.items if i.created)

    @property
    def failed(self) -> tuple[BatchItem, ...]:
        return tuple(i for i in self.items if not i.ok)
