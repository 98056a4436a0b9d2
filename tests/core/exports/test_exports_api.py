"""Exports end to end: direct downloads read back in every format, background jobs with
progress and a signed link, scheduled reports run by the tick and e-mailed."""

from __future__ import annotations

import asyncio
import csv
import io
import uuid
from datetime import timedelta
from typing import Any

import httpx
import openpyxl
import pytest
from pypdf import PdfReader
from sqlalchemy import select

from lastro.core.exports.engine import write_export
from lastro.core.exports.models import ExportJob, ScheduledReport
from lastro.core.exports.registry import get_source
from lastro.core.exports.service import RUN_JOB, TICK_JOB, next_run
from lastro.core.notifications.models import Notification
from lastro.core.runtime import Runtime
from lastro.core.web.branding import Brand
from lastro.kit.clock import utcnow
from tests.conftest import Factory, TenantHandle


async def _people(factory: Factory, tenant: TenantHandle, n: int) -> None:
    for i in range(n):
        await factory.user(tenant.id, email=f"p{i:03d}@{tenant.slug}.example", role="operator")


def _csv(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline=""), delimiter=";"))


async def test_direct_exports_in_every_format(client: httpx.AsyncClient, factory: Factory) -> None:
    a = await factory.tenant()
    b = await factory.tenant()
    await _people(factory, a, 12)
    await _people(factory, b, 3)

    r = await client.get("/api/v1/exports/stream?source=users&format=csv", headers=a.headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    rows = _csv(r.content)
    assert rows[0][:3] == ["Nome", "E-mail", "Papel"]
    emails = [row[1] for row in rows[1:]]
    assert len(emails) == 13 and all(a.slug in e for e in emails)  # only A's users
    assert emails == sorted(emails)

    r = await client.get(
        "/api/v1/exports/stream",
        headers=a.headers,
        params={"source": "users", "format": "xlsx", "role": "tenant_admin"},
    )
    assert r.status_code == 200, r.text
    sheet = openpyxl.load_workbook(io.BytesIO(r.content)).active
    assert sheet is not None
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][1] == "E-mail" and len(values) == 2
    assert values[1][1] == a.admin_email and values[1][3] is True

    r = await client.get("/api/v1/exports/stream?source=users&format=pdf", headers=a.headers)
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    pdf_text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(r.content)).pages)
    assert "Usuários" in pdf_text and "13 registro(s)" in pdf_text and "p011@" in pdf_text

    r = await client.get("/api/v1/exports/stream?source=audit&format=csv", headers=a.headers)
    assert r.status_code == 200
    audit_rows = _csv(r.content)
    assert audit_rows[0][0] == "Nº" and len(audit_rows) > 1

    bad = await client.get("/api/v1/exports/stream?source=users&cor=azul", headers=a.headers)
    assert bad.status_code == 422 and bad.json()["code"] == "EXPORT_FILTER_INVALID"
    bad = await client.get(
        "/api/v1/exports/stream?source=users&is_active=talvez", headers=a.headers
    )
    assert bad.status_code == 422
    bad = await client.get("/api/v1/exports/stream?source=users&format=doc", headers=a.headers)
    assert bad.status_code == 422 and bad.json()["code"] == "EXPORT_FORMAT_INVALID"
    bad = await client.get("/api/v1/exports/stream?source=nada", headers=a.headers)
    assert bad.status_code == 404 and bad.json()["code"] == "EXPORT_SOURCE_NOT_FOUND"

    names = [
        s["name"] for s in (await client.get("/api/v1/exports/sources", headers=a.headers)).json()
    ]
    assert {"users", "audit"} <= set(names)


async def test_direct_mode_has_a_cap(
    client: httpx.AsyncClient, factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lastro.core.exports import endpoints, service

    a = await factory.tenant()
    await _people(factory, a, 3)
    monkeypatch.setattr(endpoints, "PDF_MAX_ROWS", 2)
    monkeypatch.setattr(service, "PDF_MAX_ROWS", 2)
    r = await client.get("/api/v1/exports/stream?source=users&format=pdf", headers=a.headers)
    assert r.status_code == 413 and r.json()["code"] == "EXPORT_TOO_LARGE"
    assert r.json()["rows"] == 4
    r = await client.post(
        "/api/v1/exports", headers=a.headers, json={"source": "users", "format": "pdf"}
    )
    assert r.status_code == 413 and r.json()["limit"] == 2


async def test_permissions_follow_the_source(client: httpx.AsyncClient, factory: Factory) -> None:
    from tests.conftest import login

    a = await factory.tenant()
    await factory.user(a.id, email="op@a.example", role="operator")
    tokens = await login(client, "op@a.example", tenant=a.slug)
    operator = {"Authorization": f"Bearer {tokens['access_token']}"}
    r = await client.get("/api/v1/exports/stream?source=audit", headers=operator)
    assert r.status_code == 403  # operators cannot read the audit log, so cannot export it
    r = await client.post("/api/v1/exports", headers=operator, json={"source": "users"})
    assert r.status_code == 403
    sources = (await client.get("/api/v1/exports/sources", headers=operator)).json()
    # modules may grant operators their own lists; the core's stay with their permissions
    assert not {s["name"] for s in sources} & {"users", "audit", "invoices"}


async def _run_job(runtime: Runtime, name: str, payload: dict[str, Any]) -> None:
    job = runtime.job_registry.get(name)
    assert job is not None
    await job.func(payload)


async def test_background_export_progress_to_download(
    client: httpx.AsyncClient, factory: Factory, runtime: Runtime
) -> None:
    a = await factory.tenant()
    await _people(factory, a, 25)
    await runtime.jobs.run_worker()  # the real queue: the job runs after the response
    r = await client.post(
        "/api/v1/exports", headers=a.headers, json={"source": "users", "format": "xlsx"}
    )
    assert r.status_code == 202, r.text
    export = r.json()
    assert export["status"] == "queued" and export["progress"] == 0
    for _ in range(400):
        state = (await client.get(f"/api/v1/exports/{export['id']}", headers=a.headers)).json()
        if state["status"] in ("done", "failed"):
            break
        await asyncio.sleep(0.05)
    assert state["status"] == "done", state
    assert state["progress"] == 100 and state["rows_done"] == 26 and state["total_rows"] == 26
    assert state["download_url"].startswith("/files/")

    public = await client.get(state["download_url"])
    assert public.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(public.content)).active
    assert sheet is not None and sheet.max_row == 27
    direct = await client.get(f"/api/v1/exports/{export['id']}/download", headers=a.headers)
    assert direct.content == public.content
    doc = (await client.get(f"/api/v1/documents/{state['document_id']}", headers=a.headers)).json()
    assert doc["category"] == "exports" and doc["resource_id"] == export["id"]
    listed = (await client.get("/api/v1/exports", headers=a.headers)).json()
    assert listed["items"][0]["id"] == export["id"]

    # a duplicate message does nothing
    await _run_job(runtime, RUN_JOB, {"tenant_id": str(a.id), "export_id": export["id"]})
    again = (await client.get(f"/api/v1/exports/{export['id']}", headers=a.headers)).json()
    assert again["document_id"] == state["document_id"]


async def test_progress_is_reported_while_writing(factory: Factory, runtime: Runtime) -> None:
    a = await factory.tenant()
    await _people(factory, a, 5)
    seen: list[int] = []

    async def progress(done: int) -> None:
        seen.append(done)

    out = io.BytesIO()
    rows = await write_export(
        runtime.db,
        a.id,
        get_source("users"),
        {},
        "csv",
        out,
        Brand(),
        progress=progress,
        every=0,
        chunk=2,
    )
    assert rows == 6
    assert seen == sorted(seen) and seen[-1] == 6 and len(seen) >= 3
    assert len(_csv(out.getvalue())) == 7


async def test_failed_export_is_marked(
    client: httpx.AsyncClient, factory: Factory, runtime: Runtime
) -> None:
    a = await factory.tenant()
    r = await client.post("/api/v1/exports", headers=a.headers, json={"source": "users"})
    export_id = r.json()["id"]
    async with runtime.db.unit_of_work(tenant_id=a.id) as session:
        job = await session.scalar(select(ExportJob).where(ExportJob.id == uuid.UUID(export_id)))
        assert job is not None
        job.filters = {"cor": "azul"}  # became invalid after it was queued
    await _run_job(runtime, RUN_JOB, {"tenant_id": str(a.id), "export_id": export_id})
    state = (await client.get(f"/api/v1/exports/{export_id}", headers=a.headers)).json()
    assert state["status"] == "failed" and "cor" in state["error"]
    r = await client.get(f"/api/v1/exports/{export_id}/download", headers=a.headers)
    assert r.status_code == 409 and r.json()["code"] == "EXPORT_NOT_READY"


async def test_scheduled_report_runs_and_emails(
    client: httpx.AsyncClient, factory: Factory, runtime: Runtime, db_backend: str
) -> None:
    a = await factory.tenant()
    await _people(factory, a, 4)
    r = await client.post(
        "/api/v1/reports",
        headers=a.headers,
        json={
            "name": "Usuários ativos",
            "source": "users",
            "format": "csv",
            "filters": {"is_active": "true"},
            "cron": "0 8 * * 1-5",
            "recipients": ["diretoria@a.example", "financeiro@a.example"],
        },
    )
    assert r.status_code == 201, r.text
    report = r.json()
    bad = await client.post(
        "/api/v1/reports",
        headers=a.headers,
        json={"name": "x", "source": "users", "cron": "61 * * * *", "recipients": ["x@a.ex"]},
    )
    assert bad.status_code == 422 and bad.json()["code"] == "INVALID_CRON"

    # 08:00 in São Paulo is 11:00 UTC
    assert report["next_run_at"].endswith("11:00:00Z") or "T11:00:00" in report["next_run_at"]

    tick = runtime.job_registry.get(TICK_JOB)
    assert tick is not None
    # let the report be due now, then run the every-minute tick
    async with runtime.db.unit_of_work(tenant_id=a.id) as session:
        row = await session.scalar(select(ScheduledReport))
        assert row is not None
        row.next_run_at = utcnow() - timedelta(minutes=1)
    await runtime.jobs.run_worker()
    await tick.func({})
    async with runtime.db.session(tenant_id=a.id) as session:
        row = await session.scalar(select(ScheduledReport))
        assert row is not None and row.last_export_id is not None
        assert row.next_run_at > utcnow()
        export_id = row.last_export_id
    for _ in range(400):
        async with runtime.db.session(tenant_id=a.id) as session:
            job = await session.scalar(select(ExportJob).where(ExportJob.id == export_id))
            if job is not None and (job.notified_at is not None or job.status == "failed"):
                break
        await asyncio.sleep(0.05)
    state = (await client.get(f"/api/v1/exports/{export_id}", headers=a.headers)).json()
    assert state["status"] == "done", state
    assert state["report_id"] == report["id"] and state["rows_done"] == 5
    async with runtime.db.session(tenant_id=a.id) as session:
        job = await session.scalar(select(ExportJob).where(ExportJob.id == export_id))
        assert job is not None and job.notified_at is not None
        sent = (
            await session.scalars(
                select(Notification).where(Notification.template_key == "exports.report_ready")
            )
        ).all()
    assert sorted(n.recipient_email or "" for n in sent) == [
        "diretoria@a.example",
        "financeiro@a.example",
    ]
    assert "Usuários ativos" in sent[0].subject
    assert f"https://{a.slug}.localhost/files/" in sent[0].body

    # run now, pause, resume, delete
    r = await client.post(f"/api/v1/reports/{report['id']}/run", headers=a.headers)
    assert r.status_code == 202 and r.json()["report_id"] == report["id"]
    r = await client.patch(
        f"/api/v1/reports/{report['id']}", headers=a.headers, json={"is_active": False}
    )
    assert r.status_code == 200 and r.json()["is_active"] is False
    r = await client.delete(f"/api/v1/reports/{report['id']}", headers=a.headers)
    assert r.status_code == 204
    assert (await client.get("/api/v1/reports", headers=a.headers)).json() == []


def test_cron_is_read_in_sao_paulo_time() -> None:
    from datetime import UTC, datetime

    after = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)  # a Friday, 09:00 in São Paulo
    assert next_run("0 8 * * 1-5", after) == datetime(2026, 11, 30, 11, 0, tzinfo=UTC)


async def test_old_export_files_expire(
    client: httpx.AsyncClient, factory: Factory, runtime: Runtime
) -> None:
    from lastro.core.exports.service import EXPIRE_JOB

    a = await factory.tenant()
    export_id = (
        await client.post(
            "/api/v1/exports", headers=a.headers, json={"source": "users", "format": "csv"}
        )
    ).json()["id"]
    await _run_job(runtime, RUN_JOB, {"tenant_id": str(a.id), "export_id": export_id})
    done = (await client.get(f"/api/v1/exports/{export_id}", headers=a.headers)).json()
    assert done["status"] == "done"
    await _run_job(runtime, EXPIRE_JOB, {})  # a fresh export is kept
    assert (
        await client.get(f"/api/v1/exports/{export_id}/download", headers=a.headers)
    ).status_code == 200
    async with runtime.db.unit_of_work(tenant_id=a.id) as session:
        job = await session.scalar(select(ExportJob).where(ExportJob.id == uuid.UUID(export_id)))
        assert job is not None and job.finished_at is not None
        job.finished_at = job.finished_at - timedelta(days=8)
    await _run_job(runtime, EXPIRE_JOB, {})
    state = (await client.get(f"/api/v1/exports/{export_id}", headers=a.headers)).json()
    assert state["status"] == "expired" and state["download_url"] is None
    r = await client.get(f"/api/v1/exports/{export_id}/download", headers=a.headers)
    assert r.status_code == 410 and r.json()["code"] == "EXPORT_EXPIRED"
    r = await client.get(f"/api/v1/documents/{done['document_id']}", headers=a.headers)
    assert r.status_code == 404
