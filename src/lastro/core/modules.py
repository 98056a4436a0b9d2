"""The module contract: a module declares itself once and the composition root assembles it.

A module (``lastro.modules.<name>``) exposes ``build_spec(parts) -> ModuleSpec`` (or a static
``module = ModuleSpec(...)`` when it needs nothing from the runtime); ``main.py`` mounts the
enabled ones. A large module assembles its spec from one spec per area with :func:`combine`.
Nothing here knows any module by name.
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


def combine(
    name: str,
    title: str,
    areas: Iterable[ModuleSpec],
    *,
    description: str = "",
    templates: Path | None = None,
    settings: type[Any] | None = None,
    home_path: str | None = None,
) -> ModuleSpec:
    """One module from its areas (a large module keeps one sub-package per domain noun, each
    declaring its own routes, pages, permissions, jobs, handlers, meters and demo data).

    Routers are merged in order; permissions are unioned per role; a job, schedule or meter
    declared twice is an error; demo loaders run in the areas' order."""
    areas = list(areas)
    router = APIRouter()
    pages = APIRouter()
    permissions: dict[str, set[str]] = {}
    jobs: dict[str, JobFunction] = {}
    meters: dict[str, UsageMeter] = {}
    schedules: list[Schedule] = []
    handlers: list[EventSubscription] = []
    models: list[type[Any]] = []
    loaders: list[DemoLoader] = []
    for area in areas:
        if area.router is not None:
            router.include_router(area.router)
        if area.pages is not None:
            pages.include_router(area.pages)
        for role, granted in area.permissions.items():
            permissions.setdefault(role, set()).update(granted)
        declared = (("job", jobs, area.jobs), ("meter", meters, area.usage_meters))
        for kind, target, source in declared:
            for key, value in source.items():
                if key in target:
                    raise ValueError(f"{name}: {kind} {key!r} declared twice")
                target[key] = value  # type: ignore[assignment]
        schedules.extend(area.schedules)
        handlers.extend(area.event_handlers)
        models.extend(area.models)
        if area.demo is not None:
            loaders.append(area.demo)
    names = [s.name for s in schedules]
    if len(names) != len(set(names)):
        raise ValueError(f"{name}: a schedule is declared twice")

    async def demo(runtime: Runtime) -> None:
        for loader in loaders:
            await loader(runtime)

    return ModuleSpec(
        name=name,
        title=title,
        description=description,
        router=router if router.routes else None,
        pages=pages if pages.routes else None,
        templates=templates,
        models=tuple(models),
        permissions={role: sorted(granted) for role, granted in permissions.items()},
        settings=settings,
        event_handlers=tuple(handlers),
        jobs=jobs,
        schedules=tuple(schedules),
        demo=demo if loaders else None,
        usage_meters=meters,
        home_path=home_path,
    )
