"""Signatures: what we send verifies; a tampered body, a wrong secret or a stale timestamp
does not."""

from __future__ import annotations

import time

import pytest

from lastro.core.webhooks import crypto
from lastro.core.webhooks.signing import (
    SignatureError,
    SignatureMismatch,
    StaleSignature,
    signature_header,
    verify_signature,
)

SECRET = "whsec_teste"
BODY = b'{"id":"1","type":"x"}'


def test_signature_round_trip() -> None:
    header = signature_header([SECRET], BODY)
    assert header.startswith("t=") and ",v1=" in header
    assert verify_signature(SECRET, header, BODY) == int(header.split(",")[0][2:])


def test_tampered_body_or_wrong_secret_fails() -> None:
    header = signature_header([SECRET], BODY)
    with pytest.raises(SignatureMismatch):
        verify_signature(SECRET, header, BODY.replace(b"x", b"y"))
    with pytest.raises(SignatureMismatch):
        verify_signature("whsec_outro", header, BODY)


def test_stale_or_future_timestamp_fails() -> None:
    old = signature_header([SECRET], BODY, timestamp=int(time.time()) - 301)
    with pytest.raises(StaleSignature):
        verify_signature(SECRET, old, BODY)
    future = signature_header([SECRET], BODY, timestamp=int(time.time()) + 301)
    with pytest.raises(StaleSignature):
        verify_signature(SECRET, future, BODY)
    assert verify_signature(SECRET, old, BODY, tolerance=600)


def test_replayed_old_signature_with_new_timestamp_fails() -> None:
    header = signature_header([SECRET], BODY, timestamp=1_700_000_000)
    forged = header.replace("t=1700000000", f"t={int(time.time())}")
    with pytest.raises(SignatureMismatch):
        verify_signature(SECRET, forged, BODY)


@pytest.mark.parametrize("header", [None, "", "v1=abc", "t=abc,v1=x", "t=123"])
def test_malformed_headers_fail(header: str | None) -> None:
    with pytest.raises(SignatureError):
        verify_signature(SECRET, header, BODY)


def test_rotation_sends_both_signatures() -> None:
    header = signature_header(["whsec_novo", "whsec_velho"], BODY)
    assert header.count("v1=") == 2
    verify_signature("whsec_novo", header, BODY)
    verify_signature("whsec_velho", header, BODY)


def test_secrets_are_encrypted_at_rest() -> None:
    secret = crypto.new_secret()
    token = crypto.encrypt("chave-da-plataforma", secret)
    assert secret not in token
    assert crypto.decrypt("chave-da-plataforma", token) == secret
    with pytest.raises(Exception):  # noqa: B017 - any failure: another key must not decrypt
        crypto.decrypt("outra-chave", token)
