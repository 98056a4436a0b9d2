"""Shared steps of the LGPD tests: open and execute requests through the API."""

from __future__ import annotations

import io
import uuid
import zipfile
from typing import Any

import httpx
import orjson

from lastro.core.ledger.service import ledger_service
from lastro.core.runtime import Runtime

BASE = "/api/v1/lgpd"
CPF = "529.982.247-25"
CPF_DIGITS = "52998224725"
OTHER_CPF = "11144477735"


async def open_request(
    client: httpx.AsyncClient, headers: dict[str, str], **body: Any
) -> dict[str, Any]:
    r = await client.post(f"{BASE}/requests", headers=headers, json=body)
    assert r.status_code == 201, r.text
    data: dict[str, Any] = r.json()
    return data


async def execute(
    client: httpx.AsyncClient, headers: dict[str, str], request_id: str
) -> dict[str, Any]:
    r = await client.post(f"{BASE}/requests/{request_id}/execute", headers=headers)
    assert r.status_code == 200, r.text
    data: dict[str, Any] = r.json()
    assert data["status"] == "completed"
    return data


async def download(
    client: httpx.AsyncClient, headers: dict[str, str], request_id: str
) -> dict[str, Any]:
    """The export ZIP as ``{file name: parsed JSON}``."""
    r = await client.get(f"{BASE}/requests/{request_id}/export", headers=headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/zip"
    assert f"lgpd-{request_id}.zip" in r.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(r.content)) as archive:
        return {name: orjson.loads(archive.read(name)) for name in archive.namelist()}


async def open_user_account(runtime: Runtime, tenant_id: uuid.UUID, user_id: uuid.UUID) -> None:
    """A ledger account owned by the user, as a module would open for a customer."""
    async with runtime.db.unit_of_work(tenant_id=tenant_id) as session:
        book = await ledger_service.open_ledger(
            session,
            code=f"carteira-{user_id.hex[:8]}",
            name="Carteira",
            module="tests",
            owner_ref=f"user:{user_id}",
        )
        await ledger_service.open_account(
            session,
            ledger_id=book.id,
            code="saldo",
            name="Saldo do cliente",
            type="liability",
            owner_ref=f"user:{user_id}",
        )
