"""Shared fixtures: a migrated database per backend (SQLite always, PostgreSQL when configured),
a runtime and an HTTP client on it, and factories for tenants and users.

PostgreSQL tests migrate as the owner and run the application as ``lastro_app``, a role that
neither owns the tables nor is a superuser, so row-level security is really enforced.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from lastro.cli import migrate_database
from lastro.core.platform.service import tenant_cache
from lastro.core.runtime import Runtime
from lastro.main import build_runtime, create_app, stop_background
from lastro.models import metadata
from lastro.settings import Settings
from tests.services import database_backends, service_url

TEST_PASSWORD = "Teste@Segura123"
APP_ROLE = "lastro_app"
TEST_SECRET = "test-secret-key-for-lastro-suite-0123456789"


@dataclass(frozen=True)
class DatabaseUrls:
    backend: str
    owner: str
    app: str


def _pg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _pg_admin(url: str, *statements: str) -> None:
    conn = await asyncpg.connect(_pg_dsn(url))
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


@pytest.fixture(scope="session", autouse=True)
def fast_password_hashing() -> Iterator[None]:
    """Argon2id with minimal cost in tests: the same algorithm and code paths, without the
    fifth of a second per hash that production parameters take (hundreds of logins)."""
    from argon2 import PasswordHasher

    from lastro.core.auth import passwords

    original = passwords._hasher
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    try:
        yield
    finally:
        passwords._hasher = original


@pytest.fixture(scope="session", params=database_backends())
def database_urls(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DatabaseUrls]:
    """A freshly migrated database for the whole session, one per backend."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("db") / "lastro.db"
        url = f"sqlite+aiosqlite:///{path}"
        migrate_database(url, url)
        yield DatabaseUrls("sqlite", url, url)
        return
    admin = service_url("LASTRO_TEST_DATABASE_URL")
    if admin is None:
        pytest.skip("LASTRO_TEST_DATABASE_URL not set")
    name = f"lastro_test_{uuid.uuid4().hex[:10]}"
    base = make_url(admin).set(drivername="postgresql+asyncpg")
    owner = base.set(database=name).render_as_string(hide_password=False)
    app = base.set(database=name, username=APP_ROLE, password=None).render_as_string(
        hide_password=False
    )
    asyncio.run(
        _pg_admin(
            admin,
            f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') "
            f"THEN CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS; END IF; END $$",
            f"CREATE DATABASE {name}",
        )
    )
    try:
        migrate_database(owner, app)
        yield DatabaseUrls("postgres", owner, app)
    finally:
        asyncio.run(_pg_admin(admin, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


@pytest.fixture
def db_backend(database_urls: DatabaseUrls) -> str:
    return database_urls.backend


@pytest.fixture
def settings(database_urls: DatabaseUrls, tmp_path: Path) -> Settings:
    return Settings(
        environment="test",
        secret_key=TEST_SECRET,
        data_dir=tmp_path,
        database_url=database_urls.app,
        migration_database_url=database_urls.owner,
        database_pool_size=5,
        log_json=True,
        log_level="WARNING",
        redis_url=None,
        broker_url=None,
    )


async def truncate_all(owner_url: str) -> None:
    """Empty every table (owner connection: RLS and the tenancy guard don't apply here)."""
    from lastro.infra.database import create_engine

    engine = create_engine(owner_url)
    try:
        async with engine.begin() as conn:
            existing = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
            tables = [t.name for t in reversed(metadata.sorted_tables) if t.name in existing]
            if conn.dialect.name == "postgresql":
                await conn.execute(text(f"TRUNCATE {', '.join(tables)} CASCADE"))
            else:
                for table in tables:
                    await conn.execute(text(f"DELETE FROM {table}"))  # noqa: S608
    finally:
        await engine.dispose()


@pytest.fixture
async def runtime(settings: Settings, database_urls: DatabaseUrls) -> AsyncIterator[Runtime]:
    tenant_cache.clear()
    rt = build_runtime(settings, modules=[])
    try:
        yield rt
    finally:
        await stop_background(rt)
        await truncate_all(database_urls.owner)
        tenant_cache.clear()


@pytest.fixture
async def client(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(runtime=runtime, background=False)
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 5555))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@dataclass
class TenantHandle:
    """A tenant with an admin, logged in: ``headers`` authorise requests as that admin."""

    id: uuid.UUID
    slug: str
    admin_email: str
    access_token: str = ""
    refresh_token: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


async def login(
    client: httpx.AsyncClient,
    username: str,
    password: str = TEST_PASSWORD,
    tenant: str | None = None,
) -> dict[str, Any]:
    headers = {"X-Tenant": tenant} if tenant else {}
    response = await client.post(
        "/api/v1/auth/login", headers=headers, json={"username": username, "password": password}
    )
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


class Factory:
    """Creates tenants and users through the real services (the same code the CLI uses)."""

    def __init__(self, runtime: Runtime, client: httpx.AsyncClient) -> None:
        self.runtime = runtime
        self.client = client

    async def tenant(
        self,
        slug: str | None = None,
        *,
        role: str = "tenant_admin",
        modules: list[str] | None = None,
    ) -> TenantHandle:
        from lastro.core.platform import service

        slug = slug or f"t{uuid.uuid4().hex[:8]}"
        email = f"admin@{slug}.example"
        async with self.runtime.db.unit_of_work(platform=True) as session:
            tenant = await service.create_tenant(
                session, slug=slug, name=f"Empresa {slug}", enabled_modules=modules or []
            )
            tenant_id = tenant.id
        await self.user(tenant_id, email=email, role=role)
        tokens = await login(self.client, email, tenant=slug)
        return TenantHandle(tenant_id, slug, email, tokens["access_token"], tokens["refresh_token"])

    async def user(
        self,
        tenant_id: uuid.UUID | None,
        *,
        email: str,
        role: str = "operator",
        cpf: str | None = None,
        password: str = TEST_PASSWORD,
    ) -> uuid.UUID:
        from lastro.infra.database import bind_tenant

        async with self.runtime.db.unit_of_work(platform=True) as session:
            if tenant_id is not None:
                bind_tenant(session, tenant_id)
            user = await self.runtime.auth.create_user(
                session,
                email=email,
                name="Pessoa Teste",
                password=password,
                role="platform_admin" if tenant_id is None else role,
                cpf=cpf,
                platform=tenant_id is None,
            )
            return user.id

    async def platform_admin(self, email: str = "root@lastro.example") -> dict[str, str]:
        await self.user(None, email=email)
        tokens = await login(self.client, email)
        return {"Authorization": f"Bearer {tokens['access_token']}"}


@pytest.fixture
def factory(runtime: Runtime, client: httpx.AsyncClient) -> Factory:
    return Factory(runtime, client)
