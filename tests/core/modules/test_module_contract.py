"""The module contract, proved with a module that exists only in the tests."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from migrations.helpers import _POLICY
from sqlalchemy import text

from lastro.core.demo import load_demo
from lastro.core.runtime import Runtime
from lastro.main import build_runtime, create_app, load_modules, start_background
from lastro.settings import Settings
from tests.architecture.isolation import IsolationCase, assert_tenant_isolation
from tests.conftest import APP_ROLE, DatabaseUrls, Factory, truncate_all
from tests.core.modules import notes_module
from tests.core.modules.notes_module import Note
from tests.services import service_url


async def _create_notes_table(owner_url: str) -> None:
    from lastro.infra.database import create_engine

    engine = create_engine(owner_url)
    async with engine.begin() as conn:
        await conn.run_sync(lambda c: Note.__table__.create(c, checkfirst=True))
        if conn.dialect.name == "postgresql":
            await conn.execute(text(f"GRANT ALL ON test_notes TO {APP_ROLE}"))
            await conn.execute(text("ALTER TABLE test_notes ENABLE ROW LEVEL SECURITY"))
            await conn.execute(text("ALTER TABLE test_notes FORCE ROW LEVEL SECURITY"))
            await conn.execute(text("DROP POLICY IF EXISTS tenant_isolation ON test_notes"))
            await conn.execute(text(_POLICY.format(table="test_notes")))
    await engine.dispose()


@pytest.fixture
async def notes_runtime(settings: Settings, database_urls: DatabaseUrls) -> AsyncIterator[Runtime]:
    from lastro.core.platform.service import tenant_cache
    from lastro.main import stop_background

    await _create_notes_table(database_urls.owner)
    tenant_cache.clear()
    rt = build_runtime(settings, modules=[notes_module.module])
    try:
        yield rt
    finally:
        await stop_background(rt)
        await truncate_all(database_urls.owner)


@pytest.fixture
async def notes_client(notes_runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(runtime=notes_runtime, background=False)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as c:
        yield c


@pytest.fixture
def notes_factory(notes_runtime: Runtime, notes_client: httpx.AsyncClient) -> Factory:
    return Factory(notes_runtime, notes_client)


async def test_routes_permissions_and_tenant_isolation(
    notes_client: httpx.AsyncClient, notes_factory: Factory
) -> None:
    a = await notes_factory.tenant(modules=["notes"])
    b = await notes_factory.tenant(modules=["notes"])
    r = await notes_client.post("/api/v1/notes", headers=a.headers, json={"text": "segredo"})
    assert r.status_code == 201, r.text
    note_id = r.json()["id"]
    assert (await notes_client.get("/api/v1/notes", headers=b.headers)).json() == []

    app = notes_client._transport.app  # type: ignore[attr-defined]
    report = await assert_tenant_isolation(
        IsolationCase(
            app=app,
            client=notes_client,
            owner_headers=a.headers,
            intruder_headers=b.headers,
            resources={
                "note_id": note_id,
                "user_id": str(await notes_factory.user(a.id, email="u@a.example")),
                "key_id": (
                    await notes_client.post(
                        "/api/v1/api-keys",
                        headers=a.headers,
                        json={"name": "k", "permissions": ["notes.read"]},
                    )
                ).json()["id"],
            },
            bodies={("PATCH", "/api/v1/notes/{note_id}"): {"text": "invadido"}},
            # the module's routes next to core ones; every core route has its own walk
            only_prefixes=("/api/v1/notes", "/api/v1/users", "/api/v1/api-keys"),
        )
    )
    assert "PATCH /api/v1/notes/{note_id}" in report.checked
    r = await notes_client.get(f"/api/v1/notes/{note_id}", headers=a.headers)
    assert r.json()["text"] == "segredo"

    without = await notes_factory.tenant(modules=[])
    r = await notes_client.get("/api/v1/notes", headers=without.headers)
    assert r.status_code == 403 and r.json()["code"] == "MODULE_NOT_ENABLED"

    operator = await notes_factory.tenant(role="operator", modules=["notes"])
    assert (await notes_client.get("/api/v1/notes", headers=operator.headers)).status_code == 200
    r = await notes_client.post("/api/v1/notes", headers=operator.headers, json={"text": "x"})
    assert r.status_code == 403 and r.json()["code"] == "PERMISSION_DENIED"


async def _drop_stale_queues(url: str, names: list[str]) -> None:
    """Handler queues are named by handler, not by exchange: empty what an earlier run left."""
    import aio_pika

    connection = await aio_pika.connect(url)
    async with connection:
        for name in names:
            channel = await connection.channel()
            with contextlib.suppress(Exception):
                await channel.queue_delete(name)


async def _use_bus(runtime: Runtime, kind: str) -> None:
    """Swap the runtime's bus for a real broker, on names unique to this test."""
    from lastro.infra.bus import RabbitBus, RedisBus

    unique = uuid.uuid4().hex[:8]
    if kind == "rabbitmq":
        url = service_url("LASTRO_TEST_BROKER_URL")
        if url is None:
            pytest.skip("LASTRO_TEST_BROKER_URL not set")
        await _drop_stale_queues(url, ["handler.notes.count", "handler.notes.count.dlq"])
        bus: Any = RabbitBus(url, exchange=f"test.{unique}")
    else:
        url = service_url("LASTRO_TEST_REDIS_URL")
        if url is None:
            pytest.skip("LASTRO_TEST_REDIS_URL not set")
        bus = RedisBus(url, prefix=f"test:{unique}:")
    runtime.bus = runtime.relay.bus = runtime.dispatcher.bus = runtime.jobs.bus = bus


@pytest.mark.parametrize("bus_kind", ["memory", "rabbitmq", "redis"])
async def test_events_flow_through_outbox_once(
    notes_runtime: Runtime,
    notes_client: httpx.AsyncClient,
    notes_factory: Factory,
    bus_kind: str,
) -> None:
    if bus_kind != "memory":
        await _use_bus(notes_runtime, bus_kind)
    tenant = await notes_factory.tenant(modules=["notes"])
    notes_module.HANDLED.clear()
    await start_background(notes_runtime, consumers=True)
    r = await notes_client.post("/api/v1/notes", headers=tenant.headers, json={"text": "olá"})
    assert r.status_code == 201
    for _ in range(200):
        if notes_module.HANDLED:
            break
        await asyncio.sleep(0.05)
    assert [t for t, _ in notes_module.HANDLED] == ["olá"]
    # a redelivered message is applied once (handler + event id recorded with the work)
    from lastro.infra.bus import Message
    from lastro.infra.outbox import OutboxEvent

    event_id = notes_module.HANDLED[0][1]
    import orjson

    async with notes_runtime.db.unit_of_work(platform=True) as session:
        from sqlalchemy import select

        outbox = await session.scalar(select(OutboxEvent).where(OutboxEvent.id == event_id))
        assert outbox is not None and outbox.published_at is not None
        payload = outbox.payload
    sub = next(s for s in notes_runtime.dispatcher.subscriptions if s.name == "notes.count")
    applied = await notes_runtime.dispatcher.handle(
        sub,
        Message(
            id=str(event_id), topic="notes.note.created", body=orjson.dumps(payload), headers={}
        ),
    )
    assert applied is False
    assert len(notes_module.HANDLED) == 1


async def test_jobs_schedules_demo_and_meters(
    notes_runtime: Runtime, notes_client: httpx.AsyncClient
) -> None:
    assert "notes.cleanup" in notes_runtime.job_registry
    lines = await load_demo(notes_runtime)
    assert any("admin@demo.example" in line for line in lines)
    await load_demo(notes_runtime)  # idempotent
    from lastro.core.platform.service import find_by_slug

    async with notes_runtime.db.unit_of_work(platform=True) as session:
        demo = await find_by_slug(session, "demo")
    assert demo is not None and demo.enabled_modules == ["*"]
    async with notes_runtime.db.unit_of_work(tenant_id=demo.id) as session:
        assert await notes_module.module.usage_meters["notes"](session) == 1
    # the home page of a tenant lists its enabled modules
    login = await notes_client.get("/login")
    csrf = login.cookies["lastro_csrf"]
    r = await notes_client.post(
        "/login",
        data={
            "tenant": "demo",
            "username": "admin@demo.example",
            "password": "Demo@12345",
            "csrf": csrf,
        },
    )
    assert r.status_code == 303, r.text
    home = await notes_client.get("/")
    assert "Notas" in home.text and 'href="/notes"' in home.text


def test_installed_module_loading_rejects_unknown_names() -> None:
    assert load_modules([]) == []
    with pytest.raises(ValueError, match="unknown modules"):
        load_modules(["nao-existe"])


async def test_embedded_mode_recovers_events_lost_by_a_crash(
    notes_runtime: Runtime, notes_client: httpx.AsyncClient, notes_factory: Factory
) -> None:
    tenant = await notes_factory.tenant(modules=["notes"])
    notes_module.HANDLED.clear()
    r = await notes_client.post("/api/v1/notes", headers=tenant.headers, json={"text": "perdida"})
    assert r.status_code == 201
    # relayed to the in-process bus while nothing consumed it: gone, as after a crash
    await notes_runtime.bus.start()
    assert await notes_runtime.relay.relay_once() == 1
    assert notes_module.HANDLED == []
    await notes_runtime.dispatcher.start()
    assert await notes_runtime.dispatcher.recover_unhandled() == 1
    assert [t for t, _ in notes_module.HANDLED] == ["perdida"]
    assert await notes_runtime.dispatcher.recover_unhandled() == 0
