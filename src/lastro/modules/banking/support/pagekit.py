"""What the banking pages of cards, bills, budgets and support share: open a tenant-bound
session for the logged-in person, check the module and the permission, render on the base
layout (and renew the cookies when the access token was refreshed)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from lastro.core.auth.models import User
from lastro.core.web import pages
from lastro.core.web.deps import Principal, module_enabled
from lastro.core.web.pages import _check_csrf
from lastro.infra.database import bind_platform, bind_tenant
from lastro.kit.errors import LastroError

Build = Callable[[AsyncSession, Principal], Awaitable[dict[str, Any]]]
Action = Callable[[AsyncSession, Principal, FormData], Awaitable[str]]


async def render_page(
    request: Request, template: str, permission: str, build: Build, *, title: str
) -> Response:
    runtime = request.app.state.runtime
    async with runtime.db.session() as session:
        bind_platform(session)
        principal, renewed = await pages.page_principal(request, session)
        if principal is None or principal.tenant_id is None:
            return RedirectResponse("/login" if principal is None else "/", status_code=303)
        brand, tenant = await pages.brand_of(session, principal.tenant_slug)
        bind_tenant(session, principal.tenant_id)
        user = await session.get(User, (principal.tenant_id, principal.user_id))
        if tenant is None or user is None or not tenant.is_active:
            return RedirectResponse("/login", status_code=303)
        ctx: dict[str, Any] = {
            "principal": principal,
            "brand": brand,
            "user_name": user.name,
            "user_label": user.email,
            "page_title": title,
            "allowed": module_enabled(tenant.enabled_modules, "banking")
            and principal.can(permission),
            "error": None,
            "flash": request.query_params.get("erro"),
        }
        if ctx["allowed"]:
            try:
                ctx.update(await build(session, principal))
            except LastroError as exc:
                ctx["error"] = exc.detail
        # rendered while the session is open: nothing the page reads is expired or detached
        response = pages.render(request, template, ctx, 200 if ctx["allowed"] else 403)
    if renewed:
        pages.set_auth_cookies(response, request, renewed[0], renewed[1], runtime)
    return response


async def form_action(request: Request, permission: str, action: Action, *, back: str) -> Response:
    """A page form's POST: the same checks as the API (module, permission) plus the form's
    CSRF token; runs ``action`` in one transaction and redirects (303) to the URL it returns,
    or back to ``back`` with the error's text."""
    runtime = request.app.state.runtime
    form = await request.form()
    async with runtime.db.session() as session:
        bind_platform(session)
        principal, renewed = await pages.page_principal(request, session)
        if principal is None or principal.tenant_id is None:
            return RedirectResponse("/login", status_code=303)
        _, tenant = await pages.brand_of(session, principal.tenant_slug)
        bind_tenant(session, principal.tenant_id)
        allowed = (
            tenant is not None
            and tenant.is_active
            and module_enabled(tenant.enabled_modules, "banking")
            and principal.can(permission)
        )
        target = back
        if not allowed:
            target = f"{back}?erro={quote('Sem permissão para esta ação.')}"
        elif not _check_csrf(request, form.get("csrf")):
            target = f"{back}?erro={quote('O formulário expirou; tente de novo.')}"
        else:
            try:
                target = await action(session, principal, form)
                await session.commit()
            except LastroError as exc:
                await session.rollback()
                target = f"{back}?erro={quote(exc.detail)}"
    response = RedirectResponse(target, status_code=303)
    if renewed:
        pages.set_auth_cookies(response, request, renewed[0], renewed[1], runtime)
    return response
