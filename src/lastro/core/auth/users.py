"""``/api/v1/users``: tenant administrators manage their tenant's users."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import EmailStr, Field
from sqlalchemy import func, select

from lastro.core.audit.service import record as audit
from lastro.core.auth.models import User
from lastro.core.auth.permissions import TENANT_ROLES
from lastro.core.billing import usage
from lastro.core.web.deps import RuntimeDep, SessionDep, TenantPrincipal, require
from lastro.core.web.routing import LastroRoute
from lastro.kit.errors import Conflict, NotFound, ValidationFailed
from lastro.kit.pagination import MAX_LIMIT, Page
from lastro.kit.schemas import ReadModel, WriteModel

router = APIRouter(prefix="/api/v1/users", route_class=LastroRoute, tags=["users"])


class UserCreate(WriteModel):
    email: EmailStr
    name: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=128)
    role: str = Field(
        default="operator", description="tenant_admin, manager, operator, agent, customer"
    )
    cpf: str | None = Field(default=None, max_length=14)


class UserUpdate(WriteModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    role: str | None = None
    is_active: bool | None = None


class UserDetail(ReadModel):
    id: uuid.UUID
    email: str
    name: str
    cpf: str | None
    role: str
    is_active: bool
    last_login_at: datetime | None
    created_at: datetime


class UserNotFound(NotFound):
    code = "USER_NOT_FOUND"
    title = "Usuário não encontrado"


def _snapshot(user: User) -> dict[str, object]:
    return {"email": user.email, "name": user.name, "role": user.role, "is_active": user.is_active}


async def _get(session: SessionDep, user_id: uuid.UUID) -> User:
    user = await session.scalar(select(User).where(User.id == user_id))
    if user is None:
        raise UserNotFound("Usuário não encontrado.")
    return user


@router.get(
    "",
    response_model=Page[UserDetail],
    dependencies=[require("users.read")],
    summary="Usuários do cliente",
)
async def list_users(
    _p: TenantPrincipal,
    session: SessionDep,
    page: Annotated[int, Query(ge=1)] = 1,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> Page[UserDetail]:
    total = int(await session.scalar(select(func.count()).select_from(User)) or 0)
    rows = await session.scalars(
        select(User).order_by(User.email).offset((page - 1) * limit).limit(limit)
    )
    return Page(
        items=[UserDetail.model_validate(u) for u in rows], total=total, page=page, limit=limit
    )


@router.post(
    "",
    response_model=UserDetail,
    status_code=201,
    dependencies=[require("users.manage")],
    summary="Criar usuário",
)
async def create_user(
    body: UserCreate, _p: TenantPrincipal, session: SessionDep, runtime: RuntimeDep
) -> UserDetail:
    user = await runtime.auth.create_user(
        session,
        email=str(body.email),
        name=body.name,
        password=body.password,
        role=body.role,
        cpf=body.cpf,
    )
    return UserDetail.model_validate(user)


@router.get(
    "/{user_id}",
    response_model=UserDetail,
    dependencies=[require("users.read")],
    summary="Um usuário",
)
async def get_user(user_id: uuid.UUID, _p: TenantPrincipal, session: SessionDep) -> UserDetail:
    return UserDetail.model_validate(await _get(session, user_id))


@router.patch(
    "/{user_id}",
    response_model=UserDetail,
    dependencies=[require("users.manage")],
    summary="Alterar usuário",
)
async def update_user(
    user_id: uuid.UUID, body: UserUpdate, principal: TenantPrincipal, session: SessionDep
) -> UserDetail:
    user = await _get(session, user_id)
    before = _snapshot(user)
    if body.role is not None:
        if body.role not in TENANT_ROLES:
            raise ValidationFailed(f"Papel inválido: {body.role}.", code="INVALID_ROLE")
        user.role = body.role
    if body.name is not None:
        user.name = body.name
    if body.is_active is not None:
        if user.id == principal.user_id and not body.is_active:
            raise Conflict("Você não pode desativar a si mesmo.", code="CANNOT_DEACTIVATE_SELF")
        if body.is_active and not user.is_active:
            await usage.consume(session, "users")
        elif not body.is_active and user.is_active:
            await usage.release(session, "users")
        user.is_active = body.is_active
    await session.flush()
    audit(session, "user.updated", "user", user.id, before=before, after=_snapshot(user))
    return UserDetail.model_validate(user)


@router.delete(
    "/{user_id}",
    status_code=204,
    dependencies=[require("users.manage")],
    summary="Desativar usuário (o histórico de auditoria é mantido)",
)
async def deactivate_user(
    user_id: uuid.UUID, principal: TenantPrincipal, session: SessionDep
) -> Response:
    user = await _get(session, user_id)
    if user.id == principal.user_id:
        raise Conflict("Você não pode desativar a si mesmo.", code="CANNOT_DEACTIVATE_SELF")
    before = _snapshot(user)
    if user.is_active:
        await usage.release(session, "users")
    user.is_active = False
    await session.flush()
    audit(session, "user.deactivated", "user", user.id, before=before, after=_snapshot(user))
    return Response(status_code=204)
