"""The ``lastro`` command. Every sub-command reads the same ``LASTRO_*`` settings."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import Annotated, Any, TypeVar

import orjson
import typer

from lastro.core.ledger.cli import ledger_app
from lastro.settings import get_settings

T = TypeVar("T")

app = typer.Typer(
    help="Lastro: plataforma SaaS para negócios financeiros.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
tenant_app = typer.Typer(help="Clientes (tenants).", no_args_is_help=True)
user_app = typer.Typer(help="Usuários.", no_args_is_help=True)
audit_app = typer.Typer(help="Log de auditoria.", no_args_is_help=True)
br_app = typer.Typer(help="Formatos brasileiros (boleto, PIX, CPF/CNPJ).", no_args_is_help=True)
app.add_typer(tenant_app, name="tenant")
app.add_typer(user_app, name="user")
app.add_typer(audit_app, name="audit")
app.add_typer(br_app, name="br")
app.add_typer(ledger_app, name="ledger")
billing_app = typer.Typer(help="Faturamento dos clientes pela plataforma.", no_args_is_help=True)
app.add_typer(billing_app, name="billing")


def _mount_module_commands() -> None:
    """``lastro <module> ...``: a module may ship ``lastro.modules.<name>.cli.app``."""
    import importlib

    from lastro.modules import INSTALLED

    for name in INSTALLED:
        try:
            module_cli = importlib.import_module(f"lastro.modules.{name}.cli")
        except ModuleNotFoundError as exc:
            if exc.name != f"lastro.modules.{name}.cli":
                raise
            continue
        app.add_typer(module_cli.app, name=name)


_mount_module_commands()

ROOT = Path(__file__).resolve().parents[2]


def _run(factory: Callable[[Any], Awaitable[T]]) -> T:
    """Build the runtime, run one coroutine with it, and dispose of it."""
    from lastro.main import build_runtime, stop_background

    async def main() -> T:
        runtime = build_runtime()
        try:
            return await factory(runtime)
        finally:
            await stop_background(runtime)

    return asyncio.run(main())


def _fail(message: str, code: int = 1) -> None:
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def migrate_database(url: str | None = None, app_url: str | None = None) -> None:
    from alembic import command
    from alembic.config import Config

    settings = get_settings()
    cfg = Config(str(ROOT / "alembic.ini")) if (ROOT / "alembic.ini").exists() else Config()
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.attributes["database_url"] = url or settings.migration_database_url
    cfg.attributes["app_url"] = app_url or url or settings.database_url
    command.upgrade(cfg, "heads")


@app.command()
def migrate() -> None:
    """Aplica as migrações pendentes ao banco configurado."""
    typer.echo("Aplicando migrações…")
    migrate_database()
    typer.echo("Banco atualizado.")


@app.command()
def demo() -> None:
    """Carrega os dados de demonstração (idempotente; recusado em produção)."""
    from lastro.core.demo import load_demo

    if get_settings().is_production:
        _fail("Dados de demonstração são recusados em modo produção.")
    lines = _run(load_demo)
    typer.echo("Dados de demonstração prontos:")
    for line in lines:
        typer.echo(f"  {line}")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Endereço")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Porta")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Processos")] = 1,
    modules: Annotated[
        str | None, typer.Option(help="Módulos a servir, ex.: consorcio,banking")
    ] = None,
) -> None:
    """Serve a API e as páginas web."""
    from granian import Granian
    from granian.constants import Interfaces

    settings = get_settings()
    problems = settings.production_problems()
    if problems:
        _fail("Recusando iniciar em produção: " + "; ".join(problems))
    if modules is not None:
        os.environ["LASTRO_ENABLED_MODULES"] = orjson.dumps(
            [m.strip() for m in modules.split(",") if m.strip()]
        ).decode()
    if workers > 1 and "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        metrics_dir = settings.data_dir / "prometheus"
        metrics_dir.mkdir(parents=True, exist_ok=True)
        for stale in metrics_dir.glob("*.db"):
            stale.unlink()
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir.resolve())
    typer.echo(f"Lastro em http://{host}:{port} ({workers} processo(s))")
    Granian(
        "lastro.main:app_factory",
        factory=True,
        address=host,
        port=port,
        workers=workers,
        interface=Interfaces.ASGI,
        log_access=False,
        respawn_failed_workers=True,
    ).serve()


@app.command()
def up(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
) -> None:
    """Migra, carrega a demonstração e serve — o primeiro comando do README."""
    migrate()
    demo()
    serve(host=host, port=port, workers=1, modules=None)


@app.command()
def worker(
    modules: Annotated[str | None, typer.Option(help="Módulos cujos consumidores rodar")] = None,
) -> None:
    """Consome eventos e jobs e dispara os agendamentos (cron)."""
    if modules is not None:
        os.environ["LASTRO_ENABLED_MODULES"] = orjson.dumps(modules.split(",")).decode()
    from lastro.worker import run_worker

    asyncio.run(run_worker())


# -- tenants -------------------------------------------------------------------------------------


@tenant_app.command("create")
def tenant_create(
    slug: str,
    name: str,
    plan: Annotated[str, typer.Option(help="Código do plano")] = "chat-starter",
    cycle: Annotated[str, typer.Option(help="monthly ou yearly")] = "monthly",
    trial: Annotated[bool, typer.Option(help="Começar com 30 dias de piloto")] = True,
    admin_email: Annotated[
        str | None, typer.Option(help="E-mail do primeiro administrador")
    ] = None,
    admin_name: Annotated[
        str, typer.Option(help="Nome do primeiro administrador")
    ] = "Administrador",
) -> None:
    """Provisiona um cliente num passo: cliente, assinatura, módulos, marca e administrador."""
    from lastro.core.billing import service as billing
    from lastro.core.platform.provisioning import AdminSpec, provision

    password = ""
    if admin_email:
        password = typer.prompt("Senha do administrador", hide_input=True, confirmation_prompt=True)

    async def go(runtime: Any) -> str:
        async with runtime.db.unit_of_work(platform=True) as session:
            await billing.seed_plans(session)
        async with runtime.db.unit_of_work(platform=True) as session:
            admin = (
                AdminSpec(email=admin_email, name=admin_name, password=password)
                if admin_email
                else None
            )
            tenant, _ = await provision(
                session,
                runtime.auth,
                slug=slug,
                name=name,
                plan=plan,
                cycle=cycle,
                trial=trial,
                admin=admin,
            )
            return str(tenant.id)

    typer.echo(f"Cliente '{slug}' criado no plano {plan}: {_guard(go)}")


@tenant_app.command("export")
def tenant_export(slug: str, file: Path) -> None:
    """Exporta as linhas de um cliente para um arquivo portátil (com manifesto e checksums)."""
    import lastro.models  # noqa: F401 - every table must be known
    from lastro.core.platform.backup import export_tenant

    def show(table: str, rows: int) -> None:
        typer.echo(f"  {table}: {rows} linha(s)")

    async def go(runtime: Any) -> Any:
        return await export_tenant(runtime.db, slug, file, progress=show)

    manifest = _guard(go)
    total = sum(t["rows"] for t in manifest["tables"].values())
    typer.echo(f"Exportado '{slug}' para {file} ({total} linhas).")


@tenant_app.command("import")
def tenant_import(file: Path) -> None:
    """Restaura um cliente exportado (nesta ou noutra instalação, SQLite ou PostgreSQL)."""
    import lastro.models  # noqa: F401
    from lastro.core.platform.backup import import_tenant

    if not file.exists():
        _fail(f"Arquivo não encontrado: {file}", 2)

    async def go(runtime: Any) -> Any:
        return await import_tenant(runtime.db, file)

    manifest = _guard(go)
    typer.echo(f"Cliente '{manifest['tenant']['slug']}' restaurado de {file}.")


@tenant_app.command("delete")
def tenant_delete(
    slug: str,
    yes: Annotated[bool, typer.Option("--yes", help="Confirma a exclusão sem perguntar")] = False,
) -> None:
    """Exclui um cliente (LGPD), mantendo só o que a lei exige guardar."""
    import lastro.models  # noqa: F401
    from lastro.core.platform.backup import delete_tenant

    if not yes:
        typer.confirm(f"Excluir definitivamente o cliente '{slug}'?", abort=True)

    async def go(runtime: Any) -> Any:
        return await delete_tenant(runtime.db, slug)

    removed = _guard(go)
    typer.echo(f"Cliente '{slug}' excluído ({sum(removed.values())} linhas removidas).")


@tenant_app.command("list")
def tenant_list() -> None:
    """Lista os clientes."""
    from lastro.core.platform import service

    async def go(runtime: Any) -> list[Any]:
        async with runtime.db.unit_of_work(platform=True) as session:
            rows, _ = await service.list_tenants(session, limit=10_000)
            return rows

    for t in _run(go):
        typer.echo(f"{t.slug:<20} {t.status:<10} {t.name}")


@tenant_app.command("suspend")
def tenant_suspend(slug: str) -> None:
    """Suspende um cliente (seus usuários deixam de entrar)."""
    from lastro.core.platform import service

    async def go(runtime: Any) -> None:
        async with runtime.db.unit_of_work(platform=True) as session:
            await service.set_status(session, slug, "suspended")

    _guard(go)
    typer.echo(f"Cliente '{slug}' suspenso.")


# -- users ---------------------------------------------------------------------------------------


@user_app.command("create")
def user_create(
    email: str,
    name: Annotated[str, typer.Option(help="Nome completo")],
    tenant: Annotated[
        str | None, typer.Option(help="Cliente; omita para admin da plataforma")
    ] = None,
    role: Annotated[str, typer.Option(help="Papel")] = "operator",
    cpf: Annotated[str | None, typer.Option(help="CPF (opcional)")] = None,
    password: Annotated[
        str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)
    ] = "",
) -> None:
    """Cria um usuário de cliente ou um administrador da plataforma."""
    import pyotp

    from lastro.core.platform import service
    from lastro.infra.database import bind_tenant

    platform = tenant is None
    totp = pyotp.random_base32() if platform and get_settings().is_production else None

    async def go(runtime: Any) -> str:
        async with runtime.db.unit_of_work(platform=True) as session:
            if not platform:
                found = await service.get_active_by_slug(session, tenant or "")
                bind_tenant(session, found.id)
            user = await runtime.auth.create_user(
                session,
                email=email,
                name=name,
                password=password,
                role="platform_admin" if platform else role,
                cpf=cpf,
                platform=platform,
                totp_secret=totp,
            )
            return str(user.id)

    typer.echo(f"Usuário criado: {_guard(go)}")
    if totp:
        uri = pyotp.TOTP(totp).provisioning_uri(name=email, issuer_name="Lastro")
        typer.echo(f"Segundo fator (TOTP) obrigatório; cadastre no autenticador: {uri}")


def _guard(factory: Callable[[Any], Awaitable[T]]) -> T:
    from lastro.kit.errors import LastroError

    try:
        return _run(factory)
    except LastroError as exc:
        _fail(f"{exc.code}: {exc.detail}")
        raise  # unreachable; keeps the type checker honest


# -- audit ---------------------------------------------------------------------------------------


@audit_app.command("verify")
def audit_verify(tenant: Annotated[str, typer.Option(help="Identificador do cliente")]) -> None:
    """Verifica a cadeia de hashes do log de auditoria de um cliente."""
    from lastro.core.audit.service import verify_chain
    from lastro.core.platform import service

    async def go(runtime: Any) -> Any:
        async with runtime.db.unit_of_work(platform=True) as session:
            found = await service.find_by_slug(session, tenant)
            if found is None:
                _fail(f"Cliente '{tenant}' não encontrado.", 2)
            return await verify_chain(session, found.id)  # type: ignore[union-attr]

    result = _run(go)
    if result.ok:
        typer.secho(
            f"OK: {result.records} registros íntegros para '{tenant}'.", fg=typer.colors.GREEN
        )
        return
    for problem in result.problems:
        typer.secho(problem, fg=typer.colors.RED, err=True)
    _fail(f"FALHA: {len(result.problems)} problema(s) na cadeia de '{tenant}'.")


# -- br ------------------------------------------------------------------------------------------


@br_app.command("inspect")
def br_inspect(
    text: str,
    today: Annotated[str | None, typer.Option(help="Data de referência AAAA-MM-DD")] = None,
) -> None:
    """Reconhece um boleto, PIX, CPF/CNPJ colado e diz o que há de errado."""
    from lastro.br.inspect import inspect_text

    ref: date | None = None
    if today:
        try:
            ref = date.fromisoformat(today)
        except ValueError:
            _fail("--today deve ser uma data AAAA-MM-DD.", 2)
    result = inspect_text(text, ref)
    sys.stdout.write(orjson.dumps(result).decode() + "\n")
    raise typer.Exit(0 if result.get("valid") else 1)


if __name__ == "__main__":
    app()


def _day(value: str | None) -> Any:
    from datetime import date

    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        _fail(f"Data inválida: {value!r} (use AAAA-MM-DD).", code=2)


@billing_app.command("run")
def billing_run(
    on: Annotated[
        str | None, typer.Option("--date", help="Data do faturamento (AAAA-MM-DD); padrão hoje")
    ] = None,
) -> None:
    """Emite as faturas devidas (idempotente) e lança-as nos livros da plataforma."""
    from lastro.br.money_text import format_brl
    from lastro.core.billing.books import post_pending
    from lastro.core.billing.invoicing import run_billing

    day = _day(on)

    async def go(runtime: Any) -> tuple[Any, int]:
        report = await run_billing(runtime.db, runtime.settings, day=day)
        return report, await post_pending(runtime.db, runtime.settings)

    report, posted = _guard(go)
    typer.echo(
        f"Faturamento de {report.day:%d/%m/%Y}: {report.issued} fatura(s) emitida(s), "
        f"total {format_brl(report.total)}; {report.activated} piloto(s) encerrado(s), "
        f"{report.renewed} período(s) renovado(s), "
        f"{report.skipped_zero} sem valor a cobrar; {posted} lançamento(s) contábil(is)."
    )


@billing_app.command("dunning")
def billing_dunning(
    on: Annotated[
        str | None, typer.Option("--date", help="Data de referência (AAAA-MM-DD); padrão hoje")
    ] = None,
) -> None:
    """Marca faturas vencidas, envia lembretes e suspende após a carência."""
    from lastro.core.billing.collection import run_dunning

    day = _day(on)

    async def go(runtime: Any) -> Any:
        return await run_dunning(runtime.db, runtime.settings, day=day)

    report = _guard(go)
    typer.echo(
        f"Cobrança de {report.day:%d/%m/%Y}: {report.overdue} fatura(s) vencida(s), "
        f"{report.reminders} lembrete(s), {report.suspended} assinatura(s) suspensa(s)."
    )
