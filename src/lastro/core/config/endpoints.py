"""``/api/v1/settings`` (the tenant's typed settings per namespace) and ``/api/v1/flags`` (the
feature flags as evaluated for the tenant)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body
from sqlalchemy.ext.asyncio import AsyncSession

from lastro.core.config import flags, service
from lastro.core.config.namespaces import Namespace, find_namespace, visible_namespaces
from lastro.core.config.schemas import SettingsRead
from lastro.core.platform.service import TenantNotFound
from lastro.core.runtime import Runtime
from lastro.core.web.deps import (
    Principal,
    RuntimeDep,
    SessionDep,
    TenantPrincipal,
    cached_tenant,
    require,
)
from lastro.core.web.routing import LastroRoute

router = APIRouter(prefix="/api/v1", route_class=LastroRoute, tags=["settings"])
SETTINGS = [require("tenant.settings")]


async def enabled_modules(runtime: Runtime, principal: Principal) -> list[str]:
    tenant = await cached_tenant(runtime, principal.tenant_slug or "")
    if tenant is None or tenant.id != principal.tenant_id:
        raise TenantNotFound("Cliente não encontrado.")
    return list(tenant.enabled_modules or [])


async def read(session: AsyncSession, runtime: Runtime, ns: Namespace) -> SettingsRead:
    overrides = await service.stored_overrides(session, ns.name, cache=runtime.cache)
    return SettingsRead(
        namespace=ns.name,
        title=ns.title,
        values=service.effective(ns.model, overrides),
        overrides=overrides,
        defaults=ns.model().model_dump(mode="json"),
        schema=ns.model.model_json_schema(),
    )


@router.get(
    "/settings",
    response_model=list[SettingsRead],
    response_model_by_alias=True,
    dependencies=SETTINGS,
    summary="Configurações da empresa, por grupo",
)
async def list_settings(
    principal: TenantPrincipal, session: SessionDep, runtime: RuntimeDep
) -> list[SettingsRead]:
    names = await enabled_modules(runtime, principal)
    return [await read(session, runtime, ns) for ns in visible_namespaces(runtime, names)]


@router.get(
    "/settings/{namespace}",
    response_model=SettingsRead,
    response_model_by_alias=True,
    dependencies=SETTINGS,
    summary="Configurações de um grupo",
)
async def get_settings(
    namespace: str, principal: TenantPrincipal, session: SessionDep, runtime: RuntimeDep
) -> SettingsRead:
    ns = find_namespace(runtime, await enabled_modules(runtime, principal), namespace)
    return await read(session, runtime, ns)


async def _write(
    namespace: str,
    values: dict[str, Any],
    principal: Principal,
    session: AsyncSession,
    runtime: Runtime,
    *,
    replace: bool,
) -> SettingsRead:
    ns = find_namespace(runtime, await enabled_modules(runtime, principal), namespace)
    await service.update_settings(
        session,
        ns.name,
        ns.model,
        values,
        replace=replace,
        actor=principal.user_id,
        cache=runtime.cache,
    )
    return await read(session, runtime, ns)


@router.put(
    "/settings/{namespace}",
    response_model=SettingsRead,
    response_model_by_alias=True,
    dependencies=SETTINGS,
    summary="Substituir as configurações de um grupo (campos omitidos voltam ao padrão)",
)
async def put_settings(
    namespace: str,
    principal: TenantPrincipal,
    session: SessionDep,
    runtime: RuntimeDep,
    values: dict[str, Any] = Body(default_factory=dict),
) -> SettingsRead:
    return await _write(namespace, values, principal, session, runtime, replace=True)


@router.patch(
    "/settings/{namespace}",
    response_model=SettingsRead,
    response_model_by_alias=True,
    dependencies=SETTINGS,
    summary="Alterar algumas configurações de um grupo",
)
async def patch_settings(
    namespace: str,
    principal: TenantPrincipal,
    session: SessionDep,
    runtime: RuntimeDep,
    values: dict[str, Any] = Body(default_factory=dict),
) -> SettingsRead:
    return await _write(namespace, values, principal, session, runtime, replace=False)


@router.get(
    "/flags",
    response_model=dict[str, bool],
    summary="Feature flags da empresa (avaliadas)",
)
async def tenant_flags(
    _p: TenantPrincipal, session: SessionDep, runtime: RuntimeDep
) -> dict[str, bool]:
    return await flags.evaluated_flags(session, cache=runtime.cache)
