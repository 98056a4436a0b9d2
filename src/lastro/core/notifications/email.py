"""E-mail over SMTP (aiosmtplib): an HTML part on the tenant's white-label plus the plain-text
alternative. Without ``smtp_host``, development writes ``.eml`` files to
``<data_dir>/mail-outbox/`` and production fails the delivery (nothing is silently dropped)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from pathlib import Path
from typing import Any

import aiosmtplib
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from lastro.core.notifications.config import NotificationSettings
from lastro.core.notifications.providers import DeliveryError, SendResult
from lastro.core.web.branding import Brand

_LAYOUT = Environment(
    loader=FileSystemLoader(str(Path(__file__).parent / "templates")),
    autoescape=select_autoescape(["html"]),
)


@dataclass(frozen=True)
class OutgoingEmail:
    to: str
    to_name: str | None
    subject: str
    text: str
    html: str | None
    brand: Brand
    locale: str
    notification_id: str


def text_to_html(text: str) -> Markup:
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    return Markup("").join(
        Markup("<p>{}</p>").format(Markup("<br>").join(escape(line) for line in p.split("\n")))
        for p in paragraphs
    )


def absolute_logo(brand: Brand, base_url: str | None) -> str | None:
    """Mail clients need absolute URLs; a path logo is only usable with the tenant's host."""
    if brand.logo_url and brand.logo_url.startswith("https://"):
        return brand.logo_url
    if brand.logo_url and base_url:
        return base_url.rstrip("/") + brand.logo_url
    return None


def build_message(mail: OutgoingEmail, sender: str, *, base_url: str | None = None) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = mail.subject
    # names are people's and tenants' text: one line, so no header can be smuggled in
    message["From"] = formataddr((" ".join(mail.brand.name.split()), sender))
    message["To"] = formataddr((" ".join((mail.to_name or "").split()), mail.to))
    domain = sender.rsplit("@", 1)[-1] if "@" in sender else None
    message["Message-ID"] = make_msgid("notif", domain=domain)
    message["X-Lastro-Notification"] = mail.notification_id
    message.set_content(mail.text)
    content = Markup(mail.html) if mail.html else text_to_html(mail.text)  # noqa: S704 - sandbox-rendered, autoescaped
    html = _LAYOUT.get_template("notifications/email.html").render(
        subject=mail.subject,
        brand=mail.brand,
        logo_url=absolute_logo(mail.brand, base_url),
        content=content,
        locale=mail.locale,
    )
    message.add_alternative(html, subtype="html")
    return message


class EmailSender:
    name = "smtp"

    def __init__(self, settings: NotificationSettings) -> None:
        self.settings = settings

    async def send(self, mail: OutgoingEmail) -> SendResult:
        s = self.settings
        message = build_message(mail, s.smtp_from)
        request: dict[str, Any] = {"to": mail.to, "subject": mail.subject}
        message_id = str(message["Message-ID"])
        if not s.smtp_host:
            if s.is_production:
                raise DeliveryError("SMTP não configurado (LASTRO_SMTP_HOST).", permanent=True)
            path = await asyncio.to_thread(self._write_eml, message)
            return SendResult("file", message_id, {**request, "file": str(path)})
        try:
            await aiosmtplib.send(
                message,
                hostname=s.smtp_host,
                port=s.smtp_port,
                username=s.smtp_username,
                password=s.smtp_password,
                start_tls=s.smtp_starttls and not s.smtp_tls,
                use_tls=s.smtp_tls,
                timeout=s.smtp_timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            raise DeliveryError(f"smtp: destinatário recusado: {exc}", permanent=True) from exc
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"smtp: {type(exc).__name__}: {exc}") from exc
        return SendResult(self.name, message_id, request)

    def _write_eml(self, message: EmailMessage) -> Path:
        folder = self.settings.mail_outbox_dir
        folder.mkdir(parents=True, exist_ok=True)
        name = str(message["Message-ID"]).strip("<>").replace("@", "_").replace("/", "_")
        path = folder / f"{name}.eml"
        path.write_bytes(bytes(message))
        return path
