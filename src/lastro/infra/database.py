"""Async engines and sessions for SQLite (embedded default) and PostgreSQL (asyncpg).

The tenant bound to a session is pushed to PostgreSQL as transaction-local settings
(``app.tenant_id``, ``app.bypass_tenancy``) when the session's transaction begins, which is what
the row-level security policies read. SQLite gets WAL, foreign keys and ``BEGIN IMMEDIATE`` so
that concurrent writers queue instead of failing half-way.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session, SessionTransaction
from sqlalchemy.pool import NullPool

TENANT_KEY = "tenant_id"
BYPASS_KEY = "bypass_tenancy"
READONLY_OPTION = "lastro_readonly"
_PUSHED_KEY = "_pg_context_pushed"

_SET_PG_CONTEXT = text(
    "SELECT set_config('app.tenant_id', :tenant, true),"
    " set_config('app.bypass_tenancy', :bypass, true)"
)
# Reads run without a transaction (one round trip per query); their connection carries the
# tenant as a session-level setting, pushed only when it differs from what that connection
# already holds (remembered in the DBAPI connection's ``info``, which lives as long as it).
_SET_PG_SESSION_CONTEXT = text(
    "SELECT set_config('app.tenant_id', :tenant, false),"
    " set_config('app.bypass_tenancy', :bypass, false)"
)
_CONN_CONTEXT_KEY = "lastro_pg_session_context"


def normalise_url(url: str) -> str:
    """Accept plain ``postgresql://`` / ``sqlite://`` URLs and pick the async drivers."""
    parsed = make_url(url)
    driver = {
        "postgresql": "postgresql+asyncpg",
        "postgres": "postgresql+asyncpg",
        "sqlite": "sqlite+aiosqlite",
    }.get(parsed.drivername)
    if driver:
        parsed = parsed.set(drivername=driver)
    return parsed.render_as_string(hide_password=False)


def ensure_sqlite_dir(url: str) -> None:
    """SQLite creates the file but not its folder (``var/`` on a fresh clone)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database or "").parent.mkdir(parents=True, exist_ok=True)


def create_engine(url: str, *, pool_size: int = 10, echo: bool = False) -> AsyncEngine:
    url = normalise_url(url)
    parsed = make_url(url)
    kwargs: dict[str, Any] = {"echo": echo}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        ensure_sqlite_dir(url)
        kwargs["connect_args"] = {"timeout": 30}
        kwargs["poolclass"] = NullPool if database in ("", ":memory:") else None
        if kwargs["poolclass"] is None:
            del kwargs["poolclass"]
    else:
        kwargs.update(pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=False)
        kwargs["connect_args"] = {"server_settings": {"application_name": "lastro"}}
    engine = create_async_engine(url, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        _configure_sqlite(engine)
    return engine


def _configure_sqlite(engine: AsyncEngine) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Writers take the lock up front: a deferred transaction upgrading to write can fail
        # with SQLITE_BUSY immediately, which busy_timeout cannot wait out. Readers don't lock.
        readonly = conn.get_execution_options().get(READONLY_OPTION)
        conn.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")


def bind_tenant(session: AsyncSession | Session, tenant_id: uuid.UUID | None) -> None:
    """Bind the session to one tenant; every later query is filtered and stamped with it."""
    session.info[TENANT_KEY] = tenant_id
    session.info[BYPASS_KEY] = False


def bind_platform(session: AsyncSession | Session) -> None:
    """Let the platform's own cross-tenant work (jobs, platform admins) see every tenant."""
    session.info[TENANT_KEY] = None
    session.info[BYPASS_KEY] = True


def bound_tenant(session: AsyncSession | Session) -> uuid.UUID | None:
    value = session.info.get(TENANT_KEY)
    return value if isinstance(value, uuid.UUID) else None


def _wanted_pg_context(session: Session) -> tuple[str, str]:
    tenant = session.info.get(TENANT_KEY)
    return (str(tenant) if tenant else "", "on" if session.info.get(BYPASS_KEY) else "off")


@event.listens_for(Session, "after_begin")
def _push_pg_context(session: Session, _tx: SessionTransaction, connection: Connection) -> None:
    if connection.dialect.name != "postgresql":
        return
    _push(connection, _wanted_pg_context(session))
    session.info[_PUSHED_KEY] = _wanted_pg_context(session)


def _push(connection: Connection, wanted: tuple[str, str]) -> None:
    params = {"tenant": wanted[0], "bypass": wanted[1]}
    if connection.get_execution_options().get(READONLY_OPTION) and _is_autocommit(connection):
        info = connection.connection.info
        if info.get(_CONN_CONTEXT_KEY) != wanted:
            connection.execute(_SET_PG_SESSION_CONTEXT, params)
            info[_CONN_CONTEXT_KEY] = wanted
        return
    connection.execute(_SET_PG_CONTEXT, params)


def _is_autocommit(connection: Connection) -> bool:
    return connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT"


def sync_pg_context(session: Session) -> None:
    """Re-push the tenant settings when the session was re-bound inside an open transaction
    (login resolves the tenant after its first query)."""
    pushed = session.info.get(_PUSHED_KEY)
    if pushed is None:
        return  # no PostgreSQL transaction yet: after_begin will push
    wanted = _wanted_pg_context(session)
    if pushed != wanted:
        _push(session.connection(), wanted)
        session.info[_PUSHED_KEY] = wanted


@event.listens_for(Session, "after_transaction_end")
def _forget_pg_context(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_PUSHED_KEY, None)


class Database:
    """One engine and its session factory; created once per process by the composition root."""

    def __init__(self, url: str, *, pool_size: int = 10, echo: bool = False) -> None:
        self.url = normalise_url(url)
        self.engine = create_engine(self.url, pool_size=pool_size, echo=echo)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)
        read_options: dict[str, object] = {READONLY_OPTION: True}
        if self.engine.dialect.name == "postgresql":
            read_options["isolation_level"] = "AUTOCOMMIT"
        self.read_sessionmaker = async_sessionmaker(
            self.engine.execution_options(**read_options), expire_on_commit=False
        )

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def session(
        self, *, tenant_id: uuid.UUID | None = None, platform: bool = False, readonly: bool = False
    ) -> AsyncSession:
        session = (self.read_sessionmaker if readonly else self.sessionmaker)()
        if platform:
            bind_platform(session)
        elif tenant_id is not None:
            bind_tenant(session, tenant_id)
        return session

    @asynccontextmanager
    async def unit_of_work(
        self, *, tenant_id: uuid.UUID | None = None, platform: bool = False
    ) -> AsyncIterator[AsyncSession]:
        """A transaction for workers and CLI commands: committed on success, rolled back on
        error."""
        async with (
            self.session(tenant_id=tenant_id, platform=platform) as session,
            session.begin(),
        ):
            yield session

    async def ping(self) -> bool:
        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception:
            return False
        return True

    async def dispose(self) -> None:
        await self.engine.dispose()
