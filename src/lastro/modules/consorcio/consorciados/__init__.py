"""consorcio · consorciados: the people (CPF) and companies (CNPJ, alphanumeric too) that hold
quotas — address with CEP, contacts, income, PIX key and bank account for refunds, PEP flag and
LGPD consent (mirrored into the core consent register).

Table ``consorcio_consorciados`` (document normalised and unique per tenant; ``spouse_document``
so the 10 % holding cap counts a couple together). LGPD: source ``consorcio``
(:mod:`.lgpd_source`) answers data-subject requests. Export source ``consorcio.consorciados``.

Service API (:mod:`.service`): ``get_consorciado``, ``find_by_document``,
``holder_documents``, ``create_consorciado``, ``update_consorciado``.
Routes under ``/api/v1/consorcio/consorciados``: list (``q``, ``kind``, ``pep``), create,
``/{id}`` detail (with quotas held) and PATCH.
"""

from __future__ import annotations

from lastro.core.modules import ModuleSpec, ServiceParts

READ = "consorcio.consorciados.read"
WRITE = "consorcio.consorciados.write"


def build_area(parts: ServiceParts) -> ModuleSpec:
    del parts
    from lastro.modules.consorcio.consorciados import lgpd_source as _lgpd  # noqa: F401
    from lastro.modules.consorcio.consorciados.endpoints import router

    return ModuleSpec(
        name="consorcio.consorciados",
        title="Consorciados",
        router=router,
        permissions={
            "tenant_admin": [READ, WRITE],
            "manager": [READ, WRITE],
            "operator": [READ, WRITE],
            "agent": [READ],
        },
    )
