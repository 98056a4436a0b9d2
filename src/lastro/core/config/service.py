"""Typed per-tenant settings: each module or core service declares a pydantic model
(``ModuleSpec.settings``, all fields with defaults); a tenant stores only its overrides.

:func:`get_settings_for` returns the validated model for the bound tenant, cached; updates are
validated per field, audited with old and new values, and invalidate the cache.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any, TypeVar

import orjson
from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lastro.core.audit.service import record as audit
from lastro.core.config.cache import current_cache, invalidate
from lastro.core.config.errors import SettingsInvalid
from lastro.core.config.models import TenantSetting
from lastro.core.tenancy import TenancyNotBound
from lastro.core.web.problems import field_errors
from lastro.infra.cache import Cache
from lastro.infra.database import bound_tenant

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)
CACHE_TTL = 300.0


def _key(tenant_id: uuid.UUID, namespace: str) -> str:
    return f"config:settings:{tenant_id}:{namespace}"


def _tenant(session: AsyncSession) -> uuid.UUID:
    tenant_id = bound_tenant(session)
    if tenant_id is None:
        raise TenancyNotBound("Configurações exigem uma sessão vinculada a um cliente.")
    return tenant_id


async def _row(session: AsyncSession, namespace: str) -> TenantSetting | None:
    return await session.scalar(select(TenantSetting).where(TenantSetting.namespace == namespace))


async def stored_overrides(
    session: AsyncSession, namespace: str, *, cache: Cache | None = None
) -> dict[str, Any]:
    """The bound tenant's overrides of ``namespace`` (cached)."""
    store = current_cache(cache)
    key = _key(_tenant(session), namespace)
    raw = await store.get(key)
    if raw is not None:
        cached: dict[str, Any] = orjson.loads(raw)
        return cached
    row = await _row(session, namespace)
    values = dict(row.overrides) if row is not None else {}
    await store.set(key, orjson.dumps(values), ttl=CACHE_TTL)
    return values


def resolve(model: type[M], overrides: dict[str, Any]) -> M:
    """Defaults merged with ``overrides``. An override the model no longer accepts (the
    module changed its rules) falls back to the default instead of breaking the tenant."""
    values = {k: v for k, v in overrides.items() if k in model.model_fields}
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        bad = {str(e["loc"][0]) for e in exc.errors() if e.get("loc")}
        log.warning("ignoring invalid stored settings", extra={"fields": sorted(bad)})
        return model.model_validate({k: v for k, v in values.items() if k not in bad})


async def get_settings_for(
    session: AsyncSession, namespace: str, model: type[M], *, cache: Cache | None = None
) -> M:
    return resolve(model, await stored_overrides(session, namespace, cache=cache))


def effective(model: type[BaseModel], overrides: dict[str, Any]) -> dict[str, Any]:
    dumped: dict[str, Any] = resolve(model, overrides).model_dump(mode="json")
    return dumped


def validate_overrides(model: type[BaseModel], values: dict[str, Any]) -> dict[str, Any]:
    """``values`` checked against ``model``; returns them in canonical JSON form. Raises
    :class:`SettingsInvalid` with one entry per field (unknown fields included)."""
    unknown = sorted(k for k in values if k not in model.model_fields)
    errors = [
        {"field": k, "message": "campo desconhecido", "type": "extra_forbidden"} for k in unknown
    ]
    validated: BaseModel | None = None
    try:
        validated = model.model_validate({k: v for k, v in values.items() if k not in unknown})
    except ValidationError as exc:
        errors += field_errors(exc.errors())
    if errors or validated is None:
        names = ", ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
        raise SettingsInvalid(f"Configurações inválidas ({names}).", extra={"errors": errors})
    dumped = validated.model_dump(mode="json")
    return {k: dumped[k] for k in values}


async def update_settings(
    session: AsyncSession,
    namespace: str,
    model: type[BaseModel],
    values: dict[str, Any],
    *,
    replace: bool,
    actor: uuid.UUID | None = None,
    cache: Cache | None = None,
) -> dict[str, Any]:
    """Store the tenant's overrides (``replace`` drops those not given, i.e. back to their
    defaults); returns the effective values. Audited when anything changed."""
    tenant_id = _tenant(session)
    row = await _row(session, namespace)
    current = dict(row.overrides) if row is not None else {}
    wanted = validate_overrides(model, values if replace else {**current, **values})
    before, after = effective(model, current), effective(model, wanted)
    if wanted == current:
        return after
    if row is None:
        row = TenantSetting(namespace=namespace, overrides=wanted, updated_by=actor)
        session.add(row)
    else:
        row.overrides, row.updated_by = wanted, actor
    await session.flush()
    changed = sorted(k for k in after if before.get(k) != after.get(k))
    audit(
        session,
        "settings.updated",
        "settings",
        namespace,
        before={k: before[k] for k in changed},
        after={k: after[k] for k in changed},
    )
    await invalidate(session, current_cache(cache), _key(tenant_id, namespace))
    return after
