"""Audit entries about the person: exported, never erased.

The log is hash-chained (changing one record breaks the chain) and is the controller's record of
processing operations, so it is kept under a legal obligation (LGPD art. 16, I, and art. 37).
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import ColumnElement, false, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from lastro.contracts.lgpd import DataSubject, ErasureOutcome, SubjectRecord
from lastro.core.audit.models import AuditRecord
from lastro.core.lgpd.sources.users import users_of

RETENTION = (
    "Trilha de auditoria encadeada por hash, mantida por obrigação legal e como registro das "
    "operações de tratamento (LGPD art. 16, I, e art. 37)"
)


async def _about(session: AsyncSession, subject: DataSubject) -> ColumnElement[bool]:
    """Entries whose resource or actor is one of the person's accounts."""
    users = await users_of(session, subject)
    ids = [str(u.id) for u in users]
    labels = [u.email for u in users]
    if subject.email:
        labels.append(subject.email)
    clauses: list[ColumnElement[bool]] = []
    if ids:
        clauses.append((AuditRecord.resource_type == "user") & AuditRecord.resource_id.in_(ids))
        clauses.append(AuditRecord.actor_id.in_(ids))
    if labels:
        clauses.append(AuditRecord.actor_label.in_(sorted(set(labels))))
    return or_(*clauses) if clauses else false()


class AuditSource:
    name = "audit"

    async def collect(self, session: AsyncSession, subject: DataSubject) -> list[SubjectRecord]:
        rows = await session.scalars(
            select(AuditRecord).where(await _about(session, subject)).order_by(AuditRecord.seq)
        )
        entries = [
            {
                "occurred_at": r.occurred_at.isoformat(),
                "action": r.action,
                "resource_type": r.resource_type,
                "resource_id": r.resource_id,
                "actor_id": r.actor_id,
                "ip": r.ip,
                "user_agent": r.user_agent,
            }
            for r in rows
        ]
        if not entries:
            return []
        return [
            SubjectRecord(
                category="auditoria",
                description="Registros de auditoria sobre o titular ou feitos por ele",
                data={"count": len(entries), "entries": entries},
                legal_basis="Cumprimento de obrigação legal (LGPD art. 7º, II)",
                erasable=False,
                retention=RETENTION,
            )
        ]

    async def rectify(
        self, session: AsyncSession, subject: DataSubject, changes: Mapping[str, str]
    ) -> list[str]:
        return []  # the log records what happened; correcting it would falsify it

    async def erase(self, session: AsyncSession, subject: DataSubject) -> ErasureOutcome:
        count = int(
            await session.scalar(
                select(func.count()).select_from(AuditRecord).where(await _about(session, subject))
            )
            or 0
        )
        return ErasureOutcome(kept=count, kept_reasons=(RETENTION,) if count else ())
