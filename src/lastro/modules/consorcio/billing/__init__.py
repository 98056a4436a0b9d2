"""consorcio · billing: the monthly installment of every active quota, its registered boleto
and dynamic PIX charge, the CNAB 240 remessa per collecting account, and charges on demand.

Tables (``billing/models.py``, migration 0018):

* ``consorcio_collecting_accounts`` (:class:`CollectingAccount`) — the bank account that
  registers boletos and receives PIX: bank code, agência/conta (+DVs), convênio (the bank's
  beneficiary code), carteira, beneficiary name/CNPJ/city, PIX key and the PSP's payload
  location. One per group (``group_id``) or the tenant's default (``is_default``). Holds the
  nosso-número counter and the remessa sequence.
* ``consorcio_billing_runs`` (:class:`BillingRun`) — one per ``reference_month`` (YYYY-MM):
  ``status`` pending/running/completed/failed, ``quotas_total``/``quotas_done`` (progress),
  ``installments_created``, ``charges_created``, ``remessas_created``, ``skipped``,
  ``amount_total``, ``errors_count``/``errors``, ``attempts``, ``started_at``/``finished_at``/
  ``heartbeat_at``. Back-office pages read these columns for progress.
* ``consorcio_installments`` (:class:`Installment`) — unique (quota_id, number); number is the
  group's installment numbering; ``reference_month``, ``due_date``, ``price`` (the quota's
  credit at the billing price) and ``price_on``; components in percent (``fc_pct``, ``ta_pct``,
  ``fr_pct``, ``ins_pct``) and reais (``fc_amount``...), ``extra_amount`` + ``lines`` (extra
  lines: diferença de parcela and other adjustments), ``total``; ``status``
  open/partial/paid/cancelled/replaced, ``paid_amount``/``paid_on`` (the payments area updates
  them).
* ``consorcio_charges`` (:class:`Charge`) — ``kind`` mensal/antecipacao/quitacao/avulso/
  segunda_via; ``amount``, ``issue_date``, ``due_date``; ``nosso_numero`` (unique per collecting
  account; the bank's number without DV, as written to CNAB), ``nosso_numero_dv``,
  ``document_number`` (seu número), ``barcode`` (44), ``linha_digitavel`` (47), ``pix_txid``
  (unique per tenant, 32 chars) and ``pix_payload`` (dynamic BR Code whose location ends in the
  txid); ``status`` open/partial/paid/cancelled/replaced; ``paid_amount``/``paid_at`` for the
  payments area; ``remessa_id`` once sent in a remessa; ``replaces_charge_id`` for a segunda via.
* ``consorcio_charge_items`` (:class:`ChargeItem`) — the installments a charge covers:
  ``amount`` (principal), ``fine_amount``, ``interest_amount`` per installment.
* ``consorcio_remessas`` (:class:`Remessa`) — a CNAB 240 remessa file per collecting account
  (``sequence`` unique per account, ``content`` is the file text, ``titulos_count``,
  ``total_amount``, ``status`` building (a run still stamping its charges) / generated / sent /
  accepted / rejected).
* ``consorcio_pending_adjustments`` (:class:`PendingAdjustment`) — the hook for other areas
  (delinquency's diferença de parcela, price-update differences): insert a row per quota with a
  unique ``source_ref``, signed ``amount`` and percents; the next billing run adds every
  ``pending`` row as an extra line of the quota's installment and marks it ``billed``.

Routes (``/api/v1/consorcio``): ``/billing/accounts`` (GET, POST), ``/billing/accounts/{id}``
(GET, PATCH); ``/billing/runs`` (POST a month → 202 with the run; GET list with progress),
``/billing/runs/{id}``; ``/billing/remessas`` (GET, POST = generate for pending charges),
``/billing/remessas/{id}`` and ``/{id}/file``; ``/billing/installments``;
``/quotas/{id}/installments``; ``/quotas/{id}/charges`` (POST on demand: antecipacao, quitacao,
avulso, segunda_via; GET list), ``/quotas/{id}/charges/{charge_id}`` (+ ``/pdf``).

Demo data: the backoffice area's demo bills the demo tenant month by month (through
:func:`.run.execute_run`), interleaved with its sales, price updates and payments.

Jobs: ``consorcio.billing.run`` (one tenant and month) and ``consorcio.billing.daily``
(scheduled 06:20 São Paulo; see :mod:`.tasks` for when a month is billed). CLI (Typer app in
:mod:`.cli`): ``lastro consorcio billing run --month YYYY-MM --tenant SLUG``.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from lastro.core.modules import ModuleSpec, ServiceParts
from lastro.infra.jobs import JobQueue, JobRegistry, Schedule

RUN_JOB = "consorcio.billing.run"
DAILY_JOB = "consorcio.billing.daily"


def build_area(parts: ServiceParts) -> ModuleSpec:
    from lastro.modules.consorcio.billing import endpoints, tasks

    db = parts.db

    async def run(payload: dict[str, Any]) -> None:
        issued = payload.get("issue_date")
        requested = payload.get("requested_by")
        await tasks.run_month_job(
            db,
            uuid.UUID(payload["tenant_id"]),
            str(payload["month"]),
            trigger=str(payload.get("trigger") or "api"),
            requested_by=uuid.UUID(requested) if requested else None,
            issued_on=date.fromisoformat(issued) if issued else None,
        )

    async def daily(_payload: dict[str, Any]) -> None:
        await tasks.daily(db)

    own = JobRegistry()
    own.register(RUN_JOB, run, max_attempts=3)
    queue = JobQueue(parts.bus, own)

    async def enqueue(
        tenant_id: uuid.UUID,
        month: str,
        trigger: str,
        requested_by: uuid.UUID | None,
        issue_date: str | None,
    ) -> None:
        await queue.enqueue(
            RUN_JOB,
            {
                "tenant_id": str(tenant_id),
                "month": month,
                "trigger": trigger,
                "requested_by": str(requested_by) if requested_by else None,
                "issue_date": issue_date,
            },
        )

    endpoints.set_enqueuer(enqueue)
    return ModuleSpec(
        name="consorcio.billing",
        title="Cobrança",
        router=endpoints.router,
        permissions={
            "tenant_admin": [endpoints.READ, endpoints.MANAGE, endpoints.CHARGE],
            "manager": [endpoints.READ, endpoints.MANAGE, endpoints.CHARGE],
            "operator": [endpoints.READ, endpoints.CHARGE],
            "agent": [endpoints.READ, endpoints.CHARGE],
        },
        jobs={RUN_JOB: run, DAILY_JOB: daily},
        schedules=(Schedule(name=DAILY_JOB, cron="20 9 * * *", job=DAILY_JOB),),
    )
