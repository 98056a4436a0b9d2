"""The core's own routes pass the tenant-isolation walk."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy import select

from lastro.core.billing import service as billing
from lastro.core.billing.invoicing import run_billing
from lastro.core.billing.models import Subscription
from lastro.core.runtime import Runtime
from lastro.kit.clock import today_sp
from tests.architecture.isolation import (
    DEFAULT_EXEMPT_PREFIXES,
    IsolationCase,
    assert_tenant_isolation,
)
from tests.conftest import Factory

SERVICES_WITH_OWN_WALK = (
    "/api/v1/notifications/",  # tests/core/notifications/test_isolation.py
    "/api/v1/webhooks/",  # tests/core/webhooks/test_webhooks.py
    "/api/v1/lgpd/",  # tests/core/lgpd/test_isolation.py
    "/api/v1/documents",  # tests/core/documents/test_isolation.py
    "/api/v1/exports",  # tests/core/exports/test_isolation.py
    "/api/v1/reports",
)


async def _invoice(runtime: Runtime, tenant_id: uuid.UUID) -> str:
    """Put the tenant on a paid plan and issue its invoice."""
    today = today_sp()
    async with runtime.db.unit_of_work(platform=True) as session:
        await billing.seed_plans(session)
        plan = await billing.plan_by_code(session, "chat-starter")
        sub = await session.scalar(select(Subscription).where(Subscription.tenant_id == tenant_id))
        if sub is None:
            await billing.subscribe(session, tenant_id, "chat-starter", trial=False, start=today)
        else:
            sub.plan_id, sub.status = plan.id, "active"
            sub.current_period_start = today
            sub.current_period_end = billing.period_end(today, "monthly")
    report = await run_billing(runtime.db, runtime.settings, day=today, tenant_ids=[tenant_id])
    return str(report.invoice_ids[0][1])


async def test_core_routes_isolate_tenants(
    client: httpx.AsyncClient, factory: Factory, runtime: Runtime
) -> None:
    a = await factory.tenant()
    b = await factory.tenant()
    user_a = await factory.user(a.id, email="alvo@a.example")
    r = await client.post(
        "/api/v1/api-keys", headers=a.headers, json={"name": "erp", "permissions": ["users.read"]}
    )
    key_a = r.json()["id"]
    invoice_a = await _invoice(runtime, a.id)
    app = client._transport.app  # type: ignore[attr-defined]
    report = await assert_tenant_isolation(
        IsolationCase(
            app=app,
            client=client,
            owner_headers=a.headers,
            intruder_headers=b.headers,
            resources={"user_id": str(user_a), "key_id": key_a, "invoice_id": invoice_a},
            # each of these services walks its own routes with this harness in its tests
            exempt_prefixes=(*DEFAULT_EXEMPT_PREFIXES, *SERVICES_WITH_OWN_WALK),
            exempt_paths={
                "/api/v1/me",
                "/api/v1/settings/{namespace}",
                "/api/v1/billing/webhooks/{provider}",  # signed, not a tenant session
            },
        )
    )
    assert "GET /api/v1/invoices/{invoice_id}/pdf" in report.checked
    assert "DELETE /api/v1/users/{user_id}" in report.checked
    assert "DELETE /api/v1/api-keys/{key_id}" in report.checked
    listed = (await client.get("/api/v1/api-keys", headers=a.headers)).json()
    assert listed[0]["revoked_at"] is None
    # A's user is untouched after B's PATCH and DELETE attempts
    r = await client.get(f"/api/v1/users/{user_a}", headers=a.headers)
    assert r.json()["is_active"] is True and r.json()["name"] == "Pessoa Teste"
