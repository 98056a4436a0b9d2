"""Alembic environment: async engines, the same migrations on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from alembic import context
from sqlalchemy import pool, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import async_engine_from_config

from lastro.infra.database import ensure_sqlite_dir, normalise_url
from lastro.models import metadata
from lastro.settings import Settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for migrations.helpers

config = context.config
target_metadata = metadata


def _urls() -> tuple[str, str]:
    override = config.attributes.get("database_url")
    if override:
        return normalise_url(override), normalise_url(config.attributes.get("app_url", override))
    settings = Settings()
    return normalise_url(settings.migration_database_url), normalise_url(settings.database_url)


def _grant_app_role(connection: Connection, app_url: str, owner_url: str) -> None:
    """Let the application's (non-owner) role use the tables the owner just migrated."""
    if connection.dialect.name != "postgresql":
        return
    app_user = make_url(app_url).username
    if not app_user or app_user == make_url(owner_url).username:
        return
    quoted = connection.dialect.identifier_preparer.quote(app_user)
    connection.execute(text(f"GRANT USAGE ON SCHEMA public TO {quoted}"))
    connection.execute(
        text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted}")
    )
    connection.execute(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted}"))


def run_migrations_offline() -> None:
    url, _ = _urls()
    context.configure(
        url=url, target_metadata=target_metadata, literal_binds=True, render_as_batch=True
    )
    with context.begin_transaction():
        context.run_migrations()


def _run(connection: Connection, app_url: str, owner_url: str) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        transaction_per_migration=False,
    )
    with context.begin_transaction():
        context.run_migrations()
        _grant_app_role(connection, app_url, owner_url)


async def run_migrations_online() -> None:
    owner_url, app_url = _urls()
    ensure_sqlite_dir(owner_url)
    engine = async_engine_from_config(
        {"sqlalchemy.url": owner_url}, prefix="sqlalchemy.", poolclass=pool.NullPool
    )
    async with engine.connect() as connection:
        await connection.run_sync(_run, app_url, owner_url)
    await engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    asyncio.run(run_migrations_online())
