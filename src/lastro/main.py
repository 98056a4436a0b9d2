"""Composition root: settings → infrastructure → core → enabled modules.

``create_app()`` is the ASGI factory used by ``lastro serve``; ``build_runtime()`` is shared by the
CLI and workers so every entry point reads the same settings and wires the same parts.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from lastro.core.audit import endpoints as audit_endpoints
from lastro.core.audit.service import install_audit_hooks
from lastro.core.auth import account as account_endpoints
from lastro.core.auth import api_keys as api_key_endpoints
from lastro.core.auth import endpoints as auth_endpoints
from lastro.core.auth import users as users_endpoints
from lastro.core.auth.permissions import grant
from lastro.core.auth.service import AuthService
from lastro.core.billing import endpoints as billing_endpoints
from lastro.core.billing.api_meter import ApiCallMeter
from lastro.core.ledger.expiry import expire_pending
from lastro.core.modules import ModuleSpec, ServiceParts
from lastro.core.platform import branding as branding_endpoints
from lastro.core.platform import dashboard as platform_dashboard
from lastro.core.platform import endpoints as platform_endpoints
from lastro.core.platform import resellers as platform_resellers
from lastro.core.runtime import Runtime
from lastro.core.tenancy import install_tenancy_guard
from lastro.core.tools import endpoints as tools_endpoints
from lastro.core.web import idempotency, ops, pages
from lastro.core.web.deps import module_gate
from lastro.core.web.pipeline import RequestPipeline
from lastro.core.web.problems import install_problem_handlers
from lastro.core.web.routing import LastroRoute
from lastro.infra.bus import MemoryBus, build_bus
from lastro.infra.cache import build_cache
from lastro.infra.database import Database
from lastro.infra.events import EventDispatcher
from lastro.infra.jobs import JobQueue, JobRegistry, Schedule, Scheduler
from lastro.infra.locks import build_lock_manager
from lastro.infra.logging import configure_logging
from lastro.infra.outbox import OutboxRelay
from lastro.infra.rate_limit import build_rate_limiter
from lastro.modules import INSTALLED
from lastro.settings import Settings, get_settings

log = logging.getLogger(__name__)

INSTALLED_MODULES = INSTALLED
CORE_SERVICES: tuple[str, ...] = (
    "billing",
    "notifications",
    "webhooks",
    "documents",
    "exports",
    "config",
    "lgpd",
)
STATIC_DIR = Path(__file__).parent / "core" / "web" / "static"


def load_modules(
    names: Sequence[str] | None = None, parts: ServiceParts | None = None
) -> list[ModuleSpec]:
    """Import the named modules (all installed ones by default). A module's ``build_spec``
    gets ``parts`` (built from the default settings when not given)."""
    wanted = INSTALLED_MODULES if names is None else tuple(names)
    unknown = [n for n in wanted if n not in INSTALLED_MODULES]
    if unknown:
        raise ValueError(f"unknown modules: {', '.join(unknown)}")
    specs: list[ModuleSpec] = []
    for name in wanted:
        package = importlib.import_module(f"lastro.modules.{name}")
        factory = getattr(package, "build_spec", None)
        spec = factory(parts or _default_parts()) if factory is not None else package.module
        if not isinstance(spec, ModuleSpec):
            raise TypeError(f"lastro.modules.{name}.module is not a ModuleSpec")
        specs.append(spec)
    return specs


def _default_parts() -> ServiceParts:
    settings = get_settings()
    return ServiceParts(
        settings,
        Database(settings.database_url, pool_size=settings.database_pool_size),
        build_cache(settings.redis_url),
        build_bus(settings.broker_url),
        build_lock_manager(settings.redis_url),
    )


def load_core_services(parts: ServiceParts) -> list[ModuleSpec]:
    """The core services every module uses (always on, not gated by plan): each package
    ``lastro.core.<name>`` exposes ``build_spec(parts) -> ModuleSpec``."""
    specs: list[ModuleSpec] = []
    for name in CORE_SERVICES:
        factory = importlib.import_module(f"lastro.core.{name}").build_spec
        specs.append(factory(parts))
    return specs


def build_runtime(
    settings: Settings | None = None, modules: Sequence[ModuleSpec] | None = None
) -> Runtime:
    settings = settings or get_settings()
    install_tenancy_guard()
    install_audit_hooks()
    db = Database(
        settings.database_url, pool_size=settings.database_pool_size, echo=settings.database_echo
    )
    bus = build_bus(settings.broker_url)
    cache = build_cache(settings.redis_url)
    locks = build_lock_manager(settings.redis_url)
    parts = ServiceParts(settings, db, cache, bus, locks)
    services = load_core_services(parts)
    specs = list(modules) if modules is not None else load_modules(settings.enabled_modules, parts)
    registry = JobRegistry()
    for spec in (*services, *specs):
        grant(spec.permissions)
        for job_name, fn in spec.jobs.items():
            registry.job(job_name)(fn)
    core_schedules = _register_core_jobs(registry, db)
    dispatcher = EventDispatcher(db, bus)
    for spec in (*services, *specs):
        for sub in spec.event_handlers:
            dispatcher.add(sub.name, sub.topics, sub.handler)
    relay = OutboxRelay(db, bus)
    relay.install_commit_hook()
    return Runtime(
        settings=settings,
        db=db,
        cache=cache,
        locks=locks,
        rate_limiter=build_rate_limiter(settings.redis_url),
        bus=bus,
        relay=relay,
        dispatcher=dispatcher,
        job_registry=registry,
        jobs=JobQueue(bus, registry),
        auth=AuthService(settings),
        modules=specs,
        core_schedules=core_schedules + [sc for spec in services for sc in spec.schedules],
        services=services,
        api_meter=ApiCallMeter(db),
    )


def _register_core_jobs(registry: JobRegistry, db: Database) -> list[Schedule]:
    async def purge_idempotency_keys(_payload: dict[str, object]) -> None:
        await idempotency.purge_expired(db)

    async def expire_ledger_holds(_payload: dict[str, object]) -> None:
        await expire_pending(db)

    registry.register("core.idempotency.purge", purge_idempotency_keys)
    registry.register("core.ledger.expire_pending", expire_ledger_holds)
    return [
        Schedule(
            name="core.idempotency.purge",
            cron="17 3 * * *",
            job="core.idempotency.purge",
            payload={},
        ),
        # holds (card authorisations, bids awaiting payment) are released every minute
        Schedule(
            name="core.ledger.expire_pending",
            cron="* * * * *",
            job="core.ledger.expire_pending",
            payload={},
        ),
    ]


async def start_background(runtime: Runtime, *, consumers: bool) -> None:
    """Start the bus and the outbox relay; ``consumers`` also runs event handlers here."""
    await runtime.bus.start()
    runtime.relay.start()
    if consumers:
        await runtime.dispatcher.start()
        if isinstance(runtime.bus, MemoryBus):
            await runtime.dispatcher.recover_unhandled()


async def stop_background(runtime: Runtime) -> None:
    await runtime.relay.stop()
    await runtime.bus.close()
    await runtime.cache.close()
    await runtime.rate_limiter.close()
    await runtime.locks.close()
    await runtime.db.dispose()


class _EmbeddedWorker:
    """Jobs and cron schedules inside the API process, for the embedded default (no broker):
    one command runs everything. With a broker, `lastro worker` does this instead."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.stop_event = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self.runtime.jobs.run_worker()
        schedules = [s for spec in self.runtime.modules for s in spec.schedules]
        schedules.extend(self.runtime.core_schedules)
        scheduler = Scheduler(self.runtime.jobs, schedules, cache=self.runtime.cache)
        self.task = asyncio.create_task(scheduler.run(self.stop_event), name="embedded-scheduler")

    async def stop(self) -> None:
        self.stop_event.set()
        if self.task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self.task


def create_app(
    settings: Settings | None = None,
    modules: Sequence[ModuleSpec] | None = None,
    *,
    background: bool = True,
    runtime: Runtime | None = None,
) -> FastAPI:
    """The ASGI app. Pass ``runtime`` to share one (tests, embedded tools) instead of building."""
    settings = runtime.settings if runtime is not None else settings or get_settings()
    problems = settings.production_problems()
    if problems:
        raise RuntimeError("refusing to start in production: " + "; ".join(problems))
    configure_logging(settings.log_level, settings.log_json)
    runtime = runtime or build_runtime(settings, modules)

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if background:
            # Embedded mode (in-process bus) must consume here; with a real broker the
            # `lastro worker` process consumes and the app only relays.
            await start_background(runtime, consumers=settings.broker_url is None)
        in_process = background and settings.embedded_worker and settings.broker_url is None
        embedded = _EmbeddedWorker(runtime) if in_process else None
        if embedded is not None:
            await embedded.start()
        if background and runtime.api_meter is not None:
            runtime.api_meter.start()
        try:
            yield
        finally:
            if background and runtime.api_meter is not None:
                await runtime.api_meter.stop()
            if embedded is not None:
                await embedded.stop()
            await stop_background(runtime)

    app = FastAPI(
        title="Lastro API",
        version="1",
        lifespan=lifespan,
        description="Plataforma Lastro: núcleo SaaS e módulos de negócio.",
        docs_url="/docs",
        openapi_url="/openapi.json",
        redoc_url=None,
    )
    app.router.route_class = LastroRoute
    app.state.runtime = runtime
    install_problem_handlers(app)
    app.include_router(ops.router)
    app.include_router(auth_endpoints.router)
    app.include_router(account_endpoints.router)
    app.include_router(users_endpoints.router)
    app.include_router(api_key_endpoints.router)
    app.include_router(audit_endpoints.router)
    app.include_router(platform_endpoints.router)
    app.include_router(platform_resellers.platform_router)
    app.include_router(platform_resellers.router)
    app.include_router(platform_dashboard.router)
    app.include_router(platform_dashboard.pages_router)
    app.include_router(branding_endpoints.router)
    app.include_router(billing_endpoints.platform_router)
    app.include_router(billing_endpoints.router)
    app.include_router(tools_endpoints.router)
    app.include_router(pages.router)
    template_dirs = []
    for spec in runtime.services:
        for router in (spec.router, spec.pages):
            if router is not None:
                app.include_router(router)
        if spec.templates is not None:
            template_dirs.append(spec.templates)
    for spec in runtime.modules:
        gate = [module_gate(spec.name)]
        if spec.router is not None:
            app.include_router(spec.router, dependencies=gate)
        if spec.pages is not None:
            app.include_router(spec.pages, dependencies=gate)
        if spec.templates is not None:
            template_dirs.append(spec.templates)
    app.state.templates = pages.build_templates(template_dirs)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_middleware(
        RequestPipeline,
        max_body_bytes=settings.max_body_bytes,
        upload_max_bytes=settings.upload_max_bytes,
    )
    return app


def app_factory() -> FastAPI:
    """Entry point for the ASGI server (``lastro.main:app_factory``)."""
    return create_app()
