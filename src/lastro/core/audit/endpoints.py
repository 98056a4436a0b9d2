"""``GET /api/v1/audit``: the tenant's audit records, newest first, paginated."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy import func, select

from lastro.core.audit.models import AuditRecord
from lastro.core.web.deps import SessionDep, TenantPrincipal, require
from lastro.core.web.routing import LastroRoute
from lastro.kit.errors import ValidationFailed
from lastro.kit.pagination import MAX_LIMIT, Page, decode_cursor, encode_cursor
from lastro.kit.schemas import ReadModel

router = APIRouter(prefix="/api/v1", route_class=LastroRoute, tags=["audit"])


class AuditRead(ReadModel):
    id: uuid.UUID
    seq: int
    occurred_at: datetime
    actor_kind: str
    actor_id: str | None
    actor_label: str | None
    action: str
    resource_type: str
    resource_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    ip: str | None
    user_agent: str | None
    request_id: str | None
    hash: str


@router.get(
    "/audit",
    response_model=Page[AuditRead],
    dependencies=[require("audit.read")],
    summary="Registros de auditoria do cliente",
)
async def list_audit(
    _principal: TenantPrincipal,
    session: SessionDep,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    action: Annotated[str | None, Query(max_length=80)] = None,
    resource_type: Annotated[str | None, Query(max_length=80)] = None,
) -> Page[AuditRead]:
    stmt = select(AuditRecord)
    if action:
        stmt = stmt.where(AuditRecord.action == action)
    if resource_type:
        stmt = stmt.where(AuditRecord.resource_type == resource_type)
    if cursor is not None:
        values = decode_cursor(cursor)
        if not values or not values[0].isdigit():
            raise ValidationFailed("Cursor inválido.", code="INVALID_CURSOR")
        rows = await session.scalars(
            stmt.where(AuditRecord.seq < int(values[0]))
            .order_by(AuditRecord.seq.desc())
            .limit(limit + 1)
        )
        items = list(rows.all())
        more = len(items) > limit
        items = items[:limit]
        return Page(
            items=[AuditRead.model_validate(r) for r in items],
            limit=limit,
            next_cursor=encode_cursor([str(items[-1].seq)]) if more and items else None,
        )
    total = int(await session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    rows = await session.scalars(
        stmt.order_by(AuditRecord.seq.desc()).offset((page - 1) * limit).limit(limit)
    )
    items = list(rows.all())
    next_cursor = encode_cursor([str(items[-1].seq)]) if items and page * limit < total else None
    return Page(
        items=[AuditRead.model_validate(r) for r in items],
        total=total,
        page=page,
        limit=limit,
        next_cursor=next_cursor,
    )
