"""Tenant lifecycle: create, list, suspend, reactivate. Platform-scope work (no tenant bound)."""

from __future__ import annotations

import re
import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from lastro.core.audit.service import record as audit
from lastro.core.platform.models import Tenant
from lastro.kit.errors import Conflict, Forbidden, NotFound, ValidationFailed
from lastro.kit.ttl_cache import TTLCache

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
RESERVED_SLUGS = frozenset({"www", "api", "admin", "app", "static", "platform", "lastro"})
_CACHE_TTL = 5.0


class TenantNotFound(NotFound):
    code = "TENANT_NOT_FOUND"
    title = "Cliente não encontrado"


class TenantSuspended(Forbidden):
    code = "TENANT_SUSPENDED"
    title = "Cliente suspenso"


# Tenants are read on every login and page; a few seconds of staleness bounds the cost.
tenant_cache: TTLCache[str, Tenant | None] = TTLCache(_CACHE_TTL)
# host → slug for tenants served on their own domain
domain_cache: TTLCache[str, str | None] = TTLCache(_CACHE_TTL)


async def slug_for_domain(session: AsyncSession, host: str) -> str | None:
    """The tenant served on ``host`` (a custom domain), cached for a few seconds."""
    cached, slug = domain_cache.get(host)
    if not cached:
        slug = await session.scalar(select(Tenant.slug).where(Tenant.custom_domain == host))
        domain_cache.put(host, slug)
    return slug


def snapshot(tenant: Tenant) -> dict[str, Any]:
    return {
        "id": str(tenant.id),
        "slug": tenant.slug,
        "name": tenant.name,
        "status": tenant.status,
        "document": tenant.document,
        "enabled_modules": list(tenant.enabled_modules or []),
        "branding": dict(tenant.branding or {}),
    }


async def find_by_slug(session: AsyncSession, slug: str) -> Tenant | None:
    slug = slug.strip().lower()
    cached, tenant = tenant_cache.get(slug)
    if cached:
        return tenant
    tenant = await session.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is not None:
        session.expunge(tenant)
    tenant_cache.put(slug, tenant)
    return tenant


async def get_active_by_slug(session: AsyncSession, slug: str) -> Tenant:
    tenant = await find_by_slug(session, slug)
    if tenant is None:
        raise TenantNotFound(f"Cliente '{slug}' não encontrado.")
    if not tenant.is_active:
        raise TenantSuspended(f"O cliente '{tenant.slug}' está suspenso.")
    return tenant


async def get(session: AsyncSession, tenant_id: uuid.UUID) -> Tenant:
    tenant = await session.get(Tenant, tenant_id)
    if tenant is None:
        raise TenantNotFound("Cliente não encontrado.")
    return tenant


def validate_slug(slug: str) -> str:
    slug = slug.strip().lower()
    if not SLUG_RE.match(slug) or slug in RESERVED_SLUGS:
        raise ValidationFailed(
            "Identificador inválido: use de 1 a 63 letras minúsculas, números ou hífens "
            "(sem começar ou terminar com hífen) e não use nomes reservados.",
            code="INVALID_SLUG",
        )
    return slug


async def create_tenant(
    session: AsyncSession,
    *,
    slug: str,
    name: str,
    document: str | None = None,
    enabled_modules: list[str] | None = None,
    branding: dict[str, Any] | None = None,
) -> Tenant:
    slug = validate_slug(slug)
    if await session.scalar(select(Tenant.id).where(Tenant.slug == slug)) is not None:
        raise Conflict(f"Já existe um cliente com o identificador '{slug}'.", code="TENANT_EXISTS")
    tenant = Tenant(
        slug=slug,
        name=name.strip(),
        document=document,
        enabled_modules=list(enabled_modules or []),
        branding=dict(branding or {}),
    )
    session.add(tenant)
    await session.flush()
    tenant_cache.forget(slug)
    audit(session, "tenant.created", "tenant", tenant.id, after=snapshot(tenant))
    audit(
        session, "tenant.created", "tenant", tenant.id, after=snapshot(tenant), tenant_id=tenant.id
    )
    return tenant


async def set_status(session: AsyncSession, slug: str, status: str) -> Tenant:
    tenant = await session.scalar(select(Tenant).where(Tenant.slug == slug.strip().lower()))
    if tenant is None:
        raise TenantNotFound(f"Cliente '{slug}' não encontrado.")
    before = snapshot(tenant)
    tenant.status = status
    await session.flush()
    tenant_cache.forget(tenant.slug)
    action = "tenant.suspended" if status == "suspended" else "tenant.reactivated"
    audit(session, action, "tenant", tenant.id, before=before, after=snapshot(tenant))
    audit(
        session,
        action,
        "tenant",
        tenant.id,
        before=before,
        after=snapshot(tenant),
        tenant_id=tenant.id,
    )
    return tenant


async def list_tenants(
    session: AsyncSession, *, offset: int = 0, limit: int = 50
) -> tuple[list[Tenant], int]:
    """Client tenants; the platform's own books tenant (status ``system``) is not one."""
    clients = Tenant.status != "system"
    total = int(await session.scalar(select(func.count()).select_from(Tenant).where(clients)) or 0)
    rows = await session.scalars(
        select(Tenant).where(clients).order_by(Tenant.slug).offset(offset).limit(limit)
    )
    return list(rows.all()), total
