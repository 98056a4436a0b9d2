"""The query protocol through which every module answers LGPD data-subject requests.

A module (or core service) that stores personal data implements :class:`DataSubjectSource` and
calls :func:`register_source` at import time. ``lastro.core.lgpd`` then asks every registered
source, inside the request's tenant-bound session, to export (``collect``), correct
(``rectify``) or erase/anonymise (``erase``) what it holds about one :class:`DataSubject`.
Sources return plain, JSON-safe data — never ORM objects — and never commit.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from sqlalchemy.ext.asyncio import AsyncSession

JsonValue = Any  # str | int | float | bool | None | list[JsonValue] | dict[str, JsonValue]

_NOT_DIGITS = re.compile(r"\D")


@dataclass(frozen=True)
class DataSubject:
    """Who a request is about: CPF as 11 digits and/or e-mail in lower case.

    The check digits are validated by the core before a subject is built; here the values
    are only normalised so every source compares like with like.
    """

    cpf: str | None = None
    email: str | None = None

    def __post_init__(self) -> None:
        cpf = _NOT_DIGITS.sub("", self.cpf) if self.cpf else None
        email = self.email.strip().lower() if self.email else None
        object.__setattr__(self, "cpf", cpf or None)
        object.__setattr__(self, "email", email or None)
        if self.cpf is None and self.email is None:
            raise ValueError("a data subject needs a CPF or an e-mail")


@dataclass(frozen=True)
class SubjectRecord:
    """One piece of what a source holds about the subject, as exported to them.

    ``erasable`` says whether ``erase`` removes or anonymises it; when False, ``retention``
    says why it must be kept (e.g. a legal obligation, LGPD art. 16, I).
    """

    category: str
    description: str
    data: Mapping[str, JsonValue]
    legal_basis: str
    erasable: bool
    retention: str | None = None

    def as_dict(self) -> dict[str, JsonValue]:
        return {
            "category": self.category,
            "description": self.description,
            "data": dict(self.data),
            "legal_basis": self.legal_basis,
            "erasable": self.erasable,
            "retention": self.retention,
        }


@dataclass(frozen=True)
class ErasureOutcome:
    """What ``erase`` did: rows erased, rows anonymised, rows kept and why they were kept."""

    erased: int = 0
    anonymised: int = 0
    kept: int = 0
    kept_reasons: tuple[str, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict[str, JsonValue]:
        return {
            "erased": self.erased,
            "anonymised": self.anonymised,
            "kept": self.kept,
            "kept_reasons": list(self.kept_reasons),
        }


@runtime_checkable
class DataSubjectSource(Protocol):
    """Implemented by each module that holds personal data.

    Every method runs in the caller's session, already bound to the request's tenant, so a
    source must only use tenant-scoped ORM queries (the tenancy guard filters them) and never
    reach another tenant's rows.
    """

    @property
    def name(self) -> str:
        """Stable identifier (``users``, ``consorcio``), also the file name in the export."""
        ...

    async def collect(self, session: AsyncSession, subject: DataSubject) -> list[SubjectRecord]:
        """Everything this source holds about ``subject``."""
        ...

    async def rectify(
        self, session: AsyncSession, subject: DataSubject, changes: Mapping[str, str]
    ) -> list[str]:
        """Apply the changes this source understands (``name``, ``email``, ``cpf`` ...);
        returns a pt-BR line per change made, empty when nothing applied."""
        ...

    async def erase(self, session: AsyncSession, subject: DataSubject) -> ErasureOutcome:
        """Erase or anonymise what the law allows; keep, and say why, what it requires."""
        ...


_sources: dict[str, DataSubjectSource] = {}


def register_source(source: DataSubjectSource) -> DataSubjectSource:
    """Declare a source (at import time). Registering the same name again replaces it."""
    _sources[source.name] = source
    return source


def unregister_source(name: str) -> None:
    _sources.pop(name, None)


def sources() -> tuple[DataSubjectSource, ...]:
    """Registered sources in a stable order (by name)."""
    return tuple(_sources[name] for name in sorted(_sources))
