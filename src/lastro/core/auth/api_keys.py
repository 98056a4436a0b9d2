"""API keys: how tenants integrate. ``lk_<prefix>_<secret>``, sent as ``X-API-Key`` or as a
bearer token; only the secret's SHA-256 is stored and the whole key is shown once."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime

from fastapi import APIRouter, Response
from pydantic import Field
from sqlalchemy import select

from lastro.core.audit.service import record as audit
from lastro.core.auth.api_key_auth import KEY_PREFIX, digest, forget
from lastro.core.auth.models import ApiKey
from lastro.core.web.deps import SessionDep, TenantPrincipal, require
from lastro.core.web.routing import LastroRoute
from lastro.kit.clock import utcnow
from lastro.kit.errors import NotFound, ValidationFailed
from lastro.kit.schemas import ReadModel, WriteModel

router = APIRouter(prefix="/api/v1/api-keys", route_class=LastroRoute, tags=["api-keys"])


class ApiKeyCreate(WriteModel):
    name: str = Field(min_length=1, max_length=120)
    permissions: list[str] = Field(min_length=1, max_length=100)


class ApiKeyRead(ReadModel):
    id: uuid.UUID
    name: str
    prefix: str
    permissions: list[str]
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyRead):
    key: str = Field(description="Mostrada somente agora; guarde-a em local seguro.")


@router.post(
    "",
    response_model=ApiKeyCreated,
    status_code=201,
    dependencies=[require("api_keys.manage")],
    summary="Criar chave de API",
)
async def create_key(
    body: ApiKeyCreate, principal: TenantPrincipal, session: SessionDep
) -> ApiKeyCreated:
    excess = sorted(p for p in set(body.permissions) if not principal.can(p))
    if excess:
        raise ValidationFailed(
            f"Você não pode conceder permissões que não tem: {', '.join(excess)}.",
            code="PERMISSION_NOT_GRANTABLE",
        )
    prefix, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    key = ApiKey(
        name=body.name,
        prefix=prefix,
        key_hash=digest(secret),
        permissions=sorted(set(body.permissions)),
        created_by=principal.user_id,
        created_at=utcnow(),
    )
    session.add(key)
    await session.flush()
    audit(
        session,
        "api_key.created",
        "api_key",
        key.id,
        after={"name": key.name, "prefix": prefix, "permissions": key.permissions},
    )
    data = ApiKeyRead.model_validate(key).model_dump()
    return ApiKeyCreated(**data, key=f"{KEY_PREFIX}{prefix}_{secret}")


@router.get(
    "",
    response_model=list[ApiKeyRead],
    dependencies=[require("api_keys.manage")],
    summary="Chaves de API da empresa",
)
async def list_keys(_p: TenantPrincipal, session: SessionDep) -> list[ApiKeyRead]:
    rows = await session.scalars(select(ApiKey).order_by(ApiKey.created_at.desc()))
    return [ApiKeyRead.model_validate(k) for k in rows]


@router.delete(
    "/{key_id}",
    status_code=204,
    dependencies=[require("api_keys.manage")],
    summary="Revogar chave de API",
)
async def revoke_key(key_id: uuid.UUID, _p: TenantPrincipal, session: SessionDep) -> Response:
    key = await session.scalar(select(ApiKey).where(ApiKey.id == key_id))
    if key is None:
        raise NotFound("Chave de API não encontrada.", code="API_KEY_NOT_FOUND")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        forget(key.prefix)
        audit(session, "api_key.revoked", "api_key", key.id)
    return Response(status_code=204)
