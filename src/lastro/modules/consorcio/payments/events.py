"""Events of the payments area (other consorcio areas subscribe through
``ModuleSpec.event_handlers``)."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from lastro.kit.events import Event, register_event


@register_event
class ParcelaPaga(Event):
    """An installment was settled in full (components, and its fine and interest if late)."""

    topic = "consorcio.parcela.paga"
    quota_id: uuid.UUID
    group_id: uuid.UUID
    installment_id: uuid.UUID
    number: int
    payment_id: uuid.UUID
    charge_id: uuid.UUID
    paid_on: date
    amount: Decimal
    days_late: int = 0


@register_event
class PagamentoRecebido(Event):
    """Money was received for a charge and applied to the quota (any source)."""

    topic = "consorcio.pagamento.recebido"
    payment_id: uuid.UUID
    quota_id: uuid.UUID
    group_id: uuid.UUID
    charge_id: uuid.UUID
    source: str
    amount: Decimal
    paid_on: date
    advance: Decimal = Decimal(0)
    excess: Decimal = Decimal(0)


@register_event
class RetornoImportado(Event):
    """A retorno file was imported (its payments also raised their own events)."""

    topic = "consorcio.retorno.importado"
    import_id: uuid.UUID
    filename: str
    layout: str
    applied: int
    duplicates: int
    unknown: int
    rejected: int
    amount_applied: Decimal
