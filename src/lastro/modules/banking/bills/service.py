"""Bill payment use cases: validate a line, pay now or schedule, cancel a scheduled payment,
run the scheduled ones (job), and the receipt.

A second payment of the same bill (same barcode, in this tenant) is refused with 409
``BILL_ALREADY_PAID`` by the unique index on ``active_barcode``: the row is inserted (under a
savepoint) before any money moves, so of two racing requests one inserts and the other is
refused, and the loser's transaction never reaches the ledger.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import ClassVar

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from lastro.core.audit.service import record as audit
from lastro.core.notifications.api import DefaultTemplate, Recipient, notify, register_template
from lastro.infra.database import Database
from lastro.kit.clock import today_sp, utcnow
from lastro.kit.errors import Conflict, LastroError, NotFound, ValidationFailed
from lastro.kit.ids import new_id
from lastro.kit.money import brl
from lastro.modules.banking.accounts import service as accounts
from lastro.modules.banking.accounts.errors import AccountNotFound
from lastro.modules.banking.accounts.models import BankAccount
from lastro.modules.banking.bills.domain import BillInfo, amount_to_pay, read_line
from lastro.modules.banking.bills.models import BillPayment
from lastro.modules.banking.cards.books import BILL_SETTLEMENT, bank_account

log = logging.getLogger(__name__)

STAFF = "banking.bills.manage"
MAX_SCHEDULE_DAYS = 365

register_template(
    DefaultTemplate(
        key="banking.bills.failed",
        subject="Pagamento agendado não realizado: {{ beneficiary }}",
        body=(
            "O pagamento agendado de {{ amount }} para {{ beneficiary }} em {{ date }} não foi "
            "realizado: {{ reason }}. O documento continua em aberto."
        ),
        description="Pagamento de conta agendado que falhou",
    )
)
register_template(
    DefaultTemplate(
        key="banking.bills.paid",
        subject="Conta paga: {{ beneficiary }}",
        body="Pagamos {{ amount }} para {{ beneficiary }}. Autenticação {{ authentication }}.",
        description="Confirmação de pagamento de conta",
    )
)


class BillAlreadyPaid(Conflict):
    code: ClassVar[str] = "BILL_ALREADY_PAID"
    title: ClassVar[str] = "Conta já paga"


class BillNotFound(NotFound):
    code: ClassVar[str] = "BILL_PAYMENT_NOT_FOUND"
    title: ClassVar[str] = "Pagamento não encontrado"


class BillStateConflict(Conflict):
    code: ClassVar[str] = "BILL_PAYMENT_STATE_CONFLICT"
    title: ClassVar[str] = "Operação incompatível com a situação do pagamento"


@dataclass(frozen=True)
class Caller:
    user_id: uuid.UUID
    staff: bool


def validate(line: str) -> BillInfo:
    return read_line(line, today=today_sp())


async def already_paid(session: AsyncSession, barcode: str) -> BillPayment | None:
    found: BillPayment | None = await session.scalar(
        select(BillPayment).where(BillPayment.active_barcode == barcode)
    )
    return found


def _refuse(existing: BillPayment) -> BillAlreadyPaid:
    when = (
        f"agendado para {existing.scheduled_for:%d/%m/%Y}"
        if existing.status == "scheduled"
        else "já pago"
    )
    return BillAlreadyPaid(
        f"Este documento está {when}; não é possível pagá-lo de novo.",
        extra={"payment_id": str(existing.id), "payment_status": existing.status},
    )


async def _account(session: AsyncSession, caller: Caller, account_id: uuid.UUID) -> BankAccount:
    account = await accounts.lock_account(session, account_id)
    if not caller.staff and account.holder_user_id != caller.user_id:
        raise AccountNotFound("Conta não encontrada.")
    return account


def _authentication(payment: BillPayment) -> str:
    """A receipt's authentication code: derived from the payment and its entry, so a receipt
    can be checked against the books."""
    raw = hashlib.sha256(
        f"{payment.tenant_id}:{payment.id}:{payment.entry_id}".encode()
    ).hexdigest()
    return ".".join(raw[i : i + 4].upper() for i in range(0, 32, 4))


async def pay(
    session: AsyncSession,
    caller: Caller,
    account_id: uuid.UUID,
    line: str,
    *,
    amount: Decimal | None = None,
    scheduled_for: date | None = None,
    description: str | None = None,
    effective_date: date | None = None,
) -> BillPayment:
    """Pay now (debits the account through the ledger) or schedule for a later date.
    ``effective_date`` back-dates an immediate payment's entry (imported history, demo)."""
    today = today_sp()
    info = validate(line)
    value = amount_to_pay(info, amount, today=today)
    account = await _account(session, caller, account_id)
    when = scheduled_for or today
    if when < today:
        raise ValidationFailed("A data do agendamento não pode estar no passado.")
    if (when - today).days > MAX_SCHEDULE_DAYS:
        raise ValidationFailed("Agendamentos vão até 365 dias à frente.")
    accounts.ensure_can_debit(account)
    existing = await already_paid(session, info.barcode)
    if existing is not None:
        raise _refuse(existing)
    payment = BillPayment(
        id=new_id(),
        account_id=account.id,
        kind=info.kind,
        barcode=info.barcode,
        active_barcode=info.barcode,
        digitable_line=info.digitable_line,
        bank_code=info.bank_code,
        segment=info.segment,
        company_id=info.company_id,
        beneficiary=info.beneficiary[:120],
        description=description,
        nominal_amount=info.amount,
        amount=value,
        due_date=info.due_date,
        status="scheduled",
        scheduled_for=when,
        requested_by=caller.user_id,
    )
    try:
        async with session.begin_nested():
            session.add(payment)
            await session.flush()
    except IntegrityError:
        session.expunge(payment) if payment in session else None
        raced = await already_paid(session, info.barcode)
        raise (
            _refuse(raced) if raced is not None else BillAlreadyPaid("Este documento já foi pago.")
        ) from None
    audit(
        session,
        "banking.bill.requested",
        "banking_bill_payment",
        payment.id,
        after={"amount": str(value), "scheduled_for": when.isoformat(), "kind": info.kind},
    )
    if when == today:
        await _execute(session, payment, account, effective_date=effective_date)
    return payment


async def _execute(
    session: AsyncSession,
    payment: BillPayment,
    account: BankAccount,
    *,
    effective_date: date | None = None,
) -> None:
    entry = await accounts.debit(
        session,
        account,
        amount=payment.amount,
        credit_to=await bank_account(session, BILL_SETTLEMENT),
        idempotency_key=f"bill:{payment.id}",
        metadata=accounts.movement_metadata(
            "bill_payment",
            "contas",
            payment.beneficiary,
            bill_payment_id=str(payment.id),
            bill_kind=payment.kind,
        ),
        description=f"Pagamento de {'boleto' if payment.kind == 'boleto' else 'conta'}: "
        f"{payment.description or payment.beneficiary}"[:200],
        effective_date=effective_date,
    )
    payment.status = "paid"
    payment.entry_id = entry.id
    payment.paid_at = utcnow()
    payment.authentication = _authentication(payment)
    await session.flush()


async def cancel(session: AsyncSession, caller: Caller, payment_id: uuid.UUID) -> BillPayment:
    payment = await lock_payment(session, caller, payment_id)
    if payment.status == "cancelled":
        return payment
    if payment.status != "scheduled":
        raise BillStateConflict("Só pagamentos agendados podem ser cancelados.")
    payment.status = "cancelled"
    payment.active_barcode = None
    audit(session, "banking.bill.cancelled", "banking_bill_payment", payment.id)
    await session.flush()
    return payment


def payments_statement(
    caller: Caller,
    *,
    account_id: uuid.UUID | None = None,
    status: str | None = None,
) -> Select[BillPayment]:
    stmt = select(BillPayment)
    if not caller.staff:
        stmt = stmt.join(
            BankAccount,
            (BankAccount.tenant_id == BillPayment.tenant_id)
            & (BankAccount.id == BillPayment.account_id),
        ).where(BankAccount.holder_user_id == caller.user_id)
    if account_id is not None:
        stmt = stmt.where(BillPayment.account_id == account_id)
    if status:
        stmt = stmt.where(BillPayment.status == status)
    return stmt.order_by(BillPayment.created_at.desc(), BillPayment.id.desc())


async def get_payment(session: AsyncSession, caller: Caller, payment_id: uuid.UUID) -> BillPayment:
    payment = await session.scalar(payments_statement(caller).where(BillPayment.id == payment_id))
    if payment is None:
        raise BillNotFound("Pagamento não encontrado.")
    return payment


async def lock_payment(session: AsyncSession, caller: Caller, payment_id: uuid.UUID) -> BillPayment:
    await get_payment(session, caller, payment_id)  # the access check
    payment = await session.scalar(
        select(BillPayment)
        .where(BillPayment.id == payment_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert payment is not None
    return payment


async def run_scheduled_one(
    session: AsyncSession, payment_id: uuid.UUID, *, day: date | None = None
) -> str:
    """Execute one due scheduled payment (in its tenant's transaction): paid, or failed with
    the reason (the bill is released so it can be paid another way)."""
    payment = await session.scalar(
        select(BillPayment)
        .where(BillPayment.id == payment_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if (
        payment is None
        or payment.status != "scheduled"
        or payment.scheduled_for > (day or today_sp())
    ):
        return "skipped"
    account = await accounts.lock_account(session, payment.account_id)
    try:
        async with session.begin_nested():
            await _execute(session, payment, account)
    except LastroError as exc:
        payment.status = "failed"
        payment.active_barcode = None
        payment.failure_reason = exc.detail[:300]
        await session.flush()
        if account.holder_user_id is not None:
            await notify(
                session,
                Recipient(user_id=account.holder_user_id),
                "banking.bills.failed",
                {
                    "amount": f"{brl(payment.amount)}",
                    "beneficiary": payment.beneficiary,
                    "date": payment.scheduled_for.strftime("%d/%m/%Y"),
                    "reason": exc.detail,
                },
            )
        return "failed"
    if account.holder_user_id is not None:
        await notify(
            session,
            Recipient(user_id=account.holder_user_id),
            "banking.bills.paid",
            {
                "amount": f"{brl(payment.amount)}",
                "beneficiary": payment.beneficiary,
                "authentication": payment.authentication,
            },
        )
    return "paid"


async def run_scheduled(db: Database, *, day: date | None = None) -> dict[str, int]:
    """The job: every tenant's scheduled payments due by ``day`` (today in São Paulo), each in
    its own transaction (one failure does not hold back the others)."""
    day = day or today_sp()
    async with db.session(platform=True, readonly=True) as session:
        due: Sequence[tuple[uuid.UUID, uuid.UUID]] = (
            await session.execute(
                select(BillPayment.tenant_id, BillPayment.id)
                .where(BillPayment.status == "scheduled", BillPayment.scheduled_for <= day)
                .order_by(BillPayment.scheduled_for, BillPayment.id)
            )
        ).all()
    outcome = {"paid": 0, "failed": 0, "skipped": 0}
    for tenant_id, payment_id in due:
        async with db.unit_of_work(tenant_id=tenant_id) as session:
            result = await run_scheduled_one(session, payment_id, day=day)
        outcome[result] += 1
    if due:
        log.info("scheduled bill payments run", extra=outcome)
    return outcome
