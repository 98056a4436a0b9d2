"""Every notifications route passes the tenant-isolation walk and demands authentication."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy import select

from lastro.core.notifications import Recipient, notify
from lastro.core.notifications.models import Delivery
from lastro.core.runtime import Runtime
from tests.architecture.isolation import _PARAM, IsolationCase, api_routes, assert_tenant_isolation
from tests.conftest import Factory
from tests.core.notifications.helpers import INVOICE, deliverer

PREFIX = "/api/v1/notifications"


async def test_notification_routes_isolate_tenants(
    runtime: Runtime, factory: Factory, client: httpx.AsyncClient
) -> None:
    a = await factory.tenant()
    b = await factory.tenant()
    me = uuid.UUID((await client.get("/api/v1/me", headers=a.headers)).json()["user"]["id"])
    async with runtime.db.unit_of_work(tenant_id=a.id) as session:
        nid = await notify(
            session, Recipient(user_id=me), INVOICE.key, {"nome": "A"}, ["in_app", "email"]
        )
    await deliverer(runtime).deliver_notification(a.id, nid)
    async with runtime.db.unit_of_work(tenant_id=a.id) as session:
        delivery_id = await session.scalar(select(Delivery.id).where(Delivery.channel == "email"))
    version = await client.post(
        f"{PREFIX}/templates/versions",
        headers=a.headers,
        json={"key": INVOICE.key, "subject": "segredo de A", "body": "corpo"},
    )
    app = client._transport.app  # type: ignore[attr-defined]
    report = await assert_tenant_isolation(
        IsolationCase(
            app=app,
            client=client,
            owner_headers=a.headers,
            intruder_headers=b.headers,
            resources={
                "notification_id": str(nid),
                "delivery_id": str(delivery_id),
                "version_id": version.json()["id"],
            },
            only_prefixes=(PREFIX,),
        )
    )
    assert f"POST {PREFIX}/deliveries/{{delivery_id}}/resend" in report.checked
    assert f"POST {PREFIX}/{{notification_id}}/read" in report.checked
    assert f"GET {PREFIX}/templates/versions" in report.checked
    # A's notification is still unread and its delivery was not resent by B
    assert (await client.get(f"{PREFIX}/unread-count", headers=a.headers)).json() == {"unread": 1}
    log = (await client.get(f"{PREFIX}/deliveries", headers=a.headers)).json()
    assert log["total"] == 2
    # B's own template list shows the defaults, not A's wording
    listed = (await client.get(f"{PREFIX}/templates", headers=b.headers)).json()
    assert all(t["active_versions"] == {} for t in listed)


async def test_every_notification_route_requires_authentication(client: httpx.AsyncClient) -> None:
    app = client._transport.app  # type: ignore[attr-defined]
    checked = 0
    for path, methods in api_routes(app):
        if not path.startswith(PREFIX):
            continue
        url = _PARAM.sub("0191d9a0-0000-7000-8000-000000000000", path)
        for method in methods:
            r = await client.request(method, url, json={} if method != "GET" else None)
            assert r.status_code == 401, f"{method} {path} → {r.status_code}"
            checked += 1
    assert checked >= 15
