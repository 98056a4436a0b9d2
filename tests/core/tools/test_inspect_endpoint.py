"""``POST /api/v1/br/inspect`` answers what the CLI prints."""

from __future__ import annotations

import httpx

from lastro.br.boleto import build_boleto
from tests.conftest import Factory


async def test_inspect_boleto_and_errors(client: httpx.AsyncClient, factory: Factory) -> None:
    from datetime import date
    from decimal import Decimal

    tenant = await factory.tenant()
    boleto = build_boleto("341", date(2026, 12, 15), Decimal("1234.56"), "1" * 25)
    r = await client.post(
        "/api/v1/br/inspect",
        headers=tenant.headers,
        json={"text": boleto.linha_digitavel_formatada, "today": "2026-11-28"},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["kind"] == "boleto" and body["valid"] is True
    assert body["fields"]["amount"] == "1234.56"
    assert body["fields"]["due_date"] == "2026-12-15"
    assert body["fields"]["bank_code"] == "341"

    broken = (
        boleto.linha_digitavel[:9]
        + str((int(boleto.linha_digitavel[9]) + 1) % 10)
        + boleto.linha_digitavel[10:]
    )
    r = await client.post(
        "/api/v1/br/inspect", headers=tenant.headers, json={"text": broken, "today": "2026-11-28"}
    )
    body = r.json()
    assert body["valid"] is False and body["error"]["code"] and body["error"]["detail"]

    r = await client.post(
        "/api/v1/br/inspect", headers=tenant.headers, json={"text": "x", "today": "ontem"}
    )
    assert r.status_code == 422
    r = await client.post("/api/v1/br/inspect", json={"text": "x"})
    assert r.status_code == 401
