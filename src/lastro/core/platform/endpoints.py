"""``/api/v1/platform/tenants``: tenant administration for platform administrators."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import Field

from lastro.core.platform import service
from lastro.core.web.deps import PlatformPrincipal, SessionDep
from lastro.core.web.routing import LastroRoute
from lastro.kit.pagination import MAX_LIMIT, Page
from lastro.kit.schemas import ReadModel, WriteModel

router = APIRouter(prefix="/api/v1/platform", route_class=LastroRoute, tags=["platform"])


class TenantCreate(WriteModel):
    slug: str = Field(min_length=1, max_length=63)
    name: str = Field(min_length=1, max_length=200)
    document: str | None = Field(default=None, max_length=18)
    enabled_modules: list[str] = Field(default_factory=list)


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
    body: TenantCreate, _p: PlatformPrincipal, session: SessionDep
) -> TenantRead:
    tenant = await service.create_tenant(
        session,
        slug=body.slug,
        name=body.name,
        document=body.document,
        enabled_modules=body.enabled_modules,
    )
    return TenantRead.model_validate(tenant)


@router.post("/tenants/{slug}/suspend", response_model=TenantRead, summary="Suspender cliente")
async def suspend(slug: str, _p: PlatformPrincipal, session: SessionDep) -> TenantRead:
    return TenantRead.model_validate(await service.set_status(session, slug, "suspended"))


@router.post("/tenants/{slug}/reactivate", response_model=TenantRead, summary="Reativar cliente")
async def reactivate(slug: str, _p: PlatformPrincipal, session: SessionDep) -> TenantRead:
    return TenantRead.model_validate(await service.set_status(session, slug, "active"))
