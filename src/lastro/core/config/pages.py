"""``/settings``: the tenant admin's settings page, one form per namespace generated from the
declared model's fields. Values the admin leaves at their default are not stored, so later
default changes still reach the tenant."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import RedirectResponse, Response

from lastro.core.auth.models import User
from lastro.core.config import service
from lastro.core.config.errors import NamespaceNotFound, SettingsInvalid
from lastro.core.config.namespaces import Namespace, describe_fields, visible_namespaces
from lastro.core.platform.models import Tenant
from lastro.core.runtime import Runtime
from lastro.core.web.branding import brand_for
from lastro.core.web.deps import Principal
from lastro.core.web.pages import _check_csrf, _set_auth_cookies, page_principal, render
from lastro.infra.database import bind_platform, bind_tenant

router = APIRouter(include_in_schema=False)
PERMISSION = "tenant.settings"


async def _context(
    session: AsyncSession,
    runtime: Runtime,
    principal: Principal,
    tenant: Tenant,
    *,
    errors: dict[str, tuple[str, dict[str, str]]] | None = None,
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for ns in visible_namespaces(runtime, tenant.enabled_modules):
        overrides = await service.stored_overrides(session, ns.name, cache=runtime.cache)
        error, fields = (errors or {}).get(ns.name, ("", {}))
        out.append(
            {
                "name": ns.name,
                "title": ns.title,
                "fields": describe_fields(ns.model),
                "current": service.effective(ns.model, overrides),
                "overrides": overrides,
                "error": error,
                "field_errors": fields,
            }
        )
    return out


def _parse(ns: Namespace, form: Any) -> tuple[dict[str, Any], dict[str, str]]:
    values: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for f in describe_fields(ns.model):
        name = f["name"]
        raw = form.get(name)
        if f["kind"] == "boolean":
            values[name] = raw is not None
        elif raw is None:
            continue
        elif str(raw).strip() == "" and f["optional"]:
            values[name] = None
        elif f["kind"] == "json":
            try:
                values[name] = orjson.loads(str(raw))
            except orjson.JSONDecodeError:
                problems[name] = "deve ser JSON"
        else:
            values[name] = str(raw).strip()
    return values, problems


async def _page(
    request: Request,
) -> tuple[AsyncSession, Principal | None, tuple[str, str] | None, Runtime]:
    runtime: Runtime = request.app.state.runtime
    session = runtime.db.session()
    bind_platform(session)
    principal, renewed = await page_principal(request, session)
    return session, principal, renewed, runtime


async def _show(
    request: Request,
    session: AsyncSession,
    runtime: Runtime,
    principal: Principal,
    *,
    saved: str | None = None,
    errors: dict[str, tuple[str, dict[str, str]]] | None = None,
    status: int = 200,
) -> Response:
    assert principal.tenant_id is not None
    bind_tenant(session, principal.tenant_id)
    tenant = await session.get(Tenant, principal.tenant_id)
    user = await session.get(User, (principal.tenant_id, principal.user_id))
    if tenant is None or not tenant.is_active or user is None:
        return RedirectResponse("/login", status_code=303)
    namespaces = await _context(session, runtime, principal, tenant, errors=errors)
    ctx = {
        "brand": brand_for(tenant.name, tenant.branding),
        "principal": principal,
        "user_name": user.name,
        "user_label": user.email,
        "namespaces": namespaces,
        "saved": saved,
    }
    return render(request, "config/settings.html", ctx, status)


def _allowed(principal: Principal | None) -> bool:
    return principal is not None and principal.tenant_id is not None


@router.get("/settings")
async def settings_page(request: Request) -> Response:
    session, principal, renewed, runtime = await _page(request)
    async with session:
        if not _allowed(principal) or principal is None:
            return RedirectResponse("/login", status_code=303)
        if not principal.can(PERMISSION):
            return Response("Acesso negado.", status_code=403, media_type="text/plain")
        response = await _show(
            request, session, runtime, principal, saved=request.query_params.get("saved")
        )
        await session.rollback()
    if renewed:
        _set_auth_cookies(response, request, renewed[0], renewed[1], runtime)
    return response


@router.post("/settings/{namespace}")
async def settings_submit(request: Request, namespace: str) -> Response:
    session, principal, renewed, runtime = await _page(request)
    async with session:
        if not _allowed(principal) or principal is None or principal.tenant_id is None:
            return RedirectResponse("/login", status_code=303)
        if not principal.can(PERMISSION):
            return Response("Acesso negado.", status_code=403, media_type="text/plain")
        form = await request.form()
        if not _check_csrf(request, form.get("csrf")):
            return Response(
                "Sessão do formulário expirou; recarregue a página.",
                status_code=403,
                media_type="text/plain",
            )
        bind_tenant(session, principal.tenant_id)
        tenant = await session.get(Tenant, principal.tenant_id)
        if tenant is None:
            return RedirectResponse("/login", status_code=303)
        ns = next(
            (n for n in visible_namespaces(runtime, tenant.enabled_modules) if n.name == namespace),
            None,
        )
        if ns is None:
            raise NamespaceNotFound(f"Grupo de configurações '{namespace}' não encontrado.")
        values, problems = _parse(ns, form)
        try:
            if problems:
                raise SettingsInvalid(
                    "Configurações inválidas.",
                    extra={"errors": [{"field": k, "message": v} for k, v in problems.items()]},
                )
            canonical = service.validate_overrides(ns.model, values)
            defaults = ns.model().model_dump(mode="json")
            overrides = {k: v for k, v in canonical.items() if v != defaults.get(k)}
            await service.update_settings(
                session,
                ns.name,
                ns.model,
                overrides,
                replace=True,
                actor=principal.user_id,
                cache=runtime.cache,
            )
            await session.commit()
        except SettingsInvalid as exc:
            await session.rollback()
            fields = {str(e["field"]): str(e["message"]) for e in exc.extra.get("errors", [])}
            errors = {ns.name: (exc.detail, fields)}
            response = await _show(request, session, runtime, principal, errors=errors, status=422)
            await session.rollback()
            return response
    response = RedirectResponse(f"/settings?saved={namespace}#ns-{namespace}", status_code=303)
    if renewed:
        _set_auth_cookies(response, request, renewed[0], renewed[1], runtime)
    return response
