"""Pages of the digital account: ``/banking`` (the holder's overview, or the back office's),
``/banking/contas`` (back office: accounts with search), ``/banking/contas/{id}`` (balance,
statement, CSV/PDF, staff actions)."""

from __future__ import annotations

import hmac
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import RedirectResponse, Response

from lastro.core.auth.models import User
from lastro.core.web import pages
from lastro.core.web.deps import Principal, module_enabled
from lastro.infra.database import bind_platform, bind_tenant
from lastro.kit.clock import today_sp
from lastro.kit.errors import LastroError
from lastro.modules.banking.accounts import service, statements
from lastro.modules.banking.accounts.deps import can_access, is_staff
from lastro.modules.banking.accounts.models import BankAccount

router = APIRouter(include_in_schema=False)

STATUS_LABEL = {"active": "Ativa", "frozen": "Bloqueada", "closed": "Encerrada"}


@dataclass
class PageState:
    session: AsyncSession
    principal: Principal
    ctx: dict[str, Any]
    renewed: tuple[str, str] | None


@asynccontextmanager
async def page_state(request: Request) -> AsyncIterator[PageState | Response]:
    """The logged-in tenant user with the banking module, or a redirect to log in."""
    runtime = request.app.state.runtime
    async with runtime.db.session() as session:
        bind_platform(session)
        principal, renewed = await pages.page_principal(request, session)
        if principal is None or principal.tenant_id is None:
            yield RedirectResponse("/login" if principal is None else "/", status_code=303)
            return
        bind_tenant(session, principal.tenant_id)
        brand, tenant = await pages.brand_of(session, principal.tenant_slug)
        user = await session.get(User, (principal.tenant_id, principal.user_id))
        if tenant is None or user is None:
            yield RedirectResponse("/login", status_code=303)
            return
        if not module_enabled(tenant.enabled_modules, "banking") or not principal.can(
            "banking.accounts.read"
        ):
            yield RedirectResponse("/", status_code=303)
            return
        ctx: dict[str, Any] = {
            "principal": principal,
            "brand": brand,
            "user_name": user.name,
            "user_label": user.email,
            "staff": is_staff(principal),
            "status_label": STATUS_LABEL,
            "message": request.query_params.get("ok"),
            "error": request.query_params.get("erro"),
        }
        yield PageState(session, principal, ctx, renewed)
        await session.commit()


def finish(request: Request, state: PageState, template: str) -> Response:
    response = pages.render(request, template, state.ctx)
    if state.renewed:
        runtime = request.app.state.runtime
        pages.set_auth_cookies(response, request, state.renewed[0], state.renewed[1], runtime)
    return response


def csrf_ok(request: Request, value: object) -> bool:
    cookie = request.cookies.get(pages.CSRF_COOKIE) or ""
    return bool(cookie) and isinstance(value, str) and hmac.compare_digest(cookie, value)


def redirect(url: str, *, ok: str | None = None, error: str | None = None) -> Response:
    from urllib.parse import urlencode

    query = urlencode({k: v for k, v in (("ok", ok), ("erro", error)) if v})
    return RedirectResponse(f"{url}?{query}" if query else url, status_code=303)


async def _with_balances(session: AsyncSession, rows: list[BankAccount]) -> list[dict[str, Any]]:
    out = []
    for acc in rows:
        bal = await service.balance(session, acc)
        out.append({"account": acc, "balance": bal.posted, "available": bal.available})
    return out


def balance_chart(lines: list[statements.Line], opening: Decimal, days: int = 30) -> dict[str, Any]:
    """Daily closing balances over ``days`` as SVG polyline points (no JS, no CDN)."""
    end = today_sp()
    start = end - timedelta(days=days - 1)
    by_day: dict[Any, Decimal] = {}
    for line in lines:
        by_day[line.date] = line.balance
    values: list[Decimal] = []
    current = opening
    for i in range(days):
        day = start + timedelta(days=i)
        current = by_day.get(day, current)
        values.append(current)
    top = max(max(values), Decimal(1))
    width, height = 600, 140
    step = width / (days - 1)
    points = " ".join(
        f"{i * step:.1f},{height - 10 - float(v / top) * (height - 30):.1f}"
        for i, v in enumerate(values)
    )
    return {
        "points": points,
        "width": width,
        "height": height,
        "top": top,
        "last": values[-1],
        "start": start,
        "end": end,
    }


@router.get("/banking")
async def home(request: Request) -> Response:
    async with page_state(request) as state:
        if not isinstance(state, PageState):
            return state
        session, ctx = state.session, state.ctx
        if ctx["staff"]:
            from lastro.modules.banking.transfers.models import Transfer

            counts = dict(
                (
                    await session.execute(
                        select(BankAccount.status, func.count()).group_by(BankAccount.status)
                    )
                ).all()
            )
            ctx["counts"] = {k: int(v) for k, v in counts.items()}
            since = today_sp() - timedelta(days=1)
            ctx["transfers_by_status"] = dict(
                (
                    await session.execute(
                        select(Transfer.status, func.count())
                        .where(func.date(Transfer.created_at) >= since)
                        .group_by(Transfer.status)
                    )
                ).all()
            )
            ctx["pending"] = (
                await session.scalars(
                    select(Transfer)
                    .where(Transfer.status.in_(("pending", "blocked")))
                    .order_by(Transfer.created_at.desc())
                    .limit(20)
                )
            ).all()
            ctx["recent"] = (
                await session.scalars(
                    select(Transfer).order_by(Transfer.created_at.desc()).limit(15)
                )
            ).all()
            total = Decimal(0)
            accounts = (await session.scalars(select(BankAccount).limit(500))).all()
            for acc in accounts:
                total += (await service.balance(session, acc)).posted
            ctx["total_deposits"] = total
            return finish(request, state, "banking/home/backoffice.html")
        mine = await service.accounts_of_user(session, state.principal.user_id)
        ctx["accounts"] = await _with_balances(session, mine)
        ctx["movements"] = []
        ctx["chart"] = None
        if mine:
            first = mine[0]
            since = today_sp() - timedelta(days=29)
            data = await statements.full_statement(session, first, since=since, until=None)
            ctx["movements"] = list(reversed(data.lines))[:10]
            ctx["chart"] = balance_chart(data.lines, data.opening_balance)
            ctx["main_account"] = first
        return finish(request, state, "banking/home/holder.html")


@router.get("/banking/contas")
async def accounts_list(request: Request) -> Response:
    async with page_state(request) as state:
        if not isinstance(state, PageState):
            return state
        if not state.ctx["staff"]:
            return RedirectResponse("/banking", status_code=303)
        q = request.query_params.get("q") or None
        status = request.query_params.get("status") or None
        if status not in (None, "active", "frozen", "closed"):
            status = None
        stmt = service.search_accounts(state.session, q, status).limit(100)
        rows = list((await state.session.scalars(stmt)).all())
        state.ctx.update(
            {
                "q": q or "",
                "status": status or "",
                "rows": await _with_balances(state.session, rows),
            }
        )
        return finish(request, state, "banking/accounts/list.html")


@router.get("/banking/contas/{account_id}")
async def account_detail(request: Request, account_id: uuid.UUID) -> Response:
    async with page_state(request) as state:
        if not isinstance(state, PageState):
            return state
        try:
            account = await service.get_account(state.session, account_id)
        except LastroError:
            account = None
        if account is None or not can_access(state.principal, account):
            return RedirectResponse("/banking", status_code=303)
        bal = await service.balance(state.session, account)
        since = today_sp() - timedelta(days=89)
        data = await statements.full_statement(state.session, account, since=since, until=None)
        keys = await service.pix_keys(state.session, account)
        state.ctx.update(
            {
                "account": account,
                "document": statements.holder_document(account),
                "kind_label": service.kind_label(account.kind),
                "bal": bal,
                "lines": list(reversed(data.lines)),
                "opening": data.opening_balance,
                "chart": balance_chart(data.lines, data.opening_balance),
                "keys": keys,
                "since": since,
                "year": today_sp().year - 1,
            }
        )
        return finish(request, state, "banking/accounts/detail.html")


@router.post("/banking/contas/{account_id}/acao")
async def account_action(request: Request, account_id: uuid.UUID) -> Response:
    form = await request.form()
    url = f"/banking/contas/{account_id}"
    async with page_state(request) as state:
        if not isinstance(state, PageState):
            return state
        if not csrf_ok(request, form.get("csrf")) or not state.ctx["staff"]:
            return redirect(url, error="Sessão do formulário expirou; tente de novo.")
        action = str(form.get("action") or "")
        reason = str(form.get("reason") or "")[:300]
        try:
            async with state.session.begin_nested():
                if action == "freeze":
                    await service.freeze(state.session, account_id, reason)
                elif action == "unfreeze":
                    await service.unfreeze(state.session, account_id)
                elif action == "close":
                    await service.close(state.session, account_id, reason)
                elif action == "kyc":
                    await service.set_kyc(state.session, account_id, "approved")
                else:
                    return redirect(url, error="Ação desconhecida.")
        except LastroError as exc:
            return redirect(url, error=exc.detail)
        return redirect(url, ok="Conta atualizada.")
