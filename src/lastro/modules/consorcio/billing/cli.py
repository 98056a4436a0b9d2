"""``lastro consorcio billing ...``: run the monthly billing from the command line.

Mount with ``billing_app.add_typer(app, name="billing")`` under the module's ``consorcio`` app.
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
from lastro.kit.errors import LastroError
from lastro.kit.money import brl
from lastro.settings import get_settings

app = typer.Typer(
    help="Cobrança do consórcio: faturamento mensal e remessas.", no_args_is_help=True
)


async def _run(slug: str, month: str, issued_on: date | None) -> str:
    from lastro.modules.consorcio.billing.models import BillingRun
    from lastro.modules.consorcio.billing.run import validate_month
    from lastro.modules.consorcio.billing.tasks import run_month_job

    validate_month(month)
    install_tenancy_guard()
    settings = get_settings()
    db = Database(settings.database_url, pool_size=settings.database_pool_size)
    try:
        async with db.session(platform=True, readonly=True) as session:
            tenant_id = await session.scalar(select(Tenant.id).where(Tenant.slug == slug))
        if tenant_id is None:
            raise typer.BadParameter(f"cliente '{slug}' não encontrado", param_hint="--tenant")
        await run_month_job(db, tenant_id, month, trigger="cli", issued_on=issued_on)
        async with db.session(tenant_id=tenant_id, readonly=True) as session:
            run = await session.scalar(
                select(BillingRun).where(BillingRun.reference_month == month)
            )
            assert run is not None
            return (
                f"Faturamento {month} de {slug}: {run.status}; {run.quotas_done}/"
                f"{run.quotas_total} cotas, {run.installments_created} parcelas, "
                f"{run.charges_created} cobranças, {run.remessas_created} remessas, "
                f"total {brl(run.amount_total)}, {run.errors_count} erro(s)."
            )
    finally:
        await db.dispose()


@app.command("run")
def run_command(
    month: Annotated[str, typer.Option("--month", help="Mês de referência, AAAA-MM")],
    tenant: Annotated[str, typer.Option("--tenant", help="Slug do cliente (administradora)")],
    issue_date: Annotated[
        str | None, typer.Option("--issue-date", help="Data de emissão AAAA-MM-DD (padrão: hoje)")
    ] = None,
) -> None:
    """Fatura o mês: parcelas, boletos registrados, PIX e remessas CNAB 240 (retomável)."""
    try:
        issued = date.fromisoformat(issue_date) if issue_date else None
    except ValueError:
        raise typer.BadParameter("use AAAA-MM-DD", param_hint="--issue-date") from None
    try:
        typer.echo(asyncio.run(_run(tenant, month, issued)))
    except LastroError as exc:
        typer.secho(f"{exc.code}: {exc.detail}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from None
