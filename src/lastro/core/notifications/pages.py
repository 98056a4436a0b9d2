"""``/notifications``: the person's notification centre as a page, on the tenant's layout, that
receives new notifications live over the same event stream as the API."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import func, select
from starlette.responses import RedirectResponse, Response

from lastro.core.auth.models import User
from lastro.core.auth.permissions import has_permission
from lastro.core.notifications.endpoints import READ, count_unread, mark_all_read
from lastro.core.notifications.models import Notification
from lastro.core.platform import service as tenants
from lastro.core.runtime import Runtime
from lastro.core.web.branding import brand_for
from lastro.core.web.pages import _check_csrf, _set_auth_cookies, page_principal, render
from lastro.infra.database import bind_platform, bind_tenant
from lastro.kit.clock import utcnow

PAGE_SIZE = 30

pages = APIRouter(include_in_schema=False)


@pages.get("/notifications")
async def centre_page(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    try:
        page = max(1, int(request.query_params.get("page", "1")))
    except ValueError:
        page = 1
    async with runtime.db.session() as session:
        bind_platform(session)
        principal, renewed = await page_principal(request, session)
        if principal is None or principal.tenant_id is None:
            return RedirectResponse("/login", status_code=303)
        if not has_permission(principal.permissions, READ):
            return RedirectResponse("/", status_code=303)
        tenant = await tenants.find_by_slug(session, principal.tenant_slug or "")
        bind_tenant(session, principal.tenant_id)
        user = await session.scalar(select(User).where(User.id == principal.user_id))
        if tenant is None or not tenant.is_active or user is None:
            return RedirectResponse("/login", status_code=303)
        where = (Notification.user_id == principal.user_id, Notification.in_app_at.is_not(None))
        total = int(
            await session.scalar(select(func.count()).select_from(Notification).where(*where)) or 0
        )
        items = list(
            await session.scalars(
                select(Notification)
                .where(*where)
                .order_by(Notification.in_app_at.desc(), Notification.id.desc())
                .offset((page - 1) * PAGE_SIZE)
                .limit(PAGE_SIZE)
            )
        )
        unread = await count_unread(session, principal.user_id)
        await session.commit()
    ctx: dict[str, Any] = {
        "brand": brand_for(tenant.name, tenant.branding),
        "principal": principal,
        "user_name": user.name,
        "user_label": user.email,
        "items": items,
        "unread": unread,
        "page": page,
        "has_next": page * PAGE_SIZE < total,
    }
    response = render(request, "notifications/centre.html", ctx)
    if renewed:
        _set_auth_cookies(response, request, renewed[0], renewed[1], runtime)
    return response


@pages.post("/notifications/read")
async def read_page(request: Request) -> Response:
    """Marks one (``id`` in the form) or, without one, every notification as read."""
    runtime: Runtime = request.app.state.runtime
    form = await request.form()
    async with runtime.db.session() as session:
        bind_platform(session)
        principal, _ = await page_principal(request, session)
        if principal is None or principal.tenant_id is None:
            return RedirectResponse("/login", status_code=303)
        if not _check_csrf(request, form.get("csrf")) or not has_permission(
            principal.permissions, READ
        ):
            return RedirectResponse("/notifications", status_code=303)
        bind_tenant(session, principal.tenant_id)
        raw = str(form.get("id") or "")
        if raw:
            try:
                wanted = uuid.UUID(raw)
            except ValueError:
                return RedirectResponse("/notifications", status_code=303)
            row = await session.scalar(
                select(Notification).where(
                    Notification.id == wanted, Notification.user_id == principal.user_id
                )
            )
            if row is not None and row.read_at is None:
                row.read_at = utcnow()
        else:
            await mark_all_read(session, principal.user_id)
        await session.commit()
    return RedirectResponse("/notifications", status_code=303)
