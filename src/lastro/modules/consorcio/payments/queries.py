"""Reads of the payments area, for the API and the back-office pages (plain dicts for pages,
so they never reach into this area's tables themselves)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from lastro.modules.consorcio.groups.models import Group
from lastro.modules.consorcio.payments.models import Payment, PaymentException, RetornoImport
from lastro.modules.consorcio.quotas.models import Quota


def imports_statement() -> Select[RetornoImport]:
    return select(RetornoImport).order_by(RetornoImport.created_at.desc(), RetornoImport.id)


def payments_statement(
    *,
    quota_id: uuid.UUID | None = None,
    charge_id: uuid.UUID | None = None,
    import_id: uuid.UUID | None = None,
    source: str | None = None,
) -> Select[Payment]:
    stmt = select(Payment)
    if quota_id is not None:
        stmt = stmt.where(Payment.quota_id == quota_id)
    if charge_id is not None:
        stmt = stmt.where(Payment.charge_id == charge_id)
    if import_id is not None:
        stmt = stmt.where(Payment.import_id == import_id)
    if source:
        stmt = stmt.where(Payment.source == source)
    return stmt.order_by(Payment.paid_on.desc(), Payment.created_at.desc(), Payment.id)


def exceptions_statement(
    *, import_id: uuid.UUID | None = None, status: str | None = None, source: str | None = None
) -> Select[PaymentException]:
    stmt = select(PaymentException)
    if import_id is not None:
        stmt = stmt.where(PaymentException.import_id == import_id)
    if status:
        stmt = stmt.where(PaymentException.status == status)
    if source:
        stmt = stmt.where(PaymentException.source == source)
    return stmt.order_by(
        PaymentException.created_at.desc(), PaymentException.line_no, PaymentException.id
    )


async def count(session: AsyncSession, stmt: Select[Any]) -> int:
    counted = select(func.count()).select_from(stmt.order_by(None).subquery())
    return int(await session.scalar(counted) or 0)


# --- shapes for the back-office pages ---------------------------------------------------


def _import_dict(row: RetornoImport) -> dict[str, Any]:
    return {
        "id": row.id,
        "created_at": row.created_at,
        "filename": row.filename,
        "layout": {"cnab240": "CNAB 240", "cnab400": "CNAB 400"}.get(row.layout, row.layout),
        "sha256": row.sha256,
        "lines": row.lines,
        "applied": row.applied,
        "duplicates": row.duplicates,
        "unknown": row.unknown,
        "rejected": row.rejected,
        "ignored": row.ignored,
        "amount": row.amount_applied,
        "amount_unknown": row.amount_unknown,
    }


async def list_imports(
    session: AsyncSession, *, page: int, size: int
) -> tuple[list[dict[str, Any]], int]:
    stmt = imports_statement()
    total = await count(session, stmt)
    rows = await session.scalars(stmt.offset((page - 1) * size).limit(size))
    return [_import_dict(r) for r in rows], total


async def _with_quota_labels(session: AsyncSession, stmt: Select[Payment]) -> list[dict[str, Any]]:
    rows = await session.execute(
        stmt.add_columns(Group.code, Quota.number, Quota.version)
        .join(Quota, Quota.id == Payment.quota_id)
        .join(Group, Group.id == Payment.group_id)
    )
    out = []
    for p, code, number, version in rows:
        out.append(
            {
                "id": p.id,
                "paid_on": p.paid_on,
                "quota_id": p.quota_id,
                "quota_label": f"{code}/{number:03d}" + (f".{version}" if version > 1 else ""),
                "source": {"cnab240": "CNAB 240", "cnab400": "CNAB 400", "pix": "PIX"}.get(
                    p.source, "Manual"
                ),
                "reference": p.reference,
                "amount": p.amount,
                "fine": p.fine_amount,
                "interest": p.interest_amount,
                "advance": p.advance_amount,
                "days_late": p.days_late,
            }
        )
    return out


async def recent_payments(session: AsyncSession, *, limit: int) -> list[dict[str, Any]]:
    stmt = select(Payment).order_by(Payment.created_at.desc(), Payment.id).limit(limit)
    return await _with_quota_labels(session, stmt)


async def quota_payments(session: AsyncSession, quota_id: uuid.UUID) -> list[dict[str, Any]]:
    return await _with_quota_labels(session, payments_statement(quota_id=quota_id).limit(500))


async def get_import(session: AsyncSession, import_id: uuid.UUID) -> dict[str, Any] | None:
    """``{"imp", "exceptions", "payments"}`` for the import page (None when not found)."""
    row = await session.scalar(select(RetornoImport).where(RetornoImport.id == import_id))
    if row is None:
        return None
    exceptions = await session.scalars(
        exceptions_statement(import_id=import_id)
        .order_by(None)
        .order_by(PaymentException.line_no)
        .limit(1000)
    )
    payments = await _with_quota_labels(session, payments_statement(import_id=import_id).limit(200))
    return {
        "imp": _import_dict(row),
        "exceptions": [
            {
                "line": e.line_no,
                "nosso_numero": e.reference,
                "reason": REASONS.get(e.reason, e.reason),
                "amount": e.amount,
                "detail": e.detail,
            }
            for e in exceptions
        ],
        "payments": payments,
    }


REASONS = {
    "UNKNOWN_NOSSO_NUMERO": "Nosso número desconhecido",
    "UNKNOWN_TXID": "txid desconhecido",
    "BANK_REJECTED": "Rejeitado pelo banco",
    "ZERO_AMOUNT": "Liquidação sem valor",
}
