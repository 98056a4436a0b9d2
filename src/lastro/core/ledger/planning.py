"""Turning operations into planned entries — pure, except for what it is handed.

Planning validates a draft, converts its amounts to signed minor units, fingerprints it for
idempotency and gives it its id; settlements and reversals are planned from the entry they
refer to, which the engine loads first. The batch path plans 100,000s of entries per call, so
this module is written for speed: identity-hashed account metadata, bytes-based fingerprints.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import orjson
import uuid_utils

from lastro.core.ledger import domain
from lastro.core.ledger.errors import (
    AccountNotFound,
    CurrencyMismatch,
    EntryNotFound,
    EntryNotReversible,
    InvalidEntry,
    LedgerError,
    LedgerMismatch,
    PendingExpired,
    PendingNotFound,
)
from lastro.core.ledger.types import EntryDraft, EntryKind, Posting

# --- ids -------------------------------------------------------------------------------------


def new_entry_id() -> uuid.UUID:
    """A UUIDv7 whose last byte is zero: leg ``i`` of the entry gets id ``entry + i + 1``, so
    the primary key alone finds an entry's postings (no second index on the largest table),
    and the entry's outbox event reuses the entry id."""
    return uuid.UUID(int=uuid_utils.uuid7().int & ~0xFF)


def posting_int(entry_id: uuid.UUID, idx: int) -> int:
    return entry_id.int | (idx + 1)


def postings_range(entry_id: uuid.UUID) -> tuple[uuid.UUID, uuid.UUID]:
    """Inclusive id bounds of an entry's postings."""
    return uuid.UUID(int=entry_id.int | 1), uuid.UUID(int=entry_id.int | 0xFF)


def pending_key(pending_id: uuid.UUID) -> str:
    return f"pending:{pending_id}"


def reversal_key(entry_id: uuid.UUID) -> str:
    return f"reversal:{entry_id}"


# --- what planning works with ------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class AccountMeta:
    """The attributes of an account that never change, cached per process (one object per
    account, hence hashed by identity: the batch path keys its maps by these objects)."""

    id: uuid.UUID
    ledger_id: uuid.UUID
    code: str
    owner_ref: str | None
    debit_normal: bool
    currency: str
    exponent: int
    shards: int
    fp: bytes = b""  # id bytes + currency: this account's part of entry fingerprints

    @classmethod
    def build(
        cls,
        account_id: uuid.UUID,
        ledger_id: uuid.UUID,
        code: str,
        owner_ref: str | None,
        debit_normal: bool,
        currency: str,
        shards: int,
    ) -> AccountMeta:
        account_id = uuid.UUID(int=account_id.int)  # asyncpg's UUID subclass: normalise
        return cls(
            account_id,
            uuid.UUID(int=ledger_id.int),
            code,
            owner_ref,
            debit_normal,
            currency,
            domain.currency_exponent(currency),
            shards,
            account_id.bytes + currency.encode(),
        )


@dataclass(frozen=True, slots=True)
class StoredEntry:
    id: uuid.UUID
    ledger_id: uuid.UUID
    kind: str
    idempotency_key: str
    fingerprint: str
    pending_id: uuid.UUID | None = None
    reverses_id: uuid.UUID | None = None
    expires_at: datetime | None = None
    legs: tuple[tuple[uuid.UUID, str, int], ...] = ()  # (account, currency, signed minor)


Leg = tuple[AccountMeta, int]  # signed minor units: > 0 debit, < 0 credit


@dataclass(slots=True)
class PlannedEntry:
    id: uuid.UUID
    ledger_id: uuid.UUID
    kind: EntryKind
    key: str
    fingerprint: str
    description: str
    meta: dict[str, Any]
    meta_json: str
    effective_date: date
    legs: list[Leg]
    releases: list[Leg] = field(default_factory=list)  # a hold's legs, released
    pending_id: uuid.UUID | None = None
    reverses_id: uuid.UUID | None = None
    expires_at: datetime | None = None
    link_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class Settle:
    """Resolve a hold: post it (``kind`` POST_PENDING, optionally for less), void or expire."""

    pending_id: uuid.UUID
    kind: EntryKind
    amount: Decimal | None = None  # two-leg holds only
    postings: Sequence[Posting] | None = None
    description: str | None = None
    metadata: dict[str, Any] | None = None
    effective_date: date | None = None


@dataclass(frozen=True, slots=True)
class Reverse:
    entry_id: uuid.UUID
    description: str | None = None
    metadata: dict[str, Any] | None = None
    effective_date: date | None = None


Operation = EntryDraft | Settle | Reverse


@dataclass(slots=True)
class Context:
    """What planning reads: account attributes, referenced entries, the clock."""

    metas: dict[uuid.UUID, AccountMeta]
    refs: dict[uuid.UUID, StoredEntry]
    now: datetime
    today: date


class Expired(Exception):
    """A settlement after its hold's deadline: an error unless it already happened."""

    def __init__(self, entry: PlannedEntry, error: LedgerError) -> None:
        super().__init__(error.detail)
        self.entry, self.error = entry, error


# --- planning --------------------------------------------------------------------------------


def _meta_json(metadata: Any) -> tuple[dict[str, Any], str]:
    if not metadata:
        return {}, "{}"
    meta = dict(metadata)
    try:
        return meta, orjson.dumps(meta).decode()
    except TypeError as exc:
        raise InvalidEntry(f"Metadados não serializáveis em JSON: {exc}.") from None


def _description(text: str | None) -> str:
    if not text:
        return ""
    if len(text) > 500:
        raise InvalidEntry("Descrição acima de 500 caracteres.")
    return text


def legs_of(
    postings: Sequence[Posting], metas: dict[uuid.UUID, AccountMeta], ledger_id: uuid.UUID | None
) -> tuple[uuid.UUID, list[Leg]]:
    """Validated legs: known accounts of one book, matching currencies, exact amounts,
    balanced per currency."""
    if len(postings) < 2:
        raise InvalidEntry("Um lançamento precisa de pelo menos duas partidas.")
    if len(postings) > domain.MAX_LEGS:
        raise InvalidEntry(f"Um lançamento aceita até {domain.MAX_LEGS} partidas.")
    legs: list[Leg] = []
    net = 0
    for posting in postings:
        meta = metas.get(posting.account_id)
        if meta is None:
            raise AccountNotFound(f"Conta {posting.account_id} não encontrada.")
        if ledger_id is None:
            ledger_id = meta.ledger_id
        elif meta.ledger_id != ledger_id:
            raise LedgerMismatch(f"Conta {meta.code} pertence a outro livro.")
        if posting.currency is not None and posting.currency != meta.currency:
            raise CurrencyMismatch(
                f"Conta {meta.code} é em {meta.currency}, partida em {posting.currency}."
            )
        minor = domain.to_minor(posting.amount, meta.exponent)
        if posting.side == "credit":
            minor = -minor
        elif posting.side != "debit":
            raise InvalidEntry(f"Lado inválido: {posting.side!r} (use 'debit' ou 'credit').")
        legs.append((meta, minor))
        net += minor
    currencies = {m.currency for m, _ in legs}
    if net or len(currencies) > 1:
        domain.check_balanced((m.currency, a) for m, a in legs)
    assert ledger_id is not None
    return ledger_id, legs


def fingerprint(
    ledger_id: uuid.UUID, kind: EntryKind, legs: Sequence[Leg], ref: uuid.UUID | None
) -> str:
    """What makes two entries "the same" for idempotency: book, kind, legs (in any order)
    and referenced entry — the content of :func:`domain.fingerprint`, hashed from bytes."""
    parts = sorted([m.fp + a.to_bytes(8, "big", signed=True) for m, a in legs])
    head = ledger_id.bytes + kind.encode() + (ref.bytes if ref else b"")
    return hashlib.blake2b(head + b"".join(parts), digest_size=16).hexdigest()


def _plan_draft(draft: EntryDraft, ctx: Context) -> PlannedEntry:
    key = domain.check_key(draft.idempotency_key)
    ledger_id, legs = legs_of(draft.postings, ctx.metas, draft.ledger_id)
    expires_at: datetime | None = None
    kind = EntryKind.POSTED
    if draft.pending:
        kind = EntryKind.PENDING
        if draft.expires_in is not None and draft.expires_at is not None:
            raise InvalidEntry("Informe expires_in ou expires_at, não ambos.")
        if draft.expires_in is not None:
            if draft.expires_in.total_seconds() <= 0:
                raise InvalidEntry("Prazo da reserva deve ser positivo.")
            expires_at = ctx.now + draft.expires_in
        elif draft.expires_at is not None:
            if draft.expires_at.tzinfo is None:
                raise InvalidEntry("expires_at deve ter fuso horário (UTC).")
            expires_at = draft.expires_at.astimezone(UTC)
            if expires_at <= ctx.now:
                raise InvalidEntry("Reserva já nasceria expirada.")
    elif draft.expires_in is not None or draft.expires_at is not None:
        raise InvalidEntry("Prazo de expiração só vale para reservas (pending=True).")
    meta, meta_json = _meta_json(draft.metadata)
    return PlannedEntry(
        new_entry_id(),
        ledger_id,
        kind,
        key,
        fingerprint(ledger_id, kind, legs, None),
        _description(draft.description),
        meta,
        meta_json,
        draft.effective_date or ctx.today,
        legs,
        expires_at=expires_at,
    )


def _plan_settle(op: Settle, ctx: Context) -> PlannedEntry:
    held = ctx.refs.get(op.pending_id)
    if held is None or held.kind != EntryKind.PENDING:
        raise PendingNotFound(f"Reserva {op.pending_id} não encontrada.")
    if any(a not in ctx.metas for a, _, _ in held.legs):
        raise AccountNotFound("Conta da reserva não encontrada.")
    releases = [(ctx.metas[a], v) for a, _, v in held.legs]
    legs: list[Leg] = []
    if op.kind == EntryKind.POST_PENDING:
        amount = None
        if op.amount is not None:
            amount = domain.to_minor(op.amount, releases[0][0].exponent)
        final = None
        if op.postings is not None:
            _, given = legs_of(op.postings, ctx.metas, held.ledger_id)
            final = [(m.id, m.currency, v) for m, v in given]
        legs = [(ctx.metas[a], v) for a, _, v in domain.settle_legs(held.legs, amount, final)]
    elif op.kind == EntryKind.EXPIRE_PENDING:
        if held.expires_at is None or held.expires_at > ctx.now:
            raise InvalidEntry("Reserva ainda não expirou.")
    elif op.kind != EntryKind.VOID_PENDING:
        raise InvalidEntry(f"Tipo de resolução inválido: {op.kind}.")
    meta, meta_json = _meta_json(op.metadata)
    planned = PlannedEntry(
        new_entry_id(),
        held.ledger_id,
        op.kind,
        pending_key(held.id),
        fingerprint(held.ledger_id, op.kind, legs, held.id),
        _description(op.description),
        meta,
        meta_json,
        op.effective_date or ctx.today,
        legs,
        releases,
        pending_id=held.id,
    )
    deadline = held.expires_at
    if op.kind == EntryKind.POST_PENDING and deadline is not None and deadline <= ctx.now:
        raise Expired(
            planned, PendingExpired(f"Reserva {held.id} expirou em {deadline:%d/%m/%Y %H:%M} UTC.")
        )
    return planned


def _plan_reverse(op: Reverse, ctx: Context) -> PlannedEntry:
    original = ctx.refs.get(op.entry_id)
    if original is None:
        raise EntryNotFound(f"Lançamento {op.entry_id} não encontrado.")
    if original.kind not in (EntryKind.POSTED, EntryKind.POST_PENDING):
        raise EntryNotReversible(f"Lançamento do tipo '{original.kind}' não pode ser estornado.")
    if any(a not in ctx.metas for a, _, _ in original.legs):
        raise AccountNotFound("Conta do lançamento original não encontrada.")
    legs = [(ctx.metas[a], -v) for a, _, v in original.legs]
    meta, meta_json = _meta_json(op.metadata)
    description = op.description or f"Estorno de {original.idempotency_key}"[:500]
    return PlannedEntry(
        new_entry_id(),
        original.ledger_id,
        EntryKind.REVERSAL,
        reversal_key(original.id),
        fingerprint(original.ledger_id, EntryKind.REVERSAL, legs, original.id),
        _description(description),
        meta,
        meta_json,
        op.effective_date or ctx.today,
        legs,
        reverses_id=original.id,
    )


def plan_chain(chain: Sequence[Operation], ctx: Context) -> list[PlannedEntry]:
    """Plan linked operations; raises the first one's error (or :class:`Expired`)."""
    entries: list[PlannedEntry] = []
    for op in chain:
        if isinstance(op, EntryDraft):
            entries.append(_plan_draft(op, ctx))
        elif isinstance(op, Settle):
            entries.append(_plan_settle(op, ctx))
        else:
            entries.append(_plan_reverse(op, ctx))
    if len(entries) > 1:
        link = new_entry_id()
        for entry in entries:
            entry.link_id = link
    return entries


def references(chains: Sequence[Sequence[Operation]]) -> set[uuid.UUID]:
    """Entries that settlements and reversals refer to (loaded before planning)."""
    refs: set[uuid.UUID] = set()
    for chain in chains:
        for op in chain:
            if isinstance(op, Settle):
                refs.add(op.pending_id)
            elif isinstance(op, Reverse):
                refs.add(op.entry_id)
    return refs


def accounts_of(
    chains: Sequence[Sequence[Operation]], refs: dict[uuid.UUID, StoredEntry]
) -> set[uuid.UUID]:
    ids: set[uuid.UUID] = set()
    for chain in chains:
        for op in chain:
            postings = op.postings if isinstance(op, EntryDraft | Settle) else None
            if postings:
                ids.update(p.account_id for p in postings)
    for ref in refs.values():
        ids.update(a for a, _, _ in ref.legs)
    return ids


def keys_of(chains: Sequence[Sequence[Operation]], ctx: Context) -> list[tuple[uuid.UUID, str]]:
    """The (ledger, key) pairs a call will claim, for the idempotency pre-check (an op whose
    book cannot be told yet fails planning anyway)."""
    keys: list[tuple[uuid.UUID, str]] = []
    for chain in chains:
        for op in chain:
            if isinstance(op, EntryDraft):
                ledger = op.ledger_id
                if ledger is None and op.postings:
                    meta = ctx.metas.get(op.postings[0].account_id)
                    ledger = meta.ledger_id if meta else None
                if ledger is not None:
                    keys.append((ledger, op.idempotency_key))
            else:
                ref = ctx.refs.get(op.pending_id if isinstance(op, Settle) else op.entry_id)
                if ref is not None:
                    key = pending_key(ref.id) if isinstance(op, Settle) else reversal_key(ref.id)
                    keys.append((ref.ledger_id, key))
    return keys
