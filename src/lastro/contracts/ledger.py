"""Events the core ledger publishes (``lastro.core.ledger``), one per entry, in the entry's
transaction through the outbox.

- :class:`LancamentoRegistrado` (``ledger.entry.posted``): posted balances moved — an ordinary
  entry, the settlement of a hold (``pending_id`` set) or a reversal (``reverses_id`` set).
- :class:`ReservaRegistrada` (``ledger.pending.created``): a hold reserved amounts.
- :class:`ReservaLiberada` (``ledger.pending.released``): a hold was voided or expired;
  ``postings`` are the released legs.

Amounts are decimal strings in currency units; ``side`` says debit or credit.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from lastro.kit.events import Event, register_event


class PartidaRegistrada(BaseModel):
    """One leg of the entry, with what a subscriber needs to route it (code, owner)."""

    model_config = ConfigDict(frozen=True)

    account_id: uuid.UUID
    account_code: str
    owner_ref: str | None = None
    side: Literal["debit", "credit"]
    amount: Decimal
    currency: str


class _EntryEvent(Event):
    entry_id: uuid.UUID
    ledger_id: uuid.UUID
    kind: str
    idempotency_key: str
    effective_date: date
    description: str = ""
    metadata: dict[str, Any] = Field(default_factory=dict)
    pending_id: uuid.UUID | None = None
    reverses_id: uuid.UUID | None = None
    expires_at: datetime | None = None
    postings: tuple[PartidaRegistrada, ...] = ()


@register_event
class LancamentoRegistrado(_EntryEvent):
    topic = "ledger.entry.posted"


@register_event
class ReservaRegistrada(_EntryEvent):
    topic = "ledger.pending.created"


@register_event
class ReservaLiberada(_EntryEvent):
    topic = "ledger.pending.released"
