"""Card pages: the holder's cards with recent purchases and spending per month
(/banking/cards), and the back office's view of every card and the declines
(/banking/cards/admin)."""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from datetime import timedelta
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData
from starlette.responses import Response

from lastro.core.web.charts import month_label
from lastro.core.web.deps import Principal
from lastro.kit.clock import today_sp
from lastro.modules.banking.budgets.charts import money_chart
from lastro.modules.banking.cards import domain, service
from lastro.modules.banking.cards.errors import CardStateConflict
from lastro.modules.banking.cards.models import CardAuthorization
from lastro.modules.banking.support.pagekit import form_action, render_page

router = APIRouter(include_in_schema=False)


def _monthly(auths: list[CardAuthorization], months: int = 6) -> list[tuple[str, Decimal]]:
    today = today_sp()
    keys: list[tuple[int, int]] = []
    y, m = today.year, today.month
    for _ in range(months):
        keys.append((y, m))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    totals: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    for a in auths:
        if a.status == "captured" and a.captured_amount is not None:
            totals[(a.local_date.year, a.local_date.month)] += a.captured_amount
    return [(month_label(y, m), totals[(y, m)]) for y, m in reversed(keys)]


async def _context(session: AsyncSession, caller: service.Caller) -> dict[str, Any]:
    cards = (await session.scalars(service.cards_statement(caller).limit(200))).all()
    since = today_sp().replace(day=1) - timedelta(days=160)
    auths = list(
        (
            await session.scalars(
                service.authorizations_statement(caller)
                .where(CardAuthorization.local_date >= since)
                .limit(2000)
            )
        ).all()
    )
    last4 = {c.id: c.last4 for c in cards}
    return {
        "cards": cards,
        "recent": auths[:30],
        "last4": last4,
        "labels": service.STATUS_LABELS,
        "auth_labels": service.STATUS_AUTH,
        "categories": domain.CATEGORY_LABELS,
        "mask": domain.mask,
        "chart": money_chart("Compras capturadas por mês", _monthly(auths)),
        "declines": Counter(a.decline_reason for a in auths if a.status == "declined"),
        "decline_text": service.DECLINE_TEXT,
    }


@router.get("/banking/cards")
async def holder_page(request: Request) -> Response:
    async def build(session: AsyncSession, p: Principal) -> dict[str, Any]:
        return {**await _context(session, service.Caller(p.user_id, staff=False)), "staff": False}

    return await render_page(
        request, "banking/cards/cards.html", "banking.cards.read", build, title="Cartões"
    )


@router.get("/banking/cards/admin")
async def staff_page(request: Request) -> Response:
    async def build(session: AsyncSession, p: Principal) -> dict[str, Any]:
        return {**await _context(session, service.Caller(p.user_id, staff=True)), "staff": True}

    return await render_page(
        request, "banking/cards/cards.html", service.STAFF, build, title="Cartões (equipe)"
    )


@router.post("/banking/cards/{card_id}/{action}")
async def card_action(request: Request, card_id: uuid.UUID, action: str) -> Response:
    """Block / unblock from the page (the holder's or staff's button)."""
    back = (
        "/banking/cards/admin" if request.query_params.get("from") == "admin" else "/banking/cards"
    )

    async def act(session: AsyncSession, p: Principal, form: FormData) -> str:
        caller = service.Caller(p.user_id, staff=p.can(service.STAFF))
        if action == "block":
            await service.block(session, caller, card_id, "Bloqueio pela página")
        elif action == "unblock":
            await service.unblock(session, caller, card_id)
        else:
            raise CardStateConflict("Ação desconhecida.")
        return back

    return await form_action(request, "banking.cards.write", act, back=back)
