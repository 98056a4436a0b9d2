"""Data-subject requests (LGPD art. 18): opened with their deadline, executed across every
registered source, closed with an outcome — each step in the audit log.

The deadline is ``opened_at + 15`` calendar days, to the minute (art. 19, II: "no prazo de até 15
(quinze) dias, contado da data do requerimento"); the law counts calendar days, not business
days. A request is overdue while it is open or in progress after its deadline.
"""

from __future__ import annotations

import io
import uuid
import zipfile
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer

from lastro.contracts.lgpd import DataSubject, DataSubjectSource, ErasureOutcome, sources
from lastro.core.audit.service import record as audit
from lastro.core.lgpd import consents
from lastro.core.lgpd.errors import ExportNotAvailable, RequestClosed, RequestNotFound
from lastro.core.lgpd.models import DataSubjectRequest
from lastro.core.lgpd.sources import USERS
from lastro.core.lgpd.subjects import masked
from lastro.infra.database import Database
from lastro.kit.clock import ensure_utc, utcnow
from lastro.kit.pagination import fetch_page

DEADLINE = timedelta(days=15)
KINDS = ("access", "rectification", "erasure", "anonymisation", "consent_revocation")
STATUSES = ("open", "in_progress", "completed", "refused")
PENDING = ("open", "in_progress")
ERASING = ("erasure", "anonymisation")


def deadline_for(opened_at: datetime) -> datetime:
    return opened_at + DEADLINE


def subject_of(request: DataSubjectRequest) -> DataSubject:
    return DataSubject(cpf=request.subject_cpf, email=request.subject_email)


def is_overdue(request: DataSubjectRequest, now: datetime | None = None) -> bool:
    return request.status in PENDING and ensure_utc(request.deadline) < (now or utcnow())


def ordered_sources() -> list[DataSubjectSource]:
    """Every registered source, the user accounts last: other sources find the person through
    their accounts, so those must still carry the CPF and e-mail while the others run."""
    registered = sources()
    return [s for s in registered if s.name != USERS] + [s for s in registered if s.name == USERS]


async def open_request(
    session: AsyncSession,
    *,
    kind: str,
    subject: DataSubject,
    channel: str,
    notes: str = "",
    changes: Mapping[str, str] | None = None,
    purposes: Sequence[str] | None = None,
    requested_by: uuid.UUID | None = None,
) -> DataSubjectRequest:
    now = utcnow()
    request = DataSubjectRequest(
        kind=kind,
        status="open",
        subject_cpf=subject.cpf,
        subject_email=subject.email,
        channel=channel,
        notes=notes,
        changes=dict(changes) if changes else None,
        purposes=sorted(set(purposes)) if purposes else None,
        requested_by=requested_by,
        opened_at=now,
        deadline=deadline_for(now),
    )
    session.add(request)
    await session.flush()
    audit(
        session,
        "lgpd.request.opened",
        "lgpd_request",
        request.id,
        after={"kind": kind, "subject": masked(subject), "deadline": request.deadline.isoformat()},
    )
    return request


async def get_request(session: AsyncSession, request_id: uuid.UUID) -> DataSubjectRequest:
    request = await session.scalar(
        select(DataSubjectRequest).where(DataSubjectRequest.id == request_id)
    )
    if request is None:
        raise RequestNotFound("Solicitação LGPD não encontrada.")
    return request


async def list_requests(
    session: AsyncSession,
    *,
    status: str | None = None,
    kind: str | None = None,
    overdue: bool | None = None,
    page: int = 1,
    limit: int = 50,
) -> tuple[list[DataSubjectRequest], int]:
    """Newest first; ``overdue=True`` lists pending requests past their deadline, oldest
    deadline first (what to answer next)."""
    stmt = select(DataSubjectRequest)
    if status is not None:
        stmt = stmt.where(DataSubjectRequest.status == status)
    if kind is not None:
        stmt = stmt.where(DataSubjectRequest.kind == kind)
    now = utcnow()
    late = DataSubjectRequest.status.in_(PENDING) & (DataSubjectRequest.deadline < now)
    if overdue is True:
        stmt = stmt.where(late).order_by(DataSubjectRequest.deadline, DataSubjectRequest.id)
    else:
        if overdue is False:
            stmt = stmt.where(~late)
        stmt = stmt.order_by(DataSubjectRequest.opened_at.desc(), DataSubjectRequest.id.desc())
    return await fetch_page(session, stmt, page=page, limit=limit)


def _ensure_pending(request: DataSubjectRequest) -> None:
    if request.status not in PENDING:
        raise RequestClosed(f"A solicitação já está encerrada ({request.status}).")


async def start(
    session: AsyncSession, request_id: uuid.UUID, *, actor: uuid.UUID | None
) -> DataSubjectRequest:
    """Mark the request as being handled (identity being confirmed, data being gathered)."""
    request = await get_request(session, request_id)
    _ensure_pending(request)
    if request.status == "open":
        request.status = "in_progress"
        request.started_at = utcnow()
        await session.flush()
        audit(session, "lgpd.request.started", "lgpd_request", request.id)
    return request


async def refuse(
    session: AsyncSession, request_id: uuid.UUID, *, reason: str, actor: uuid.UUID | None
) -> DataSubjectRequest:
    """Close without acting, with the reason the titular must be told (art. 18, § 4º)."""
    request = await get_request(session, request_id)
    _ensure_pending(request)
    request.status = "refused"
    request.refusal_reason = reason
    _close(request, actor)
    await session.flush()
    audit(
        session,
        "lgpd.request.refused",
        "lgpd_request",
        request.id,
        after={"reason": reason, "outcome": request.outcome},
    )
    return request


async def execute(
    session: AsyncSession, request_id: uuid.UUID, *, actor: uuid.UUID | None
) -> DataSubjectRequest:
    """Answer the request across every source and close it, in the caller's transaction: a
    source that fails rolls the whole answer back and the request stays pending."""
    request = await get_request(session, request_id)
    _ensure_pending(request)
    if request.started_at is None:
        request.started_at = utcnow()
    subject = subject_of(request)
    outcome: dict[str, Any]
    if request.kind == "access":
        document, outcome = await _collect(request, session, subject)
        request.export_data = document
    elif request.kind == "rectification":
        outcome = await _rectify(session, subject, request.changes or {})
    elif request.kind in ERASING:
        outcome = await _erase(session, subject)
    else:
        revoked = await consents.revoke_all(
            session,
            subject,
            purposes=request.purposes,
            channel="lgpd",
            reason=f"Revogado pela solicitação LGPD {request.id}",
        )
        outcome = {"revoked": len(revoked), "purposes": sorted({c.purpose for c in revoked})}
    request.status = "completed"
    _close(request, actor, outcome)
    await session.flush()
    audit(
        session,
        "lgpd.request.completed",
        "lgpd_request",
        request.id,
        after={"kind": request.kind, "outcome": request.outcome},
    )
    return request


def _close(
    request: DataSubjectRequest, actor: uuid.UUID | None, outcome: dict[str, Any] | None = None
) -> None:
    now = utcnow()
    request.completed_at = now
    request.completed_by = actor
    request.outcome = {**(outcome or {}), "deadline_met": now <= ensure_utc(request.deadline)}


def _json_safe(value: Any) -> Any:
    """What a source returned, as the JSON that will be stored (dates, decimals as text)."""
    return orjson.loads(orjson.dumps(value, default=str))


async def _collect(
    request: DataSubjectRequest, session: AsyncSession, subject: DataSubject
) -> tuple[dict[str, Any], dict[str, Any]]:
    per_source: dict[str, list[dict[str, Any]]] = {}
    for source in ordered_sources():
        records = await source.collect(session, subject)
        per_source[source.name] = [r.as_dict() for r in records]
    document = _json_safe(
        {
            "request_id": str(request.id),
            "generated_at": utcnow().isoformat(),
            "subject": {"cpf": subject.cpf, "email": subject.email},
            "sources": per_source,
        }
    )
    summary = {name: {"records": len(records)} for name, records in per_source.items()}
    return document, {"sources": summary}


async def _rectify(
    session: AsyncSession, subject: DataSubject, changes: Mapping[str, str]
) -> dict[str, Any]:
    applied = {}
    for source in ordered_sources():
        lines = await source.rectify(session, subject, changes)
        if lines:
            applied[source.name] = lines
    return {"fields": sorted(changes), "applied": applied}


async def _erase(session: AsyncSession, subject: DataSubject) -> dict[str, Any]:
    per_source: dict[str, Any] = {}
    total = ErasureOutcome()
    for source in ordered_sources():
        result = await source.erase(session, subject)
        per_source[source.name] = result.as_dict()
        total = ErasureOutcome(
            erased=total.erased + result.erased,
            anonymised=total.anonymised + result.anonymised,
            kept=total.kept + result.kept,
            kept_reasons=tuple(dict.fromkeys((*total.kept_reasons, *result.kept_reasons))),
        )
    return {"sources": per_source, "totals": total.as_dict()}


async def export_archive(session: AsyncSession, request_id: uuid.UUID) -> tuple[str, bytes]:
    """The titular's copy (art. 19, § 3º — electronic, readable): a ZIP with a manifest and
    one JSON document per source."""
    request = await session.scalar(
        select(DataSubjectRequest)
        .where(DataSubjectRequest.id == request_id)
        .options(undefer(DataSubjectRequest.export_data))
    )
    if request is None:
        raise RequestNotFound("Solicitação LGPD não encontrada.")
    document = request.export_data
    if request.kind != "access" or request.status != "completed" or document is None:
        raise ExportNotAvailable(
            "Esta solicitação não tem exportação: só pedidos de acesso concluídos têm."
        )
    option = orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        sources_data: dict[str, Any] = document.get("sources", {})
        manifest = {
            "request_id": document.get("request_id"),
            "generated_at": document.get("generated_at"),
            "subject": document.get("subject"),
            "sources": {name: f"{name}.json" for name in sources_data},
        }
        archive.writestr("manifest.json", orjson.dumps(manifest, option=option))
        for name, records in sources_data.items():
            archive.writestr(f"{name}.json", orjson.dumps(records, option=option))
    return f"lgpd-{request.id}.zip", buffer.getvalue()


async def record_download(db: Database, tenant_id: uuid.UUID, request_id: uuid.UUID) -> None:
    """Audit a download in its own transaction: the GET that serves it reads on a read-only
    (autocommit) session, where the audit chain cannot be extended atomically."""
    async with db.unit_of_work(tenant_id=tenant_id) as session:
        audit(session, "lgpd.export.downloaded", "lgpd_request", request_id)
