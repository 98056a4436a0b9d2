"""Tables of the exports service: export jobs (one per background export) and scheduled
reports (a source, format and filters run on a cron and e-mailed)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from lastro.kit.orm import Base, TenantScoped, Timestamps


class ExportJob(TenantScoped, Base):
    __tablename__ = "export_jobs"
    __table_args__ = (
        Index("ix_export_jobs_tenant_created", "tenant_id", "created_at"),
        Index("ix_export_jobs_status", "status", "created_at"),
    )

    source: Mapped[str] = mapped_column(String(120))
    format: Mapped[str] = mapped_column(String(8))
    filters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(12), default="queued")  # running done failed
    total_rows: Mapped[int | None] = mapped_column(BigInteger, default=None)
    rows_done: Mapped[int] = mapped_column(BigInteger, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(500), default=None)
    document_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    report_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    notified_at: Mapped[datetime | None] = mapped_column(default=None)
    created_by: Mapped[uuid.UUID | None] = mapped_column(default=None)
    created_at: Mapped[datetime]
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    heartbeat_at: Mapped[datetime | None] = mapped_column(default=None)

    @property
    def progress(self) -> int:
        """Percent done (0-100); a finished export is 100 even with no rows."""
        if self.status == "done":
            return 100
        if not self.total_rows:
            return 0
        return min(99, int(100 * self.rows_done / self.total_rows))


class ScheduledReport(TenantScoped, Timestamps, Base):
    __tablename__ = "scheduled_reports"
    __table_args__ = (Index("ix_scheduled_reports_due", "is_active", "next_run_at"),)

    name: Mapped[str] = mapped_column(String(120))
    source: Mapped[str] = mapped_column(String(120))
    format: Mapped[str] = mapped_column(String(8))
    filters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    cron: Mapped[str] = mapped_column(String(120))  # evaluated in America/Sao_Paulo
    recipients: Mapped[list[str]] = mapped_column(JSON, default=list)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    next_run_at: Mapped[datetime]
    last_run_at: Mapped[datetime | None] = mapped_column(default=None)
    last_export_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    created_by: Mapped[uuid.UUID | None] = mapped_column(default=None)
