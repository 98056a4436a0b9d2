"""Bill payment pages: the holder's payments and schedule (/banking/bills) and the back
office's view of every payment (/banking/bills/admin)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from lastro.core.web.charts import month_label
from lastro.core.web.deps import Principal
from lastro.kit.clock import today_sp
from lastro.modules.banking.bills import service
from lastro.modules.banking.budgets.charts import money_chart
from lastro.modules.banking.support.pagekit import render_page

router = APIRouter(include_in_schema=False)

STATUS_LABELS = {
    "scheduled": "agendado",
    "paid": "pago",
    "cancelled": "cancelado",
    "failed": "falhou",
}


async def _context(session: AsyncSession, caller: service.Caller) -> dict[str, Any]:
    payments = list((await session.scalars(service.payments_statement(caller).limit(500))).all())
    today = today_sp()
    keys = []
    y, m = today.year, today.month
    for _ in range(6):
        keys.append((y, m))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    totals: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    for p in payments:
        if p.status == "paid" and p.paid_at is not None:
            totals[(p.scheduled_for.year, p.scheduled_for.month)] += p.amount
    return {
        "payments": payments[:100],
        "scheduled": [p for p in payments if p.status == "scheduled"],
        "labels": STATUS_LABELS,
        "chart": money_chart(
            "Contas pagas por mês", [(month_label(y, m), totals[(y, m)]) for y, m in reversed(keys)]
        ),
    }


@router.get("/banking/bills")
async def holder_page(request: Request) -> Response:
    async def build(session: AsyncSession, p: Principal) -> dict[str, Any]:
        return {**await _context(session, service.Caller(p.user_id, staff=False)), "staff": False}

    return await render_page(
        request, "banking/bills/bills.html", "banking.bills.read", build, title="Pagar contas"
    )


@router.get("/banking/bills/admin")
async def staff_page(request: Request) -> Response:
    async def build(session: AsyncSession, p: Principal) -> dict[str, Any]:
        return {**await _context(session, service.Caller(p.user_id, staff=True)), "staff": True}

    return await render_page(
        request,
        "banking/bills/bills.html",
        service.STAFF,
        build,
        title="Pagamentos de contas (equipe)",
    )
