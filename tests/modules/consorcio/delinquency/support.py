"""Builders for the delinquency tests: a group and quotas through the API, installments of the
ABAC example (2.34 % of R$ 30,000 = 600 + 90 + 12) written to billing's table."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import select

from lastro.core.runtime import Runtime
from lastro.modules.consorcio.billing.models import Installment
from lastro.modules.consorcio.quotas import service as quotas
from lastro.modules.consorcio.quotas.models import Quota
from tests.conftest import TenantHandle
from tests.modules.consorcio.groups.support import create_group, sell_ok

D = Decimal


async def group_with_quotas(
    client: httpx.AsyncClient, t: TenantHandle, n: int = 1, **overrides: Any
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    group = await create_group(client, t, **overrides)
    sold = [await sell_ok(client, t, group["id"]) for _ in range(n)]
    return group, sold


async def add_installment(
    runtime: Runtime,
    tenant_id: uuid.UUID,
    quota: dict[str, Any],
    number: int,
    due: date,
    *,
    price: Decimal = D("30000.00"),
    price_on: date | None = None,
    paid_on: date | None = None,
) -> uuid.UUID:
    """Installment ``number`` of 2.34 % billed at ``price`` (the quota's credit), open unless
    ``paid_on`` is given (then paid in full at the boleto price)."""
    fc, ta, fr = (
        (price * D("0.02")).quantize(D("0.01")),
        (price * D("0.003")).quantize(D("0.01")),
        (price * D("0.0004")).quantize(D("0.01")),
    )
    total = fc + ta + fr
    async with runtime.db.unit_of_work(tenant_id=tenant_id) as session:
        row = Installment(
            quota_id=uuid.UUID(quota["id"]),
            group_id=uuid.UUID(quota["group_id"]),
            number=number,
            reference_month=f"{due.year:04d}-{due.month:02d}",
            due_date=due,
            price=price,
            price_on=price_on or date(2026, 1, 1),
            fc_pct=D("2"),
            ta_pct=D("0.3"),
            fr_pct=D("0.04"),
            ins_pct=D("0"),
            fc_amount=fc,
            ta_amount=ta,
            fr_amount=fr,
            total=total,
            status="paid" if paid_on else "open",
            paid_amount=total if paid_on else D("0.00"),
            paid_on=paid_on,
        )
        session.add(row)
        await session.flush()
        return row.id


async def contemplate(runtime: Runtime, tenant_id: uuid.UUID, quota_id: str, on: date) -> None:
    async with runtime.db.unit_of_work(tenant_id=tenant_id) as session:
        quota = await session.scalar(select(Quota).where(Quota.id == uuid.UUID(quota_id)))
        assert quota is not None
        await quotas.change_status(session, quota, "contemplada", on=on, check=False)
