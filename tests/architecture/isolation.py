"""Reusable tenant-isolation harness: every module runs it over its routes.

It walks every registered ``/api/`` route. Routes with path parameters are called with tenant
B's token on tenant A's resource ids, for every method: each must answer 404 (never 200, 403
revealing existence, or 500). Routes without parameters that list things (GET) must not show
any of A's ids to B. A's own token must still reach its resources (so the walk is meaningful).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import FastAPI

_PARAM = re.compile(r"{([a-zA-Z_][a-zA-Z0-9_]*)(?::[^}]*)?}")
DEFAULT_EXEMPT_PREFIXES = ("/api/v1/auth/", "/api/v1/platform/", "/api/v1/br/", "/api/v1/reseller/")
DEFAULT_EXEMPT_PATHS = frozenset({"/api/v1/me"})


@dataclass
class IsolationCase:
    app: FastAPI
    client: httpx.AsyncClient
    owner_headers: dict[str, str]
    intruder_headers: dict[str, str]
    resources: Mapping[str, str]
    bodies: Mapping[tuple[str, str], Any] = field(default_factory=dict)
    exempt_prefixes: tuple[str, ...] = DEFAULT_EXEMPT_PREFIXES
    exempt_paths: Iterable[str] = DEFAULT_EXEMPT_PATHS
    only_prefixes: tuple[str, ...] = ("/api/",)


@dataclass
class IsolationReport:
    checked: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def api_routes(app: FastAPI) -> list[tuple[str, list[str]]]:
    """Every API path and its methods, read from the OpenAPI document (the public contract,
    and independent of how the framework nests routers)."""
    paths: dict[str, dict[str, Any]] = app.openapi()["paths"]
    return [(path, sorted(m.upper() for m in ops)) for path, ops in paths.items()]


def _routes(case: IsolationCase) -> list[tuple[str, list[str]]]:
    exempt = set(case.exempt_paths)
    return [
        (path, methods)
        for path, methods in api_routes(case.app)
        if path.startswith(case.only_prefixes)
        and path not in exempt
        and not path.startswith(case.exempt_prefixes)
    ]


async def walk(case: IsolationCase) -> IsolationReport:
    report = IsolationReport()
    secret_ids = set(case.resources.values())
    for path, methods in _routes(case):
        params = _PARAM.findall(path)
        if not params:
            if "GET" in methods:
                r = await case.client.get(path, headers=case.intruder_headers)
                report.checked.append(f"GET {path}")
                leaked = [i for i in secret_ids if i in r.text]
                if r.status_code >= 500 or leaked:
                    report.failures.append(f"GET {path} → {r.status_code}, vazou {leaked}")
            continue
        missing = [p for p in params if p not in case.resources]
        if missing:
            report.failures.append(f"{path}: sem recurso de teste para {missing}")
            continue
        url = _PARAM.sub(lambda m: case.resources[m.group(1)], path)
        for method in methods:
            body = case.bodies.get((method, path), {} if method != "GET" else None)
            r = await case.client.request(method, url, headers=case.intruder_headers, json=body)
            report.checked.append(f"{method} {path}")
            if r.status_code != 404:
                report.failures.append(
                    f"{method} {url} como outro cliente → {r.status_code}"
                    f" (esperado 404): {r.text[:200]}"
                )
        if "GET" in methods:
            r = await case.client.get(url, headers=case.owner_headers)
            if r.status_code != 200:
                report.failures.append(
                    f"GET {url} pelo dono → {r.status_code}: recurso de "
                    "teste inválido, a verificação não prova nada"
                )
    return report


async def assert_tenant_isolation(case: IsolationCase) -> IsolationReport:
    report = await walk(case)
    assert report.checked, "nenhuma rota verificada"
    assert not report.failures, "\n".join(report.failures)
    return report
