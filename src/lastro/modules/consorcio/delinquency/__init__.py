"""consorcio · delinquency: late fine and interest, re-pricing of overdue installments,
collection stages, exclusion of non-contemplated defaulters, reminders, price updates and the
diferença de parcela.

Rules come from the group (``consorcio_group_rule_versions``, the version in force on each due
date): fine % and monthly interest % (pro rata die, 30-day month), the group's share of them
(≥ 50 %), and the exclusion threshold (≤ 3 missed due dates under Res. BCB 285). The math is
``consorcio.domain`` (``bill``, ``late_charges``, ``collection_stage``, ``missed_due_dates``,
``price_difference``).

Tables (``models.py``, migration 0020):

* ``consorcio_delinquency_positions`` — one row per quota that was ever late: ``stage``
  (domain ``CollectionStage``: em_dia, cobranca, mediacao, exclusao, bloqueio_contemplado,
  juridico), ``flag`` (the quota's ``collection_flag``: em_dia, atraso_N, pre_exclusao,
  cobranca_judicial, excluida), ``missed_consecutive``, ``overdue_count``,
  ``oldest_due_date``, ``principal``/``fine``/``interest``/``total_due`` at the price in force
  on ``as_of`` (the last run).
* ``consorcio_delinquency_transitions`` — append-only stage history (exclusions included).
* ``consorcio_delinquency_reminders`` — one row per (installment, before/after, offset days):
  a reminder is never sent twice; ``notification_id`` leads to the core deliveries log.
* ``consorcio_delinquency_runs`` — one per tenant and day, with counters and errors.
* ``consorcio_price_updates`` — one per applied group price: overdue installments re-priced
  (open amount before/after), installments billed at the old price, adjustments created.

**Diferença de parcela → billing.** Written to billing's ``consorcio_pending_adjustments``
(``kind`` = ``diferenca_parcela``; ``source_ref`` = ``delinquency:diferenca:<installment id>``,
unique: one per installment; ``amount`` signed reais at the assembly price — positive is
charged, negative credited —; ``fc_pct``/``ta_pct``/``fr_pct``/``ins_pct`` the signed percent
of the price per component; ``status`` pending until billing's next run carries it as an
extra line of the quota's next installment). Created for installments PAID at the boleto price
(not through a second copy) whose assembly — the rule's assembly day in the installment's
reference month, or the next month's when it falls before the due date — ran at another price.
Registered boletos are never altered; overdue installments are re-priced when collected.

Collection: an installment is overdue once the day passes its due date moved to the next
banking day; interest counts from the contract due date. Overdue installments are re-priced
at the quota's credit in force on the payment date (``GET /quotas/{id}/debts?on=``: R$ 702 →
719.55 at 15 days; 755.53 after a 5 % update). Billing's second copy uses the same domain call
(``second_copy``), so both agree. A non-contemplated quota at the threshold is excluded through
the quotas area's ``change_status`` (refund owed recorded there), its open installments and
charges are cancelled (sending the bank's baixa is billing's remessa job), ``CotaExcluida`` is
published (also a webhook event) and the holder gets a legal notice; a contemplated defaulter
is never excluded (``bloqueio_contemplado`` → ``juridico`` / ``cobranca_judicial``). With
``delinquency_auto_exclude`` off the quota waits in ``pre_exclusao``.

Public calls for other areas: ``service.amount_due(session, quota_id, on) -> QuotaDebts``,
``service.summary(session, today)``/``summary_amounts``, ``pricing.apply_price``,
``tasks.run_tenant(session, on)`` and ``tasks.daily(db, {"tenant_id":…, "date":…})``.

Routes (``/api/v1/consorcio``): ``GET /delinquency`` (filters group_id, stage, flag,
min/max_days_late, include_excluded; paginated), ``GET /delinquency/summary``,
``GET|POST /delinquency/runs``, ``GET /quotas/{id}/debts``, ``GET /quotas/{id}/delinquency``,
``GET /quotas/{id}/price-differences``, ``GET|POST /groups/{id}/price-updates``.
Job ``consorcio.delinquency.daily`` (07:30 São Paulo); handler on ``GroupPriceAdded``.
Events: ``CotaExcluida``, ``CollectionStageChanged``, ``PriceUpdateApplied``.
"""

from __future__ import annotations

from typing import Any

from lastro.core.modules import EventSubscription, ModuleSpec, ServiceParts
from lastro.infra.jobs import Schedule

READ = "consorcio.delinquency.read"
WRITE = "consorcio.delinquency.write"
DAILY_JOB = "consorcio.delinquency.daily"


def build_area(parts: ServiceParts) -> ModuleSpec:
    from lastro.core.runtime import Runtime
    from lastro.core.webhooks import register_webhook_event
    from lastro.modules.consorcio.delinquency import notices as _notices  # noqa: F401 - templates
    from lastro.modules.consorcio.delinquency import tasks
    from lastro.modules.consorcio.delinquency.endpoints import router
    from lastro.modules.consorcio.delinquency.events import CotaExcluida
    from lastro.modules.consorcio.groups.events import GroupPriceAdded

    register_webhook_event(CotaExcluida, "Cota de consórcio excluída por inadimplência")
    db = parts.db

    async def daily(payload: dict[str, Any]) -> None:
        await tasks.daily(db, payload)

    async def demo(runtime: Runtime) -> None:
        """Collection positions, stages and reminders for the demo tenant's history."""
        from sqlalchemy import select

        from lastro.core.platform.models import Tenant

        async with runtime.db.session(platform=True, readonly=True) as session:
            tenant_id = await session.scalar(select(Tenant.id).where(Tenant.slug == "demo"))
        if tenant_id is not None:
            await tasks.daily(runtime.db, {"tenant_id": str(tenant_id)})

    return ModuleSpec(
        name="consorcio.delinquency",
        title="Inadimplência",
        router=router,
        permissions={
            "tenant_admin": [READ, WRITE],
            "manager": [READ, WRITE],
            "operator": [READ],
            "agent": [READ],
        },
        jobs={DAILY_JOB: daily},
        schedules=(
            # 07:30 in São Paulo (UTC−3), after the groups' formation check
            Schedule(name=DAILY_JOB, cron="30 10 * * *", job=DAILY_JOB),
        ),
        event_handlers=(
            EventSubscription(
                "consorcio.delinquency.price_added",
                (GroupPriceAdded.topic,),
                tasks.on_price_added,
            ),
        ),
        demo=demo,
    )
