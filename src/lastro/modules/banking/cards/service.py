"""Card use cases: issue (physical, virtual, replacement), block / unblock / cancel / report
lost, one-time codes for the full details, and processor authorisations with ledger holds.

A PAN exists in the clear only in memory, while it is generated or shown to its holder with a
valid code; everything persisted or logged carries the last four digits at most.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from lastro.core.audit.service import record as audit
from lastro.core.config.service import get_settings_for
from lastro.core.ledger.errors import PendingAlreadyResolved, PendingExpired
from lastro.core.notifications.api import DefaultTemplate, Recipient, notify, register_template
from lastro.kit.clock import today_sp, utcnow
from lastro.kit.errors import LastroError, ValidationFailed
from lastro.kit.ids import new_id
from lastro.kit.money import brl
from lastro.modules.banking.accounts import service as accounts
from lastro.modules.banking.accounts.errors import AccountNotFound, InsufficientBalance
from lastro.modules.banking.accounts.models import BankAccount
from lastro.modules.banking.cards import domain
from lastro.modules.banking.cards.books import CARD_SETTLEMENT, bank_account
from lastro.modules.banking.cards.crypto import CardCipher
from lastro.modules.banking.cards.errors import (
    DECLINE_STATUS,
    AuthorizationExpired,
    AuthorizationNotFound,
    AuthorizationStateConflict,
    CardDeclined,
    CardNotFound,
    CardStateConflict,
    VerificationFailed,
    VerificationRequired,
)
from lastro.modules.banking.cards.models import Card, CardAuthorization, CardVerification
from lastro.modules.banking.cards.settings import AreaSettings

log = logging.getLogger(__name__)

NAMESPACE = "banking"
STAFF = "banking.cards.manage"
MAX_CODE_ATTEMPTS = 5
ACTIVE_AUTH = ("approved", "captured")

register_template(
    DefaultTemplate(
        key="banking.cards.verification_code",
        subject="Código para ver os dados do cartão final {{ last4 }}",
        body=(
            "Seu código para ver os dados do cartão final {{ last4 }} é {{ code }}. "
            "Ele vale por {{ minutes }} minutos e só pode ser usado uma vez. "
            "Nunca informe este código a ninguém, nem a quem diga ser do banco."
        ),
        description="Código de uso único para exibir número e CVV do cartão",
        legal=True,
    )
)
register_template(
    DefaultTemplate(
        key="banking.cards.declined",
        subject="Compra recusada no cartão final {{ last4 }}",
        body="Uma compra de {{ amount }} em {{ merchant }} foi recusada: {{ reason }}.",
        description="Aviso de compra recusada",
    )
)

DECLINE_TEXT = {
    "CARD_BLOCKED": "cartão bloqueado",
    "CARD_EXPIRED": "cartão vencido",
    "INVALID_CARD_DATA": "dados do cartão não conferem",
    "ACCOUNT_FROZEN": "conta bloqueada",
    "LIMIT_EXCEEDED": "limite do cartão excedido",
    "INSUFFICIENT_BALANCE": "saldo insuficiente",
}


async def area_settings(session: AsyncSession) -> AreaSettings:
    return await get_settings_for(session, NAMESPACE, AreaSettings)


@dataclass(frozen=True)
class Caller:
    user_id: uuid.UUID
    staff: bool


# -- finding -------------------------------------------------------------------------------


def cards_statement(caller: Caller, account_id: uuid.UUID | None = None) -> Select[Card]:
    stmt = select(Card)
    if not caller.staff:
        stmt = stmt.join(
            BankAccount,
            (BankAccount.tenant_id == Card.tenant_id) & (BankAccount.id == Card.account_id),
        ).where(BankAccount.holder_user_id == caller.user_id)
    if account_id is not None:
        stmt = stmt.where(Card.account_id == account_id)
    return stmt.order_by(Card.issued_at.desc(), Card.id.desc())


async def _owned(session: AsyncSession, caller: Caller, card: Card | None) -> Card:
    if card is None:
        raise CardNotFound("Cartão não encontrado.")
    if not caller.staff:
        account = await session.get(BankAccount, (card.tenant_id, card.account_id))
        if account is None or account.holder_user_id != caller.user_id:
            raise CardNotFound("Cartão não encontrado.")
    return card


async def get_card(session: AsyncSession, caller: Caller, card_id: uuid.UUID) -> Card:
    return await _owned(
        session, caller, await session.scalar(select(Card).where(Card.id == card_id))
    )


async def lock_card(session: AsyncSession, caller: Caller, card_id: uuid.UUID) -> Card:
    card = await session.scalar(
        select(Card)
        .where(Card.id == card_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return await _owned(session, caller, card)


async def _account_for(session: AsyncSession, caller: Caller, account_id: uuid.UUID) -> BankAccount:
    account = await accounts.get_account(session, account_id)
    if not caller.staff and account.holder_user_id != caller.user_id:
        raise AccountNotFound("Conta não encontrada.")
    return account


# -- issuing -------------------------------------------------------------------------------


def _holder_name(name: str) -> str:
    """Embossing: upper case, ASCII, at most 26 characters."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    cleaned = " ".join(ascii_name.upper().split())
    return cleaned[:26] or "TITULAR"


async def issue_card(
    session: AsyncSession,
    cipher: CardCipher,
    caller: Caller,
    account_id: uuid.UUID,
    *,
    kind: str,
    holder_name: str | None = None,
    nickname: str | None = None,
    daily_limit: Decimal | None = None,
    monthly_limit: Decimal | None = None,
    valid_until: date | None = None,
    replaces: Card | None = None,
) -> Card:
    """A new card: a fresh PAN on the tenant's BIN (Luhn-valid, unique), CVV, expiry; limits
    default to the tenant's and may only be lowered by the holder (staff may raise them)."""
    account = await _account_for(session, caller, account_id)
    if account.status != "active":
        raise CardStateConflict("A conta precisa estar ativa para emitir um cartão.")
    cfg = await area_settings(session)
    today = today_sp()
    if kind == "virtual":
        latest = _add_months(today, cfg.cards_virtual_max_months)
        valid_until = valid_until or _add_months(today, 12)
        if valid_until <= today or valid_until > latest:
            raise ValidationFailed(
                f"Validade do cartão virtual deve ficar entre amanhã e {latest:%d/%m/%Y}."
            )
        exp_month, exp_year = valid_until.month, valid_until.year
    else:
        exp_month, exp_year = domain.expiry_for(today, cfg.cards_validity_years)
        valid_until = _month_end(exp_year, exp_month)
    daily = cfg.cards_daily_limit if daily_limit is None else daily_limit
    monthly = cfg.cards_monthly_limit if monthly_limit is None else monthly_limit
    if not caller.staff and (daily > cfg.cards_daily_limit or monthly > cfg.cards_monthly_limit):
        raise ValidationFailed("Limites acima do padrão só podem ser definidos pela equipe.")
    if daily > monthly:
        monthly = max(monthly, daily) if monthly_limit is None else monthly
        if daily > monthly:
            raise ValidationFailed("O limite diário não pode ser maior que o mensal.")
    card_id = new_id()
    tenant_id = account.tenant_id
    for _ in range(8):
        pan = domain.generate_pan(cfg.cards_bin)
        digest = cipher.pan_hash(pan)
        if await session.scalar(select(Card.id).where(Card.pan_hash == digest)) is None:
            break
    else:  # pragma: no cover - 10^7 numbers per BIN
        raise CardStateConflict("Não foi possível gerar um número de cartão; tente novamente.")
    card = Card(
        id=card_id,
        account_id=account.id,
        kind=kind,
        status="active",
        brand=domain.brand_of(cfg.cards_bin),
        bin=cfg.cards_bin,
        last4=pan[-4:],
        pan_hash=digest,
        pan_encrypted=cipher.encrypt(pan, tenant_id=tenant_id, card_id=card_id, field="pan"),
        cvv_encrypted=cipher.encrypt(
            domain.generate_cvv(), tenant_id=tenant_id, card_id=card_id, field="cvv"
        ),
        key_id=cipher.active,
        token="tok_" + secrets.token_urlsafe(24),
        holder_name=_holder_name(holder_name or account.holder_name),
        nickname=nickname,
        exp_month=exp_month,
        exp_year=exp_year,
        valid_until=valid_until,
        daily_limit=daily,
        monthly_limit=monthly,
        replaces_id=replaces.id if replaces else None,
        issued_at=utcnow(),
    )
    del pan
    session.add(card)
    await session.flush()
    audit(
        session,
        "banking.card.issued",
        "banking_card",
        card.id,
        after={"kind": kind, "last4": card.last4, "account_id": str(account.id)},
    )
    log.info("card issued", extra={"card_id": str(card.id), "last4": card.last4})
    return card


def _add_months(day: date, months: int) -> date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    end = _month_end(year, month)
    return day.replace(year=year, month=month, day=min(day.day, end.day))


def _month_end(year: int, month: int) -> date:
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return nxt - timedelta(days=1)


# -- status ----------------------------------------------------------------------------------


async def _set_status(
    session: AsyncSession,
    caller: Caller,
    card_id: uuid.UUID,
    allowed: Sequence[str],
    to: str,
    reason: str | None,
) -> Card:
    card = await lock_card(session, caller, card_id)
    if card.status == to:
        return card  # idempotent
    if card.status not in allowed:
        raise CardStateConflict(f"O cartão final {card.last4} está {STATUS_LABELS[card.status]}.")
    before = card.status
    card.status = to
    card.status_reason = reason
    audit(
        session,
        f"banking.card.{to}",
        "banking_card",
        card.id,
        before={"status": before},
        after={"status": to, "reason": reason},
    )
    await session.flush()
    return card


STATUS_LABELS = {
    "active": "ativo",
    "blocked": "bloqueado",
    "cancelled": "cancelado",
    "lost": "bloqueado por perda ou roubo",
}


async def block(
    session: AsyncSession, caller: Caller, card_id: uuid.UUID, reason: str | None
) -> Card:
    return await _set_status(
        session, caller, card_id, ("active",), "blocked", reason or "Bloqueio pelo titular"
    )


async def unblock(session: AsyncSession, caller: Caller, card_id: uuid.UUID) -> Card:
    card = await lock_card(session, caller, card_id)
    if card.status == "blocked" and domain.is_expired(card.exp_month, card.exp_year, today_sp()):
        raise CardStateConflict("Cartão vencido não pode ser desbloqueado.")
    return await _set_status(session, caller, card_id, ("blocked",), "active", None)


async def cancel(
    session: AsyncSession, caller: Caller, card_id: uuid.UUID, reason: str | None
) -> Card:
    return await _set_status(
        session, caller, card_id, ("active", "blocked"), "cancelled", reason or "Cancelado"
    )


async def report_lost(
    session: AsyncSession,
    cipher: CardCipher,
    caller: Caller,
    card_id: uuid.UUID,
    reason: str | None,
) -> tuple[Card, Card]:
    """Lost or stolen: the card is blocked for good and a replacement of the same kind and
    limits is issued (a second report returns the same replacement)."""
    card = await lock_card(session, caller, card_id)
    if card.status == "lost" and card.replaced_by_id is not None:
        replacement = await session.scalar(select(Card).where(Card.id == card.replaced_by_id))
        assert replacement is not None
        return card, replacement
    if card.status not in ("active", "blocked"):
        raise CardStateConflict(f"O cartão final {card.last4} está {STATUS_LABELS[card.status]}.")
    await _set_status(
        session, caller, card_id, ("active", "blocked"), "lost", reason or "Perda ou roubo"
    )
    replacement = await issue_card(
        session,
        cipher,
        Caller(caller.user_id, staff=True),  # same limits as before, whoever reports
        card.account_id,
        kind=card.kind,
        holder_name=card.holder_name,
        nickname=card.nickname,
        daily_limit=card.daily_limit,
        monthly_limit=card.monthly_limit,
        valid_until=card.valid_until
        if card.kind == "virtual" and card.valid_until > today_sp()
        else None,
        replaces=card,
    )
    card.replaced_by_id = replacement.id
    await session.flush()
    return card, replacement


async def set_limits(
    session: AsyncSession,
    caller: Caller,
    card_id: uuid.UUID,
    *,
    daily_limit: Decimal | None,
    monthly_limit: Decimal | None,
) -> Card:
    card = await lock_card(session, caller, card_id)
    cfg = await area_settings(session)
    daily = card.daily_limit if daily_limit is None else daily_limit
    monthly = card.monthly_limit if monthly_limit is None else monthly_limit
    if not caller.staff and (
        daily > max(card.daily_limit, cfg.cards_daily_limit)
        or monthly > max(card.monthly_limit, cfg.cards_monthly_limit)
    ):
        raise ValidationFailed("Limites acima do padrão só podem ser definidos pela equipe.")
    if daily > monthly:
        raise ValidationFailed("O limite diário não pode ser maior que o mensal.")
    before = {"daily_limit": str(card.daily_limit), "monthly_limit": str(card.monthly_limit)}
    card.daily_limit, card.monthly_limit = daily, monthly
    audit(
        session,
        "banking.card.limits",
        "banking_card",
        card.id,
        before=before,
        after={"daily_limit": str(daily), "monthly_limit": str(monthly)},
    )
    await session.flush()
    return card


# -- one-time codes and details ------------------------------------------------------------


def _code_hash(secret: str, card_id: uuid.UUID, code: str) -> str:
    return hmac.new(secret.encode(), f"{card_id}:{code}".encode(), hashlib.sha256).hexdigest()


async def issue_code(
    session: AsyncSession,
    secret: str,
    caller: Caller,
    card_id: uuid.UUID,
    channel: str,
) -> CardVerification:
    """A six-digit code sent to the card holder by SMS or e-mail; earlier codes stop working."""
    card = await get_card(session, caller, card_id)
    if card.status in ("cancelled", "lost"):
        raise CardStateConflict(f"O cartão final {card.last4} está {STATUS_LABELS[card.status]}.")
    account = await session.get(BankAccount, (card.tenant_id, card.account_id))
    assert account is not None
    cfg = await area_settings(session)
    now = utcnow()
    await session.execute(
        update(CardVerification)
        .where(
            CardVerification.card_id == card.id,
            CardVerification.user_id == caller.user_id,
            CardVerification.used_at.is_(None),
        )
        .values(used_at=now)
    )
    code = f"{secrets.randbelow(1_000_000):06d}"
    verification = CardVerification(
        card_id=card.id,
        user_id=caller.user_id,
        code_hash=_code_hash(secret, card.id, code),
        channel=channel,
        created_at=now,
        expires_at=now + timedelta(seconds=cfg.cards_code_ttl_seconds),
    )
    session.add(verification)
    # the holder's own contact when the requester is the holder; staff get it on theirs
    if caller.user_id == account.holder_user_id:
        recipient = Recipient(user_id=caller.user_id, phone=account.phone, email=account.email)
    else:
        recipient = Recipient(user_id=caller.user_id)
    await notify(
        session,
        recipient,
        "banking.cards.verification_code",
        {"code": code, "last4": card.last4, "minutes": cfg.cards_code_ttl_seconds // 60},
        channels=[channel],
        legal=True,
    )
    await session.flush()
    return verification


async def consume_code(
    session: AsyncSession, secret: str, caller: Caller, card_id: uuid.UUID, code: str | None
) -> Card:
    """Check and spend the caller's latest code for this card (single use): the atomic
    conditional update makes two concurrent uses of one code succeed once."""
    card = await get_card(session, caller, card_id)
    if not code:
        raise VerificationRequired(
            "Envie o código recebido no cabeçalho X-Verification-Code "
            f"(peça um em POST /api/v1/banking/cards/{card.id}/verification-code)."
        )
    now = utcnow()
    latest = await session.scalar(
        select(CardVerification)
        .where(
            CardVerification.card_id == card.id,
            CardVerification.user_id == caller.user_id,
            CardVerification.used_at.is_(None),
        )
        .order_by(CardVerification.created_at.desc())
        .limit(1)
    )
    if latest is None or latest.expires_at <= now or latest.attempts >= MAX_CODE_ATTEMPTS:
        raise VerificationFailed("Código expirado ou já usado: peça um novo.")
    if not hmac.compare_digest(latest.code_hash, _code_hash(secret, card.id, code.strip())):
        latest.attempts += 1
        if latest.attempts >= MAX_CODE_ATTEMPTS:
            latest.used_at = now
        await session.flush()
        raise VerificationFailed("Código de verificação incorreto.")
    spent = await session.execute(
        update(CardVerification)
        .where(CardVerification.id == latest.id, CardVerification.used_at.is_(None))
        .values(used_at=now)
    )
    if spent.rowcount != 1:  # type: ignore[attr-defined]
        raise VerificationFailed("Código já usado: peça um novo.")
    audit(
        session, "banking.card.details_viewed", "banking_card", card.id, after={"last4": card.last4}
    )
    return card


@dataclass(frozen=True)
class CardDetails:
    pan: str
    cvv: str
    exp_month: int
    exp_year: int
    holder_name: str


def reveal(cipher: CardCipher, card: Card) -> CardDetails:
    return CardDetails(
        pan=cipher.decrypt(
            card.pan_encrypted, tenant_id=card.tenant_id, card_id=card.id, field="pan"
        ),
        cvv=cipher.decrypt(
            card.cvv_encrypted, tenant_id=card.tenant_id, card_id=card.id, field="cvv"
        ),
        exp_month=card.exp_month,
        exp_year=card.exp_year,
        holder_name=card.holder_name,
    )


# -- authorisations --------------------------------------------------------------------------


@dataclass(frozen=True)
class AuthorizationRequest:
    processor_ref: str
    amount: Decimal
    merchant_name: str
    mcc: str
    pan: str | None = None
    token: str | None = None
    cvv: str | None = None
    exp_month: int | None = None
    exp_year: int | None = None
    merchant_city: str | None = None
    currency: str = "BRL"


async def _find_card_for(
    session: AsyncSession, cipher: CardCipher, req: AuthorizationRequest
) -> Card:
    if req.token:
        stmt = select(Card).where(Card.token == req.token)
    elif req.pan:
        stmt = select(Card).where(Card.pan_hash == cipher.pan_hash(req.pan))
    else:
        raise ValidationFailed("Informe o número do cartão (pan) ou o token.")
    card = await session.scalar(stmt.with_for_update().execution_options(populate_existing=True))
    if card is None:
        raise CardNotFound("Cartão não encontrado.")
    return card


async def _spent(session: AsyncSession, card_id: uuid.UUID, since: date) -> Decimal:
    """Approved (held) and captured amounts of the card since ``since`` (São Paulo dates)."""
    total = await session.scalar(
        select(
            func.coalesce(
                func.sum(
                    func.coalesce(CardAuthorization.captured_amount, CardAuthorization.amount)
                ),
                0,
            )
        ).where(
            CardAuthorization.card_id == card_id,
            CardAuthorization.local_date >= since,
            CardAuthorization.status.in_(ACTIVE_AUTH),
        )
    )
    return Decimal(str(total or 0)).quantize(Decimal("0.01"))


def decline_error(auth: CardAuthorization) -> CardDeclined:
    reason = auth.decline_reason or "DECLINED"
    return CardDeclined(
        f"Transação recusada: {DECLINE_TEXT.get(reason, reason.lower())}.",
        code=reason,
        status=DECLINE_STATUS.get(reason, 402),
        extra={"authorization_id": str(auth.id), "decline_reason": reason},
    )


async def authorize(
    session: AsyncSession, cipher: CardCipher, req: AuthorizationRequest
) -> CardAuthorization:
    """Approve (and hold the amount on the account's ledger account) or decline with a
    reason. The card row is locked for the decision, so concurrent authorisations of one card
    see each other's amounts against its limits; a repeated ``processor_ref`` answers the
    first decision."""
    if req.currency != "BRL":
        raise ValidationFailed("Somente transações em BRL.")
    card = await _find_card_for(session, cipher, req)
    existing = await session.scalar(
        select(CardAuthorization).where(CardAuthorization.processor_ref == req.processor_ref)
    )
    if existing is not None:
        if existing.card_id != card.id or existing.amount != req.amount:
            raise AuthorizationStateConflict(
                "Referência do processador já usada para outra transação."
            )
        if existing.status == "declined":
            raise decline_error(existing)
        return existing
    today = today_sp()
    category = domain.category_for_mcc(req.mcc)
    auth = CardAuthorization(
        id=new_id(),
        card_id=card.id,
        account_id=card.account_id,
        processor_ref=req.processor_ref,
        amount=req.amount,
        currency=req.currency,
        merchant_name=req.merchant_name,
        merchant_city=req.merchant_city,
        mcc=req.mcc,
        category=category,
        status="declined",
        local_date=today,
        created_at=utcnow(),
    )
    reason = await _decline_reason(session, cipher, card, req, today)
    account = await accounts.lock_account(session, card.account_id)
    if reason is None and account.status != "active":
        reason = "ACCOUNT_FROZEN"
    if reason is None:
        try:
            async with session.begin_nested():
                hold = await accounts.debit(
                    session,
                    account,
                    amount=req.amount,
                    credit_to=await bank_account(session, CARD_SETTLEMENT),
                    idempotency_key=f"card-auth:{auth.id}",
                    metadata=accounts.movement_metadata(
                        "card_purchase",
                        category,
                        req.merchant_name,
                        mcc=req.mcc,
                        card_last4=card.last4,
                        authorization_id=str(auth.id),
                    ),
                    description=f"Compra no cartão final {card.last4}: {req.merchant_name}",
                    pending=True,
                    expires_in=timedelta(days=(await area_settings(session)).cards_hold_days),
                )
        except InsufficientBalance:
            reason = "INSUFFICIENT_BALANCE"
        except LastroError as exc:  # the account cannot be debited (KYC, frozen)
            log.info("card authorisation refused by account: %s", exc.code)
            reason = "ACCOUNT_FROZEN"
        else:
            auth.status = "approved"
            auth.hold_entry_id = hold.id
    auth.decline_reason = reason
    session.add(auth)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:
        raise AuthorizationStateConflict(
            "Referência do processador já usada para outra transação."
        ) from None
    log.info(
        "card authorisation",
        extra={"card_last4": card.last4, "status": auth.status, "reason": reason},
    )
    if reason is not None:
        if account.holder_user_id is not None:
            await notify(
                session,
                Recipient(user_id=account.holder_user_id),
                "banking.cards.declined",
                {
                    "last4": card.last4,
                    "amount": f"{brl(req.amount)}",
                    "merchant": req.merchant_name,
                    "reason": DECLINE_TEXT.get(reason, reason),
                },
            )
        raise decline_error(auth)
    return auth


async def _decline_reason(
    session: AsyncSession, cipher: CardCipher, card: Card, req: AuthorizationRequest, today: date
) -> str | None:
    if card.status != "active":
        return "CARD_BLOCKED"
    if today > card.valid_until or domain.is_expired(card.exp_month, card.exp_year, today):
        return "CARD_EXPIRED"
    if (req.exp_month is not None and req.exp_month != card.exp_month) or (
        req.exp_year is not None and req.exp_year % 100 != card.exp_year % 100
    ):
        return "INVALID_CARD_DATA"
    if req.cvv is not None:
        cvv = cipher.decrypt(
            card.cvv_encrypted, tenant_id=card.tenant_id, card_id=card.id, field="cvv"
        )
        if not hmac.compare_digest(cvv, req.cvv):
            return "INVALID_CARD_DATA"
    if await _spent(session, card.id, today) + req.amount > card.daily_limit:
        return "LIMIT_EXCEEDED"
    if await _spent(session, card.id, today.replace(day=1)) + req.amount > card.monthly_limit:
        return "LIMIT_EXCEEDED"
    return None


async def _lock_auth(session: AsyncSession, authorization_id: uuid.UUID) -> CardAuthorization:
    auth = await session.scalar(
        select(CardAuthorization)
        .where(CardAuthorization.id == authorization_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if auth is None:
        raise AuthorizationNotFound("Autorização não encontrada.")
    return auth


async def capture(
    session: AsyncSession, authorization_id: uuid.UUID, amount: Decimal | None = None
) -> CardAuthorization:
    """Post the hold (in full or for less: the rest is released). Capturing again answers
    the same capture."""
    auth = await _lock_auth(session, authorization_id)
    value = auth.amount if amount is None else amount
    if auth.status == "captured":
        if value != auth.captured_amount:
            raise AuthorizationStateConflict("Autorização já capturada com outro valor.")
        return auth
    if auth.status != "approved" or auth.hold_entry_id is None:
        raise AuthorizationStateConflict(
            f"Autorização {STATUS_AUTH[auth.status]}: não pode ser capturada."
        )
    if value <= 0 or value > auth.amount:
        raise ValidationFailed("O valor capturado deve ser positivo e até o valor autorizado.")
    card = await session.scalar(select(Card).where(Card.id == auth.card_id))
    assert card is not None
    try:
        async with session.begin_nested():
            entry = await accounts.settle_hold(
                session,
                auth.hold_entry_id,
                amount=value,
                metadata=accounts.movement_metadata(
                    "card_purchase",
                    auth.category,
                    auth.merchant_name,
                    mcc=auth.mcc,
                    card_last4=card.last4,
                    authorization_id=str(auth.id),
                ),
            )
    except PendingExpired:
        auth.status = "expired"
        await session.flush()
        raise AuthorizationExpired(
            "A reserva expirou: a autorização não pode mais ser capturada."
        ) from None
    auth.status = "captured"
    auth.captured_amount = value
    auth.capture_entry_id = entry.id
    auth.captured_at = utcnow()
    await session.flush()
    return auth


async def reverse(session: AsyncSession, authorization_id: uuid.UUID) -> CardAuthorization:
    """Undo an authorisation: release the hold, or refund a captured purchase to the account
    (a new credit; the purchase stays in the books). Reversing twice answers the same."""
    auth = await _lock_auth(session, authorization_id)
    if auth.status == "reversed":
        return auth
    card = await session.scalar(select(Card).where(Card.id == auth.card_id))
    assert card is not None
    meta: dict[str, Any] = accounts.movement_metadata(
        "card_refund" if auth.status == "captured" else "card_reversal",
        auth.category,
        auth.merchant_name,
        mcc=auth.mcc,
        card_last4=card.last4,
        authorization_id=str(auth.id),
    )
    if auth.status == "approved" and auth.hold_entry_id is not None:
        try:
            async with session.begin_nested():
                entry = await accounts.release_hold(session, auth.hold_entry_id, metadata=meta)
        except (PendingAlreadyResolved, PendingExpired):
            auth.status = "expired"
            await session.flush()
            raise AuthorizationExpired("A reserva já foi liberada (expirou).") from None
    elif auth.status == "captured" and auth.captured_amount is not None:
        account = await accounts.get_account(session, auth.account_id)
        entry = await accounts.credit(
            session,
            account,
            amount=auth.captured_amount,
            debit_from=await bank_account(session, CARD_SETTLEMENT),
            idempotency_key=f"card-refund:{auth.id}",
            metadata=meta,
            description=f"Estorno da compra no cartão final {card.last4}: {auth.merchant_name}",
        )
    else:
        raise AuthorizationStateConflict(
            f"Autorização {STATUS_AUTH[auth.status]}: não pode ser estornada."
        )
    auth.status = "reversed"
    auth.reversal_entry_id = entry.id
    auth.reversed_at = utcnow()
    await session.flush()
    return auth


STATUS_AUTH = {
    "approved": "aprovada",
    "captured": "capturada",
    "reversed": "estornada",
    "declined": "recusada",
    "expired": "expirada",
}


def authorizations_statement(
    caller: Caller, card_id: uuid.UUID | None = None, status: str | None = None
) -> Select[CardAuthorization]:
    stmt = select(CardAuthorization)
    if not caller.staff:
        stmt = stmt.join(
            BankAccount,
            (BankAccount.tenant_id == CardAuthorization.tenant_id)
            & (BankAccount.id == CardAuthorization.account_id),
        ).where(BankAccount.holder_user_id == caller.user_id)
    if card_id is not None:
        stmt = stmt.where(CardAuthorization.card_id == card_id)
    if status:
        stmt = stmt.where(CardAuthorization.status == status)
    return stmt.order_by(CardAuthorization.created_at.desc(), CardAuthorization.id.desc())


async def rotate_keys(
    session: AsyncSession, cipher: CardCipher, *, batch: int = 500, once: bool = False
) -> int:
    """Re-encrypt (and re-hash) cards not under the active key; returns how many were
    rewritten. Runs on a platform-bound session across tenants, in batches (``once``: a
    single batch, for callers that commit between batches)."""
    changed = 0
    while True:
        cards = (
            await session.scalars(
                select(Card)
                .where(Card.key_id != cipher.active)
                .order_by(Card.tenant_id, Card.id)
                .limit(batch)
                .with_for_update(skip_locked=True)
            )
        ).all()
        if not cards:
            return changed
        for card in cards:
            ids = {"tenant_id": card.tenant_id, "card_id": card.id}
            pan = cipher.decrypt(card.pan_encrypted, field="pan", **ids)
            cvv = cipher.decrypt(card.cvv_encrypted, field="cvv", **ids)
            card.pan_encrypted = cipher.encrypt(pan, field="pan", **ids)
            card.cvv_encrypted = cipher.encrypt(cvv, field="cvv", **ids)
            card.pan_hash = cipher.pan_hash(pan)
            card.key_id = cipher.active
            changed += 1
        await session.flush()
        if once:
            return changed


async def expire_stale(session: AsyncSession, *, now: datetime | None = None) -> int:
    """Mark approved authorisations whose hold has lapsed as expired, so they stop counting
    against the card's limits (the ledger's own expiry job releases the money)."""
    cfg = await area_settings(session)
    cutoff = (now or utcnow()) - timedelta(days=cfg.cards_hold_days)
    result = await session.execute(
        update(CardAuthorization)
        .where(CardAuthorization.status == "approved", CardAuthorization.created_at < cutoff)
        .values(status="expired")
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
