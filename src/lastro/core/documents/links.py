"""Signed, time-limited download links: ``/files/<token>`` works without logging in.

The token carries tenant, document, version and expiry, signed with HMAC-SHA256 under a key
derived from ``secret_key`` for this purpose only (a token is useless as anything else).
Expired and tampered tokens are refused alike; erasing or deleting the document revokes them.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import orjson

from lastro.core.documents.errors import InvalidLink
from lastro.kit.clock import utcnow

PURPOSE = b"lastro.documents.link.v1"
MAX_TTL = timedelta(days=7)


@dataclass(frozen=True)
class LinkClaims:
    tenant_id: uuid.UUID
    document_id: uuid.UUID
    version: int | None
    expires_at: datetime


def _key(secret: str) -> bytes:
    return hmac.new(secret.encode(), PURPOSE, hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign_link(
    secret: str,
    tenant_id: uuid.UUID,
    document_id: uuid.UUID,
    *,
    version: int | None = None,
    ttl: timedelta = timedelta(hours=1),
    now: datetime | None = None,
) -> tuple[str, datetime]:
    """A token for the document (its current version when ``version`` is None)."""
    ttl = min(ttl, MAX_TTL)
    expires = (now or utcnow()) + ttl
    payload = orjson.dumps([str(tenant_id), str(document_id), version, int(expires.timestamp())])
    body = _b64(payload)
    mac = hmac.new(_key(secret), body.encode(), hashlib.sha256).digest()
    return f"{body}.{_b64(mac)}", expires.replace(microsecond=0)


def verify_link(secret: str, token: str, *, now: datetime | None = None) -> LinkClaims:
    body, _, mac = token.partition(".")
    try:
        expected = hmac.new(_key(secret), body.encode(), hashlib.sha256).digest()
        if not mac or not hmac.compare_digest(expected, _unb64(mac)):
            raise InvalidLink("Link inválido ou expirado.")
        tenant, document, version, expires = orjson.loads(_unb64(body))
        claims = LinkClaims(
            uuid.UUID(tenant),
            uuid.UUID(document),
            int(version) if version is not None else None,
            datetime.fromtimestamp(int(expires), tz=utcnow().tzinfo),
        )
    except (ValueError, TypeError, binascii.Error, orjson.JSONDecodeError) as exc:
        raise InvalidLink("Link inválido ou expirado.") from exc
    if claims.expires_at <= (now or utcnow()):
        raise InvalidLink("Link inválido ou expirado.")
    return claims
