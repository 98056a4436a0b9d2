"""Ledger fixtures: a tenant with one book of typical accounts, on every configured backend."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from lastro.core.ledger.runner import Ledger
from lastro.core.ledger.service import ledger_service
from lastro.core.ledger.types import AccountType, Balance
from lastro.core.ledger.verify import VerifyReport, verify_ledgers
from lastro.core.runtime import Runtime
from lastro.infra.database import Database

# code -> (type, overdraft limit, hot)
ACCOUNTS: dict[str, tuple[AccountType, Decimal | None, bool]] = {
    "banco": (AccountType.ASSET, None, True),  # settlement account: sharded
    "caixa": (AccountType.ASSET, Decimal(0), False),  # cash: cannot go below zero
    "cliente_a": (AccountType.LIABILITY, Decimal(0), False),  # deposits: no overdraft
    "cliente_b": (AccountType.LIABILITY, Decimal(0), False),
    "cliente_c": (AccountType.LIABILITY, Decimal("100.00"), False),  # 100 of overdraft
    "receita": (AccountType.REVENUE, None, False),
    "capital": (AccountType.EQUITY, None, False),
}


async def new_tenant(db: Database) -> uuid.UUID:
    from lastro.core.platform import service

    async with db.unit_of_work(platform=True) as session:
        tenant = await service.create_tenant(
            session, slug=f"t{uuid.uuid4().hex[:10]}", name="Empresa Teste", enabled_modules=[]
        )
        return tenant.id


@dataclass
class Books:
    db: Database
    tenant_id: uuid.UUID
    ledger_id: uuid.UUID
    accounts: dict[str, uuid.UUID] = field(default_factory=dict)

    @property
    def ledger(self) -> Ledger:
        return Ledger(self.db, self.tenant_id)

    def __getitem__(self, code: str) -> uuid.UUID:
        return self.accounts[code]

    def session(self) -> AsyncSession:
        return self.db.session(tenant_id=self.tenant_id)

    async def balance(self, code: str) -> Balance:
        async with self.db.unit_of_work(tenant_id=self.tenant_id) as session:
            return await ledger_service.balance(session, self.accounts[code])

    async def posted(self, code: str) -> Decimal:
        return (await self.balance(code)).posted

    async def verify(self) -> VerifyReport:
        return await verify_ledgers(self.db, self.tenant_id)

    async def assert_verified(self) -> VerifyReport:
        report = await self.verify()
        assert report.ok, report.problems
        return report


async def open_books(
    db: Database,
    tenant_id: uuid.UUID,
    accounts: dict[str, tuple[AccountType, Decimal | None, bool]] | None = None,
    code: str | None = None,
) -> Books:
    async with db.unit_of_work(tenant_id=tenant_id) as session:
        book = await ledger_service.open_ledger(
            session,
            code=code or f"livro-{uuid.uuid4().hex[:8]}",
            name="Livro de teste",
            module="tests",
        )
        books = Books(db, tenant_id, book.id)
        for name, (kind, limit, hot) in (accounts or ACCOUNTS).items():
            info = await ledger_service.open_account(
                session,
                ledger_id=book.id,
                code=name,
                name=name.title(),
                type=kind,
                overdraft_limit=limit,
                hot=hot,
            )
            books.accounts[name] = info.id
    return books


@pytest.fixture
async def tenant_id(runtime: Runtime) -> uuid.UUID:
    return await new_tenant(runtime.db)


@pytest.fixture
async def books(runtime: Runtime, tenant_id: uuid.UUID) -> AsyncIterator[Books]:
    yield await open_books(runtime.db, tenant_id)
