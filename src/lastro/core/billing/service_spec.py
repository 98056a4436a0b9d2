"""Billing's jobs (billing run, dunning, posting to the platform's books), its notifications
and its routes, assembled for the composition root."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from lastro.contracts.billing import (
    InvoiceIssued,
    InvoicePaid,
    InvoiceReminderDue,
    SubscriptionStatusChanged,
    UsageThresholdReached,
)
from lastro.core.billing import books, collection, invoicing
from lastro.core.billing import exports as _exports  # noqa: F401 - registers the source
from lastro.core.billing.demo import load_billing_demo
from lastro.core.billing.invoice_endpoints import platform_router, router, webhook_router
from lastro.core.billing.pages import router as pages_router
from lastro.core.modules import EventSubscription, ModuleSpec, ServiceParts
from lastro.core.notifications.api import DefaultTemplate, notify_admins, register_template
from lastro.core.webhooks import register_webhook_event
from lastro.infra.jobs import Schedule
from lastro.kit.events import Event

_TEMPLATES = (
    DefaultTemplate(
        key="billing.invoice_issued",
        subject="Fatura {{ number }} disponível — vence em {{ due_date }}",
        body=(
            "Sua fatura {{ number }} de {{ total }} foi emitida e vence em {{ due_date }}.\n"
            "Pague por boleto ou PIX na página Faturas."
        ),
        description="Fatura emitida para o cliente",
        legal=True,
    ),
    DefaultTemplate(
        key="billing.invoice_reminder",
        subject="Lembrete: fatura {{ number }} {{ situation }}",
        body=(
            "A fatura {{ number }} de {{ total }} {{ situation }} (vencimento {{ due_date }}).\n"
            "Evite a suspensão do serviço: pague por boleto ou PIX na página Faturas."
        ),
        description="Lembrete de vencimento e de atraso",
        legal=True,
    ),
    DefaultTemplate(
        key="billing.invoice_paid",
        subject="Pagamento da fatura {{ number }} confirmado",
        body="Recebemos {{ amount }} referente à fatura {{ number }}. Obrigado!",
        description="Confirmação de pagamento",
    ),
    DefaultTemplate(
        key="billing.subscription_status",
        subject="Assinatura: {{ label }}",
        body="{{ message }}",
        description="Assinatura em atraso, suspensa ou reativada",
        legal=True,
    ),
    DefaultTemplate(
        key="billing.usage_threshold",
        subject="Uso de {{ metric }} em {{ threshold }}% do plano",
        body=(
            "Sua empresa usa {{ value }} de {{ limit }} ({{ threshold }}%) em {{ metric }}. "
            "Ao atingir 100% novas ações serão recusadas; considere trocar de plano."
        ),
        description="Alerta de limite do plano (90% e 100%)",
    ),
)
for _t in _TEMPLATES:
    register_template(_t)

# what a tenant's own systems may subscribe to (outbound webhooks)
register_webhook_event(InvoiceIssued, "Fatura da assinatura emitida")
register_webhook_event(InvoicePaid, "Pagamento de fatura da assinatura confirmado")
register_webhook_event(SubscriptionStatusChanged, "Assinatura em atraso, suspensa ou reativada")
register_webhook_event(UsageThresholdReached, "Uso atingiu 90% ou 100% de um limite do plano")

_STATUS_TEXT = {
    "past_due": ("em atraso", "Há fatura vencida e não paga. Regularize para evitar a suspensão."),
    "suspended": (
        "suspensa",
        "A assinatura foi suspensa por falta de pagamento. Entre na plataforma e pague as "
        "faturas em aberto para reativar o acesso.",
    ),
    "active": ("reativada", "Pagamento confirmado: a assinatura está ativa novamente."),
}


def _brl(text: str) -> str:
    from decimal import Decimal

    from lastro.br.money_text import format_brl

    return format_brl(Decimal(text))


def _br_date(iso: str) -> str:
    from datetime import date

    return date.fromisoformat(iso).strftime("%d/%m/%Y")


async def _on_event(session: Any, event: Event) -> None:
    if isinstance(event, InvoiceIssued):
        await notify_admins(
            session,
            "billing.invoice_issued",
            {
                "number": event.number,
                "total": _brl(event.total),
                "due_date": _br_date(event.due_date),
            },
        )
    elif isinstance(event, InvoiceReminderDue):
        situation = (
            f"vence em {-event.days} dia(s)"
            if event.days < 0
            else "vence hoje"
            if event.days == 0
            else f"está vencida há {event.days} dia(s)"
        )
        await notify_admins(
            session,
            "billing.invoice_reminder",
            {
                "number": event.number,
                "total": _brl(event.total),
                "due_date": _br_date(event.due_date),
                "situation": situation,
            },
        )
    elif isinstance(event, InvoicePaid):
        await notify_admins(
            session,
            "billing.invoice_paid",
            {"number": event.number, "amount": _brl(event.amount)},
        )
    elif isinstance(event, SubscriptionStatusChanged) and event.status in _STATUS_TEXT:
        label, message = _STATUS_TEXT[event.status]
        await notify_admins(
            session, "billing.subscription_status", {"label": label, "message": message}
        )
    elif isinstance(event, UsageThresholdReached):
        await notify_admins(
            session,
            "billing.usage_threshold",
            {
                "metric": event.metric,
                "threshold": event.threshold,
                "value": event.value,
                "limit": event.limit,
            },
        )


def build(parts: ServiceParts) -> ModuleSpec:
    db, settings = parts.db, parts.settings

    async def run(payload: dict[str, Any]) -> None:
        await invoicing.run_billing(db, settings)
        await books.post_pending(db, settings)

    async def dunning(payload: dict[str, Any]) -> None:
        await collection.run_dunning(db, settings)

    async def post_books(payload: dict[str, Any]) -> None:
        await books.post_pending(db, settings)

    api = APIRouter()
    for r in (router, platform_router, webhook_router):
        api.include_router(r)
    return ModuleSpec(
        name="core.billing",
        title="Faturamento",
        router=api,
        pages=pages_router,
        jobs={
            "core.billing.run": run,
            "core.billing.dunning": dunning,
            "core.billing.post_books": post_books,
        },
        schedules=(
            # 06:00 and 06:30 in São Paulo (09:00/09:30 UTC): invoices first, then dunning
            Schedule(name="core.billing.run", cron="0 9 * * *", job="core.billing.run"),
            Schedule(name="core.billing.dunning", cron="30 9 * * *", job="core.billing.dunning"),
            Schedule(
                name="core.billing.post_books", cron="*/5 * * * *", job="core.billing.post_books"
            ),
        ),
        demo=load_billing_demo,
        event_handlers=(
            EventSubscription(
                name="core.billing.notify",
                topics=(
                    InvoiceIssued.topic,
                    InvoiceReminderDue.topic,
                    InvoicePaid.topic,
                    SubscriptionStatusChanged.topic,
                    UsageThresholdReached.topic,
                ),
                handler=_on_event,
            ),
        ),
    )
