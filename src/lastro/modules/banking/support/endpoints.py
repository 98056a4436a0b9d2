"""Support ticket routes (``/api/v1/banking/support``): thin, one service call each."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import Field

from lastro.core.web.deps import Principal, SessionDep, TenantPrincipal, require
from lastro.core.web.routing import LastroRoute
from lastro.kit.pagination import MAX_LIMIT, Page, paginate
from lastro.kit.schemas import ReadModel, WriteModel
from lastro.modules.banking.support import service
from lastro.modules.banking.support.models import Ticket

router = APIRouter(
    prefix="/api/v1/banking/support", route_class=LastroRoute, tags=["banking: suporte"]
)

READ = "banking.support.read"
WRITE = "banking.support.write"

Status = Literal["OPEN", "IN_PROGRESS", "WAITING", "RESOLVED", "CLOSED"]
Category = Literal["account", "card", "pix", "transfer", "bill", "fraud", "other"]
Priority = Literal["low", "medium", "high", "urgent"]


class TicketCreate(WriteModel):
    category: Category
    priority: Priority = "medium"
    subject: str = Field(min_length=3, max_length=200)
    description: str = Field(min_length=1, max_length=10_000)
    attachments: list[uuid.UUID] = Field(default_factory=list, max_length=20)
    customer_id: uuid.UUID | None = None


class MessageCreate(WriteModel):
    body: str = Field(min_length=1, max_length=10_000)
    attachments: list[uuid.UUID] = Field(default_factory=list, max_length=20)


class StatusChange(WriteModel):
    status: Status


class Assignment(WriteModel):
    assignee_id: uuid.UUID | None


class TicketRead(ReadModel):
    id: uuid.UUID
    number: str
    customer_id: uuid.UUID
    category: str
    priority: str
    subject: str
    description: str
    status: str
    assignee_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None
    closed_at: datetime | None


class MessageRead(ReadModel):
    id: uuid.UUID
    author_id: uuid.UUID
    author_kind: str
    body: str
    created_at: datetime


class AttachmentRead(ReadModel):
    id: uuid.UUID
    document_id: uuid.UUID
    message_id: uuid.UUID | None
    name: str


class TicketDetail(TicketRead):
    messages: list[MessageRead]
    attachments: list[AttachmentRead]


def actor(p: Principal) -> service.Actor:
    return service.Actor(user_id=p.user_id, staff=p.can(service.MANAGE))


async def _detail(session: SessionDep, ticket: Ticket) -> TicketDetail:
    return TicketDetail(
        **TicketRead.model_validate(ticket).model_dump(),
        messages=[
            MessageRead.model_validate(m) for m in await service.messages_of(session, ticket)
        ],
        attachments=[
            AttachmentRead.model_validate(a) for a in await service.attachments_of(session, ticket)
        ],
    )


@router.post(
    "/tickets",
    response_model=TicketDetail,
    status_code=201,
    dependencies=[require(WRITE)],
    summary="Abrir chamado",
)
async def create_ticket(
    body: TicketCreate, p: TenantPrincipal, session: SessionDep
) -> TicketDetail:
    ticket = await service.create_ticket(
        session,
        actor(p),
        category=body.category,
        priority=body.priority,
        subject=body.subject,
        description=body.description,
        attachments=body.attachments,
        customer_id=body.customer_id,
    )
    return await _detail(session, ticket)


@router.get(
    "/tickets",
    response_model=Page[TicketRead],
    dependencies=[require(READ)],
    summary="Chamados (os seus; a equipe vê a fila inteira)",
)
async def list_tickets(
    p: TenantPrincipal,
    session: SessionDep,
    status: Status | None = None,
    category: Category | None = None,
    assignee_id: uuid.UUID | None = None,
    mine: bool = False,
    page: Annotated[int, Query(ge=1)] = 1,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> Page[TicketRead]:
    stmt = service.list_statement(
        actor(p), status=status, assignee_id=assignee_id, category=category, mine=mine
    )
    return await paginate(session, stmt, TicketRead.model_validate, page=page, limit=limit)


@router.get(
    "/tickets/{ticket_id}",
    response_model=TicketDetail,
    dependencies=[require(READ)],
    summary="Chamado com mensagens e anexos",
)
async def get_ticket(ticket_id: uuid.UUID, p: TenantPrincipal, session: SessionDep) -> TicketDetail:
    return await _detail(session, await service.get_ticket(session, actor(p), ticket_id))


@router.post(
    "/tickets/{ticket_id}/messages",
    response_model=MessageRead,
    status_code=201,
    dependencies=[require(WRITE)],
    summary="Enviar mensagem (409 TICKET_CLOSED se encerrado)",
)
async def add_message(
    ticket_id: uuid.UUID, body: MessageCreate, p: TenantPrincipal, session: SessionDep
) -> MessageRead:
    message = await service.add_message(session, actor(p), ticket_id, body.body, body.attachments)
    return MessageRead.model_validate(message)


@router.post(
    "/tickets/{ticket_id}/status",
    response_model=TicketRead,
    dependencies=[require(WRITE)],
    summary="Mudar a situação (OPEN → IN_PROGRESS → WAITING → RESOLVED → CLOSED)",
)
async def change_status(
    ticket_id: uuid.UUID, body: StatusChange, p: TenantPrincipal, session: SessionDep
) -> TicketRead:
    ticket = await service.change_status(session, actor(p), ticket_id, body.status)
    return TicketRead.model_validate(ticket)


@router.post(
    "/tickets/{ticket_id}/assign",
    response_model=TicketRead,
    dependencies=[require(service.MANAGE)],
    summary="Atribuir a alguém da equipe",
)
async def assign(
    ticket_id: uuid.UUID, body: Assignment, p: TenantPrincipal, session: SessionDep
) -> TicketRead:
    ticket = await service.assign(session, actor(p), ticket_id, body.assignee_id)
    return TicketRead.model_validate(ticket)
