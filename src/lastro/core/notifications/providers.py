"""SMS and WhatsApp providers behind one small interface, chosen by settings.

``SandboxProvider`` sends nothing: it keeps what it would have sent (also written to the
delivery log), for development and tests. ``WhatsAppCloudProvider`` speaks Meta's WhatsApp
Cloud API; ``ZenviaSmsProvider`` Zenvia's SMS API (a Brazilian provider).
"""

from __future__ import annotations

import collections
import uuid
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

import httpx

from lastro.core.notifications.config import NotificationSettings


class DeliveryError(Exception):
    """A send that failed. ``permanent`` ones (bad number, rejected auth) are not retried."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class WhatsAppTemplate:
    """An approved WhatsApp message template and its body parameters, in order."""

    name: str
    language: str = "pt_BR"
    params: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProviderMessage:
    to: str  # E.164, "+5511987654321"
    text: str
    template: WhatsAppTemplate | None = None


@dataclass(frozen=True)
class SendResult:
    provider: str
    message_id: str | None
    request: dict[str, Any] = field(default_factory=dict)


class Provider(Protocol):
    name: str

    async def send(self, message: ProviderMessage) -> SendResult: ...


class SandboxProvider:
    """Records instead of sending. ``outbox`` (class-wide, bounded) is what tests read."""

    outbox: ClassVar[collections.deque[dict[str, Any]]] = collections.deque(maxlen=1000)

    def __init__(self, channel: str) -> None:
        self.channel = channel
        self.name = "sandbox"

    async def send(self, message: ProviderMessage) -> SendResult:
        message_id = f"sandbox-{uuid.uuid4().hex}"
        request: dict[str, Any] = {"to": message.to, "text": message.text}
        if message.template is not None:
            request["template"] = {
                "name": message.template.name,
                "language": message.template.language,
                "params": list(message.template.params),
            }
        self.outbox.append({"channel": self.channel, "id": message_id, **request})
        return SendResult(self.name, message_id, request)


def _http_error(provider: str, response: httpx.Response) -> DeliveryError:
    try:
        body = response.json()
    except ValueError:
        body = {}
    error = body.get("error") if isinstance(body, dict) else None
    detail = error.get("message") if isinstance(error, dict) else response.text[:300]
    # 429 and 5xx may pass; other 4xx (bad number, bad token, bad template) will not
    permanent = 400 <= response.status_code < 500 and response.status_code not in (408, 429)
    return DeliveryError(f"{provider}: HTTP {response.status_code}: {detail}", permanent=permanent)


class WhatsAppCloudProvider:
    """``POST {base}/{phone_number_id}/messages`` with a bearer token (WhatsApp Cloud API)."""

    name = "whatsapp_cloud"

    def __init__(
        self,
        *,
        base_url: str,
        phone_number_id: str,
        token: str,
        timeout: float = 15.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.url = f"{base_url.rstrip('/')}/{phone_number_id}/messages"
        self.token = token
        self.timeout = timeout
        self.transport = transport

    @staticmethod
    def payload(message: ProviderMessage) -> dict[str, Any]:
        to = message.to.lstrip("+")
        if message.template is None:
            return {
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                "to": to,
                "type": "text",
                "text": {"preview_url": False, "body": message.text[:4096]},
            }
        template: dict[str, Any] = {
            "name": message.template.name,
            "language": {"code": message.template.language},
        }
        if message.template.params:
            template["components"] = [
                {
                    "type": "body",
                    "parameters": [{"type": "text", "text": p} for p in message.template.params],
                }
            ]
        return {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": to,
            "type": "template",
            "template": template,
        }

    async def send(self, message: ProviderMessage) -> SendResult:
        body = self.payload(message)
        headers = {"Authorization": f"Bearer {self.token}"}
        try:
            async with httpx.AsyncClient(timeout=self.timeout, transport=self.transport) as http:
                response = await http.post(self.url, json=body, headers=headers)
        except httpx.HTTPError as exc:
            raise DeliveryError(f"whatsapp: {type(exc).__name__}: {exc}") from exc
        if response.status_code >= 400:
            raise _http_error("whatsapp", response)
        data = response.json()
        messages = data.get("messages") if isinstance(data, dict) else None
        message_id = messages[0].get("id") if messages else None
        return SendResult(self.name, message_id, body)


class ZenviaSmsProvider:
    """``POST {base}/channels/sms/messages`` with ``X-API-TOKEN`` (Zenvia API v2)."""

    name = "zenvia"

    def __init__(
        self,
        *,
        base_url: str,
        token: str,
        sender: str,
        timeout: float = 15.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.url = f"{base_url.rstrip('/')}/channels/sms/messages"
        self.token = token
        self.sender = sender
        self.timeout = timeout
        self.transport = transport

    async def send(self, message: ProviderMessage) -> SendResult:
        body = {
            "from": self.sender,
            "to": message.to.lstrip("+"),
            "contents": [{"type": "text", "text": message.text[:1600]}],
        }
        try:
            async with httpx.AsyncClient(timeout=self.timeout, transport=self.transport) as http:
                response = await http.post(self.url, json=body, headers={"X-API-TOKEN": self.token})
        except httpx.HTTPError as exc:
            raise DeliveryError(f"sms: {type(exc).__name__}: {exc}") from exc
        if response.status_code >= 400:
            raise _http_error("sms", response)
        data = response.json()
        return SendResult(self.name, data.get("id") if isinstance(data, dict) else None, body)


def build_sms(settings: NotificationSettings) -> Provider:
    if settings.sms_provider == "zenvia":
        if not settings.sms_api_token:
            raise ValueError("sms_provider=zenvia needs sms_api_token")
        return ZenviaSmsProvider(
            base_url=settings.sms_api_base,
            token=settings.sms_api_token,
            sender=settings.sms_from,
            timeout=settings.http_timeout,
        )
    return SandboxProvider("sms")


def build_whatsapp(settings: NotificationSettings) -> Provider:
    if settings.whatsapp_provider == "cloud_api":
        if not (settings.whatsapp_phone_number_id and settings.whatsapp_token):
            raise ValueError("whatsapp_provider=cloud_api needs phone_number_id and token")
        return WhatsAppCloudProvider(
            base_url=settings.whatsapp_api_base,
            phone_number_id=settings.whatsapp_phone_number_id,
            token=settings.whatsapp_token,
            timeout=settings.http_timeout,
        )
    return SandboxProvider("whatsapp")
