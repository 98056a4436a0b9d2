"""``/api/v1/exports``: any registered list as CSV, XLSX or PDF — streamed directly when small,
as a background job with progress and a download link when large — and ``/api/v1/reports``
for reports that run on a cron and are e-mailed."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import Annotated

import anyio
from fastapi import APIRouter, BackgroundTasks, Depends, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy import func, select
from starlette.responses import Response

from lastro.core.audit.service import record as audit
from lastro.core.auth.errors import PermissionDenied
from lastro.core.documents import service as documents_service
from lastro.core.documents.api import Documents
from lastro.core.documents.endpoints import content_disposition, stream_version
from lastro.core.documents.pdf import tenant_brand
from lastro.core.exports.engine import count_rows, stream_chunks, write_export
from lastro.core.exports.errors import (
    ExportExpired,
    ExportNotFound,
    ExportNotReady,
    ExportTooLarge,
    ReportNotFound,
)
from lastro.core.exports.models import ExportJob, ScheduledReport
from lastro.core.exports.registry import ExportSource, get_source, sources
from lastro.core.exports.schemas import (
    ColumnRead,
    ExportCreate,
    ExportRead,
    FilterRead,
    ReportCreate,
    ReportRead,
    ReportUpdate,
    SourceRead,
)
from lastro.core.exports.service import create_export, next_run
from lastro.core.exports.writers import FORMATS, PDF_MAX_ROWS, CsvWriter, check_format
from lastro.core.web.deps import Principal, RuntimeDep, SessionDep, TenantPrincipal, require
from lastro.core.web.routing import LastroRoute
from lastro.kit.clock import SAO_PAULO, utcnow
from lastro.kit.pagination import MAX_LIMIT, Page

RESERVED_PARAMS = frozenset({"source", "format"})
EnqueueExport = Callable[[uuid.UUID, uuid.UUID], Awaitable[None]]


def _allowed(principal: Principal, name: str) -> ExportSource:
    source = get_source(name)
    if not principal.can(source.permission):
        raise PermissionDenied(f"Permissão necessária: {source.permission}.")
    return source


def _export_read(job: ExportJob, url: str | None = None) -> ExportRead:
    return ExportRead(
        id=job.id,
        source=job.source,
        format=job.format,
        filters=dict(job.filters or {}),
        status=job.status,
        progress=job.progress,
        total_rows=job.total_rows,
        rows_done=job.rows_done,
        error=job.error,
        document_id=job.document_id,
        report_id=job.report_id,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
        download_url=url,
    )


async def _job(export_id: uuid.UUID, _p: TenantPrincipal, session: SessionDep) -> ExportJob:
    job = await session.scalar(select(ExportJob).where(ExportJob.id == export_id))
    if job is None:
        raise ExportNotFound("Exportação não encontrada.")
    return job


async def _report(
    report_id: uuid.UUID, _p: TenantPrincipal, session: SessionDep
) -> ScheduledReport:
    report = await session.scalar(select(ScheduledReport).where(ScheduledReport.id == report_id))
    if report is None:
        raise ReportNotFound("Relatório agendado não encontrado.")
    return report


JobDep = Annotated[ExportJob, Depends(_job)]
ReportDep = Annotated[ScheduledReport, Depends(_report)]


def build_router(
    documents: Documents, enqueue: EnqueueExport, *, direct_max_rows: int
) -> APIRouter:
    router = APIRouter(prefix="/api/v1", route_class=LastroRoute, tags=["exports"])

    @router.get(
        "/exports/sources",
        response_model=list[SourceRead],
        dependencies=[require("exports.run")],
        summary="Listas exportáveis",
    )
    async def list_sources(principal: TenantPrincipal) -> list[SourceRead]:
        return [
            SourceRead(
                name=s.name,
                title=s.title,
                columns=[ColumnRead(key=c.key, label=c.label, kind=c.kind) for c in s.columns],
                filters=[FilterRead(name=f.name, label=f.label, kind=f.kind) for f in s.filters],
            )
            for s in sorted(sources().values(), key=lambda s: s.name)
            if principal.can(s.permission)
        ]

    @router.get(
        "/exports/stream",
        dependencies=[require("exports.run")],
        summary="Exportar agora (até o limite de linhas do modo direto)",
        response_class=StreamingResponse,
    )
    async def export_now(
        request: Request,
        principal: TenantPrincipal,
        session: SessionDep,
        runtime: RuntimeDep,
        source: Annotated[str, Query(max_length=120)],
        format: Annotated[str, Query(max_length=8)] = "csv",
    ) -> Response:
        spec = _allowed(principal, source)
        fmt = check_format(format)
        raw = {k: v for k, v in request.query_params.items() if k not in RESERVED_PARAMS}
        filters = spec.parse_filters(raw)
        cap = PDF_MAX_ROWS if fmt == "pdf" else direct_max_rows
        total = await count_rows(session, spec.query(filters))
        if total > cap:
            raise ExportTooLarge(
                f"A exportação tem {total} linhas; o modo direto aceita até {cap}. Use "
                "POST /api/v1/exports para gerar em segundo plano.",
                extra={"rows": total, "limit": cap},
            )
        tenant_id = principal.tenant_id
        assert tenant_id is not None
        media, ext = FORMATS[fmt]
        stamp = utcnow().astimezone(SAO_PAULO).strftime("%Y%m%d-%H%M")
        name = f"{spec.name.replace('.', '-')}-{stamp}.{ext}"
        headers = {"Content-Disposition": content_disposition(name), "Cache-Control": "no-store"}
        audit(session, "export.downloaded", "export", spec.name, after={"format": fmt, **raw})
        db = runtime.db
        if fmt == "csv":

            async def csv_body() -> AsyncIterator[bytes]:
                buffer = _Drain()
                writer = CsvWriter(buffer, spec.columns)
                yield buffer.take()
                async for rows in stream_chunks(db, tenant_id, spec.query(filters)):
                    await anyio.to_thread.run_sync(writer.write, rows)
                    yield buffer.take()

            return StreamingResponse(csv_body(), media_type=media, headers=headers)
        brand = await tenant_brand(session)
        spool = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the response body
        try:
            await write_export(db, tenant_id, spec, filters, fmt, spool, brand, limit=cap)
            size = spool.tell()
            spool.seek(0)
        except BaseException:
            spool.close()
            raise

        async def file_body() -> AsyncIterator[bytes]:
            try:
                while chunk := await anyio.to_thread.run_sync(spool.read, 256 * 1024):
                    yield chunk
            finally:
                spool.close()

        headers["Content-Length"] = str(size)
        return StreamingResponse(file_body(), media_type=media, headers=headers)

    @router.post(
        "/exports",
        response_model=ExportRead,
        status_code=202,
        dependencies=[require("exports.run")],
        summary="Exportar em segundo plano",
    )
    async def start_export(
        body: ExportCreate,
        principal: TenantPrincipal,
        session: SessionDep,
        background: BackgroundTasks,
    ) -> ExportRead:
        spec = _allowed(principal, body.source)
        if body.format == "pdf":
            total = await count_rows(session, spec.query(spec.parse_filters(body.filters)))
            if total > PDF_MAX_ROWS:
                raise ExportTooLarge(
                    f"PDF aceita até {PDF_MAX_ROWS} linhas; esta exportação tem {total}. "
                    "Use CSV ou XLSX.",
                    extra={"rows": total, "limit": PDF_MAX_ROWS},
                )
        job = await create_export(
            session,
            source=body.source,
            fmt=body.format,
            filters=body.filters,
            actor=principal.user_id,
        )
        audit(
            session,
            "export.requested",
            "export",
            job.id,
            after={"source": job.source, "format": job.format, "filters": job.filters},
        )
        assert principal.tenant_id is not None
        # after the response, hence after the commit: the job always finds its row
        background.add_task(enqueue, principal.tenant_id, job.id)
        return _export_read(job)

    @router.get(
        "/exports",
        response_model=Page[ExportRead],
        dependencies=[require("exports.run")],
        summary="Exportações",
    )
    async def list_exports(
        _p: TenantPrincipal,
        session: SessionDep,
        page: Annotated[int, Query(ge=1, le=100_000)] = 1,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    ) -> Page[ExportRead]:
        total = int(await session.scalar(select(func.count()).select_from(ExportJob)) or 0)
        rows = await session.scalars(
            select(ExportJob)
            .order_by(ExportJob.created_at.desc(), ExportJob.id.desc())
            .offset((page - 1) * limit)
            .limit(limit)
        )
        return Page(items=[_export_read(j) for j in rows], total=total, page=page, limit=limit)

    @router.get(
        "/exports/{export_id}",
        response_model=ExportRead,
        dependencies=[require("exports.run")],
        summary="Situação de uma exportação (progresso e link quando concluída)",
    )
    async def get_export(job: JobDep, session: SessionDep) -> ExportRead:
        url = None
        if job.status == "done" and job.document_id is not None:
            document = await documents_service.get_document(session, job.document_id)
            url = documents.link(document, ttl=timedelta(hours=1)).url
        return _export_read(job, url)

    @router.get(
        "/exports/{export_id}/download",
        dependencies=[require("exports.run")],
        summary="Baixar o arquivo de uma exportação concluída",
        response_class=StreamingResponse,
    )
    async def download_export(job: JobDep, session: SessionDep) -> StreamingResponse:
        if job.status == "expired":
            raise ExportExpired("O arquivo desta exportação expirou; gere-a novamente.")
        if job.status != "done" or job.document_id is None:
            raise ExportNotReady("A exportação ainda não foi concluída.")
        document = await documents_service.get_document(session, job.document_id)
        version = await documents_service.version_of(session, document)
        return await stream_version(documents.store, version)

    @router.post(
        "/reports",
        response_model=ReportRead,
        status_code=201,
        dependencies=[require("reports.manage")],
        summary="Agendar relatório",
    )
    async def create_report(
        body: ReportCreate, principal: TenantPrincipal, session: SessionDep
    ) -> ReportRead:
        spec = _allowed(principal, body.source)
        spec.parse_filters(body.filters)
        report = ScheduledReport(
            name=body.name,
            source=body.source,
            format=body.format,
            filters=body.filters,
            cron=body.cron,
            recipients=[str(e) for e in body.recipients],
            next_run_at=next_run(body.cron, utcnow()),
            created_by=principal.user_id,
        )
        session.add(report)
        await session.flush()
        read = ReportRead.model_validate(report)
        audit(session, "report.created", "report", report.id, after=read.model_dump(mode="json"))
        return read

    @router.get(
        "/reports",
        response_model=list[ReportRead],
        dependencies=[require("reports.manage")],
        summary="Relatórios agendados",
    )
    async def list_reports(_p: TenantPrincipal, session: SessionDep) -> list[ReportRead]:
        rows = await session.scalars(select(ScheduledReport).order_by(ScheduledReport.name))
        return [ReportRead.model_validate(r) for r in rows]

    @router.get(
        "/reports/{report_id}",
        response_model=ReportRead,
        dependencies=[require("reports.manage")],
        summary="Um relatório agendado",
    )
    async def get_report(report: ReportDep) -> ReportRead:
        return ReportRead.model_validate(report)

    @router.patch(
        "/reports/{report_id}",
        response_model=ReportRead,
        dependencies=[require("reports.manage")],
        summary="Alterar relatório agendado",
    )
    async def update_report(
        report: ReportDep, body: ReportUpdate, principal: TenantPrincipal, session: SessionDep
    ) -> ReportRead:
        before = ReportRead.model_validate(report).model_dump(mode="json")
        spec = _allowed(principal, report.source)
        if body.filters is not None:
            spec.parse_filters(body.filters)
            report.filters = body.filters
        if body.name is not None:
            report.name = body.name
        if body.format is not None:
            report.format = body.format
        if body.recipients is not None:
            report.recipients = [str(e) for e in body.recipients]
        if body.cron is not None:
            report.next_run_at = next_run(body.cron, utcnow())
            report.cron = body.cron
        if body.is_active is not None:
            if body.is_active and not report.is_active:
                report.next_run_at = next_run(report.cron, utcnow())
            report.is_active = body.is_active
        await session.flush()
        read = ReportRead.model_validate(report)
        audit(
            session,
            "report.updated",
            "report",
            report.id,
            before=before,
            after=read.model_dump(mode="json"),
        )
        return read

    @router.delete(
        "/reports/{report_id}",
        status_code=204,
        dependencies=[require("reports.manage")],
        summary="Remover relatório agendado",
    )
    async def delete_report(report: ReportDep, session: SessionDep) -> Response:
        await session.delete(report)
        audit(session, "report.deleted", "report", report.id)
        return Response(status_code=204)

    @router.post(
        "/reports/{report_id}/run",
        response_model=ExportRead,
        status_code=202,
        dependencies=[require("reports.manage")],
        summary="Gerar e enviar o relatório agora",
    )
    async def run_report(
        report: ReportDep,
        principal: TenantPrincipal,
        session: SessionDep,
        background: BackgroundTasks,
    ) -> ExportRead:
        _allowed(principal, report.source)
        job = await create_export(
            session,
            source=report.source,
            fmt=report.format,
            filters=report.filters,
            actor=principal.user_id,
            report_id=report.id,
        )
        report.last_run_at = utcnow()
        report.last_export_id = job.id
        assert principal.tenant_id is not None
        background.add_task(enqueue, principal.tenant_id, job.id)
        return _export_read(job)

    return router


class _Drain:
    """A write-only binary sink whose contents are taken after each chunk (CSV streaming)."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data = b"".join(self.parts)
        self.parts.clear()
        return data
