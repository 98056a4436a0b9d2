"""One export framework for every list: a source declares its columns, filters and query once.

A module registers ``register_export("consorcio.cotas", columns, query_factory, "perm")`` at
import time. ``query_factory(filters)`` returns a ``select`` whose result columns are in the
order of ``columns``; the tenancy guard scopes it to the bound tenant like any query, so a
source never filters by tenant itself. Filters arrive as strings (query parameters, or JSON
stored with a scheduled report) and are parsed by each :class:`Filter`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy import Select

from lastro.core.exports.errors import InvalidFilter, UnknownSource
from lastro.kit.clock import ensure_utc

ColumnKind = Literal["text", "int", "decimal", "datetime", "date", "bool"]
AnySelect = Select[*tuple[Any, ...]]
QueryFactory = Callable[[Mapping[str, Any]], AnySelect]
_NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: ColumnKind = "text"
    width: int = 18  # characters, for XLSX and PDF layouts


def _parse_bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("1", "true", "sim", "yes"):
        return True
    if lowered in ("0", "false", "nao", "não", "no"):
        return False
    raise ValueError(value)


PARSERS: dict[str, Callable[[str], Any]] = {
    "text": str,
    "int": int,
    "bool": _parse_bool,
    "date": date.fromisoformat,
    "datetime": lambda text: ensure_utc(datetime.fromisoformat(text)),
}


@dataclass(frozen=True)
class Filter:
    name: str
    label: str
    kind: Literal["text", "int", "bool", "date", "datetime"] = "text"
    max_length: int = 200


@dataclass(frozen=True)
class ExportSource:
    name: str
    title: str
    columns: tuple[Column, ...]
    query: QueryFactory
    permission: str
    filters: tuple[Filter, ...] = field(default_factory=tuple)

    def parse_filters(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        """Typed filter values; unknown names and bad values are 422s naming the filter."""
        known = {f.name: f for f in self.filters}
        out: dict[str, Any] = {}
        for name, value in raw.items():
            spec = known.get(name)
            if spec is None:
                raise InvalidFilter(
                    f"Filtro desconhecido para '{self.name}': {name}.",
                    extra={"filter": name, "available": sorted(known)},
                )
            if value is None or value == "":
                continue
            text = str(value)
            if len(text) > spec.max_length:
                raise InvalidFilter(f"Filtro '{name}' longo demais.", extra={"filter": name})
            try:
                out[name] = PARSERS[spec.kind](text)
            except ValueError as exc:
                raise InvalidFilter(
                    f"Valor inválido para o filtro '{name}': {text}.", extra={"filter": name}
                ) from exc
        return out


_SOURCES: dict[str, ExportSource] = {}


def register_export(
    name: str,
    columns: Sequence[Column],
    query_factory: QueryFactory,
    permission: str,
    *,
    title: str | None = None,
    filters: Sequence[Filter] = (),
) -> ExportSource:
    """Make a list exportable as CSV, XLSX and PDF, directly or in the background."""
    if not _NAME.match(name):
        raise ValueError(f"invalid export source name {name!r}")
    if not columns:
        raise ValueError("an export source needs columns")
    source = ExportSource(
        name, title or name, tuple(columns), query_factory, permission, tuple(filters)
    )
    _SOURCES[name] = source
    return source


def get_source(name: str) -> ExportSource:
    source = _SOURCES.get(name)
    if source is None:
        raise UnknownSource(f"Fonte de exportação desconhecida: {name}.")
    return source


def sources() -> Mapping[str, ExportSource]:
    return _SOURCES
