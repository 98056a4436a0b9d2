"""Bill payment routes (``/api/v1/banking/bills``)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from pydantic import ConfigDict, Field
from pydantic.alias_generators import to_camel

from lastro.core.platform.models import Tenant
from lastro.core.web.branding import brand_for
from lastro.core.web.deps import Principal, SessionDep, TenantPrincipal, require
from lastro.core.web.routing import LastroRoute
from lastro.kit.clock import today_sp
from lastro.kit.pagination import MAX_LIMIT, Page, paginate
from lastro.kit.schemas import ReadModel, WriteModel
from lastro.modules.banking.accounts.models import BankAccount
from lastro.modules.banking.bills import service
from lastro.modules.banking.bills.receipt import receipt_pdf

router = APIRouter(
    prefix="/api/v1/banking/bills", route_class=LastroRoute, tags=["banking: contas"]
)

READ = "banking.bills.read"
WRITE = "banking.bills.write"


class Body(WriteModel):
    """Accepts snake_case and camelCase names."""

    model_config = ConfigDict(
        extra="forbid", str_strip_whitespace=True, populate_by_name=True, alias_generator=to_camel
    )


class ValidateRequest(Body):
    line: str = Field(
        min_length=10, max_length=80, description="Linha digitável ou código de barras"
    )


class BillRead(ReadModel):
    kind: str
    barcode: str
    digitable_line: str
    formatted_line: str
    amount: Decimal | None
    due_date: date | None
    overdue: bool
    bank_code: str | None
    bank_name: str | None
    segment: str | None
    segment_name: str | None
    company_id: str | None
    beneficiary: str
    already_paid: bool
    payment_id: uuid.UUID | None = None


class PayRequest(Body):
    account_id: uuid.UUID
    line: str = Field(min_length=10, max_length=80)
    amount: Annotated[Decimal, Field(gt=0, max_digits=14, decimal_places=2)] | None = None
    scheduled_for: date | None = Field(default=None, description="Agendar para esta data")
    description: str | None = Field(default=None, max_length=200)


class PaymentRead(ReadModel):
    id: uuid.UUID
    account_id: uuid.UUID
    kind: str
    barcode: str
    digitable_line: str
    bank_code: str | None
    segment: str | None
    beneficiary: str
    description: str | None
    nominal_amount: Decimal | None
    amount: Decimal
    due_date: date | None
    status: str
    scheduled_for: date
    paid_at: datetime | None
    entry_id: uuid.UUID | None
    authentication: str | None
    failure_reason: str | None
    created_at: datetime


def caller(p: Principal) -> service.Caller:
    return service.Caller(user_id=p.user_id, staff=p.can(service.STAFF))


@router.post(
    "/validate",
    response_model=BillRead,
    dependencies=[require(READ)],
    summary="Validar linha digitável ou código de barras (boleto e arrecadação)",
)
async def validate(body: ValidateRequest, p: TenantPrincipal, session: SessionDep) -> BillRead:
    info = service.validate(body.line)
    existing = await service.already_paid(session, info.barcode)
    today = today_sp()
    return BillRead(
        kind=info.kind,
        barcode=info.barcode,
        digitable_line=info.digitable_line,
        formatted_line=info.formatted_line,
        amount=info.amount,
        due_date=info.due_date,
        overdue=info.due_date is not None and info.due_date < today,
        bank_code=info.bank_code,
        bank_name=info.bank_name,
        segment=info.segment,
        segment_name=info.segment_name,
        company_id=info.company_id,
        beneficiary=info.beneficiary,
        already_paid=existing is not None,
        # only staff learn which payment it was (it may be another customer's)
        payment_id=existing.id if existing is not None and p.can(service.STAFF) else None,
    )


@router.post(
    "/pay",
    response_model=PaymentRead,
    status_code=201,
    dependencies=[require(WRITE)],
    summary="Pagar agora ou agendar (409 BILL_ALREADY_PAID se já pago)",
)
async def pay(body: PayRequest, p: TenantPrincipal, session: SessionDep) -> PaymentRead:
    payment = await service.pay(
        session,
        caller(p),
        body.account_id,
        body.line,
        amount=body.amount,
        scheduled_for=body.scheduled_for,
        description=body.description,
    )
    return PaymentRead.model_validate(payment)


@router.get(
    "",
    response_model=Page[PaymentRead],
    dependencies=[require(READ)],
    summary="Pagamentos de contas",
)
async def list_payments(
    p: TenantPrincipal,
    session: SessionDep,
    account_id: uuid.UUID | None = None,
    status: Literal["scheduled", "paid", "cancelled", "failed"] | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> Page[PaymentRead]:
    stmt = service.payments_statement(caller(p), account_id=account_id, status=status)
    return await paginate(session, stmt, PaymentRead.model_validate, page=page, limit=limit)


@router.get(
    "/{payment_id}", response_model=PaymentRead, dependencies=[require(READ)], summary="Pagamento"
)
async def get_payment(
    payment_id: uuid.UUID, p: TenantPrincipal, session: SessionDep
) -> PaymentRead:
    return PaymentRead.model_validate(await service.get_payment(session, caller(p), payment_id))


@router.post(
    "/{payment_id}/cancel",
    response_model=PaymentRead,
    dependencies=[require(WRITE)],
    summary="Cancelar pagamento agendado",
)
async def cancel(payment_id: uuid.UUID, p: TenantPrincipal, session: SessionDep) -> PaymentRead:
    return PaymentRead.model_validate(await service.cancel(session, caller(p), payment_id))


@router.get(
    "/{payment_id}/receipt",
    dependencies=[require(READ)],
    response_class=Response,
    summary="Comprovante em PDF",
)
async def receipt(payment_id: uuid.UUID, p: TenantPrincipal, session: SessionDep) -> Response:
    payment = await service.get_payment(session, caller(p), payment_id)
    if payment.status != "paid":
        raise service.BillStateConflict("Comprovante só existe para pagamentos realizados.")
    account = await session.get(BankAccount, (payment.tenant_id, payment.account_id))
    tenant = await session.get(Tenant, payment.tenant_id)
    assert account is not None and tenant is not None
    pdf = await receipt_pdf(payment, account, brand_for(tenant.name, tenant.branding))
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="comprovante-{payment.id}.pdf"'},
    )
