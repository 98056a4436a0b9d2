"""banking · cards: physical and virtual cards on a banking account.

PANs are generated on the tenant's BIN (setting ``cards_bin``) with a valid Luhn digit; PAN and
CVV are kept AES-GCM encrypted under the process keys (``LASTRO_BANKING_CARD_KEYS``, rotation by
the ``banking.cards.rotate_keys`` job or ``lastro banking cards rotate-keys``); lists, logs and
errors carry the last four digits at most, the full details only with a one-time code sent by
SMS or e-mail (``X-Verification-Code``). Block, unblock, cancel, report lost (blocks and
replaces), daily and monthly limits.

A processor calls ``POST /api/v1/banking/cards/authorizations`` (API key or staff with
``banking.cards.authorize``): the decision is taken with the card row locked; an approval holds
the amount on the account's ledger account (two-phase, ``card-auth:<id>``), capture posts it
against ``banco.liquidacao_cartoes``, reversal releases it or refunds. Ledger entries carry
``{"kind": "card_purchase", "category": <from the MCC>, "counterparty": merchant, "mcc", ...}``.
"""

from __future__ import annotations

from typing import Any

from lastro.core.modules import ModuleSpec, ServiceParts
from lastro.infra.jobs import Schedule

READ = "banking.cards.read"
WRITE = "banking.cards.write"
MANAGE = "banking.cards.manage"
AUTHORIZE = "banking.cards.authorize"


def build_area(parts: ServiceParts) -> ModuleSpec:
    from lastro.modules.banking.cards.demo import load_cards_demo
    from lastro.modules.banking.cards.endpoints import router
    from lastro.modules.banking.cards.jobs import expire_authorizations, rotate_keys
    from lastro.modules.banking.cards.pages import router as pages

    db, settings = parts.db, parts.settings

    async def rotate(payload: dict[str, Any]) -> None:
        await rotate_keys(db, production=settings.is_production)

    async def expire(payload: dict[str, Any]) -> None:
        await expire_authorizations(db)

    staff = [READ, WRITE, MANAGE, AUTHORIZE]
    return ModuleSpec(
        name="banking.cards",
        title="Cartões",
        router=router,
        pages=pages,
        permissions={
            "tenant_admin": staff,
            "manager": staff,
            "operator": [READ, WRITE, MANAGE],
            "agent": [READ, WRITE, MANAGE],
            "customer": [READ, WRITE],
        },
        jobs={
            "banking.cards.rotate_keys": rotate,
            "banking.cards.expire_authorizations": expire,
        },
        schedules=(
            Schedule(
                name="banking.cards.expire_authorizations",
                cron="40 * * * *",
                job="banking.cards.expire_authorizations",
            ),
        ),
        demo=load_cards_demo,
    )
