"""JWT access tokens (short-lived, HS256 by default) and opaque refresh tokens.

The access token carries everything a request needs to be authorised without a database hit:
subject, tenant id and slug, role. Permissions are derived from the role at request time, so a
module's new permissions apply without re-login.
"""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache

import jwt

from lastro.kit.clock import utcnow
from lastro.kit.errors import Unauthorized
from lastro.kit.ids import parse_uuid

ISSUER = "lastro"


class InvalidToken(Unauthorized):
    code = "INVALID_TOKEN"
    title = "Token inválido ou expirado"


@dataclass(frozen=True, slots=True)
class AccessClaims:
    subject: uuid.UUID
    tenant_id: uuid.UUID | None
    tenant_slug: str | None
    role: str
    token_id: str


def issue_access_token(
    *,
    secret: str,
    algorithm: str,
    ttl_seconds: int,
    subject: uuid.UUID,
    tenant_id: uuid.UUID | None,
    tenant_slug: str | None,
    role: str,
) -> str:
    now = utcnow()
    claims = {
        "iss": ISSUER,
        "sub": str(subject),
        "tid": str(tenant_id) if tenant_id else None,
        "ten": tenant_slug,
        "role": role,
        "iat": now,
        "exp": now + timedelta(seconds=ttl_seconds),
        "jti": secrets.token_hex(8),
        "typ": "access",
    }
    return jwt.encode(claims, secret, algorithm=algorithm)


def decode_access_token(token: str, *, secret: str, algorithm: str) -> AccessClaims:
    """Verify and read an access token. A verified token is remembered (by its exact bytes)
    until it expires, so repeated requests with it skip the signature check."""
    claims, expires = _decode_verified(token, secret, algorithm)
    if expires <= time.time():
        raise InvalidToken("Token de acesso expirado.", code="TOKEN_EXPIRED")
    return claims


@lru_cache(maxsize=8192)
def _decode_verified(token: str, secret: str, algorithm: str) -> tuple[AccessClaims, float]:
    try:
        data = jwt.decode(
            token,
            secret,
            algorithms=[algorithm],
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "iss"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise InvalidToken("Token de acesso expirado.", code="TOKEN_EXPIRED") from exc
    except jwt.PyJWTError as exc:
        raise InvalidToken("Token de acesso inválido.") from exc
    subject = parse_uuid(str(data.get("sub")))
    tid = data.get("tid")
    tenant_id = parse_uuid(tid) if isinstance(tid, str) else None
    if data.get("typ") != "access" or subject is None or (tid is not None and tenant_id is None):
        raise InvalidToken("Token de acesso inválido.")
    slug = data.get("ten")
    claims = AccessClaims(
        subject=subject,
        tenant_id=tenant_id,
        tenant_slug=slug if isinstance(slug, str) else None,
        role=str(data.get("role", "")),
        token_id=str(data.get("jti", "")),
    )
    return claims, float(data["exp"])


def new_refresh_token() -> tuple[str, str]:
    """A fresh opaque refresh token and the hash under which it is stored."""
    token = secrets.token_urlsafe(32)
    return token, hash_refresh_token(token)


def hash_refresh_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
