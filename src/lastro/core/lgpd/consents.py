"""The consent register: who consented to what, under which text, when, and when it ended.

History is append-only: a grant is a new row, a revocation stamps ``revoked_at`` once, and a
new version of the text supersedes (revokes) the previous grant for the same purpose.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from lastro.contracts.lgpd import DataSubject
from lastro.core.audit.service import record as audit
from lastro.core.lgpd.errors import ConsentAlreadyRevoked, ConsentNotFound
from lastro.core.lgpd.models import Consent
from lastro.core.lgpd.subjects import masked, matches
from lastro.kit.clock import utcnow
from lastro.kit.context import current_context
from lastro.kit.pagination import fetch_page

SUPERSEDED = "Substituído por nova versão do termo"


def of_subject(subject: DataSubject) -> ColumnElement[bool]:
    return matches(Consent.subject_cpf, Consent.subject_email, subject)


async def active(
    session: AsyncSession, subject: DataSubject, purposes: Sequence[str] | None = None
) -> list[Consent]:
    stmt = select(Consent).where(of_subject(subject), Consent.revoked_at.is_(None))
    if purposes:
        stmt = stmt.where(Consent.purpose.in_(list(purposes)))
    return list(await session.scalars(stmt.order_by(Consent.granted_at, Consent.id)))


async def grant(
    session: AsyncSession,
    subject: DataSubject,
    *,
    purpose: str,
    text_version: str,
    channel: str,
    recorded_by: uuid.UUID | None,
) -> tuple[Consent, bool]:
    """Record a grant; returns it and whether it is new (the same active grant is reused)."""
    now = utcnow()
    for current in await active(session, subject, [purpose]):
        if current.text_version == text_version:
            return current, False
        _stamp_revoked(current, channel, SUPERSEDED)
        audit(session, "lgpd.consent.revoked", "lgpd_consent", current.id, after=_summary(current))
    consent = Consent(
        subject_cpf=subject.cpf,
        subject_email=subject.email,
        purpose=purpose,
        text_version=text_version,
        channel=channel,
        granted_at=now,
        recorded_by=recorded_by,
        ip=current_context().ip,
    )
    session.add(consent)
    await session.flush()
    audit(session, "lgpd.consent.granted", "lgpd_consent", consent.id, after=_summary(consent))
    return consent, True


async def get(session: AsyncSession, consent_id: uuid.UUID) -> Consent:
    consent = await session.scalar(select(Consent).where(Consent.id == consent_id))
    if consent is None:
        raise ConsentNotFound("Consentimento não encontrado.")
    return consent


async def revoke(
    session: AsyncSession, consent_id: uuid.UUID, *, channel: str, reason: str | None
) -> Consent:
    consent = await get(session, consent_id)
    if consent.revoked_at is not None:
        raise ConsentAlreadyRevoked("Este consentimento já foi revogado.")
    _stamp_revoked(consent, channel, reason or "Revogado a pedido do titular")
    await session.flush()
    audit(session, "lgpd.consent.revoked", "lgpd_consent", consent.id, after=_summary(consent))
    return consent


async def revoke_all(
    session: AsyncSession,
    subject: DataSubject,
    *,
    purposes: Sequence[str] | None,
    channel: str,
    reason: str,
) -> list[Consent]:
    revoked = await active(session, subject, purposes)
    for consent in revoked:
        _stamp_revoked(consent, channel, reason)
        audit(session, "lgpd.consent.revoked", "lgpd_consent", consent.id, after=_summary(consent))
    await session.flush()
    return revoked


async def history(
    session: AsyncSession, subject: DataSubject | None, *, page: int, limit: int
) -> tuple[list[Consent], int]:
    """Every grant (active or not), newest first; all of the tenant's when no subject."""
    stmt = select(Consent)
    if subject is not None:
        stmt = stmt.where(of_subject(subject))
    stmt = stmt.order_by(Consent.granted_at.desc(), Consent.id.desc())
    return await fetch_page(session, stmt, page=page, limit=limit)


def _stamp_revoked(consent: Consent, channel: str, reason: str) -> None:
    consent.revoked_at = utcnow()
    consent.revocation_channel = channel
    consent.revocation_reason = reason[:200]


def _summary(consent: Consent) -> dict[str, object]:
    """What the audit log keeps: the purpose and version, the titular only masked."""
    subject = masked(DataSubject(cpf=consent.subject_cpf, email=consent.subject_email))
    return {
        "subject": subject,
        "purpose": consent.purpose,
        "text_version": consent.text_version,
        "channel": consent.channel,
        "revoked": consent.revoked_at is not None,
        "revocation_reason": consent.revocation_reason,
    }
