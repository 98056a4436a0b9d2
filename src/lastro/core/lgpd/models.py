"""Tables of the lgpd service: data-subject requests and the consent register.

Both identify the person by CPF (11 digits) and/or e-mail (lower case), the two identifiers a
titular uses to ask; both are tenant data. Neither is ever deleted: the request log is the
controller's proof of compliance (LGPD art. 37) and a consent row is proof of consent (art. 8,
§ 2º) — a revocation stamps the row, a new grant adds one.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, deferred, mapped_column

from lastro.core.platform import models as _platform  # noqa: F401 - the "tenants" FK target
from lastro.kit.orm import Base, TenantScoped


class DataSubjectRequest(TenantScoped, Base):
    """A titular's request (LGPD art. 18) with its 15-day deadline (art. 19, II) and outcome."""

    __tablename__ = "lgpd_requests"
    __table_args__ = (
        Index("ix_lgpd_requests_status_deadline", "tenant_id", "status", "deadline"),
        Index("ix_lgpd_requests_subject_cpf", "tenant_id", "subject_cpf"),
        Index("ix_lgpd_requests_subject_email", "tenant_id", "subject_email"),
    )

    kind: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20), default="open")
    subject_cpf: Mapped[str | None] = mapped_column(String(11), default=None)
    subject_email: Mapped[str | None] = mapped_column(String(254), default=None)
    channel: Mapped[str] = mapped_column(String(40), default="api")
    notes: Mapped[str] = mapped_column(String(2000), default="")
    changes: Mapped[dict[str, str] | None] = mapped_column(JSON, default=None)
    purposes: Mapped[list[str] | None] = mapped_column(JSON, default=None)
    requested_by: Mapped[uuid.UUID | None] = mapped_column(default=None)
    opened_at: Mapped[datetime]
    deadline: Mapped[datetime]
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    completed_at: Mapped[datetime | None] = mapped_column(default=None)
    completed_by: Mapped[uuid.UUID | None] = mapped_column(default=None)
    outcome: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    refusal_reason: Mapped[str | None] = mapped_column(String(1000), default=None)
    # The export as answered to the titular, kept so the same document can be downloaded again.
    export_data: Mapped[dict[str, Any] | None] = deferred(mapped_column(JSON, default=None))


class Consent(TenantScoped, Base):
    """One grant of consent for one purpose; revoking stamps it, granting again adds a row."""

    __tablename__ = "lgpd_consents"
    __table_args__ = (
        Index("ix_lgpd_consents_subject_cpf", "tenant_id", "subject_cpf"),
        Index("ix_lgpd_consents_subject_email", "tenant_id", "subject_email"),
    )

    subject_cpf: Mapped[str | None] = mapped_column(String(11), default=None)
    subject_email: Mapped[str | None] = mapped_column(String(254), default=None)
    purpose: Mapped[str] = mapped_column(String(120))
    text_version: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(40))
    granted_at: Mapped[datetime]
    recorded_by: Mapped[uuid.UUID | None] = mapped_column(default=None)
    ip: Mapped[str | None] = mapped_column(String(64), default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    revocation_channel: Mapped[str | None] = mapped_column(String(40), default=None)
    revocation_reason: Mapped[str | None] = mapped_column(String(200), default=None)
