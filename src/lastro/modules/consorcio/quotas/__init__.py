"""consorcio · quotas: sale (adesão, vacant quota, reposição), cessão, contract PDF, lifecycle
status apart from collection and legal flags, and the per-quota percentage ledger.

Schema (tables prefixed ``consorcio_``; every percent is a percent value in NUMERIC(18, 10) —
``2.34`` means 2.34 % of the price —, money NUMERIC(18, 2); only columns are ever added):

* ``consorcio_groups`` / ``consorcio_group_rule_versions`` / ``consorcio_group_prices`` /
  ``consorcio_group_book_postings`` — see :mod:`lastro.modules.consorcio.groups`.
* ``consorcio_consorciados`` — see :mod:`lastro.modules.consorcio.consorciados`.
* ``consorcio_quotas`` (:class:`~.models.Quota`): ``group_id``, ``number``, ``version`` (unique
  together), ``consorciado_id``, ``status`` (``ativa``, ``contemplada``, ``quitada`` = the active
  set; ``excluida``, ``desistente``, ``cancelada``, ``encerrada``), ``collection_flag``
  (``em_dia``, ``atraso_1``, ``atraso_2``…) + ``overdue_installments``, ``legal_flags`` (list),
  ``origin`` (``adesao_formacao`` | ``adesao_vaga`` | ``reposicao``), ``previous_version_id``,
  ``credit_base`` (the quota's credit at the group's base price), ``joined_at_installment``,
  ``rules_version``, seller/dealer codes and names, ``contract_document_id``,
  ``contemplated_on``, ``excluded_on``.
* ``consorcio_quota_movements`` (:class:`~.models.QuotaMovement`), append-only: ``kind``
  (``charge``, ``payment``, ``antecipacao``, ``lance``, ``adjustment``, ``diferenca``,
  ``residual``, ``estorno``), ``installment_number``, ``effective_on``, ``fc_pct``/``ta_pct``/
  ``fr_pct``/``ins_pct`` and ``fc_amount``/``ta_amount``/``fr_amount``/``ins_amount`` (signed),
  ``fine_amount``, ``interest_amount``, ``amount`` (total money), ``price`` (the quota's credit
  in force used for the conversion), ``source_ref`` (unique per tenant: idempotency key).
  Every kind but ``charge`` counts as paid.
* ``consorcio_quota_positions`` (:class:`~.models.QuotaPosition`), one per quota, kept in the
  movement's transaction: ``*_total_pct`` (fc 100, ta = admin fee, fr = reserve fund),
  ``*_paid_pct`` and ``*_charged_pct`` per component (fc, ta, fr, ins), ``paid_amount``,
  ``installments_paid``, ``last_installment_paid``, ``plan`` (``normal`` | ``late_joiner`` |
  ``reduced``), ``plan_first_installment``..``plan_last_installment`` (group numbering),
  ``reduced_fc_discount_pct``, ``reduced_until_installment``, ``residual_fc_pct``.
* ``consorcio_quota_transfers`` (cessão: ``pending`` → ``approved`` | ``rejected`` |
  ``cancelled``) and ``consorcio_quota_refunds`` (``reason`` exclusao | desistencia |
  grupo_nao_constituido; ``status`` owed | payable | paid | cancelled; ``fc_paid_pct``,
  ``amount``; ``source_ref`` unique).

Service API (all take the request's or job's ``AsyncSession``, flush and never commit):

:mod:`.service`

* ``get_quota(session, quota_id, *, lock=False) -> Quota`` (``QUOTA_NOT_FOUND``);
  ``get_position(session, quota_id)``; ``versions_of(session, quota)``.
* ``sell_quota(session, group_id, QuotaSale, *, documents=None, actor=None) -> Quota`` —
  adesão / vacant / reposição, 10 % cap (holder + spouse, of ``max_quotas``), metering,
  position row, contract PDF when ``documents`` is given. Event ``consorcio.quota.sold``.
* ``change_status(session, quota, status, *, reason="", on=None, check=True)`` — the only way
  to move a quota's lifecycle: keeps the ``active_quotas`` usage counter in step
  (``usage.consume``/``release``), records the refund owed when a quota leaves
  (excluida/desistente), cancels it on readmission. Event ``consorcio.quota.status_changed``.
* ``set_collection_flag(session, quota, flag, overdue_installments)``,
  ``set_legal_flags(session, quota, flags)``.
* ``credit_in_force(session, quota, on=None) -> Decimal`` — the quota's credit (the price in
  force for percent ↔ reais) on a date.
* ``request_transfer`` / ``decide_transfer`` (cessão; event ``consorcio.quota.transferred``),
  ``generate_contract``, ``close_group_quotas``, ``cancel_for_unconstituted_group``,
  ``count_active`` (the ``active_quotas`` usage meter).

:mod:`.ledger`

* ``record_movement(session, quota_id, MovementDraft) -> MovementResult(movement, created)`` —
  idempotent by ``source_ref`` (the same reference returns the first movement,
  ``created=False``; on another quota: ``MOVEMENT_REF_CONFLICT``); locks the quota's position
  row; paid percent never above the obligation nor below zero
  (``CONSORCIO_PERCENT_EXCEEDS_TOTAL``, 409). A quota whose balance reaches zero becomes
  ``quitada``.
* ``ledger_state(session, quota_id, *, on=None) -> LedgerState`` — per component (fc, ta, fr,
  ins): total, paid, ideal (installments due by ``on``), balance, arrears, advance; the credit
  in force and the installment of the month.
* ``schedule_for(group, rules, PlanChoice(joined_at_installment, reduced))`` — the quota's
  domain :class:`Schedule` (normal, late joiner, reduced); ``quota_schedule(...)``,
  ``installments_covered(schedule, paid)``.

Routes: ``/api/v1/consorcio/groups/{id}/quotas`` (GET list, POST sell),
``/api/v1/consorcio/quotas`` (list), ``/{id}`` (GET, PATCH status/legal flags/seller),
``/{id}/ledger`` (``?on=``), ``/{id}/contract`` (signed PDF link), ``/{id}/transfers`` (GET,
POST) and ``/{id}/transfers/{transfer_id}/decision``. Export source ``consorcio.quotas``.
Job ``consorcio.quotas.meter_sync`` (daily re-measure of ``active_quotas``).
"""

from __future__ import annotations

from lastro.core.modules import ModuleSpec, ServiceParts

READ = "consorcio.quotas.read"
WRITE = "consorcio.quotas.write"


def build_area(parts: ServiceParts) -> ModuleSpec:
    from typing import Any

    from fastapi import APIRouter

    from lastro.infra.jobs import Schedule
    from lastro.modules.consorcio.quotas.endpoints import group_router, router
    from lastro.modules.consorcio.quotas.service import count_active
    from lastro.modules.consorcio.quotas.tasks import sync_active_quotas

    db = parts.db

    async def meter_sync(payload: dict[str, Any]) -> None:
        await sync_active_quotas(db)

    api = APIRouter()
    api.include_router(group_router)
    api.include_router(router)
    return ModuleSpec(
        name="consorcio.quotas",
        title="Cotas",
        router=api,
        permissions={
            "tenant_admin": [READ, WRITE],
            "manager": [READ, WRITE],
            "operator": [READ, WRITE],
            "agent": [READ],
        },
        usage_meters={"active_quotas": count_active},
        jobs={"consorcio.quotas.meter_sync": meter_sync},
        schedules=(
            # 05:40 in São Paulo, before the SaaS billing run (06:00)
            Schedule(
                name="consorcio.quotas.meter_sync",
                cron="40 8 * * *",
                job="consorcio.quotas.meter_sync",
            ),
        ),
    )
