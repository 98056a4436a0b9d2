"""Shared by the foundation's tests (groups, consorciados, quotas): a runtime with the
consorcio module, tenants that have it enabled, and builders that go through the API."""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest

from lastro.br.documents import generate_cnpj, generate_cpf
from lastro.core.platform.service import tenant_cache
from lastro.core.runtime import Runtime
from lastro.main import build_runtime, stop_background
from lastro.settings import Settings
from tests.conftest import Factory, TenantHandle, truncate_all

RNG = random.Random(20261128)


@pytest.fixture
async def runtime(settings: Settings, database_urls: Any) -> AsyncIterator[Runtime]:
    tenant_cache.clear()
    rt = build_runtime(settings.model_copy(update={"enabled_modules": ["consorcio"]}))
    try:
        yield rt
    finally:
        await stop_background(rt)
        await truncate_all(database_urls.owner)
        tenant_cache.clear()


async def tenant(factory: Factory) -> TenantHandle:
    return await factory.tenant(modules=["consorcio"])


def cpf() -> str:
    return generate_cpf(RNG)


def cnpj(alphanumeric: bool = False) -> str:
    return generate_cnpj(RNG, alphanumeric=alphanumeric)


def rules(**overrides: Any) -> dict[str, Any]:
    """The ABAC example's contract: TA 15 %, FR 2 %, no insurance."""
    body: dict[str, Any] = {
        "admin_fee_pct": "15",
        "reserve_fund_pct": "2",
        "assembly_day": 20,
        "due_day": 10,
        "exclusion_threshold": 3,
        "bid_types": ["livre", "embutido"],
        "bid_rules": {"embutido_cap_pct": "30"},
        "reduced_plan": {"enabled": True, "fc_discount_pct": "25", "months": 12},
    }
    body.update(overrides)
    return body


def group_body(code: str | None = None, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "code": code or f"G{uuid.uuid4().hex[:6].upper()}",
        "segment": "automovel",
        "term_months": 50,
        "max_quotas": 200,
        "credit_values": ["30000.00"],
        "reference_asset": "Automóvel popular 1.0",
        "rules": rules(),
    }
    body.update(overrides)
    return body


async def create_group(
    client: httpx.AsyncClient, t: TenantHandle, **overrides: Any
) -> dict[str, Any]:
    r = await client.post(
        "/api/v1/consorcio/groups", headers=t.headers, json=group_body(**overrides)
    )
    assert r.status_code == 201, r.text
    data: dict[str, Any] = r.json()
    return data


async def create_consorciado(
    client: httpx.AsyncClient, t: TenantHandle, **overrides: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "document": cpf(),
        "name": "Maria da Silva",
        "email": "maria@example.com",
        "mobile": "(11) 98765-4321",
        "address": {
            "cep": "01310-100",
            "street": "Av. Paulista",
            "number": "1000",
            "district": "Bela Vista",
            "city": "São Paulo",
            "state": "SP",
        },
        "monthly_income": "8500.00",
        "lgpd_consent": True,
    }
    body.update(overrides)
    r = await client.post("/api/v1/consorcio/consorciados", headers=t.headers, json=body)
    assert r.status_code == 201, r.text
    data: dict[str, Any] = r.json()
    return data


async def sell(
    client: httpx.AsyncClient,
    t: TenantHandle,
    group_id: str,
    consorciado_id: str,
    **overrides: Any,
) -> httpx.Response:
    body: dict[str, Any] = {"consorciado_id": consorciado_id, "seller_code": "V01"}
    body.update(overrides)
    return await client.post(
        f"/api/v1/consorcio/groups/{group_id}/quotas", headers=t.headers, json=body
    )


async def sell_ok(
    client: httpx.AsyncClient, t: TenantHandle, group_id: str, **overrides: Any
) -> dict[str, Any]:
    holder = await create_consorciado(client, t)
    r = await sell(client, t, group_id, holder["id"], **overrides)
    assert r.status_code == 201, r.text
    data: dict[str, Any] = r.json()
    return data


def months_before(day: date, months: int) -> date:
    total = day.year * 12 + day.month - 1 - months
    return date(total // 12, total % 12 + 1, min(day.day, 28))


D = Decimal


async def fill_group(
    runtime: Runtime, tenant_id: uuid.UUID, group_id: str, count: int, sold_on: date
) -> list[uuid.UUID]:
    """Sell ``count`` quotas through the service in one transaction (no contract PDFs: fast
    set-up for groups that need members to be constituted)."""
    from lastro.modules.consorcio.consorciados.schemas import ConsorciadoCreate
    from lastro.modules.consorcio.consorciados.service import create_consorciado as new_holder
    from lastro.modules.consorcio.quotas.schemas import QuotaSale
    from lastro.modules.consorcio.quotas.service import sell_quota

    ids: list[uuid.UUID] = []
    async with runtime.db.unit_of_work(tenant_id=tenant_id) as session:
        holder = None
        for i in range(count):
            if i % 10 == 0:
                holder = await new_holder(
                    session, ConsorciadoCreate(document=cpf(), name=f"Cotista {i // 10 + 1}")
                )
            assert holder is not None
            quota = await sell_quota(
                session, uuid.UUID(group_id), QuotaSale(consorciado_id=holder.id, sold_on=sold_on)
            )
            ids.append(quota.id)
    return ids


async def running_group(
    client: httpx.AsyncClient,
    runtime: Runtime,
    t: TenantHandle,
    *,
    months_ago: int,
    members: int = 50,
    **overrides: Any,
) -> tuple[dict[str, Any], list[uuid.UUID]]:
    """A group constituted ``months_ago`` months back (installment ``months_ago + 1`` today)."""
    from lastro.kit.clock import today_sp

    start = months_before(today_sp(), months_ago)
    g = await create_group(client, t, formation_started_on=start.isoformat(), **overrides)
    ids = await fill_group(runtime, t.id, g["id"], members, start)
    r = await client.post(
        f"/api/v1/consorcio/groups/{g['id']}/status",
        headers=t.headers,
        json={"status": "em_andamento", "on": start.isoformat()},
    )
    assert r.status_code == 200, r.text
    return r.json(), ids
