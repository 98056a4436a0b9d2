"""Demo data: tenants ``demo`` and ``acme``, their admins and the platform administrator.

Idempotent: running it again changes nothing. Refused in production mode. Modules add theirs
through ``ModuleSpec.demo``.
"""

from __future__ import annotations

from sqlalchemy import select

from lastro.core.auth.models import PlatformUser
from lastro.core.billing import service as billing
from lastro.core.platform.models import Tenant
from lastro.core.platform.provisioning import AdminSpec, provision
from lastro.core.runtime import Runtime

DEMO_PASSWORD = "Demo@12345"  # noqa: S105 - documented demo credential, refused in production
# demo gets every module; acme a smaller plan, so module gating shows. Demo's colours differ
# from Lastro's own, so white-labelling is visible.
DEMO_TENANTS: tuple[tuple[str, str, str, dict[str, str]], ...] = (
    (
        "demo",
        "Demo Administradora Ltda",
        "platform-all",
        {"name": "Demo Administradora", "primary_color": "#0f766e", "secondary_color": "#f59e0b"},
    ),
    (
        "acme",
        "ACME Serviços Financeiros S.A.",
        "chat-starter",
        {"name": "ACME Serviços", "primary_color": "#7a2e8e", "secondary_color": "#e07b00"},
    ),
)
PLATFORM_ADMIN = "root@lastro.example"


async def load_demo(runtime: Runtime) -> list[str]:
    """Create what is missing; returns the lines to show the person who ran it."""
    if runtime.settings.is_production:
        raise RuntimeError("demo data is refused in production mode")
    auth = runtime.auth
    async with runtime.db.unit_of_work(platform=True) as session:
        await billing.seed_plans(session)
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
    for slug, name, plan, branding in DEMO_TENANTS:
        async with runtime.db.unit_of_work(platform=True) as session:
            if await session.scalar(select(Tenant.id).where(Tenant.slug == slug)) is not None:
                continue
            tenant, _ = await provision(
                session,
                auth,
                slug=slug,
                name=name,
                plan=plan,
                trial=False,
                admin=AdminSpec(
                    email=f"admin@{slug}.example",
                    name=f"Admin {slug.upper()}",
                    password=DEMO_PASSWORD,
                ),
                check_password_policy=False,
            )
            tenant.branding = {**tenant.branding, **branding}
    for spec in (*runtime.services, *runtime.modules):
        if spec.demo is not None:
            await spec.demo(runtime)
    return [
        f"Plataforma: {PLATFORM_ADMIN} / {DEMO_PASSWORD} (sem X-Tenant)",
        f"Cliente demo: admin@demo.example / {DEMO_PASSWORD} (X-Tenant: demo)",
        f"Cliente acme: admin@acme.example / {DEMO_PASSWORD} (X-Tenant: acme)",
        f"Revenda: admin@revenda.example / {DEMO_PASSWORD} (X-Tenant: revenda; clientes "
        "padaria-sol, mercado-lua, oficina-sul)",
        "Faturas de quatro meses por cliente (acme com uma vencida): veja /faturas",
        *(
            f"{spec.title}: {spec.home_path} (tenant demo)"
            for spec in runtime.modules
            if spec.home_path is not None
        ),
    ]
