"""The tenant's bank book in the core ledger: one ``banking`` ledger per tenant, opened with
the ``banking.banco`` chart on first use; customer accounts are liabilities in it.

Bank-side accounts (codes in :data:`BANK_ACCOUNTS`):

* ``banco.reserva`` — reserves / float (asset);
* ``banco.liquidacao_pix`` — PIX settlement with the SPI (asset, hot);
* ``banco.liquidacao_ted`` — TED settlement with the STR (asset, hot);
* ``banco.deposito_boleto`` — boleto deposits to be cleared (asset, hot);
* ``banco.tarifas`` — fee revenue (revenue, hot);
* ``banco.rendimentos`` — yield paid to customers (expense).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from lastro.core.ledger.errors import CodeTaken
from lastro.core.ledger.service import ledger_service
from lastro.core.ledger.templates import AccountTemplate, ChartTemplate, register_chart
from lastro.core.ledger.types import AccountType

LEDGER_CODE = "banking"
CHART = "banking.banco"

RESERVE = "banco.reserva"
PIX_SETTLEMENT = "banco.liquidacao_pix"
TED_SETTLEMENT = "banco.liquidacao_ted"
BOLETO_DEPOSITS = "banco.deposito_boleto"
FEES = "banco.tarifas"
YIELDS = "banco.rendimentos"

BANK_ACCOUNTS = (
    AccountTemplate(RESERVE, "Reservas bancárias (float)", AccountType.ASSET),
    AccountTemplate(PIX_SETTLEMENT, "Liquidação PIX (SPI)", AccountType.ASSET, hot=True),
    AccountTemplate(TED_SETTLEMENT, "Liquidação TED (STR)", AccountType.ASSET, hot=True),
    AccountTemplate(BOLETO_DEPOSITS, "Depósitos por boleto", AccountType.ASSET, hot=True),
    AccountTemplate(FEES, "Receita de tarifas", AccountType.REVENUE, hot=True),
    AccountTemplate(YIELDS, "Rendimentos pagos a clientes", AccountType.EXPENSE),
)

register_chart(ChartTemplate(CHART, "Conta digital: contas do próprio banco", BANK_ACCOUNTS))


@dataclass(frozen=True, slots=True)
class BankBooks:
    """Ids of the tenant's bank ledger and its own accounts (they never change once opened)."""

    ledger_id: uuid.UUID
    reserve: uuid.UUID
    pix_settlement: uuid.UUID
    ted_settlement: uuid.UUID
    boleto_deposits: uuid.UUID
    fees: uuid.UUID
    yields: uuid.UUID


_cache: dict[uuid.UUID, BankBooks] = {}


def _tenant(session: AsyncSession) -> uuid.UUID:
    tenant = session.info.get("tenant_id")
    if not isinstance(tenant, uuid.UUID):
        raise RuntimeError("bank books need a tenant-bound session")
    return tenant


async def bank_books(session: AsyncSession) -> BankBooks:
    """The tenant's bank books, opening the ledger and its chart on first use (a concurrent
    first use is absorbed by a savepoint)."""
    tenant = _tenant(session)
    cached = _cache.get(tenant)
    if cached is not None:
        return cached
    ledger = await ledger_service.find_ledger(session, LEDGER_CODE)
    committed = ledger is not None  # only ids already committed are safe to cache
    if ledger is None:
        try:
            async with session.begin_nested():
                ledger = await ledger_service.open_ledger(
                    session,
                    code=LEDGER_CODE,
                    name="Conta digital",
                    module="banking",
                    owner_ref="banking",
                    chart=CHART,
                )
        except CodeTaken:
            ledger = await ledger_service.find_ledger(session, LEDGER_CODE)
            if ledger is None:
                raise
    else:
        await ledger_service.apply_chart(session, ledger.id, CHART)
    ids: dict[str, uuid.UUID] = {}
    for spec in BANK_ACCOUNTS:
        found = await ledger_service.find_account(session, ledger.id, spec.code)
        if found is None:  # pragma: no cover - apply_chart opened it
            raise RuntimeError(f"bank account {spec.code} missing")
        ids[spec.code] = found.id
    books = BankBooks(
        ledger_id=ledger.id,
        reserve=ids[RESERVE],
        pix_settlement=ids[PIX_SETTLEMENT],
        ted_settlement=ids[TED_SETTLEMENT],
        boleto_deposits=ids[BOLETO_DEPOSITS],
        fees=ids[FEES],
        yields=ids[YIELDS],
    )
    if committed:
        _cache[tenant] = books
    return books
