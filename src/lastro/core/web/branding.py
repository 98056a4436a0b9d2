"""White-label: the tenant's name, logo and colours, validated so they can't inject markup."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_COLOUR_RE = re.compile(r"^#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?$")
_URL_RE = re.compile(r"^(?:https?://|/)[^\s\"'<>()]+$")


@dataclass(frozen=True)
class Brand:
    name: str = "Lastro"
    logo_url: str | None = None
    primary_color: str = "#0b5cad"
    secondary_color: str = "#12a37f"
    footer: str = "Lastro — plataforma para negócios financeiros"


def brand_for(tenant_name: str | None, branding: dict[str, Any] | None) -> Brand:
    data = branding or {}
    default = Brand()
    primary = str(data.get("primary_color") or "")
    secondary = str(data.get("secondary_color") or "")
    logo = str(data.get("logo_url") or "")
    name = str(data.get("name") or tenant_name or default.name)[:120]
    return Brand(
        name=name,
        logo_url=logo if _URL_RE.match(logo) else None,
        primary_color=primary if _COLOUR_RE.match(primary) else default.primary_color,
        secondary_color=secondary if _COLOUR_RE.match(secondary) else default.secondary_color,
        footer=str(data.get("footer") or f"{name} · powered by Lastro")[:200],
    )
