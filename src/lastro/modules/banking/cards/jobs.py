"""Card jobs: re-encryption under the active key (rotation) across tenants."""

from __future__ import annotations

from lastro.infra.database import Database
from lastro.modules.banking.cards import crypto, service


async def rotate_keys(db: Database, *, production: bool) -> int:
    """Re-encrypt every card not under the active key; one transaction per batch so a large
    fleet does not hold locks for long. Returns the number of cards rewritten."""
    crypto.reset()
    cipher = crypto.cipher(production=production)
    total = 0
    while True:
        async with db.unit_of_work(platform=True) as session:
            done = await service.rotate_keys(session, cipher, batch=500, once=True)
        total += done
        if done == 0:
            return total


async def expire_authorizations(db: Database) -> int:
    """Every tenant with approved authorisations: mark the lapsed ones expired."""
    from sqlalchemy import select

    from lastro.modules.banking.cards.models import CardAuthorization

    async with db.session(platform=True, readonly=True) as session:
        tenants = (
            await session.scalars(
                select(CardAuthorization.tenant_id)
                .where(CardAuthorization.status == "approved")
                .distinct()
            )
        ).all()
    total = 0
    for tenant_id in tenants:
        async with db.unit_of_work(tenant_id=tenant_id) as session:
            total += await service.expire_stale(session)
    return total
