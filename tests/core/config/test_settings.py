"""Typed per-tenant settings: defaults, overrides, per-field validation, audit, cache
invalidation, visibility by enabled module, the settings page and tenant isolation."""

from __future__ import annotations

from decimal import Decimal

import httpx
from sqlalchemy import select, update

from lastro.core.audit.models import AuditRecord
from lastro.core.config import get_settings_for
from lastro.core.config.cache import settle
from lastro.core.config.models import TenantSetting
from lastro.core.config.service import resolve
from lastro.core.runtime import Runtime
from tests.architecture.isolation import IsolationCase, assert_tenant_isolation
from tests.conftest import Factory, TenantHandle, login
from tests.core.config.conftest import NAMESPACE, CobrancaSettings

URL = f"/api/v1/settings/{NAMESPACE}"


async def tenant(factory: Factory) -> TenantHandle:
    return await factory.tenant(modules=[NAMESPACE])


async def typed(runtime: Runtime, t: TenantHandle) -> CobrancaSettings:
    async with runtime.db.unit_of_work(tenant_id=t.id) as session:
        return await get_settings_for(session, NAMESPACE, CobrancaSettings, cache=runtime.cache)


async def test_defaults_overrides_and_typed_reads(
    runtime: Runtime, client: httpx.AsyncClient, factory: Factory
) -> None:
    a = await tenant(factory)
    r = await client.get(URL, headers=a.headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["overrides"] == {} and body["values"] == body["defaults"]
    assert body["values"]["dias_vencimento"] == 10
    assert body["schema"]["properties"]["dias_vencimento"]["maximum"] == 60
    assert await typed(runtime, a) == CobrancaSettings()

    r = await client.patch(
        URL, headers=a.headers, json={"dias_vencimento": 15, "multa_percentual": "1.5"}
    )
    assert r.status_code == 200, r.text
    assert r.json()["overrides"] == {"dias_vencimento": 15, "multa_percentual": "1.5"}
    await settle()
    current = await typed(runtime, a)
    assert current.dias_vencimento == 15 and current.multa_percentual == Decimal("1.50")
    assert current.canal == "email"

    r = await client.patch(URL, headers=a.headers, json={"canal": "sms"})
    assert r.json()["overrides"] == {
        "dias_vencimento": 15,
        "multa_percentual": "1.5",
        "canal": "sms",
    }
    # PUT replaces: what is omitted goes back to its default
    r = await client.put(URL, headers=a.headers, json={"envia_lembrete": False})
    assert r.status_code == 200
    assert r.json()["overrides"] == {"envia_lembrete": False}
    assert r.json()["values"]["dias_vencimento"] == 10 and r.json()["values"]["canal"] == "email"
    listed = await client.get("/api/v1/settings", headers=a.headers)
    assert [n["namespace"] for n in listed.json()] == [NAMESPACE]


async def test_routes_get_typed_settings_through_the_dependency(
    runtime: Runtime, client: httpx.AsyncClient, factory: Factory
) -> None:
    a = await tenant(factory)
    b = await tenant(factory)
    r = await client.get("/api/v1/cobranca-teste/prazo", headers=a.headers)
    assert r.json() == {"dias_vencimento": 10}
    await client.patch(URL, headers=a.headers, json={"dias_vencimento": 33})
    await settle()
    r = await client.get("/api/v1/cobranca-teste/prazo", headers=a.headers)
    assert r.json() == {"dias_vencimento": 33}
    r = await client.get("/api/v1/cobranca-teste/prazo", headers=b.headers)
    assert r.json() == {"dias_vencimento": 10}


async def test_validation_is_per_field_problem_json(
    runtime: Runtime, client: httpx.AsyncClient, factory: Factory
) -> None:
    a = await tenant(factory)
    r = await client.patch(
        URL,
        headers=a.headers,
        json={"dias_vencimento": 0, "canal": "pombo", "desconhecido": 1, "mensagem": "ok"},
    )
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    problem = r.json()
    assert problem["code"] == "SETTINGS_INVALID"
    fields = {e["field"]: e["message"] for e in problem["errors"]}
    assert set(fields) == {"dias_vencimento", "canal", "desconhecido"}
    assert fields["desconhecido"] == "campo desconhecido"
    assert fields["dias_vencimento"] == "valor pequeno demais"
    # nothing was stored
    assert (await client.get(URL, headers=a.headers)).json()["overrides"] == {}


async def test_every_change_is_audited_with_old_and_new_values(
    runtime: Runtime, client: httpx.AsyncClient, factory: Factory
) -> None:
    a = await tenant(factory)
    await client.patch(URL, headers=a.headers, json={"dias_vencimento": 20})
    await client.patch(URL, headers=a.headers, json={"dias_vencimento": 20})  # no change
    await client.put(URL, headers=a.headers, json={"canal": "whatsapp"})
    async with runtime.db.session(tenant_id=a.id) as s:
        rows = list(
            await s.scalars(
                select(AuditRecord)
                .where(AuditRecord.action == "settings.updated")
                .order_by(AuditRecord.seq)
            )
        )
    assert [(r.resource_id, r.before, r.after) for r in rows] == [
        (NAMESPACE, {"dias_vencimento": 10}, {"dias_vencimento": 20}),
        (
            NAMESPACE,
            {"dias_vencimento": 20, "canal": "email"},
            {"dias_vencimento": 10, "canal": "whatsapp"},
        ),
    ]
    assert all(r.actor_kind == "user" for r in rows)


async def test_reads_are_cached_and_changes_invalidate(
    runtime: Runtime, client: httpx.AsyncClient, factory: Factory
) -> None:
    a = await tenant(factory)
    await client.patch(URL, headers=a.headers, json={"dias_vencimento": 12})
    await settle()
    assert (await typed(runtime, a)).dias_vencimento == 12  # now cached
    # a change behind the service's back is not seen: the value comes from the cache
    async with runtime.db.unit_of_work(tenant_id=a.id) as s:
        await s.execute(update(TenantSetting).values(overrides={"dias_vencimento": 30}))
    assert (await typed(runtime, a)).dias_vencimento == 12
    # a change through the service drops the cached value
    r = await client.patch(URL, headers=a.headers, json={"canal": "sms"})
    assert r.status_code == 200
    await settle()
    now = await typed(runtime, a)
    assert (now.dias_vencimento, now.canal) == (30, "sms")


async def test_stored_values_the_model_no_longer_accepts_fall_back_to_defaults() -> None:
    resolved = resolve(CobrancaSettings, {"dias_vencimento": 999, "canal": "sms", "velho": 1})
    assert resolved.dias_vencimento == 10 and resolved.canal == "sms"


async def test_visibility_by_module_and_permission(
    runtime: Runtime, client: httpx.AsyncClient, factory: Factory
) -> None:
    without = await factory.tenant()
    r = await client.get(URL, headers=without.headers)
    assert r.status_code == 404 and r.json()["code"] == "SETTINGS_NAMESPACE_NOT_FOUND"
    assert (await client.get("/api/v1/settings", headers=without.headers)).json() == []
    r = await client.patch(URL, headers=without.headers, json={"dias_vencimento": 5})
    assert r.status_code == 404

    a = await tenant(factory)
    await factory.user(a.id, email="op@a.example", role="operator")
    op = await login(client, "op@a.example", tenant=a.slug)
    r = await client.get(URL, headers={"Authorization": f"Bearer {op['access_token']}"})
    assert r.status_code == 403


async def test_settings_page_renders_and_saves(
    runtime: Runtime, client: httpx.AsyncClient, factory: Factory
) -> None:
    a = await tenant(factory)
    client.cookies.set("lastro_access", a.access_token)
    client.cookies.set("lastro_csrf", "csrf-teste")
    r = await client.get("/settings")
    assert r.status_code == 200, r.text
    html = r.text
    assert f'action="/settings/{NAMESPACE}"' in html
    assert "Dias até o vencimento" in html and 'name="canal"' in html
    assert 'type="checkbox"' in html and 'name="envia_lembrete"' in html

    form = {
        "csrf": "csrf-teste",
        "dias_vencimento": "25",
        "multa_percentual": "2.00",
        "canal": "whatsapp",
        "mensagem": "Olá! Sua cobrança chegou.",
        # envia_lembrete unchecked → False
    }
    r = await client.post(f"/settings/{NAMESPACE}", data=form)
    assert r.status_code == 303, r.text
    await settle()
    stored = await client.get(URL, headers=a.headers)
    # only what differs from the defaults is stored
    assert stored.json()["overrides"] == {
        "dias_vencimento": 25,
        "canal": "whatsapp",
        "envia_lembrete": False,
    }

    r = await client.post(f"/settings/{NAMESPACE}", data={**form, "dias_vencimento": "99"})
    assert r.status_code == 422
    assert 'data-testid="error-dias_vencimento"' in r.text
    r = await client.post(f"/settings/{NAMESPACE}", data={**form, "csrf": "outro"})
    assert r.status_code == 403
    client.cookies.clear()
    assert (await client.get("/settings")).status_code == 303


async def test_settings_routes_isolate_tenants(
    runtime: Runtime, client: httpx.AsyncClient, factory: Factory
) -> None:
    a = await tenant(factory)
    b = await tenant(factory)
    marker = "segredo-da-empresa-a-7f3c"
    r = await client.patch(URL, headers=a.headers, json={"mensagem": marker})
    assert r.status_code == 200
    await settle()
    app = client._transport.app  # type: ignore[attr-defined]
    report = await assert_tenant_isolation(
        IsolationCase(
            app=app,
            client=client,
            owner_headers=a.headers,
            intruder_headers=b.headers,
            resources={"marker": marker},
            only_prefixes=("/api/v1/settings", "/api/v1/flags"),
            # a namespace is not a tenant's resource: each tenant reads its own values there
            exempt_paths={"/api/v1/settings/{namespace}"},
        )
    )
    assert "GET /api/v1/settings" in report.checked
    r = await client.get(URL, headers=b.headers)
    assert r.status_code == 200 and marker not in r.text
    r = await client.put(URL, headers=b.headers, json={"canal": "sms"})
    assert r.status_code == 200
    assert (await client.get(URL, headers=a.headers)).json()["values"]["mensagem"] == marker
