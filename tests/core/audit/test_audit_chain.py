"""The audit log records who did what, and any tampering breaks its hash chain."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy import Uuid, bindparam, select, text

from lastro.core.audit.models import AuditRecord
from lastro.core.audit.service import verify_chain
from lastro.core.runtime import Runtime
from tests.conftest import Factory


async def _verify(runtime: Runtime, tenant_id: object) -> list[str]:
    async with runtime.db.unit_of_work(platform=True) as session:
        return (await verify_chain(session, tenant_id)).problems  # type: ignore[arg-type]


async def _raw(runtime: Runtime, sql: str, **params: object) -> None:
    """Tamper with the table directly, as someone with database access would."""
    stmt = text(sql).bindparams(
        *[bindparam(k, type_=Uuid()) for k, v in params.items() if isinstance(v, uuid.UUID)]
    )
    async with runtime.db.unit_of_work(platform=True) as session:
        await session.execute(stmt, params)


async def test_records_carry_actor_request_and_client(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    tenant = await factory.tenant()
    await client.post(
        "/api/v1/auth/logout",
        headers={**tenant.headers, "X-Request-Id": "req-42", "User-Agent": "teste/1.0"},
        json={"refresh_token": tenant.refresh_token},
    )
    body = (await client.get("/api/v1/audit", headers=tenant.headers)).json()
    newest = body["items"][0]
    assert newest["action"] == "auth.logout"
    assert newest["request_id"] == "req-42"
    assert newest["ip"] == "203.0.113.7"
    assert newest["user_agent"] == "teste/1.0"
    assert newest["actor_kind"] == "user"
    seqs = [item["seq"] for item in body["items"]]
    assert seqs == sorted(seqs, reverse=True)


async def test_audit_pagination_by_page_and_cursor(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    tenant = await factory.tenant()
    for i in range(4):
        await factory.user(tenant.id, email=f"u{i}@x.example")
    first = (await client.get("/api/v1/audit?limit=2", headers=tenant.headers)).json()
    assert first["total"] >= 6 and len(first["items"]) == 2
    second = (
        await client.get(
            f"/api/v1/audit?limit=2&cursor={first['next_cursor']}", headers=tenant.headers
        )
    ).json()
    page2 = (await client.get("/api/v1/audit?limit=2&page=2", headers=tenant.headers)).json()
    assert [i["seq"] for i in second["items"]] == [i["seq"] for i in page2["items"]]
    bad = await client.get("/api/v1/audit?cursor=@@@", headers=tenant.headers)
    assert bad.status_code == 422 and bad.json()["code"] == "INVALID_CURSOR"


async def test_operator_cannot_read_audit(client: httpx.AsyncClient, factory: Factory) -> None:
    tenant = await factory.tenant(role="operator")
    r = await client.get("/api/v1/audit", headers=tenant.headers)
    assert r.status_code == 403 and r.json()["code"] == "PERMISSION_DENIED"


async def test_chain_verifies_and_detects_tampering(runtime: Runtime, factory: Factory) -> None:
    tenant = await factory.tenant()
    for i in range(5):
        await factory.user(tenant.id, email=f"v{i}@x.example")
    assert await _verify(runtime, tenant.id) == []

    async with runtime.db.unit_of_work(platform=True) as session:
        records = list(
            (
                await session.scalars(
                    select(AuditRecord)
                    .where(AuditRecord.tenant_id == tenant.id)
                    .order_by(AuditRecord.seq)
                )
            ).all()
        )
    assert len(records) >= 7
    target = records[3]

    # altered
    await _raw(runtime, "UPDATE audit_records SET action = 'x' WHERE id = :id", id=target.id)
    assert any("alterado" in p for p in await _verify(runtime, tenant.id))
    await _raw(
        runtime,
        "UPDATE audit_records SET action = :a WHERE id = :id",
        a=target.action,
        id=target.id,
    )
    assert await _verify(runtime, tenant.id) == []

    # reordered: swap two sequence numbers
    x, y = records[1], records[2]
    await _raw(runtime, "UPDATE audit_records SET seq = -1 WHERE id = :id", id=x.id)
    await _raw(runtime, "UPDATE audit_records SET seq = :s WHERE id = :id", s=x.seq, id=y.id)
    await _raw(runtime, "UPDATE audit_records SET seq = :s WHERE id = :id", s=y.seq, id=x.id)
    assert await _verify(runtime, tenant.id) != []
    await _raw(runtime, "UPDATE audit_records SET seq = -1 WHERE id = :id", id=x.id)
    await _raw(runtime, "UPDATE audit_records SET seq = :s WHERE id = :id", s=y.seq, id=y.id)
    await _raw(runtime, "UPDATE audit_records SET seq = :s WHERE id = :id", s=x.seq, id=x.id)
    assert await _verify(runtime, tenant.id) == []

    # removed from the middle, then from the end
    await _raw(runtime, "DELETE FROM audit_records WHERE id = :id", id=target.id)
    assert await _verify(runtime, tenant.id) != []
    last = records[-1]
    await _raw(
        runtime,
        "DELETE FROM audit_records WHERE tenant_id = :t AND seq >= :s",
        t=tenant.id,
        s=target.seq,
    )
    problems = await _verify(runtime, tenant.id)
    assert any("cabeça" in p for p in problems), problems
    assert last.seq > target.seq
