"""Demo data: tenants ``demo`` and ``acme``, their admins and the platform administrator.

Idempotent: running it again changes nothing. Refused in production mode. Modules add theirs
through ``ModuleSpec.demo``.
"""

from __future__ import annotations

from sqlalchemy import select

from lastro.core.auth.models import PlatformUser, User
from lastro.core.platform import service as tenants
from lastro.core.platform.models import Tenant
from lastro.core.runtime import Runtime
from lastro.infra.database import bind_tenant

DEMO_PASSWORD = "Demo@12345"  # noqa: S105 - documented demo credential, refused in production
DEMO_TENANTS = (
    (
        "demo",
        "Demo Administradora Ltda",
        {"primary_color": "#0b5cad", "secondary_color": "#12a37f"},
    ),
    (
        "acme",
        "ACME Serviços Financeiros S.A.",
        {"primary_color": "#7a2e8e", "secondary_color": "#e07b00"},
    ),
)
PLATFORM_ADMIN = "root@lastro.example"


async def load_demo(runtime: Runtime) -> list[str]:
    """Create what is missing; returns the lines to show the person who ran it."""
    if runtime.settings.is_production:
        raise RuntimeError("demo data is refused in production mode")
    auth = runtime.auth
    module_names = [m.name for m in runtime.modules]
    async with runtime.db.unit_of_work(platform=True) as session:
        if (
            await session.scalar(
                select(PlatformUser.id).where(PlatformUser.email == PLATFORM_ADMIN)
            )
            is None
        ):
            await auth.create_user(
                session,
                email=PLATFORM_ADMIN,
                name="Administrador Lastro",
                password=DEMO_PASSWORD,
                role="platform_admin",
                platform=True,
                check_policy=False,
            )
        for slug, name, branding in DEMO_TENANTS:
            tenant = await session.scalar(select(Tenant).where(Tenant.slug == slug))
            if tenant is None:
                tenant = await tenants.create_tenant(
                    session,
                    slug=slug,
                    name=name,
                    enabled_modules=module_names,
                    branding={"name": name.split(" ")[0] + " " + name.split(" ")[1], **branding},
                )
    for slug, _name, _branding in DEMO_TENANTS:
        async with runtime.db.unit_of_work(platform=True) as session:
            tenant = await session.scalar(select(Tenant).where(Tenant.slug == slug))
            assert tenant is not None
            bind_tenant(session, tenant.id)
            email = f"admin@{slug}.example"
            if await session.scalar(select(User.id).where(User.email == email)) is None:
                await auth.create_user(
                    session,
                    email=email,
                    name=f"Admin {slug.upper()}",
                    password=DEMO_PASSWORD,
                    role="tenant_admin",
                    check_policy=False,
                )
    for spec in runtime.modules:
        if spec.demo is not None:
            await spec.demo(runtime)
    return [
        f"Plataforma: {PLATFORM_ADMIN} / {DEMO_PASSWORD} (sem X-Tenant)",
        f"Cliente demo: admin@demo.example / {DEMO_PASSWORD} (X-Tenant: demo)",
        f"Cliente acme: admin@acme.example / {DEMO_PASSWORD} (X-Tenant: acme)",
    ]
