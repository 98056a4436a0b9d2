"""Billing test helpers: a tenant with a collecting account and a running group."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx

from lastro.core.runtime import Runtime
from lastro.kit.clock import today_sp
from tests.conftest import Factory, TenantHandle
from tests.modules.consorcio.groups.support import running_group, tenant

BASE = "/api/v1/consorcio"


def account_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Itaú cobrança",
        "bank_code": "341",
        "agencia": "1234",
        "conta": "56789",
        "conta_dv": "0",
        "carteira": "109",
        "beneficiary_name": "Administradora Exemplo Ltda",
        "beneficiary_document": "11.222.333/0001-81",
        "beneficiary_city": "São Paulo",
        "pix_key": "11.222.333/0001-81",
        "pix_location_base": "https://pix.itau.example/qr/v2/cobv/",
    }
    body.update(overrides)
    return body


def month_of(day: date, offset: int = 0) -> str:
    index = day.year * 12 + day.month - 1 + offset
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


@dataclass
class Setup:
    t: TenantHandle
    account: dict[str, Any]
    group: dict[str, Any]
    quota_ids: list[str]


async def billing_setup(
    client: httpx.AsyncClient,
    runtime: Runtime,
    factory: Factory,
    *,
    months_ago: int = 2,
    members: int = 50,
) -> Setup:
    t = await tenant(factory)
    r = await client.post(f"{BASE}/billing/accounts", headers=t.headers, json=account_body())
    assert r.status_code == 201, r.text
    group, ids = await running_group(client, runtime, t, months_ago=months_ago, members=members)
    return Setup(t, r.json(), group, [str(i) for i in ids])


async def run_month(
    client: httpx.AsyncClient, t: TenantHandle, month: str, issue_date: date | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"month": month}
    if issue_date is not None:
        body["issue_date"] = issue_date.isoformat()
    r = await client.post(f"{BASE}/billing/runs", headers=t.headers, json=body)
    assert r.status_code == 202, r.text
    data: dict[str, Any] = r.json()
    return data


def this_month() -> str:
    return month_of(today_sp())
