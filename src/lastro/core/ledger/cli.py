"""``lastro ledger ...``: operator commands for the ledger (mounted by ``lastro.cli``)."""

from __future__ import annotations

import asyncio
import uuid
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from lastro.core.ledger.verify import VerifyReport

ledger_app = typer.Typer(help="Razão contábil (partidas dobradas).", no_args_is_help=True)


async def _verify(slug: str | None) -> tuple[VerifyReport | None, dict[uuid.UUID, str]]:
    """Build the database from the same settings as every command; (None, {}) when the
    tenant does not exist."""
    from sqlalchemy import select

    from lastro.core.ledger.verify import verify_ledgers
    from lastro.core.platform.models import Tenant
    from lastro.core.tenancy import install_tenancy_guard
    from lastro.infra.database import Database
    from lastro.settings import get_settings

    settings = get_settings()
    install_tenancy_guard()
    db = Database(settings.database_url, pool_size=2)
    try:
        async with db.session(platform=True, readonly=True) as session:
            slugs = {
                row.id: row.slug for row in await session.execute(select(Tenant.id, Tenant.slug))
            }
        tenant_id: uuid.UUID | None = None
        if slug is not None:
            tenant_id = next((i for i, s in slugs.items() if s == slug.strip().lower()), None)
            if tenant_id is None:
                return None, slugs
        return await verify_ledgers(db, tenant_id), slugs
    finally:
        await db.dispose()


@ledger_app.command("verify")
def verify(
    tenant: Annotated[
        str | None, typer.Option(help="Identificador (slug) do cliente; omita para todos")
    ] = None,
) -> None:
    """Prova os invariantes do razão: lançamentos fecham, saldos gravados batem com as
    partidas, nenhum limite violado, cada chave de idempotência em um só lançamento."""
    report, slugs = asyncio.run(_verify(tenant))
    if report is None:
        typer.secho(f"Cliente '{tenant}' não encontrado.", fg=typer.colors.RED, err=True)
        raise typer.Exit(2)
    scope = f"cliente '{tenant}'" if tenant else "todos os clientes"
    if report.ok:
        typer.secho(
            f"OK: {report.entries} lançamentos, {report.postings} partidas e "
            f"{report.accounts} contas íntegros ({scope}).",
            fg=typer.colors.GREEN,
        )
        return
    for problem in report.problems:
        who = slugs.get(problem.tenant_id, str(problem.tenant_id))
        typer.secho(f"[{who}] {problem.message}", fg=typer.colors.RED, err=True)
    typer.secho(
        f"FALHA: {len(report.problems)} problema(s) no razão ({scope}).",
        fg=typer.colors.RED,
        err=True,
    )
    raise typer.Exit(1)
