"""Accounts API (``/api/v1/banking/accounts``): thin routes over :mod:`.service`."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from sqlalchemy import select

from lastro.core.web.branding import Brand
from lastro.core.web.deps import (
    SessionDep,
    TenantPrincipal,
    module_gate,
    require,
)
from lastro.core.web.routing import LastroRoute
from lastro.kit.clock import today_sp
from lastro.kit.errors import ValidationFailed
from lastro.kit.pagination import MAX_LIMIT, Page, paginate
from lastro.modules.banking.accounts import service, statements
from lastro.modules.banking.accounts.deps import AccountForCaller, is_staff
from lastro.modules.banking.accounts.errors import AccountNotFound
from lastro.modules.banking.accounts.models import BankAccount, Deposit
from lastro.modules.banking.accounts.schemas import (
    AccountCreate,
    AccountRead,
    BalanceRead,
    DepositCreate,
    DepositRead,
    KycChange,
    PixKeyCreate,
    PixKeyRead,
    StatementLineRead,
    StatementRead,
    StatusChange,
)

router = APIRouter(
    prefix="/api/v1/banking/accounts",
    route_class=LastroRoute,
    tags=["banking"],
    dependencies=[module_gate("banking")],
)

READ = require("banking.accounts.read")
MANAGE = require(service.STAFF_PERMISSION)


@router.get("", response_model=Page[AccountRead], dependencies=[READ], summary="Contas")
async def list_accounts(
    principal: TenantPrincipal,
    session: SessionDep,
    q: Annotated[str | None, Query(max_length=100)] = None,
    status: Literal["active", "frozen", "closed"] | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> Page[AccountRead]:
    """Staff see every account (search by name, e-mail, document or number); a holder sees
    their own."""
    stmt = service.search_accounts(session, q, status)
    if not is_staff(principal):
        stmt = stmt.where(BankAccount.holder_user_id == principal.user_id)
    return await paginate(session, stmt, AccountRead.model_validate, page=page, limit=limit)


@router.post(
    "", response_model=AccountRead, status_code=201, dependencies=[MANAGE], summary="Abrir conta"
)
async def open_account(
    body: AccountCreate, _p: TenantPrincipal, session: SessionDep
) -> BankAccount:
    if body.holder_user_id is not None:
        from lastro.core.auth.models import User

        user = await session.scalar(select(User).where(User.id == body.holder_user_id))
        if user is None:
            raise ValidationFailed("Usuário titular não encontrado.", code="HOLDER_NOT_FOUND")
    return await service.open_account(
        session,
        kind=body.kind,
        holder_name=body.holder_name,
        document=body.document,
        email=str(body.email) if body.email else None,
        phone=body.phone,
        holder_user_id=body.holder_user_id,
        kyc_status=body.kyc_status,
    )


@router.get("/{account_id}", response_model=AccountRead, dependencies=[READ], summary="Conta")
async def get_account(account: AccountForCaller) -> BankAccount:
    return account


@router.post(
    "/{account_id}/freeze", response_model=AccountRead, dependencies=[MANAGE], summary="Bloquear"
)
async def freeze(account: AccountForCaller, body: StatusChange, session: SessionDep) -> BankAccount:
    return await service.freeze(session, account.id, body.reason)


@router.post(
    "/{account_id}/unfreeze",
    response_model=AccountRead,
    dependencies=[MANAGE],
    summary="Desbloquear",
)
async def unfreeze(account: AccountForCaller, session: SessionDep) -> BankAccount:
    return await service.unfreeze(session, account.id)


@router.post(
    "/{account_id}/close", response_model=AccountRead, dependencies=[MANAGE], summary="Encerrar"
)
async def close(account: AccountForCaller, body: StatusChange, session: SessionDep) -> BankAccount:
    return await service.close(session, account.id, body.reason)


@router.post(
    "/{account_id}/kyc", response_model=AccountRead, dependencies=[MANAGE], summary="Situação KYC"
)
async def set_kyc(account: AccountForCaller, body: KycChange, session: SessionDep) -> BankAccount:
    return await service.set_kyc(session, account.id, body.status)


@router.get(
    "/{account_id}/balance", response_model=BalanceRead, dependencies=[READ], summary="Saldo"
)
async def balance(account: AccountForCaller, session: SessionDep) -> BalanceRead:
    bal = await service.balance(session, account)
    return BalanceRead(
        account_id=account.id,
        currency=bal.currency,
        balance=bal.posted,
        available=bal.available,
        blocked=bal.pending_out,
    )


def _check_period(since: date | None, until: date | None) -> None:
    if since and until and until < since:
        raise ValidationFailed("O período termina antes de começar.")


@router.get(
    "/{account_id}/statement",
    response_model=StatementRead,
    dependencies=[READ],
    summary="Extrato (JSON paginado; ?format=csv|pdf para arquivo)",
    responses={200: {"content": {"text/csv": {}, "application/pdf": {}}}},
)
async def get_statement(
    account: AccountForCaller,
    session: SessionDep,
    since: date | None = None,
    until: date | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    format: Literal["json", "csv", "pdf"] = "json",
) -> StatementRead | Response:
    _check_period(since, until)
    if format != "json":
        data = await statements.full_statement(session, account, since=since, until=until)
        name = f"extrato-{account.agency}-{account.number}{account.check_digit}"
        if format == "csv":
            return Response(
                statements.statement_csv(account, data),
                media_type="text/csv; charset=utf-8",
                headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
            )
        brand = await _brand(session)
        return Response(
            statements.statement_pdf(account, data, brand),
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{name}.pdf"'},
        )
    try:
        page = await statements.statement(
            session, account, since=since, until=until, limit=limit, cursor=cursor
        )
    except ValueError:
        raise ValidationFailed("Cursor inválido.") from None
    return StatementRead(
        account_id=account.id,
        since=since,
        until=until,
        opening_balance=page.opening_balance,
        lines=[StatementLineRead.model_validate(ln, from_attributes=True) for ln in page.lines],
        next_cursor=page.next_cursor,
    )


async def _brand(session: SessionDep) -> Brand:
    from lastro.core.platform.models import Tenant
    from lastro.core.web.branding import brand_for

    tenant_id = session.info.get("tenant_id")
    tenant = await session.get(Tenant, tenant_id) if tenant_id else None
    if tenant is None:
        return Brand()
    return brand_for(tenant.name, tenant.branding)


@router.get(
    "/{account_id}/income-report",
    dependencies=[READ],
    summary="Informe de rendimentos (PDF)",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
async def income_report(
    account: AccountForCaller,
    session: SessionDep,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
) -> Response:
    year = year or today_sp().year - 1
    report = await statements.income_report(session, account, year)
    brand = await _brand(session)
    pdf = statements.income_report_pdf(account, report, brand, "")
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="informe-rendimentos-{year}.pdf"'},
    )


# -- PIX keys ---------------------------------------------------------------------------------


@router.get(
    "/{account_id}/pix-keys",
    response_model=list[PixKeyRead],
    dependencies=[READ],
    summary="Chaves PIX da conta",
)
async def list_pix_keys(account: AccountForCaller, session: SessionDep) -> list[PixKeyRead]:
    return [PixKeyRead.model_validate(k) for k in await service.pix_keys(session, account)]


async def _self_service(principal: TenantPrincipal, session: SessionDep) -> None:
    if is_staff(principal):
        return
    settings = await service.area_settings(session)
    if not settings.accounts_customer_self_service:
        raise AccountNotFound("Operação disponível apenas pelo atendimento.", code="NOT_ALLOWED")


@router.post(
    "/{account_id}/pix-keys",
    response_model=PixKeyRead,
    status_code=201,
    dependencies=[require("banking.transfers.write")],
    summary="Cadastrar chave PIX",
)
async def add_pix_key(
    account: AccountForCaller, body: PixKeyCreate, principal: TenantPrincipal, session: SessionDep
) -> PixKeyRead:
    await _self_service(principal, session)
    key = await service.register_pix_key(session, account, body.key_type, body.value)
    return PixKeyRead.model_validate(key)


@router.delete(
    "/{account_id}/pix-keys/{key_id}",
    status_code=204,
    dependencies=[require("banking.transfers.write")],
    summary="Excluir chave PIX",
)
async def delete_pix_key(
    account: AccountForCaller, key_id: uuid.UUID, session: SessionDep
) -> Response:
    await service.delete_pix_key(session, account, key_id)
    return Response(status_code=204)


# -- deposits by boleto ------------------------------------------------------------------------


@router.post(
    "/{account_id}/deposits",
    response_model=DepositRead,
    status_code=201,
    dependencies=[require("banking.transfers.write")],
    summary="Emitir boleto de depósito",
)
async def issue_deposit(
    account: AccountForCaller,
    body: DepositCreate,
    principal: TenantPrincipal,
    session: SessionDep,
) -> Deposit:
    await _self_service(principal, session)
    return await service.issue_deposit(session, account, body.amount)


@router.get(
    "/{account_id}/deposits",
    response_model=list[DepositRead],
    dependencies=[READ],
    summary="Boletos de depósito",
)
async def list_deposits(account: AccountForCaller, session: SessionDep) -> list[DepositRead]:
    rows = await session.scalars(
        select(Deposit).where(Deposit.account_id == account.id).order_by(Deposit.created_at.desc())
    )
    return [DepositRead.model_validate(d) for d in rows]


@router.post(
    "/{account_id}/deposits/{deposit_id}/pay",
    response_model=DepositRead,
    dependencies=[MANAGE],
    summary="Registrar pagamento do boleto de depósito (compensação; sandbox)",
)
async def pay_deposit(
    account: AccountForCaller,
    deposit_id: uuid.UUID,
    session: SessionDep,
) -> Deposit:
    deposit = await session.scalar(
        select(Deposit).where(Deposit.id == deposit_id, Deposit.account_id == account.id)
    )
    if deposit is None:
        raise AccountNotFound("Depósito não encontrado.", code="DEPOSIT_NOT_FOUND")
    return await service.pay_deposit(session, deposit.id)
