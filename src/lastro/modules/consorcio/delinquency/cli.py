"""``lastro consorcio delinquency run``: the daily collection run from the command line.

Mount with ``consorcio_app.add_typer(app, name="delinquency")`` under the module's app.
"""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Annotated

import typer
from sqlalchemy import select

from lastro.core.platform.models import Tenant
from lastro.core.tenancy import install_tenancy_guard
from lastro.infra.database import Database
from lastro.kit.clock import today_sp
from lastro.settings import get_settings

app = typer.Typer(
    help="Inadimplência do consórcio: apuração diária, exclusões e lembretes.",
    no_args_is_help=True,
)


async def _run(slug: str | None, on: date) -> str:
    from lastro.modules.consorcio.delinquency.models import DelinquencyRun
    from lastro.modules.consorcio.delinquency.tasks import daily

    install_tenancy_guard()
    settings = get_settings()
    db = Database(settings.database_url, pool_size=settings.database_pool_size)
    try:
        payload: dict[str, str] = {"date": on.isoformat()}
        tenant_id = None
        if slug:
            async with db.session(platform=True, readonly=True) as session:
                tenant_id = await session.scalar(select(Tenant.id).where(Tenant.slug == slug))
            if tenant_id is None:
                raise typer.BadParameter(f"cliente '{slug}' não encontrado", param_hint="--tenant")
            payload["tenant_id"] = str(tenant_id)
        await daily(db, payload)
        if tenant_id is None:
            return f"Apuração de {on:%d/%m/%Y} concluída para todos os clientes."
        async with db.session(tenant_id=tenant_id, readonly=True) as session:
            run = await session.scalar(select(DelinquencyRun).where(DelinquencyRun.run_on == on))
        if run is None:
            return f"{slug}: nenhum grupo em andamento."
        return (
            f"Inadimplência {on:%d/%m/%Y} de {slug}: {run.status}; {run.quotas_checked} cotas, "
            f"{run.delinquent} em atraso, {run.stage_changes} mudanças de estágio, "
            f"{run.exclusions} exclusões, {run.reminders_sent} lembretes, "
            f"{run.prices_applied} reajustes, {run.adjustments_created} diferenças de parcela."
        )
    finally:
        await db.dispose()


@app.command("run")
def run_command(
    tenant: Annotated[
        str | None, typer.Option("--tenant", help="Slug do cliente (padrão: todos)")
    ] = None,
    on: Annotated[
        str | None, typer.Option("--date", help="Data da apuração AAAA-MM-DD (padrão: hoje)")
    ] = None,
) -> None:
    """Apura estágios de cobrança, exclui inadimplentes, envia lembretes e aplica reajustes."""
    try:
        day = date.fromisoformat(on) if on else today_sp()
    except ValueError:
        raise typer.BadParameter("use AAAA-MM-DD", param_hint="--date") from None
    typer.echo(asyncio.run(_run(tenant, day)))
