"""Architecture rules that hold for every module: import boundaries, authenticated routes,
row-level security and tenant-leading keys on every tenant table."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from lastro.core.runtime import Runtime
from lastro.kit.orm import TenantScoped
from lastro.models import metadata
from tests.architecture.isolation import _PARAM, api_routes

ROOT = Path(__file__).resolve().parents[2]
# Public by design: sign-in, and payment providers' webhooks (authenticated by an HMAC
# signature instead, tested in tests/core/billing).
PUBLIC = {
    "/api/v1/auth/login",
    "/api/v1/auth/refresh",
    "/api/v1/billing/webhooks/{provider}",
    # signed by the sender (HMAC), not by a user token
    "/api/v1/banking/webhooks/rail/{tenant}",
    "/api/v1/consorcio/payments/pix/webhook",
}
ANY_ID = "0191d9a0-0000-7000-8000-000000000000"


def _tenant_tables() -> list[str]:
    from lastro.kit.orm import Base

    return sorted(
        {
            m.local_table.name
            for m in Base.registry.mappers
            if issubclass(m.class_, TenantScoped)
            and m.local_table.name in metadata.tables
            and not m.local_table.name.startswith("test_")
        }
    )


def test_import_boundaries() -> None:
    linter = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(linter)], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_tenant_tables_lead_keys_with_tenant_id() -> None:
    tables = _tenant_tables()
    assert "users" in tables
    for name in tables:
        table = metadata.tables[name]
        assert next(iter(table.primary_key.columns)).name == "tenant_id", name
        for fk in table.foreign_key_constraints:
            if fk.referred_table.name not in tables:
                continue  # a global table (tenants, plans): not tenant data
            assert "tenant_id" in [c.name for c in fk.columns], f"{name}: {fk.name}"


async def test_every_api_route_requires_authentication(client: httpx.AsyncClient) -> None:
    app = client._transport.app  # type: ignore[attr-defined]
    checked = []
    for path, methods in api_routes(app):
        if not path.startswith("/api/") or path in PUBLIC:
            continue
        url = _PARAM.sub(ANY_ID, path)
        for method in methods:
            r = await client.request(method, url, json={} if method != "GET" else None)
            assert r.status_code == 401, f"{method} {path} → {r.status_code} without a token"
            checked.append(f"{method} {path}")
    assert len(checked) >= 5


async def test_row_level_security_on_every_tenant_table(runtime: Runtime, db_backend: str) -> None:
    if db_backend != "postgres":
        pytest.skip("row-level security is a PostgreSQL feature")
    async with runtime.db.engine.connect() as conn:
        rows = (
            await conn.execute(
                text(
                    "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, "
                    "EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid) "
                    "FROM pg_class c WHERE c.relkind = 'r'"
                    " AND c.relnamespace = 'public'::regnamespace"
                )
            )
        ).all()
        super_or_bypass = (
            await conn.execute(
                text("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user")
            )
        ).scalar()
    secured = {name: (rls and force and policy) for name, rls, force, policy in rows}
    for table in _tenant_tables():
        assert secured.get(table), f"{table} lacks forced row-level security with a policy"
    assert super_or_bypass is False, "the app must not connect as a superuser or BYPASSRLS role"
