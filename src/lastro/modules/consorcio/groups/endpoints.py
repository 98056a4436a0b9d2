"""Routes of groups: thin — authorise, call the service, shape the answer."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy.ext.asyncio import AsyncSession

from lastro.core.web.deps import SessionDep, TenantPrincipal, require
from lastro.core.web.routing import LastroRoute
from lastro.kit.clock import today_sp
from lastro.kit.errors import ValidationFailed
from lastro.kit.pagination import MAX_LIMIT, Page, paginate
from lastro.modules.consorcio.groups import books, service
from lastro.modules.consorcio.groups.errors import RulesNotInForce
from lastro.modules.consorcio.groups.models import Group
from lastro.modules.consorcio.groups.schemas import (
    BookAccountRead,
    BookDayRead,
    BookRead,
    BooksRead,
    GroupCreate,
    GroupDetail,
    GroupRead,
    GroupStatus,
    GroupTransition,
    GroupUpdate,
    PriceCreate,
    PriceRead,
    PricesRead,
    Regime,
    RuleVersionCreate,
    RuleVersionRead,
    RuleVersionsRead,
    Segment,
)

READ = "consorcio.groups.read"
WRITE = "consorcio.groups.write"
MAX_BOOK_DAYS = 366

router = APIRouter(prefix="/api/v1/consorcio/groups", route_class=LastroRoute, tags=["consorcio"])


async def group_detail(session: AsyncSession, group: Group) -> GroupDetail:
    today = today_sp()
    try:
        rules = await service.rules_as_of(session, group.id, today)
    except RulesNotInForce:
        rules = None
    active, sold = await service.quota_counts(session, group.id)
    return GroupDetail(
        **GroupRead.model_validate(group).model_dump(),
        rules=RuleVersionRead.model_validate(rules) if rules is not None else None,
        current_price=await service.price_as_of(session, group.id, today),
        current_installment=service.installment_number(group, today),
        quotas_active=active,
        quotas_sold=sold,
    )


@router.get("", response_model=Page[GroupRead], dependencies=[require(READ)], summary="Grupos")
async def list_groups(
    _p: TenantPrincipal,
    session: SessionDep,
    status: GroupStatus | None = None,
    segment: Segment | None = None,
    regime: Regime | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    page: Annotated[int, Query(ge=1)] = 1,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> Page[GroupRead]:
    stmt = service.list_statement(status=status, segment=segment, regime=regime, q=q)
    return await paginate(session, stmt, GroupRead.model_validate, page=page, limit=limit)


@router.post(
    "",
    response_model=GroupDetail,
    status_code=201,
    dependencies=[require(WRITE)],
    summary="Criar grupo (em formação), com regras, preço e livro contábil",
)
async def create_group(
    body: GroupCreate, principal: TenantPrincipal, session: SessionDep
) -> GroupDetail:
    group = await service.create_group(session, body, actor=principal.user_id)
    return await group_detail(session, group)


@router.get(
    "/{group_id}", response_model=GroupDetail, dependencies=[require(READ)], summary="Grupo"
)
async def get_group(group_id: uuid.UUID, _p: TenantPrincipal, session: SessionDep) -> GroupDetail:
    return await group_detail(session, await service.get_group(session, group_id))


@router.patch(
    "/{group_id}",
    response_model=GroupDetail,
    dependencies=[require(WRITE)],
    summary="Alterar dados do grupo que não são regras contratuais",
)
async def update_group(
    group_id: uuid.UUID, body: GroupUpdate, _p: TenantPrincipal, session: SessionDep
) -> GroupDetail:
    return await group_detail(session, await service.update_group(session, group_id, body))


@router.post(
    "/{group_id}/status",
    response_model=GroupDetail,
    dependencies=[require(WRITE)],
    summary="Constituir (em_andamento) ou encerrar o grupo",
)
async def change_status(
    group_id: uuid.UUID, body: GroupTransition, _p: TenantPrincipal, session: SessionDep
) -> GroupDetail:
    return await group_detail(session, await service.transition(session, group_id, body))


@router.get(
    "/{group_id}/rules",
    response_model=RuleVersionsRead,
    dependencies=[require(READ)],
    summary="Versões das regras do grupo e a versão em vigor numa data",
)
async def list_rules(
    group_id: uuid.UUID,
    _p: TenantPrincipal,
    session: SessionDep,
    as_of: date | None = None,
) -> RuleVersionsRead:
    await service.get_group(session, group_id)
    on = as_of or today_sp()
    versions = await service.rule_versions(session, group_id)
    in_force = [v for v in versions if v.effective_from <= on]
    return RuleVersionsRead(
        group_id=group_id,
        as_of=on,
        in_force=RuleVersionRead.model_validate(in_force[-1]) if in_force else None,
        versions=[RuleVersionRead.model_validate(v) for v in versions],
    )


@router.post(
    "/{group_id}/rules",
    response_model=RuleVersionRead,
    status_code=201,
    dependencies=[require(WRITE)],
    summary="Nova versão das regras (vale a partir de uma data; o passado não muda)",
)
async def add_rules(
    group_id: uuid.UUID, body: RuleVersionCreate, principal: TenantPrincipal, session: SessionDep
) -> RuleVersionRead:
    row = await service.add_rule_version(session, group_id, body, actor=principal.user_id)
    return RuleVersionRead.model_validate(row)


@router.get(
    "/{group_id}/prices",
    response_model=PricesRead,
    dependencies=[require(READ)],
    summary="Histórico de preços do bem de referência (ou do índice)",
)
async def list_prices(group_id: uuid.UUID, _p: TenantPrincipal, session: SessionDep) -> PricesRead:
    await service.get_group(session, group_id)
    rows = await service.prices(session, group_id)
    return PricesRead(
        group_id=group_id,
        current_price=await service.price_as_of(session, group_id, today_sp()),
        items=[PriceRead.model_validate(r) for r in rows],
    )


@router.post(
    "/{group_id}/prices",
    response_model=PriceRead,
    status_code=201,
    dependencies=[require(WRITE)],
    summary="Novo preço de referência ou valor do índice",
)
async def add_price(
    group_id: uuid.UUID, body: PriceCreate, principal: TenantPrincipal, session: SessionDep
) -> PriceRead:
    row = await service.add_price(session, group_id, body, actor=principal.user_id)
    return PriceRead.model_validate(row)


@router.get(
    "/{group_id}/books",
    response_model=BooksRead,
    dependencies=[require(READ)],
    summary="Livro do grupo: saldos por conta e saldo diário",
)
async def group_books(
    group_id: uuid.UUID,
    _p: TenantPrincipal,
    session: SessionDep,
    since: date | None = None,
    until: date | None = None,
) -> BooksRead:
    group = await service.get_group(session, group_id)
    until = until or today_sp()
    since = since or until - timedelta(days=29)
    if since > until or (until - since).days >= MAX_BOOK_DAYS:
        raise ValidationFailed(
            f"Período inválido: de 1 a {MAX_BOOK_DAYS} dias, início antes do fim.",
            code="INVALID_PERIOD",
        )
    view = await books.books_view(session, group, since, until)
    return BooksRead(
        group_id=group_id,
        since=since,
        until=until,
        group_book=BookRead(
            ledger_id=view.ledger.id,
            code=view.ledger.code,
            name=view.ledger.name,
            accounts=[
                BookAccountRead(code=a.code, name=a.name, type=a.type, balance=a.balance)
                for a in view.accounts
            ],
        ),
        daily=[BookDayRead(date=d, balances=b) for d, b in view.daily],
    )
