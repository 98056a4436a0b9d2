"""Who is acting and on which request: read by the audit log and the structured logs."""

from __future__ import annotations

import uuid
from contextvars import ContextVar
from dataclasses import dataclass, replace


@dataclass(frozen=True, slots=True)
class RequestContext:
    request_id: str | None = None
    ip: str | None = None
    user_agent: str | None = None
    tenant_id: uuid.UUID | None = None
    tenant_slug: str | None = None
    actor_kind: str = "system"
    actor_id: str | None = None
    actor_label: str | None = None


_current: ContextVar[RequestContext] = ContextVar(
    "lastro_request_context",
    default=RequestContext(),  # noqa: B039 - a frozen dataclass, never mutated
)


def current_context() -> RequestContext:
    return _current.get()


def set_context(ctx: RequestContext) -> None:
    _current.set(ctx)


def update_context(**changes: object) -> RequestContext:
    ctx = replace(_current.get(), **changes)  # type: ignore[arg-type]
    _current.set(ctx)
    return ctx
