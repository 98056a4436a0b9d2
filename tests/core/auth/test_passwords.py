from __future__ import annotations

import pytest

from lastro.core.auth.passwords import (
    WeakPassword,
    check_policy,
    hash_password,
    verify_password,
)


def test_argon2id_hash_and_verify() -> None:
    hashed = hash_password("Segura@12345")
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, "Segura@12345")
    assert not verify_password(hashed, "segura@12345")
    assert not verify_password(None, "Segura@12345")
    assert not verify_password("not-a-hash", "x")


@pytest.mark.parametrize(
    ("password", "fragment"),
    [
        ("Curta@1", "ao menos 10"),
        ("semmaiuscula@123", "maiúsculas"),
        ("SemNumero@abc", "número"),
        ("SemSimbolo1234", "símbolo"),
        ("Maria@Silva123", "nome"),
    ],
)
def test_policy_names_each_broken_rule(password: str, fragment: str) -> None:
    with pytest.raises(WeakPassword) as err:
        check_policy(password, personal=("Maria Silva", "maria"))
    assert fragment in err.value.detail
    assert err.value.code == "WEAK_PASSWORD"


def test_policy_accepts_a_strong_password() -> None:
    check_policy("Ipe-Amarelo#2026", personal=("Joana",))
