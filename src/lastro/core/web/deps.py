"""Typed request dependencies: the principal from the bearer token (or page cookie), the
tenant-bound database session, and permission checks.

The principal is resolved without touching the database. The session is created lazily, bound
to the principal's tenant, and committed or rolled back by
:class:`~lastro.core.web.routing.LastroRoute`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from lastro.core.auth.api_key_auth import authenticate as authenticate_api_key
from lastro.core.auth.api_key_auth import looks_like_api_key
from lastro.core.auth.errors import (
    PermissionDenied,
    PlatformAdminRequired,
    TenantMismatch,
    TenantRequired,
)
from lastro.core.auth.permissions import has_permission, permissions_for
from lastro.core.auth.tokens import AccessClaims, InvalidToken, decode_access_token
from lastro.core.billing.service import api_rate_limit
from lastro.core.platform.models import Tenant
from lastro.core.platform.service import (
    TenantSuspended,
    find_by_slug,
    slug_for_domain,
    tenant_cache,
)
from lastro.core.runtime import Runtime
from lastro.infra.database import bind_platform, bind_tenant
from lastro.infra.rate_limit import rate_limit_headers
from lastro.kit.context import update_context
from lastro.kit.errors import Forbidden, LastroError, TooManyRequests, Unauthorized

ACCESS_COOKIE = "lastro_access"


@dataclass(frozen=True, slots=True)
class Principal:
    user_id: uuid.UUID
    tenant_id: uuid.UUID | None
    tenant_slug: str | None
    role: str
    permissions: frozenset[str]
    kind: str = "user"  # or "api_key"

    @property
    def is_platform(self) -> bool:
        return self.tenant_id is None

    @classmethod
    def from_claims(cls, claims: AccessClaims) -> Principal:
        return cls(
            user_id=claims.subject,
            tenant_id=claims.tenant_id,
            tenant_slug=claims.tenant_slug,
            role=claims.role,
            permissions=permissions_for(claims.role),
        )

    def can(self, permission: str) -> bool:
        return has_permission(self.permissions, permission)


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


async def get_runtime(request: Request) -> Runtime:
    return runtime_of(request)


def requested_tenant_slug(request: Request, base_domain: str) -> str | None:
    """The tenant a request names: ``X-Tenant`` header, else the host's subdomain."""
    header = request.headers.get("x-tenant")
    if header:
        return header.strip().lower()
    host = (request.headers.get("host") or "").split(":", 1)[0].lower()
    suffix = "." + base_domain.lower()
    if host.endswith(suffix):
        sub = host[: -len(suffix)]
        if sub and "." not in sub and sub not in ("www", "api"):
            return sub
    return None


def _host(request: Request) -> str:
    return (request.headers.get("host") or "").split(":", 1)[0].lower().rstrip(".")


async def resolve_tenant_slug(request: Request, runtime: Runtime) -> str | None:
    """As :func:`requested_tenant_slug`, plus tenants served on their own custom domain."""
    slug = requested_tenant_slug(request, runtime.settings.base_domain)
    if slug is not None:
        return slug
    host = _host(request)
    base = runtime.settings.base_domain.lower()
    if not host or "." not in host or host == base or host.endswith("." + base):
        return None
    if host.replace(".", "").isdigit():  # an IPv4 address
        return None
    async with runtime.db.session(readonly=True, platform=True) as session:
        return await slug_for_domain(session, host)


def _bearer(request: Request) -> str | None:
    auth = request.headers.get("authorization")
    if auth:
        scheme, _, token = auth.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise InvalidToken("Cabeçalho Authorization deve ser 'Bearer <token>'.")
        return token.strip()
    return request.cookies.get(ACCESS_COOKIE)


async def cached_tenant(runtime: Runtime, slug: str) -> Tenant | None:
    """The tenant by slug from the per-process cache, reading the database only on a miss."""
    cached, tenant = tenant_cache.get(slug)
    if cached:
        return tenant
    async with runtime.db.session(readonly=True, platform=True) as session:
        return await find_by_slug(session, slug)


# What a tenant blocked for non-payment may still reach: who it is, and its invoices, to pay.
BILLING_BLOCKED_ALLOWED = (
    "/api/v1/auth/",
    "/api/v1/me",
    "/api/v1/invoices",
    "/api/v1/subscription",
)


class SubscriptionSuspended(LastroError):
    status: ClassVar[int] = 402
    code: ClassVar[str] = "SUBSCRIPTION_SUSPENDED"
    title: ClassVar[str] = "Assinatura suspensa"


async def _ensure_tenant_active(runtime: Runtime, principal: Principal, path: str) -> None:
    """A suspended tenant's tokens stop working within the tenant cache's few seconds; one
    blocked for non-payment keeps only what it needs to pay."""
    tenant = await cached_tenant(runtime, principal.tenant_slug or "")
    if tenant is None or tenant.id != principal.tenant_id:
        raise InvalidToken("O cliente deste token não existe mais.")
    if not tenant.is_active:
        raise TenantSuspended(f"O cliente '{tenant.slug}' está suspenso.")
    if tenant.billing_blocked and not path.startswith(BILLING_BLOCKED_ALLOWED):
        raise SubscriptionSuspended(
            "A assinatura está suspensa por falta de pagamento: só é possível consultar e "
            "pagar as faturas (GET /api/v1/invoices ou a página /faturas)."
        )


RATE_LIMIT_HEADERS_KEY = "lastro.ratelimit_headers"


async def _rate_limit(request: Request, runtime: Runtime, principal: Principal) -> None:
    """Per API key by the tenant's plan (requests per 15 minutes); per person generously, so
    the web pages never feel it. Shared through Redis when configured."""
    if principal.kind == "api_key" and principal.tenant_id is not None:
        if runtime.api_meter is not None:
            runtime.api_meter.record(principal.tenant_id)
        limit = await api_rate_limit(runtime.db, principal.tenant_id)
        key, window = f"rl:key:{principal.user_id}", 900
    else:
        limit = runtime.settings.user_rate_limit_per_minute
        key, window = f"rl:user:{principal.user_id}", 60
    result = await runtime.rate_limiter.hit(key, limit, window)
    headers = rate_limit_headers(result)
    request.scope[RATE_LIMIT_HEADERS_KEY] = headers
    if not result.allowed:
        raise TooManyRequests(
            f"Limite de {limit} requisições por {window // 60} minuto(s) excedido; aguarde "
            f"{headers.get('Retry-After', '1')} s.",
            code="RATE_LIMITED",
            headers=headers,
        )


async def get_optional_principal(request: Request) -> Principal | None:
    cached = request.scope.get("lastro.principal", False)
    if cached is not False:
        return cached  # type: ignore[no-any-return]
    runtime = runtime_of(request)
    token = request.headers.get("x-api-key") or _bearer(request)
    principal: Principal | None = None
    if token:
        s = runtime.settings
        if looks_like_api_key(token):
            identity = await authenticate_api_key(runtime.db, token)
            principal = Principal(
                user_id=identity.key_id,
                tenant_id=identity.tenant_id,
                tenant_slug=identity.tenant_slug,
                role="api",
                permissions=identity.permissions,
                kind="api_key",
            )
        else:
            claims = decode_access_token(token, secret=s.secret_key, algorithm=s.jwt_algorithm)
            principal = Principal.from_claims(claims)
        asked = await resolve_tenant_slug(request, runtime)
        if asked is not None and asked != principal.tenant_slug:
            raise TenantMismatch(
                f"A credencial pertence a outro cliente e não pode ser usada com '{asked}'."
            )
        if principal.tenant_id is not None:
            await _ensure_tenant_active(runtime, principal, request.url.path)
        await _rate_limit(request, runtime, principal)
        update_context(
            actor_kind=principal.kind if principal.tenant_id else "platform",
            actor_id=str(principal.user_id),
            tenant_id=principal.tenant_id,
            tenant_slug=principal.tenant_slug,
        )
    request.scope["lastro.principal"] = principal
    return principal


async def get_principal(
    principal: Annotated[Principal | None, Depends(get_optional_principal)],
) -> Principal:
    if principal is None:
        raise Unauthorized("Autenticação necessária: envie 'Authorization: Bearer <token>'.")
    return principal


async def get_session(
    request: Request,
    principal: Annotated[Principal | None, Depends(get_optional_principal)],
) -> AsyncSession:
    """The request's session, bound to the principal's tenant (platform admins see all)."""
    session: AsyncSession | None = request.scope.get("lastro.session")
    if session is None:
        runtime = runtime_of(request)
        readonly = request.method in ("GET", "HEAD")
        session = runtime.db.session(readonly=readonly)
        request.scope["lastro.session"] = session
        if principal is not None:
            if principal.tenant_id is not None:
                bind_tenant(session, principal.tenant_id)
            else:
                bind_platform(session)
    return session


def require(permission: str) -> Any:
    """Dependency factory: the principal must hold ``permission``.

    Every dependency here is ``async``: FastAPI runs plain functions in a thread pool, which
    costs a thread hop per request and loses the request context they set.
    """

    async def check(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
        if not principal.can(permission):
            raise PermissionDenied(f"Permissão necessária: {permission}.")
        return principal

    return Depends(check)


async def get_tenant_principal(
    principal: Annotated[Principal, Depends(get_principal)],
) -> Principal:
    if principal.tenant_id is None:
        raise TenantRequired("Esta operação exige um usuário de cliente (envie X-Tenant no login).")
    return principal


async def get_platform_principal(
    principal: Annotated[Principal, Depends(get_principal)],
) -> Principal:
    if principal.tenant_id is not None or not principal.can("platform.admin"):
        raise PlatformAdminRequired("Somente administradores da plataforma.")
    return principal


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
PrincipalDep = Annotated[Principal, Depends(get_principal)]
TenantPrincipal = Annotated[Principal, Depends(get_tenant_principal)]
PlatformPrincipal = Annotated[Principal, Depends(get_platform_principal)]
SessionDep = Annotated[AsyncSession, Depends(get_session)]


def module_enabled(enabled: list[str] | None, module: str) -> bool:
    """``*`` stands for every installed module (the all-inclusive plans)."""
    names = enabled or []
    return module in names or "*" in names


class ModuleNotEnabled(Forbidden):
    code = "MODULE_NOT_ENABLED"
    title = "Módulo não habilitado"


def module_gate(module: str) -> Any:
    """Router dependency: the principal's tenant must have ``module`` enabled by its plan.

    Platform administrators are not tenants and pass; tenant routes still demand a tenant.
    """

    async def gate(request: Request) -> None:
        principal = await get_optional_principal(request)
        if principal is None or principal.tenant_id is None:
            return  # authentication and tenant checks of the route itself answer
        tenant = await cached_tenant(runtime_of(request), principal.tenant_slug or "")
        if tenant is None or not module_enabled(tenant.enabled_modules, module):
            raise ModuleNotEnabled(
                f"O módulo '{module}' não está habilitado no plano desta empresa."
            )

    return Depends(gate)
