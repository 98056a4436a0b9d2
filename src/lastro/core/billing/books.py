"""The platform's own books in the core ledger: what tenants owe it and what they paid.

The platform keeps its accounts like any tenant does, in a system tenant (``platform_books_slug``,
status ``system``: nobody signs in to it) with one book on the basic chart. An issued invoice
debits *Clientes a receber* and credits *Receita de serviços*; its payment debits *Bancos* and
credits *Clientes a receber*. Postings run after the invoice commits, keyed by the invoice, and
a sweep re-posts anything a crash left behind — each entry applies exactly once.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from lastro.core.billing.models import Invoice
from lastro.core.ledger.runner import Ledger
from lastro.core.ledger.service import ledger_service
from lastro.core.ledger.types import EntryDraft, Posting
from lastro.core.platform.models import Tenant
from lastro.infra.database import Database
from lastro.settings import Settings

BOOK_CODE = "plataforma"
RECEIVABLES, BANK, REVENUE = "1.2.01", "1.1.02", "4.1.01"
SYSTEM_STATUS = "system"


@dataclass(frozen=True)
class PlatformBooks:
    tenant_id: uuid.UUID
    ledger_id: uuid.UUID
    receivables: uuid.UUID
    bank: uuid.UUID
    revenue: uuid.UUID


async def platform_books(db: Database, settings: Settings) -> PlatformBooks:
    """The books, created on first use."""
    async with db.unit_of_work(platform=True) as session:
        tenant = await session.scalar(
            select(Tenant).where(Tenant.slug == settings.platform_books_slug)
        )
        if tenant is None:
            tenant = Tenant(
                slug=settings.platform_books_slug,
                name=settings.billing_beneficiary_name,
                status=SYSTEM_STATUS,
                document=settings.billing_beneficiary_document,
            )
            session.add(tenant)
            await session.flush()
        tenant_id = tenant.id
    async with db.unit_of_work(tenant_id=tenant_id) as session:
        return await _open_book(session, tenant_id)


async def _open_book(session: AsyncSession, tenant_id: uuid.UUID) -> PlatformBooks:
    ledger = await ledger_service.find_ledger(session, BOOK_CODE)
    if ledger is None:
        ledger = await ledger_service.open_ledger(
            session,
            code=BOOK_CODE,
            name="Livro da plataforma (faturamento de clientes)",
            module="core.billing",
            chart="core.basico",
        )
    accounts = {a.code: a.id for a in await ledger_service.list_accounts(session, ledger.id)}
    return PlatformBooks(
        tenant_id, ledger.id, accounts[RECEIVABLES], accounts[BANK], accounts[REVENUE]
    )


def issue_entry(books: PlatformBooks, inv: Invoice) -> EntryDraft:
    return EntryDraft(
        idempotency_key=f"invoice:{inv.id}:issued",
        postings=(
            Posting.debit(books.receivables, inv.total),
            Posting.credit(books.revenue, inv.total),
        ),
        description=f"Fatura {inv.number}",
        metadata={"invoice": inv.number, "tenant_id": str(inv.tenant_id)},
        effective_date=inv.issue_date,
    )


def payment_entry(books: PlatformBooks, inv: Invoice) -> EntryDraft:
    amount = inv.paid_amount or inv.total
    return EntryDraft(
        idempotency_key=f"invoice:{inv.id}:paid",
        postings=(
            Posting.debit(books.bank, amount),
            Posting.credit(books.receivables, amount),
        ),
        description=f"Recebimento da fatura {inv.number}",
        metadata={"invoice": inv.number, "tenant_id": str(inv.tenant_id)},
        effective_date=inv.paid_at.date() if inv.paid_at else inv.issue_date,
    )


async def post_pending(db: Database, settings: Settings, *, limit: int = 5000) -> int:
    """Post every issued or paid invoice not yet in the books; returns how many entries."""
    books: PlatformBooks | None = None
    posted = 0
    while True:
        async with db.session(platform=True, readonly=True) as session:
            issued = (
                await session.scalars(
                    select(Invoice)
                    .where(Invoice.posted_issue.is_(False), Invoice.total > 0)
                    .limit(limit)
                )
            ).all()
            paid = (
                await session.scalars(
                    select(Invoice)
                    .where(
                        Invoice.status == "paid",
                        Invoice.posted_payment.is_(False),
                        Invoice.total > 0,
                    )
                    .limit(limit)
                )
            ).all()
        if not issued and not paid:
            return posted
        books = books or await platform_books(db, settings)
        drafts = [issue_entry(books, inv) for inv in issued]
        drafts += [payment_entry(books, inv) for inv in paid]
        if drafts:
            result = await Ledger(db, books.tenant_id).post_batch(drafts, atomic=True)
            posted += result.created
        async with db.unit_of_work(platform=True) as session:
            if issued:
                await session.execute(
                    update(Invoice)
                    .where(Invoice.id.in_([i.id for i in issued]))
                    .values(posted_issue=True)
                )
            if paid:
                await session.execute(
                    update(Invoice)
                    .where(Invoice.id.in_([i.id for i in paid]))
                    .values(posted_payment=True)
                )
        if len(issued) < limit and len(paid) < limit:
            return posted
