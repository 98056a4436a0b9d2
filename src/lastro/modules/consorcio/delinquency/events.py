"""Events of the delinquency area (topics ``consorcio.quota.*`` / ``consorcio.group.*``).

They are internal to the consorcio module today (other areas subscribe through
``ModuleSpec.event_handlers``); ``CotaExcluida`` is also offered to tenants' webhooks.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from lastro.kit.events import Event, register_event


@register_event
class CotaExcluida(Event):
    """A non-contemplated quota was excluded for non-payment (the group's threshold of missed
    due dates): it leaves the active set and its holder is owed a refund of the fundo comum."""

    topic = "consorcio.quota.excluded"
    quota_id: uuid.UUID
    group_id: uuid.UUID
    group_code: str
    quota_number: int
    quota_version: int
    consorciado_id: uuid.UUID
    excluded_on: date
    missed_due_dates: int
    threshold: int
    total_due: Decimal


@register_event
class CollectionStageChanged(Event):
    """A quota moved between collection stages (em_dia, cobranca, mediacao, exclusao,
    bloqueio_contemplado, juridico)."""

    topic = "consorcio.quota.collection_stage_changed"
    quota_id: uuid.UUID
    group_id: uuid.UUID
    from_stage: str
    to_stage: str
    flag: str
    missed_due_dates: int
    on: date


@register_event
class PriceUpdateApplied(Event):
    """A group's new reference price now drives its installments: overdue ones are re-priced
    and paid ones billed at another price get their diferença de parcela."""

    topic = "consorcio.group.price_update_applied"
    group_id: uuid.UUID
    price_id: uuid.UUID
    effective_on: date
    previous_price: Decimal
    new_price: Decimal
    adjustments_created: int
