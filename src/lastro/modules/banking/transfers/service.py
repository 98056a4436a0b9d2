"""Transfer use cases in the caller's session (flush, never commit).

Outbound PIX / TED: lock the account row, check limits, write the order, place a ledger hold
(customer → settlement account, plus the fee), send it to the rail, then settle (post the
hold), reject (void it) or, on a timeout, keep it until a status query or the rail's webhook
resolves it. P2P is one posted entry. Every ledger key derives from the transfer id, so a
retried step can never move money twice; the ledger refuses overdrafts under any race.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Integer, Select, bindparam, case, func, literal, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from lastro.br.errors import PixError
from lastro.br.pix import generate_end_to_end_id, parse_end_to_end_id, parse_pix_key
from lastro.core.config.service import get_settings_for
from lastro.core.ledger.errors import PendingAlreadyResolved
from lastro.core.ledger.types import EntryDraft, Posting
from lastro.kit.clock import utcnow
from lastro.kit.errors import LastroError
from lastro.kit.ids import new_id
from lastro.kit.money import brl
from lastro.modules.banking.accounts import service as accounts
from lastro.modules.banking.accounts.books import bank_books
from lastro.modules.banking.accounts.errors import AccountNotFound, InvalidPixKey
from lastro.modules.banking.accounts.models import BankAccount
from lastro.modules.banking.transfers import domain
from lastro.modules.banking.transfers.errors import (
    InvalidTransfer,
    RefundExceedsOriginal,
    TransferLimitExceeded,
    TransferNotCancellable,
    TransferNotFound,
    TransferStateConflict,
)
from lastro.modules.banking.transfers.models import Transfer
from lastro.modules.banking.transfers.rail import RailOrder, RailOutcome, RailResult, get_rail
from lastro.modules.banking.transfers.settings import AreaSettings

OUT_ACTIVE = ("pending", "completed", "blocked")
KIND_OUT = {"pix": "pix_out", "ted": "ted_out", "pix_refund": "refund"}
LABEL = {"pix": "PIX", "ted": "TED", "p2p": "Transferência", "pix_refund": "Devolução PIX"}


async def transfer_settings(session: AsyncSession) -> AreaSettings:
    return await get_settings_for(session, "banking", AreaSettings)


def _check_amount(amount: Decimal) -> None:
    if not domain.valid_amount(amount):
        raise InvalidTransfer("Valor deve ser positivo, com até 2 casas decimais.")


# -- limits --------------------------------------------------------------------------------------


def _hourly_count() -> Any:
    """Outbound transfers the user ``:hourly_user`` created since ``:hour_ago``, as a scalar
    subquery. Bounded: counting stops at the limit, so a busy API client costs the same as
    anyone."""
    recent = (
        select(Transfer.id)
        .where(
            Transfer.created_by == bindparam("hourly_user"),
            Transfer.direction == "out",
            Transfer.created_at >= bindparam("hour_ago"),
        )
        .limit(bindparam("hourly_limit", type_=Integer))
        .subquery()
    )
    return select(func.count()).select_from(recent).scalar_subquery()


def _limits_statement(night: bool, hourly: bool) -> Select[Any]:
    """What the limits read, in one statement: the account's outbound total since
    ``:day_from`` and (``night``) since ``:night_from``, and (``hourly``) the user's count."""

    def since(param: str) -> Any:
        return func.sum(case((Transfer.executed_at >= bindparam(param), Transfer.amount), else_=0))

    return select(
        since("day_from"),
        since("night_from") if night else literal(0),
        _hourly_count() if hourly else literal(0),
    ).where(
        Transfer.account_id == bindparam("account_id"),
        Transfer.direction == "out",
        Transfer.status.in_(OUT_ACTIVE),
        Transfer.executed_at >= bindparam("since"),
    )


# built once: constructing SQLAlchemy statements costs more CPU than sending them
_LIMITS = {(n, h): _limits_statement(n, h) for n in (False, True) for h in (False, True)}
_HOURLY = select(_hourly_count())


def _raise_hourly(count: Any, settings: AreaSettings) -> None:
    if int(count or 0) >= settings.transfers_per_hour_limit:
        raise TransferLimitExceeded(
            f"Limite de {settings.transfers_per_hour_limit} transferências por hora atingido; "
            "tente novamente mais tarde."
        )


async def check_hourly(
    session: AsyncSession, user_id: uuid.UUID | None, settings: AreaSettings
) -> None:
    if user_id is None:
        return
    count = await session.scalar(_HOURLY, _hourly_params(user_id, settings))
    _raise_hourly(count, settings)


def _hourly_params(user_id: uuid.UUID, settings: AreaSettings) -> dict[str, Any]:
    return {
        "hourly_user": user_id,
        "hour_ago": utcnow() - timedelta(hours=1),
        "hourly_limit": settings.transfers_per_hour_limit,
    }


def _money(value: Any) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


async def check_value_limits(
    session: AsyncSession,
    account: BankAccount,
    amount: Decimal,
    settings: AreaSettings,
    at: datetime,
    *,
    hourly_user: uuid.UUID | None = None,
) -> bool:
    """Daily value limit per account and, for individuals, the night limit; with
    ``hourly_user``, that user's transfers per hour first. Call with the account row locked
    (so two transfers of one account cannot both slip under a limit). All of it is one
    statement (one round trip). Returns whether ``at`` is in the night period."""
    day_from = domain.day_start(at)
    window = domain.night_window(at, settings.transfers_night_start)
    night_from = window[0] if window is not None and account.kind == "individual" else None
    params: dict[str, Any] = {
        "account_id": account.id,
        "day_from": day_from,
        "since": min(day_from, night_from) if night_from is not None else day_from,
    }
    if night_from is not None:
        params["night_from"] = night_from
    if hourly_user is not None:
        params.update(_hourly_params(hourly_user, settings))
    statement = _LIMITS[(night_from is not None, hourly_user is not None)]
    row = (await session.execute(statement, params)).one()
    if hourly_user is not None:
        _raise_hourly(row[2], settings)
    daily = (
        settings.transfers_daily_limit_individual
        if account.kind == "individual"
        else settings.transfers_daily_limit_company
    )
    spent = _money(row[0])
    if spent + amount > daily:
        raise TransferLimitExceeded(
            f"Limite diário de {brl(daily)} da conta seria excedido "
            f"(já utilizado hoje: {brl(spent)})."
        )
    if night_from is not None:
        night = _money(row[1])
        if night + amount > settings.transfers_night_limit:
            raise TransferLimitExceeded(
                f"Limite noturno de {brl(settings.transfers_night_limit)} para pessoa física "
                f"seria excedido (já utilizado: {brl(night)})."
            )
    return window is not None


# -- creating ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Requester:
    user_id: uuid.UUID | None
    staff: bool


async def _source(session: AsyncSession, who: Requester, account_id: uuid.UUID) -> BankAccount:
    account = await accounts.lock_account(session, account_id)
    if not who.staff and account.holder_user_id != who.user_id:
        raise AccountNotFound("Conta não encontrada.")
    return account


_TARGET = aliased(BankAccount, name="target_account")
# the source row locked as accounts.lock_account does, the target read in the same statement
_SOURCE_AND_TARGET = (
    select(BankAccount, _TARGET)
    .outerjoin(_TARGET, _TARGET.id == bindparam("target_id"))
    .where(BankAccount.id == bindparam("source_id"))
    .with_for_update(key_share=True, of=BankAccount)  # NO KEY UPDATE, as lock_account
    .execution_options(populate_existing=True)
)


async def _source_and_target(
    session: AsyncSession, who: Requester, account_id: uuid.UUID, target_id: uuid.UUID
) -> tuple[BankAccount, BankAccount]:
    """The source account row locked (as :func:`accounts.lock_account`) and the target read
    in the same round trip (not locked: the ledger locks and checks its balance)."""
    row = (
        await session.execute(_SOURCE_AND_TARGET, {"source_id": account_id, "target_id": target_id})
    ).first()
    if row is None or (not who.staff and row[0].holder_user_id != who.user_id):
        raise AccountNotFound("Conta não encontrada.")
    if row[1] is None:
        raise AccountNotFound("Conta não encontrada.")
    return row[0], row[1]


def normalise_pix_key(key: str) -> dict[str, str]:
    try:
        parsed = parse_pix_key(key)
    except PixError as exc:
        raise InvalidPixKey(exc.detail) from None
    return {"key": parsed.value, "key_type": parsed.key_type.value}


async def create_pix(
    session: AsyncSession,
    who: Requester,
    *,
    account_id: uuid.UUID,
    amount: Decimal,
    key: str,
    description: str = "",
    scheduled_for: datetime | None = None,
    sandbox: str | None = None,
    receiver_name: str | None = None,
) -> Transfer:
    _check_amount(amount)
    counterparty: dict[str, Any] = normalise_pix_key(key)
    if receiver_name:
        counterparty["name"] = receiver_name
    settings = await transfer_settings(session)
    account = await _source(session, who, account_id)
    accounts.ensure_can_debit(account)
    now = utcnow()
    transfer = Transfer(
        id=new_id(),
        type="pix",
        direction="out",
        status="scheduled",
        account_id=account.id,
        amount=amount,
        fee=settings.transfers_pix_fee,
        description=description,
        counterparty=counterparty,
        scheduled_for=scheduled_for,
        sandbox_outcome=sandbox,
        created_by=who.user_id,
        created_at=now,
    )
    if scheduled_for is not None and scheduled_for > now:
        await check_hourly(session, who.user_id, settings)
        session.add(transfer)
        await session.flush()
        return transfer
    transfer.scheduled_for = None
    await execute(session, transfer, account=account, settings=settings, hourly_user=who.user_id)
    return transfer


async def create_ted(
    session: AsyncSession,
    who: Requester,
    *,
    account_id: uuid.UUID,
    amount: Decimal,
    counterparty: dict[str, Any],
    description: str = "",
    scheduled_for: datetime | None = None,
    sandbox: str | None = None,
) -> Transfer:
    """Executed now inside the TED window on a banking day; otherwise scheduled for the next
    window opening (or for ``scheduled_for``, moved into a window)."""
    _check_amount(amount)
    settings = await transfer_settings(session)
    account = await _source(session, who, account_id)
    accounts.ensure_can_debit(account)
    now = utcnow()
    start = domain.parse_hhmm(settings.transfers_ted_window_start)
    end = domain.parse_hhmm(settings.transfers_ted_window_end)
    when = domain.next_ted_window(max(scheduled_for or now, now), start, end)
    transfer = Transfer(
        id=new_id(),
        type="ted",
        direction="out",
        status="scheduled",
        account_id=account.id,
        amount=amount,
        fee=settings.transfers_ted_fee,
        description=description,
        counterparty=counterparty,
        scheduled_for=when if when > now else None,
        sandbox_outcome=sandbox,
        created_by=who.user_id,
        created_at=now,
    )
    if transfer.scheduled_for is not None:
        await check_hourly(session, who.user_id, settings)
        session.add(transfer)
        bal = await accounts.balance(session, account)
        if bal.available < amount + transfer.fee:
            # accepted for later, but say now that it would not go through today
            transfer.failure_reason = "Saldo atual insuficiente; será verificado na execução."
        await session.flush()
        return transfer
    await execute(session, transfer, account=account, settings=settings, hourly_user=who.user_id)
    return transfer


async def create_p2p(
    session: AsyncSession,
    who: Requester,
    *,
    account_id: uuid.UUID,
    target: BankAccount | None = None,
    target_id: uuid.UUID | None = None,
    amount: Decimal,
    description: str = "",
    scheduled_for: datetime | None = None,
) -> Transfer:
    """To ``target`` (or the account ``target_id``) in the same bank. The immediate path is
    lean: the source row lock and the target in one statement, every limit in one more."""
    _check_amount(amount)
    to_id = target.id if target is not None else target_id
    if to_id is None:
        raise InvalidTransfer("Informe a conta de destino.")
    if to_id == account_id:
        raise InvalidTransfer("Origem e destino são a mesma conta.")
    settings = await transfer_settings(session)
    account, to = await _source_and_target(session, who, account_id, to_id)
    accounts.ensure_can_debit(account)
    accounts.ensure_can_credit(to)
    now = utcnow()
    transfer = Transfer(
        id=new_id(),
        type="p2p",
        direction="out",
        status="scheduled",
        account_id=account.id,
        counterparty_account_id=to.id,
        amount=amount,
        fee=Decimal("0.00"),
        description=description,
        counterparty={
            "name": to.holder_name,
            "agency": to.agency,
            "account": to.display_number,
        },
        created_by=who.user_id,
        created_at=now,
    )
    if scheduled_for is not None and scheduled_for > now:
        await check_hourly(session, who.user_id, settings)
        transfer.scheduled_for = scheduled_for
        session.add(transfer)
        await session.flush()
        return transfer
    await execute(
        session, transfer, account=account, settings=settings, target=to, hourly_user=who.user_id
    )
    return transfer


# -- executing -----------------------------------------------------------------------------------


def _meta(
    transfer: Transfer, kind: str, category: str = "transferencias", **extra: Any
) -> dict[str, Any]:
    name = str(transfer.counterparty.get("name") or transfer.counterparty.get("key") or "")
    return accounts.movement_metadata(kind, category, name, transfer.id, **extra)


def _describe(transfer: Transfer) -> str:
    label = LABEL.get(transfer.type, transfer.type)
    who = transfer.counterparty.get("name") or transfer.counterparty.get("key") or ""
    text = f"{label} enviado para {who}" if who else f"{label} enviado"
    if transfer.type == "p2p":
        text = f"Transferência para {who}"
    if transfer.type == "pix_refund":
        text = f"Devolução PIX para {who}" if who else "Devolução PIX"
    return (f"{text} — {transfer.description}" if transfer.description else text)[:200]


async def execute(
    session: AsyncSession,
    transfer: Transfer,
    *,
    account: BankAccount,
    settings: AreaSettings,
    effective_date: date | None = None,
    at: datetime | None = None,
    target: BankAccount | None = None,
    hourly_user: uuid.UUID | None = None,
) -> Transfer:
    """Move the money of an order whose account row is locked by this transaction. Business
    refusals (balance, limits, frozen account) raise; the caller decides whether they fail a
    request (400/402) or mark a scheduled order failed. ``hourly_user``: also check that
    user's transfers per hour (a new order; in the same statement as the value limits)."""
    at = at or utcnow()
    accounts.ensure_can_debit(account)
    transfer.night = await check_value_limits(
        session, account, transfer.amount, settings, at, hourly_user=hourly_user
    )
    transfer.executed_at = at
    if transfer.type == "p2p":
        if target is None:
            assert transfer.counterparty_account_id is not None
            target = await accounts.get_account(session, transfer.counterparty_account_id)
        entry = await accounts.move(
            session,
            account,
            target,
            amount=transfer.amount,
            idempotency_key=f"transfer:{transfer.id}",
            metadata=_meta(
                transfer,
                "p2p",
                payer=account.holder_name,
                from_account=str(account.id),
                to_account=str(target.id),
            ),
            description=_describe(transfer),
            effective_date=effective_date,
        )
        transfer.entry_id = entry.id
        transfer.status = "completed"
        transfer.settled_at = at
        session.add(transfer)  # written once, with its outcome (a new order is not yet added)
        await session.flush()
        return transfer
    books = await bank_books(session)
    if transfer.type == "pix" and transfer.end_to_end_id is None:
        transfer.end_to_end_id = generate_end_to_end_id(settings.transfers_ispb, at)
    settlement = books.ted_settlement if transfer.type == "ted" else books.pix_settlement
    hold = await accounts.debit(
        session,
        account,
        amount=transfer.amount,
        credit_to=settlement,
        fee=transfer.fee or None,
        fee_account=books.fees,
        idempotency_key=f"transfer:{transfer.id}:hold",
        metadata=_meta(transfer, KIND_OUT.get(transfer.type, transfer.type), fee=str(transfer.fee)),
        description=_describe(transfer),
        pending=True,
        effective_date=effective_date,
    )
    transfer.hold_entry_id = hold.id
    transfer.status = "pending"
    transfer.rail = get_rail().name
    session.add(transfer)
    await session.flush()
    result = await get_rail().send(_order(transfer))
    transfer.rail_ref = result.rail_ref
    await apply_outcome(session, transfer, result, effective_date=effective_date)
    return transfer


def _order(transfer: Transfer) -> RailOrder:
    return RailOrder(
        transfer.id,
        transfer.type,
        transfer.amount,
        transfer.end_to_end_id,
        dict(transfer.counterparty),
        transfer.sandbox_outcome,
    )


async def apply_outcome(
    session: AsyncSession,
    transfer: Transfer,
    result: RailResult,
    *,
    effective_date: date | None = None,
) -> bool:
    """Settle or release the hold of a pending order; a timeout leaves it pending. Returns
    whether anything changed (a second notice of the same outcome changes nothing)."""
    if transfer.status != "pending" or transfer.hold_entry_id is None:
        return False
    if result.outcome is RailOutcome.TIMEOUT:
        transfer.failure_reason = result.reason
        await session.flush()
        return False
    if result.outcome is RailOutcome.SETTLED:
        try:
            entry = await accounts.settle_hold(
                session,
                transfer.hold_entry_id,
                metadata=_meta(
                    transfer, KIND_OUT.get(transfer.type, transfer.type), fee=str(transfer.fee)
                ),
                description=_describe(transfer),
                effective_date=effective_date,
            )
        except PendingAlreadyResolved:  # pragma: no cover - the row lock prevents it
            return False
        transfer.entry_id = entry.id
        transfer.status = "completed"
        transfer.settled_at = utcnow()
        transfer.failure_reason = None
        if transfer.type == "pix_refund" and transfer.original_transfer_id is not None:
            pass  # the refunded amount was reserved when the refund was created
    else:
        await accounts.release_hold(session, transfer.hold_entry_id)
        transfer.status = "rejected"
        transfer.failure_code = "REJECTED_BY_RAIL"
        transfer.failure_reason = result.reason or "Recusada pelo arranjo."
        if transfer.type == "pix_refund" and transfer.original_transfer_id is not None:
            original = await lock_transfer(session, transfer.original_transfer_id)
            original.refunded_amount -= transfer.amount
    await session.flush()
    return True


# -- reading, cancelling, resolving ------------------------------------------------------------


async def get_transfer(session: AsyncSession, transfer_id: uuid.UUID) -> Transfer:
    row = await session.scalar(select(Transfer).where(Transfer.id == transfer_id))
    if row is None:
        raise TransferNotFound("Transferência não encontrada.")
    return row


async def lock_transfer(session: AsyncSession, transfer_id: uuid.UUID) -> Transfer:
    row = await session.scalar(
        select(Transfer)
        .where(Transfer.id == transfer_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )
    if row is None:
        raise TransferNotFound("Transferência não encontrada.")
    return row


async def visible_to(session: AsyncSession, who: Requester, transfer: Transfer) -> bool:
    if who.staff:
        return True
    ids = (
        {a.id for a in await accounts.accounts_of_user(session, who.user_id)}
        if who.user_id
        else set()
    )
    return transfer.account_id in ids or transfer.counterparty_account_id in ids


async def transfer_for(session: AsyncSession, who: Requester, transfer_id: uuid.UUID) -> Transfer:
    transfer = await get_transfer(session, transfer_id)
    if not await visible_to(session, who, transfer):
        raise TransferNotFound("Transferência não encontrada.")
    return transfer


async def list_statement(
    session: AsyncSession,
    who: Requester,
    *,
    status: str | None = None,
    type: str | None = None,
    account_id: uuid.UUID | None = None,
) -> Select[Transfer]:
    stmt = select(Transfer)
    if not who.staff:
        ids = (
            [a.id for a in await accounts.accounts_of_user(session, who.user_id)]
            if who.user_id
            else []
        )
        stmt = stmt.where(
            or_(Transfer.account_id.in_(ids), Transfer.counterparty_account_id.in_(ids))
        )
    if account_id is not None:
        stmt = stmt.where(
            or_(Transfer.account_id == account_id, Transfer.counterparty_account_id == account_id)
        )
    if status:
        stmt = stmt.where(Transfer.status == status)
    if type:
        stmt = stmt.where(Transfer.type == type)
    return stmt.order_by(Transfer.created_at.desc(), Transfer.id.desc())


async def cancel(session: AsyncSession, who: Requester, transfer_id: uuid.UUID) -> Transfer:
    transfer = await transfer_for(session, who, transfer_id)
    transfer = await lock_transfer(session, transfer.id)
    if transfer.status == "cancelled":
        return transfer
    if transfer.status != "scheduled" or transfer.direction != "out":
        raise TransferNotCancellable("Só transferências agendadas podem ser canceladas.")
    if not who.staff and transfer.account_id not in {
        a.id
        for a in await accounts.accounts_of_user(session, who.user_id)  # type: ignore[arg-type]
    }:
        raise TransferNotFound("Transferência não encontrada.")
    transfer.status = "cancelled"
    await session.flush()
    return transfer


async def refresh(session: AsyncSession, transfer_id: uuid.UUID) -> Transfer:
    """Ask the rail for the status of a pending (timed-out) order and apply the answer."""
    transfer = await lock_transfer(session, transfer_id)
    if transfer.status == "pending":
        result = await get_rail().status(_order(transfer), transfer.rail_ref)
        await apply_outcome(session, transfer, result)
    return transfer


async def resolve(
    session: AsyncSession, transfer: Transfer, outcome: RailOutcome, reason: str | None = None
) -> bool:
    """Apply a late outcome (the rail's webhook) to a pending order, once."""
    transfer = await lock_transfer(session, transfer.id)
    return await apply_outcome(session, transfer, RailResult(outcome, transfer.rail_ref, reason))


async def run_due(
    session: AsyncSession, transfer_id: uuid.UUID, *, now: datetime | None = None
) -> Transfer:
    """Execute one scheduled order that is due; a business refusal marks it failed (the
    customer sees why), it never raises."""
    now = now or utcnow()
    transfer = await lock_transfer(session, transfer_id)
    if transfer.status != "scheduled" or (transfer.scheduled_for and transfer.scheduled_for > now):
        return transfer
    settings = await transfer_settings(session)
    if transfer.type == "ted":
        start = domain.parse_hhmm(settings.transfers_ted_window_start)
        end = domain.parse_hhmm(settings.transfers_ted_window_end)
        if not domain.in_ted_window(now, start, end):
            transfer.scheduled_for = domain.next_ted_window(now, start, end)
            await session.flush()
            return transfer
    account = await accounts.lock_account(session, transfer.account_id)
    try:
        async with session.begin_nested():
            await execute(session, transfer, account=account, settings=settings, at=now)
    except LastroError as exc:
        transfer.status = "failed"
        transfer.failure_code = exc.code
        transfer.failure_reason = exc.detail[:300]
        transfer.executed_at = now
        await session.flush()
    return transfer


async def due_ids(session: AsyncSession, now: datetime, limit: int = 500) -> list[uuid.UUID]:
    rows = await session.scalars(
        select(Transfer.id)
        .where(Transfer.status == "scheduled", Transfer.scheduled_for <= now)
        .order_by(Transfer.scheduled_for)
        .limit(limit)
    )
    return list(rows.all())


async def pending_ids(session: AsyncSession, before: datetime, limit: int = 500) -> list[uuid.UUID]:
    rows = await session.scalars(
        select(Transfer.id)
        .where(Transfer.status == "pending", Transfer.executed_at <= before)
        .limit(limit)
    )
    return list(rows.all())


# -- incoming PIX, refunds, MED ------------------------------------------------------------------


async def find_by_e2e(session: AsyncSession, e2e: str) -> Transfer | None:
    found: Transfer | None = await session.scalar(
        select(Transfer).where(Transfer.end_to_end_id == e2e)
    )
    return found


async def receive_pix(
    session: AsyncSession,
    *,
    end_to_end_id: str,
    amount: Decimal,
    account: BankAccount,
    payer: dict[str, Any],
    description: str = "",
    effective_date: date | None = None,
    received_at: datetime | None = None,
) -> tuple[Transfer, bool]:
    """Credit an incoming PIX once per end-to-end id. Returns (transfer, created)."""
    _check_amount(amount)
    try:
        parse_end_to_end_id(end_to_end_id)
    except PixError as exc:
        raise InvalidTransfer(exc.detail) from None
    existing = await find_by_e2e(session, end_to_end_id)
    if existing is not None:
        return existing, False
    accounts.ensure_can_credit(account)
    at = received_at or utcnow()
    transfer = Transfer(
        id=new_id(),
        type="pix",
        direction="in",
        status="completed",
        account_id=account.id,
        amount=amount,
        description=description[:140],
        counterparty={k: v for k, v in payer.items() if v},
        end_to_end_id=end_to_end_id,
        executed_at=at,
        settled_at=at,
        created_at=at,
    )
    try:
        async with session.begin_nested():
            session.add(transfer)
            await session.flush()
    except IntegrityError:
        again = await find_by_e2e(session, end_to_end_id)
        if again is None:
            raise
        return again, False
    books = await bank_books(session)
    payer_name = str(payer.get("name") or "")
    entry = await accounts.credit(
        session,
        account,
        amount=amount,
        debit_from=books.pix_settlement,
        idempotency_key=f"pix_in:{end_to_end_id}",
        metadata=accounts.movement_metadata(
            "pix_in", "transferencias", payer_name, transfer.id, end_to_end_id=end_to_end_id
        ),
        description=(f"PIX recebido de {payer_name}" if payer_name else "PIX recebido")[:200],
        effective_date=effective_date,
    )
    transfer.entry_id = entry.id
    await session.flush()
    return transfer, True


async def _reserve_refund(session: AsyncSession, original: Transfer, amount: Decimal) -> None:
    remaining = original.amount - original.refunded_amount
    if amount > remaining:
        raise RefundExceedsOriginal(
            f"Devolução de {brl(amount)} excede o valor ainda devolvível ({brl(remaining)})."
        )
    original.refunded_amount += amount


async def refund_incoming(
    session: AsyncSession,
    who: Requester,
    transfer_id: uuid.UUID,
    *,
    amount: Decimal | None,
    reason: str,
    sandbox: str | None = None,
) -> Transfer:
    """Devolução of a received PIX (partial allowed; the sum never exceeds the original)."""
    original = await transfer_for(session, who, transfer_id)
    original = await lock_transfer(session, original.id)
    if original.type != "pix" or original.direction != "in" or original.status != "completed":
        raise TransferStateConflict("Só PIX recebidos e concluídos podem ser devolvidos.")
    value = amount if amount is not None else original.amount - original.refunded_amount
    _check_amount(value)
    await _reserve_refund(session, original, value)
    settings = await transfer_settings(session)
    account = await accounts.lock_account(session, original.account_id)
    now = utcnow()
    refund = Transfer(
        id=new_id(),
        type="pix_refund",
        direction="out",
        status="scheduled",
        account_id=account.id,
        amount=value,
        description=reason[:140],
        counterparty=dict(original.counterparty),
        original_transfer_id=original.id,
        end_to_end_id=generate_end_to_end_id(settings.transfers_ispb, now, prefix="D"),
        sandbox_outcome=sandbox,
        created_by=who.user_id,
        created_at=now,
    )
    await execute(session, refund, account=account, settings=settings)
    return refund


async def open_med(
    session: AsyncSession, *, original: Transfer, amount: Decimal, reason: str
) -> tuple[Transfer, bool]:
    """A MED request against a received PIX: block what is available (up to ``amount``) with a
    hold, to be returned when the request is accepted or released when it is rejected.
    Idempotent per original transfer (one open MED at a time)."""
    original = await lock_transfer(session, original.id)
    if original.type != "pix" or original.direction != "in":
        raise TransferStateConflict("MED só se aplica a PIX recebidos.")
    open_med_row = await session.scalar(
        select(Transfer).where(
            Transfer.original_transfer_id == original.id,
            Transfer.med.is_(True),
            Transfer.status == "blocked",
        )
    )
    if open_med_row is not None:
        return open_med_row, False
    account = await accounts.lock_account(session, original.account_id)
    bal = await accounts.balance(session, account)
    remaining = original.amount - original.refunded_amount
    value = min(amount, remaining, max(bal.available, Decimal("0.00")))
    now = utcnow()
    settings = await transfer_settings(session)
    med = Transfer(
        type="pix_refund",
        direction="out",
        status="blocked",
        account_id=account.id,
        amount=value,
        description=f"MED: {reason}"[:140],
        counterparty=dict(original.counterparty),
        original_transfer_id=original.id,
        med=True,
        end_to_end_id=generate_end_to_end_id(settings.transfers_ispb, now, prefix="D"),
        executed_at=now,
        created_at=now,
    )
    session.add(med)
    await session.flush()
    if value > 0:
        await _reserve_refund(session, original, value)
        books = await bank_books(session)
        hold = await accounts.post_entry(
            session,
            EntryDraft(
                idempotency_key=f"transfer:{med.id}:hold",
                postings=(
                    Posting.debit(account.ledger_account_id, value),
                    Posting.credit(books.pix_settlement, value),
                ),
                description="Bloqueio cautelar MED",
                metadata=_meta(med, "refund", med="true"),
                pending=True,
            ),
        )
        med.hold_entry_id = hold.id
    await session.flush()
    return med, True


async def decide_med(session: AsyncSession, transfer_id: uuid.UUID, accept: bool) -> Transfer:
    med = await lock_transfer(session, transfer_id)
    if not med.med:
        raise TransferStateConflict("Esta transferência não é uma solicitação MED.")
    if med.status != "blocked":
        return med
    if med.hold_entry_id is None:  # nothing was blocked
        med.status = "completed" if accept else "released"
        await session.flush()
        return med
    if accept:
        med.status = "pending"
        med.rail = get_rail().name
        result = await get_rail().send(_order(med))
        med.rail_ref = result.rail_ref
        await apply_outcome(session, med, result)
    else:
        await accounts.release_hold(session, med.hold_entry_id)
        med.status = "released"
        original = await lock_transfer(session, med.original_transfer_id)  # type: ignore[arg-type]
        original.refunded_amount -= med.amount
    await session.flush()
    return med


async def receive_return(
    session: AsyncSession,
    *,
    return_id: str,
    original: Transfer,
    amount: Decimal,
    reason: str = "",
) -> tuple[Transfer, bool]:
    """Money coming back for an outbound PIX (devolução by the receiver, or a MED we won)."""
    _check_amount(amount)
    existing = await find_by_e2e(session, return_id)
    if existing is not None:
        return existing, False
    original = await lock_transfer(session, original.id)
    if original.type != "pix" or original.direction != "out" or original.status != "completed":
        raise TransferStateConflict("Devolução só para PIX enviados e concluídos.")
    await _reserve_refund(session, original, amount)
    account = await accounts.lock_account(session, original.account_id)
    now = utcnow()
    back = Transfer(
        type="pix_refund",
        direction="in",
        status="completed",
        account_id=account.id,
        amount=amount,
        description=reason[:140],
        counterparty=dict(original.counterparty),
        original_transfer_id=original.id,
        end_to_end_id=return_id,
        executed_at=now,
        settled_at=now,
        created_at=now,
    )
    session.add(back)
    await session.flush()
    books = await bank_books(session)
    entry = await accounts.credit(
        session,
        account,
        amount=amount,
        debit_from=books.pix_settlement,
        idempotency_key=f"pix_return:{return_id}",
        metadata=_meta(back, "refund", original_transfer_id=str(original.id)),
        description="Devolução de PIX recebida",
    )
    back.entry_id = entry.id
    await session.flush()
    return back, True
