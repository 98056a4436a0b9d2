"""``/consorcio``: the administradora's home — KPIs (groups, active quotas, this month's
billing, delinquency) and charts (billed × received per month, quotas per segment, quotas per
collection stage)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from lastro.kit.clock import today_sp
from lastro.kit.money import brl
from lastro.modules.consorcio.backoffice import labels, queries
from lastro.modules.consorcio.backoffice.charts import bar_chart, stacked_share
from lastro.modules.consorcio.backoffice.web import integer, month_label, staff_page
from lastro.modules.consorcio.billing.models import BillingRun, Installment
from lastro.modules.consorcio.groups.models import Group

router = APIRouter(include_in_schema=False)
MONTHS = 12


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def months_back(day: date, count: int) -> list[str]:
    out = []
    year, month = day.year, day.month
    for _ in range(count):
        out.append(f"{year:04d}-{month:02d}")
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return list(reversed(out))


async def billing_by_month(
    session: AsyncSession, months: list[str]
) -> dict[str, tuple[Decimal, Decimal, int]]:
    """Per reference month: (billed, received, installments) over installments not cancelled
    or replaced (a replaced installment is billed again by its successor)."""
    rows = (
        await session.execute(
            select(
                Installment.reference_month,
                func.coalesce(func.sum(Installment.total), 0),
                func.coalesce(func.sum(Installment.paid_amount), 0),
                func.count(),
            )
            .where(
                Installment.reference_month.in_(months),
                Installment.status.not_in(("cancelled", "replaced")),
            )
            .group_by(Installment.reference_month)
        )
    ).all()
    return {m: (Decimal(str(b)), Decimal(str(r)), int(n)) for m, b, r, n in rows}


async def overdue_totals(session: AsyncSession, today: date) -> tuple[int, Decimal]:
    """Installments past due and unpaid (count, open amount)."""
    count, amount = (
        await session.execute(
            select(
                func.count(),
                func.coalesce(func.sum(Installment.total - Installment.paid_amount), 0),
            ).where(
                Installment.status.in_(("open", "partial")),
                Installment.due_date < today,
            )
        )
    ).one()
    return int(count), Decimal(str(amount)).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class Dashboard:
    """The home page's figures (also served as JSON by ``GET /api/v1/consorcio/dashboard``)."""

    today: date
    group_status: dict[str, int]
    quota_status: dict[str, int]
    stages: dict[str, int]
    months: list[str]
    billing: dict[str, tuple[Decimal, Decimal, int]]
    overdue_count: int
    overdue_amount: Decimal
    segments: list[tuple[str, int, int]]

    @property
    def active_quotas(self) -> int:
        return sum(self.quota_status.get(s, 0) for s in queries.ACTIVE_QUOTA)

    @property
    def late_quotas(self) -> int:
        return sum(n for s, n in self.stages.items() if s != "em_dia")

    @property
    def this_month(self) -> tuple[Decimal, Decimal, int]:
        return self.billing.get(month_of(self.today), (Decimal(0), Decimal(0), 0))

    def month(self, key: str) -> tuple[Decimal, Decimal, int]:
        return self.billing.get(key, (Decimal(0), Decimal(0), 0))


async def dashboard(session: AsyncSession, today: date) -> Dashboard:
    months = months_back(today, MONTHS)
    overdue_count, overdue_amount = await overdue_totals(session, today)
    return Dashboard(
        today=today,
        group_status={
            s: int(n)
            for s, n in (
                await session.execute(select(Group.status, func.count()).group_by(Group.status))
            ).all()
        },
        quota_status=await queries.quota_counts(session),
        stages=await queries.collection_counts(session),
        months=months,
        billing=await billing_by_month(session, months),
        overdue_count=overdue_count,
        overdue_amount=overdue_amount,
        segments=await queries.segment_counts(session),
    )


@router.get("/consorcio")
async def home_page(request: Request) -> Response:
    async with staff_page(request) as staff:
        if staff.denied:
            return staff.denied
        session = staff.session
        d = await dashboard(session, today_sp())
        last_run = await session.scalar(
            select(BillingRun).order_by(BillingRun.reference_month.desc()).limit(1)
        )
        this_month = d.this_month
        active, late = d.active_quotas, d.late_quotas
        collected = (
            (this_month[1] / this_month[0] * 100).quantize(Decimal("0.1"))
            if this_month[0]
            else None
        )
        ordered_stages = sorted(d.stages.items(), key=lambda kv: _stage_order(kv[0]))
        ctx: dict[str, Any] = {
            "groups_total": sum(d.group_status.values()),
            "group_status": d.group_status,
            "active_quotas": active,
            "quota_status": d.quota_status,
            "late_quotas": late,
            "late_share": (Decimal(late) / active * 100).quantize(Decimal("0.1"))
            if active
            else None,
            "this_month": this_month,
            "this_month_label": month_label(d.today),
            "collected": collected,
            "overdue_count": d.overdue_count,
            "overdue_amount": d.overdue_amount,
            "last_run": last_run,
            "run_status": labels.badge(labels.RUN_STATUS, last_run.status) if last_run else None,
            "segments": [(labels.label(labels.SEGMENTS, s), g, q) for s, g, q in d.segments],
            "charts": {
                "billed": bar_chart(
                    "Faturado por mês (parcelas)",
                    [(month_label(m), d.month(m)[0], brl(d.month(m)[0])) for m in d.months],
                ),
                "received": bar_chart(
                    "Recebido por mês de referência",
                    [(month_label(m), d.month(m)[1], brl(d.month(m)[1])) for m in d.months],
                    colours=["#12a37f"] * len(d.months),
                ),
                "segments": bar_chart(
                    "Cotas ativas por segmento",
                    [(labels.label(labels.SEGMENTS, s), q, integer(q)) for s, _, q in d.segments],
                    width=420,
                ),
            },
            "stages": stacked_share(
                [
                    (
                        labels.badge(labels.COLLECTION, s)[0],
                        n,
                        labels.STAGE_COLOURS[min(_stage_order(s), len(labels.STAGE_COLOURS) - 1)],
                    )
                    for s, n in ordered_stages
                ]
            ),
            "month_rows": [(month_label(m), *d.month(m)) for m in reversed(d.months)],
        }
        return staff.render("consorcio/backoffice/home.html", ctx)


def _stage_order(flag: str) -> int:
    """em_dia first, then atraso_1, atraso_2, … then anything else."""
    if flag == "em_dia":
        return 0
    if flag.startswith("atraso_") and flag[7:].isdigit():
        return int(flag[7:])
    return 9
