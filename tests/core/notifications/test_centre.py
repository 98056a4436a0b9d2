"""The in-app centre: list, unread count, mark read, the page, and the live stream (SSE)."""

from __future__ import annotations

import asyncio
import os
import uuid
from typing import Any

import httpx
import orjson
import pytest

from lastro.core.notifications import Recipient, notify
from lastro.core.notifications.live import RedisHub
from lastro.core.runtime import Runtime
from tests.conftest import Factory, login
from tests.core.notifications.helpers import INVOICE, deliverer

DATA = {"nome": "Ana", "valor": "10.00", "vencimento": "amanhã"}


async def _in_app(
    runtime: Runtime, tenant_id: uuid.UUID, user_id: uuid.UUID, name: str = "Ana"
) -> uuid.UUID:
    async with runtime.db.unit_of_work(tenant_id=tenant_id) as session:
        nid = await notify(
            session, Recipient(user_id=user_id), INVOICE.key, {**DATA, "nome": name}, ["in_app"]
        )
    await deliverer(runtime).deliver_notification(tenant_id, nid)
    return nid


async def _admin_id(client: httpx.AsyncClient, headers: dict[str, str]) -> uuid.UUID:
    return uuid.UUID((await client.get("/api/v1/me", headers=headers)).json()["user"]["id"])


async def test_list_unread_and_mark_read(
    runtime: Runtime, factory: Factory, client: httpx.AsyncClient
) -> None:
    tenant = await factory.tenant()
    me = await _admin_id(client, tenant.headers)
    other = await factory.user(tenant.id, email="outro@t.example")
    ids = [await _in_app(runtime, tenant.id, me, f"n{i}") for i in range(3)]
    await _in_app(runtime, tenant.id, other)
    # queued but not yet delivered in-app: not in the centre
    async with runtime.db.unit_of_work(tenant_id=tenant.id) as session:
        await notify(session, Recipient(user_id=me), INVOICE.key, DATA, ["in_app"])
    base = "/api/v1/notifications"
    page = (await client.get(base, headers=tenant.headers, params={"limit": 2})).json()
    assert page["total"] == 3 and [i["id"] for i in page["items"]] == [str(ids[2]), str(ids[1])]
    assert page["items"][0]["subject"].startswith("Fatura") and page["items"][0]["read_at"] is None
    assert (await client.get(f"{base}/unread-count", headers=tenant.headers)).json() == {
        "unread": 3
    }

    r = await client.post(f"{base}/{ids[0]}/read", headers=tenant.headers)
    assert r.status_code == 200 and r.json()["read_at"] is not None
    assert (await client.get(f"{base}/unread-count", headers=tenant.headers)).json() == {
        "unread": 2
    }
    unread = (await client.get(base, headers=tenant.headers, params={"unread": True})).json()
    assert {i["id"] for i in unread["items"]} == {str(ids[1]), str(ids[2])}

    other_token = (await login(client, "outro@t.example", tenant=tenant.slug))["access_token"]
    other_headers = {"Authorization": f"Bearer {other_token}"}
    r = await client.post(f"{base}/{ids[1]}/read", headers=other_headers)
    assert r.status_code == 404  # someone else's notification, same tenant
    assert (await client.get(base, headers=other_headers)).json()["total"] == 1

    r = await client.post(f"{base}/read-all", headers=tenant.headers)
    assert r.json() == {"updated": 2}
    assert (await client.get(f"{base}/unread-count", headers=tenant.headers)).json() == {
        "unread": 0
    }
    assert (await client.get(f"{base}/unread-count", headers=other_headers)).json() == {"unread": 1}


async def test_centre_page_lists_and_marks_read(
    runtime: Runtime, factory: Factory, client: httpx.AsyncClient
) -> None:
    tenant = await factory.tenant()
    me = await _admin_id(client, tenant.headers)
    await _in_app(runtime, tenant.id, me, "Página")
    cookies = {"Cookie": f"lastro_access={tenant.access_token}; lastro_csrf=tok"}
    r = await client.get("/notifications", headers=cookies)
    assert r.status_code == 200, r.text
    assert "Olá, Página!" in r.text and 'data-testid="unread-count" id="unread-count">1<' in r.text
    assert "/api/v1/notifications/stream" in r.text
    r = await client.post("/notifications/read", headers=cookies, data={"csrf": "tok"})
    assert r.status_code == 303
    assert (
        await client.get("/api/v1/notifications/unread-count", headers=tenant.headers)
    ).json() == {"unread": 0}
    assert (await client.get("/notifications")).status_code == 303  # not logged in


class _Stream:
    """Drives the ASGI app directly, chunk by chunk (httpx's ASGI transport waits for the
    whole body, which an event stream never finishes)."""

    def __init__(self, app: Any, path: str, headers: dict[str, str]) -> None:
        self.app = app
        self.scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": [(b"host", b"testserver")]
            + [(k.lower().encode(), v.encode()) for k, v in headers.items()],
            "client": ("127.0.0.1", 5000),
            "server": ("testserver", 80),
        }
        self.messages: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.gone = asyncio.Event()
        self.asked = False
        self.task: asyncio.Task[None] | None = None

    async def _receive(self) -> dict[str, Any]:
        if not self.asked:
            self.asked = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await self.gone.wait()
        return {"type": "http.disconnect"}

    async def _send(self, message: dict[str, Any]) -> None:
        await self.messages.put(message)

    async def start(self) -> dict[str, Any]:
        self.task = asyncio.create_task(self.app(self.scope, self._receive, self._send))
        return await asyncio.wait_for(self.messages.get(), 30)

    async def event(self) -> tuple[str, dict[str, Any]]:
        while True:
            message = await asyncio.wait_for(self.messages.get(), 30)
            text = message.get("body", b"").decode()
            if text.startswith(":") or not text.strip():
                continue  # keep-alive comment
            fields = dict(line.split(": ", 1) for line in text.strip().splitlines() if ": " in line)
            return fields.get("event", "message"), orjson.loads(fields["data"])

    async def close(self) -> None:
        self.gone.set()
        if self.task is not None:
            self.task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await self.task


async def test_stream_pushes_new_notifications_live(
    runtime: Runtime, factory: Factory, client: httpx.AsyncClient
) -> None:
    tenant = await factory.tenant()
    me = await _admin_id(client, tenant.headers)
    await _in_app(runtime, tenant.id, me, "antes")
    app = client._transport.app  # type: ignore[attr-defined]
    stream = _Stream(
        app, "/api/v1/notifications/stream", {**tenant.headers, "Accept": "text/event-stream"}
    )
    start = await stream.start()
    try:
        assert start["status"] == 200
        assert dict(start["headers"])[b"content-type"].startswith(b"text/event-stream")
        assert await stream.event() == ("unread", {"unread": 1})
        nid = await _in_app(runtime, tenant.id, me, "ao vivo")
        kind, data = await stream.event()
        assert kind == "notification" and data["id"] == str(nid)
        assert data["body"].startswith("Olá, ao vivo!")
    finally:
        await stream.close()
    r = await client.get("/api/v1/notifications/stream", headers=tenant.headers)
    assert r.status_code == 406 and r.json()["code"] == "NOT_ACCEPTABLE"
    assert (await client.get("/api/v1/notifications/stream")).status_code == 401


async def test_redis_hub_fans_out_across_processes() -> None:
    url = os.environ.get("LASTRO_TEST_REDIS_URL")
    if not url:
        pytest.skip("LASTRO_TEST_REDIS_URL not set")
    web, worker = RedisHub(url, prefix=f"test:{uuid.uuid4().hex}:"), RedisHub(url, prefix="")
    worker.prefix = web.prefix  # the same channel namespace, two connections
    tenant, user, stranger = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    try:
        async with web.listen(tenant, user) as queue:
            await worker.publish(tenant, stranger, {"type": "notification", "id": "x"})
            await worker.publish(tenant, user, {"type": "notification", "id": "n1"})
            assert await asyncio.wait_for(queue.get(), 30) == {"type": "notification", "id": "n1"}
            assert queue.empty()
    finally:
        await web.close()
        await worker.close()


async def test_demo_puts_a_welcome_in_the_demo_admins_centre(
    runtime: Runtime, factory: Factory, client: httpx.AsyncClient
) -> None:
    tenant = await factory.tenant("demo")
    spec = next(s for s in runtime.services if s.name == "core.notifications")
    assert spec.demo is not None
    await spec.demo(runtime)
    await spec.demo(runtime)  # idempotent
    page = (await client.get("/api/v1/notifications", headers=tenant.headers)).json()
    assert page["total"] == 1 and page["items"][0]["subject"].startswith("Bem-vindo(a)")
