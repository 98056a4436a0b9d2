"""Every documents route passes the tenant-isolation walk; signed links stay within their
tenant too."""

from __future__ import annotations

import httpx

from lastro.core.documents.links import sign_link
from tests.architecture.isolation import IsolationCase, assert_tenant_isolation
from tests.conftest import Factory
from tests.core.documents.helpers import PDF, upload


async def test_documents_routes_isolate_tenants(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    a = await factory.tenant()
    b = await factory.tenant()
    doc = (await upload(client, a.headers, "segredo.pdf", PDF, resource_id="R-A")).json()
    await client.put("/api/v1/document-policies", headers=a.headers, json={"category": "segredo-a"})
    app = client._transport.app  # type: ignore[attr-defined]
    report = await assert_tenant_isolation(
        IsolationCase(
            app=app,
            client=client,
            owner_headers=a.headers,
            intruder_headers=b.headers,
            resources={"document_id": doc["id"]},
            only_prefixes=("/api/v1/documents", "/api/v1/document-policies"),
        )
    )
    for route in (
        "DELETE /api/v1/documents/{document_id}",
        "POST /api/v1/documents/{document_id}/erase",
        "POST /api/v1/documents/{document_id}/versions",
        "POST /api/v1/documents/{document_id}/links",
        "GET /api/v1/documents/{document_id}/download",
    ):
        assert route in report.checked
    # B's listing and policies do not show A's
    assert (
        "segredo-a" not in (await client.get("/api/v1/document-policies", headers=b.headers)).text
    )
    # untouched by B's attempts
    r = await client.get(f"/api/v1/documents/{doc['id']}", headers=a.headers)
    assert (
        r.status_code == 200 and r.json()["current_version"] == 1 and r.json()["erased_at"] is None
    )


async def test_a_link_cannot_be_rebound_to_another_tenant(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    a = await factory.tenant()
    b = await factory.tenant()
    doc = (await upload(client, a.headers, "a.pdf", PDF)).json()
    secret = client._transport.app.state.runtime.settings.secret_key  # type: ignore[attr-defined]
    import uuid

    forged, _ = sign_link(secret, b.id, uuid.UUID(doc["id"]))  # right key, wrong tenant
    r = await client.get("/files/" + forged)
    assert r.status_code == 404
