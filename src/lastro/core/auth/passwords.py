"""Argon2id password hashing and the password policy."""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from lastro.kit.errors import ValidationFailed

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verified against when the user does not exist, so timing doesn't reveal which usernames exist.
_DUMMY_HASH = _hasher.hash("lastro-dummy-password")


class WeakPassword(ValidationFailed):
    code = "WEAK_PASSWORD"
    title = "Senha fraca"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def check_policy(password: str, *, min_length: int = 10, personal: tuple[str, ...] = ()) -> None:
    """Raise :class:`WeakPassword` naming every rule the password breaks."""
    problems: list[str] = []
    if len(password) < min_length:
        problems.append(f"ter ao menos {min_length} caracteres")
    if len(password) > 128:
        problems.append("ter no máximo 128 caracteres")
    if not re.search(r"[a-z]", password) or not re.search(r"[A-Z]", password):
        problems.append("misturar letras maiúsculas e minúsculas")
    if not re.search(r"\d", password):
        problems.append("conter ao menos um número")
    if not re.search(r"[^A-Za-z0-9]", password):
        problems.append("conter ao menos um símbolo")
    lowered = password.lower()
    if any(p and len(p) >= 4 and p.lower() in lowered for p in personal):
        problems.append("não conter seu nome, e-mail ou CPF")
    if problems:
        raise WeakPassword("A senha deve " + ", ".join(problems) + ".")
