"""consorcio · groups: groups with versioned contract rules, the reference asset's price
history, the lifecycle (em_formacao → em_andamento → encerrado, with the formation-window
check) and each group's own books in the core ledger.

Tables: ``consorcio_groups``, ``consorcio_group_rule_versions`` (one row per version, in force
from ``effective_from``), ``consorcio_group_prices`` (price, or index value and the price it
gives, from ``effective_on``), ``consorcio_group_book_postings`` (which payment went to the
books, keyed by ``payment_ref``).

Service API for the other areas:

* :mod:`.service` — ``get_group``, ``rules_as_of(session, group_id, on)``,
  ``price_as_of(session, group_id, on)``, ``credit_at(group, credit_base, price)``,
  ``installment_number(group, on)``, ``add_price``, ``transition``, ``expire_formation``.
* :mod:`.books` — ``post_payment_split(session, group_id, payment_ref, components, paid_on)``
  with components in reais keyed ``fc``, ``ta``, ``fr``, ``seguro``, ``multa``, ``juros``
  (split by the group's share) or ``multa_grupo``/``juros_grupo``/``multa_adm``/``juros_adm``;
  idempotent by ``payment_ref``. ``post_fee_transfer`` (repasse of the fee),
  ``books_view``, ``admin_book``.

Events (:mod:`.events`, topics ``consorcio.group.*``): ``GroupCreated``,
``GroupStatusChanged``, ``GroupRulesVersioned``, ``GroupPriceAdded`` (the pricing area re-prices
installments on it), ``GroupFormationExpired``.

Routes under ``/api/v1/consorcio/groups``: list/create, ``/{id}`` detail/PATCH,
``/{id}/status``, ``/{id}/rules`` (GET ``?as_of=``, POST a version), ``/{id}/prices``,
``/{id}/books``. Job ``consorcio.groups.formation_check`` (daily).
"""

from __future__ import annotations

from typing import Any

from lastro.core.modules import ModuleSpec, ServiceParts
from lastro.infra.jobs import Schedule

READ = "consorcio.groups.read"
WRITE = "consorcio.groups.write"


def build_area(parts: ServiceParts) -> ModuleSpec:
    from lastro.modules.consorcio.groups.endpoints import router
    from lastro.modules.consorcio.groups.tasks import check_formations

    db = parts.db

    async def formation_check(payload: dict[str, Any]) -> None:
        await check_formations(db)

    return ModuleSpec(
        name="consorcio.groups",
        title="Grupos",
        router=router,
        permissions={
            "tenant_admin": [READ, WRITE],
            "manager": [READ, WRITE],
            "operator": [READ],
            "agent": [READ],
        },
        jobs={"consorcio.groups.formation_check": formation_check},
        schedules=(
            # 07:10 in São Paulo
            Schedule(
                name="consorcio.groups.formation_check",
                cron="10 10 * * *",
                job="consorcio.groups.formation_check",
            ),
        ),
    )
