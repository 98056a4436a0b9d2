"""PAN and CVV at rest: AES-256-GCM under keys from the process settings.

``LASTRO_BANKING_CARD_KEYS`` is a JSON object ``{"key id": "<base64 of 32 bytes>", ...}``; the
key named by ``LASTRO_BANKING_CARD_ACTIVE_KEY`` (default: the last one listed) encrypts, every
listed key decrypts. Rotation: add a new key, make it active, run the re-encryption job (``lastro
banking cards rotate-keys``), then drop the old key. Each ciphertext is bound to its tenant, card
and field through the associated data, so a value copied onto another row does not decrypt.

Outside production a fixed development key is used when none is configured; production refuses
to start card operations without keys. Lookups by PAN use an HMAC (never the PAN itself).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import uuid
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from lastro.kit.errors import ServiceUnavailable

_DEV_KEY_ID = "dev"
_DEV_KEY = base64.b64encode(hashlib.sha256(b"lastro-dev-card-key-not-secret").digest()).decode()


class CardKeySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LASTRO_BANKING_CARD_", extra="ignore")

    keys: dict[str, str] = Field(default_factory=dict)
    active_key: str | None = None
    lookup_key: str | None = None  # HMAC key for PAN lookups; default derived from the keys


class CardCryptoUnavailable(ServiceUnavailable):
    code = "CARD_KEYS_NOT_CONFIGURED"
    title = "Chaves de cartão não configuradas"


class CardDecryptionFailed(Exception):
    """A stored value no key can open (tampered, or its key was removed too early)."""


@dataclass(frozen=True)
class CardCipher:
    keys: dict[str, bytes]
    active: str
    lookup: bytes

    def _aad(self, tenant_id: uuid.UUID, card_id: uuid.UUID, field: str) -> bytes:
        return f"{tenant_id}:{card_id}:{field}".encode()

    def encrypt(self, value: str, *, tenant_id: uuid.UUID, card_id: uuid.UUID, field: str) -> str:
        """``<key id>:<base64(nonce ‖ ciphertext ‖ tag)>``."""
        nonce = os.urandom(12)
        sealed = AESGCM(self.keys[self.active]).encrypt(
            nonce, value.encode(), self._aad(tenant_id, card_id, field)
        )
        return f"{self.active}:{base64.b64encode(nonce + sealed).decode()}"

    def decrypt(self, stored: str, *, tenant_id: uuid.UUID, card_id: uuid.UUID, field: str) -> str:
        key_id, _, blob = stored.partition(":")
        key = self.keys.get(key_id)
        if key is None:
            raise CardDecryptionFailed(f"card key {key_id!r} is not configured")
        try:
            raw = base64.b64decode(blob, validate=True)
            plain = AESGCM(key).decrypt(raw[:12], raw[12:], self._aad(tenant_id, card_id, field))
        except (InvalidTag, binascii.Error, ValueError) as exc:
            raise CardDecryptionFailed("card data does not authenticate") from exc
        return plain.decode()

    @staticmethod
    def key_id_of(stored: str) -> str:
        return stored.partition(":")[0]

    def pan_hash(self, pan: str) -> str:
        """The lookup digest of a PAN (HMAC-SHA256): lets the processor find a card by number
        without the number being searchable in the database."""
        return hmac.new(self.lookup, pan.encode(), hashlib.sha256).hexdigest()


def _decode_key(key_id: str, value: str) -> bytes:
    try:
        raw = base64.b64decode(value, validate=True)
    except binascii.Error as exc:
        raise ValueError(f"card key {key_id!r} is not base64") from exc
    if len(raw) not in (16, 24, 32):
        raise ValueError(f"card key {key_id!r} must be 16, 24 or 32 bytes")
    return raw


def build_cipher(settings: CardKeySettings, *, production: bool) -> CardCipher:
    configured = dict(settings.keys)
    if not configured:
        if production:
            raise CardCryptoUnavailable(
                "Defina LASTRO_BANKING_CARD_KEYS para emitir e usar cartões em produção."
            )
        configured = {_DEV_KEY_ID: _DEV_KEY}
    keys = {kid: _decode_key(kid, value) for kid, value in configured.items()}
    active = settings.active_key or list(keys)[-1]
    if active not in keys:
        raise ValueError(f"LASTRO_BANKING_CARD_ACTIVE_KEY {active!r} is not among the keys")
    if settings.lookup_key:
        lookup = _decode_key("lookup", settings.lookup_key)
    else:
        # stable across rotations: derived from the first (oldest) key listed
        first = next(iter(keys.values()))
        lookup = hmac.new(first, b"lastro.banking.cards.pan-lookup", hashlib.sha256).digest()
    return CardCipher(keys=keys, active=active, lookup=lookup)


@lru_cache(maxsize=4)
def _cached(production: bool) -> CardCipher:
    return build_cipher(CardKeySettings(), production=production)


def cipher(*, production: bool) -> CardCipher:
    """The process's cipher (settings read once; :func:`reset` after changing them)."""
    return _cached(production)


def reset() -> None:
    _cached.cache_clear()
