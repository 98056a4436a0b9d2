"""Support tickets through the HTTP API: numbering, the status flow, messages, TICKET_CLOSED,
who sees what, attachments, and the tenant-isolation walk."""

from __future__ import annotations

import asyncio
import re

import pytest

from lastro.core.runtime import Runtime
from lastro.kit.clock import utcnow
from tests.architecture.isolation import IsolationCase, assert_tenant_isolation
from tests.modules.banking.accounts.support import API, Bank

T = f"{API}/support/tickets"


async def _open(bank: Bank, headers: dict[str, str], **extra: object) -> dict[str, object]:
    body = {
        "category": "card",
        "subject": "Compra não reconhecida",
        "description": "Não fiz.",
        **extra,
    }
    r = await bank.client.post(T, json=body, headers=headers)
    assert r.status_code == 201, r.text
    data: dict[str, object] = r.json()
    return data


async def test_numbering_flow_and_closed_ticket(bank: Bank) -> None:
    _, customer = await bank.holder()
    first = await _open(bank, customer)
    second = await _open(bank, customer, priority="urgent", category="pix")
    year = utcnow().year
    assert first["number"] == f"TKT-{year}-00001" and second["number"] == f"TKT-{year}-00002"
    assert first["status"] == "OPEN" and second["priority"] == "urgent"
    tid = first["id"]

    # invalid jumps are refused; the customer cannot move an open ticket
    r = await bank.client.post(f"{T}/{tid}/status", json={"status": "RESOLVED"}, headers=bank.admin)
    assert r.status_code == 409 and r.json()["code"] == "INVALID_STATUS_TRANSITION"
    r = await bank.client.post(
        f"{T}/{tid}/status", json={"status": "IN_PROGRESS"}, headers=customer
    )
    assert r.status_code == 409

    # a staff answer takes it into work and assigns it
    r = await bank.client.post(
        f"{T}/{tid}/messages", json={"body": "Estamos vendo."}, headers=bank.admin
    )
    assert r.status_code == 201 and r.json()["author_kind"] == "staff"
    detail = (await bank.client.get(f"{T}/{tid}", headers=customer)).json()
    assert detail["status"] == "IN_PROGRESS" and detail["assignee_id"] is not None
    for step in ("WAITING", "RESOLVED"):
        r = await bank.client.post(f"{T}/{tid}/status", json={"status": step}, headers=bank.admin)
        assert r.status_code == 200 and r.json()["status"] == step
    # the customer closes the resolved ticket
    r = await bank.client.post(f"{T}/{tid}/status", json={"status": "CLOSED"}, headers=customer)
    assert r.status_code == 200 and r.json()["closed_at"]
    for who in (customer, bank.admin):
        r = await bank.client.post(f"{T}/{tid}/messages", json={"body": "mais uma"}, headers=who)
        assert r.status_code == 409 and r.json()["code"] == "TICKET_CLOSED"
    r = await bank.client.post(
        f"{T}/{tid}/status", json={"status": "IN_PROGRESS"}, headers=bank.admin
    )
    assert r.status_code == 409
    messages = (await bank.client.get(f"{T}/{tid}", headers=customer)).json()["messages"]
    assert [m["body"] for m in messages] == ["Estamos vendo."]


async def test_customer_reply_brings_waiting_ticket_back(bank: Bank) -> None:
    _, customer = await bank.holder()
    t = await _open(bank, customer)
    staff_id = await bank.factory.user(bank.tenant.id, email="agente@x.example", role="agent")
    r = await bank.client.post(
        f"{T}/{t['id']}/assign", json={"assignee_id": str(staff_id)}, headers=bank.admin
    )
    assert r.status_code == 200 and r.json()["status"] == "IN_PROGRESS"
    assert r.json()["assignee_id"] == str(staff_id)
    await bank.client.post(f"{T}/{t['id']}/status", json={"status": "WAITING"}, headers=bank.admin)
    r = await bank.client.post(
        f"{T}/{t['id']}/messages", json={"body": "Segue o comprovante"}, headers=customer
    )
    assert r.status_code == 201 and r.json()["author_kind"] == "customer"
    assert (await bank.client.get(f"{T}/{t['id']}", headers=customer)).json()[
        "status"
    ] == "IN_PROGRESS"
    # a customer cannot be the assignee; customers cannot assign
    cust_id, _ = await bank.holder()
    r = await bank.client.post(
        f"{T}/{t['id']}/assign", json={"assignee_id": str(cust_id)}, headers=bank.admin
    )
    assert r.status_code == 422 and r.json()["code"] == "INVALID_ASSIGNEE"
    r = await bank.client.post(
        f"{T}/{t['id']}/assign", json={"assignee_id": None}, headers=customer
    )
    assert r.status_code == 403


async def test_customers_see_only_their_tickets(bank: Bank) -> None:
    _, alice = await bank.holder()
    _, bob = await bank.holder()
    a = await _open(bank, alice)
    await _open(bank, bob)
    mine = (await bank.client.get(T, headers=alice)).json()
    assert [t["id"] for t in mine["items"]] == [a["id"]]
    r = await bank.client.get(f"{T}/{a['id']}", headers=bob)
    assert r.status_code == 404 and r.json()["code"] == "TICKET_NOT_FOUND"
    r = await bank.client.post(f"{T}/{a['id']}/messages", json={"body": "oi"}, headers=bob)
    assert r.status_code == 404
    queue = (await bank.client.get(T, params={"status": "OPEN"}, headers=bank.admin)).json()
    assert queue["total"] == 2


async def test_attachments_are_core_documents(bank: Bank) -> None:
    _, customer = await bank.holder()
    r = await bank.client.post(
        "/api/v1/documents",
        files={"file": ("extrato.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")},
        headers=bank.admin,
    )
    assert r.status_code == 201, r.text
    doc = r.json()["id"]
    t = await _open(bank, bank.admin, attachments=[doc])
    assert [a["document_id"] for a in t["attachments"]] == [doc]  # type: ignore[union-attr]
    r = await bank.client.post(
        T,
        json={
            "category": "other",
            "subject": "abc",
            "description": "x",
            "attachments": ["0191d9a0-0000-7000-8000-000000000000"],
        },
        headers=customer,
    )
    assert r.status_code == 422


async def test_concurrent_numbering_is_unique(bank: Bank, db_backend: str) -> None:
    if db_backend != "postgres":
        pytest.skip("true concurrency needs PostgreSQL")
    _, customer = await bank.holder()
    results = await asyncio.gather(*(_open(bank, customer) for _ in range(12)))
    numbers = sorted(str(t["number"]) for t in results)
    assert len(set(numbers)) == 12
    assert [int(re.sub(r".*-", "", n)) for n in numbers] == list(range(1, 13))


async def test_staff_pages(bank: Bank, runtime: Runtime) -> None:
    _, customer = await bank.holder()
    t = await _open(bank, customer)
    bank.client.cookies.set("lastro_access", bank.tenant.access_token)
    try:
        r = await bank.client.get("/banking/support/queue")
        assert r.status_code == 200 and t["number"] in r.text
        r = await bank.client.get(f"/banking/support/tickets/{t['id']}")
        assert r.status_code == 200 and "Compra não reconhecida" in r.text
    finally:
        bank.client.cookies.clear()


async def test_tenant_isolation(bank: Bank) -> None:
    _, customer = await bank.holder()
    t = await _open(bank, customer)
    await bank.client.post(f"{T}/{t['id']}/messages", json={"body": "x"}, headers=bank.admin)
    other = await bank.factory.tenant(modules=["banking"])
    app = bank.client._transport.app  # type: ignore[attr-defined]
    report = await assert_tenant_isolation(
        IsolationCase(
            app=app,
            client=bank.client,
            owner_headers=bank.admin,
            intruder_headers=other.headers,
            resources={"ticket_id": str(t["id"])},
            bodies={
                ("POST", "/api/v1/banking/support/tickets/{ticket_id}/messages"): {
                    "body": "invasão"
                },
                ("POST", "/api/v1/banking/support/tickets/{ticket_id}/status"): {
                    "status": "IN_PROGRESS"
                },
                ("POST", "/api/v1/banking/support/tickets/{ticket_id}/assign"): {
                    "assignee_id": None
                },
            },
            only_prefixes=("/api/v1/banking/support",),
        )
    )
    assert "POST /api/v1/banking/support/tickets/{ticket_id}/messages" in report.checked


async def test_page_forms_open_reply_and_move(bank: Bank) -> None:
    _, customer = await bank.holder()
    client = bank.client
    client.cookies.set("lastro_access", customer["Authorization"].split()[1])
    try:
        page = await client.get("/banking/support")
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert page.status_code == 200 and csrf is not None
        form = {
            "csrf": csrf.group(1),
            "subject": "Cartão não chegou",
            "category": "card",
            "priority": "high",
            "description": "Pedi há 20 dias.",
        }
        r = await client.post("/banking/support", data=form)
        assert r.status_code == 303 and r.headers["location"].startswith(
            "/banking/support/tickets/"
        )
        ticket_url = r.headers["location"]
        r = await client.post("/banking/support", data={**form, "csrf": "forjado"})
        assert r.status_code == 303 and "erro=" in r.headers["location"]
        r = await client.post(
            f"{ticket_url}/messages", data={"csrf": csrf.group(1), "body": "Alguma novidade?"}
        )
        assert r.status_code == 303 and r.headers["location"] == ticket_url
        page = await client.get(ticket_url)
        assert "Cartão não chegou" in page.text and "Alguma novidade?" in page.text
        # the customer cannot move an open ticket: the page shows why
        r = await client.post(
            f"{ticket_url}/status", data={"csrf": csrf.group(1), "status": "RESOLVED"}
        )
        assert "erro=" in r.headers["location"]
        client.cookies.set("lastro_access", bank.tenant.access_token)
        r = await client.post(
            f"{ticket_url}/status", data={"csrf": csrf.group(1), "status": "IN_PROGRESS"}
        )
        assert r.headers["location"] == ticket_url
        mine = (await client.get(T, headers=customer)).json()["items"]
        assert (
            len(mine) == 1 and mine[0]["status"] == "IN_PROGRESS" and mine[0]["priority"] == "high"
        )
    finally:
        client.cookies.clear()
