"""A writer process for the SIGKILL test: posts numbered batches, one transaction each.

Usage: python -m tests.core.ledger.kill_writer URL TENANT ACCOUNTS_JSON BATCHES SIZE [FIRST]
Prints ``START n`` before and ``DONE n`` after each batch, flushing, so the test can kill it
in the middle of one.
"""

from __future__ import annotations

import asyncio
import sys
import uuid
from decimal import Decimal

import orjson

from lastro.core.ledger.calls import transfer_draft
from lastro.core.ledger.runner import Ledger
from lastro.core.tenancy import install_tenancy_guard
from lastro.infra.database import Database


def drafts(accounts: list[uuid.UUID], batch: int, size: int) -> list[object]:
    return [
        transfer_draft(
            debit=accounts[0],
            credit=accounts[1 + i % (len(accounts) - 1)],
            amount=Decimal("0.01"),
            idempotency_key=f"kill-{batch}-{i}",
        )
        for i in range(size)
    ]


async def main(
    url: str, tenant: str, accounts_json: str, batches: int, size: int, first: int
) -> None:
    install_tenancy_guard()
    db = Database(url, pool_size=1)
    ledger = Ledger(db, uuid.UUID(tenant))
    accounts = [uuid.UUID(a) for a in orjson.loads(accounts_json)]
    for batch in range(first, first + batches):
        items = drafts(accounts, batch, size)
        sys.stdout.write(f"START {batch}\n")
        sys.stdout.flush()
        result = await ledger.post_batch(items)  # type: ignore[arg-type]
        assert not result.failed, result.failed[:3]
        sys.stdout.write(f"DONE {batch} {result.created}\n")
        sys.stdout.flush()
    await db.dispose()


if __name__ == "__main__":
    url, tenant, accounts_json, batches, size, *rest = sys.argv[1:]
    asyncio.run(
        main(url, tenant, accounts_json, int(batches), int(size), int(rest[0]) if rest else 1)
    )
