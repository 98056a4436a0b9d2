"""``/api/v1/platform/tenants``: tenant administration for platform administrators."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import EmailStr, Field

from lastro.core.platform import service
from lastro.core.platform.provisioning import DEFAULT_PLAN, AdminSpec, provision
from lastro.core.web.deps import PlatformPrincipal, RuntimeDep, SessionDep
from lastro.core.web.routing import LastroRoute
from lastro.kit.pagination import MAX_LIMIT, Page
from lastro.kit.schemas import ReadModel, WriteModel

router = APIRouter(prefix="/api/v1/platform", route_class=LastroRoute, tags=["platform"])


class AdminCreate(WriteModel):
    email: EmailStr
    name: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=128)
    cpf: str | None = Field(default=None, max_length=14)


class TenantCreate(WriteModel):
    slug: str = Field(min_length=1, max_length=63)
    name: str = Field(min_length=1, max_length=200)
    document: str | None = Field(default=None, max_length=18)
    plan: str = Field(default=DEFAULT_PLAN, max_length=60)
    cycle: str = Field(default="monthly", pattern=r"^(monthly|yearly)$")
    trial: bool = True
    admin: AdminCreate | None = None


class TenantRead(ReadModel):
    id: uuid.UUID
    slug: str
    name: str
    status: str
    document: str | None
    enabled_modules: list[str]


@router.get("/tenants", response_model=Page[TenantRead], summary="Clientes da plataforma")
async def list_tenants(
    _p: PlatformPrincipal,
    session: SessionDep,
    page: Annotated[int, Query(ge=1)] = 1,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> Page[TenantRead]:
    rows, total = await service.list_tenants(session, offset=(page - 1) * limit, limit=limit)
    return Page(
        items=[TenantRead.model_validate(t) for t in rows], total=total, page=page, limit=limit
    )


@router.post("/tenants", response_model=TenantRead, status_code=201, summary="Criar cliente")
async def create_tenant(
    body: TenantCreate, _p: PlatformPrincipal, session: SessionDep, runtime: RuntimeDep
) -> TenantRead:
    """Provision in one step: tenant, subscription (its modules follow the plan), branding
    defaults and, when given, its first administrator."""
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
    tenant, _ = await provision(
        session,
        runtime.auth,
        slug=body.slug,
        name=body.name,
        plan=body.plan,
        cycle=body.cycle,
        trial=body.trial,
        document=body.document,
        admin=admin,
    )
    return TenantRead.model_validate(tenant)


@router.post("/tenants/{slug}/suspend", response_model=TenantRead, summary="Suspender cliente")
async def suspend(slug: str, _p: PlatformPrincipal, session: SessionDep) -> TenantRead:
    return TenantRead.model_validate(await service.set_status(session, slug, "suspended"))


@router.post("/tenants/{slug}/reactivate", response_model=TenantRead, summary="Reativar cliente")
async def reactivate(slug: str, _p: PlatformPrincipal, session: SessionDep) -> TenantRead:
    return TenantRead.model_validate(await service.set_status(session, slug, "active"))
