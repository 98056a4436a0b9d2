"""Shared by the notification tests: templates registered for them, the runtime's deliverer,
and real local receivers (an SMTP server, an HTTP server) started by the tests."""

from __future__ import annotations

import asyncio
import json
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy import select

from lastro.core.notifications import DefaultTemplate, deliverer_for, register_template
from lastro.core.notifications.delivery import Deliverer
from lastro.core.notifications.models import Delivery, Notification
from lastro.core.runtime import Runtime

INVOICE = register_template(
    DefaultTemplate(
        key="testbilling.invoice_due",
        subject="Fatura de {{ valor | brl }} vence em {{ vencimento | data }}",
        body="Olá, {{ nome }}! Sua fatura de {{ valor | brl }} vence em {{ vencimento | data }}.",
        html="<p>Olá, <b>{{ nome }}</b>! Fatura de {{ valor | brl }}.</p>",
        description="Aviso de fatura (testes)",
    )
)
LEGAL = register_template(
    DefaultTemplate(
        key="testlegal.terms_changed",
        subject="Mudança nos termos",
        body="Os termos mudaram em {{ quando }}.",
        legal=True,
    )
)


def deliverer(runtime: Runtime) -> Deliverer:
    spec = next(s for s in runtime.services if s.name == "core.notifications")
    found: Deliverer = deliverer_for(spec)
    return found


async def deliveries(
    runtime: Runtime, tenant_id: uuid.UUID, notification_id: uuid.UUID
) -> dict[str, Delivery]:
    async with runtime.db.unit_of_work(tenant_id=tenant_id) as session:
        rows = await session.scalars(
            select(Delivery)
            .where(Delivery.notification_id == notification_id)
            .order_by(Delivery.created_at)
        )
        return {d.channel: d for d in rows}


async def notification(
    runtime: Runtime, tenant_id: uuid.UUID, notification_id: uuid.UUID
) -> Notification:
    async with runtime.db.unit_of_work(tenant_id=tenant_id) as session:
        row = await session.scalar(select(Notification).where(Notification.id == notification_id))
        assert row is not None
        return row


@dataclass
class MailSink:
    """An aiosmtpd handler: keeps what it receives; ``refuse`` first N messages with 451."""

    refuse: int = 0
    received: list[Envelope] = field(default_factory=list)
    refused: int = 0

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.refused < self.refuse:
            self.refused += 1
            return "451 4.3.0 Tente mais tarde"
        self.received.append(envelope)
        return "250 2.0.0 OK"

    def message(self, index: int = -1) -> Message:
        content = self.received[index].content
        assert isinstance(content, bytes)
        return message_from_bytes(content)


@asynccontextmanager
async def smtp_server(sink: MailSink) -> AsyncIterator[int]:
    """A real SMTP server on a free local port, in this event loop."""
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(sink, hostname="localhost"), "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        await server.wait_closed()


@dataclass
class HttpCapture:
    requests: list[dict[str, Any]] = field(default_factory=list)
    responses: list[tuple[int, dict[str, Any]]] = field(default_factory=list)


@contextmanager
def http_server(capture: HttpCapture) -> Iterator[str]:
    """A real HTTP server on a free local port (a thread) standing in for a provider's API:
    records each POST and answers with the next queued response (default 200 ``{}``)."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length)
            capture.requests.append(
                {
                    "path": self.path,
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "json": json.loads(body or b"null"),
                }
            )
            status, payload = capture.responses.pop(0) if capture.responses else (200, {})
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
