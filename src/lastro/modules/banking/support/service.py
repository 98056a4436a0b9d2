"""Support tickets: numbering, the status flow, messages and assignment.

A customer sees and writes only on its own tickets; staff (``banking.support.manage``) see the
whole queue, assign, move tickets along the flow and answer. Services flush, never commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from sqlalchemy import Select, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from lastro.core.audit.service import record as audit
from lastro.core.auth.models import User
from lastro.core.documents.errors import DocumentNotFound
from lastro.core.documents.service import get_document
from lastro.core.notifications.api import DefaultTemplate, Recipient, notify, register_template
from lastro.infra.database import bound_tenant
from lastro.kit.clock import SAO_PAULO, utcnow
from lastro.kit.errors import Conflict, LastroError, NotFound, ValidationFailed
from lastro.kit.ids import new_id
from lastro.modules.banking.support.models import (
    Ticket,
    TicketAttachment,
    TicketCounter,
    TicketMessage,
)

STATUSES = ("OPEN", "IN_PROGRESS", "WAITING", "RESOLVED", "CLOSED")
# OPEN → IN_PROGRESS → WAITING → RESOLVED → CLOSED; waiting and resolved may go back to work
TRANSITIONS: dict[str, frozenset[str]] = {
    "OPEN": frozenset({"IN_PROGRESS"}),
    "IN_PROGRESS": frozenset({"WAITING", "RESOLVED"}),
    "WAITING": frozenset({"IN_PROGRESS", "RESOLVED"}),
    "RESOLVED": frozenset({"CLOSED", "IN_PROGRESS"}),
    "CLOSED": frozenset(),
}
CATEGORIES = ("account", "card", "pix", "transfer", "bill", "fraud", "other")
PRIORITIES = ("low", "medium", "high", "urgent")
MANAGE = "banking.support.manage"

register_template(
    DefaultTemplate(
        key="banking.support.reply",
        subject="Chamado {{ number }}: nova resposta",
        body="Respondemos ao seu chamado {{ number }} ({{ subject }}):\n\n{{ body }}",
        description="Resposta da equipe a um chamado de suporte",
    )
)
register_template(
    DefaultTemplate(
        key="banking.support.status",
        subject="Chamado {{ number }}: {{ status_label }}",
        body="Seu chamado {{ number }} ({{ subject }}) agora está: {{ status_label }}.",
        description="Mudança de situação de um chamado de suporte",
    )
)

STATUS_LABELS = {
    "OPEN": "aberto",
    "IN_PROGRESS": "em atendimento",
    "WAITING": "aguardando você",
    "RESOLVED": "resolvido",
    "CLOSED": "encerrado",
}


class TicketNotFound(NotFound):
    code: ClassVar[str] = "TICKET_NOT_FOUND"


class TicketClosed(Conflict):
    code: ClassVar[str] = "TICKET_CLOSED"
    title: ClassVar[str] = "Chamado encerrado"


class InvalidTransition(Conflict):
    code: ClassVar[str] = "INVALID_STATUS_TRANSITION"
    title: ClassVar[str] = "Mudança de situação não permitida"


class InvalidAssignee(LastroError):
    status: ClassVar[int] = 422
    code: ClassVar[str] = "INVALID_ASSIGNEE"
    title: ClassVar[str] = "Responsável inválido"


@dataclass(frozen=True)
class Actor:
    user_id: uuid.UUID
    staff: bool


def year_of_now() -> int:
    return utcnow().astimezone(SAO_PAULO).year


async def next_number(session: AsyncSession, year: int) -> str:
    """``TKT-YYYY-NNNNN``: an atomic increment of the year's counter (concurrent creators
    queue on the counter row, so no two get the same number)."""
    bump = (
        update(TicketCounter)
        .where(TicketCounter.year == year)
        .values(last_value=TicketCounter.last_value + 1)
        .returning(TicketCounter.last_value)
    )
    for _ in range(3):
        value = (await session.execute(bump)).scalar_one_or_none()
        if value is not None:
            return f"TKT-{year}-{value:05d}"
        try:
            async with session.begin_nested():
                await session.execute(
                    insert(TicketCounter).values(
                        tenant_id=bound_tenant(session), id=new_id(), year=year, last_value=0
                    )
                )
        except IntegrityError:
            continue  # another transaction created it first: bump that one
    raise Conflict("Não foi possível numerar o chamado; tente novamente.")


async def _attach(
    session: AsyncSession,
    ticket: Ticket,
    document_ids: Sequence[uuid.UUID],
    message_id: uuid.UUID | None,
) -> None:
    for document_id in dict.fromkeys(document_ids):
        try:
            document = await get_document(session, document_id)
        except DocumentNotFound as exc:
            raise ValidationFailed(
                f"Anexo {document_id} não encontrado: envie o arquivo em /api/v1/documents antes."
            ) from exc
        exists = await session.scalar(
            select(TicketAttachment.id).where(
                TicketAttachment.ticket_id == ticket.id,
                TicketAttachment.document_id == document_id,
            )
        )
        if exists is not None:
            continue
        session.add(
            TicketAttachment(
                ticket_id=ticket.id,
                message_id=message_id,
                document_id=document_id,
                name=document.name,
                created_at=utcnow(),
            )
        )


async def create_ticket(
    session: AsyncSession,
    actor: Actor,
    *,
    category: str,
    priority: str,
    subject: str,
    description: str,
    attachments: Sequence[uuid.UUID] = (),
    customer_id: uuid.UUID | None = None,
) -> Ticket:
    """Staff may open a ticket on a customer's behalf (``customer_id``)."""
    owner = actor.user_id
    if customer_id is not None and customer_id != actor.user_id:
        if not actor.staff:
            raise ValidationFailed("Só a equipe pode abrir chamado em nome de outra pessoa.")
        if await session.get(User, (bound_tenant(session), customer_id)) is None:
            raise ValidationFailed("Cliente do chamado não encontrado.")
        owner = customer_id
    ticket = Ticket(
        number=await next_number(session, year_of_now()),
        customer_id=owner,
        category=category,
        priority=priority,
        subject=subject,
        description=description,
        status="OPEN",
    )
    session.add(ticket)
    await session.flush()
    await _attach(session, ticket, attachments, None)
    audit(
        session,
        "banking.ticket.created",
        "banking_ticket",
        ticket.id,
        after={"number": ticket.number, "category": category, "priority": priority},
    )
    await session.flush()
    return ticket


async def get_ticket(session: AsyncSession, actor: Actor, ticket_id: uuid.UUID) -> Ticket:
    stmt = select(Ticket).where(Ticket.id == ticket_id)
    if not actor.staff:
        stmt = stmt.where(Ticket.customer_id == actor.user_id)
    ticket = await session.scalar(stmt)
    if ticket is None:
        raise TicketNotFound("Chamado não encontrado.")
    return ticket


async def lock_ticket(session: AsyncSession, actor: Actor, ticket_id: uuid.UUID) -> Ticket:
    stmt = select(Ticket).where(Ticket.id == ticket_id).with_for_update()
    if not actor.staff:
        stmt = stmt.where(Ticket.customer_id == actor.user_id)
    ticket = await session.scalar(stmt)
    if ticket is None:
        raise TicketNotFound("Chamado não encontrado.")
    return ticket


def list_statement(
    actor: Actor,
    *,
    status: str | None = None,
    assignee_id: uuid.UUID | None = None,
    category: str | None = None,
    mine: bool = False,
) -> Select[Ticket]:
    stmt = select(Ticket)
    if not actor.staff:
        stmt = stmt.where(Ticket.customer_id == actor.user_id)
    elif mine:
        stmt = stmt.where(Ticket.assignee_id == actor.user_id)
    if status:
        stmt = stmt.where(Ticket.status == status)
    if assignee_id:
        stmt = stmt.where(Ticket.assignee_id == assignee_id)
    if category:
        stmt = stmt.where(Ticket.category == category)
    return stmt.order_by(Ticket.created_at.desc(), Ticket.id.desc())


async def messages_of(session: AsyncSession, ticket: Ticket) -> list[TicketMessage]:
    rows = await session.scalars(
        select(TicketMessage)
        .where(TicketMessage.ticket_id == ticket.id)
        .order_by(TicketMessage.created_at, TicketMessage.id)
    )
    return list(rows.all())


async def attachments_of(session: AsyncSession, ticket: Ticket) -> list[TicketAttachment]:
    rows = await session.scalars(
        select(TicketAttachment)
        .where(TicketAttachment.ticket_id == ticket.id)
        .order_by(TicketAttachment.created_at, TicketAttachment.id)
    )
    return list(rows.all())


def _move(ticket: Ticket, to: str) -> None:
    if to not in TRANSITIONS.get(ticket.status, frozenset()):
        raise InvalidTransition(
            f"O chamado {ticket.number} está {STATUS_LABELS[ticket.status]} e não pode passar "
            f"para {STATUS_LABELS.get(to, to)}."
        )
    now = utcnow()
    ticket.status = to
    if to == "RESOLVED":
        ticket.resolved_at = now
    elif to == "CLOSED":
        ticket.closed_at = now
    elif to == "IN_PROGRESS":
        ticket.resolved_at = None


async def _tell_customer(session: AsyncSession, ticket: Ticket, template: str, **data: str) -> None:
    await notify(
        session,
        Recipient(user_id=ticket.customer_id),
        template,
        {"number": ticket.number, "subject": ticket.subject, **data},
    )


async def add_message(
    session: AsyncSession,
    actor: Actor,
    ticket_id: uuid.UUID,
    body: str,
    attachments: Sequence[uuid.UUID] = (),
) -> TicketMessage:
    """A closed ticket refuses messages. A staff answer takes an open ticket into work; the
    customer's answer to a ticket waiting on them brings it back to work."""
    ticket = await lock_ticket(session, actor, ticket_id)
    if ticket.status == "CLOSED":
        raise TicketClosed(
            f"O chamado {ticket.number} está encerrado e não recebe mensagens; abra outro."
        )
    kind = "staff" if actor.staff and actor.user_id != ticket.customer_id else "customer"
    message = TicketMessage(
        ticket_id=ticket.id,
        author_id=actor.user_id,
        author_kind=kind,
        body=body,
        created_at=utcnow(),
    )
    session.add(message)
    await session.flush()
    await _attach(session, ticket, attachments, message.id)
    if kind == "staff":
        if ticket.status == "OPEN":
            _move(ticket, "IN_PROGRESS")
            if ticket.assignee_id is None:
                ticket.assignee_id = actor.user_id
        await _tell_customer(session, ticket, "banking.support.reply", body=body[:1000])
    elif ticket.status in ("WAITING", "RESOLVED"):
        _move(ticket, "IN_PROGRESS")
    ticket.updated_at = utcnow()
    await session.flush()
    return message


async def change_status(
    session: AsyncSession, actor: Actor, ticket_id: uuid.UUID, to: str
) -> Ticket:
    """Staff move tickets along the flow; the customer may only close a resolved ticket of
    theirs (or reopen it)."""
    if to not in STATUSES:
        raise ValidationFailed(f"Situação desconhecida: {to}.")
    ticket = await lock_ticket(session, actor, ticket_id)
    before = ticket.status
    if not actor.staff and not (before == "RESOLVED" and to in ("CLOSED", "IN_PROGRESS")):
        raise InvalidTransition("O cliente só pode encerrar ou reabrir um chamado resolvido.")
    _move(ticket, to)
    audit(
        session,
        "banking.ticket.status_changed",
        "banking_ticket",
        ticket.id,
        before={"status": before},
        after={"status": to},
    )
    if actor.staff and actor.user_id != ticket.customer_id:
        await _tell_customer(
            session, ticket, "banking.support.status", status_label=STATUS_LABELS[to]
        )
    await session.flush()
    return ticket


async def assign(
    session: AsyncSession, actor: Actor, ticket_id: uuid.UUID, assignee_id: uuid.UUID | None
) -> Ticket:
    ticket = await lock_ticket(session, actor, ticket_id)
    if ticket.status == "CLOSED":
        raise TicketClosed(f"O chamado {ticket.number} está encerrado.")
    if assignee_id is not None:
        user = await session.get(User, (bound_tenant(session), assignee_id))
        if user is None or user.role == "customer" or not user.is_active:
            raise InvalidAssignee("O responsável deve ser um usuário ativo da equipe.")
    before = ticket.assignee_id
    ticket.assignee_id = assignee_id
    if assignee_id is not None and ticket.status == "OPEN":
        _move(ticket, "IN_PROGRESS")
    audit(
        session,
        "banking.ticket.assigned",
        "banking_ticket",
        ticket.id,
        before={"assignee_id": str(before) if before else None},
        after={"assignee_id": str(assignee_id) if assignee_id else None},
    )
    await session.flush()
    return ticket


async def queue_counts(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(select(Ticket.status, func.count()).group_by(Ticket.status))
    counts = dict.fromkeys(STATUSES, 0)
    counts.update({status: int(n) for status, n in rows.all()})
    return counts
