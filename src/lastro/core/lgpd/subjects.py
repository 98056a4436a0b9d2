"""Turning what a caller typed into a :class:`DataSubject`, and matching rows against it."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import ColumnElement, false, or_

from lastro.br.documents import parse_cpf
from lastro.contracts.lgpd import DataSubject
from lastro.core.lgpd.errors import SubjectRequired
from lastro.kit.errors import ValidationFailed

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def parse_email(value: str) -> str:
    email = value.strip().lower()
    if len(email) > 254 or not EMAIL_RE.match(email):
        raise ValidationFailed("E-mail inválido.", code="INVALID_EMAIL")
    return email


def parse_subject(cpf: str | None, email: str | None) -> DataSubject:
    """A validated subject: CPF check digits verified (422 ``INVALID_CPF`` otherwise)."""
    cpf_digits = parse_cpf(cpf) if cpf and cpf.strip() else None
    address = parse_email(email) if email and email.strip() else None
    if cpf_digits is None and address is None:
        raise SubjectRequired("Informe o CPF e/ou o e-mail do titular.")
    return DataSubject(cpf=cpf_digits, email=address)


def matches(cpf_column: Any, email_column: Any, subject: DataSubject) -> ColumnElement[bool]:
    """Rows that name the subject by either identifier."""
    clauses: list[ColumnElement[bool]] = []
    if subject.cpf:
        clauses.append(cpf_column == subject.cpf)
    if subject.email:
        clauses.append(email_column == subject.email)
    return or_(*clauses) if clauses else false()


def mask_cpf(cpf: str | None) -> str | None:
    """``***.982.247-**``: enough to tell requests apart in the audit log, not to identify."""
    return f"***.{cpf[3:6]}.{cpf[6:9]}-**" if cpf else None


def mask_email(email: str | None) -> str | None:
    if not email:
        return None
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


def masked(subject: DataSubject) -> dict[str, str | None]:
    return {"cpf": mask_cpf(subject.cpf), "email": mask_email(subject.email)}
