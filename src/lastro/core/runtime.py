"""Everything a running process holds: settings, database, infrastructure and enabled modules.

Built once by the composition root (``lastro.main``) and shared by the API, the CLI and workers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lastro.core.auth.service import AuthService
from lastro.core.billing.api_meter import ApiCallMeter
from lastro.core.modules import ModuleSpec
from lastro.infra.bus import MessageBus
from lastro.infra.cache import Cache
from lastro.infra.database import Database
from lastro.infra.events import EventDispatcher
from lastro.infra.jobs import JobQueue, JobRegistry, Schedule
from lastro.infra.locks import LockManager
from lastro.infra.outbox import OutboxRelay
from lastro.infra.rate_limit import RateLimiter
from lastro.settings import Settings


@dataclass
class Runtime:
    settings: Settings
    db: Database
    cache: Cache
    locks: LockManager
    rate_limiter: RateLimiter
    bus: MessageBus
    relay: OutboxRelay
    dispatcher: EventDispatcher
    job_registry: JobRegistry
    jobs: JobQueue
    auth: AuthService
    modules: list[ModuleSpec] = field(default_factory=list)
    core_schedules: list[Schedule] = field(default_factory=list)
    services: list[ModuleSpec] = field(default_factory=list)
    api_meter: ApiCallMeter | None = None

    def module(self, name: str) -> ModuleSpec | None:
        return next((m for m in self.modules if m.name == name), None)
