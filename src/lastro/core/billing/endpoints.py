"""Plans (platform administrators) and the tenant's own subscription and usage."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import select

from lastro.core.billing import service, usage
from lastro.core.billing.models import Plan
from lastro.core.billing.schemas import (
    PlanChangeRead,
    PlanChangeRequest,
    PlanCreate,
    PlanRead,
    SubscriptionRead,
    UsageRead,
)
from lastro.core.web.deps import PlatformPrincipal, SessionDep, TenantPrincipal, require
from lastro.core.web.routing import LastroRoute

platform_router = APIRouter(
    prefix="/api/v1/platform/plans", route_class=LastroRoute, tags=["plans"]
)
router = APIRouter(prefix="/api/v1", route_class=LastroRoute, tags=["subscription"])


@platform_router.get("", response_model=list[PlanRead], summary="Catálogo de planos")
async def list_plans(_p: PlatformPrincipal, session: SessionDep) -> list[PlanRead]:
    plans = await session.scalars(select(Plan).order_by(Plan.family, Plan.price, Plan.code))
    return [PlanRead.model_validate(p) for p in plans]


@platform_router.post("", response_model=PlanRead, status_code=201, summary="Criar plano")
async def create_plan(body: PlanCreate, _p: PlatformPrincipal, session: SessionDep) -> PlanRead:
    data = body.model_dump()
    data["tiers"] = [{"up_to": t["up_to"], "price": str(t["price"])} for t in data["tiers"]]
    data["overage"] = {k: str(v) for k, v in data["overage"].items()}
    return PlanRead.model_validate(await service.create_plan(session, data))


@router.get(
    "/subscription",
    response_model=SubscriptionRead,
    dependencies=[require("tenant.settings")],
    summary="Assinatura e uso da empresa",
)
async def get_subscription(_p: TenantPrincipal, session: SessionDep) -> SubscriptionRead:
    sub, plan = await service.current(session)
    report = await usage.usage_report(session)
    return SubscriptionRead(
        id=sub.id,
        status=sub.status,
        cycle=sub.cycle,
        trial_ends_on=sub.trial_ends_on,
        current_period_start=sub.current_period_start,
        current_period_end=sub.current_period_end,
        plan=PlanRead.model_validate(plan),
        usage=[
            UsageRead(
                metric=u.metric,
                label=u.label,
                period=u.period,
                value=u.value,
                limit=u.limit,
                percent=u.percent,
            )
            for u in report
        ],
    )


@router.post(
    "/subscription/change",
    response_model=PlanChangeRead,
    dependencies=[require("tenant.settings")],
    summary="Trocar de plano",
)
async def change_plan(
    body: PlanChangeRequest, _p: TenantPrincipal, session: SessionDep
) -> PlanChangeRead:
    _, old = await service.current(session)
    change = await service.change_plan(session, body.plan, cycle=body.cycle)
    return PlanChangeRead(
        from_plan=old.code, to_plan=body.plan, cycle=change.to_cycle, proration=change.proration
    )


@router.get(
    "/usage",
    response_model=list[UsageRead],
    dependencies=[require("tenant.settings")],
    summary="Uso por métrica e limites do plano",
)
async def get_usage(_p: TenantPrincipal, session: SessionDep) -> list[UsageRead]:
    return [
        UsageRead(
            metric=u.metric,
            label=u.label,
            period=u.period,
            value=u.value,
            limit=u.limit,
            percent=u.percent,
        )
        for u in await usage.usage_report(session)
    ]
