"""Signing deliveries and verifying them, for us and for receivers.

``Lastro-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>``; during a
secret rotation's grace period one ``v1`` per valid secret is sent. Replay protection for a
receiver is the timestamp tolerance plus remembering ``Lastro-Delivery`` ids it has processed.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Sequence

SIGNATURE_HEADER = "Lastro-Signature"
DEFAULT_TOLERANCE = 300


class SignatureError(ValueError):
    """The signature header is missing, malformed, stale or does not match."""


class StaleSignature(SignatureError):
    pass


class SignatureMismatch(SignatureError):
    pass


def compute(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(secrets: Sequence[str], body: bytes, *, timestamp: int | None = None) -> str:
    t = int(time.time()) if timestamp is None else timestamp
    return ",".join([f"t={t}", *(f"v1={compute(s, t, body)}" for s in secrets)])


def _parse(header: str) -> tuple[int, list[str]]:
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t":
            try:
                timestamp = int(value)
            except ValueError:
                raise SignatureError("timestamp inválido") from None
        elif key == "v1" and value:
            signatures.append(value)
    if timestamp is None or not signatures:
        raise SignatureError("cabeçalho de assinatura incompleto")
    return timestamp, signatures


def verify_signature(
    secret: str,
    header: str | None,
    body: bytes,
    tolerance: int = DEFAULT_TOLERANCE,
    *,
    now: float | None = None,
) -> int:
    """Check ``header`` against ``body``; returns the signed timestamp or raises
    :class:`SignatureError` (:class:`StaleSignature` outside ``tolerance`` seconds)."""
    if not header:
        raise SignatureError("cabeçalho de assinatura ausente")
    timestamp, signatures = _parse(header)
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        raise StaleSignature("assinatura fora da janela de tolerância")
    expected = compute(secret, timestamp, body)
    if not any(hmac.compare_digest(expected, s) for s in signatures):
        raise SignatureMismatch("assinatura não confere")
    return timestamp
