"""The daily retention sweep: erase soft-deleted documents whose grace period is over.

Candidates are found across tenants in a platform session; each one is erased in its own
transaction bound to its tenant, so one failure does not stop the rest.
"""

from __future__ import annotations

import logging
import uuid

from sqlalchemy import select

from lastro.core.documents import service
from lastro.core.documents.models import Document
from lastro.core.documents.storage import ObjectStore
from lastro.infra.database import Database

log = logging.getLogger(__name__)

BATCH = 500


async def sweep(db: Database, store: ObjectStore) -> int:
    """Erase what is due; returns how many documents were erased."""
    async with db.unit_of_work(platform=True) as session:
        rows = await session.execute(
            select(Document.tenant_id, Document.id)
            .where(Document.deleted_at.is_not(None), Document.erased_at.is_(None))
            .order_by(Document.deleted_at)
            .limit(BATCH)
        )
        candidates: list[tuple[uuid.UUID, uuid.UUID]] = [(r[0], r[1]) for r in rows]
    erased = 0
    for tenant_id, document_id in candidates:
        try:
            async with db.unit_of_work(tenant_id=tenant_id) as session:
                document = await service.get_document(session, document_id, include_deleted=True)
                erased += await service.erase_due(session, store, document)
        except Exception:
            log.exception("could not erase document %s of tenant %s", document_id, tenant_id)
    return erased
