"""Routes of billing: collecting accounts, billing runs and their progress, remessas,
installments, and a quota's charges (on demand, list, detail, boleto PDF)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse
from sqlalchemy import func, select

from lastro.core.config.service import get_settings_for
from lastro.core.web.deps import RuntimeDep, SessionDep, TenantPrincipal, require
from lastro.core.web.routing import LastroRoute
from lastro.kit.pagination import MAX_LIMIT, Page, paginate
from lastro.modules.consorcio.billing import accounts as accounts_service
from lastro.modules.consorcio.billing import charges as charges_service
from lastro.modules.consorcio.billing import remessa as remessa_service
from lastro.modules.consorcio.billing import run as run_service
from lastro.modules.consorcio.billing.errors import (
    BillingRunBusy,
    BillingRunNotFound,
    RemessaNotFound,
)
from lastro.modules.consorcio.billing.models import (
    BillingRun,
    Charge,
    CollectingAccount,
    Installment,
    Remessa,
)
from lastro.modules.consorcio.billing.schemas import (
    BillingRunRead,
    ChargeCreate,
    ChargeDetail,
    ChargeItemRead,
    ChargeRead,
    CollectingAccountCreate,
    CollectingAccountRead,
    CollectingAccountUpdate,
    InstallmentRead,
    RemessaGenerated,
    RemessaRead,
    RunCreate,
)
from lastro.modules.consorcio.billing.settings import AreaSettings
from lastro.modules.consorcio.quotas.models import Quota

READ = "consorcio.billing.read"
MANAGE = "consorcio.billing.manage"
CHARGE = "consorcio.billing.charge"
NAMESPACE = "consorcio"

router = APIRouter(prefix="/api/v1/consorcio", route_class=LastroRoute, tags=["consorcio"])

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
PageNo = Annotated[int, Query(ge=1)]

# set by build_area: start a billing run in the background (job queue)
RunEnqueuer = Callable[[uuid.UUID, str, str, uuid.UUID | None, str | None], Awaitable[None]]
_enqueue: list[RunEnqueuer] = []


def set_enqueuer(fn: RunEnqueuer) -> None:
    _enqueue[:] = [fn]


# -- collecting accounts ----------------------------------------------------------------


@router.get(
    "/billing/accounts",
    response_model=list[CollectingAccountRead],
    dependencies=[require(READ)],
    summary="Contas de cobrança",
)
async def list_accounts(_p: TenantPrincipal, session: SessionDep) -> list[CollectingAccountRead]:
    rows = await session.scalars(select(CollectingAccount).order_by(CollectingAccount.created_at))
    return [CollectingAccountRead.model_validate(r) for r in rows]


@router.post(
    "/billing/accounts",
    response_model=CollectingAccountRead,
    status_code=201,
    dependencies=[require(MANAGE)],
    summary="Cadastrar conta de cobrança (padrão ou de um grupo)",
)
async def create_account(
    body: CollectingAccountCreate, _p: TenantPrincipal, session: SessionDep
) -> CollectingAccountRead:
    account = await accounts_service.create_account(session, body.model_dump())
    return CollectingAccountRead.model_validate(account)


@router.get(
    "/billing/accounts/{account_id}",
    response_model=CollectingAccountRead,
    dependencies=[require(READ)],
    summary="Conta de cobrança",
)
async def get_account(
    account_id: uuid.UUID, _p: TenantPrincipal, session: SessionDep
) -> CollectingAccountRead:
    return CollectingAccountRead.model_validate(
        await accounts_service.get_account(session, account_id)
    )


@router.patch(
    "/billing/accounts/{account_id}",
    response_model=CollectingAccountRead,
    dependencies=[require(MANAGE)],
    summary="Alterar conta de cobrança",
)
async def update_account(
    account_id: uuid.UUID, body: CollectingAccountUpdate, _p: TenantPrincipal, session: SessionDep
) -> CollectingAccountRead:
    account = await accounts_service.update_account(
        session, account_id, body.model_dump(exclude_unset=True)
    )
    return CollectingAccountRead.model_validate(account)


# -- billing runs -----------------------------------------------------------------------


async def _run_read(runtime: Any, tenant_id: uuid.UUID, month: str) -> BillingRunRead:
    async with runtime.db.session(tenant_id=tenant_id, readonly=True) as session:
        run = await session.scalar(select(BillingRun).where(BillingRun.reference_month == month))
        if run is None:
            raise BillingRunNotFound("Faturamento não encontrado.")
        return BillingRunRead.model_validate(run)


@router.post(
    "/billing/runs",
    response_model=BillingRunRead,
    status_code=202,
    dependencies=[require(MANAGE)],
    summary="Faturar um mês (resumível e idempotente)",
)
async def start_run(
    body: RunCreate, principal: TenantPrincipal, runtime: RuntimeDep
) -> JSONResponse:
    """Small tenants are billed right away; larger ones in the background (poll
    ``GET /billing/runs/{id}``). Re-running a month issues nothing twice."""
    tenant_id = principal.tenant_id
    assert tenant_id is not None
    db = runtime.db
    async with db.session(tenant_id=tenant_id, readonly=True) as session:
        cfg = await get_settings_for(session, NAMESPACE, AreaSettings, cache=runtime.cache)
        pending = await session.scalar(
            select(func.count())
            .select_from(Quota)
            .where(Quota.status.in_(run_service.BILLABLE_QUOTA_STATUSES))
        )
    requested_by = principal.user_id if principal.kind == "user" else None
    if int(pending or 0) <= cfg.billing_inline_max_quotas or not _enqueue:
        await run_service.execute_run(
            db,
            tenant_id,
            body.month,
            settings=cfg,
            trigger="api",
            requested_by=requested_by,
            issued_on=body.issue_date,
        )
    else:
        async with db.unit_of_work(tenant_id=tenant_id) as session:
            run = await run_service.get_or_create_run(
                session, body.month, trigger="api", requested_by=requested_by
            )
            if run.status == "running":
                raise BillingRunBusy(
                    f"O faturamento de {body.month} já está em execução.",
                    extra={"run_id": str(run.id)},
                )
            run.status = "pending"
        await _enqueue[0](
            tenant_id,
            body.month,
            "api",
            requested_by,
            body.issue_date.isoformat() if body.issue_date else None,
        )
    read = await _run_read(runtime, tenant_id, body.month)
    return JSONResponse(read.model_dump(mode="json"), status_code=202)


@router.get(
    "/billing/runs",
    response_model=Page[BillingRunRead],
    dependencies=[require(READ)],
    summary="Faturamentos com progresso",
)
async def list_runs(
    _p: TenantPrincipal,
    session: SessionDep,
    status: str | None = None,
    page: PageNo = 1,
    limit: Limit = 50,
) -> Page[BillingRunRead]:
    stmt = select(BillingRun)
    if status:
        stmt = stmt.where(BillingRun.status == status)
    stmt = stmt.order_by(BillingRun.reference_month.desc())
    return await paginate(session, stmt, BillingRunRead.model_validate, page=page, limit=limit)


@router.get(
    "/billing/runs/{run_id}",
    response_model=BillingRunRead,
    dependencies=[require(READ)],
    summary="Faturamento (progresso, contadores, erros)",
)
async def get_run(run_id: uuid.UUID, _p: TenantPrincipal, session: SessionDep) -> BillingRunRead:
    run = await session.scalar(select(BillingRun).where(BillingRun.id == run_id))
    if run is None:
        raise BillingRunNotFound("Faturamento não encontrado.")
    return BillingRunRead.model_validate(run)


# -- remessas ---------------------------------------------------------------------------


@router.get(
    "/billing/remessas",
    response_model=Page[RemessaRead],
    dependencies=[require(READ)],
    summary="Arquivos de remessa CNAB 240",
)
async def list_remessas(
    _p: TenantPrincipal,
    session: SessionDep,
    account_id: uuid.UUID | None = None,
    run_id: uuid.UUID | None = None,
    page: PageNo = 1,
    limit: Limit = 50,
) -> Page[RemessaRead]:
    stmt = select(Remessa)
    if account_id is not None:
        stmt = stmt.where(Remessa.collecting_account_id == account_id)
    if run_id is not None:
        stmt = stmt.where(Remessa.billing_run_id == run_id)
    stmt = stmt.order_by(Remessa.created_at.desc(), Remessa.sequence.desc())
    return await paginate(session, stmt, RemessaRead.model_validate, page=page, limit=limit)


@router.post(
    "/billing/remessas",
    response_model=RemessaGenerated,
    status_code=201,
    dependencies=[require(MANAGE)],
    summary="Gerar remessas com as cobranças ainda não enviadas ao banco",
)
async def generate_remessas(_p: TenantPrincipal, session: SessionDep) -> RemessaGenerated:
    made = await remessa_service.generate_pending(session)
    rows = []
    for summary in made:
        row = await session.scalar(select(Remessa).where(Remessa.id == summary.id))
        assert row is not None
        rows.append(RemessaRead.model_validate(row))
    return RemessaGenerated(remessas=rows)


async def _remessa(session: Any, remessa_id: uuid.UUID) -> Remessa:
    row: Remessa | None = await session.scalar(select(Remessa).where(Remessa.id == remessa_id))
    if row is None:
        raise RemessaNotFound("Remessa não encontrada.")
    return row


@router.get(
    "/billing/remessas/{remessa_id}",
    response_model=RemessaRead,
    dependencies=[require(READ)],
    summary="Remessa",
)
async def get_remessa(
    remessa_id: uuid.UUID, _p: TenantPrincipal, session: SessionDep
) -> RemessaRead:
    return RemessaRead.model_validate(await _remessa(session, remessa_id))


@router.get(
    "/billing/remessas/{remessa_id}/file",
    dependencies=[require(READ)],
    summary="Arquivo da remessa (CNAB 240)",
    response_class=Response,
)
async def get_remessa_file(
    remessa_id: uuid.UUID, _p: TenantPrincipal, session: SessionDep
) -> Response:
    row = await _remessa(session, remessa_id)
    return Response(
        row.content.encode("ascii", "replace"),
        media_type="text/plain; charset=us-ascii",
        headers={"Content-Disposition": f'attachment; filename="{row.file_name}"'},
    )


# -- installments -----------------------------------------------------------------------


@router.get(
    "/billing/installments",
    response_model=Page[InstallmentRead],
    dependencies=[require(READ)],
    summary="Parcelas (por mês, grupo, cota, situação)",
)
async def list_installments(
    _p: TenantPrincipal,
    session: SessionDep,
    month: Annotated[str | None, Query(pattern=r"^[0-9]{4}-[0-9]{2}$")] = None,
    group_id: uuid.UUID | None = None,
    quota_id: uuid.UUID | None = None,
    status: str | None = None,
    page: PageNo = 1,
    limit: Limit = 50,
) -> Page[InstallmentRead]:
    stmt = select(Installment)
    if month:
        stmt = stmt.where(Installment.reference_month == month)
    if group_id is not None:
        stmt = stmt.where(Installment.group_id == group_id)
    if quota_id is not None:
        stmt = stmt.where(Installment.quota_id == quota_id)
    if status:
        stmt = stmt.where(Installment.status == status)
    stmt = stmt.order_by(Installment.reference_month.desc(), Installment.id)
    return await paginate(session, stmt, InstallmentRead.model_validate, page=page, limit=limit)


@router.get(
    "/quotas/{quota_id}/installments",
    response_model=list[InstallmentRead],
    dependencies=[require(READ)],
    summary="Parcelas da cota",
)
async def quota_installments(
    quota_id: uuid.UUID, _p: TenantPrincipal, session: SessionDep
) -> list[InstallmentRead]:
    await charges_service.get_quota(session, quota_id)
    rows = await session.scalars(
        select(Installment).where(Installment.quota_id == quota_id).order_by(Installment.number)
    )
    return [InstallmentRead.model_validate(r) for r in rows]


# -- a quota's charges ------------------------------------------------------------------


@router.post(
    "/quotas/{quota_id}/charges",
    response_model=ChargeDetail,
    status_code=201,
    dependencies=[require(CHARGE)],
    summary="Emitir cobrança: antecipação, quitação, avulsa ou segunda via",
)
async def create_charge(
    quota_id: uuid.UUID, body: ChargeCreate, principal: TenantPrincipal, session: SessionDep
) -> ChargeDetail:
    actor = principal.user_id if principal.kind == "user" else None
    charge = await charges_service.create_charge(session, quota_id, body, actor=actor)
    return await _detail(session, charge)


@router.get(
    "/quotas/{quota_id}/charges",
    response_model=list[ChargeRead],
    dependencies=[require(READ)],
    summary="Cobranças da cota",
)
async def list_charges(
    quota_id: uuid.UUID,
    _p: TenantPrincipal,
    session: SessionDep,
    kind: str | None = None,
    status: str | None = None,
) -> list[ChargeRead]:
    await charges_service.get_quota(session, quota_id)
    stmt = select(Charge).where(Charge.quota_id == quota_id)
    if kind:
        stmt = stmt.where(Charge.kind == kind)
    if status:
        stmt = stmt.where(Charge.status == status)
    rows = await session.scalars(stmt.order_by(Charge.due_date.desc(), Charge.created_at.desc()))
    return [ChargeRead.model_validate(r) for r in rows]


async def _detail(session: Any, charge: Charge) -> ChargeDetail:
    from lastro.br.boleto import parse_boleto

    items = await charges_service.charge_items(session, charge)
    formatted = parse_boleto(charge.barcode, today=charge.due_date).linha_digitavel_formatada
    return ChargeDetail(
        **ChargeRead.model_validate(charge).model_dump(),
        items=[ChargeItemRead.model_validate(i) for i in items],
        linha_digitavel_formatada=formatted,
    )


@router.get(
    "/quotas/{quota_id}/charges/{charge_id}",
    response_model=ChargeDetail,
    dependencies=[require(READ)],
    summary="Cobrança (boleto, PIX copia e cola, parcelas cobertas)",
)
async def get_charge(
    quota_id: uuid.UUID, charge_id: uuid.UUID, _p: TenantPrincipal, session: SessionDep
) -> ChargeDetail:
    return await _detail(session, await charges_service.get_charge(session, quota_id, charge_id))


@router.get(
    "/quotas/{quota_id}/charges/{charge_id}/pdf",
    dependencies=[require(READ)],
    summary="Boleto em PDF (com QR Code PIX)",
    response_class=Response,
)
async def get_charge_pdf(
    quota_id: uuid.UUID,
    charge_id: uuid.UUID,
    _p: TenantPrincipal,
    session: SessionDep,
    runtime: RuntimeDep,
) -> Response:
    charge = await charges_service.get_charge(session, quota_id, charge_id)
    cfg = await get_settings_for(session, NAMESPACE, AreaSettings, cache=runtime.cache)
    pdf = await charges_service.charge_pdf(session, charge, cfg)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="boleto-{charge.document_number}.pdf"'},
    )
