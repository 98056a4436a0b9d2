"""The module contract: a module declares itself once and the composition root assembles it.

A module (``lastro.modules.<name>``) exposes ``module = ModuleSpec(...)``; ``main.py`` mounts the
enabled ones. Nothing here knows any module by name.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter
from sqlalchemy.ext.asyncio import AsyncSession

from lastro.infra.bus import MessageBus
from lastro.infra.cache import Cache
from lastro.infra.database import Database
from lastro.infra.events import EventHandler
from lastro.infra.jobs import Schedule
from lastro.infra.locks import LockManager
from lastro.settings import Settings

if TYPE_CHECKING:
    from lastro.core.runtime import Runtime

JobFunction = Callable[[dict[str, Any]], Awaitable[None]]
UsageMeter = Callable[[AsyncSession], Awaitable[int]]
DemoLoader = Callable[["Runtime"], Awaitable[None]]


@dataclass(frozen=True)
class EventSubscription:
    name: str
    topics: tuple[str, ...]
    handler: EventHandler


@dataclass(frozen=True)
class ServiceParts:
    """What a core service's factory may close over when it builds its spec (settings,
    database, cache, bus, locks), before the runtime that holds them exists."""

    settings: Settings
    db: Database
    cache: Cache
    bus: MessageBus
    locks: LockManager


@dataclass(frozen=True)
class ModuleSpec:
    name: str
    title: str
    description: str = ""
    router: APIRouter | None = None
    pages: APIRouter | None = None
    templates: Path | None = None
    models: tuple[type[Any], ...] = ()
    permissions: Mapping[str, Iterable[str]] = field(default_factory=dict)
    settings: type[Any] | None = None
    event_handlers: tuple[EventSubscription, ...] = ()
    jobs: Mapping[str, JobFunction] = field(default_factory=dict)
    schedules: tuple[Schedule, ...] = ()
    demo: DemoLoader | None = None
    usage_meters: Mapping[str, UsageMeter] = field(default_factory=dict)
    home_path: str | None = None
