"""Request and response models of the exports and reports API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import EmailStr, Field

from lastro.kit.schemas import ReadModel, WriteModel

FormatName = Literal["csv", "xlsx", "pdf"]


class ColumnRead(ReadModel):
    key: str
    label: str
    kind: str


class FilterRead(ReadModel):
    name: str
    label: str
    kind: str


class SourceRead(ReadModel):
    name: str
    title: str
    columns: list[ColumnRead]
    filters: list[FilterRead]


class ExportCreate(WriteModel):
    source: str = Field(min_length=1, max_length=120)
    format: FormatName = "csv"
    filters: dict[str, str] = Field(default_factory=dict, max_length=20)


class ExportRead(ReadModel):
    id: uuid.UUID
    source: str
    format: str
    filters: dict[str, str]
    status: str
    progress: int = Field(description="0 a 100")
    total_rows: int | None
    rows_done: int
    error: str | None
    document_id: uuid.UUID | None
    report_id: uuid.UUID | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    download_url: str | None = Field(
        default=None, description="Link assinado (válido por 1 hora) quando concluída"
    )


class ReportCreate(WriteModel):
    name: str = Field(min_length=1, max_length=120)
    source: str = Field(min_length=1, max_length=120)
    format: FormatName = "xlsx"
    filters: dict[str, str] = Field(default_factory=dict, max_length=20)
    cron: str = Field(min_length=5, max_length=120, description="Horário de Brasília")
    recipients: list[EmailStr] = Field(min_length=1, max_length=20)


class ReportUpdate(WriteModel):
    name: str | None = Field(default=None, min_length=1, max_length=120)
    format: FormatName | None = None
    filters: dict[str, str] | None = Field(default=None, max_length=20)
    cron: str | None = Field(default=None, min_length=5, max_length=120)
    recipients: list[EmailStr] | None = Field(default=None, min_length=1, max_length=20)
    is_active: bool | None = None


class ReportRead(ReadModel):
    id: uuid.UUID
    name: str
    source: str
    format: str
    filters: dict[str, str]
    cron: str
    recipients: list[str]
    is_active: bool
    next_run_at: datetime
    last_run_at: datetime | None
    last_export_id: uuid.UUID | None
    created_at: datetime
