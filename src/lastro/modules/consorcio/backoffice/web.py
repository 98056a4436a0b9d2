"""The plumbing every staff page shares: the logged-in staff member from the page cookies, the
tenant's brand, a session bound to the tenant, the permission check and pt-BR formatting.

Pages answer like the core's: not logged in → ``/login``; a role without the permission (a
customer) → 403; a resource of another tenant (or none) → 404, the same as a missing one.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import RedirectResponse, Response

from lastro.br.documents import format_cnpj, format_cpf
from lastro.br.errors import DocumentError
from lastro.core.auth.models import User
from lastro.core.platform.models import Tenant
from lastro.core.runtime import Runtime
from lastro.core.web import charts
from lastro.core.web.branding import Brand, brand_for
from lastro.core.web.deps import Principal
from lastro.core.web.pages import _check_csrf, page_principal, render, set_auth_cookies
from lastro.infra.database import bind_platform, bind_tenant
from lastro.kit.clock import SAO_PAULO
from lastro.kit.money import brl

READ = "consorcio.backoffice.read"
PAGE_SIZE = 50


def pct(value: Decimal | int | str | None, places: int = 4) -> str:
    """A percent value (2.34 means 2.34 %) with ``places`` decimals, pt-BR comma."""
    if value is None:
        return "—"
    exp = Decimal(1).scaleb(-places)
    try:
        amount = Decimal(value).quantize(exp, ROUND_HALF_EVEN)
    except InvalidOperation:
        return str(value)
    text = f"{amount:,.{places}f}".replace(",", "_").replace(".", ",").replace("_", ".")
    return f"{text} %"


def integer(value: int | None) -> str:
    return "—" if value is None else f"{value:,}".replace(",", ".")


def day(value: date | datetime | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return value.astimezone(SAO_PAULO).strftime("%d/%m/%Y %H:%M")
    return value.strftime("%d/%m/%Y")


def month_label(value: date | str) -> str:
    """``2026-11`` or a date → ``nov/26``."""
    if isinstance(value, str):
        year, month = int(value[:4]), int(value[5:7])
    else:
        year, month = value.year, value.month
    return charts.month_label(year, month)


def document(value: str | None) -> str:
    """A stored (bare) CPF or CNPJ with its mask; anything else as stored."""
    if not value:
        return "—"
    try:
        if len(value) == 11:
            return format_cpf(value)
        if len(value) == 14:
            return format_cnpj(value)
    except DocumentError:
        pass
    return value


FORMAT = {
    "doc": document,
    "brl": brl,
    "pct": pct,
    "integer": integer,
    "day": day,
    "month_label": month_label,
}


def parse_uuid(text: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(text)) if text else None
    except ValueError:
        return None


def page_number(request: Request) -> int:
    try:
        return max(1, min(100_000, int(request.query_params.get("page", "1"))))
    except ValueError:
        return 1


def query_without(request: Request, *drop: str, **replace: Any) -> str:
    """The current query string with some parameters dropped or replaced (pagers, filters)."""
    params = {k: v for k, v in request.query_params.items() if k not in drop and v != ""}
    params.update({k: str(v) for k, v in replace.items() if v is not None})
    return urlencode(params)


@dataclass
class Staff:
    """One page view: who is looking, at which tenant, through which session."""

    request: Request
    runtime: Runtime
    session: AsyncSession
    principal: Principal | None = None
    tenant: Tenant | None = None
    user: User | None = None
    brand: Brand = field(default_factory=Brand)
    renewed: tuple[str, str] | None = None
    denied: Response | None = None
    # plain copies: the ORM rows expire when a form's service rolls the session back
    user_name: str = ""
    user_email: str = ""

    @property
    def tenant_id(self) -> uuid.UUID:
        assert self.principal is not None and self.principal.tenant_id is not None
        return self.principal.tenant_id

    @property
    def user_id(self) -> uuid.UUID:
        assert self.principal is not None
        return self.principal.user_id

    def can(self, permission: str) -> bool:
        return self.principal is not None and self.principal.can(permission)

    def finish(self, response: Response) -> Response:
        if self.renewed:
            set_auth_cookies(response, self.request, self.renewed[0], self.renewed[1], self.runtime)
        return response

    def render(self, template: str, context: dict[str, Any], status: int = 200) -> Response:
        ctx: dict[str, Any] = {
            "brand": self.brand,
            "principal": self.principal,
            "user_name": self.user_name,
            "user_label": self.user_email,
            "f": FORMAT,
            "can_export": self.can("exports.run"),
            "nav": self.request.url.path,
            **context,
        }
        return self.finish(render(self.request, template, ctx, status))

    def not_found(self, what: str) -> Response:
        return self.render("consorcio/backoffice/not_found.html", {"what": what}, status=404)

    def redirect(self, url: str) -> Response:
        return self.finish(RedirectResponse(url, status_code=303))

    def csrf_ok(self, form_value: object) -> bool:
        return _check_csrf(self.request, form_value)


@asynccontextmanager
async def staff_page(request: Request, permission: str = READ) -> AsyncIterator[Staff]:
    """A session for one staff page; ``staff.denied`` is the answer when the visitor may not
    see it. The caller commits when it changed something; anything else is rolled back."""
    runtime: Runtime = request.app.state.runtime
    async with runtime.db.session() as session:
        bind_platform(session)
        staff = Staff(request=request, runtime=runtime, session=session)
        principal, staff.renewed = await page_principal(request, session)
        staff.principal = principal
        if principal is None or principal.tenant_id is None:
            staff.denied = RedirectResponse("/login", status_code=303)
        else:
            tenant = await session.get(Tenant, principal.tenant_id)
            bind_tenant(session, principal.tenant_id)
            user = await session.get(User, (principal.tenant_id, principal.user_id))
            if tenant is None or not tenant.is_active or user is None or not user.is_active:
                staff.denied = RedirectResponse("/login", status_code=303)
            else:
                staff.tenant, staff.user = tenant, user
                staff.user_name, staff.user_email = user.name, user.email
                staff.brand = brand_for(tenant.name, tenant.branding)
                if not principal.can(permission):
                    staff.denied = staff.render(
                        "consorcio/backoffice/forbidden.html", {}, status=403
                    )
        try:
            yield staff
        finally:
            if session.in_transaction():
                await session.rollback()
