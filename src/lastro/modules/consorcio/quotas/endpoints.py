"""Routes of quotas: sale under a group, detail and changes, the percentage ledger, the
contract and cessão."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lastro.core.documents.api import documents_for
from lastro.core.web.deps import RuntimeDep, SessionDep, TenantPrincipal, require
from lastro.core.web.routing import LastroRoute
from lastro.kit.pagination import MAX_LIMIT, Page, paginate
from lastro.modules.consorcio.consorciados.service import get_consorciado
from lastro.modules.consorcio.domain import money_at
from lastro.modules.consorcio.groups import service as groups
from lastro.modules.consorcio.quotas import ledger, service
from lastro.modules.consorcio.quotas.models import Quota, QuotaMovement, QuotaRefund
from lastro.modules.consorcio.quotas.schemas import (
    ComponentState,
    LedgerRead,
    MovementRead,
    PositionRead,
    QuotaDetail,
    QuotaRead,
    QuotaSale,
    QuotaStatus,
    QuotaUpdate,
    RefundRead,
    TransferCreate,
    TransferDecision,
    TransferRead,
    VersionRead,
)

READ = "consorcio.quotas.read"
WRITE = "consorcio.quotas.write"

router = APIRouter(prefix="/api/v1/consorcio/quotas", route_class=LastroRoute, tags=["consorcio"])
group_router = APIRouter(
    prefix="/api/v1/consorcio/groups", route_class=LastroRoute, tags=["consorcio"]
)


class ContractLink(BaseModel):
    document_id: uuid.UUID
    name: str
    url: str
    expires_at: datetime


async def quota_detail(session: AsyncSession, quota: Quota) -> QuotaDetail:
    group = await groups.get_group(session, quota.group_id)
    holder = await get_consorciado(session, quota.consorciado_id)
    position = await service.get_position(session, quota.id)
    pending = await service.pending_transfer(session, quota.id)
    refunds = await session.scalars(
        select(QuotaRefund).where(QuotaRefund.quota_id == quota.id).order_by(QuotaRefund.owed_since)
    )
    versions = await service.versions_of(session, quota)
    return QuotaDetail(
        **QuotaRead.model_validate(quota).model_dump(),
        group_code=group.code,
        consorciado_name=holder.name,
        credit_in_force=await service.credit_in_force(session, quota),
        position=PositionRead.model_validate(position) if position is not None else None,
        pending_transfer=TransferRead.model_validate(pending) if pending is not None else None,
        refunds=[RefundRead.model_validate(r) for r in refunds],
        versions=[
            VersionRead(
                id=v.id,
                version=v.version,
                status=v.status,
                consorciado_id=v.consorciado_id,
                sold_on=v.sold_on,
            )
            for v in versions
        ],
    )


# -- under a group ----------------------------------------------------------------------------


@group_router.get(
    "/{group_id}/quotas",
    response_model=Page[QuotaRead],
    dependencies=[require(READ)],
    summary="Cotas do grupo (todas as versões)",
)
async def list_group_quotas(
    group_id: uuid.UUID,
    _p: TenantPrincipal,
    session: SessionDep,
    status: QuotaStatus | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> Page[QuotaRead]:
    await groups.get_group(session, group_id)
    stmt = service.list_statement(group_id=group_id, status=status)
    return await paginate(session, stmt, QuotaRead.model_validate, page=page, limit=limit)


@group_router.post(
    "/{group_id}/quotas",
    response_model=QuotaDetail,
    status_code=201,
    dependencies=[require(WRITE)],
    summary="Vender cota (adesão, cota vaga ou reposição) e gerar o contrato",
)
async def sell_quota(
    group_id: uuid.UUID,
    body: QuotaSale,
    principal: TenantPrincipal,
    session: SessionDep,
    runtime: RuntimeDep,
) -> QuotaDetail:
    quota = await service.sell_quota(
        session,
        group_id,
        body,
        documents=documents_for(runtime.settings),
        actor=principal.user_id,
    )
    return await quota_detail(session, quota)


# -- quotas -----------------------------------------------------------------------------------


@router.get("", response_model=Page[QuotaRead], dependencies=[require(READ)], summary="Cotas")
async def list_quotas(
    _p: TenantPrincipal,
    session: SessionDep,
    group_id: uuid.UUID | None = None,
    consorciado_id: uuid.UUID | None = None,
    status: QuotaStatus | None = None,
    collection_flag: Annotated[str | None, Query(max_length=20)] = None,
    page: Annotated[int, Query(ge=1)] = 1,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> Page[QuotaRead]:
    stmt = service.list_statement(
        group_id=group_id,
        consorciado_id=consorciado_id,
        status=status,
        collection_flag=collection_flag,
    )
    return await paginate(session, stmt, QuotaRead.model_validate, page=page, limit=limit)


@router.get("/{quota_id}", response_model=QuotaDetail, dependencies=[require(READ)], summary="Cota")
async def get_quota(quota_id: uuid.UUID, _p: TenantPrincipal, session: SessionDep) -> QuotaDetail:
    return await quota_detail(session, await service.get_quota(session, quota_id))


@router.patch(
    "/{quota_id}",
    response_model=QuotaDetail,
    dependencies=[require(WRITE)],
    summary="Alterar situação, indicadores jurídicos ou dados comerciais da cota",
)
async def update_quota(
    quota_id: uuid.UUID, body: QuotaUpdate, _p: TenantPrincipal, session: SessionDep
) -> QuotaDetail:
    return await quota_detail(session, await service.update_quota(session, quota_id, body))


@router.get(
    "/{quota_id}/ledger",
    response_model=LedgerRead,
    dependencies=[require(READ)],
    summary="Razão percentual da cota: pago, ideal, saldo, atraso ou adiantamento",
)
async def quota_ledger(
    quota_id: uuid.UUID,
    _p: TenantPrincipal,
    session: SessionDep,
    on: date | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> LedgerRead:
    state = await ledger.ledger_state(session, quota_id, on=on)

    def line(x: ledger.ComponentLine) -> ComponentState:
        return ComponentState(
            total_pct=x.total,
            paid_pct=x.paid,
            ideal_pct=x.ideal,
            balance_pct=x.balance,
            arrears_pct=x.arrears,
            advance_pct=x.advance,
            paid_amount=money_at(x.paid, state.credit),
            balance_amount=money_at(x.balance, state.credit),
            arrears_amount=money_at(x.arrears, state.credit),
        )

    movements = await session.scalars(
        select(QuotaMovement)
        .where(QuotaMovement.quota_id == quota_id)
        .order_by(QuotaMovement.effective_on.desc(), QuotaMovement.id.desc())
        .limit(limit)
    )
    return LedgerRead(
        quota_id=quota_id,
        on=state.on,
        month=state.month,
        plan=state.plan,
        credit_in_force=state.credit,
        installment_pct=state.installment.total,
        installment_amount=ledger.installment_money(state),
        installments_paid=state.installments_paid,
        components={k: line(v) for k, v in state.lines.items()},
        total=line(state.total),
        saldo_devedor_pct=state.saldo_devedor,
        saldo_devedor_amount=money_at(state.saldo_devedor, state.credit),
        fc_amortized_pct=state.lines["fc"].paid,
        residual_fc_pct=state.residual_fc,
        movements=[MovementRead.model_validate(m) for m in movements],
    )


@router.get(
    "/{quota_id}/contract",
    response_model=ContractLink,
    dependencies=[require(READ)],
    summary="Contrato da cota em PDF (link assinado, válido por 1 hora)",
)
async def quota_contract(
    quota_id: uuid.UUID, _p: TenantPrincipal, session: SessionDep, runtime: RuntimeDep
) -> ContractLink:
    quota = await service.get_quota(session, quota_id)
    document = await service.contract_document(session, quota)
    link = documents_for(runtime.settings).link(document)
    return ContractLink(
        document_id=document.id, name=document.name, url=link.url, expires_at=link.expires_at
    )


@router.get(
    "/{quota_id}/transfers",
    response_model=list[TransferRead],
    dependencies=[require(READ)],
    summary="Cessões da cota",
)
async def list_transfers(
    quota_id: uuid.UUID, _p: TenantPrincipal, session: SessionDep
) -> list[TransferRead]:
    await service.get_quota(session, quota_id)
    return [TransferRead.model_validate(t) for t in await service.transfers_of(session, quota_id)]


@router.post(
    "/{quota_id}/transfers",
    response_model=TransferRead,
    status_code=201,
    dependencies=[require(WRITE)],
    summary="Pedir cessão da cota a outro consorciado (fica pendente de anuência)",
)
async def request_transfer(
    quota_id: uuid.UUID, body: TransferCreate, _p: TenantPrincipal, session: SessionDep
) -> TransferRead:
    row = await service.request_transfer(
        session,
        quota_id,
        body.to_consorciado_id,
        reason=body.reason,
        fee_amount=body.fee_amount,
    )
    return TransferRead.model_validate(row)


@router.post(
    "/{quota_id}/transfers/{transfer_id}/decision",
    response_model=TransferRead,
    dependencies=[require(WRITE)],
    summary="Aprovar, recusar ou cancelar a cessão pendente",
)
async def decide_transfer(
    quota_id: uuid.UUID,
    transfer_id: uuid.UUID,
    body: TransferDecision,
    principal: TenantPrincipal,
    session: SessionDep,
    runtime: RuntimeDep,
) -> TransferRead:
    result = await service.decide_transfer(
        session,
        quota_id,
        transfer_id,
        body.decision,
        note=body.note,
        actor=principal.user_id,
        documents=documents_for(runtime.settings),
    )
    return TransferRead.model_validate(result.transfer)
