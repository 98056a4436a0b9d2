"""Request and response models of ``/api/v1/lgpd``."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import Field, field_validator

from lastro.kit.schemas import ReadModel, WriteModel

RequestKind = Literal["access", "rectification", "erasure", "anonymisation", "consent_revocation"]
RequestStatus = Literal["open", "in_progress", "completed", "refused"]


class SubjectRef(WriteModel):
    cpf: str | None = Field(default=None, max_length=20, description="Com ou sem pontuação")
    email: str | None = Field(default=None, max_length=254)


class RequestCreate(SubjectRef):
    kind: RequestKind = Field(
        description="access (acesso/portabilidade), rectification, erasure, anonymisation, "
        "consent_revocation"
    )
    channel: str = Field(default="api", min_length=1, max_length=40)
    notes: str = Field(default="", max_length=2000)
    changes: dict[str, str] | None = Field(
        default=None,
        max_length=20,
        description="Correções (rectification): name, email, cpf ou campos dos módulos",
    )
    purposes: list[str] | None = Field(
        default=None,
        max_length=50,
        description="Finalidades a revogar (consent_revocation); vazio revoga todas",
    )

    @field_validator("changes")
    @classmethod
    def _short_values(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        if value is not None and any(len(k) > 60 or len(v) > 500 for k, v in value.items()):
            raise ValueError("campos até 60 caracteres e valores até 500")
        return value


class RequestRefuse(WriteModel):
    reason: str = Field(min_length=3, max_length=1000, description="Motivo dado ao titular")


class RequestRead(ReadModel):
    id: uuid.UUID
    kind: str
    status: str
    subject_cpf: str | None
    subject_email: str | None
    channel: str
    notes: str
    changes: dict[str, str] | None
    purposes: list[str] | None
    requested_by: uuid.UUID | None
    opened_at: datetime
    deadline: datetime = Field(description="Data do pedido + 15 dias corridos (LGPD art. 19, II)")
    started_at: datetime | None
    completed_at: datetime | None
    completed_by: uuid.UUID | None
    outcome: dict[str, Any] | None
    refusal_reason: str | None
    overdue: bool = False
    export_available: bool = False


class ConsentCreate(SubjectRef):
    purpose: str = Field(min_length=1, max_length=120)
    text_version: str = Field(min_length=1, max_length=40, description="Versão do termo aceito")
    channel: str = Field(default="api", min_length=1, max_length=40)


class ConsentRevoke(WriteModel):
    channel: str = Field(default="api", min_length=1, max_length=40)
    reason: str | None = Field(default=None, max_length=200)


class ConsentRead(ReadModel):
    id: uuid.UUID
    subject_cpf: str | None
    subject_email: str | None
    purpose: str
    text_version: str
    channel: str
    granted_at: datetime
    recorded_by: uuid.UUID | None
    revoked_at: datetime | None
    revocation_channel: str | None
    revocation_reason: str | None
    active: bool = False
