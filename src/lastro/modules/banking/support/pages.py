"""Support pages: the holder's tickets (/banking/support) and the staff queue
(/banking/support/queue), each ticket with its conversation."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData
from starlette.responses import Response

from lastro.core.auth.models import User
from lastro.core.web.deps import Principal
from lastro.kit.errors import ValidationFailed
from lastro.modules.banking.support import service
from lastro.modules.banking.support.pagekit import form_action, render_page

router = APIRouter(include_in_schema=False)


async def _names(session: AsyncSession, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    rows = await session.execute(select(User.id, User.name).where(User.id.in_(ids)))
    return dict(rows.all())


@router.get("/banking/support")
async def holder_page(request: Request) -> Response:
    async def build(session: AsyncSession, p: Principal) -> dict[str, Any]:
        actor = service.Actor(p.user_id, staff=False)
        tickets = (await session.scalars(service.list_statement(actor).limit(100))).all()
        return {
            "tickets": tickets,
            "labels": service.STATUS_LABELS,
            "staff": False,
            "categories": service.CATEGORIES,
            "priorities": service.PRIORITIES,
        }

    return await render_page(
        request, "banking/support/tickets.html", "banking.support.read", build, title="Suporte"
    )


@router.get("/banking/support/queue")
async def queue_page(request: Request) -> Response:
    status = request.query_params.get("status") or None
    if status not in (None, *service.STATUSES):
        status = None

    async def build(session: AsyncSession, p: Principal) -> dict[str, Any]:
        actor = service.Actor(p.user_id, staff=True)
        tickets = (
            await session.scalars(service.list_statement(actor, status=status).limit(200))
        ).all()
        names = await _names(
            session,
            {t.customer_id for t in tickets} | {t.assignee_id for t in tickets if t.assignee_id},
        )
        return {
            "tickets": tickets,
            "labels": service.STATUS_LABELS,
            "counts": await service.queue_counts(session),
            "names": names,
            "status": status,
            "staff": True,
        }

    return await render_page(
        request,
        "banking/support/queue.html",
        service.MANAGE,
        build,
        title="Fila de atendimento",
    )


@router.get("/banking/support/tickets/{ticket_id}")
async def ticket_page(request: Request, ticket_id: uuid.UUID) -> Response:
    async def build(session: AsyncSession, p: Principal) -> dict[str, Any]:
        actor = service.Actor(p.user_id, staff=p.can(service.MANAGE))
        ticket = await service.get_ticket(session, actor, ticket_id)
        messages = await service.messages_of(session, ticket)
        names = await _names(
            session,
            {m.author_id for m in messages}
            | {ticket.customer_id}
            | ({ticket.assignee_id} if ticket.assignee_id else set()),
        )
        return {
            "ticket": ticket,
            "messages": messages,
            "attachments": await service.attachments_of(session, ticket),
            "labels": service.STATUS_LABELS,
            "names": names,
            "staff": actor.staff,
            "next_steps": sorted(service.TRANSITIONS[ticket.status])
            if actor.staff
            else (["CLOSED", "IN_PROGRESS"] if ticket.status == "RESOLVED" else []),
        }

    return await render_page(
        request, "banking/support/ticket.html", "banking.support.read", build, title="Chamado"
    )


def _field(form: FormData, name: str, *, allowed: tuple[str, ...] | None = None) -> str:
    value = str(form.get(name) or "").strip()
    if not value or (allowed is not None and value not in allowed):
        raise ValidationFailed(f"Preencha o campo {name} corretamente.")
    return value


@router.post("/banking/support")
async def open_ticket(request: Request) -> Response:
    async def act(session: AsyncSession, p: Principal, form: FormData) -> str:
        ticket = await service.create_ticket(
            session,
            service.Actor(p.user_id, staff=p.can(service.MANAGE)),
            category=_field(form, "category", allowed=service.CATEGORIES),
            priority=_field(form, "priority", allowed=service.PRIORITIES),
            subject=_field(form, "subject")[:200],
            description=_field(form, "description")[:10_000],
        )
        return f"/banking/support/tickets/{ticket.id}"

    return await form_action(request, "banking.support.write", act, back="/banking/support")


@router.post("/banking/support/tickets/{ticket_id}/messages")
async def reply(request: Request, ticket_id: uuid.UUID) -> Response:
    async def act(session: AsyncSession, p: Principal, form: FormData) -> str:
        actor = service.Actor(p.user_id, staff=p.can(service.MANAGE))
        await service.add_message(session, actor, ticket_id, _field(form, "body")[:10_000])
        return f"/banking/support/tickets/{ticket_id}"

    back = f"/banking/support/tickets/{ticket_id}"
    return await form_action(request, "banking.support.write", act, back=back)


@router.post("/banking/support/tickets/{ticket_id}/status")
async def move(request: Request, ticket_id: uuid.UUID) -> Response:
    async def act(session: AsyncSession, p: Principal, form: FormData) -> str:
        actor = service.Actor(p.user_id, staff=p.can(service.MANAGE))
        to = _field(form, "status", allowed=service.STATUSES)
        await service.change_status(session, actor, ticket_id, to)
        return f"/banking/support/tickets/{ticket_id}"

    back = f"/banking/support/tickets/{ticket_id}"
    return await form_action(request, "banking.support.write", act, back=back)
