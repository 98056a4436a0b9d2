"""Ledger books and accounts owned by the person's accounts (``owner_ref = "user:<id>"``).

Financial records are kept: bookkeeping and tax law require them (LGPD art. 16, I). Entries are
append-only and carry no personal identifiers of their own, so nothing is anonymised here;
modules that keep names next to money answer for those in their own sources.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from lastro.contracts.lgpd import DataSubject, ErasureOutcome, SubjectRecord
from lastro.core.ledger.models import Ledger, LedgerAccount
from lastro.core.ledger.service import ledger_service
from lastro.core.lgpd.sources.users import users_of

RETENTION = (
    "Registros financeiros mantidos por obrigação legal e regulatória (LGPD art. 16, I; "
    "guarda de livros e documentos fiscais — CTN art. 195, parágrafo único)"
)
LEGAL_BASIS = "Cumprimento de obrigação legal (LGPD art. 7º, II)"


async def _owner_refs(session: AsyncSession, subject: DataSubject) -> list[str]:
    return [f"user:{u.id}" for u in await users_of(session, subject)]


class LedgerSource:
    name = "ledger"

    async def collect(self, session: AsyncSession, subject: DataSubject) -> list[SubjectRecord]:
        refs = await _owner_refs(session, subject)
        if not refs:
            return []
        books = list(await session.scalars(select(Ledger).where(Ledger.owner_ref.in_(refs))))
        accounts = list(
            await session.scalars(
                select(LedgerAccount)
                .where(LedgerAccount.owner_ref.in_(refs))
                .order_by(LedgerAccount.created_at)
            )
        )
        balances = await ledger_service.balances(session, [a.id for a in accounts])
        records = [
            SubjectRecord(
                category="financeiro",
                description=f"Livro contábil '{b.name}'",
                data={"code": b.code, "name": b.name, "module": b.module, "currency": b.currency},
                legal_basis=LEGAL_BASIS,
                erasable=False,
                retention=RETENTION,
            )
            for b in books
        ]
        records.extend(
            SubjectRecord(
                category="financeiro",
                description=f"Conta contábil '{a.name}'",
                data={
                    "code": a.code,
                    "name": a.name,
                    "type": a.type,
                    "currency": a.currency,
                    "status": a.status,
                    "balance": str(balances[a.id].posted),
                },
                legal_basis=LEGAL_BASIS,
                erasable=False,
                retention=RETENTION,
            )
            for a in accounts
        )
        return records

    async def rectify(
        self, session: AsyncSession, subject: DataSubject, changes: Mapping[str, str]
    ) -> list[str]:
        return []

    async def erase(self, session: AsyncSession, subject: DataSubject) -> ErasureOutcome:
        refs = await _owner_refs(session, subject)
        if not refs:
            return ErasureOutcome()
        kept = 0
        for model in (Ledger, LedgerAccount):
            kept += int(
                await session.scalar(
                    select(func.count()).select_from(model).where(model.owner_ref.in_(refs))
                )
                or 0
            )
        return ErasureOutcome(kept=kept, kept_reasons=(RETENTION,) if kept else ())
