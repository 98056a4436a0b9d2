"""Authenticating API keys, kept apart from the HTTP endpoints that manage them."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from dataclasses import dataclass

from sqlalchemy import select

from lastro.core.auth.models import ApiKey
from lastro.core.auth.tokens import InvalidToken
from lastro.core.platform.models import Tenant
from lastro.infra.database import Database
from lastro.kit.ttl_cache import TTLCache

KEY_PREFIX = "lk_"
_CACHE_TTL = 5.0


@dataclass(frozen=True)
class ApiKeyIdentity:
    key_id: uuid.UUID
    tenant_id: uuid.UUID
    tenant_slug: str
    permissions: frozenset[str]


def looks_like_api_key(value: str) -> bool:
    return value.startswith(KEY_PREFIX) and value.count("_") >= 2


def _split(value: str) -> tuple[str, str]:
    _, prefix, secret = value.split("_", 2)
    return prefix, secret


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


_cache: TTLCache[str, tuple[ApiKeyIdentity | None, str]] = TTLCache(_CACHE_TTL)


async def authenticate(db: Database, value: str) -> ApiKeyIdentity:
    """The identity behind an API key, or 401. Lookups are cached for a few seconds, so a
    revocation takes effect within that time."""
    try:
        prefix, secret = _split(value)
    except ValueError:
        raise InvalidToken("Chave de API malformada.", code="INVALID_API_KEY") from None
    cached, hit = _cache.get(prefix)
    if not cached or hit is None:
        async with db.session(readonly=True, platform=True) as session:
            found = (
                await session.execute(
                    select(ApiKey, Tenant.slug)
                    .join(Tenant, Tenant.id == ApiKey.tenant_id)
                    .where(ApiKey.prefix == prefix)
                )
            ).first()
        identity = None
        stored = ""
        if found is not None and found[0].revoked_at is None:
            row = found[0]
            identity = ApiKeyIdentity(row.id, row.tenant_id, found[1], frozenset(row.permissions))
            stored = row.key_hash
        hit = (identity, stored)
        _cache.put(prefix, hit)
    identity, stored = hit
    if identity is None or not hmac.compare_digest(stored, digest(secret)):
        raise InvalidToken("Chave de API inválida ou revogada.", code="INVALID_API_KEY")
    return identity


def forget(prefix: str) -> None:
    """Drop a cached lookup (the key was just revoked in this process)."""
    _cache.forget(prefix)
