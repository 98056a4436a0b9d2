"""Groups: creation with rules, price and books; validation; versioned rules read as of a date;
price history and its event; lifecycle and the formation-window check."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import httpx
from sqlalchemy import select

from lastro.core.runtime import Runtime
from lastro.infra.outbox import OutboxEvent
from lastro.kit.clock import today_sp
from lastro.modules.consorcio.groups import service
from lastro.modules.consorcio.groups.tasks import check_formations
from lastro.modules.consorcio.quotas.ledger import MovementDraft, record_movement
from lastro.modules.consorcio.quotas.models import QuotaRefund
from tests.conftest import Factory
from tests.modules.consorcio.groups.support import (
    create_consorciado,
    create_group,
    group_body,
    rules,
    sell,
    sell_ok,
    tenant,
)

API = "/api/v1/consorcio/groups"


async def _topics(runtime: Runtime) -> list[str]:
    async with runtime.db.session(platform=True, readonly=True) as session:
        return list((await session.scalars(select(OutboxEvent.topic))).all())


async def test_create_group_opens_books_rules_and_price(
    client: httpx.AsyncClient, factory: Factory, runtime: Runtime
) -> None:
    t = await tenant(factory)
    g = await create_group(client, t, code="A-100", credit_values=["30000.00"])
    assert g["status"] == "em_formacao"
    assert g["rules"]["version"] == 1 and Decimal(g["rules"]["admin_fee_pct"]) == 15
    assert Decimal(g["current_price"]) == Decimal("30000.00")
    assert g["ledger_id"] and g["current_installment"] == 1
    assert g["formation_deadline"] == (today_sp() + timedelta(days=90)).isoformat()
    books = (await client.get(f"{API}/{g['id']}/books", headers=t.headers)).json()
    codes = {a["code"]: a for a in books["group_book"]["accounts"]}
    assert codes["3.1.1"]["name"] == "Fundo comum" and codes["1.1.1"]["balance"] == "0.00"
    assert len(books["daily"]) == 30
    assert "consorcio.group.created" in await _topics(runtime)

    listed = (await client.get(f"{API}?segment=automovel&q=a-1", headers=t.headers)).json()
    assert listed["total"] == 1 and listed["items"][0]["code"] == "A-100"
    assert (await client.get(f"{API}?segment=imovel", headers=t.headers)).json()["total"] == 0

    r = await client.post(API, headers=t.headers, json=group_body(code="A-100"))
    assert r.status_code == 409 and r.json()["code"] == "GROUP_CODE_TAKEN"


async def test_credit_values_and_rules_are_validated(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    t = await tenant(factory)
    r = await client.post(
        API, headers=t.headers, json=group_body(credit_values=["30000.00", "14999.99"])
    )
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "INVALID_CREDIT_VALUES"
    mixed = await create_group(client, t, credit_values=["30000.00", "15000.00", "20000.00"])
    assert mixed["credit_values"] == ["15000.00", "20000.00", "30000.00"]
    assert Decimal(mixed["base_price"]) == Decimal("30000.00")

    r = await client.post(
        API, headers=t.headers, json=group_body(rules=rules(exclusion_threshold=4))
    )
    assert r.status_code == 422 and r.json()["code"] == "INVALID_GROUP_RULES"
    old = await create_group(client, t, regime="circular_3432", rules=rules(exclusion_threshold=4))
    assert old["rules"]["exclusion_threshold"] == 4
    for bad in (
        rules(late_group_share_pct="40"),
        rules(admin_fee_prepaid_pct="16"),
        rules(bid_types=["fixo"]),
    ):
        r = await client.post(API, headers=t.headers, json=group_body(rules=bad))
        assert r.status_code == 422 and r.json()["code"] == "INVALID_GROUP_RULES", bad
    r = await client.post(API, headers=t.headers, json=group_body(segment="barco"))
    assert r.status_code == 422 and r.json()["code"] == "VALIDATION_ERROR"
    r = await client.post(
        API, headers=t.headers, json=group_body(price_index="incc", segment="imovel")
    )
    assert r.status_code == 422 and r.json()["code"] == "INVALID_GROUP"


async def test_rule_versions_apply_from_their_date_and_never_rewrite_the_past(
    client: httpx.AsyncClient, factory: Factory, runtime: Runtime
) -> None:
    t = await tenant(factory)
    today = today_sp()
    g = await create_group(client, t, formation_started_on=(today - timedelta(days=10)).isoformat())
    later = today + timedelta(days=30)
    body = {
        **rules(exclusion_threshold=2, tie_break="sorteio"),
        "effective_from": later.isoformat(),
    }
    body["reason"] = "AGE de 10/11: exclusão com 2 parcelas"
    r = await client.post(f"{API}/{g['id']}/rules", headers=t.headers, json=body)
    assert r.status_code == 201, r.text
    assert r.json()["version"] == 2

    now = (await client.get(f"{API}/{g['id']}/rules", headers=t.headers)).json()
    assert now["in_force"]["version"] == 1 and len(now["versions"]) == 2
    then = (
        await client.get(f"{API}/{g['id']}/rules?as_of={later.isoformat()}", headers=t.headers)
    ).json()
    assert then["in_force"]["version"] == 2 and then["in_force"]["exclusion_threshold"] == 2
    before = (
        await client.get(
            f"{API}/{g['id']}/rules?as_of={(today - timedelta(days=30)).isoformat()}",
            headers=t.headers,
        )
    ).json()
    assert before["in_force"] is None

    past = {**rules(), "effective_from": (today - timedelta(days=1)).isoformat()}
    r = await client.post(f"{API}/{g['id']}/rules", headers=t.headers, json=past)
    assert r.status_code == 409 and r.json()["code"] == "RULE_VERSION_CONFLICT"
    same = {**rules(), "effective_from": later.isoformat()}
    r = await client.post(f"{API}/{g['id']}/rules", headers=t.headers, json=same)
    assert r.status_code == 409 and r.json()["code"] == "RULE_VERSION_CONFLICT"

    async with runtime.db.unit_of_work(tenant_id=t.id) as session:
        import uuid

        gid = uuid.UUID(g["id"])
        assert (await service.rules_as_of(session, gid, today)).version == 1
        assert (await service.rules_as_of(session, gid, later)).version == 2
        assert (await service.rules_as_of(session, gid, later + timedelta(days=999))).version == 2
    assert "consorcio.group.rules_versioned" in await _topics(runtime)


async def test_price_history_and_index_groups(
    client: httpx.AsyncClient, factory: Factory, runtime: Runtime
) -> None:
    t = await tenant(factory)
    today = today_sp()
    g = await create_group(client, t)
    tomorrow = (today + timedelta(days=1)).isoformat()
    r = await client.post(
        f"{API}/{g['id']}/prices",
        headers=t.headers,
        json={"effective_on": tomorrow, "price": "31500.00", "source": "tabela fabricante"},
    )
    assert r.status_code == 201, r.text
    prices = (await client.get(f"{API}/{g['id']}/prices", headers=t.headers)).json()
    assert prices["current_price"] == "30000.00"
    assert [p["price"] for p in prices["items"]] == ["31500.00", "30000.00"]
    r = await client.post(
        f"{API}/{g['id']}/prices",
        headers=t.headers,
        json={"effective_on": tomorrow, "price": "32000.00"},
    )
    assert r.status_code == 409 and r.json()["code"] == "PRICE_CONFLICT"
    r = await client.post(
        f"{API}/{g['id']}/prices",
        headers=t.headers,
        json={"effective_on": tomorrow, "price": "1.00", "index_value": "2"},
    )
    assert r.status_code == 422 and r.json()["code"] == "INVALID_PRICE"
    assert "consorcio.group.price_added" in await _topics(runtime)

    imovel = await create_group(
        client,
        t,
        segment="imovel",
        term_months=200,
        credit_values=["200000.00"],
        price_index="incc",
        base_index_value="1000.00",
    )
    r = await client.post(
        f"{API}/{imovel['id']}/prices",
        headers=t.headers,
        json={"effective_on": tomorrow, "index_value": "1045.5"},
    )
    assert r.status_code == 201, r.text
    assert r.json()["price"] == "209100.00"


async def test_lifecycle_constitution_needs_quotas_and_close_ends_them(
    client: httpx.AsyncClient, factory: Factory, runtime: Runtime
) -> None:
    t = await tenant(factory)
    g = await create_group(client, t, term_months=3, max_quotas=30)
    status = f"{API}/{g['id']}/status"
    r = await client.post(status, headers=t.headers, json={"status": "em_andamento"})
    assert r.status_code == 409 and r.json()["code"] == "GROUP_NOT_CONSTITUTABLE"
    r = await client.post(status, headers=t.headers, json={"status": "encerrado"})
    assert r.status_code == 409 and r.json()["code"] == "INVALID_GROUP_TRANSITION"
    for _ in range(2):
        await sell_ok(client, t, g["id"])
    r = await client.post(status, headers=t.headers, json={"status": "em_andamento"})
    assert r.status_code == 409 and "maior crédito" in r.json()["detail"]
    await sell_ok(client, t, g["id"])  # 3 quotas x 30,000 / 3 months pays one credit a month
    r = await client.post(status, headers=t.headers, json={"status": "em_andamento"})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "em_andamento" and r.json()["quotas_active"] == 3
    r = await client.post(status, headers=t.headers, json={"status": "em_andamento"})
    assert r.status_code == 409

    r = await client.post(status, headers=t.headers, json={"status": "encerrado"})
    assert r.status_code == 200 and r.json()["status"] == "encerrado"
    assert r.json()["quotas_active"] == 0
    quotas = (await client.get(f"{API}/{g['id']}/quotas", headers=t.headers)).json()
    assert {q["status"] for q in quotas["items"]} == {"encerrada"}
    r = await client.patch(f"{API}/{g['id']}", headers=t.headers, json={"name": "x"})
    assert r.status_code == 409


async def test_update_changes_only_non_rule_fields(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    t = await tenant(factory)
    g = await create_group(client, t)
    r = await client.patch(
        f"{API}/{g['id']}", headers=t.headers, json={"name": "Grupo Auto 50", "description": "x"}
    )
    assert r.status_code == 200 and r.json()["name"] == "Grupo Auto 50"
    r = await client.patch(f"{API}/{g['id']}", headers=t.headers, json={"term_months": 60})
    assert r.status_code == 422


async def test_group_not_constituted_in_90_days_cancels_quotas_and_owes_refunds(
    client: httpx.AsyncClient, factory: Factory, runtime: Runtime
) -> None:
    import uuid

    t = await tenant(factory)
    start = today_sp() - timedelta(days=95)
    g = await create_group(client, t, formation_started_on=start.isoformat())
    paying = await sell_ok(client, t, g["id"], sold_on=start.isoformat())
    await sell_ok(client, t, g["id"], sold_on=start.isoformat())
    async with runtime.db.unit_of_work(tenant_id=t.id) as session:
        await record_movement(
            session,
            uuid.UUID(paying["id"]),
            MovementDraft(
                kind="payment",
                source_ref="boleto:first",
                price=Decimal("30000.00"),
                installment_number=1,
                fc_pct=Decimal(2),
                ta_pct=Decimal("0.3"),
                fr_pct=Decimal("0.04"),
                fc_amount=Decimal("600.00"),
                ta_amount=Decimal("90.00"),
                fr_amount=Decimal("12.00"),
                effective_on=start,
            ),
        )

    assert await check_formations(runtime.db) == 1
    assert await check_formations(runtime.db) == 0  # flagged once
    detail = (await client.get(f"{API}/{g['id']}", headers=t.headers)).json()
    assert detail["formation_expired_on"] == today_sp().isoformat()
    assert detail["quotas_active"] == 0
    async with runtime.db.session(tenant_id=t.id, readonly=True) as session:
        refunds = list((await session.scalars(select(QuotaRefund))).all())
    assert sorted(str(r.amount) for r in refunds) == ["0.00", "702.00"]
    assert {r.reason for r in refunds} == {"grupo_nao_constituido"}
    assert "consorcio.group.formation_expired" in await _topics(runtime)

    status = f"{API}/{g['id']}/status"
    r = await client.post(status, headers=t.headers, json={"status": "em_andamento"})
    assert r.status_code == 409 and r.json()["code"] == "INVALID_GROUP_TRANSITION"
    holder = await create_consorciado(client, t)
    r = await sell(client, t, g["id"], holder["id"])
    assert r.status_code == 409 and r.json()["code"] == "QUOTA_SALE_NOT_ALLOWED"
    r = await client.post(status, headers=t.headers, json={"status": "encerrado"})
    assert r.status_code == 200 and r.json()["status"] == "encerrado"
