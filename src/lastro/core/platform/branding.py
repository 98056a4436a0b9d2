"""``/api/v1/branding``: a tenant's white-label — name, logo, favicon, colours, custom CSS and
its own domain. Applied to every page of the tenant (cached with the tenant for seconds)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import Field
from sqlalchemy import select

from lastro.core.audit.service import record as audit
from lastro.core.platform.models import Tenant
from lastro.core.platform.service import TenantNotFound, domain_cache, tenant_cache
from lastro.core.web.branding import normalise_domain, validate_branding
from lastro.core.web.deps import SessionDep, TenantPrincipal, require
from lastro.core.web.routing import LastroRoute
from lastro.kit.errors import Conflict
from lastro.kit.schemas import ReadModel, WriteModel

router = APIRouter(prefix="/api/v1/branding", route_class=LastroRoute, tags=["branding"])


class BrandingUpdate(WriteModel):
    name: str | None = Field(default=None, min_length=1, max_length=120)
    logo_url: str | None = Field(default=None, max_length=500)
    favicon_url: str | None = Field(default=None, max_length=500)
    primary_color: str | None = Field(default=None, max_length=7)
    secondary_color: str | None = Field(default=None, max_length=7)
    custom_css: str | None = Field(default=None, max_length=20_000)
    footer: str | None = Field(default=None, max_length=200)
    custom_domain: str | None = Field(
        default=None, max_length=253, description="Vazio remove o domínio próprio"
    )


class BrandingRead(ReadModel):
    name: str | None = None
    logo_url: str | None = None
    favicon_url: str | None = None
    primary_color: str | None = None
    secondary_color: str | None = None
    custom_css: str | None = None
    footer: str | None = None
    custom_domain: str | None = None


def _read(tenant: Tenant) -> BrandingRead:
    return BrandingRead(**(tenant.branding or {}), custom_domain=tenant.custom_domain)


async def _tenant(session: SessionDep, principal: TenantPrincipal) -> Tenant:
    tenant = await session.get(Tenant, principal.tenant_id)
    if tenant is None:
        raise TenantNotFound("Cliente não encontrado.")
    return tenant


@router.get(
    "",
    response_model=BrandingRead,
    dependencies=[require("tenant.settings")],
    summary="Marca própria da empresa",
)
async def get_branding(principal: TenantPrincipal, session: SessionDep) -> BrandingRead:
    return _read(await _tenant(session, principal))


@router.put(
    "",
    response_model=BrandingRead,
    dependencies=[require("tenant.settings")],
    summary="Alterar a marca própria",
)
async def update_branding(
    body: BrandingUpdate, principal: TenantPrincipal, session: SessionDep
) -> BrandingRead:
    tenant = await _tenant(session, principal)
    before: dict[str, Any] = {**(tenant.branding or {}), "custom_domain": tenant.custom_domain}
    changes = validate_branding(body.model_dump(exclude_unset=True))
    tenant.branding = {**(tenant.branding or {}), **changes}
    if "custom_domain" in body.model_fields_set:
        domain = normalise_domain(body.custom_domain) if body.custom_domain else None
        if domain is not None:
            owner = await session.scalar(select(Tenant.id).where(Tenant.custom_domain == domain))
            if owner is not None and owner != tenant.id:
                raise Conflict(
                    "Este domínio já está em uso por outra empresa.", code="DOMAIN_TAKEN"
                )
        if tenant.custom_domain:
            domain_cache.forget(tenant.custom_domain)
        tenant.custom_domain = domain
    await session.flush()
    tenant_cache.forget(tenant.slug)
    audit(
        session,
        "branding.updated",
        "tenant",
        tenant.id,
        before=before,
        after={**tenant.branding, "custom_domain": tenant.custom_domain},
    )
    return _read(tenant)
