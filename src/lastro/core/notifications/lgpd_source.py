"""What notifications hold about a person, for LGPD requests: the messages sent to them (by
user account or by address) and their delivery log. Erasure deletes ordinary messages and keeps
legal notices, which prove the person was told (LGPD art. 16, I)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from sqlalchemy import ColumnElement, delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from lastro.contracts.lgpd import DataSubject, ErasureOutcome, SubjectRecord, register_source
from lastro.core.auth.models import User
from lastro.core.notifications.models import Delivery, Notification

RETENTION = "Notificação legal: prova de que o titular foi avisado (LGPD art. 16, I)"
BASIS = "Execução de contrato e legítimo interesse em comunicar o titular (LGPD art. 7º, V e IX)"


async def _user_ids(session: AsyncSession, subject: DataSubject) -> list[uuid.UUID]:
    conditions: list[ColumnElement[bool]] = []
    if subject.cpf:
        conditions.append(User.cpf == subject.cpf)
    if subject.email:
        conditions.append(User.email == subject.email)
    return list((await session.scalars(select(User.id).where(or_(*conditions)))).all())


async def _notifications(session: AsyncSession, subject: DataSubject) -> list[Notification]:
    conditions: list[ColumnElement[bool]] = []
    users = await _user_ids(session, subject)
    if users:
        conditions.append(Notification.user_id.in_(users))
    if subject.email:
        conditions.append(Notification.recipient_email == subject.email)
    if not conditions:
        return []
    stmt = select(Notification).where(or_(*conditions)).order_by(Notification.created_at)
    return list((await session.scalars(stmt)).all())


class NotificationSource:
    name = "notifications"

    async def collect(self, session: AsyncSession, subject: DataSubject) -> list[SubjectRecord]:
        found = await _notifications(session, subject)
        if not found:
            return []
        deliveries: dict[uuid.UUID, list[Delivery]] = {}
        for d in (
            await session.scalars(
                select(Delivery).where(Delivery.notification_id.in_([n.id for n in found]))
            )
        ).all():
            deliveries.setdefault(d.notification_id, []).append(d)
        return [
            SubjectRecord(
                category="notificação",
                description=f"Mensagem '{n.subject}'",
                data={
                    "id": str(n.id),
                    "created_at": n.created_at.isoformat(),
                    "subject": n.subject,
                    "body": n.body,
                    "email": n.recipient_email,
                    "phone": n.recipient_phone,
                    "name": n.recipient_name,
                    "read_at": n.read_at.isoformat() if n.read_at else None,
                    "deliveries": [
                        {
                            "channel": d.channel,
                            "address": d.address,
                            "status": d.status,
                            "sent_at": d.sent_at.isoformat() if d.sent_at else None,
                        }
                        for d in deliveries.get(n.id, [])
                    ],
                },
                legal_basis=BASIS,
                erasable=not n.legal,
                retention=RETENTION if n.legal else None,
            )
            for n in found
        ]

    async def rectify(
        self, session: AsyncSession, subject: DataSubject, changes: Mapping[str, str]
    ) -> list[str]:
        return []  # messages already sent are a record of what was said, not corrected

    async def erase(self, session: AsyncSession, subject: DataSubject) -> ErasureOutcome:
        found = await _notifications(session, subject)
        erasable = [n.id for n in found if not n.legal]
        kept = len(found) - len(erasable)
        if erasable:
            await session.execute(delete(Delivery).where(Delivery.notification_id.in_(erasable)))
            await session.execute(delete(Notification).where(Notification.id.in_(erasable)))
        return ErasureOutcome(
            erased=len(erasable), kept=kept, kept_reasons=(RETENTION,) if kept else ()
        )


register_source(NotificationSource())
