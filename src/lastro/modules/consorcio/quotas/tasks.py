"""Keep the SaaS core's ``active_quotas`` counter equal to the real count.

Sales and exits move the counter in their own transactions (``usage.consume``/``release``);
this daily pass re-measures it per tenant, so a counter that drifted (a restore, a manual fix in
the database) is corrected before the next invoice is priced by it."""

from __future__ import annotations

import logging

from sqlalchemy import select

from lastro.core.billing import usage
from lastro.infra.database import Database
from lastro.modules.consorcio.quotas.models import Quota
from lastro.modules.consorcio.quotas.service import METER, count_active

log = logging.getLogger(__name__)


async def sync_active_quotas(db: Database) -> int:
    """Re-measure every tenant that has quotas; returns how many tenants were measured."""
    async with db.session(platform=True, readonly=True) as session:
        tenants = list((await session.scalars(select(Quota.tenant_id).distinct())).all())
    done = 0
    for tenant_id in tenants:
        try:
            async with db.unit_of_work(tenant_id=tenant_id) as session:
                await usage.set_level(session, METER, await count_active(session))
            done += 1
        except Exception:
            log.exception("active quota sync failed", extra={"tenant_id": str(tenant_id)})
    return done
