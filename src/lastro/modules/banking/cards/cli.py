"""``lastro banking cards ...``: operations on card data at rest."""

from __future__ import annotations

import asyncio

import typer

app = typer.Typer(help="Cartões da conta digital", no_args_is_help=True)


@app.command("rotate-keys")
def rotate_keys() -> None:
    """Re-encrypt every card's PAN and CVV under the active key (LASTRO_BANKING_CARD_KEYS /
    LASTRO_BANKING_CARD_ACTIVE_KEY). Keep the old key configured until this reports 0."""
    from lastro.infra.database import Database
    from lastro.modules.banking.cards.jobs import rotate_keys as run
    from lastro.settings import get_settings

    settings = get_settings()

    async def main() -> int:
        db = Database(settings.database_url, pool_size=2)
        try:
            return await run(db, production=settings.is_production)
        finally:
            await db.dispose()

    changed = asyncio.run(main())
    typer.echo(f"{changed} cartão(ões) recriptografado(s) com a chave ativa.")
