"""Events of the groups area, internal to the consorcio module (other areas subscribe through
``ModuleSpec.event_handlers``; nothing outside the module depends on them)."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from lastro.kit.events import Event, register_event


@register_event
class GroupCreated(Event):
    topic = "consorcio.group.created"
    group_id: uuid.UUID
    code: str
    segment: str
    ledger_id: uuid.UUID | None = None


@register_event
class GroupStatusChanged(Event):
    topic = "consorcio.group.status_changed"
    group_id: uuid.UUID
    code: str
    from_status: str
    to_status: str
    on: date


@register_event
class GroupRulesVersioned(Event):
    """A new rule version (an extraordinary assembly's decision) applies from ``effective_from``."""

    topic = "consorcio.group.rules_versioned"
    group_id: uuid.UUID
    version: int
    effective_from: date


@register_event
class GroupPriceAdded(Event):
    """A new reference price (or index value) from ``effective_on``: the pricing/delinquency
    area re-prices future and overdue installments and computes the diferença de parcela."""

    topic = "consorcio.group.price_added"
    group_id: uuid.UUID
    price_id: uuid.UUID
    effective_on: date
    price: Decimal
    previous_price: Decimal
    index_value: Decimal | None = None


@register_event
class GroupFormationExpired(Event):
    """The group was not constituted within the formation window: its quotas were cancelled
    and what their holders paid is owed back (``consorcio_quota_refunds``)."""

    topic = "consorcio.group.formation_expired"
    group_id: uuid.UUID
    code: str
    deadline: date
    quotas_cancelled: int
    refunds_total: Decimal
