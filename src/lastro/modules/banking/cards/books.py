"""The bank-side ledger accounts cards and bill payments settle against, opened in the
tenant's bank book (see ``accounts.books``) on first use:

* ``banco.liquidacao_cartoes`` — what the card network (the processor) is owed for captured
  purchases (asset, hot);
* ``banco.liquidacao_contas`` — bills (boletos, arrecadação) paid on customers' behalf, to be
  cleared through the compensation system (asset, hot).
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from lastro.core.ledger.errors import CodeTaken
from lastro.core.ledger.service import ledger_service
from lastro.core.ledger.types import AccountType
from lastro.modules.banking.accounts.books import bank_books

CARD_SETTLEMENT = ("banco.liquidacao_cartoes", "Liquidação de cartões (bandeira)")
BILL_SETTLEMENT = ("banco.liquidacao_contas", "Liquidação de contas pagas (compensação)")

_cache: dict[tuple[uuid.UUID, str], uuid.UUID] = {}


async def bank_account(session: AsyncSession, spec: tuple[str, str]) -> uuid.UUID:
    """The id of one of these bank accounts, opening it on first use (a concurrent first use
    is absorbed by a savepoint)."""
    code, name = spec
    books = await bank_books(session)
    cached = _cache.get((books.ledger_id, code))
    if cached is not None:
        return cached
    found = await ledger_service.find_account(session, books.ledger_id, code)
    committed = found is not None
    if found is None:
        try:
            async with session.begin_nested():
                found = await ledger_service.open_account(
                    session,
                    ledger_id=books.ledger_id,
                    code=code,
                    name=name,
                    type=AccountType.ASSET,
                    hot=True,
                )
        except CodeTaken:
            found = await ledger_service.find_account(session, books.ledger_id, code)
            if found is None:
                raise
    if committed:
        _cache[(books.ledger_id, code)] = found.id
    return found.id
