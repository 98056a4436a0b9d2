"""Which URLs may receive webhooks: in production only https to public addresses, so a tenant
cannot aim our workers at the internal network (SSRF). Development and tests allow http and
local addresses so a receiver on the same machine works."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from lastro.core.webhooks.errors import InvalidWebhookUrl

_LOCAL_NAMES = ("localhost", "localhost.localdomain")


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_syntax(url: str, *, production: bool) -> str:
    """The host of ``url`` after the checks that need no DNS; raises InvalidWebhookUrl."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise InvalidWebhookUrl("A URL do webhook não é válida.") from None
    allowed = ("https",) if production else ("https", "http")
    if parts.scheme not in allowed:
        raise InvalidWebhookUrl(
            "A URL do webhook deve usar https." if production else "Use uma URL http ou https."
        )
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        raise InvalidWebhookUrl("A URL do webhook não tem servidor.")
    if parts.username or parts.password:
        raise InvalidWebhookUrl("A URL do webhook não pode conter usuário ou senha.")
    if port == 0:
        raise InvalidWebhookUrl("Porta inválida na URL do webhook.")
    if production and (host in _LOCAL_NAMES or host.endswith((".localhost", ".local"))):
        raise InvalidWebhookUrl("A URL do webhook não pode apontar para a rede local.")
    return host


async def check_destination(url: str, *, production: bool) -> None:
    """Refuse ``url`` when, in production, its host is or resolves to a non-public address.

    Run at registration and again before each send (DNS may change in between)."""
    host = check_syntax(url, production=production)
    if not production:
        return
    try:
        addresses = [ipaddress.ip_address(host).compressed]
    except ValueError:
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                host, None, type=socket.SOCK_STREAM
            )
        except OSError:
            raise InvalidWebhookUrl(f"Não foi possível resolver o servidor '{host}'.") from None
        addresses = [str(info[4][0]) for info in infos]
    if not addresses or not all(_is_public(a) for a in addresses):
        raise InvalidWebhookUrl("A URL do webhook não pode apontar para endereços internos.")
