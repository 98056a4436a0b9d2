"""Background exports and scheduled reports.

``run_export`` is the job: it claims the export (so a duplicate message does nothing), writes
the file to a temporary directory with a heartbeat and progress, stores it as a document of
category ``exports`` and, for a scheduled report, e-mails a signed link to the recipients.
``tick`` runs every minute: it starts due reports and re-enqueues exports whose message was
lost (queued for long) or whose worker died (no heartbeat for a while). ``expire`` runs daily:
files of exports older than a week are erased (they count against the plan's storage).
"""

from __future__ import annotations

import logging
import tempfile
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from croniter import croniter
from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from lastro.core.documents.api import Documents
from lastro.core.documents.pdf import tenant_brand
from lastro.core.exports.engine import count_rows, write_export
from lastro.core.exports.errors import ExportTooLarge
from lastro.core.exports.models import ExportJob, ScheduledReport
from lastro.core.exports.registry import get_source
from lastro.core.exports.writers import FORMATS, PDF_MAX_ROWS, check_format
from lastro.core.notifications.api import DefaultTemplate, Recipient, notify, register_template
from lastro.core.platform.models import Tenant
from lastro.infra.database import Database
from lastro.infra.jobs import InvalidCron, current_job
from lastro.kit.clock import SAO_PAULO, utcnow
from lastro.kit.errors import LastroError
from lastro.kit.ids import new_id

log = logging.getLogger(__name__)

RUN_JOB = "core.exports.run"
TICK_JOB = "core.exports.tick"
EXPIRE_JOB = "core.exports.expire"
EXPORTS_CATEGORY = "exports"
LINK_TTL = timedelta(days=7)
STALE_QUEUED = timedelta(minutes=2)
STALE_HEARTBEAT = timedelta(minutes=5)
KEEP_EXPORTS = timedelta(days=7)
MAX_EXPORT_BYTES = 4 * 1024**3

Enqueue = Callable[[uuid.UUID, uuid.UUID], Awaitable[None]]

register_template(
    DefaultTemplate(
        key="exports.report_ready",
        subject="Relatório {{ report }} pronto",
        body=(
            'Olá,\n\nO relatório agendado "{{ report }}" ({{ rows }} registro(s), '
            "{{ format }}) está pronto.\nBaixe em: {{ url }}\n"
            "O link vale até {{ expires_at }}.\n"
        ),
        description="Relatório agendado gerado, com link de download",
    )
)


def next_run(cron: str, after: datetime) -> datetime:
    """The next tick of ``cron`` in São Paulo time after ``after``, returned in UTC."""
    if not croniter.is_valid(cron):
        raise InvalidCron(f"A expressão cron {cron!r} não é válida.")
    local: datetime = croniter(cron, after.astimezone(SAO_PAULO)).get_next(datetime)
    return local.astimezone(after.tzinfo)


async def create_export(
    session: AsyncSession,
    *,
    source: str,
    fmt: str,
    filters: Mapping[str, Any],
    actor: uuid.UUID | None,
    report_id: uuid.UUID | None = None,
) -> ExportJob:
    """Validate now (so mistakes are a 422 for the caller, not a failed job later)."""
    spec = get_source(source)
    check_format(fmt)
    spec.parse_filters(filters)
    job = ExportJob(
        source=source,
        format=fmt,
        filters={k: str(v) for k, v in filters.items() if v not in (None, "")},
        status="queued",
        created_by=actor,
        created_at=utcnow(),
        report_id=report_id,
    )
    session.add(job)
    await session.flush()
    return job


@dataclass(frozen=True)
class Exporter:
    db: Database
    documents: Documents
    public_url: str | None
    base_domain: str

    async def _claim(self, tenant_id: uuid.UUID, export_id: uuid.UUID) -> ExportJob | None:
        now = utcnow()
        async with self.db.unit_of_work(tenant_id=tenant_id) as session:
            claimed = await session.execute(
                update(ExportJob)
                .where(
                    ExportJob.id == export_id,
                    or_(
                        ExportJob.status == "queued",
                        (ExportJob.status == "running")
                        & (ExportJob.heartbeat_at < now - STALE_HEARTBEAT),
                    ),
                )
                .values(
                    status="running",
                    started_at=now,
                    heartbeat_at=now,
                    attempts=ExportJob.attempts + 1,
                    rows_done=0,
                    error=None,
                )
                .execution_options(synchronize_session=False)
            )
            job = await session.scalar(select(ExportJob).where(ExportJob.id == export_id))
            if job is None or not getattr(claimed, "rowcount", 0):
                return job if job is not None and job.status == "done" else None
            source = get_source(job.source)
            job.total_rows = await count_rows(
                session, source.query(source.parse_filters(job.filters))
            )
            return job

    async def _progress(self, tenant_id: uuid.UUID, export_id: uuid.UUID, done: int) -> None:
        async with self.db.unit_of_work(tenant_id=tenant_id) as session:
            await session.execute(
                update(ExportJob)
                .where(ExportJob.id == export_id)
                .values(rows_done=done, heartbeat_at=utcnow())
                .execution_options(synchronize_session=False)
            )

    async def run(self, tenant_id: uuid.UUID, export_id: uuid.UUID) -> None:
        """The background job. Permanent problems (an unknown source, bad filters) fail the
        export at once; others are retried by the queue and fail it on the last attempt."""
        try:
            job = await self._claim(tenant_id, export_id)
            if job is None:
                return
            if job.status != "done":
                await self._produce(tenant_id, job)
            await self._notify(tenant_id, export_id)
        except LastroError as exc:
            await self._fail(tenant_id, export_id, exc.detail)
        except Exception as exc:
            ctx = current_job.get()
            if ctx is not None and ctx.attempt < ctx.max_attempts:
                await self._requeue(tenant_id, export_id, repr(exc))
                raise
            log.exception("export %s failed", export_id)
            await self._fail(tenant_id, export_id, "Falha inesperada ao gerar a exportação.")

    async def _produce(self, tenant_id: uuid.UUID, job: ExportJob) -> None:
        source = get_source(job.source)
        fmt = check_format(job.format)
        filters = source.parse_filters(job.filters)
        if fmt == "pdf" and (job.total_rows or 0) > PDF_MAX_ROWS:
            raise ExportTooLarge(
                f"PDF aceita até {PDF_MAX_ROWS} linhas; esta exportação tem {job.total_rows}. "
                "Use CSV ou XLSX."
            )
        async with self.db.session(tenant_id=tenant_id, readonly=True) as session:
            brand = await tenant_brand(session)
        stamp = utcnow().astimezone(SAO_PAULO).strftime("%Y%m%d-%H%M")
        name = f"{source.name.replace('.', '-')}-{stamp}.{FORMATS[fmt][1]}"
        with tempfile.TemporaryDirectory(prefix="lastro-export-") as tmp:
            path = Path(tmp) / name

            async def progress(done: int) -> None:
                await self._progress(tenant_id, job.id, done)

            with path.open("wb") as out:
                rows = await write_export(
                    self.db, tenant_id, source, filters, fmt, out, brand, progress=progress
                )
            async with self.db.unit_of_work(tenant_id=tenant_id) as session:
                with path.open("rb") as handle:
                    document = await self.documents.save(
                        session,
                        handle,
                        name=name,
                        category=EXPORTS_CATEGORY,
                        resource_type="export",
                        resource_id=str(job.id),
                        actor=job.created_by,
                        size_limit=MAX_EXPORT_BYTES,
                    )
                await session.execute(
                    update(ExportJob)
                    .where(ExportJob.id == job.id)
                    .values(
                        status="done",
                        rows_done=rows,
                        total_rows=rows,
                        document_id=document.id,
                        finished_at=utcnow(),
                        heartbeat_at=utcnow(),
                    )
                    .execution_options(synchronize_session=False)
                )

    async def _notify(self, tenant_id: uuid.UUID, export_id: uuid.UUID) -> None:
        async with self.db.unit_of_work(tenant_id=tenant_id) as session:
            job = await session.scalar(select(ExportJob).where(ExportJob.id == export_id))
            if job is None or job.report_id is None or job.notified_at is not None:
                return
            report = await session.scalar(
                select(ScheduledReport).where(ScheduledReport.id == job.report_id)
            )
            if report is None or not report.recipients or job.document_id is None:
                job.notified_at = utcnow()
                return
            url, expires = await self.signed_url(session, job)
            data = {
                "report": report.name,
                "rows": job.rows_done,
                "format": job.format.upper(),
                "url": url,
                "expires_at": expires.astimezone(SAO_PAULO).strftime("%d/%m/%Y %H:%M"),
            }
            for email in report.recipients:
                await notify(
                    session,
                    Recipient(email=email),
                    "exports.report_ready",
                    data,
                    channels=["email"],
                )
            job.notified_at = utcnow()

    async def signed_url(
        self, session: AsyncSession, job: ExportJob, *, ttl: timedelta = LINK_TTL
    ) -> tuple[str, datetime]:
        """An absolute signed link to the export's file (for e-mails)."""
        from lastro.core.documents.service import get_document

        assert job.document_id is not None
        document = await get_document(session, job.document_id)
        link = self.documents.link(document, ttl=ttl)
        base = self.public_url
        if not base:
            tenant = await session.get(Tenant, job.tenant_id)
            host = f"{tenant.slug}.{self.base_domain}" if tenant else self.base_domain
            base = f"https://{host}"
        return base.rstrip("/") + link.url, link.expires_at

    async def _fail(self, tenant_id: uuid.UUID, export_id: uuid.UUID, error: str) -> None:
        async with self.db.unit_of_work(tenant_id=tenant_id) as session:
            await session.execute(
                update(ExportJob)
                .where(ExportJob.id == export_id)
                .values(status="failed", error=error[:500], finished_at=utcnow())
                .execution_options(synchronize_session=False)
            )

    async def _requeue(self, tenant_id: uuid.UUID, export_id: uuid.UUID, error: str) -> None:
        async with self.db.unit_of_work(tenant_id=tenant_id) as session:
            await session.execute(
                update(ExportJob)
                .where(ExportJob.id == export_id, ExportJob.status == "running")
                .values(status="queued", error=error[:500])
                .execution_options(synchronize_session=False)
            )

    async def tick(self, enqueue: Enqueue, *, now: datetime | None = None) -> int:
        """Start due reports and revive lost exports; returns how many exports were queued."""
        now = now or utcnow()
        queued: list[tuple[uuid.UUID, uuid.UUID]] = []
        async with self.db.unit_of_work(platform=True) as session:
            stmt = (
                select(ScheduledReport)
                .where(ScheduledReport.is_active.is_(True), ScheduledReport.next_run_at <= now)
                .order_by(ScheduledReport.next_run_at)
                .limit(200)
            )
            if self.db.dialect == "postgresql":
                stmt = stmt.with_for_update(skip_locked=True)
            for report in (await session.scalars(stmt)).all():
                job = ExportJob(
                    id=new_id(),
                    tenant_id=report.tenant_id,
                    source=report.source,
                    format=report.format,
                    filters=dict(report.filters or {}),
                    status="queued",
                    created_by=report.created_by,
                    created_at=now,
                    report_id=report.id,
                )
                session.add(job)
                report.last_run_at = now
                report.last_export_id = job.id
                try:
                    report.next_run_at = next_run(report.cron, now)
                except InvalidCron:
                    report.is_active = False
                queued.append((report.tenant_id, job.id))
            stale = await session.execute(
                select(ExportJob.tenant_id, ExportJob.id)
                .where(
                    or_(
                        (ExportJob.status == "queued")
                        & (ExportJob.created_at < now - STALE_QUEUED),
                        (ExportJob.status == "running")
                        & (ExportJob.heartbeat_at < now - STALE_HEARTBEAT),
                    )
                )
                .limit(200)
            )
            queued.extend((row[0], row[1]) for row in stale)
        for tenant_id, export_id in queued:
            try:
                await enqueue(tenant_id, export_id)
            except Exception:
                log.exception("could not enqueue export %s", export_id)
        return len(queued)

    async def expire(self, *, keep: timedelta = KEEP_EXPORTS, now: datetime | None = None) -> int:
        """Erase the files of exports finished before ``now - keep``; returns how many."""
        from lastro.core.documents.service import erase_document, get_document

        cutoff = (now or utcnow()) - keep
        async with self.db.unit_of_work(platform=True) as session:
            rows = await session.execute(
                select(ExportJob.tenant_id, ExportJob.id, ExportJob.document_id)
                .where(ExportJob.status == "done", ExportJob.finished_at < cutoff)
                .order_by(ExportJob.finished_at)
                .limit(500)
            )
            due = [(r[0], r[1], r[2]) for r in rows]
        expired = 0
        for tenant_id, export_id, document_id in due:
            try:
                async with self.db.unit_of_work(tenant_id=tenant_id) as session:
                    if document_id is not None:
                        document = await get_document(session, document_id, include_deleted=True)
                        await erase_document(session, self.documents.store, document)
                    await session.execute(
                        update(ExportJob)
                        .where(ExportJob.id == export_id)
                        .values(status="expired")
                        .execution_options(synchronize_session=False)
                    )
                expired += 1
            except LastroError as exc:  # a retention rule on the category keeps it
                log.info("export %s kept: %s", export_id, exc.code)
        return expired
