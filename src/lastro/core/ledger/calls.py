"""What both ways into the ledger share: call shapes, results, which errors to retry."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.exc import DBAPIError

from lastro.core.ledger.engine import ChainOutcome
from lastro.core.ledger.errors import LedgerError
from lastro.core.ledger.planning import Operation
from lastro.core.ledger.types import BatchItem, BatchResult, EntryDraft, EntryResult, Posting

# SQLSTATEs a fresh attempt resolves: serialization failure, deadlock, unique violation (a
# racing duplicate on a backstop index), lock not available.
RETRY_SQLSTATES = frozenset({"40001", "40P01", "23505", "55P03"})

BatchInput = EntryDraft | Sequence[EntryDraft]


def is_retryable(exc: BaseException) -> bool:
    """Errors a fresh attempt of the same call can succeed after (asyncpg's own exceptions
    carry ``sqlstate``; SQLAlchemy wraps them, and SQLite's lock timeouts, in DBAPIError)."""
    if isinstance(exc, LedgerError):
        return False
    if isinstance(exc, DBAPIError):
        orig = exc.orig
        if getattr(orig, "sqlstate", None) in RETRY_SQLSTATES:
            return True
        return "database is locked" in str(orig)
    return getattr(exc, "sqlstate", None) in RETRY_SQLSTATES


def single(outcomes: list[ChainOutcome]) -> list[EntryResult]:
    outcome = outcomes[0]
    if outcome.error is not None:
        raise outcome.error
    return outcome.results


def batch_chains(items: Sequence[BatchInput]) -> list[list[Operation]]:
    return [[item] if isinstance(item, EntryDraft) else list(item) for item in items]


def batch_result(chains: list[list[Operation]], outcomes: list[ChainOutcome]) -> BatchResult:
    items: list[BatchItem] = []
    index = 0
    for chain, outcome in zip(chains, outcomes, strict=True):
        for position, op in enumerate(chain):
            key = op.idempotency_key if isinstance(op, EntryDraft) else ""
            if outcome.error is not None:
                items.append(
                    BatchItem(index, key, None, False, outcome.error.code, outcome.error.detail)
                )
            else:
                result = outcome.results[position]
                items.append(BatchItem(index, result.idempotency_key, result.id, result.created))
            index += 1
    return BatchResult(tuple(items))


def transfer_draft(
    *,
    debit: uuid.UUID,
    credit: uuid.UUID,
    amount: Decimal,
    idempotency_key: str,
    description: str = "",
    metadata: dict[str, Any] | None = None,
    effective_date: date | None = None,
    pending: bool = False,
    expires_in: timedelta | None = None,
) -> EntryDraft:
    """Two legs: ``amount`` debited to ``debit`` and credited to ``credit``."""
    return EntryDraft(
        idempotency_key=idempotency_key,
        postings=(Posting.debit(debit, amount), Posting.credit(credit, amount)),
        description=description,
        metadata=metadata,
        effective_date=effective_date,
        pending=pending,
        expires_in=expires_in,
    )
