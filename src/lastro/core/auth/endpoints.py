"""``/api/v1/auth/*`` and ``/api/v1/me``."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from lastro.core.auth.models import PlatformUser, User
from lastro.core.auth.schemas import (
    LoginRequest,
    LogoutRequest,
    MeResponse,
    RefreshRequest,
    TenantRef,
    TokenResponse,
    UserRead,
)
from lastro.core.platform import service as tenants
from lastro.core.runtime import Runtime
from lastro.core.web.deps import PrincipalDep, RuntimeDep, SessionDep, resolve_tenant_slug
from lastro.core.web.routing import LastroRoute
from lastro.infra.rate_limit import rate_limit_headers
from lastro.kit.errors import TooManyRequests, Unauthorized

router = APIRouter(prefix="/api/v1", route_class=LastroRoute, tags=["auth"])


def _client(request: Request) -> tuple[str | None, str | None]:
    return (request.client.host if request.client else None, request.headers.get("user-agent"))


async def throttle_login(runtime: Runtime, ip: str | None) -> None:
    """Per-IP limit on login attempts, against password spraying across many accounts (the
    per-account lockout alone does not stop it)."""
    limit = runtime.settings.login_rate_limit_per_minute
    result = await runtime.rate_limiter.hit(f"login:{ip or '-'}", limit, 60)
    if not result.allowed:
        raise TooManyRequests(
            "Muitas tentativas de login a partir deste endereço; aguarde e tente novamente.",
            code="LOGIN_RATE_LIMITED",
            headers=rate_limit_headers(result),
        )


@router.post("/auth/login", response_model=TokenResponse, summary="Entrar com CPF ou e-mail")
async def login(
    body: LoginRequest, request: Request, runtime: RuntimeDep, session: SessionDep
) -> TokenResponse:
    ip, ua = _client(request)
    await throttle_login(runtime, ip)
    pair = await runtime.auth.login(
        session,
        tenant_slug=await resolve_tenant_slug(request, runtime),
        username=body.username,
        password=body.password,
        totp_code=body.totp,
        ip=ip,
        user_agent=ua,
    )
    return TokenResponse(
        access_token=pair.access_token, refresh_token=pair.refresh_token, expires_in=pair.expires_in
    )


@router.post("/auth/refresh", response_model=TokenResponse, summary="Renovar tokens")
async def refresh(
    body: RefreshRequest, request: Request, runtime: RuntimeDep, session: SessionDep
) -> TokenResponse:
    ip, ua = _client(request)
    pair = await runtime.auth.refresh(session, body.refresh_token, ip=ip, user_agent=ua)
    return TokenResponse(
        access_token=pair.access_token, refresh_token=pair.refresh_token, expires_in=pair.expires_in
    )


@router.post("/auth/logout", status_code=204, summary="Encerrar a sessão")
async def logout(
    body: LogoutRequest, runtime: RuntimeDep, session: SessionDep, _principal: PrincipalDep
) -> Response:
    await runtime.auth.logout(session, body.refresh_token)
    return Response(status_code=204)


@router.get("/me", response_model=MeResponse, summary="O usuário autenticado")
async def me(principal: PrincipalDep, session: SessionDep) -> MeResponse:
    user: User | PlatformUser | None
    tenant_ref: TenantRef | None = None
    if principal.tenant_id is not None:
        user = await session.get(User, (principal.tenant_id, principal.user_id))
        tenant = await tenants.find_by_slug(session, principal.tenant_slug or "")
        if tenant is None or tenant.id != principal.tenant_id or not tenant.is_active:
            raise Unauthorized("Cliente suspenso ou inexistente.", code="INVALID_TOKEN")
        tenant_ref = TenantRef.model_validate(tenant)
    else:
        user = await session.get(PlatformUser, principal.user_id)
    if user is None or not user.is_active:
        raise Unauthorized("Usuário inativo ou inexistente.", code="INVALID_TOKEN")
    return MeResponse(
        user=UserRead.model_validate(user),
        tenant=tenant_ref,
        permissions=sorted(principal.permissions),
    )
