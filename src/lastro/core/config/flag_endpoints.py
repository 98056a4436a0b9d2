"""``/api/v1/platform/flags``: platform administrators define feature flags."""

from __future__ import annotations

from enum import Enum
from typing import Any

from fastapi import Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lastro.core.audit.service import record as audit
from lastro.core.config.cache import invalidate
from lastro.core.config.endpoints import router
from lastro.core.config.errors import FlagExists, FlagNotFound
from lastro.core.config.flags import DEFINITIONS_KEY
from lastro.core.config.models import FeatureFlag
from lastro.core.config.schemas import FlagCreate, FlagRead, FlagUpdate
from lastro.core.web.deps import PlatformPrincipal, RuntimeDep, SessionDep

# Mounted on the service's one router (see endpoints.py).
PREFIX = "/platform/flags"
TAGS: list[str | Enum] = ["platform"]

_TENANT_LISTS = ("enabled_tenants", "disabled_tenants")


def _view(flag: FeatureFlag) -> dict[str, Any]:
    return FlagRead.model_validate(flag).model_dump(
        mode="json", exclude={"created_at", "updated_at"}
    )


def _normalise(data: dict[str, Any]) -> dict[str, Any]:
    for name in _TENANT_LISTS:
        if name in data:
            data[name] = sorted({str(t) for t in data[name]})
    if "enabled_plans" in data:
        data["enabled_plans"] = sorted(set(data["enabled_plans"]))
    return data


async def _get(session: AsyncSession, key: str) -> FeatureFlag:
    flag = await session.scalar(select(FeatureFlag).where(FeatureFlag.key == key))
    if flag is None:
        raise FlagNotFound(f"Feature flag '{key}' não encontrada.")
    return flag


@router.get(PREFIX, response_model=list[FlagRead], tags=TAGS, summary="Feature flags")
async def list_flags(_p: PlatformPrincipal, session: SessionDep) -> list[FlagRead]:
    rows = await session.scalars(select(FeatureFlag).order_by(FeatureFlag.key))
    return [FlagRead.model_validate(f) for f in rows]


@router.post(
    PREFIX, response_model=FlagRead, status_code=201, tags=TAGS, summary="Criar feature flag"
)
async def create_flag(
    body: FlagCreate, _p: PlatformPrincipal, session: SessionDep, runtime: RuntimeDep
) -> FlagRead:
    if await session.scalar(select(FeatureFlag.id).where(FeatureFlag.key == body.key)):
        raise FlagExists(f"A feature flag '{body.key}' já existe.")
    flag = FeatureFlag(**_normalise(body.model_dump()))
    session.add(flag)
    await session.flush()
    audit(session, "feature_flag.created", "feature_flag", flag.key, after=_view(flag))
    await invalidate(session, runtime.cache, DEFINITIONS_KEY)
    return FlagRead.model_validate(flag)


@router.get(PREFIX + "/{key}", response_model=FlagRead, tags=TAGS, summary="Feature flag")
async def get_flag(key: str, _p: PlatformPrincipal, session: SessionDep) -> FlagRead:
    return FlagRead.model_validate(await _get(session, key))


@router.patch(PREFIX + "/{key}", response_model=FlagRead, tags=TAGS, summary="Alterar feature flag")
async def update_flag(
    key: str, body: FlagUpdate, _p: PlatformPrincipal, session: SessionDep, runtime: RuntimeDep
) -> FlagRead:
    flag = await _get(session, key)
    before = _view(flag)
    for name, value in _normalise(body.model_dump(exclude_unset=True, exclude_none=True)).items():
        setattr(flag, name, value)
    await session.flush()
    audit(
        session, "feature_flag.updated", "feature_flag", flag.key, before=before, after=_view(flag)
    )
    await invalidate(session, runtime.cache, DEFINITIONS_KEY)
    return FlagRead.model_validate(flag)


@router.delete(PREFIX + "/{key}", status_code=204, tags=TAGS, summary="Excluir feature flag")
async def delete_flag(
    key: str, _p: PlatformPrincipal, session: SessionDep, runtime: RuntimeDep
) -> Response:
    flag = await _get(session, key)
    audit(session, "feature_flag.deleted", "feature_flag", flag.key, before=_view(flag))
    await session.delete(flag)
    await session.flush()
    await invalidate(session, runtime.cache, DEFINITIONS_KEY)
    return Response(status_code=204)
