"""The consent register's rows about the person: exported; kept as proof on erasure, when
every consent still active is revoked."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from lastro.contracts.lgpd import DataSubject, ErasureOutcome, SubjectRecord
from lastro.core.lgpd import consents
from lastro.core.lgpd.models import Consent

RETENTION = "Prova de que o consentimento foi obtido e revogado (LGPD art. 8º, § 2º)"
ERASURE_REASON = "Eliminação de dados a pedido do titular"


class ConsentSource:
    name = "consents"

    async def collect(self, session: AsyncSession, subject: DataSubject) -> list[SubjectRecord]:
        rows = await session.scalars(
            select(Consent).where(consents.of_subject(subject)).order_by(Consent.granted_at)
        )
        return [
            SubjectRecord(
                category="consentimento",
                description=f"Consentimento para a finalidade '{c.purpose}'",
                data={
                    "id": str(c.id),
                    "purpose": c.purpose,
                    "text_version": c.text_version,
                    "channel": c.channel,
                    "granted_at": c.granted_at.isoformat(),
                    "revoked_at": c.revoked_at.isoformat() if c.revoked_at else None,
                    "revocation_reason": c.revocation_reason,
                },
                legal_basis="Consentimento do titular (LGPD art. 7º, I)",
                erasable=False,
                retention=RETENTION,
            )
            for c in rows
        ]

    async def rectify(
        self, session: AsyncSession, subject: DataSubject, changes: Mapping[str, str]
    ) -> list[str]:
        return []  # proof of consent is kept as it was given

    async def erase(self, session: AsyncSession, subject: DataSubject) -> ErasureOutcome:
        await consents.revoke_all(
            session, subject, purposes=None, channel="lgpd", reason=ERASURE_REASON
        )
        kept = int(
            await session.scalar(
                select(func.count()).select_from(Consent).where(consents.of_subject(subject))
            )
            or 0
        )
        return ErasureOutcome(kept=kept, kept_reasons=(RETENTION,) if kept else ())
