"""Account use cases: open / freeze / close, find the caller's accounts, post movements to
the core ledger. Everything takes the caller's session (flush, never commit).

Money rules: a customer account is a liability with ``overdraft_limit=0`` in the tenant's
bank book, so the ledger itself refuses any debit beyond the available balance (holds
included) — there is no balance check here that a race could slip past.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from lastro.br.boleto import build_boleto
from lastro.br.documents import parse_cnpj, parse_cpf
from lastro.br.errors import DocumentError, PixError
from lastro.br.pix import PixKeyType, parse_pix_key
from lastro.core.config.service import get_settings_for
from lastro.core.ledger.errors import InsufficientFunds
from lastro.core.ledger.service import ledger_service
from lastro.core.ledger.types import Balance, EntryDraft, EntryResult, Posting
from lastro.kit.clock import today_sp, utcnow
from lastro.kit.errors import ValidationFailed
from lastro.modules.banking.accounts import domain
from lastro.modules.banking.accounts.books import BankBooks, bank_books
from lastro.modules.banking.accounts.errors import (
    AccountClosed,
    AccountFrozen,
    AccountNotEmpty,
    AccountNotFound,
    DepositAlreadyPaid,
    InsufficientBalance,
    InvalidPixKey,
    KycPending,
    PixKeyTaken,
)
from lastro.modules.banking.accounts.models import BankAccount, Deposit, PixKey
from lastro.modules.banking.accounts.settings import AreaSettings

NAMESPACE = "banking"
STAFF_PERMISSION = "banking.accounts.manage"
KINDS = ("individual", "company")
KYC_STATUSES = ("pending", "approved", "rejected")


async def area_settings(session: AsyncSession) -> AreaSettings:
    return await get_settings_for(session, NAMESPACE, AreaSettings)


def movement_metadata(
    kind: str,
    category: str,
    counterparty: str = "",
    transfer_id: uuid.UUID | str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """The metadata every banking ledger entry carries (analytics reads these keys)."""
    meta: dict[str, Any] = {"kind": kind, "category": category, "counterparty": counterparty}
    if transfer_id is not None:
        meta["transfer_id"] = str(transfer_id)
    meta.update({k: v for k, v in extra.items() if v is not None})
    return meta


# -- opening and finding ------------------------------------------------------------------


def normalise_document(kind: str, document: str) -> str:
    try:
        return parse_cpf(document) if kind == "individual" else parse_cnpj(document)
    except DocumentError as exc:
        raise ValidationFailed(exc.detail, code=exc.code) from None


async def open_account(
    session: AsyncSession,
    *,
    kind: str,
    holder_name: str,
    document: str,
    email: str | None = None,
    phone: str | None = None,
    holder_user_id: uuid.UUID | None = None,
    kyc_status: str = "approved",
    opened_at: datetime | None = None,
) -> BankAccount:
    """Open an account and its ledger account (liability, no overdraft)."""
    if kind not in KINDS:
        raise ValidationFailed("Tipo de conta deve ser 'individual' (CPF) ou 'company' (CNPJ).")
    if kyc_status not in KYC_STATUSES:
        raise ValidationFailed("Situação de KYC deve ser pending, approved ou rejected.")
    doc = normalise_document(kind, document)
    settings = await area_settings(session)
    books = await bank_books(session)
    agency = settings.accounts_agency
    for _ in range(8):
        number = f"{secrets.randbelow(9_000_000) + 1_000_000}"
        taken = await session.scalar(
            select(BankAccount.id).where(BankAccount.agency == agency, BankAccount.number == number)
        )
        if taken is None:
            break
    else:  # pragma: no cover - 9 million numbers per agency
        raise ValidationFailed("Não foi possível alocar um número de conta; tente novamente.")
    dv = domain.account_check_digit(agency, number)
    account_id = uuid.uuid4()
    ledger_account = await ledger_service.open_account(
        session,
        ledger_id=books.ledger_id,
        code=f"conta:{agency}-{number}{dv}",
        name=holder_name[:120],
        type="liability",
        owner_ref=f"banking.account:{account_id}",
        overdraft_limit=Decimal(0),
    )
    account = BankAccount(
        id=account_id,
        kind=kind,
        holder_name=holder_name,
        document=doc,
        email=email.lower() if email else None,
        phone=phone,
        holder_user_id=holder_user_id,
        agency=agency,
        number=number,
        check_digit=dv,
        kyc_status=kyc_status,
        status="active",
        ledger_id=books.ledger_id,
        ledger_account_id=ledger_account.id,
        opened_at=opened_at or utcnow(),
    )
    session.add(account)
    await session.flush()
    return account


async def get_account(session: AsyncSession, account_id: uuid.UUID) -> BankAccount:
    account = await session.scalar(select(BankAccount).where(BankAccount.id == account_id))
    if account is None:
        raise AccountNotFound("Conta não encontrada.")
    return account


async def lock_account(session: AsyncSession, account_id: uuid.UUID) -> BankAccount:
    """The account row locked for this transaction (serialises status changes and limit
    checks of one account; the ledger locks balances on its own). ``FOR NO KEY UPDATE`` so
    that inserting a transfer that references another locked account (its FK takes KEY
    SHARE) does not deadlock opposing transfers."""
    account = await session.scalar(
        select(BankAccount)
        .where(BankAccount.id == account_id)
        .with_for_update(key_share=True)  # NO KEY UPDATE: transfers' FKs still reference it
        .execution_options(populate_existing=True)
    )
    if account is None:
        raise AccountNotFound("Conta não encontrada.")
    return account


async def find_by_number(
    session: AsyncSession, agency: str, number_with_dv: str
) -> BankAccount | None:
    cleaned = number_with_dv.replace("-", "").strip()
    if not domain.is_valid_account(agency, cleaned):
        return None
    found: BankAccount | None = await session.scalar(
        select(BankAccount).where(BankAccount.agency == agency, BankAccount.number == cleaned[:-1])
    )
    return found


async def accounts_of_user(session: AsyncSession, user_id: uuid.UUID) -> list[BankAccount]:
    rows = await session.scalars(
        select(BankAccount)
        .where(BankAccount.holder_user_id == user_id)
        .order_by(BankAccount.opened_at)
    )
    return list(rows.all())


def search_accounts(
    session: AsyncSession, q: str | None = None, status: str | None = None
) -> Select[BankAccount]:
    """The back office's account list (a statement to paginate)."""
    stmt = select(BankAccount)
    if status:
        stmt = stmt.where(BankAccount.status == status)
    if q:
        term = q.strip()
        digits = "".join(ch for ch in term if ch.isalnum()).upper()
        like = f"%{term.lower()}%"
        conds = [BankAccount.holder_name.ilike(like), BankAccount.email.ilike(like)]
        if digits:
            conds += [
                BankAccount.document.like(f"{digits}%"),
                BankAccount.number.like(f"{digits}%"),
            ]
        stmt = stmt.where(or_(*conds))
    return stmt.order_by(BankAccount.opened_at.desc(), BankAccount.id)


# -- status ----------------------------------------------------------------------------------


def ensure_can_debit(account: BankAccount) -> None:
    if account.status == "closed":
        raise AccountClosed("Conta encerrada: não aceita movimentações.")
    if account.status == "frozen":
        raise AccountFrozen("Conta bloqueada: débitos não são permitidos.")
    if account.kyc_status != "approved":
        raise KycPending("Cadastro do titular ainda não aprovado: débitos não são permitidos.")


def ensure_can_credit(account: BankAccount) -> None:
    if account.status == "closed":
        raise AccountClosed("Conta encerrada: não aceita movimentações.")


async def freeze(session: AsyncSession, account_id: uuid.UUID, reason: str) -> BankAccount:
    account = await lock_account(session, account_id)
    if account.status == "closed":
        raise AccountClosed("Conta encerrada.")
    account.status = "frozen"
    account.status_reason = reason or "Bloqueio administrativo"
    await session.flush()
    return account


async def unfreeze(session: AsyncSession, account_id: uuid.UUID) -> BankAccount:
    account = await lock_account(session, account_id)
    if account.status == "closed":
        raise AccountClosed("Conta encerrada.")
    account.status = "active"
    account.status_reason = None
    await session.flush()
    return account


async def close(session: AsyncSession, account_id: uuid.UUID, reason: str = "") -> BankAccount:
    """Only with a zero balance and no holds; the ledger account closes with it."""
    account = await lock_account(session, account_id)
    if account.status == "closed":
        return account
    bal = await ledger_service.balance(session, account.ledger_account_id)
    if bal.posted != 0 or bal.pending_out != 0 or bal.pending_in != 0:
        raise AccountNotEmpty(
            "A conta só pode ser encerrada com saldo zero e sem valores reservados."
        )
    await ledger_service.close_account(session, account.ledger_account_id)
    account.status = "closed"
    account.status_reason = reason or None
    account.closed_at = utcnow()
    await session.flush()
    return account


async def set_kyc(session: AsyncSession, account_id: uuid.UUID, status: str) -> BankAccount:
    if status not in KYC_STATUSES:
        raise ValidationFailed("Situação de KYC deve ser pending, approved ou rejected.")
    account = await lock_account(session, account_id)
    account.kyc_status = status
    await session.flush()
    return account


# -- balances and entries ----------------------------------------------------------------------


async def balance(session: AsyncSession, account: BankAccount) -> Balance:
    return await ledger_service.balance(session, account.ledger_account_id)


async def post_entry(session: AsyncSession, draft: EntryDraft) -> EntryResult:
    """Post through the ledger, answering ``INSUFFICIENT_BALANCE`` (402) for a refused debit."""
    try:
        return await ledger_service.post(session, draft)
    except InsufficientFunds:
        raise InsufficientBalance("Saldo disponível insuficiente para esta operação.") from None


async def debit(
    session: AsyncSession,
    account: BankAccount,
    *,
    amount: Decimal,
    credit_to: uuid.UUID,
    idempotency_key: str,
    metadata: Mapping[str, Any],
    description: str = "",
    fee: Decimal | None = None,
    fee_account: uuid.UUID | None = None,
    pending: bool = False,
    effective_date: date | None = None,
    expires_in: timedelta | None = None,
) -> EntryResult:
    """Take ``amount`` (+ ``fee`` to ``fee_account``) out of the account: a posted entry, or a
    hold with ``pending=True`` (settle with :func:`settle_hold`, release with
    :func:`release_hold`). Checks the account may be debited; the ledger checks the balance."""
    ensure_can_debit(account)
    total = amount + (fee or Decimal(0))
    postings = [Posting.debit(account.ledger_account_id, total), Posting.credit(credit_to, amount)]
    if fee:
        if fee_account is None:
            raise ValueError("fee_account is required with a fee")
        postings.append(Posting.credit(fee_account, fee))
    return await post_entry(
        session,
        EntryDraft(
            idempotency_key=idempotency_key,
            postings=tuple(postings),
            description=description,
            metadata=dict(metadata),
            effective_date=effective_date,
            pending=pending,
            expires_in=expires_in,
        ),
    )


async def credit(
    session: AsyncSession,
    account: BankAccount,
    *,
    amount: Decimal,
    debit_from: uuid.UUID,
    idempotency_key: str,
    metadata: Mapping[str, Any],
    description: str = "",
    effective_date: date | None = None,
) -> EntryResult:
    """Put ``amount`` into the account from a bank account (settlement, deposits...)."""
    ensure_can_credit(account)
    return await post_entry(
        session,
        EntryDraft(
            idempotency_key=idempotency_key,
            postings=(
                Posting.debit(debit_from, amount),
                Posting.credit(account.ledger_account_id, amount),
            ),
            description=description,
            metadata=dict(metadata),
            effective_date=effective_date,
        ),
    )


async def move(
    session: AsyncSession,
    source: BankAccount,
    target: BankAccount,
    *,
    amount: Decimal,
    idempotency_key: str,
    metadata: Mapping[str, Any],
    description: str = "",
    effective_date: date | None = None,
) -> EntryResult:
    """Account to account inside the bank (P2P): one entry."""
    ensure_can_debit(source)
    ensure_can_credit(target)
    return await post_entry(
        session,
        EntryDraft(
            idempotency_key=idempotency_key,
            postings=(
                Posting.debit(source.ledger_account_id, amount),
                Posting.credit(target.ledger_account_id, amount),
            ),
            description=description,
            metadata=dict(metadata),
            effective_date=effective_date,
        ),
    )


async def settle_hold(
    session: AsyncSession,
    hold_id: uuid.UUID,
    *,
    amount: Decimal | None = None,
    metadata: Mapping[str, Any] | None = None,
    description: str | None = None,
    effective_date: date | None = None,
) -> EntryResult:
    """Post a hold in full or for less (a card capture, a settled transfer)."""
    return await ledger_service.post_pending(
        session,
        hold_id,
        amount=amount,
        metadata=dict(metadata) if metadata else None,
        description=description,
        effective_date=effective_date,
    )


async def release_hold(
    session: AsyncSession, hold_id: uuid.UUID, *, metadata: Mapping[str, Any] | None = None
) -> EntryResult:
    """Void a hold (a rejected transfer, a reversed card authorisation)."""
    return await ledger_service.void_pending(
        session, hold_id, metadata=dict(metadata) if metadata else None
    )


# -- PIX keys ----------------------------------------------------------------------------------


async def register_pix_key(
    session: AsyncSession, account: BankAccount, key_type: str, value: str | None
) -> PixKey:
    """CPF/CNPJ keys must be the holder's own document; EVP keys are generated here."""
    ensure_can_credit(account)
    try:
        kind = PixKeyType(key_type)
    except ValueError:
        raise InvalidPixKey("Tipo de chave deve ser cpf, cnpj, email, phone ou evp.") from None
    if kind is PixKeyType.EVP:
        text = str(uuid.uuid4())
    elif kind in (PixKeyType.CPF, PixKeyType.CNPJ) and not value:
        text = account.document
    else:
        text = value or ""
    try:
        key = parse_pix_key(text)
    except PixError as exc:
        raise InvalidPixKey(exc.detail) from None
    if key.key_type is not kind:
        raise InvalidPixKey(f"O valor informado não é uma chave do tipo {kind.value}.")
    if kind in (PixKeyType.CPF, PixKeyType.CNPJ) and key.value != account.document:
        raise InvalidPixKey("Chave CPF/CNPJ deve ser o documento do titular da conta.")
    row = PixKey(account_id=account.id, key_type=kind.value, value=key.value, created_at=utcnow())
    try:
        async with session.begin_nested():
            session.add(row)
            await session.flush()
    except IntegrityError:
        raise PixKeyTaken("Esta chave PIX já está cadastrada.") from None
    return row


async def pix_keys(session: AsyncSession, account: BankAccount) -> Sequence[PixKey]:
    rows = await session.scalars(
        select(PixKey).where(PixKey.account_id == account.id).order_by(PixKey.created_at)
    )
    return rows.all()


async def delete_pix_key(session: AsyncSession, account: BankAccount, key_id: uuid.UUID) -> None:
    row = await session.scalar(
        select(PixKey).where(PixKey.id == key_id, PixKey.account_id == account.id)
    )
    if row is None:
        raise AccountNotFound("Chave PIX não encontrada.", code="PIX_KEY_NOT_FOUND")
    await session.delete(row)
    await session.flush()


async def account_for_pix_key(session: AsyncSession, value: str) -> BankAccount | None:
    try:
        key = parse_pix_key(value)
    except PixError:
        return None
    account_id = await session.scalar(select(PixKey.account_id).where(PixKey.value == key.value))
    if account_id is None:
        return None
    return await session.scalar(select(BankAccount).where(BankAccount.id == account_id))


# -- deposits by boleto ------------------------------------------------------------------------


async def issue_deposit(session: AsyncSession, account: BankAccount, amount: Decimal) -> Deposit:
    """A deposit boleto (the bank's own, built with lastro.br) payable into the account."""
    ensure_can_credit(account)
    if amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        raise ValidationFailed("Valor do depósito deve ser positivo, com até 2 casas decimais.")
    settings = await area_settings(session)
    due = today_sp() + timedelta(days=settings.accounts_deposit_due_days)
    nosso = f"{secrets.randbelow(10**17):017d}"
    free_field = f"{account.agency}{nosso}{account.number[-4:]:0>4}"
    boleto = build_boleto(settings.accounts_bank_code, due, amount, free_field)
    deposit = Deposit(
        account_id=account.id,
        amount=boleto.amount,
        nosso_numero=nosso,
        barcode=boleto.barcode,
        digitable_line=boleto.linha_digitavel,
        due_date=due,
        status="open",
    )
    session.add(deposit)
    await session.flush()
    return deposit


async def pay_deposit(
    session: AsyncSession,
    deposit_id: uuid.UUID,
    *,
    paid_at: datetime | None = None,
    effective_date: date | None = None,
) -> Deposit:
    """Credit a paid deposit boleto, once (a second notice answers the same deposit)."""
    deposit = await session.scalar(
        select(Deposit).where(Deposit.id == deposit_id).with_for_update()
    )
    if deposit is None:
        raise AccountNotFound("Depósito não encontrado.", code="DEPOSIT_NOT_FOUND")
    if deposit.status == "paid":
        return deposit
    if deposit.status != "open":
        raise DepositAlreadyPaid("Depósito não está em aberto.")
    account = await get_account(session, deposit.account_id)
    books: BankBooks = await bank_books(session)
    entry = await credit(
        session,
        account,
        amount=deposit.amount,
        debit_from=books.boleto_deposits,
        idempotency_key=f"deposit:{deposit.id}",
        metadata=movement_metadata(
            "deposit", "depositos", "Depósito por boleto", deposit_id=str(deposit.id)
        ),
        description="Depósito por boleto",
        effective_date=effective_date,
    )
    deposit.status = "paid"
    deposit.paid_at = paid_at or utcnow()
    deposit.entry_id = entry.id
    await session.flush()
    return deposit


def kind_label(kind: str) -> str:
    return "Pessoa física" if kind == "individual" else "Pessoa jurídica"
