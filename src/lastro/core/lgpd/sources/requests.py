"""The person's own earlier requests: exported, and kept as the controller's proof of having
answered them (LGPD art. 37)."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from lastro.contracts.lgpd import DataSubject, ErasureOutcome, SubjectRecord
from lastro.core.lgpd.models import DataSubjectRequest
from lastro.core.lgpd.subjects import matches

RETENTION = "Registro do atendimento aos direitos do titular (LGPD art. 37)"


def _of(subject: DataSubject) -> ColumnElement[bool]:
    return matches(DataSubjectRequest.subject_cpf, DataSubjectRequest.subject_email, subject)


class RequestLogSource:
    name = "requests"

    async def collect(self, session: AsyncSession, subject: DataSubject) -> list[SubjectRecord]:
        rows = await session.scalars(
            select(DataSubjectRequest).where(_of(subject)).order_by(DataSubjectRequest.opened_at)
        )
        return [
            SubjectRecord(
                category="solicitações LGPD",
                description="Solicitação do titular",
                data={
                    "id": str(r.id),
                    "kind": r.kind,
                    "status": r.status,
                    "opened_at": r.opened_at.isoformat(),
                    "deadline": r.deadline.isoformat(),
                    "completed_at": r.completed_at.isoformat() if r.completed_at else None,
                },
                legal_basis="Cumprimento de obrigação legal (LGPD art. 7º, II)",
                erasable=False,
                retention=RETENTION,
            )
            for r in rows
        ]

    async def rectify(
        self, session: AsyncSession, subject: DataSubject, changes: Mapping[str, str]
    ) -> list[str]:
        return []

    async def erase(self, session: AsyncSession, subject: DataSubject) -> ErasureOutcome:
        kept = int(
            await session.scalar(
                select(func.count()).select_from(DataSubjectRequest).where(_of(subject))
            )
            or 0
        )
        return ErasureOutcome(kept=kept, kept_reasons=(RETENTION,) if kept else ())
