"""The seeded plan catalogue: realistic prices and limits per product family."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

GB = 1024**3
ALL_MODULES = ["*"]  # every installed module, present and future

SEED_PLANS: list[dict[str, Any]] = [
    {
        "code": "chat-starter",
        "name": "Chat Starter",
        "family": "chat",
        "price": Decimal("197.00"),
        "modules": ["chat"],
        "api_rate_limit": 100,
        "limits": {"agents": 3, "conversations": 1_000, "storage_bytes": 5 * GB, "users": 5},
    },
    {
        "code": "chat-professional",
        "name": "Chat Professional",
        "family": "chat",
        "price": Decimal("497.00"),
        "modules": ["chat"],
        "api_rate_limit": 300,
        "limits": {"agents": 10, "conversations": 10_000, "storage_bytes": 25 * GB, "users": 15},
    },
    {
        "code": "chat-business",
        "name": "Chat Business",
        "family": "chat",
        "price": Decimal("997.00"),
        "modules": ["chat"],
        "api_rate_limit": 500,
        "limits": {"agents": 25, "conversations": 50_000, "storage_bytes": 100 * GB, "users": 40},
    },
    {
        "code": "chat-enterprise",
        "name": "Chat Enterprise",
        "family": "chat",
        "price": None,
        "modules": ["chat"],
        "api_rate_limit": 1_000,
        "is_public": False,
        "description": "Preço e limites sob consulta.",
        "limits": {},
    },
    {
        "code": "consorcio",
        "name": "Consórcio",
        "family": "consorcio",
        "price": None,
        "modules": ["consorcio", "finance"],
        "api_rate_limit": 1_000,
        "description": "Preço mensal pela faixa de cotas ativas.",
        "tier_metric": "active_quotas",
        "limits": {"users": 200},
        "tiers": [
            {"up_to": 1_000, "price": "2500.00"},
            {"up_to": 5_000, "price": "4500.00"},
            {"up_to": 10_000, "price": "7500.00"},
            {"up_to": 25_000, "price": "12000.00"},
            {"up_to": 50_000, "price": "18000.00"},
            {"up_to": None, "price": "25000.00"},
        ],
    },
    {
        "code": "marketplace-basic",
        "name": "Marketplace Básico",
        "family": "marketplace",
        "price": Decimal("297.00"),
        "modules": ["marketplace"],
        "api_rate_limit": 100,
        "limits": {"products": 500, "users": 5},
    },
    {
        "code": "marketplace-pro",
        "name": "Marketplace Pro",
        "family": "marketplace",
        "price": Decimal("797.00"),
        "modules": ["marketplace", "finance"],
        "api_rate_limit": 500,
        "limits": {"products": 10_000, "users": 30},
    },
    {
        "code": "platform-all",
        "name": "Plataforma Completa",
        "family": "platform",
        "price": Decimal("29900.00"),
        "modules": ALL_MODULES,
        "api_rate_limit": 1_000,
        "description": "Todos os módulos, limites amplos.",
        "is_public": False,
        "limits": {"users": 1_000},
    },
]
