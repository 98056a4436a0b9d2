"""The one tenancy mechanism: filter, stamp, refuse cross-tenant writes, fail closed — and
PostgreSQL row-level security behind it."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from lastro.core.auth.models import User
from lastro.core.auth.passwords import hash_password
from lastro.core.runtime import Runtime
from lastro.core.tenancy import TenancyNotBound
from lastro.core.tenancy.guard import CrossTenantWrite
from tests.conftest import Factory


async def test_queries_see_only_the_bound_tenant(runtime: Runtime, factory: Factory) -> None:
    a = await factory.tenant()
    b = await factory.tenant()
    a_user = await factory.user(a.id, email="x@a.example")
    async with runtime.db.unit_of_work(tenant_id=b.id) as session:
        emails = set((await session.scalars(select(User.email))).all())
        assert emails == {b.admin_email}
        # joins, aliases and counts are filtered too
        assert await session.scalar(select(func.count()).select_from(User)) == 1
        assert await session.get(User, (a.id, a_user)) is None
        assert await session.scalar(select(User.id).where(User.id == a_user)) is None


async def test_unbound_session_fails_closed(runtime: Runtime, factory: Factory) -> None:
    await factory.tenant()
    async with runtime.db.session() as session:
        with pytest.raises(TenancyNotBound):
            await session.scalars(select(User))


async def test_inserts_are_stamped_and_cross_tenant_writes_refused(
    runtime: Runtime, factory: Factory
) -> None:
    a = await factory.tenant()
    b = await factory.tenant()
    async with runtime.db.unit_of_work(tenant_id=a.id) as session:
        user = User(email="novo@a.example", name="Novo", password_hash=hash_password("x"))
        session.add(user)
        await session.flush()
        assert user.tenant_id == a.id
    async with runtime.db.session(tenant_id=a.id) as session:
        session.add(User(tenant_id=b.id, email="intruso@b.example", name="I", password_hash="x"))
        with pytest.raises(CrossTenantWrite):
            await session.flush()


async def test_bulk_update_is_filtered(runtime: Runtime, factory: Factory) -> None:
    from sqlalchemy import update

    a = await factory.tenant()
    b = await factory.tenant()
    async with runtime.db.unit_of_work(tenant_id=a.id) as session:
        await session.execute(update(User).values(name="Renomeado"))
    async with runtime.db.unit_of_work(tenant_id=b.id) as session:
        assert await session.scalar(select(User.name)) == "Pessoa Teste"


async def test_row_level_security_on_postgres(
    runtime: Runtime, factory: Factory, db_backend: str
) -> None:
    if db_backend != "postgres":
        pytest.skip("row-level security is a PostgreSQL feature")
    a = await factory.tenant()
    b = await factory.tenant()
    # raw SQL, past the ORM guard: the database itself still filters by app.tenant_id
    async with runtime.db.engine.connect() as conn:
        await conn.execute(text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(a.id)})
        rows = (await conn.execute(text("SELECT tenant_id FROM users"))).scalars().all()
        assert set(rows) == {a.id}
        await conn.rollback()
        none = (await conn.execute(text("SELECT count(*) FROM users"))).scalar()
        assert none == 0
        await conn.execute(text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(a.id)})
        with pytest.raises(Exception, match="row-level security"):
            await conn.execute(
                text(
                    "INSERT INTO users (tenant_id, id, role, email, name, password_hash, "
                    "is_active, failed_logins, created_at, updated_at) VALUES "
                    "(:t, gen_random_uuid(), 'operator', 'x@y.z', 'x', 'x', true, 0, now(), "
                    "now())"
                ),
                {"t": str(b.id)},
            )


async def test_reads_alternating_tenants_on_pooled_connections(
    client: object, factory: Factory
) -> None:
    """Read sessions keep the tenant on the pooled connection between requests; switching
    tenants must always switch what the database lets through."""
    import httpx

    assert isinstance(client, httpx.AsyncClient)
    a = await factory.tenant()
    b = await factory.tenant()
    for _ in range(6):
        for t in (a, b):
            users = (await client.get("/api/v1/users", headers=t.headers)).json()
            assert [u["email"] for u in users["items"]] == [t.admin_email]
