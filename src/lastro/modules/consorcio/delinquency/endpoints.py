"""Routes of the delinquency area: thin — authorise, call the service, shape the answer."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from lastro.core.web.deps import SessionDep, TenantPrincipal, require
from lastro.core.web.routing import LastroRoute
from lastro.kit.clock import today_sp
from lastro.kit.errors import ValidationFailed
from lastro.kit.pagination import MAX_LIMIT
from lastro.modules.consorcio.delinquency import service
from lastro.modules.consorcio.delinquency.schemas import (
    AdjustmentRead,
    DelinquencyPage,
    PriceUpdateCreate,
    PriceUpdateRead,
    QuotaDebtsRead,
    QuotaDelinquencyRead,
    RunRead,
    RunRequest,
    SummaryRead,
)
from lastro.modules.consorcio.delinquency.tasks import run_tenant
from lastro.modules.consorcio.domain import CollectionStage

READ = "consorcio.delinquency.read"
WRITE = "consorcio.delinquency.write"

router = APIRouter(prefix="/api/v1/consorcio", route_class=LastroRoute, tags=["consorcio"])

StageParam = Annotated[
    str | None,
    Query(
        description="Estágio de cobrança: " + ", ".join(s.value for s in CollectionStage),
        max_length=25,
    ),
]


@router.get(
    "/delinquency",
    response_model=DelinquencyPage,
    dependencies=[require(READ)],
    summary="Cotas inadimplentes (posição da última apuração)",
)
async def list_delinquent(
    _p: TenantPrincipal,
    session: SessionDep,
    group_id: uuid.UUID | None = None,
    stage: StageParam = None,
    flag: Annotated[str | None, Query(max_length=20)] = None,
    min_days_late: Annotated[int | None, Query(ge=0, le=36500)] = None,
    max_days_late: Annotated[int | None, Query(ge=0, le=36500)] = None,
    include_excluded: bool = False,
    page: Annotated[int, Query(ge=1)] = 1,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> DelinquencyPage:
    if stage and stage not in {s.value for s in CollectionStage}:
        raise ValidationFailed(f"Estágio de cobrança desconhecido: {stage}.")
    return await service.delinquency_page(
        session,
        today_sp(),
        group_id=group_id,
        stage=stage,
        flag=flag,
        min_days_late=min_days_late,
        max_days_late=max_days_late,
        include_excluded=include_excluded,
        page=page,
        limit=limit,
    )


@router.get(
    "/delinquency/summary",
    response_model=SummaryRead,
    dependencies=[require(READ)],
    summary="Inadimplência por estágio: cotas e valores",
)
async def delinquency_summary(
    _p: TenantPrincipal, session: SessionDep, group_id: uuid.UUID | None = None
) -> SummaryRead:
    return await service.summary(session, today_sp(), group_id=group_id)


@router.get(
    "/delinquency/runs",
    response_model=list[RunRead],
    dependencies=[require(READ)],
    summary="Apurações diárias de inadimplência",
)
async def list_runs(_p: TenantPrincipal, session: SessionDep) -> list[RunRead]:
    return [RunRead.model_validate(r) for r in await service.runs(session)]


@router.post(
    "/delinquency/runs",
    response_model=RunRead,
    dependencies=[require(WRITE)],
    summary="Apurar a inadimplência agora (estágios, exclusões, lembretes, reajustes)",
)
async def run_now(body: RunRequest, principal: TenantPrincipal, session: SessionDep) -> RunRead:
    today = today_sp()
    on = body.date or today
    if on > today:
        raise ValidationFailed("A apuração não pode ser feita para uma data futura.")
    run = await run_tenant(session, on, actor=principal.user_id)
    return RunRead.model_validate(run)


@router.get(
    "/quotas/{quota_id}/debts",
    response_model=QuotaDebtsRead,
    dependencies=[require(READ)],
    summary="Valor devido pela cota na data: parcelas vencidas ao preço atual, multa e juros",
)
async def quota_debts(
    quota_id: uuid.UUID,
    _p: TenantPrincipal,
    session: SessionDep,
    on: Annotated[date | None, Query(description="Data de pagamento (padrão: hoje)")] = None,
) -> QuotaDebtsRead:
    debts = await service.amount_due(session, quota_id, on or today_sp())
    return service.debts_read(debts)


@router.get(
    "/quotas/{quota_id}/delinquency",
    response_model=QuotaDelinquencyRead,
    dependencies=[require(READ)],
    summary="Cobrança da cota: posição, histórico de estágios e lembretes enviados",
)
async def quota_delinquency(
    quota_id: uuid.UUID, _p: TenantPrincipal, session: SessionDep
) -> QuotaDelinquencyRead:
    return await service.quota_delinquency(session, quota_id)


@router.get(
    "/quotas/{quota_id}/price-differences",
    response_model=list[AdjustmentRead],
    dependencies=[require(READ)],
    summary="Diferenças de parcela e ajustes pendentes ou já cobrados da cota",
)
async def quota_price_differences(
    quota_id: uuid.UUID, _p: TenantPrincipal, session: SessionDep
) -> list[AdjustmentRead]:
    return [
        AdjustmentRead.model_validate(a) for a in await service.quota_adjustments(session, quota_id)
    ]


@router.get(
    "/groups/{group_id}/price-updates",
    response_model=list[PriceUpdateRead],
    dependencies=[require(READ)],
    summary="Reajustes do grupo e o que cada um alcançou",
)
async def list_price_updates(
    group_id: uuid.UUID, _p: TenantPrincipal, session: SessionDep
) -> list[PriceUpdateRead]:
    return await service.price_updates(session, group_id)


@router.post(
    "/groups/{group_id}/price-updates",
    response_model=PriceUpdateRead,
    status_code=201,
    dependencies=[require(WRITE)],
    summary="Reajuste: novo preço, valor do índice ou variação a partir de uma data",
)
async def create_price_update(
    group_id: uuid.UUID, body: PriceUpdateCreate, principal: TenantPrincipal, session: SessionDep
) -> PriceUpdateRead:
    return await service.create_price_update(
        session, group_id, body, today_sp(), actor=principal.user_id
    )
