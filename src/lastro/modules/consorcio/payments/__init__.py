"""consorcio · payments: money received for charges — CNAB 240/400 retorno files, PIX
notifications and manual entries — split into fine, interest and components, credited to the
quota's percentage ledger at the price in force, and posted to each group's own books.

Tables (``payments/models.py``, migration 0019): ``consorcio_payments`` (one per payment;
``external_id`` unique per tenant), ``consorcio_retorno_imports`` (one per file; SHA-256 unique
per tenant), ``consorcio_payment_exceptions`` (lines/notifications reported, not applied).

Routes (``/api/v1/consorcio``): ``POST /payments/cnab`` (multipart ``file``; 201 new, 200 the
same file again), ``GET /payments/imports``, ``GET /payments/imports/{id}`` (with exceptions),
``GET /payments/exceptions``, ``GET /payments``, ``GET /payments/{id}``, ``POST /payments``
(manual), ``POST /payments/pix/webhook`` (public: ``X-Tenant`` + ``X-Lastro-Signature``, see
:mod:`.pix`), ``GET /payments/pix/webhook-config``, ``GET /quotas/{id}/payments``.

Service API for other areas (all take the caller's ``AsyncSession``, flush, never commit):

* :func:`.service.apply_payments` — apply a batch of :class:`.service.PaymentInput`;
* :func:`.retorno.import_file` (in a session) / :func:`.retorno.import_retorno` (own
  transaction: ``await import_retorno(db, tenant_id, content, filename=...)``);
* :mod:`.queries` — ``list_imports``, ``get_import``, ``recent_payments``, ``quota_payments``
  shaped for the back-office pages.

Events (:mod:`.events`): ``ParcelaPaga`` (``consorcio.parcela.paga``, per installment
settled), ``PagamentoRecebido`` (``consorcio.pagamento.recebido``, per payment),
``RetornoImportado`` (``consorcio.retorno.importado``, per file).
"""

from __future__ import annotations

from lastro.core.modules import ModuleSpec, ServiceParts

READ = "consorcio.payments.read"
WRITE = "consorcio.payments.write"
MANAGE = "consorcio.payments.manage"


def build_area(parts: ServiceParts) -> ModuleSpec:
    del parts
    from lastro.modules.consorcio.payments.endpoints import router

    return ModuleSpec(
        name="consorcio.payments",
        title="Pagamentos",
        router=router,
        permissions={
            "tenant_admin": [READ, WRITE, MANAGE],
            "manager": [READ, WRITE],
            "operator": [READ, WRITE],
            "agent": [READ],
        },
    )
