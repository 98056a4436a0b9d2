"""``lastro worker``: the process that relays the outbox, consumes events and jobs, and fires
the cron schedules. Several workers may run at once (schedules fire once per tick)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from lastro.infra.jobs import Scheduler
from lastro.main import build_runtime, start_background, stop_background

log = logging.getLogger(__name__)


async def run_worker(stop: asyncio.Event | None = None) -> None:
    from lastro.infra.logging import configure_logging

    runtime = build_runtime()
    configure_logging(runtime.settings.log_level, runtime.settings.log_json)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    await start_background(runtime, consumers=True)
    await runtime.jobs.run_worker()
    schedules = [s for spec in runtime.modules for s in spec.schedules]
    schedules.extend(runtime.core_schedules)
    scheduler = Scheduler(runtime.jobs, schedules, cache=runtime.cache)
    log.info(
        "worker started",
        extra={
            "modules": [m.name for m in runtime.modules],
            "schedules": [s.name for s in schedules],
        },
    )
    try:
        await scheduler.run(stop)
    finally:
        await stop_background(runtime)
        log.info("worker stopped")
