"""The demo: months of history in tenant ``demo`` through the areas' services, idempotent."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select

from lastro.core.runtime import Runtime
from lastro.modules.consorcio.billing.models import BillingRun, Charge, Installment
from lastro.modules.consorcio.consorciados.models import Consorciado
from lastro.modules.consorcio.delinquency.models import DelinquencyPosition
from lastro.modules.consorcio.groups.models import Group, GroupPrice
from lastro.modules.consorcio.payments.models import Payment, PaymentException, RetornoImport
from lastro.modules.consorcio.quotas.models import Quota, QuotaPosition
from tests.conftest import Factory
from tests.modules.consorcio.backoffice.conftest import page_cookies

COUNTED = (
    Group,
    GroupPrice,
    Consorciado,
    Quota,
    BillingRun,
    Installment,
    Charge,
    Payment,
    RetornoImport,
    PaymentException,
)


async def _counts(runtime: Runtime, tenant_id: object) -> dict[str, int]:
    async with runtime.db.session(tenant_id=tenant_id, readonly=True) as session:  # type: ignore[arg-type]
        return {
            model.__tablename__: int(
                await session.scalar(select(func.count()).select_from(model)) or 0
            )
            for model in COUNTED
        }


async def test_demo_builds_history_once(
    runtime: Runtime, client: httpx.AsyncClient, factory: Factory, db_backend: str
) -> None:
    if db_backend != "sqlite":
        pytest.skip("the demo runs on SQLite in this suite (PostgreSQL adds nothing here)")
    tenant = await factory.tenant("demo", modules=["consorcio"])
    spec = runtime.modules[0]
    assert spec.demo is not None
    await spec.demo(runtime)
    first = await _counts(runtime, tenant.id)
    await spec.demo(runtime)
    assert await _counts(runtime, tenant.id) == first

    assert first["consorcio_groups"] == 5
    assert 150 <= first["consorcio_quotas"] <= 300
    assert first["consorcio_billing_runs"] >= 7
    assert first["consorcio_payments"] > first["consorcio_quotas"] * 5
    assert first["consorcio_payment_exceptions"] >= 1  # the unknown nosso número
    async with runtime.db.session(tenant_id=tenant.id, readonly=True) as session:
        sources = set(await session.scalars(select(Payment.source).distinct()))
        assert {"cnab240", "pix"} <= sources
        assert await session.scalar(select(func.count()).where(Payment.fine_amount > 0)) > 0
        statuses = set(await session.scalars(select(Quota.status).distinct()))
        assert "excluida" in statuses
        assert await session.scalar(select(func.max(Quota.version))) == 2  # reposição
        plans = set(await session.scalars(select(QuotaPosition.plan).distinct()))
        assert {"normal", "late_joiner", "reduced"} <= plans
        late = await session.scalar(
            select(func.count())
            .select_from(DelinquencyPosition)
            .where(DelinquencyPosition.overdue_count > 0)
        )
        assert late and late >= 5
        prices = await session.scalar(
            select(func.count()).select_from(GroupPrice).where(GroupPrice.source != "base")
        )
        assert prices == 1
        excluded = await session.scalar(select(Quota.id).where(Quota.status == "excluida"))
        group = await session.scalar(select(Group.id).where(Group.code == "AUT-2601"))

    page_cookies(client, tenant.access_token)
    home = await client.get("/consorcio")
    assert home.status_code == 200 and 'data-testid="kpi-groups">5<' in home.text
    for path in (
        f"/consorcio/grupos/{group}",
        f"/consorcio/grupos/{group}/contabilidade",
        f"/consorcio/cotas/{excluded}",
        "/consorcio/inadimplencia",
        "/consorcio/pagamentos",
        "/consorcio/cobranca",
    ):
        r = await client.get(path)
        assert r.status_code == 200, path
    delinquency = await client.get("/consorcio/inadimplencia")
    assert 'data-testid="excluded-list"' in delinquency.text
