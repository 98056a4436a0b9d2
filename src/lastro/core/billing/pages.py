"""The tenant's invoices page (/faturas): the one page a tenant suspended for non-payment can
still open, to pay by PIX or boleto."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import select
from starlette.responses import RedirectResponse, Response

from lastro.core.auth.models import User
from lastro.core.billing.models import Invoice
from lastro.core.web import pages
from lastro.infra.database import bind_platform, bind_tenant

router = APIRouter(include_in_schema=False)


@router.get("/faturas")
async def invoices_page(request: Request) -> Response:
    runtime = request.app.state.runtime
    async with runtime.db.session() as session:
        bind_platform(session)
        principal, renewed = await pages.page_principal(request, session)
        if principal is None or principal.tenant_id is None:
            return RedirectResponse("/login" if principal is None else "/", status_code=303)
        bind_tenant(session, principal.tenant_id)
        brand, tenant = await pages.brand_of(session, principal.tenant_slug)
        user = await session.get(User, (principal.tenant_id, principal.user_id))
        if tenant is None or user is None:
            return RedirectResponse("/login", status_code=303)
        ctx: dict[str, Any] = {
            "principal": principal,
            "brand": brand,
            "user_name": user.name,
            "user_label": user.email,
            "blocked": tenant.billing_blocked,
            "allowed": principal.can("tenant.settings"),
            "invoices": [],
        }
        if ctx["allowed"]:
            ctx["invoices"] = (
                await session.scalars(select(Invoice).order_by(Invoice.issue_date.desc()).limit(36))
            ).all()
    response = pages.render(request, "core/invoices.html", ctx)
    if renewed:
        pages.set_auth_cookies(response, request, renewed[0], renewed[1], runtime)
    return response
