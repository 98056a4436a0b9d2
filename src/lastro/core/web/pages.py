"""The web shell: login, logout and the home page on a tenant-branded layout.

Pages authenticate with HttpOnly cookies holding the same tokens as the API; an expired access
cookie is renewed from the refresh cookie. Form posts carry a double-submit CSRF token.
"""

from __future__ import annotations

import hmac
import secrets
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import RedirectResponse, Response

from lastro.br.money_text import format_brl
from lastro.core.auth.endpoints import throttle_login
from lastro.core.auth.models import PlatformUser, User
from lastro.core.auth.tokens import InvalidToken, decode_access_token
from lastro.core.platform import service as tenants
from lastro.core.runtime import Runtime
from lastro.core.web.branding import Brand, brand_for
from lastro.core.web.deps import (
    ACCESS_COOKIE,
    Principal,
    module_enabled,
    resolve_tenant_slug,
)
from lastro.infra.database import bind_platform, bind_tenant
from lastro.kit.errors import LastroError

REFRESH_COOKIE = "lastro_refresh"
CSRF_COOKIE = "lastro_csrf"
TEMPLATES_DIR = Path(__file__).parent / "templates"

router = APIRouter(include_in_schema=False)


def build_templates(extra_dirs: list[Path]) -> Jinja2Templates:
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(str(d)) for d in [TEMPLATES_DIR, *extra_dirs]]),
        autoescape=select_autoescape(["html", "xml"]),
    )
    env.filters["brl"] = format_brl
    return Jinja2Templates(env=env)


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _templates(request: Request) -> Jinja2Templates:
    templates: Jinja2Templates = request.app.state.templates
    return templates


def _csrf(request: Request) -> str:
    return request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)


def _check_csrf(request: Request, form_value: object) -> bool:
    cookie = request.cookies.get(CSRF_COOKIE)
    return (
        bool(cookie)
        and isinstance(form_value, str)
        and hmac.compare_digest(cookie or "", form_value)
    )


def _set_auth_cookies(
    response: Response, request: Request, access: str, refresh: str, runtime: Runtime
) -> None:
    secure = request.url.scheme == "https"
    response.set_cookie(
        ACCESS_COOKIE,
        access,
        httponly=True,
        samesite="lax",
        secure=secure,
        max_age=runtime.settings.refresh_token_ttl_seconds,
    )
    response.set_cookie(
        REFRESH_COOKIE,
        refresh,
        httponly=True,
        samesite="strict",
        secure=secure,
        max_age=runtime.settings.refresh_token_ttl_seconds,
        path="/",
    )


async def _brand(session: AsyncSession, slug: str | None) -> tuple[Brand, Any]:
    if not slug:
        return Brand(), None
    tenant = await tenants.find_by_slug(session, slug)
    if tenant is None:
        return Brand(), None
    return brand_for(tenant.name, tenant.branding), tenant


brand_of = _brand


def render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    csrf = _csrf(request)
    response = _templates(request).TemplateResponse(
        request, name, {"csrf": csrf, "principal": None, **context}, status_code=status
    )
    if request.cookies.get(CSRF_COOKIE) != csrf:
        response.set_cookie(CSRF_COOKIE, csrf, httponly=True, samesite="strict")
    return response


async def page_principal(
    request: Request, session: AsyncSession
) -> tuple[Principal | None, tuple[str, str] | None]:
    """The logged-in principal from cookies, renewing an expired access token when possible."""
    runtime = _runtime(request)
    s = runtime.settings
    token = request.cookies.get(ACCESS_COOKIE)
    renewed: tuple[str, str] | None = None
    claims = None
    if token:
        try:
            claims = decode_access_token(token, secret=s.secret_key, algorithm=s.jwt_algorithm)
        except InvalidToken:
            claims = None
    if claims is None:
        refresh = request.cookies.get(REFRESH_COOKIE)
        if not refresh:
            return None, None
        try:
            pair = await runtime.auth.refresh(session, refresh)
            await session.commit()
        except LastroError:
            await session.commit()  # keep a reuse-triggered revocation
            return None, None
        renewed = (pair.access_token, pair.refresh_token)
        claims = decode_access_token(
            pair.access_token, secret=s.secret_key, algorithm=s.jwt_algorithm
        )
    return Principal.from_claims(claims), renewed


set_auth_cookies = _set_auth_cookies


@router.get("/login")
async def login_page(request: Request) -> Response:
    runtime = _runtime(request)
    slug = request.query_params.get("tenant") or await resolve_tenant_slug(request, runtime)
    async with runtime.db.session(readonly=True) as session:
        bind_platform(session)
        brand, _ = await _brand(session, slug)
    return render(request, "core/login.html", {"brand": brand, "tenant_slug": slug})


@router.post("/login")
async def login_submit(request: Request) -> Response:
    runtime = _runtime(request)
    form = await request.form()
    slug = str(form.get("tenant") or "").strip().lower() or None
    username = str(form.get("username") or "")
    ctx: dict[str, Any] = {"tenant_slug": slug, "username": username}
    async with runtime.db.session() as session:
        bind_platform(session)
        brand, _ = await _brand(session, slug)
        ctx["brand"] = brand
        if not _check_csrf(request, form.get("csrf")):
            return render(
                request,
                "core/login.html",
                {**ctx, "error": "Sessão do formulário expirou; tente de novo."},
                403,
            )
        try:
            await throttle_login(runtime, request.client.host if request.client else None)
            pair = await runtime.auth.login(
                session,
                tenant_slug=slug,
                username=username,
                password=str(form.get("password") or ""),
                totp_code=str(form.get("totp") or "") or None,
                ip=request.client.host if request.client else None,
                user_agent=request.headers.get("user-agent"),
            )
            await session.commit()
        except LastroError as exc:
            if exc.commit_session:
                await session.commit()
            else:
                await session.rollback()
            return render(request, "core/login.html", {**ctx, "error": exc.detail}, exc.status)
    response = RedirectResponse("/", status_code=303)
    _set_auth_cookies(response, request, pair.access_token, pair.refresh_token, runtime)
    return response


@router.post("/logout")
async def logout_submit(request: Request) -> Response:
    runtime = _runtime(request)
    form = await request.form()
    if _check_csrf(request, form.get("csrf")):
        async with runtime.db.session() as session:
            await runtime.auth.logout(session, request.cookies.get(REFRESH_COOKIE))
            await session.commit()
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(ACCESS_COOKIE)
    response.delete_cookie(REFRESH_COOKIE)
    return response


@router.get("/")
async def home(request: Request) -> Response:
    runtime = _runtime(request)
    async with runtime.db.session() as session:
        bind_platform(session)
        principal, renewed = await page_principal(request, session)
        if principal is None:
            return RedirectResponse("/login", status_code=303)
        ctx: dict[str, Any] = {"principal": principal, "tenants": None, "modules": []}
        if principal.tenant_id is not None:
            bind_tenant(session, principal.tenant_id)
            brand, tenant = await _brand(session, principal.tenant_slug)
            user: User | PlatformUser | None = await session.get(
                User, (principal.tenant_id, principal.user_id)
            )
            if tenant is None or not tenant.is_active or user is None:
                return RedirectResponse("/login", status_code=303)
            ctx["modules"] = [
                m for m in runtime.modules if module_enabled(tenant.enabled_modules, m.name)
            ]
            ctx["billing_blocked"] = tenant.billing_blocked
        else:
            brand = Brand()
            user = await session.get(PlatformUser, principal.user_id)
            if user is None:
                return RedirectResponse("/login", status_code=303)
            rows, _ = await tenants.list_tenants(session, limit=200)
            ctx["tenants"] = rows
        ctx.update(brand=brand, user_name=user.name, user_label=user.email)
    response = render(request, "core/home.html", ctx)
    if renewed:
        _set_auth_cookies(response, request, renewed[0], renewed[1], runtime)
    return response
