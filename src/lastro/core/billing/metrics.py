"""The metrics plans limit, how they accumulate, and their names for people."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Metric:
    code: str
    label: str  # pt-BR, shown in errors and alerts
    kind: Literal["level", "monthly"]  # a level goes up and down; a monthly flow resets


METRICS: dict[str, Metric] = {
    m.code: m
    for m in (
        Metric("users", "usuários", "level"),
        Metric("agents", "agentes de atendimento", "level"),
        Metric("active_quotas", "cotas ativas", "level"),
        Metric("products", "produtos", "level"),
        Metric("storage_bytes", "armazenamento (bytes)", "level"),
        Metric("conversations", "conversas no mês", "monthly"),
        Metric("api_calls", "chamadas de API no mês", "monthly"),
    )
}


def metric(code: str) -> Metric:
    try:
        return METRICS[code]
    except KeyError:
        raise ValueError(f"unknown usage metric {code!r}") from None
