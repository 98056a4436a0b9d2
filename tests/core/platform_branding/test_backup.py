"""Tenant export, import (same or other installation, across SQLite and PostgreSQL) and
LGPD erasure."""

from __future__ import annotations

import asyncio
import uuid
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

import lastro.models  # noqa: F401 - every table registered
from lastro.cli import migrate_database
from lastro.core.audit.service import verify_chain
from lastro.core.auth.models import User
from lastro.core.billing import service as billing
from lastro.core.platform.backup import CorruptArchive, delete_tenant, export_tenant, import_tenant
from lastro.core.platform.models import Tenant
from lastro.core.runtime import Runtime
from lastro.infra.database import Database
from tests.conftest import APP_ROLE, DatabaseUrls, Factory, _pg_admin
from tests.services import service_url


async def _populated(runtime: Runtime, factory: Factory, client: httpx.AsyncClient) -> str:
    async with runtime.db.unit_of_work(platform=True) as session:
        await billing.seed_plans(session)
    admin = await factory.platform_admin()
    r = await client.post(
        "/api/v1/platform/tenants",
        headers=admin,
        json={
            "slug": "origem",
            "name": "Origem Ltda",
            "plan": "chat-professional",
            "admin": {"email": "a@origem.example", "name": "A", "password": "Segura@12345"},
        },
    )
    assert r.status_code == 201, r.text
    from tests.conftest import login

    tokens = await login(client, "a@origem.example", "Segura@12345", tenant="origem")
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    for i in range(3):
        r = await client.post(
            "/api/v1/users",
            headers=headers,
            json={
                "email": f"p{i}@origem.example",
                "name": f"Pessoa {i}",
                "password": "Segura@12345",
                "cpf": ["529.982.247-25", "111.444.777-35", "390.533.447-05"][i],
            },
        )
        assert r.status_code == 201, r.text
    await client.put("/api/v1/branding", headers=headers, json={"primary_color": "#123456"})
    return "origem"


def _tables(path: Path) -> dict[str, bytes]:
    """Table files of an export (the test-only module's table exists in one database only)."""
    with zipfile.ZipFile(path) as archive:
        return {
            n: archive.read(n)
            for n in archive.namelist()
            if n.startswith("tables/") and not n.startswith("tables/test_")
        }


async def _target(kind: str, tmp: Path) -> AsyncIterator[Database]:
    if kind == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp / f'alvo-{uuid.uuid4().hex[:6]}.db'}"
        await asyncio.to_thread(migrate_database, url, url)
        db = Database(url)
        yield db
        await db.dispose()
        return
    admin = service_url("LASTRO_TEST_DATABASE_URL")
    if admin is None:
        pytest.skip("PostgreSQL not configured")
    name = f"lastro_alvo_{uuid.uuid4().hex[:8]}"
    base = make_url(admin).set(drivername="postgresql+asyncpg")
    owner = base.set(database=name).render_as_string(hide_password=False)
    app = base.set(database=name, username=APP_ROLE).render_as_string(hide_password=False)
    await _pg_admin(admin, f"CREATE DATABASE {name}")
    try:
        await asyncio.to_thread(migrate_database, owner, app)
        db = Database(app)
        yield db
        await db.dispose()
    finally:
        await _pg_admin(admin, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.mark.parametrize("target", ["sqlite", "postgres"])
async def test_export_import_export_is_identical_across_backends(
    runtime: Runtime,
    factory: Factory,
    client: httpx.AsyncClient,
    tmp_path: Path,
    target: str,
    database_urls: DatabaseUrls,
) -> None:
    slug = await _populated(runtime, factory, client)
    first = tmp_path / "origem.zip"
    manifest = await export_tenant(runtime.db, slug, first)
    assert manifest["tables"]["users"]["rows"] == 4
    async for db in _target(target, tmp_path):
        async with db.unit_of_work(platform=True) as session:
            await billing.seed_plans(session)  # same plan codes, other ids: remapped
        await import_tenant(db, first)
        with pytest.raises(Exception, match="já existe"):
            await import_tenant(db, first)
        second = tmp_path / "de-novo.zip"
        await export_tenant(db, slug, second)
        a, b = _tables(first), _tables(second)
        a.pop("tables/plans.jsonl"), b.pop("tables/plans.jsonl")
        subs_a, subs_b = a.pop("tables/subscriptions.jsonl"), b.pop("tables/subscriptions.jsonl")
        assert a == b
        assert subs_a.count(b"\n") == subs_b.count(b"\n") == 1
        async with db.unit_of_work(platform=True) as session:
            tenant = await session.scalar(select(Tenant).where(Tenant.slug == slug))
            assert tenant is not None and tenant.branding["primary_color"] == "#123456"
            assert (await verify_chain(session, tenant.id)).ok
            assert (
                await session.scalar(
                    select(func.count()).select_from(User).where(User.tenant_id == tenant.id)
                )
                == 4
            )


async def test_corrupted_archive_is_refused_whole(
    runtime: Runtime, factory: Factory, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    slug = await _populated(runtime, factory, client)
    good = tmp_path / "bom.zip"
    await export_tenant(runtime.db, slug, good)
    bad = tmp_path / "ruim.zip"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for item in src.namelist():
            data = src.read(item)
            if item == "tables/users.jsonl":
                data = data.replace(b"Pessoa 1", b"Pessoa X")
            dst.writestr(item, data)
    await delete_tenant(runtime.db, slug)
    with pytest.raises(CorruptArchive, match="users"):
        await import_tenant(runtime.db, bad)
    (tmp_path / "lixo.zip").write_bytes(b"not a zip")
    with pytest.raises(CorruptArchive):
        await import_tenant(runtime.db, tmp_path / "lixo.zip")
    async with runtime.db.unit_of_work(platform=True) as session:
        assert await session.scalar(select(Tenant.id).where(Tenant.slug == slug)) is None


async def test_delete_erases_and_keeps_a_tombstone(
    runtime: Runtime, factory: Factory, client: httpx.AsyncClient
) -> None:
    slug = await _populated(runtime, factory, client)
    removed = await delete_tenant(runtime.db, slug)
    assert removed["users"] == 4
    async with runtime.db.unit_of_work(platform=True) as session:
        tombstone = await session.scalar(select(Tenant).where(Tenant.status == "deleted"))
        assert tombstone is not None and tombstone.slug.startswith("excluido-")
        assert tombstone.name == "[cliente excluído]"
        assert (
            await session.scalar(
                select(func.count()).select_from(User).where(User.tenant_id == tombstone.id)
            )
            == 0
        )
    r = await client.post(
        "/api/v1/auth/login",
        headers={"X-Tenant": slug},
        json={"username": "a@origem.example", "password": "Segura@12345"},
    )
    assert r.status_code == 404
