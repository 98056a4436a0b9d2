"""Routes of consorciados."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lastro.core.web.deps import SessionDep, TenantPrincipal, require
from lastro.core.web.routing import LastroRoute
from lastro.kit.pagination import MAX_LIMIT, Page, paginate
from lastro.modules.consorcio.consorciados import service
from lastro.modules.consorcio.consorciados.models import Consorciado
from lastro.modules.consorcio.consorciados.schemas import (
    ConsorciadoCreate,
    ConsorciadoDetail,
    ConsorciadoRead,
    ConsorciadoUpdate,
    HeldQuota,
    Kind,
)

READ = "consorcio.consorciados.read"
WRITE = "consorcio.consorciados.write"

router = APIRouter(
    prefix="/api/v1/consorcio/consorciados", route_class=LastroRoute, tags=["consorcio"]
)


def to_read(c: Consorciado) -> ConsorciadoRead:
    return ConsorciadoRead.model_validate(
        {
            **{k: getattr(c, k) for k in ConsorciadoRead.model_fields if k != "document_formatted"},
            "document_formatted": service.format_document(c.kind, c.document),
        }
    )


async def _detail(session: AsyncSession, c: Consorciado) -> ConsorciadoDetail:
    from lastro.modules.consorcio.quotas.models import Quota

    quotas = await session.scalars(
        select(Quota)
        .where(Quota.consorciado_id == c.id)
        .order_by(Quota.group_id, Quota.number, Quota.version)
    )
    return ConsorciadoDetail(
        **to_read(c).model_dump(), quotas=[HeldQuota.model_validate(q) for q in quotas]
    )


@router.get(
    "", response_model=Page[ConsorciadoRead], dependencies=[require(READ)], summary="Consorciados"
)
async def list_consorciados(
    _p: TenantPrincipal,
    session: SessionDep,
    q: Annotated[str | None, Query(max_length=100)] = None,
    kind: Kind | None = None,
    pep: bool | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> Page[ConsorciadoRead]:
    stmt = service.list_statement(q=q, kind=kind, pep=pep)
    return await paginate(session, stmt, to_read, page=page, limit=limit)


@router.post(
    "",
    response_model=ConsorciadoDetail,
    status_code=201,
    dependencies=[require(WRITE)],
    summary="Cadastrar consorciado (CPF ou CNPJ, inclusive alfanumérico)",
)
async def create_consorciado(
    body: ConsorciadoCreate, principal: TenantPrincipal, session: SessionDep
) -> ConsorciadoDetail:
    c = await service.create_consorciado(session, body, actor=principal.user_id)
    return await _detail(session, c)


@router.get(
    "/{consorciado_id}",
    response_model=ConsorciadoDetail,
    dependencies=[require(READ)],
    summary="Consorciado e suas cotas",
)
async def get_consorciado(
    consorciado_id: uuid.UUID, _p: TenantPrincipal, session: SessionDep
) -> ConsorciadoDetail:
    return await _detail(session, await service.get_consorciado(session, consorciado_id))


@router.patch(
    "/{consorciado_id}",
    response_model=ConsorciadoDetail,
    dependencies=[require(WRITE)],
    summary="Alterar cadastro (o documento não muda)",
)
async def update_consorciado(
    consorciado_id: uuid.UUID,
    body: ConsorciadoUpdate,
    principal: TenantPrincipal,
    session: SessionDep,
) -> ConsorciadoDetail:
    c = await service.update_consorciado(session, consorciado_id, body, actor=principal.user_id)
    return await _detail(session, c)
