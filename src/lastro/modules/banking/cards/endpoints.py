"""Card routes (``/api/v1/banking/cards``). Holders reach the cards of their own accounts;
staff (``banking.cards.manage``) reach every card; the processor (an API key or staff with
``banking.cards.authorize``) sends authorisations, captures and reversals."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query, Response
from pydantic import Field

from lastro.core.web.deps import Principal, RuntimeDep, SessionDep, TenantPrincipal, require
from lastro.core.web.routing import LastroRoute
from lastro.kit.pagination import MAX_LIMIT, Page, paginate
from lastro.kit.schemas import ReadModel, WriteModel
from lastro.modules.banking.cards import crypto, domain, service
from lastro.modules.banking.cards.errors import AuthorizationNotFound, VerificationFailed
from lastro.modules.banking.cards.models import Card, CardAuthorization

router = APIRouter(
    prefix="/api/v1/banking/cards", route_class=LastroRoute, tags=["banking: cartões"]
)

READ = "banking.cards.read"
WRITE = "banking.cards.write"
AUTHORIZE = "banking.cards.authorize"

Amount = Annotated[Decimal, Field(gt=0, max_digits=14, decimal_places=2)]
Limit = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]


class CardRead(ReadModel):
    """Never more than the last four digits."""

    id: uuid.UUID
    account_id: uuid.UUID
    kind: str
    status: str
    status_reason: str | None
    brand: str
    last4: str
    masked: str
    holder_name: str
    nickname: str | None
    exp_month: int
    exp_year: int
    valid_until: date
    daily_limit: Decimal
    monthly_limit: Decimal
    replaced_by_id: uuid.UUID | None
    replaces_id: uuid.UUID | None
    issued_at: datetime

    @classmethod
    def of(cls, card: Card) -> CardRead:
        return cls.model_validate(
            {
                **{c: getattr(card, c) for c in cls.model_fields if c != "masked"},
                "masked": domain.mask(card.last4),
            }
        )


class CardDetailsRead(ReadModel):
    id: uuid.UUID
    pan: str
    cvv: str
    exp_month: int
    exp_year: int
    holder_name: str


class PhysicalCardCreate(WriteModel):
    account_id: uuid.UUID
    holder_name: str | None = Field(default=None, max_length=26)
    daily_limit: Limit | None = None
    monthly_limit: Limit | None = None


class VirtualCardCreate(WriteModel):
    account_id: uuid.UUID
    nickname: str | None = Field(default=None, max_length=60)
    limit: Limit = Field(description="Limite mensal próprio do cartão virtual")
    daily_limit: Limit | None = None
    valid_until: date | None = Field(default=None, description="Validade (padrão: 12 meses)")


class StatusChange(WriteModel):
    reason: str | None = Field(default=None, max_length=300)


class LimitsChange(WriteModel):
    daily_limit: Limit | None = None
    monthly_limit: Limit | None = None


class CodeRequest(WriteModel):
    channel: Literal["sms", "email"] = "sms"


class CodeIssued(ReadModel):
    expires_at: datetime
    channel: str


class LostReport(ReadModel):
    card: CardRead
    replacement: CardRead


class AuthorizationCreate(WriteModel):
    """What a card processor sends. ``pan`` or ``token`` identifies the card."""

    processor_ref: str = Field(min_length=1, max_length=64, description="Id único no processador")
    pan: str | None = Field(default=None, pattern=r"^[0-9]{12,19}$")
    token: str | None = Field(default=None, max_length=40)
    cvv: str | None = Field(default=None, pattern=r"^[0-9]{3,4}$")
    exp_month: int | None = Field(default=None, ge=1, le=12)
    exp_year: int | None = Field(default=None, ge=0, le=9999)
    amount: Amount
    currency: Literal["BRL"] = "BRL"
    merchant_name: str = Field(min_length=1, max_length=100)
    merchant_city: str | None = Field(default=None, max_length=60)
    mcc: str = Field(pattern=r"^[0-9]{4}$")


class CaptureRequest(WriteModel):
    amount: Amount | None = None


class AuthorizationRead(ReadModel):
    id: uuid.UUID
    card_id: uuid.UUID
    account_id: uuid.UUID
    processor_ref: str
    status: str
    decline_reason: str | None
    amount: Decimal
    captured_amount: Decimal | None
    currency: str
    merchant_name: str
    merchant_city: str | None
    mcc: str
    category: str
    created_at: datetime
    captured_at: datetime | None
    reversed_at: datetime | None


def caller(p: Principal) -> service.Caller:
    return service.Caller(user_id=p.user_id, staff=p.can(service.STAFF))


def _cipher(runtime: RuntimeDep) -> crypto.CardCipher:
    return crypto.cipher(production=runtime.settings.is_production)


@router.get("", response_model=Page[CardRead], dependencies=[require(READ)], summary="Cartões")
async def list_cards(
    p: TenantPrincipal,
    session: SessionDep,
    account_id: uuid.UUID | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> Page[CardRead]:
    stmt = service.cards_statement(caller(p), account_id)
    return await paginate(session, stmt, CardRead.of, page=page, limit=limit)


@router.post(
    "",
    response_model=CardRead,
    status_code=201,
    dependencies=[require(WRITE)],
    summary="Pedir cartão físico",
)
async def create_physical(
    body: PhysicalCardCreate, p: TenantPrincipal, session: SessionDep, runtime: RuntimeDep
) -> CardRead:
    card = await service.issue_card(
        session,
        _cipher(runtime),
        caller(p),
        body.account_id,
        kind="physical",
        holder_name=body.holder_name,
        daily_limit=body.daily_limit,
        monthly_limit=body.monthly_limit,
    )
    return CardRead.of(card)


@router.post(
    "/virtual",
    response_model=CardRead,
    status_code=201,
    dependencies=[require(WRITE)],
    summary="Criar cartão virtual (limite e validade próprios)",
)
async def create_virtual(
    body: VirtualCardCreate, p: TenantPrincipal, session: SessionDep, runtime: RuntimeDep
) -> CardRead:
    card = await service.issue_card(
        session,
        _cipher(runtime),
        caller(p),
        body.account_id,
        kind="virtual",
        nickname=body.nickname,
        daily_limit=body.daily_limit
        if body.daily_limit is not None
        else min(body.limit, (await service.area_settings(session)).cards_daily_limit),
        monthly_limit=body.limit,
        valid_until=body.valid_until,
    )
    return CardRead.of(card)


@router.get(
    "/authorizations",
    response_model=Page[AuthorizationRead],
    dependencies=[require(READ)],
    summary="Autorizações (compras)",
)
async def list_authorizations(
    p: TenantPrincipal,
    session: SessionDep,
    card_id: uuid.UUID | None = None,
    status: Literal["approved", "captured", "reversed", "declined", "expired"] | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> Page[AuthorizationRead]:
    stmt = service.authorizations_statement(caller(p), card_id, status)
    return await paginate(session, stmt, AuthorizationRead.model_validate, page=page, limit=limit)


@router.post(
    "/authorizations",
    response_model=AuthorizationRead,
    status_code=201,
    dependencies=[require(AUTHORIZE)],
    summary="Autorizar compra (processador): aprova e reserva, ou recusa com o motivo",
    responses={
        402: {"description": "LIMIT_EXCEEDED, INSUFFICIENT_BALANCE"},
        403: {"description": "CARD_BLOCKED, CARD_EXPIRED"},
    },
)
async def authorize(
    body: AuthorizationCreate, _p: TenantPrincipal, session: SessionDep, runtime: RuntimeDep
) -> AuthorizationRead:
    auth = await service.authorize(
        session,
        _cipher(runtime),
        service.AuthorizationRequest(
            processor_ref=body.processor_ref,
            amount=body.amount,
            merchant_name=body.merchant_name,
            mcc=body.mcc,
            pan=body.pan,
            token=body.token,
            cvv=body.cvv,
            exp_month=body.exp_month,
            exp_year=body.exp_year,
            merchant_city=body.merchant_city,
            currency=body.currency,
        ),
    )
    return AuthorizationRead.model_validate(auth)


@router.get(
    "/authorizations/{authorization_id}",
    response_model=AuthorizationRead,
    dependencies=[require(READ)],
    summary="Autorização",
)
async def get_authorization(
    authorization_id: uuid.UUID, p: TenantPrincipal, session: SessionDep
) -> AuthorizationRead:
    stmt = service.authorizations_statement(caller(p)).where(
        CardAuthorization.id == authorization_id
    )
    auth = await session.scalar(stmt)
    if auth is None:
        raise AuthorizationNotFound("Autorização não encontrada.")
    return AuthorizationRead.model_validate(auth)


@router.post(
    "/authorizations/{authorization_id}/capture",
    response_model=AuthorizationRead,
    dependencies=[require(AUTHORIZE)],
    summary="Capturar (efetivar a reserva, total ou parcial)",
)
async def capture(
    authorization_id: uuid.UUID,
    _p: TenantPrincipal,
    session: SessionDep,
    body: CaptureRequest | None = None,
) -> AuthorizationRead:
    auth = await service.capture(session, authorization_id, body.amount if body else None)
    return AuthorizationRead.model_validate(auth)


@router.post(
    "/authorizations/{authorization_id}/reversal",
    response_model=AuthorizationRead,
    dependencies=[require(AUTHORIZE)],
    summary="Estornar (libera a reserva ou devolve a compra)",
)
async def reversal(
    authorization_id: uuid.UUID, _p: TenantPrincipal, session: SessionDep
) -> AuthorizationRead:
    return AuthorizationRead.model_validate(await service.reverse(session, authorization_id))


@router.get("/{card_id}", response_model=CardRead, dependencies=[require(READ)], summary="Cartão")
async def get_card(card_id: uuid.UUID, p: TenantPrincipal, session: SessionDep) -> CardRead:
    return CardRead.of(await service.get_card(session, caller(p), card_id))


@router.post(
    "/{card_id}/verification-code",
    response_model=CodeIssued,
    status_code=201,
    dependencies=[require(READ)],
    summary="Enviar código de uso único (SMS ou e-mail) para ver os dados",
)
async def verification_code(
    card_id: uuid.UUID,
    p: TenantPrincipal,
    session: SessionDep,
    runtime: RuntimeDep,
    body: CodeRequest | None = None,
) -> CodeIssued:
    v = await service.issue_code(
        session, runtime.settings.secret_key, caller(p), card_id, (body or CodeRequest()).channel
    )
    return CodeIssued(expires_at=v.expires_at, channel=v.channel)


@router.get(
    "/{card_id}/details",
    response_model=CardDetailsRead,
    dependencies=[require(READ)],
    summary="Número completo, CVV e validade (exige X-Verification-Code)",
)
async def details(
    card_id: uuid.UUID,
    p: TenantPrincipal,
    session: SessionDep,
    runtime: RuntimeDep,
    response: Response,
    x_verification_code: Annotated[str | None, Header()] = None,
) -> CardDetailsRead:
    """GET sessions are read-only: the code is spent in a transaction of its own, committed
    before the details are shown (a failed attempt is counted the same way)."""
    tenant_id = p.tenant_id
    assert tenant_id is not None
    await service.get_card(session, caller(p), card_id)  # 404 before anything is written
    failure: VerificationFailed | None = None
    async with runtime.db.unit_of_work(tenant_id=tenant_id) as write:
        try:
            card = await service.consume_code(
                write, runtime.settings.secret_key, caller(p), card_id, x_verification_code
            )
        except VerificationFailed as exc:
            failure = exc  # the attempt is counted: this transaction still commits
    if failure is not None:
        raise failure
    shown = service.reveal(_cipher(runtime), card)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return CardDetailsRead(
        id=card.id,
        pan=shown.pan,
        cvv=shown.cvv,
        exp_month=shown.exp_month,
        exp_year=shown.exp_year,
        holder_name=shown.holder_name,
    )


@router.post(
    "/{card_id}/block", response_model=CardRead, dependencies=[require(WRITE)], summary="Bloquear"
)
async def block(
    card_id: uuid.UUID, p: TenantPrincipal, session: SessionDep, body: StatusChange | None = None
) -> CardRead:
    return CardRead.of(
        await service.block(session, caller(p), card_id, body.reason if body else None)
    )


@router.post(
    "/{card_id}/unblock",
    response_model=CardRead,
    dependencies=[require(WRITE)],
    summary="Desbloquear",
)
async def unblock(card_id: uuid.UUID, p: TenantPrincipal, session: SessionDep) -> CardRead:
    return CardRead.of(await service.unblock(session, caller(p), card_id))


@router.post(
    "/{card_id}/cancel", response_model=CardRead, dependencies=[require(WRITE)], summary="Cancelar"
)
async def cancel(
    card_id: uuid.UUID, p: TenantPrincipal, session: SessionDep, body: StatusChange | None = None
) -> CardRead:
    return CardRead.of(
        await service.cancel(session, caller(p), card_id, body.reason if body else None)
    )


@router.post(
    "/{card_id}/report-lost",
    response_model=LostReport,
    dependencies=[require(WRITE)],
    summary="Comunicar perda ou roubo (bloqueia e emite outro)",
)
async def report_lost(
    card_id: uuid.UUID,
    p: TenantPrincipal,
    session: SessionDep,
    runtime: RuntimeDep,
    body: StatusChange | None = None,
) -> LostReport:
    card, replacement = await service.report_lost(
        session, _cipher(runtime), caller(p), card_id, body.reason if body else None
    )
    return LostReport(card=CardRead.of(card), replacement=CardRead.of(replacement))


@router.patch(
    "/{card_id}/limits",
    response_model=CardRead,
    dependencies=[require(WRITE)],
    summary="Alterar limites diário e mensal",
)
async def set_limits(
    card_id: uuid.UUID, body: LimitsChange, p: TenantPrincipal, session: SessionDep
) -> CardRead:
    card = await service.set_limits(
        session, caller(p), card_id, daily_limit=body.daily_limit, monthly_limit=body.monthly_limit
    )
    return CardRead.of(card)
