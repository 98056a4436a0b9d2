"""API calls per month, metered without a database write per request.

Each process counts calls by tenant in memory and adds them to the tenant's ``api_calls``
counter every few seconds (and when it stops), crossing the 90 %/100 % alerts like any metric.
A tenant whose plan has a hard ``api_calls`` limit and is over it gets 402 on its API-key calls
until the month turns; the check reads a per-process set refreshed by every flush.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import Counter

from sqlalchemy import select

from lastro.core.billing.errors import PlanLimitReached
from lastro.core.billing.metrics import metric
from lastro.core.billing.models import UsageCounter
from lastro.core.billing.usage import (
    Usage,
    current_period,
    enforced_limit,
    ensure_counter,
    raise_alerts,
)
from lastro.infra.database import Database
from lastro.kit.clock import utcnow

log = logging.getLogger(__name__)
METRIC = "api_calls"


class ApiCallMeter:
    def __init__(self, db: Database, *, interval: float = 5.0) -> None:
        self.db = db
        self.interval = interval
        self.pending: Counter[uuid.UUID] = Counter()
        self.over_limit: set[uuid.UUID] = set()
        self._task: asyncio.Task[None] | None = None

    def record(self, tenant_id: uuid.UUID) -> None:
        """Count one call; refuse it when the tenant is already over a hard monthly limit."""
        if tenant_id in self.over_limit:
            raise PlanLimitReached(
                "Limite do plano atingido para chamadas de API no mês. Faça upgrade do plano "
                "para continuar.",
                extra={"metric": METRIC},
            )
        self.pending[tenant_id] += 1

    async def flush(self) -> int:
        """Add what was counted to the tenants' counters; returns how many calls."""
        batch, self.pending = self.pending, Counter()
        period = current_period(METRIC)
        flushed = 0
        # tenants already over are re-checked too: a new month or a plan change frees them
        for tenant_id in set(batch) | self.over_limit:
            count = batch.get(tenant_id, 0)
            try:
                async with self.db.unit_of_work(tenant_id=tenant_id) as session:
                    if count:
                        await ensure_counter(session, METRIC, period)
                    row = await session.scalar(
                        select(UsageCounter)
                        .where(UsageCounter.metric == METRIC, UsageCounter.period == period)
                        .with_for_update()
                    )
                    previous = int(row.value) if row is not None else 0
                    if row is not None and count:
                        row.value = previous + count
                        row.updated_at = utcnow()
                    limit, hard = await enforced_limit(session, METRIC)
                    if limit and count:
                        await raise_alerts(
                            session,
                            Usage(METRIC, metric(METRIC).label, period, previous + count, limit),
                            previous=previous,
                        )
                    if limit is not None and hard and previous + count >= limit:
                        self.over_limit.add(tenant_id)
                    else:
                        self.over_limit.discard(tenant_id)
                flushed += count
            except Exception:  # keep the count for the next flush rather than lose it
                log.exception("could not record API calls", extra={"tenant_id": str(tenant_id)})
                self.pending[tenant_id] += count
        return flushed

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name="api-call-meter")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.flush()

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            await self.flush()
