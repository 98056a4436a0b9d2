"""Invoices: the tenant's own (admins), the whole fleet (platform), the provider webhook, the
billing and dunning runs on demand, and the sandbox's "pay this invoice" for trying it out."""

from __future__ import annotations

import datetime as dt
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, ClassVar, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lastro.core.billing import collection, invoicing
from lastro.core.billing.invoice_pdf import invoice_pdf
from lastro.core.billing.models import Invoice, InvoiceLine, InvoicePayment
from lastro.core.billing.providers import get_provider
from lastro.core.platform.models import Tenant
from lastro.core.web.deps import (
    PlatformPrincipal,
    RuntimeDep,
    SessionDep,
    TenantPrincipal,
    require,
)
from lastro.core.web.routing import LastroRoute
from lastro.infra.database import bind_platform
from lastro.kit.errors import LastroError, NotFound
from lastro.kit.pagination import MAX_LIMIT, Page, paginate
from lastro.kit.schemas import ReadModel, WriteModel

router = APIRouter(prefix="/api/v1/invoices", route_class=LastroRoute, tags=["invoices"])
platform_router = APIRouter(prefix="/api/v1/platform", route_class=LastroRoute, tags=["invoices"])
webhook_router = APIRouter(prefix="/api/v1/billing", route_class=LastroRoute, tags=["invoices"])

InvoiceStatus = Literal["open", "overdue", "paid", "void"]


class InvoiceNotFound(NotFound):
    code: ClassVar[str] = "INVOICE_NOT_FOUND"


class SandboxOnly(LastroError):
    status: ClassVar[int] = 409
    code: ClassVar[str] = "SANDBOX_ONLY"
    title: ClassVar[str] = "Disponível só no provedor sandbox"


class InvoiceLineRead(ReadModel):
    position: int
    kind: str
    description: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal


class PaymentRead(ReadModel):
    provider: str
    event_id: str
    method: str
    amount: Decimal
    paid_at: datetime


class InvoiceRead(ReadModel):
    id: uuid.UUID
    tenant_id: uuid.UUID
    number: str
    plan_code: str
    cycle: str
    period_start: date
    period_end: date
    issue_date: date
    due_date: date
    status: str
    subtotal: Decimal
    credit_applied: Decimal
    total: Decimal
    currency: str
    paid_at: datetime | None
    paid_amount: Decimal | None
    boleto_line: str
    boleto_barcode: str
    pix_payload: str


class InvoiceDetail(InvoiceRead):
    lines: list[InvoiceLineRead]
    payments: list[PaymentRead]


class RunRequest(WriteModel):
    date: dt.date | None = None


class BillingRunRead(BaseModel):
    date: dt.date
    activated: int
    renewed: int
    issued: int
    skipped_zero: int
    total: Decimal
    posted_to_ledger: int


class DunningRead(BaseModel):
    date: dt.date
    overdue: int
    reminders: int
    suspended: int


class WebhookAck(BaseModel):
    status: str
    invoice_number: str | None = None
    invoice_status: str | None = None


async def _page(
    session: AsyncSession,
    *,
    status: str | None,
    tenant_id: uuid.UUID | None,
    page: int,
    limit: int,
) -> Page[InvoiceRead]:
    stmt = select(Invoice)
    if status:
        stmt = stmt.where(Invoice.status == status)
    if tenant_id:
        stmt = stmt.where(Invoice.tenant_id == tenant_id)
    stmt = stmt.order_by(Invoice.issue_date.desc(), Invoice.number.desc())
    return await paginate(session, stmt, InvoiceRead.model_validate, page=page, limit=limit)


async def _invoice(session: AsyncSession, invoice_id: uuid.UUID) -> Invoice:
    invoice = await session.scalar(select(Invoice).where(Invoice.id == invoice_id))
    if invoice is None:
        raise InvoiceNotFound("Fatura não encontrada.")
    return invoice


async def _lines(session: AsyncSession, invoice: Invoice) -> list[InvoiceLine]:
    rows = await session.scalars(
        select(InvoiceLine)
        .where(InvoiceLine.invoice_id == invoice.id, InvoiceLine.tenant_id == invoice.tenant_id)
        .order_by(InvoiceLine.position)
    )
    return list(rows.all())


async def _detail(session: AsyncSession, invoice_id: uuid.UUID) -> InvoiceDetail:
    invoice = await _invoice(session, invoice_id)
    lines = await _lines(session, invoice)
    payments = await session.scalars(
        select(InvoicePayment)
        .where(
            InvoicePayment.invoice_id == invoice.id,
            InvoicePayment.tenant_id == invoice.tenant_id,
        )
        .order_by(InvoicePayment.paid_at)
    )
    return InvoiceDetail(
        **InvoiceRead.model_validate(invoice).model_dump(),
        lines=[InvoiceLineRead.model_validate(line) for line in lines],
        payments=[PaymentRead.model_validate(p) for p in payments],
    )


async def render_pdf(session: AsyncSession, runtime: RuntimeDep, invoice_id: uuid.UUID) -> bytes:
    invoice = await _invoice(session, invoice_id)
    lines = await _lines(session, invoice)
    tenant = await session.get(Tenant, invoice.tenant_id)
    assert tenant is not None
    return invoice_pdf(invoice, lines, tenant, runtime.settings)


# -- the tenant's own ---------------------------------------------------------------------


@router.get(
    "",
    response_model=Page[InvoiceRead],
    dependencies=[require("tenant.settings")],
    summary="Faturas da empresa",
)
async def list_invoices(
    _p: TenantPrincipal,
    session: SessionDep,
    status: InvoiceStatus | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> Page[InvoiceRead]:
    return await _page(session, status=status, tenant_id=None, page=page, limit=limit)


@router.get(
    "/{invoice_id}",
    response_model=InvoiceDetail,
    dependencies=[require("tenant.settings")],
    summary="Fatura com itens e pagamentos",
)
async def get_invoice(
    invoice_id: uuid.UUID, _p: TenantPrincipal, session: SessionDep
) -> InvoiceDetail:
    return await _detail(session, invoice_id)


@router.get(
    "/{invoice_id}/pdf",
    dependencies=[require("tenant.settings")],
    summary="Fatura em PDF (com boleto e PIX)",
    response_class=Response,
)
async def get_invoice_pdf(
    invoice_id: uuid.UUID, _p: TenantPrincipal, session: SessionDep, runtime: RuntimeDep
) -> Response:
    pdf = await render_pdf(session, runtime, invoice_id)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="fatura-{invoice_id}.pdf"'},
    )


# -- the platform ------------------------------------------------------------------------


@platform_router.get(
    "/invoices", response_model=Page[InvoiceRead], summary="Faturas de todos os clientes"
)
async def list_all_invoices(
    _p: PlatformPrincipal,
    session: SessionDep,
    status: InvoiceStatus | None = None,
    tenant_id: uuid.UUID | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> Page[InvoiceRead]:
    return await _page(session, status=status, tenant_id=tenant_id, page=page, limit=limit)


@platform_router.get(
    "/invoices/{invoice_id}", response_model=InvoiceDetail, summary="Fatura de um cliente"
)
async def get_any_invoice(
    invoice_id: uuid.UUID, _p: PlatformPrincipal, session: SessionDep
) -> InvoiceDetail:
    return await _detail(session, invoice_id)


@platform_router.post(
    "/billing/run", response_model=BillingRunRead, summary="Executar o faturamento agora"
)
async def billing_run(
    _p: PlatformPrincipal, runtime: RuntimeDep, body: RunRequest | None = None
) -> BillingRunRead:
    from lastro.core.billing.books import post_pending

    report = await invoicing.run_billing(
        runtime.db, runtime.settings, day=body.date if body else None
    )
    posted = await post_pending(runtime.db, runtime.settings)
    return BillingRunRead(
        date=report.day,
        activated=report.activated,
        renewed=report.renewed,
        issued=report.issued,
        skipped_zero=report.skipped_zero,
        total=report.total,
        posted_to_ledger=posted,
    )


@platform_router.post(
    "/billing/dunning", response_model=DunningRead, summary="Executar a cobrança agora"
)
async def dunning_run(
    _p: PlatformPrincipal, runtime: RuntimeDep, body: RunRequest | None = None
) -> DunningRead:
    report = await collection.run_dunning(
        runtime.db, runtime.settings, day=body.date if body else None
    )
    return DunningRead(
        date=report.day,
        overdue=report.overdue,
        reminders=report.reminders,
        suspended=report.suspended,
    )


@platform_router.post(
    "/invoices/{invoice_id}/sandbox-payment",
    response_model=WebhookAck,
    summary="Simular o pagamento (provedor sandbox)",
)
async def sandbox_payment(
    invoice_id: uuid.UUID,
    _p: PlatformPrincipal,
    session: SessionDep,
    runtime: RuntimeDep,
    method: Literal["pix", "boleto"] = "pix",
) -> WebhookAck:
    """Sends the provider's signed webhook through the same path a real payment takes."""
    invoice = await _invoice(session, invoice_id)
    if invoice.provider != "sandbox" or runtime.settings.is_production:
        raise SandboxOnly("Pagamento simulado só existe para faturas do provedor sandbox.")
    provider = get_provider(runtime.settings, "sandbox")
    due = invoice.total - (invoice.paid_amount or Decimal("0.00"))
    headers, body = provider.paid_event(
        invoice.provider_ref, max(due, Decimal("0.00")), method=method
    )
    outcome = await collection.record_payment(
        session, provider.name, provider.parse_webhook(headers, body)
    )
    return WebhookAck(**outcome.__dict__)


# -- the provider's webhook --------------------------------------------------------------


@webhook_router.post(
    "/webhooks/{provider}",
    response_model=WebhookAck,
    summary="Webhook do provedor de pagamento (assinado, idempotente)",
)
async def provider_webhook(
    provider: str, request: Request, session: SessionDep, runtime: RuntimeDep
) -> WebhookAck:
    """Verified by HMAC before anything is read; a redelivered event answers ``duplicate``."""
    impl = get_provider(runtime.settings, provider)
    body = await request.body()
    notice = impl.parse_webhook({k.lower(): v for k, v in request.headers.items()}, body)
    bind_platform(session)
    outcome = await collection.record_payment(session, impl.name, notice)
    return WebhookAck(**outcome.__dict__)
