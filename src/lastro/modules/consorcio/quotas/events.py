"""Events of the quotas area (module-internal: billing, commissions, delinquency and the
back office subscribe through ``ModuleSpec.event_handlers``)."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from lastro.kit.events import Event, register_event


@register_event
class QuotaSold(Event):
    """A quota was sold (adesão, vacant quota or reposição); seller and dealer for
    commissions."""

    topic = "consorcio.quota.sold"
    quota_id: uuid.UUID
    group_id: uuid.UUID
    consorciado_id: uuid.UUID
    number: int
    version: int
    origin: str
    credit_base: Decimal
    sold_on: date
    seller_code: str = ""
    dealer_code: str = ""


@register_event
class QuotaStatusChanged(Event):
    topic = "consorcio.quota.status_changed"
    quota_id: uuid.UUID
    group_id: uuid.UUID
    from_status: str
    to_status: str
    on: date
    reason: str = ""


@register_event
class QuotaTransferred(Event):
    """A cessão was approved: the quota now belongs to ``to_consorciado_id``."""

    topic = "consorcio.quota.transferred"
    quota_id: uuid.UUID
    transfer_id: uuid.UUID
    from_consorciado_id: uuid.UUID
    to_consorciado_id: uuid.UUID
