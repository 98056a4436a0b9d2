"""Provision a tenant in one step: tenant, subscription (and so its modules), branding defaults
and its first administrator — one transaction, so a failure leaves nothing half-made."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from lastro.core.auth.models import User
from lastro.core.auth.service import AuthService
from lastro.core.billing import service as billing
from lastro.core.platform import service as tenants
from lastro.core.platform.models import Tenant
from lastro.infra.database import bind_platform, bind_tenant

DEFAULT_PLAN = "chat-starter"


@dataclass(frozen=True)
class AdminSpec:
    email: str
    name: str
    password: str
    cpf: str | None = None


async def provision(
    session: AsyncSession,
    auth: AuthService,
    *,
    slug: str,
    name: str,
    plan: str = DEFAULT_PLAN,
    cycle: str = "monthly",
    trial: bool = True,
    document: str | None = None,
    admin: AdminSpec | None = None,
    check_password_policy: bool = True,
) -> tuple[Tenant, User | None]:
    bind_platform(session)
    await billing.plan_by_code(session, plan)  # fail before creating anything
    tenant = await tenants.create_tenant(
        session,
        slug=slug,
        name=name,
        document=document,
        branding={"name": name, "primary_color": "#0b5cad", "secondary_color": "#12a37f"},
    )
    await billing.subscribe(session, tenant.id, plan, cycle=cycle, trial=trial)
    user = None
    if admin is not None:
        bind_tenant(session, tenant.id)
        created = await auth.create_user(
            session,
            email=admin.email,
            name=admin.name,
            password=admin.password,
            role="tenant_admin",
            cpf=admin.cpf,
            check_policy=check_password_policy,
        )
        assert isinstance(created, User)
        user = created
        bind_platform(session)
    return tenant, user
