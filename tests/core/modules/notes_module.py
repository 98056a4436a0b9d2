"""A small module that lives only in the tests, to prove the module contract end to end:
models, routes, pages, permissions, events, jobs, schedules, demo data and usage meters."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from fastapi import APIRouter, Request, Response
from pydantic import Field
from sqlalchemy import String, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column
from starlette.responses import HTMLResponse

from lastro.core.audit.service import record as audit
from lastro.core.modules import EventSubscription, ModuleSpec
from lastro.core.runtime import Runtime
from lastro.core.web.deps import SessionDep, TenantPrincipal, require
from lastro.core.web.routing import LastroRoute
from lastro.infra.jobs import Schedule
from lastro.infra.outbox import publish
from lastro.kit.errors import NotFound
from lastro.kit.events import Event, register_event
from lastro.kit.orm import Base, TenantScoped, Timestamps
from lastro.kit.schemas import ReadModel, WriteModel


class Note(TenantScoped, Timestamps, Base):
    __tablename__ = "test_notes"

    text: Mapped[str] = mapped_column(String(200))


@register_event
class NotaCriada(Event):
    topic: ClassVar[str] = "notes.note.created"
    note_id: uuid.UUID
    text: str


class NoteIn(WriteModel):
    text: str = Field(min_length=1, max_length=200)


class NoteOut(ReadModel):
    id: uuid.UUID
    text: str


router = APIRouter(prefix="/api/v1/notes", route_class=LastroRoute, tags=["notes"])


async def _get(session: AsyncSession, note_id: uuid.UUID) -> Note:
    note = await session.scalar(select(Note).where(Note.id == note_id))
    if note is None:
        raise NotFound("Nota não encontrada.", code="NOTE_NOT_FOUND")
    return note


@router.get("", response_model=list[NoteOut], dependencies=[require("notes.read")])
async def list_notes(_p: TenantPrincipal, session: SessionDep) -> list[NoteOut]:
    return [NoteOut.model_validate(n) for n in await session.scalars(select(Note))]


@router.post("", response_model=NoteOut, status_code=201, dependencies=[require("notes.write")])
async def create_note(body: NoteIn, p: TenantPrincipal, session: SessionDep) -> NoteOut:
    note = Note(text=body.text)
    session.add(note)
    await session.flush()
    audit(session, "note.created", "note", note.id, after={"text": note.text})
    publish(session, NotaCriada(tenant_id=p.tenant_id, note_id=note.id, text=note.text))
    return NoteOut.model_validate(note)


@router.get("/{note_id}", response_model=NoteOut, dependencies=[require("notes.read")])
async def get_note(note_id: uuid.UUID, _p: TenantPrincipal, session: SessionDep) -> NoteOut:
    return NoteOut.model_validate(await _get(session, note_id))


@router.patch("/{note_id}", response_model=NoteOut, dependencies=[require("notes.write")])
async def update_note(
    note_id: uuid.UUID, body: NoteIn, _p: TenantPrincipal, session: SessionDep
) -> NoteOut:
    note = await _get(session, note_id)
    note.text = body.text
    return NoteOut.model_validate(note)


@router.delete("/{note_id}", status_code=204, dependencies=[require("notes.write")])
async def delete_note(note_id: uuid.UUID, _p: TenantPrincipal, session: SessionDep) -> Response:
    await session.delete(await _get(session, note_id))
    return Response(status_code=204)


pages = APIRouter(include_in_schema=False)


@pages.get("/notes")
async def notes_page(_request: Request) -> HTMLResponse:
    return HTMLResponse("<h1>Notas</h1>")


HANDLED: list[tuple[str, uuid.UUID]] = []
JOBS_RUN: list[dict[str, Any]] = []


async def on_note_created(session: AsyncSession, event: Event) -> None:
    assert isinstance(event, NotaCriada)
    count = await session.scalar(select(func.count()).select_from(Note))
    HANDLED.append((event.text, event.event_id))
    assert count


async def cleanup(payload: dict[str, Any]) -> None:
    JOBS_RUN.append(payload)


async def demo(runtime: Runtime) -> None:
    from lastro.core.platform.models import Tenant

    async with runtime.db.unit_of_work(platform=True) as session:
        tenant = await session.scalar(select(Tenant).where(Tenant.slug == "demo"))
    assert tenant is not None
    async with runtime.db.unit_of_work(tenant_id=tenant.id) as session:
        if not await session.scalar(select(func.count()).select_from(Note)):
            session.add(Note(text="Nota de demonstração"))


async def meter_notes(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(Note)) or 0)


module = ModuleSpec(
    name="notes",
    title="Notas",
    description="Módulo de teste do contrato de módulos.",
    router=router,
    pages=pages,
    models=(Note,),
    permissions={"tenant_admin": ["notes.read", "notes.write"], "operator": ["notes.read"]},
    event_handlers=(EventSubscription("notes.count", ("notes.note.created",), on_note_created),),
    jobs={"notes.cleanup": cleanup},
    schedules=(
        Schedule(
            name="notes.nightly",
            cron="0 3 * * *",
            job="notes.cleanup",
            payload={"older_than_days": 30},
        ),
    ),
    demo=demo,
    usage_meters={"notes": meter_notes},
    home_path="/notes",
)
