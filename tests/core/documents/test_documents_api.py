"""The documents API end to end on the local object store: upload with sniffing and limits,
versions, checksums, downloads, signed links, deletion, erasure and plan limits."""

from __future__ import annotations

import hashlib
import os
import uuid
from datetime import timedelta
from pathlib import Path

import httpx
from sqlalchemy import select

from lastro.core.audit.models import AuditRecord
from lastro.core.documents.links import sign_link
from lastro.core.documents.models import Document, DocumentVersion
from lastro.core.runtime import Runtime
from lastro.kit.clock import utcnow
from tests.conftest import TEST_PASSWORD, Factory, login
from tests.core.documents.helpers import PDF, upload


def _objects(runtime: Runtime) -> list[Path]:
    root = Path(runtime.settings.data_dir) / "objects"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


async def test_upload_list_get_download(
    client: httpx.AsyncClient, factory: Factory, runtime: Runtime
) -> None:
    a = await factory.tenant()
    content = PDF + os.urandom(200_000)
    r = await upload(
        client,
        a.headers,
        "Contrato Ação.pdf",
        content,
        declared="image/png",  # what the client says is ignored
        category="contracts",
        resource_type="cota",
        resource_id="C-001",
    )
    assert r.status_code == 201, r.text
    doc = r.json()
    assert doc["content_type"] == "application/pdf"
    assert doc["size"] == len(content)
    assert doc["sha256"] == hashlib.sha256(content).hexdigest()
    assert doc["current_version"] == 1 and doc["name"] == "Contrato Ação.pdf"

    listed = (
        await client.get(
            "/api/v1/documents",
            headers=a.headers,
            params={"resource_type": "cota", "resource_id": "C-001"},
        )
    ).json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == doc["id"]
    other = await client.get("/api/v1/documents?resource_id=C-999", headers=a.headers)
    assert other.json()["total"] == 0

    got = await client.get(f"/api/v1/documents/{doc['id']}", headers=a.headers)
    assert got.status_code == 200 and got.json()["sha256"] == doc["sha256"]

    r = await client.get(f"/api/v1/documents/{doc['id']}/download", headers=a.headers)
    assert r.status_code == 200
    assert r.content == content
    assert r.headers["content-type"] == "application/pdf"
    assert r.headers["etag"] == f'"{doc["sha256"]}"'
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "attachment" in r.headers["content-disposition"]
    assert "filename*=UTF-8''Contrato%20A%C3%A7%C3%A3o.pdf" in r.headers["content-disposition"]
    # stored under the tenant's prefix
    assert [
        p.relative_to(Path(runtime.settings.data_dir) / "objects").parts[0]
        for p in _objects(runtime)
    ] == [str(a.id)]
    async with runtime.db.session(tenant_id=a.id) as session:
        actions = set(await session.scalars(select(AuditRecord.action)))
    assert "document.created" in actions


async def test_versions_keep_history_and_checksums(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    a = await factory.tenant()
    v1 = b"Primeira versao;1\n"
    v2 = b"Segunda versao;2\n" * 10
    doc = (await upload(client, a.headers, "tabela.csv", v1)).json()
    r = await upload(
        client, a.headers, "tabela-v2.csv", v2, path=f"/api/v1/documents/{doc['id']}/versions"
    )
    assert r.status_code == 201, r.text
    assert r.json()["current_version"] == 2 and r.json()["name"] == "tabela-v2.csv"
    versions = (
        await client.get(f"/api/v1/documents/{doc['id']}/versions", headers=a.headers)
    ).json()
    assert [v["version"] for v in versions] == [2, 1]
    assert versions[1]["sha256"] == hashlib.sha256(v1).hexdigest()
    assert versions[0]["sha256"] == hashlib.sha256(v2).hexdigest()
    current = await client.get(f"/api/v1/documents/{doc['id']}/download", headers=a.headers)
    old = await client.get(f"/api/v1/documents/{doc['id']}/download?version=1", headers=a.headers)
    assert current.content == v2 and old.content == v1
    missing = await client.get(
        f"/api/v1/documents/{doc['id']}/download?version=9", headers=a.headers
    )
    assert missing.status_code == 404 and missing.json()["code"] == "DOCUMENT_VERSION_NOT_FOUND"
    # a new version must sniff like its name says, too
    bad = await upload(
        client, a.headers, "tabela.csv", PDF, path=f"/api/v1/documents/{doc['id']}/versions"
    )
    assert bad.status_code == 415 and bad.json()["code"] == "FILE_TYPE_MISMATCH"


async def test_types_and_limits_are_enforced(client: httpx.AsyncClient, factory: Factory) -> None:
    a = await factory.tenant()
    exe = b"MZ\x90\x00" + b"\x00" * 600
    r = await upload(client, a.headers, "recibo.pdf", exe, declared="application/pdf")
    assert r.status_code == 415 and r.json()["code"] == "FILE_TYPE_NOT_ALLOWED"
    r = await upload(client, a.headers, "foto.png", PDF)
    assert r.status_code == 415 and r.json()["code"] == "FILE_TYPE_MISMATCH"
    r = await upload(client, a.headers, "pagina.html", b"<html><script>alert(1)</script>")
    assert r.status_code == 415
    r = await upload(client, a.headers, "vazio.txt", b"")
    assert r.status_code == 422 and r.json()["code"] == "EMPTY_FILE"

    # per-category policy: size and types; '*' is the default for other categories
    r = await client.put(
        "/api/v1/document-policies",
        headers=a.headers,
        json={"category": "fotos", "max_bytes": 1000, "allowed_types": ["image/png"]},
    )
    assert r.status_code == 200, r.text
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 2000
    r = await upload(client, a.headers, "grande.png", png, category="fotos")
    assert r.status_code == 413 and r.json()["code"] == "FILE_TOO_LARGE"
    r = await upload(client, a.headers, "doc.pdf", PDF, category="fotos")
    assert r.status_code == 415
    r = await upload(client, a.headers, "ok.png", png[:900], category="fotos")
    assert r.status_code == 201
    r = await client.put(
        "/api/v1/document-policies",
        headers=a.headers,
        json={"category": "*", "max_bytes": 50},
    )
    assert r.status_code == 200
    r = await upload(client, a.headers, "doc.pdf", PDF, category="outros")
    assert r.status_code == 413
    policies = (await client.get("/api/v1/document-policies", headers=a.headers)).json()
    assert [p["category"] for p in policies] == ["*", "fotos"]
    r = await client.put(
        "/api/v1/document-policies",
        headers=a.headers,
        json={"category": "x", "allowed_types": ["text/html"]},
    )
    assert r.status_code == 422 and r.json()["code"] == "FILE_TYPE_NOT_SUPPORTED"


async def test_signed_links(client: httpx.AsyncClient, factory: Factory, runtime: Runtime) -> None:
    a = await factory.tenant()
    content = b"conteudo do recibo\n"
    doc = (await upload(client, a.headers, "recibo.txt", content)).json()
    r = await client.post(
        f"/api/v1/documents/{doc['id']}/links", headers=a.headers, json={"ttl_seconds": 300}
    )
    assert r.status_code == 201, r.text
    url = r.json()["url"]
    assert url.startswith("/files/")
    public = await client.get(url)  # no credentials
    assert public.status_code == 200 and public.content == content
    assert public.headers["content-length"] == str(len(content))

    token = url.removeprefix("/files/")
    tampered = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    r = await client.get("/files/" + tampered)
    assert r.status_code == 404 and r.json()["code"] == "LINK_INVALID"

    # expired: signed in the past with the installation's key
    old, _ = sign_link(
        runtime.settings.secret_key,
        a.id,
        uuid.UUID(doc["id"]),
        ttl=timedelta(minutes=1),
        now=utcnow() - timedelta(minutes=5),
    )
    r = await client.get("/files/" + old)
    assert r.status_code == 404 and r.json()["code"] == "LINK_INVALID"

    # pinned to a version
    await upload(
        client,
        a.headers,
        "recibo.txt",
        b"nova versao\n",
        path=f"/api/v1/documents/{doc['id']}/versions",
    )
    pinned = (
        await client.post(
            f"/api/v1/documents/{doc['id']}/links", headers=a.headers, json={"version": 1}
        )
    ).json()["url"]
    assert (await client.get(pinned)).content == content
    assert (await client.get(url)).content == b"nova versao\n"

    # deleting the document revokes its links
    assert (
        await client.delete(f"/api/v1/documents/{doc['id']}", headers=a.headers)
    ).status_code == 204
    assert (await client.get(url)).status_code == 404
    assert (
        await client.get(f"/api/v1/documents/{doc['id']}", headers=a.headers)
    ).status_code == 404


async def test_erasure_removes_objects_and_scrubs(
    client: httpx.AsyncClient, factory: Factory, runtime: Runtime
) -> None:
    a = await factory.tenant()
    doc = (await upload(client, a.headers, "cpf-123.txt", b"dados pessoais\n")).json()
    await upload(
        client,
        a.headers,
        "cpf-123.txt",
        b"mais dados\n",
        path=f"/api/v1/documents/{doc['id']}/versions",
    )
    assert len(_objects(runtime)) == 2
    r = await client.post(f"/api/v1/documents/{doc['id']}/erase", headers=a.headers)
    assert r.status_code == 204, r.text
    assert _objects(runtime) == []
    async with runtime.db.session(tenant_id=a.id) as session:
        row = await session.scalar(select(Document))
        assert row is not None and row.erased_at is not None and row.name == "(documento apagado)"
        assert (await session.scalars(select(DocumentVersion))).all() == []
    assert (
        await client.get(f"/api/v1/documents/{doc['id']}", headers=a.headers)
    ).status_code == 404


async def test_retention_blocks_deletion_and_sweep_erases(
    client: httpx.AsyncClient, factory: Factory, runtime: Runtime
) -> None:
    from lastro.core.documents.retention import sweep

    a = await factory.tenant()
    await client.put(
        "/api/v1/document-policies",
        headers=a.headers,
        json={"category": "contracts", "retention_days": 365 * 5},
    )
    await client.put(
        "/api/v1/document-policies",
        headers=a.headers,
        json={"category": "temp", "erase_after_days": 0},
    )
    kept = (await upload(client, a.headers, "c.pdf", PDF, category="contracts")).json()
    assert kept["retain_until"] is not None
    r = await client.delete(f"/api/v1/documents/{kept['id']}", headers=a.headers)
    assert r.status_code == 409 and r.json()["code"] == "DOCUMENT_RETAINED"
    r = await client.post(f"/api/v1/documents/{kept['id']}/erase", headers=a.headers)
    assert r.status_code == 409

    temp = (await upload(client, a.headers, "t.txt", b"temporario", category="temp")).json()
    slow = (await upload(client, a.headers, "s.txt", b"fica 30 dias")).json()
    for doc in (temp, slow):
        assert (
            await client.delete(f"/api/v1/documents/{doc['id']}", headers=a.headers)
        ).status_code == 204
    spec = next(s for s in runtime.services if s.name == "core.documents")
    assert "core.documents.retention" in spec.jobs  # the daily sweep is a registered job
    from lastro.core.documents.api import documents_for

    erased = await sweep(runtime.db, documents_for(runtime.settings).store)
    assert erased == 1  # only the category with no grace period
    async with runtime.db.session(tenant_id=a.id) as session:
        rows = {d.name: d for d in await session.scalars(select(Document))}
    assert rows["(documento apagado)"].id.hex == temp["id"].replace("-", "")
    assert rows["s.txt"].erased_at is None


async def test_storage_counts_against_the_plan(
    client: httpx.AsyncClient, factory: Factory, runtime: Runtime
) -> None:
    admin = await factory.platform_admin()
    r = await client.post(
        "/api/v1/platform/plans",
        headers=admin,
        json={
            "code": "docs-mini",
            "name": "Docs mini",
            "price": "10.00",
            "modules": [],
            "limits": {"storage_bytes": 100},
        },
    )
    assert r.status_code == 201, r.text
    r = await client.post(
        "/api/v1/platform/tenants",
        headers=admin,
        json={
            "slug": "pequena",
            "name": "Pequena",
            "plan": "docs-mini",
            "trial": False,
            "admin": {"email": "admin@pequena.example", "name": "Admin", "password": TEST_PASSWORD},
        },
    )
    assert r.status_code == 201, r.text
    tokens = await login(client, "admin@pequena.example", tenant="pequena")
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    first = await upload(client, headers, "a.txt", b"x" * 60)
    assert first.status_code == 201
    r = await upload(client, headers, "b.txt", b"y" * 60)
    assert r.status_code == 402 and r.json()["code"] == "PLAN_LIMIT_REACHED"
    assert len(_objects(runtime)) == 1  # the refused upload left nothing behind
    # erasure gives the space back
    await client.post(f"/api/v1/documents/{first.json()['id']}/erase", headers=headers)
    assert (await upload(client, headers, "b.txt", b"y" * 60)).status_code == 201


async def test_pdf_generation_with_branding(
    client: httpx.AsyncClient, factory: Factory, runtime: Runtime
) -> None:
    import io

    from pypdf import PdfReader

    a = await factory.tenant()
    r = await client.put(
        "/api/v1/branding",
        headers=a.headers,
        json={"name": "Consórcio Estrela", "primary_color": "#aa0000", "footer": "Estrela S/A"},
    )
    assert r.status_code == 200, r.text
    receipt = {
        "number": "2026-0042",
        "payer": {"name": "Maria da Silva", "document": "123.456.789-09"},
        "amount": "1234.56",
        "description": "parcela 3 do grupo 100",
        "date": "2026-11-28",
        "place": "São Paulo",
    }
    r = await client.post(
        "/api/v1/documents/pdf", headers=a.headers, json={"template": "receipt", "data": receipt}
    )
    assert r.status_code == 201, r.text
    assert r.headers["content-type"] == "application/pdf"
    text = PdfReader(io.BytesIO(r.content)).pages[0].extract_text()
    for expected in (
        "Consórcio Estrela",
        "Recibo nº 2026-0042",
        "R$ 1.234,56",
        "Maria da Silva",
        "Estrela S/A",
    ):
        assert expected in text, (expected, text)

    statement = {
        "holder": {"name": "João Souza"},
        "period_start": "2026-10-01",
        "period_end": "2026-10-31",
        "opening_balance": "100.00",
        "lines": [
            {"date": f"2026-10-{d:02d}", "description": f"Lançamento {d}", "amount": "-1.50"}
            for d in range(1, 31)
        ]
        * 4,
    }
    r = await client.post(
        "/api/v1/documents/pdf",
        headers=a.headers,
        json={
            "template": "statement",
            "data": statement,
            "store": True,
            "name": "extrato-outubro",
            "resource_type": "cota",
            "resource_id": "C-9",
        },
    )
    assert r.status_code == 201, r.text
    stored = r.json()
    assert stored["name"] == "extrato-outubro.pdf" and stored["content_type"] == "application/pdf"
    pdf = await client.get(f"/api/v1/documents/{stored['id']}/download", headers=a.headers)
    reader = PdfReader(io.BytesIO(pdf.content))
    assert len(reader.pages) >= 2
    all_text = "".join(p.extract_text() for p in reader.pages)
    assert "Saldo final: R$ -80,00" in all_text.replace("-R$ 80,00", "R$ -80,00")
    assert "Página 2" in all_text

    contract = {
        "title": "Contrato de adesão",
        "parties": [{"name": "Administradora X"}, {"name": "Cliente Y", "document": "12345678909"}],
        "clauses": ["O cliente adere ao grupo.", "Foro de São Paulo."],
        "date": "2026-11-28",
    }
    r = await client.post(
        "/api/v1/documents/pdf", headers=a.headers, json={"template": "contract", "data": contract}
    )
    assert "Cláusula 2." in PdfReader(io.BytesIO(r.content)).pages[0].extract_text()

    r = await client.post(
        "/api/v1/documents/pdf", headers=a.headers, json={"template": "boleto", "data": {}}
    )
    assert r.status_code == 422 and r.json()["code"] == "UNKNOWN_PDF_TEMPLATE"
    r = await client.post(
        "/api/v1/documents/pdf",
        headers=a.headers,
        json={"template": "receipt", "data": {**receipt, "amount": "-1"}},
    )
    assert r.status_code == 422 and r.json()["code"] == "INVALID_PDF_DATA"


async def test_permissions(client: httpx.AsyncClient, factory: Factory) -> None:
    a = await factory.tenant()
    await factory.user(a.id, email="cliente@a.example", role="customer")
    tokens = await login(client, "cliente@a.example", tenant=a.slug)
    customer = {"Authorization": f"Bearer {tokens['access_token']}"}
    r = await upload(client, customer, "a.txt", b"oi")
    assert r.status_code == 403
    assert (await client.get("/api/v1/documents", headers=customer)).status_code == 403
