"""Signed links: valid until they expire, refused when tampered with or signed elsewhere."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from lastro.core.documents.errors import InvalidLink
from lastro.core.documents.links import MAX_TTL, sign_link, verify_link
from lastro.kit.clock import utcnow

SECRET = "a-secret-key-long-enough-for-tests-0123456789"


def test_round_trip() -> None:
    tenant, document = uuid.uuid4(), uuid.uuid4()
    token, expires = sign_link(SECRET, tenant, document, version=2, ttl=timedelta(minutes=5))
    claims = verify_link(SECRET, token)
    assert (claims.tenant_id, claims.document_id, claims.version) == (tenant, document, 2)
    assert claims.expires_at == expires


def test_expired_link_is_refused() -> None:
    now = utcnow()
    token, _ = sign_link(SECRET, uuid.uuid4(), uuid.uuid4(), ttl=timedelta(minutes=1), now=now)
    verify_link(SECRET, token, now=now + timedelta(seconds=30))
    with pytest.raises(InvalidLink):
        verify_link(SECRET, token, now=now + timedelta(minutes=2))


def test_ttl_is_capped() -> None:
    now = utcnow()
    _, expires = sign_link(SECRET, uuid.uuid4(), uuid.uuid4(), ttl=timedelta(days=365), now=now)
    assert expires <= now + MAX_TTL


@pytest.mark.parametrize("mutate", ["body", "mac", "secret", "garbage", "empty"])
def test_tampered_link_is_refused(mutate: str) -> None:
    token, _ = sign_link(SECRET, uuid.uuid4(), uuid.uuid4())
    body, mac = token.split(".")
    secret = SECRET
    if mutate == "body":
        token = ("A" if body[0] != "A" else "B") + body[1:] + "." + mac
    elif mutate == "mac":
        token = body + "." + ("A" if mac[0] != "A" else "B") + mac[1:]
    elif mutate == "secret":
        secret = SECRET + "x"
    elif mutate == "garbage":
        token = "not-a-token"
    else:
        token = ""
    with pytest.raises(InvalidLink):
        verify_link(secret, token)
