"""Request and response models of the documents API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import Field

from lastro.kit.schemas import ReadModel, WriteModel

CATEGORY_PATTERN = r"^[a-z0-9][a-z0-9_.-]{0,59}$"


class DocumentRead(ReadModel):
    id: uuid.UUID
    name: str
    category: str
    resource_type: str | None
    resource_id: str | None
    current_version: int
    content_type: str
    size: int
    sha256: str
    retain_until: datetime | None
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None
    erased_at: datetime | None


class VersionRead(ReadModel):
    version: int
    name: str
    content_type: str
    size: int
    sha256: str
    created_at: datetime
    created_by: uuid.UUID | None


class LinkCreate(WriteModel):
    ttl_seconds: int = Field(default=3600, ge=60, le=7 * 24 * 3600)
    version: int | None = Field(default=None, ge=1)


class LinkRead(ReadModel):
    url: str
    expires_at: datetime


class PdfCreate(WriteModel):
    template: str = Field(min_length=1, max_length=60, description="contract, receipt, statement")
    data: dict[str, Any]
    store: bool = Field(default=False, description="Guardar como documento e devolver seus dados")
    name: str | None = Field(default=None, max_length=200)
    category: str = Field(default="generated", pattern=CATEGORY_PATTERN)
    resource_type: str | None = Field(default=None, max_length=80)
    resource_id: str | None = Field(default=None, max_length=80)


class PolicyWrite(WriteModel):
    category: str = Field(pattern=r"^(\*|[a-z0-9][a-z0-9_.-]{0,59})$")
    max_bytes: int | None = Field(default=None, ge=1, le=5 * 1024**3)
    allowed_types: list[str] | None = Field(default=None, max_length=50)
    retention_days: int | None = Field(default=None, ge=1, le=365 * 100)
    erase_after_days: int | None = Field(default=None, ge=0, le=3650)


class PolicyRead(ReadModel):
    category: str
    max_bytes: int | None
    allowed_types: list[str] | None
    retention_days: int | None
    erase_after_days: int | None
    updated_at: datetime
