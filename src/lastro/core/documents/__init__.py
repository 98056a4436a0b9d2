"""Documents: files per tenant in an object store, versioned, with signed links, PDFs.

Owns the ``documents``, ``document_versions`` and ``document_policies`` tables. Other services
and modules keep files through :func:`lastro.core.documents.api.documents_for` (``save``,
``link``, ``pdf``); bytes go to a local directory or an S3-compatible bucket. Publishes no
events; uploads, versions, links, deletions and erasures are audited.
"""

from __future__ import annotations

from typing import Any

from lastro.core.modules import ModuleSpec, ServiceParts
from lastro.infra.jobs import Schedule

PERMISSIONS = {
    "tenant_admin": (
        "documents.read",
        "documents.write",
        "documents.erase",
        "documents.policies",
    ),
    "manager": ("documents.read", "documents.write"),
    "operator": ("documents.read", "documents.write"),
    "agent": ("documents.read",),
}


def build_spec(parts: ServiceParts) -> ModuleSpec:
    """This service's routes, jobs, schedules and event handlers, for the composition root."""
    from lastro.core.documents.api import documents_for
    from lastro.core.documents.endpoints import build_routers
    from lastro.core.documents.retention import sweep

    documents = documents_for(parts.settings)
    router, public = build_routers(documents)

    async def retention(_payload: dict[str, Any]) -> None:
        await sweep(parts.db, documents.store)

    return ModuleSpec(
        name="core.documents",
        title="documents",
        description="Arquivos por empresa, versões, links assinados e PDFs com a marca.",
        router=router,
        pages=public,
        permissions=PERMISSIONS,
        jobs={"core.documents.retention": retention},
        schedules=(
            Schedule(
                name="core.documents.retention",
                cron="41 4 * * *",
                job="core.documents.retention",
            ),
        ),
    )
