"""This service's settings, read from the project's ``Settings`` with defaults so the service
works before (and without) each of them being declared there."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import SecretStr


@dataclass(frozen=True)
class NotificationSettings:
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = True
    smtp_tls: bool = False  # implicit TLS (port 465)
    smtp_from: str = "nao-responda@lastro.local"
    smtp_timeout: float = 30.0
    sms_provider: str = "sandbox"  # or "zenvia"
    sms_api_base: str = "https://api.zenvia.com/v2"
    sms_api_token: str | None = None
    sms_from: str = "lastro"
    whatsapp_provider: str = "sandbox"  # or "cloud_api"
    whatsapp_api_base: str = "https://graph.facebook.com/v21.0"
    whatsapp_phone_number_id: str | None = None
    whatsapp_token: str | None = None
    # our template key -> {"name": approved WhatsApp template, "language": "pt_BR",
    # "params": [data keys, in order]}; keys not listed go as plain text
    whatsapp_templates: dict[str, Any] = field(default_factory=dict)
    max_attempts: int = 5
    retry_base_seconds: float = 60.0
    http_timeout: float = 15.0
    mail_outbox_dir: Path = Path("var") / "mail-outbox"
    is_production: bool = False
    redis_url: str | None = None


def from_settings(settings: object) -> NotificationSettings:
    d = NotificationSettings()

    def get(name: str, default: Any) -> Any:
        value: Any = getattr(settings, name, None)
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        return default if value is None else value

    data_dir = getattr(settings, "data_dir", None)
    return NotificationSettings(
        smtp_host=get("smtp_host", None) or None,
        smtp_port=int(get("smtp_port", d.smtp_port)),
        smtp_username=get("smtp_username", None),
        smtp_password=get("smtp_password", None),
        smtp_starttls=bool(get("smtp_starttls", d.smtp_starttls)),
        smtp_tls=bool(get("smtp_tls", d.smtp_tls)),
        smtp_from=str(get("smtp_from", d.smtp_from)),
        smtp_timeout=float(get("smtp_timeout", d.smtp_timeout)),
        sms_provider=str(get("sms_provider", d.sms_provider)),
        sms_api_base=str(get("sms_api_base", d.sms_api_base)),
        sms_api_token=get("sms_api_token", None),
        sms_from=str(get("sms_from", d.sms_from)),
        whatsapp_provider=str(get("whatsapp_provider", d.whatsapp_provider)),
        whatsapp_api_base=str(get("whatsapp_api_base", d.whatsapp_api_base)),
        whatsapp_phone_number_id=get("whatsapp_phone_number_id", None),
        whatsapp_token=get("whatsapp_token", None),
        whatsapp_templates=dict(get("whatsapp_templates", {})),
        max_attempts=int(get("notifications_max_attempts", d.max_attempts)),
        retry_base_seconds=float(get("notifications_retry_base_seconds", d.retry_base_seconds)),
        http_timeout=float(get("notifications_http_timeout", d.http_timeout)),
        mail_outbox_dir=Path(data_dir) / "mail-outbox" if data_dir else d.mail_outbox_dir,
        is_production=bool(getattr(settings, "is_production", False)),
        redis_url=get("redis_url", None),
    )
