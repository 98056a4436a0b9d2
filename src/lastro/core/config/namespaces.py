"""Where declared settings come from: each running module's and core service's
``ModuleSpec.settings``, keyed by the spec's name. Tenants see core services' namespaces and
those of the modules their plan enables."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from lastro.core.config.errors import NamespaceNotFound
from lastro.core.modules import ModuleSpec
from lastro.core.runtime import Runtime


@dataclass(frozen=True)
class Namespace:
    name: str
    title: str
    model: type[BaseModel]


def _of(spec: ModuleSpec) -> Namespace | None:
    model = spec.settings
    if isinstance(model, type) and issubclass(model, BaseModel):
        return Namespace(spec.name, spec.title, model)
    return None


def visible_namespaces(runtime: Runtime, enabled_modules: list[str] | None) -> list[Namespace]:
    names = enabled_modules or []
    found: list[Namespace] = []
    for spec in runtime.services:
        ns = _of(spec)
        if ns is not None:
            found.append(ns)
    for spec in runtime.modules:
        ns = _of(spec)
        if ns is not None and (spec.name in names or "*" in names):
            found.append(ns)
    return found


def find_namespace(runtime: Runtime, enabled_modules: list[str] | None, name: str) -> Namespace:
    for ns in visible_namespaces(runtime, enabled_modules):
        if ns.name == name:
            return ns
    raise NamespaceNotFound(f"Grupo de configurações '{name}' não encontrado.")


def describe_fields(model: type[BaseModel]) -> list[dict[str, Any]]:
    """One entry per field, enough to draw a form: name, label, help, kind, options."""
    schema = model.model_json_schema()
    defs = schema.get("$defs", {})
    out: list[dict[str, Any]] = []
    for name, info in model.model_fields.items():
        prop = dict(schema.get("properties", {}).get(name, {}))
        kind, options, optional = _kind(prop, defs)
        out.append(
            {
                "name": name,
                "label": info.title or prop.get("title") or name,
                "help": info.description or "",
                "kind": kind,
                "options": options,
                "optional": optional,
                "minimum": prop.get("minimum", prop.get("exclusiveMinimum")),
                "maximum": prop.get("maximum", prop.get("exclusiveMaximum")),
            }
        )
    return out


def _kind(prop: dict[str, Any], defs: dict[str, Any]) -> tuple[str, list[Any], bool]:
    variants = prop.get("anyOf") or [prop]
    optional = any(v.get("type") == "null" for v in variants)
    types: set[str] = set()
    options: list[Any] = []
    for v in variants:
        if "$ref" in v:
            v = defs.get(v["$ref"].rsplit("/", 1)[-1], {})
        if "enum" in v:
            options.extend(v["enum"])
        elif "const" in v:
            options.append(v["const"])
        elif "type" in v and v["type"] != "null":
            types.add(str(v["type"]))
    if options:
        return "choice", options, optional
    for kind in ("boolean", "integer", "number", "string"):
        if types == {kind} or (kind == "number" and "number" in types):
            return kind, [], optional
    return "json", [], optional
