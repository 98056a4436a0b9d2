"""Budgets and analytics pages: the holder's budgets with progress bars, spending by category
and the daily trend (/banking/budgets); the back office's view of one account's numbers or
of every budget near or over its limit (/banking/budgets/admin)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from lastro.core.web.deps import Principal
from lastro.kit.clock import today_sp
from lastro.modules.banking.accounts.models import BankAccount
from lastro.modules.banking.budgets import analytics, service
from lastro.modules.banking.budgets.charts import money_chart
from lastro.modules.banking.budgets.models import Budget
from lastro.modules.banking.cards.domain import CATEGORY_LABELS
from lastro.modules.banking.support.pagekit import render_page

router = APIRouter(include_in_schema=False)


async def _numbers(
    session: AsyncSession, accounts: list[BankAccount], caller: service.Caller
) -> dict[str, Any]:
    today = today_sp()
    start30 = today - timedelta(days=29)
    month_start = today.replace(day=1)
    lines = await analytics.spending(session, accounts, min(start30, month_start), today)
    total, cats = analytics.by_category([ln for ln in lines if ln.day >= month_start])
    days = analytics.by_day([ln for ln in lines if ln.day >= start30], start30, today)
    ids = [a.id for a in accounts]
    budgets = (
        list(
            (
                await session.scalars(
                    service.budgets_statement(caller).where(Budget.account_id.in_(ids))
                )
            ).all()
        )
        if ids
        else []
    )
    return {
        "states": await service.states(session, budgets),
        "month_total": total,
        "categories": cats,
        "category_chart": money_chart(
            "Gastos do mês por categoria", [(c.label, c.amount) for c in cats], coloured=True
        ),
        "trend_chart": money_chart(
            "Gastos por dia (30 dias)",
            [(d.day.strftime("%d/%m"), d.amount) for d in days],
            label_every=5,
        ),
        "labels": CATEGORY_LABELS,
        "period_labels": service.PERIOD_LABELS,
    }


@router.get("/banking/budgets")
async def holder_page(request: Request) -> Response:
    async def build(session: AsyncSession, p: Principal) -> dict[str, Any]:
        caller = service.Caller(p.user_id, staff=False)
        accounts = await service.accounts_for(session, caller, None)
        return {**await _numbers(session, accounts, caller), "staff": False, "accounts": accounts}

    return await render_page(
        request,
        "banking/budgets/budgets.html",
        "banking.budgets.read",
        build,
        title="Orçamentos e gastos",
    )


@router.get("/banking/budgets/admin")
async def staff_page(request: Request) -> Response:
    raw = request.query_params.get("account_id")
    try:
        account_id = uuid.UUID(raw) if raw else None
    except ValueError:
        account_id = None

    async def build(session: AsyncSession, p: Principal) -> dict[str, Any]:
        caller = service.Caller(p.user_id, staff=True)
        if account_id is not None:
            accounts = await service.accounts_for(session, caller, account_id)
            return {
                **await _numbers(session, accounts, caller),
                "staff": True,
                "accounts": accounts,
            }
        budgets = list((await session.scalars(service.budgets_statement(caller).limit(300))).all())
        states = [s for s in await service.states(session, budgets) if s.status != "SAFE"]
        return {
            "staff": True,
            "overview": states,
            "labels": CATEGORY_LABELS,
            "period_labels": service.PERIOD_LABELS,
        }

    return await render_page(
        request,
        "banking/budgets/budgets.html",
        service.STAFF,
        build,
        title="Orçamentos (equipe)",
    )
