"""Resellers: a tenant marked ``is_reseller`` owns the tenants whose ``reseller_id`` is its id.

Its tenant administrators (permission ``reseller.manage``) provision, list, inspect, suspend
and reactivate those sub-tenants, and never see any other tenant: a slug that is not one of the
reseller's own sub-tenants answers 404, exactly like a slug that does not exist.

Sub-tenants are other tenants, so this is cross-tenant work: once the reseller is resolved from
the principal, the request's session is switched to platform scope (``bind_platform``) and every
query here names the reseller explicitly (``Tenant.reseller_id == reseller.id``), or the ids of
its sub-tenants. The session stays in platform scope until it commits, so the audit records of a
sub-tenant's own chain can be written.

A sub-tenant's detail carries its last invoices; ``GET /api/v1/reseller/invoices`` lists the
invoices of all of them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import Field
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from lastro.core.audit.service import record as audit
from lastro.core.auth.service import AuthService
from lastro.core.billing import service as billing
from lastro.core.billing.models import Invoice, Plan, Subscription
from lastro.core.billing.schemas import PlanRead, UsageRead
from lastro.core.billing.usage import Usage
from lastro.core.platform import service as tenants
from lastro.core.platform.dashboard import counters_by_tenant, subscriptions_by_tenant, usage_of
from lastro.core.platform.endpoints import AdminCreate
from lastro.core.platform.models import Tenant
from lastro.core.platform.provisioning import AdminSpec, provision
from lastro.core.web.deps import (
    PlatformPrincipal,
    Principal,
    RuntimeDep,
    SessionDep,
    TenantPrincipal,
    require,
)
from lastro.core.web.routing import LastroRoute
from lastro.infra.database import bind_platform
from lastro.kit.errors import Forbidden, NotFound, ValidationFailed
from lastro.kit.pagination import MAX_LIMIT, Page
from lastro.kit.schemas import ReadModel, WriteModel

PERMISSION = "reseller.manage"


class ResellerRequired(Forbidden):
    code = "RESELLER_REQUIRED"
    title = "Somente revendas"


class SubTenantNotFound(NotFound):
    code = "SUB_TENANT_NOT_FOUND"
    title = "Cliente não encontrado"


class PlanNotAvailable(ValidationFailed):
    code = "PLAN_NOT_AVAILABLE"
    title = "Plano não disponível para revendas"


# --- service -----------------------------------------------------------------------------------


INVOICES_SHOWN = 12


@dataclass
class SubTenantView:
    tenant: Tenant
    subscription: Subscription | None
    plan: Plan | None
    usage: list[Usage]
    invoices: list[Invoice] | None = None


async def reseller_of(session: AsyncSession, principal: Principal) -> Tenant:
    """The principal's own tenant, which must be a reseller; then the session goes platform-wide
    (see the module docstring)."""
    tenant = (
        await session.get(Tenant, principal.tenant_id) if principal.tenant_id is not None else None
    )
    if tenant is None or not tenant.is_reseller:
        raise ResellerRequired("Esta operação é exclusiva de revendas.")
    bind_platform(session)
    return tenant


async def _sub_tenant(session: AsyncSession, reseller: Tenant, slug: str) -> Tenant:
    tenant = await session.scalar(
        select(Tenant).where(Tenant.slug == slug.strip().lower(), Tenant.reseller_id == reseller.id)
    )
    if tenant is None:
        raise SubTenantNotFound(f"Cliente '{slug}' não encontrado.")
    return tenant


async def _views(session: AsyncSession, rows: list[Tenant]) -> list[SubTenantView]:
    ids = [t.id for t in rows]
    subs = await subscriptions_by_tenant(session, ids)
    counters = await counters_by_tenant(session, ids)
    out = []
    for t in rows:
        sub, plan = subs.get(t.id, (None, None))
        out.append(SubTenantView(t, sub, plan, usage_of(plan, counters.get(t.id, {}))))
    return out


async def list_sub_tenants(
    session: AsyncSession,
    reseller: Tenant,
    *,
    offset: int = 0,
    limit: int = 50,
    status: str | None = None,
) -> tuple[list[SubTenantView], int]:
    where = [Tenant.reseller_id == reseller.id]
    if status is not None:
        where.append(Tenant.status == status)
    total = int(await session.scalar(select(func.count()).select_from(Tenant).where(*where)) or 0)
    rows = await session.scalars(
        select(Tenant).where(*where).order_by(Tenant.slug).offset(offset).limit(limit)
    )
    return await _views(session, list(rows.all())), total


async def detail(session: AsyncSession, reseller: Tenant, slug: str) -> SubTenantView:
    tenant = await _sub_tenant(session, reseller, slug)
    view = (await _views(session, [tenant]))[0]
    view.invoices = list(
        (
            await session.scalars(
                select(Invoice)
                .where(Invoice.tenant_id == tenant.id)
                .order_by(Invoice.issue_date.desc(), Invoice.number.desc())
                .limit(INVOICES_SHOWN)
            )
        ).all()
    )
    return view


async def sub_tenant_invoices(
    session: AsyncSession,
    reseller: Tenant,
    *,
    status: str | None,
    offset: int,
    limit: int,
) -> tuple[list[tuple[Invoice, Tenant]], int]:
    """Invoices of the reseller's sub-tenants, newest first (platform session)."""
    where = [Tenant.reseller_id == reseller.id]
    if status is not None:
        where.append(Invoice.status == status)
    base = select(Invoice, Tenant).join(Tenant, Tenant.id == Invoice.tenant_id).where(*where)
    total = int(await session.scalar(select(func.count()).select_from(base.subquery())) or 0)
    rows = await session.execute(
        base.order_by(Invoice.issue_date.desc(), Invoice.number.desc()).offset(offset).limit(limit)
    )
    return [(inv, t) for inv, t in rows.all()], total


async def create_sub_tenant(
    session: AsyncSession,
    auth: AuthService,
    reseller: Tenant,
    *,
    slug: str,
    name: str,
    plan: str,
    cycle: str,
    trial: bool,
    document: str | None,
    admin: AdminSpec | None,
) -> Tenant:
    """Provision in one step (tenant, subscription, admin) under the reseller; public plans
    only (private ones are negotiated by the platform)."""
    chosen = await billing.plan_by_code(session, plan)
    if not chosen.is_public:
        raise PlanNotAvailable(f"O plano '{plan}' não está disponível para revendas.")
    tenant, _ = await provision(
        session,
        auth,
        slug=slug,
        name=name,
        plan=plan,
        cycle=cycle,
        trial=trial,
        document=document,
        admin=admin,
    )
    tenant.reseller_id = reseller.id
    await session.flush()
    tenants.tenant_cache.forget(tenant.slug)
    after = {
        "tenant_id": str(tenant.id),
        "slug": tenant.slug,
        "name": tenant.name,
        "plan": plan,
        "cycle": cycle,
        "trial": trial,
    }
    audit(
        session, "reseller.tenant_created", "tenant", tenant.id, after=after, tenant_id=reseller.id
    )
    audit(
        session,
        "tenant.reseller_assigned",
        "tenant",
        tenant.id,
        after={"reseller_id": str(reseller.id), "reseller": reseller.slug},
    )
    return tenant


async def set_sub_tenant_status(
    session: AsyncSession, reseller: Tenant, slug: str, status: str
) -> Tenant:
    tenant = await _sub_tenant(session, reseller, slug)
    before = tenant.status
    tenant = await tenants.set_status(session, tenant.slug, status)  # audits platform + tenant
    action = "reseller.tenant_suspended" if status == "suspended" else "reseller.tenant_reactivated"
    audit(
        session,
        action,
        "tenant",
        tenant.id,
        before={"status": before},
        after={"status": tenant.status, "slug": tenant.slug},
        tenant_id=reseller.id,
    )
    return tenant


async def mark_reseller(session: AsyncSession, slug: str, is_reseller: bool) -> Tenant:
    """Platform administrators only. Unmarking keeps the sub-tenants' ``reseller_id``: the
    reseller loses access to them, and marking it again restores it."""
    bind_platform(session)
    tenant = await session.scalar(select(Tenant).where(Tenant.slug == slug.strip().lower()))
    if tenant is None:
        raise tenants.TenantNotFound(f"Cliente '{slug}' não encontrado.")
    before = tenant.is_reseller
    tenant.is_reseller = is_reseller
    await session.flush()
    tenants.tenant_cache.forget(tenant.slug)
    for scope in (None, tenant.id):  # the platform's chain and the tenant's own
        audit(
            session,
            "tenant.reseller_marked" if is_reseller else "tenant.reseller_unmarked",
            "tenant",
            tenant.id,
            before={"is_reseller": before},
            after={"is_reseller": is_reseller},
            tenant_id=scope,
        )
    return tenant


# --- schemas -----------------------------------------------------------------------------------


class PlanSummary(ReadModel):
    code: str
    name: str


class SubTenantRead(ReadModel):
    id: uuid.UUID
    slug: str
    name: str
    status: str
    document: str | None
    created_at: datetime
    plan: PlanSummary | None
    subscription_status: str | None
    cycle: str | None
    usage: list[UsageRead] = Field(description="Uso do período corrente por métrica e limites")
    highest_usage_percent: float | None = Field(
        description="Maior percentual de uso entre as métricas com limite"
    )


class SubscriptionDetail(ReadModel):
    id: uuid.UUID
    status: str
    cycle: str
    trial_ends_on: date | None
    current_period_start: date
    current_period_end: date
    plan: PlanRead


class SubTenantInvoice(ReadModel):
    id: uuid.UUID
    number: str
    period_start: date
    period_end: date
    issue_date: date
    due_date: date
    status: str
    total: Decimal
    paid_at: datetime | None


class ResellerInvoice(SubTenantInvoice):
    slug: str
    name: str


class SubTenantDetail(SubTenantRead):
    subscription: SubscriptionDetail | None
    invoices: list[SubTenantInvoice] = Field(
        default_factory=list, description=f"As últimas {INVOICES_SHOWN} faturas do cliente"
    )


class SubTenantCreate(WriteModel):
    slug: str = Field(min_length=1, max_length=63)
    name: str = Field(min_length=1, max_length=200)
    document: str | None = Field(default=None, max_length=18)
    plan: str = Field(min_length=1, max_length=60)
    cycle: str = Field(default="monthly", pattern=r"^(monthly|yearly)$")
    trial: bool = True
    admin: AdminCreate | None = None


class ResellerFlag(WriteModel):
    is_reseller: bool


class ResellerFlagRead(ReadModel):
    id: uuid.UUID
    slug: str
    name: str
    status: str
    is_reseller: bool


def _usage_read(u: Usage) -> UsageRead:
    return UsageRead(
        metric=u.metric,
        label=u.label,
        period=u.period,
        value=u.value,
        limit=u.limit,
        percent=u.percent,
    )


def _read_fields(view: SubTenantView) -> dict[str, Any]:
    t = view.tenant
    percents = [u.percent for u in view.usage if u.percent is not None]
    return {
        "id": t.id,
        "slug": t.slug,
        "name": t.name,
        "status": t.status,
        "document": t.document,
        "created_at": t.created_at,
        "plan": PlanSummary(code=view.plan.code, name=view.plan.name) if view.plan else None,
        "subscription_status": view.subscription.status if view.subscription else None,
        "cycle": view.subscription.cycle if view.subscription else None,
        "usage": [_usage_read(u) for u in view.usage],
        "highest_usage_percent": max(percents) if percents else None,
    }


def _detail(view: SubTenantView) -> SubTenantDetail:
    sub, plan = view.subscription, view.plan
    subscription = (
        SubscriptionDetail(
            id=sub.id,
            status=sub.status,
            cycle=sub.cycle,
            trial_ends_on=sub.trial_ends_on,
            current_period_start=sub.current_period_start,
            current_period_end=sub.current_period_end,
            plan=PlanRead.model_validate(plan),
        )
        if sub is not None and plan is not None
        else None
    )
    return SubTenantDetail(
        **_read_fields(view),
        subscription=subscription,
        invoices=[SubTenantInvoice.model_validate(i) for i in view.invoices or []],
    )


# --- API ---------------------------------------------------------------------------------------

router = APIRouter(
    prefix="/api/v1/reseller",
    route_class=LastroRoute,
    tags=["reseller"],
    dependencies=[require(PERMISSION)],
)
platform_router = APIRouter(prefix="/api/v1/platform", route_class=LastroRoute, tags=["platform"])


@router.get("/tenants", response_model=Page[SubTenantRead], summary="Clientes da revenda")
async def list_tenants(
    principal: TenantPrincipal,
    session: SessionDep,
    page: Annotated[int, Query(ge=1)] = 1,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    status: Annotated[str | None, Query(pattern=r"^(active|suspended)$")] = None,
) -> Page[SubTenantRead]:
    reseller = await reseller_of(session, principal)
    views, total = await list_sub_tenants(
        session, reseller, offset=(page - 1) * limit, limit=limit, status=status
    )
    return Page(
        items=[SubTenantRead(**_read_fields(v)) for v in views],
        total=total,
        page=page,
        limit=limit,
    )


@router.post(
    "/tenants", response_model=SubTenantDetail, status_code=201, summary="Criar cliente da revenda"
)
async def create_tenant(
    body: SubTenantCreate, principal: TenantPrincipal, session: SessionDep, runtime: RuntimeDep
) -> SubTenantDetail:
    reseller = await reseller_of(session, principal)
    admin = (
        AdminSpec(
            email=str(body.admin.email),
            name=body.admin.name,
            password=body.admin.password,
            cpf=body.admin.cpf,
        )
        if body.admin
        else None
    )
    tenant = await create_sub_tenant(
        session,
        runtime.auth,
        reseller,
        slug=body.slug,
        name=body.name,
        plan=body.plan,
        cycle=body.cycle,
        trial=body.trial,
        document=body.document,
        admin=admin,
    )
    return _detail(await detail(session, reseller, tenant.slug))


@router.get(
    "/invoices", response_model=Page[ResellerInvoice], summary="Faturas dos clientes da revenda"
)
async def list_invoices(
    principal: TenantPrincipal,
    session: SessionDep,
    status: Annotated[str | None, Query(pattern="^(open|overdue|paid|void)$")] = None,
    page: Annotated[int, Query(ge=1)] = 1,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> Page[ResellerInvoice]:
    reseller = await reseller_of(session, principal)
    rows, total = await sub_tenant_invoices(
        session, reseller, status=status, offset=(page - 1) * limit, limit=limit
    )
    return Page(
        items=[
            ResellerInvoice(
                **SubTenantInvoice.model_validate(inv).model_dump(), slug=t.slug, name=t.name
            )
            for inv, t in rows
        ],
        total=total,
        page=page,
        limit=limit,
    )


@router.get("/tenants/{slug}", response_model=SubTenantDetail, summary="Cliente da revenda")
async def get_tenant(slug: str, principal: TenantPrincipal, session: SessionDep) -> SubTenantDetail:
    reseller = await reseller_of(session, principal)
    return _detail(await detail(session, reseller, slug))


@router.post(
    "/tenants/{slug}/suspend", response_model=SubTenantRead, summary="Suspender cliente da revenda"
)
async def suspend(slug: str, principal: TenantPrincipal, session: SessionDep) -> SubTenantRead:
    reseller = await reseller_of(session, principal)
    tenant = await set_sub_tenant_status(session, reseller, slug, "suspended")
    return SubTenantRead(**_read_fields((await _views(session, [tenant]))[0]))


@router.post(
    "/tenants/{slug}/reactivate",
    response_model=SubTenantRead,
    summary="Reativar cliente da revenda",
)
async def reactivate(slug: str, principal: TenantPrincipal, session: SessionDep) -> SubTenantRead:
    reseller = await reseller_of(session, principal)
    tenant = await set_sub_tenant_status(session, reseller, slug, "active")
    return SubTenantRead(**_read_fields((await _views(session, [tenant]))[0]))


@platform_router.post(
    "/tenants/{slug}/reseller",
    response_model=ResellerFlagRead,
    summary="Marcar cliente como revenda",
)
async def set_reseller(
    slug: str, body: ResellerFlag, _p: PlatformPrincipal, session: SessionDep
) -> ResellerFlagRead:
    return ResellerFlagRead.model_validate(await mark_reseller(session, slug, body.is_reseller))
