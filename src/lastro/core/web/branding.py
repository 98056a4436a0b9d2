"""White-label: the tenant's name, logo, favicon, colours and custom CSS, validated on the way
in (so a tenant admin cannot inject markup or scripts into its own pages) and again when read."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from lastro.kit.errors import ValidationFailed

_COLOUR_RE = re.compile(r"^#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?$")
_URL_RE = re.compile(r"^(?:https://|/)[^\s\"'<>()\\]+$")
_DOMAIN_RE = re.compile(r"^(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
# CSS that could leave the <style> element, load remote code or run script
_CSS_FORBIDDEN = re.compile(
    r"</|<!--|@import|expression\s*\(|javascript:|behavior\s*:|-moz-binding|url\s*\(\s*['\"]?\s*"
    r"(?!/|https://)",
    re.IGNORECASE,
)
MAX_CSS_BYTES = 20_000


@dataclass(frozen=True)
class Brand:
    name: str = "Lastro"
    logo_url: str | None = None
    favicon_url: str | None = None
    primary_color: str = "#0b5cad"
    secondary_color: str = "#12a37f"
    custom_css: str = ""
    footer: str = "Lastro — plataforma para negócios financeiros"


def brand_for(tenant_name: str | None, branding: dict[str, Any] | None) -> Brand:
    data = branding or {}
    default = Brand()
    primary = str(data.get("primary_color") or "")
    secondary = str(data.get("secondary_color") or "")
    logo = str(data.get("logo_url") or "")
    favicon = str(data.get("favicon_url") or "")
    css = str(data.get("custom_css") or "")
    name = str(data.get("name") or tenant_name or default.name)[:120]
    return Brand(
        name=name,
        logo_url=logo if _URL_RE.match(logo) else None,
        favicon_url=favicon if _URL_RE.match(favicon) else None,
        primary_color=primary if _COLOUR_RE.match(primary) else default.primary_color,
        secondary_color=secondary if _COLOUR_RE.match(secondary) else default.secondary_color,
        custom_css=css if css and not _CSS_FORBIDDEN.search(css) else "",
        footer=str(data.get("footer") or f"{name} · powered by Lastro")[:200],
    )


def validate_branding(data: dict[str, Any]) -> dict[str, Any]:
    """Check each field a tenant admin sends; raise naming the first one that is wrong."""
    out: dict[str, Any] = {}
    for key in ("primary_color", "secondary_color"):
        value = data.get(key)
        if value is not None:
            if not _COLOUR_RE.match(value):
                raise ValidationFailed(
                    f"{key}: use uma cor hexadecimal como #0b5cad.", code="INVALID_BRANDING"
                )
            out[key] = value
    for key in ("logo_url", "favicon_url"):
        value = data.get(key)
        if value is not None:
            if value and not _URL_RE.match(value):
                raise ValidationFailed(
                    f"{key}: use um endereço https:// ou um caminho /.", code="INVALID_BRANDING"
                )
            out[key] = value or None
    css = data.get("custom_css")
    if css is not None:
        if len(css.encode()) > MAX_CSS_BYTES:
            raise ValidationFailed(
                f"custom_css: no máximo {MAX_CSS_BYTES} bytes.", code="INVALID_BRANDING"
            )
        if _CSS_FORBIDDEN.search(css):
            raise ValidationFailed(
                "custom_css: não use '</', @import, expression(), javascript: nem url() de "
                "outros esquemas que https:// ou caminhos locais.",
                code="INVALID_BRANDING",
            )
        out["custom_css"] = css
    for key in ("name", "footer"):
        if data.get(key) is not None:
            out[key] = str(data[key]).strip()
    return out


def normalise_domain(domain: str) -> str:
    value = domain.strip().lower().rstrip(".")
    if not _DOMAIN_RE.match(value):
        raise ValidationFailed(
            "Domínio inválido; use algo como atendimento.suaempresa.com.br.", code="INVALID_DOMAIN"
        )
    return value
