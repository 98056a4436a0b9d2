"""``GET /api/v1/consorcio/dashboard``: the home page's figures as JSON, for integrations and
the tenant's own dashboards."""

from __future__ import annotations

from decimal import Decimal

from fastapi import APIRouter
from pydantic import BaseModel

from lastro.core.web.deps import SessionDep, TenantPrincipal, require
from lastro.core.web.routing import LastroRoute
from lastro.kit.clock import today_sp
from lastro.modules.consorcio.backoffice.home import dashboard
from lastro.modules.consorcio.backoffice.web import READ

router = APIRouter(prefix="/api/v1/consorcio", route_class=LastroRoute, tags=["consorcio"])


class MonthRead(BaseModel):
    month: str
    installments: int
    billed: Decimal
    received: Decimal


class SegmentRead(BaseModel):
    segment: str
    groups: int
    active_quotas: int


class DashboardRead(BaseModel):
    groups_by_status: dict[str, int]
    quotas_by_status: dict[str, int]
    active_quotas: int
    quotas_by_collection_stage: dict[str, int]
    late_quotas: int
    overdue_installments: int
    overdue_amount: Decimal
    billing_by_month: list[MonthRead]
    segments: list[SegmentRead]


@router.get(
    "/dashboard",
    response_model=DashboardRead,
    dependencies=[require(READ)],
    summary="Indicadores da administradora (grupos, cotas, cobrança, inadimplência)",
)
async def get_dashboard(_p: TenantPrincipal, session: SessionDep) -> DashboardRead:
    d = await dashboard(session, today_sp())
    return DashboardRead(
        groups_by_status=d.group_status,
        quotas_by_status=d.quota_status,
        active_quotas=d.active_quotas,
        quotas_by_collection_stage=d.stages,
        late_quotas=d.late_quotas,
        overdue_installments=d.overdue_count,
        overdue_amount=d.overdue_amount,
        billing_by_month=[
            MonthRead(
                month=m, installments=d.month(m)[2], billed=d.month(m)[0], received=d.month(m)[1]
            )
            for m in d.months
        ],
        segments=[SegmentRead(segment=s, groups=g, active_quotas=q) for s, g, q in d.segments],
    )
