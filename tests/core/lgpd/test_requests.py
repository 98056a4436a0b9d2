"""Data-subject requests end to end through the API: export from every source, rectification,
erasure that keeps what the law requires, deadlines and overdue requests."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from lastro.contracts.lgpd import (
    DataSubject,
    ErasureOutcome,
    SubjectRecord,
    register_source,
    unregister_source,
)
from lastro.core.auth.models import RefreshToken
from lastro.core.ledger.models import LedgerAccount
from lastro.core.lgpd.models import DataSubjectRequest
from lastro.core.runtime import Runtime
from lastro.infra.database import bound_tenant
from lastro.kit.clock import utcnow
from tests.conftest import TEST_PASSWORD, Factory, login
from tests.core.lgpd.helpers import (
    BASE,
    CPF,
    CPF_DIGITS,
    OTHER_CPF,
    download,
    execute,
    open_request,
    open_user_account,
)


class NotesSource:
    """A module's source, as a business module would register it (test-only)."""

    name = "test_notes"

    def __init__(self) -> None:
        self.tenants: list[uuid.UUID | None] = []
        self.changes: list[Mapping[str, str]] = []
        self.erased: list[DataSubject] = []

    async def collect(self, session: AsyncSession, subject: DataSubject) -> list[SubjectRecord]:
        self.tenants.append(bound_tenant(session))
        return [
            SubjectRecord(
                category="anotações",
                description="Anotação do atendimento",
                data={"cpf": subject.cpf, "valor": Decimal("10.50"), "dia": date(2026, 11, 2)},
                legal_basis="Execução de contrato (LGPD art. 7º, V)",
                erasable=True,
            )
        ]

    async def rectify(
        self, session: AsyncSession, subject: DataSubject, changes: Mapping[str, str]
    ) -> list[str]:
        self.changes.append(dict(changes))
        return ["anotação corrigida"] if "address" in changes else []

    async def erase(self, session: AsyncSession, subject: DataSubject) -> ErasureOutcome:
        self.erased.append(subject)
        return ErasureOutcome(erased=1)


@pytest.fixture
def notes() -> Iterator[NotesSource]:
    source = NotesSource()
    register_source(source)
    try:
        yield source
    finally:
        unregister_source(source.name)


async def test_export_collects_from_every_registered_source(
    client: httpx.AsyncClient, factory: Factory, runtime: Runtime, notes: NotesSource
) -> None:
    tenant = await factory.tenant()
    user_id = await factory.user(tenant.id, email="ana@exemplo.com.br", cpf=CPF)
    await login(client, CPF, tenant=tenant.slug)
    await open_user_account(runtime, tenant.id, user_id)
    r = await client.post(
        f"{BASE}/consents",
        headers=tenant.headers,
        json={"cpf": CPF, "purpose": "marketing", "text_version": "v1", "channel": "site"},
    )
    assert r.status_code == 201, r.text

    request = await open_request(client, tenant.headers, kind="access", cpf=CPF, channel="email")
    assert request["status"] == "open" and not request["export_available"]
    done = await execute(client, tenant.headers, request["id"])
    assert done["export_available"] and done["outcome"]["deadline_met"] is True
    counts = {name: s["records"] for name, s in done["outcome"]["sources"].items()}
    assert counts["users"] == 2  # the account and its login session
    assert counts["ledger"] == 2 and counts["consents"] == 1 and counts["audit"] == 1
    assert counts["test_notes"] == 1 and counts["requests"] == 1
    assert notes.tenants == [tenant.id]  # the module's source ran bound to the tenant

    files = await download(client, tenant.headers, request["id"])
    # sources register once imported: installed modules built earlier in the run add theirs
    assert set(files) >= {
        "manifest.json",
        "users.json",
        "audit.json",
        "consents.json",
        "ledger.json",
        "notifications.json",
        "requests.json",
        "test_notes.json",
    }
    assert files["manifest.json"]["subject"] == {"cpf": CPF_DIGITS, "email": None}
    account = files["users.json"][0]
    assert account["data"]["email"] == "ana@exemplo.com.br" and account["erasable"] is True
    assert files["users.json"][1]["category"] == "sessões"
    assert files["users.json"][1]["data"]["ip"] == "203.0.113.7"
    assert files["test_notes.json"][0]["data"] == {
        "cpf": CPF_DIGITS,
        "valor": "10.50",
        "dia": "2026-11-02",
    }
    ledger = files["ledger.json"]
    assert {r["category"] for r in ledger} == {"financeiro"}
    assert all(not r["erasable"] and "art. 16" in r["retention"] for r in ledger)
    assert any(r["data"].get("balance") == "0.00" for r in ledger)
    actions = [e["action"] for e in files["audit.json"][0]["data"]["entries"]]
    assert "user.created" in actions and "auth.login" in actions

    audit = await client.get("/api/v1/audit?resource_type=lgpd_request", headers=tenant.headers)
    assert audit.status_code == 200
    seen = {item["action"] for item in audit.json()["items"]}
    assert {"lgpd.request.opened", "lgpd.request.completed", "lgpd.export.downloaded"} <= seen
    assert CPF_DIGITS not in audit.text  # the audit log names the titular only masked


async def test_export_is_only_for_completed_access_requests(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    tenant = await factory.tenant()
    request = await open_request(client, tenant.headers, kind="access", email="x@exemplo.com")
    r = await client.get(f"{BASE}/requests/{request['id']}/export", headers=tenant.headers)
    assert r.status_code == 404 and r.json()["code"] == "LGPD_EXPORT_NOT_AVAILABLE"
    done = await execute(client, tenant.headers, request["id"])
    counts = {name: s["records"] for name, s in done["outcome"]["sources"].items()}
    assert counts.pop("requests") == 1  # the request itself
    assert set(counts.values()) == {0}
    r = await client.post(f"{BASE}/requests/{request['id']}/execute", headers=tenant.headers)
    assert r.status_code == 409 and r.json()["code"] == "LGPD_REQUEST_CLOSED"


async def test_rectification_changes_the_user(
    client: httpx.AsyncClient, factory: Factory, runtime: Runtime, notes: NotesSource
) -> None:
    tenant = await factory.tenant()
    user_id = await factory.user(tenant.id, email="ana@exemplo.com.br", cpf=CPF)
    request = await open_request(
        client,
        tenant.headers,
        kind="rectification",
        email="ANA@exemplo.com.br",
        changes={"name": "Ana Souza", "email": "Ana.Souza@Exemplo.com.br", "address": "Rua A, 1"},
    )
    assert request["changes"]["email"] == "ana.souza@exemplo.com.br"
    done = await execute(client, tenant.headers, request["id"])
    applied = done["outcome"]["applied"]
    assert set(applied) == {"users", "test_notes"}
    assert "nome" in applied["users"][0] and "e-mail" in applied["users"][0]
    assert notes.changes[0]["address"] == "Rua A, 1"

    r = await client.get(f"/api/v1/users/{user_id}", headers=tenant.headers)
    assert r.json()["name"] == "Ana Souza" and r.json()["email"] == "ana.souza@exemplo.com.br"
    assert r.json()["cpf"] == CPF_DIGITS
    await login(client, "ana.souza@exemplo.com.br", tenant=tenant.slug)

    # a correction to an identifier another user holds is refused and changes nothing
    await factory.user(tenant.id, email="bia@exemplo.com.br", cpf=OTHER_CPF)
    clash = await open_request(
        client, tenant.headers, kind="rectification", cpf=CPF, changes={"cpf": OTHER_CPF}
    )
    r = await client.post(f"{BASE}/requests/{clash['id']}/execute", headers=tenant.headers)
    assert r.status_code == 409 and r.json()["code"] == "USER_EXISTS"
    r = await client.get(f"{BASE}/requests/{clash['id']}", headers=tenant.headers)
    assert r.json()["status"] == "open"


async def test_erasure_anonymises_the_user_and_keeps_what_the_law_requires(
    client: httpx.AsyncClient, factory: Factory, runtime: Runtime, notes: NotesSource
) -> None:
    tenant = await factory.tenant()
    user_id = await factory.user(tenant.id, email="ana@exemplo.com.br", cpf=CPF)
    tokens = await login(client, CPF, tenant=tenant.slug)
    await open_user_account(runtime, tenant.id, user_id)
    r = await client.post(
        f"{BASE}/consents",
        headers=tenant.headers,
        json={"email": "ana@exemplo.com.br", "purpose": "marketing", "text_version": "v1"},
    )
    consent_id = r.json()["id"]
    before = (await client.get("/api/v1/audit", headers=tenant.headers)).json()["total"]

    request = await open_request(
        client, tenant.headers, kind="erasure", cpf=CPF, email="ana@exemplo.com.br"
    )
    done = await execute(client, tenant.headers, request["id"])
    sources = done["outcome"]["sources"]
    assert sources["users"]["anonymised"] == 1 and sources["users"]["erased"] == 1
    assert sources["audit"]["kept"] >= 2 and "art. 37" in sources["audit"]["kept_reasons"][0]
    assert sources["ledger"]["kept"] == 2 and "art. 16" in sources["ledger"]["kept_reasons"][0]
    assert sources["consents"]["kept"] == 1 and "art. 8º" in sources["consents"]["kept_reasons"][0]
    assert sources["test_notes"]["erased"] == 1
    totals = done["outcome"]["totals"]
    assert totals["anonymised"] == 1 and totals["kept"] >= 5 and len(totals["kept_reasons"]) >= 3
    # the module source still found the person: the user account is anonymised last
    assert notes.erased == [DataSubject(cpf=CPF_DIGITS, email="ana@exemplo.com.br")]

    user = (await client.get(f"/api/v1/users/{user_id}", headers=tenant.headers)).json()
    assert user["name"] == "Titular anonimizado" and user["cpf"] is None
    assert user["email"].endswith("@anonimizado.invalid") and user["is_active"] is False
    for username in (CPF, "ana@exemplo.com.br", user["email"]):
        r = await client.post(
            "/api/v1/auth/login",
            headers={"X-Tenant": tenant.slug},
            json={"username": username, "password": TEST_PASSWORD},
        )
        assert r.status_code == 401, username
    r = await client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert r.status_code == 401

    consent = (await client.get(f"{BASE}/consents/{consent_id}", headers=tenant.headers)).json()
    assert consent["active"] is False and consent["revocation_channel"] == "lgpd"
    async with runtime.db.unit_of_work(tenant_id=tenant.id) as session:
        owned = await session.scalar(
            select(LedgerAccount.id).where(LedgerAccount.owner_ref == f"user:{user_id}")
        )
        assert owned is not None  # financial records stay
        assert (
            await session.scalar(select(RefreshToken.id).where(RefreshToken.user_id == user_id))
            is None
        )
    after = (await client.get("/api/v1/audit", headers=tenant.headers)).json()["total"]
    assert after > before  # nothing was removed from the audit log; the erasure was added

    # exporting again finds nothing that identifies the person
    again = await open_request(client, tenant.headers, kind="access", cpf=CPF)
    done = await execute(client, tenant.headers, again["id"])
    assert done["outcome"]["sources"]["users"]["records"] == 0


async def test_erasing_keeps_the_other_tenants_person(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    a = await factory.tenant()
    b = await factory.tenant()
    user_a = await factory.user(a.id, email="ana@exemplo.com.br", cpf=CPF)
    await factory.user(b.id, email="ana@exemplo.com.br", cpf=CPF)
    request = await open_request(client, b.headers, kind="anonymisation", cpf=CPF)
    done = await execute(client, b.headers, request["id"])
    assert done["outcome"]["sources"]["users"]["anonymised"] == 1
    r = await client.get(f"/api/v1/users/{user_a}", headers=a.headers)
    assert r.json()["cpf"] == CPF_DIGITS and r.json()["is_active"] is True
    await login(client, CPF, tenant=a.slug)


async def test_the_only_admin_is_not_anonymised(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    tenant = await factory.tenant()
    request = await open_request(client, tenant.headers, kind="erasure", email=tenant.admin_email)
    r = await client.post(f"{BASE}/requests/{request['id']}/execute", headers=tenant.headers)
    assert r.status_code == 409 and r.json()["code"] == "LGPD_LAST_ADMIN"
    await factory.user(tenant.id, email="outra@exemplo.com.br", role="tenant_admin")
    done = await execute(client, tenant.headers, request["id"])
    assert done["outcome"]["sources"]["users"]["anonymised"] == 1


async def test_deadline_and_overdue_listing(
    client: httpx.AsyncClient, factory: Factory, runtime: Runtime
) -> None:
    tenant = await factory.tenant()
    fresh = await open_request(client, tenant.headers, kind="access", cpf=CPF)
    assert _ts(fresh["deadline"]) - _ts(fresh["opened_at"]) == timedelta(days=15)
    late = await open_request(client, tenant.headers, kind="erasure", email="a@exemplo.com")
    opened = utcnow() - timedelta(days=20)
    async with runtime.db.unit_of_work(tenant_id=tenant.id) as session:
        await session.execute(
            update(DataSubjectRequest)
            .where(DataSubjectRequest.id == uuid.UUID(late["id"]))
            .values(opened_at=opened, deadline=opened + timedelta(days=15))
        )

    r = await client.get(f"{BASE}/requests?overdue=true", headers=tenant.headers)
    assert [i["id"] for i in r.json()["items"]] == [late["id"]]
    assert r.json()["items"][0]["overdue"] is True
    r = await client.get(f"{BASE}/requests?overdue=false", headers=tenant.headers)
    assert [i["id"] for i in r.json()["items"]] == [fresh["id"]]
    r = await client.get(f"{BASE}/requests?status=open", headers=tenant.headers)
    assert r.json()["total"] == 2

    r = await client.post(f"{BASE}/requests/{late['id']}/start", headers=tenant.headers)
    assert r.json()["status"] == "in_progress" and r.json()["overdue"] is True
    r = await client.get(f"{BASE}/requests?overdue=true", headers=tenant.headers)
    assert r.json()["total"] == 1  # in progress is still pending
    done = await execute(client, tenant.headers, late["id"])
    assert done["outcome"]["deadline_met"] is False and done["overdue"] is False
    r = await client.get(f"{BASE}/requests?overdue=true", headers=tenant.headers)
    assert r.json()["total"] == 0
    r = await client.get(f"{BASE}/requests?status=completed&kind=erasure", headers=tenant.headers)
    assert r.json()["total"] == 1


async def test_refusal_is_recorded_with_its_reason(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    tenant = await factory.tenant()
    request = await open_request(client, tenant.headers, kind="erasure", cpf=CPF)
    url = f"{BASE}/requests/{request['id']}/refuse"
    r = await client.post(url, headers=tenant.headers, json={})
    assert r.status_code == 422
    r = await client.post(
        url, headers=tenant.headers, json={"reason": "Identidade do titular não confirmada."}
    )
    assert r.status_code == 200
    assert r.json()["status"] == "refused" and r.json()["completed_at"] is not None
    assert r.json()["refusal_reason"] == "Identidade do titular não confirmada."
    r = await client.post(f"{BASE}/requests/{request['id']}/execute", headers=tenant.headers)
    assert r.status_code == 409


async def test_consent_revocation_request_revokes_the_chosen_purposes(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    tenant = await factory.tenant()
    for purpose in ("marketing", "parceiros", "pesquisa"):
        r = await client.post(
            f"{BASE}/consents",
            headers=tenant.headers,
            json={"cpf": CPF, "purpose": purpose, "text_version": "v1"},
        )
        assert r.status_code == 201
    request = await open_request(
        client,
        tenant.headers,
        kind="consent_revocation",
        cpf=CPF,
        purposes=["marketing", "parceiros"],
    )
    done = await execute(client, tenant.headers, request["id"])
    assert done["outcome"]["revoked"] == 2
    assert done["outcome"]["purposes"] == ["marketing", "parceiros"]
    items = (await client.get(f"{BASE}/consents?cpf={CPF}", headers=tenant.headers)).json()
    active = {i["purpose"]: i["active"] for i in items["items"]}
    assert active == {"marketing": False, "parceiros": False, "pesquisa": True}


async def test_invalid_input_is_a_problem(client: httpx.AsyncClient, factory: Factory) -> None:
    tenant = await factory.tenant()
    cases = [
        ({"kind": "access", "cpf": "529.982.247-24"}, "INVALID_CPF"),
        ({"kind": "access", "cpf": "111.111.111-11"}, "INVALID_CPF"),
        ({"kind": "access"}, "LGPD_SUBJECT_REQUIRED"),
        ({"kind": "access", "email": "não é e-mail"}, "INVALID_EMAIL"),
        ({"kind": "rectification", "cpf": CPF}, "LGPD_INVALID_REQUEST"),
        ({"kind": "rectification", "cpf": CPF, "changes": {"cpf": "123"}}, "INVALID_CPF"),
        ({"kind": "access", "cpf": CPF, "changes": {"name": "x"}}, "LGPD_INVALID_REQUEST"),
        ({"kind": "access", "cpf": CPF, "purposes": ["marketing"]}, "LGPD_INVALID_REQUEST"),
        ({"kind": "esquecer", "cpf": CPF}, "VALIDATION_ERROR"),
    ]
    for body, code in cases:
        r = await client.post(f"{BASE}/requests", headers=tenant.headers, json=body)
        assert r.status_code == 422, body
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["code"] == code, (body, r.json())
    r = await client.post(
        f"{BASE}/consents",
        headers=tenant.headers,
        json={"cpf": "000.000.000-01", "purpose": "marketing", "text_version": "v1"},
    )
    assert r.status_code == 422 and r.json()["code"] == "INVALID_CPF"
    r = await client.get(f"{BASE}/consents?cpf=123", headers=tenant.headers)
    assert r.status_code == 422 and r.json()["code"] == "INVALID_CPF"
    r = await client.get(f"{BASE}/requests/{uuid.uuid4()}", headers=tenant.headers)
    assert r.status_code == 404 and r.json()["code"] == "LGPD_REQUEST_NOT_FOUND"


async def test_only_tenant_admins_handle_requests(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    tenant = await factory.tenant()
    await factory.user(tenant.id, email="op@exemplo.com.br", role="manager")
    tokens = await login(client, "op@exemplo.com.br", tenant=tenant.slug)
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    r = await client.get(f"{BASE}/requests", headers=headers)
    assert r.status_code == 403
    r = await client.post(f"{BASE}/requests", headers=headers, json={"kind": "access", "cpf": CPF})
    assert r.status_code == 403
    r = await client.get(f"{BASE}/consents", headers=headers)
    assert r.status_code == 403


def _ts(value: str) -> datetime:
    return datetime.fromisoformat(value)
