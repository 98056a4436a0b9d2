"""Events the SaaS core publishes for other parts (notifications, dashboards) to act on."""

from __future__ import annotations

from typing import ClassVar

from lastro.kit.events import Event, register_event


@register_event
class UsageThresholdReached(Event):
    """A tenant reached 90 % or 100 % of a plan limit: alert its admin and the platform."""

    topic: ClassVar[str] = "billing.usage.threshold_reached"
    metric: str
    threshold: int
    value: int
    limit: int
    period: str = ""


@register_event
class InvoiceIssued(Event):
    """The platform issued an invoice to the tenant (``tenant_id``)."""

    topic: ClassVar[str] = "billing.invoice.issued"
    invoice_id: str
    number: str
    total: str
    due_date: str


@register_event
class InvoiceReminderDue(Event):
    """An invoice of the tenant is due soon or overdue: remind its admins (``days`` relative to
    the due date: negative before, positive after)."""

    topic: ClassVar[str] = "billing.invoice.reminder"
    invoice_id: str
    number: str
    total: str
    due_date: str
    days: int


@register_event
class InvoicePaid(Event):
    topic: ClassVar[str] = "billing.invoice.paid"
    invoice_id: str
    number: str
    amount: str


@register_event
class SubscriptionStatusChanged(Event):
    """``past_due``, ``suspended`` (non-payment past the grace period) or back to ``active``."""

    topic: ClassVar[str] = "billing.subscription.status_changed"
    status: str
    previous: str
