"""consorcio · backoffice: the administradora's staff pages, CSV/XLSX exports of every list,
and the demo data.

Pages (server-rendered on the tenant's layout, pt-BR; permission ``consorcio.backoffice.read``
for every staff role, never ``customer``). Forms check the owning area's own permission
(``consorcio.billing.manage`` to start a billing run, ``consorcio.payments.write`` to import a
retorno), so a page never allows what the API would refuse:

* ``/consorcio`` — KPIs (groups, active quotas, the month's billing, delinquency) and charts;
* ``/consorcio/grupos``, ``/consorcio/grupos/{id}`` (rules versions, price history with a
  chart, quotas), ``/consorcio/grupos/{id}/contabilidade`` (the group's books: balances per
  account, daily balance charts, payments posted);
* ``/consorcio/cotas``, ``/consorcio/cotas/{id}`` (holder, status and flags, percentage ledger
  per component, installments, charges with boleto/PIX, payments, ledger movements);
* ``/consorcio/consorciados``, ``/consorcio/consorciados/{id}``;
* ``/consorcio/cobranca`` — billing runs with progress (refreshes while one runs), start a month;
* ``/consorcio/pagamentos`` — upload a CNAB 240/400 retorno, import reports and their
  exceptions (``/consorcio/pagamentos/importacoes/{id}``);
* ``/consorcio/inadimplencia`` — quotas with overdue installments by collection stage.

Every list has CSV/XLSX buttons that stream through the core exports service
(``/api/v1/exports/stream?source=...``); the sources not registered by the owning areas are
registered in :mod:`.exports`. The demo (:mod:`.demo`) runs last and builds months of history
through the other areas' services.
"""

from __future__ import annotations

from fastapi import APIRouter

from lastro.core.modules import ModuleSpec, ServiceParts
from lastro.modules.consorcio.backoffice.web import READ


def build_area(parts: ServiceParts) -> ModuleSpec:
    from lastro.modules.consorcio.backoffice import exports as _exports
    from lastro.modules.consorcio.backoffice import home, operations, pages
    from lastro.modules.consorcio.backoffice.api import router as api_router
    from lastro.modules.consorcio.backoffice.demo import load_demo

    del parts, _exports  # importing registers the export sources
    page_router = APIRouter(include_in_schema=False)
    page_router.include_router(home.router)
    page_router.include_router(operations.router)
    page_router.include_router(pages.router)
    return ModuleSpec(
        name="consorcio.backoffice",
        title="Back-office",
        router=api_router,
        pages=page_router,
        permissions={
            "tenant_admin": (READ,),
            "manager": (READ,),
            "operator": (READ,),
            "agent": (READ,),
        },
        demo=load_demo,
    )
