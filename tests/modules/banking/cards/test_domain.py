"""Card rules without a database: Luhn, PANs on a BIN, brands, MCC categories, AES-GCM."""

from __future__ import annotations

import base64
import os
import uuid
from datetime import date

import pytest

from lastro.modules.banking.cards import crypto, domain


@pytest.mark.parametrize(
    "pan",
    ["79927398713", "4111111111111111", "5555555555554444", "6362970000457013", "2223003122003222"],
)
def test_luhn_valid_vectors(pan: str) -> None:
    assert domain.is_luhn_valid(pan)
    assert domain.luhn_check_digit(pan[:-1]) == pan[-1]


@pytest.mark.parametrize("pan", ["79927398710", "4111111111111112", "1", "41111111111111a1"])
def test_luhn_invalid(pan: str) -> None:
    assert not domain.is_luhn_valid(pan)


def test_generated_pans_are_valid_on_the_bin_and_distinct() -> None:
    pans = {domain.generate_pan("52999900") for _ in range(200)}
    assert len(pans) == 200
    assert all(len(p) == 16 and p.startswith("52999900") and domain.is_luhn_valid(p) for p in pans)
    with pytest.raises(ValueError):
        domain.generate_pan("12a456")


def test_brands_and_expiry() -> None:
    assert domain.brand_of("5066991111111118") == "elo"  # Elo before Visa/Mastercard
    assert domain.brand_of("4011780000000000") == "elo"
    assert domain.brand_of("4111111111111111") == "visa"
    assert domain.brand_of("2223003122003222") == "mastercard"
    assert domain.mask("1234") == "•••• 1234"
    assert not domain.is_expired(11, 2026, date(2026, 11, 30))
    assert domain.is_expired(11, 2026, date(2026, 12, 1))


def test_mcc_categories() -> None:
    assert domain.category_for_mcc("5411") == "supermercado"
    assert domain.category_for_mcc(5812) == "alimentacao"
    assert domain.category_for_mcc("3012") == "viagem"  # airline range
    assert domain.category_for_mcc("5651") == "compras"  # retail fallback
    assert domain.category_for_mcc("0000") == "outros"
    assert domain.category_for_mcc("abc") == "outros"


def _key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def test_aes_gcm_binds_tenant_card_and_field() -> None:
    c = crypto.build_cipher(crypto.CardKeySettings(keys={"k1": _key()}), production=True)
    t, card = uuid.uuid4(), uuid.uuid4()
    sealed = c.encrypt("4111111111111111", tenant_id=t, card_id=card, field="pan")
    assert sealed.startswith("k1:") and "4111" not in sealed
    assert c.decrypt(sealed, tenant_id=t, card_id=card, field="pan") == "4111111111111111"
    for other in (
        {"tenant_id": uuid.uuid4(), "card_id": card, "field": "pan"},
        {"tenant_id": t, "card_id": uuid.uuid4(), "field": "pan"},
        {"tenant_id": t, "card_id": card, "field": "cvv"},
    ):
        with pytest.raises(crypto.CardDecryptionFailed):
            c.decrypt(sealed, **other)  # type: ignore[arg-type]
    tampered = sealed[:-4] + ("AAAA" if not sealed.endswith("AAAA") else "BBBB")
    with pytest.raises(crypto.CardDecryptionFailed):
        c.decrypt(tampered, tenant_id=t, card_id=card, field="pan")


def test_rotation_newest_encrypts_all_decrypt() -> None:
    k1, k2 = _key(), _key()
    old = crypto.build_cipher(crypto.CardKeySettings(keys={"k1": k1}), production=True)
    both = crypto.build_cipher(crypto.CardKeySettings(keys={"k1": k1, "k2": k2}), production=True)
    t, card = uuid.uuid4(), uuid.uuid4()
    sealed = old.encrypt("123", tenant_id=t, card_id=card, field="cvv")
    assert both.active == "k2"
    assert both.decrypt(sealed, tenant_id=t, card_id=card, field="cvv") == "123"
    assert both.encrypt("123", tenant_id=t, card_id=card, field="cvv").startswith("k2:")
    # the PAN lookup digest survives the rotation (derived from the oldest key)
    assert old.pan_hash("4111111111111111") == both.pan_hash("4111111111111111")
    only_new = crypto.build_cipher(crypto.CardKeySettings(keys={"k2": k2}), production=True)
    with pytest.raises(crypto.CardDecryptionFailed):
        only_new.decrypt(sealed, tenant_id=t, card_id=card, field="cvv")


def test_production_needs_keys() -> None:
    with pytest.raises(crypto.CardCryptoUnavailable):
        crypto.build_cipher(crypto.CardKeySettings(), production=True)
    dev = crypto.build_cipher(crypto.CardKeySettings(), production=False)
    assert dev.active == "dev"
    with pytest.raises(ValueError):
        crypto.build_cipher(crypto.CardKeySettings(keys={"k": "bm90LWEta2V5"}), production=True)
