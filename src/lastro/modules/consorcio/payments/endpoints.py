"""Routes of payments: thin — authorise, call the service, shape the answer."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, File, Query, Request, Response, UploadFile
from sqlalchemy import select

from lastro.core.web.deps import (
    RuntimeDep,
    SessionDep,
    TenantPrincipal,
    cached_tenant,
    module_enabled,
    require,
    resolve_tenant_slug,
)
from lastro.core.web.routing import LastroRoute
from lastro.infra.database import bind_tenant
from lastro.kit.ids import new_id
from lastro.kit.pagination import MAX_LIMIT, Page, paginate
from lastro.modules.consorcio.payments import pix, queries
from lastro.modules.consorcio.payments.errors import (
    ImportNotFound,
    PaymentNotFound,
    PixWebhookRejected,
    QuotaNotFound,
)
from lastro.modules.consorcio.payments.models import Payment, RetornoImport
from lastro.modules.consorcio.payments.retorno import import_file
from lastro.modules.consorcio.payments.schemas import (
    ExceptionRead,
    ImportDetail,
    ImportRead,
    ImportResult,
    ManualPaymentCreate,
    PaymentDetail,
    PaymentRead,
    PixItemResult,
    PixWebhookAck,
    PixWebhookConfig,
)
from lastro.modules.consorcio.payments.service import PaymentInput, apply_payments
from lastro.modules.consorcio.payments.settings import AreaSettings
from lastro.modules.consorcio.quotas.models import Quota

READ = "consorcio.payments.read"
WRITE = "consorcio.payments.write"
MANAGE = "consorcio.payments.manage"
WEBHOOK_PATH = "/api/v1/consorcio/payments/pix/webhook"

router = APIRouter(prefix="/api/v1/consorcio", route_class=LastroRoute, tags=["consorcio"])

Source = Literal["cnab240", "cnab400", "pix", "manual"]


@router.post(
    "/payments/cnab",
    response_model=ImportResult,
    status_code=201,
    summary="Importar arquivo de retorno CNAB 240 ou 400 (idempotente por arquivo)",
)
async def upload_retorno(
    file: Annotated[UploadFile, File(description="Arquivo de retorno CNAB 240 ou CNAB 400")],
    response: Response,
    session: SessionDep,
    principal: Annotated[TenantPrincipal, require(WRITE)],
) -> ImportResult:
    """Detects the layout; the same file again answers 200 with the first import's report."""
    content = await file.read()
    report = await import_file(
        session, content, filename=file.filename or "retorno.ret", actor=principal.user_id
    )
    row = await session.scalar(select(RetornoImport).where(RetornoImport.id == report.id))
    if not report.created:
        response.status_code = 200
    return ImportResult(**ImportRead.model_validate(row).model_dump(), created=report.created)


@router.get("/payments/imports", response_model=Page[ImportRead], summary="Retornos importados")
async def list_imports(
    session: SessionDep,
    _p: Annotated[TenantPrincipal, require(READ)],
    page: Annotated[int, Query(ge=1)] = 1,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> Page[ImportRead]:
    return await paginate(
        session, queries.imports_statement(), ImportRead.model_validate, page=page, limit=limit
    )


@router.get(
    "/payments/imports/{import_id}",
    response_model=ImportDetail,
    summary="Relatório de um retorno, com as exceções",
)
async def get_import(
    import_id: uuid.UUID,
    session: SessionDep,
    _p: Annotated[TenantPrincipal, require(READ)],
    exceptions_limit: Annotated[int, Query(ge=0, le=5000)] = 1000,
) -> ImportDetail:
    row = await session.scalar(select(RetornoImport).where(RetornoImport.id == import_id))
    if row is None:
        raise ImportNotFound("Importação de retorno não encontrada.")
    stmt = queries.exceptions_statement(import_id=import_id)
    exceptions = await session.scalars(
        stmt.order_by(None).order_by("line_no").limit(exceptions_limit)
    )
    return ImportDetail(
        **ImportRead.model_validate(row).model_dump(),
        exceptions=[ExceptionRead.model_validate(e) for e in exceptions],
        exceptions_total=await queries.count(session, stmt),
        payments_total=await queries.count(
            session, queries.payments_statement(import_id=import_id)
        ),
    )


@router.get(
    "/payments/exceptions",
    response_model=Page[ExceptionRead],
    summary="Linhas e notificações não aplicadas (nosso número/txid desconhecido, rejeições)",
)
async def list_exceptions(
    session: SessionDep,
    _p: Annotated[TenantPrincipal, require(READ)],
    status: Literal["open", "resolved"] | None = None,
    source: Source | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> Page[ExceptionRead]:
    return await paginate(
        session,
        queries.exceptions_statement(status=status, source=source),
        ExceptionRead.model_validate,
        page=page,
        limit=limit,
    )


@router.post(
    "/payments/pix/webhook",
    response_model=PixWebhookAck,
    summary="Notificação de pagamento PIX do PSP (pública; assinada por HMAC)",
)
async def pix_webhook(request: Request, session: SessionDep, runtime: RuntimeDep) -> PixWebhookAck:
    """Tenant by ``X-Tenant``; ``X-Lastro-Signature`` verified before the body is read."""
    body = await request.body()
    slug = await resolve_tenant_slug(request, runtime)
    tenant = await cached_tenant(runtime, slug) if slug else None
    if (
        tenant is None
        or not tenant.is_active
        or not module_enabled(tenant.enabled_modules, "consorcio")
    ):
        raise PixWebhookRejected(
            "Cliente não identificado: envie o cabeçalho X-Tenant com o identificador do cliente."
        )
    bind_tenant(session, tenant.id)
    secret = await pix.webhook_secret(session, runtime.settings.secret_key, tenant.id)
    pix.check_signature(secret, request.headers.get(pix.SIGNATURE_HEADER), body)
    if not await pix.webhook_enabled(session):
        raise PixWebhookRejected("O webhook PIX está desativado nas configurações do cliente.")
    notices = pix.parse_notices(body)
    outcomes = await pix.apply_notices(session, notices)
    return PixWebhookAck(
        received=len(outcomes),
        applied=sum(1 for o in outcomes if o.status == "applied"),
        duplicates=sum(1 for o in outcomes if o.status == "duplicate"),
        unknown=sum(1 for o in outcomes if o.status == "unknown"),
        items=[PixItemResult(**o.__dict__) for o in outcomes],
    )


@router.get(
    "/payments/pix/webhook-config",
    response_model=PixWebhookConfig,
    summary="Como o PSP deve chamar o webhook PIX (endereço, cabeçalhos e segredo)",
)
async def pix_webhook_config(
    session: SessionDep,
    runtime: RuntimeDep,
    principal: Annotated[TenantPrincipal, require(MANAGE)],
) -> PixWebhookConfig:
    from lastro.core.config.service import get_settings_for

    assert principal.tenant_id is not None
    configured = await get_settings_for(session, pix.NAMESPACE, AreaSettings)
    secret = configured.payments_pix_webhook_secret
    return PixWebhookConfig(
        path=WEBHOOK_PATH,
        tenant_header="X-Tenant",
        tenant=principal.tenant_slug or "",
        signature_header="X-Lastro-Signature",
        signature_format="t=<unix>,v1=<hex HMAC-SHA256(segredo, '<t>.<corpo>')>",
        secret=secret or pix.derived_secret(runtime.settings.secret_key, principal.tenant_id),
        secret_source="configurado" if secret else "gerado pela plataforma",
        enabled=configured.payments_pix_webhook_enabled,
    )


@router.get("/payments", response_model=Page[PaymentRead], summary="Pagamentos recebidos")
async def list_payments(
    session: SessionDep,
    _p: Annotated[TenantPrincipal, require(READ)],
    quota_id: uuid.UUID | None = None,
    charge_id: uuid.UUID | None = None,
    import_id: uuid.UUID | None = None,
    source: Source | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> Page[PaymentRead]:
    return await paginate(
        session,
        queries.payments_statement(
            quota_id=quota_id, charge_id=charge_id, import_id=import_id, source=source
        ),
        PaymentRead.model_validate,
        page=page,
        limit=limit,
    )


@router.post(
    "/payments",
    response_model=PaymentDetail,
    status_code=201,
    summary="Registrar um pagamento manual de uma cobrança (depósito, acerto)",
)
async def manual_payment(
    data: ManualPaymentCreate,
    response: Response,
    session: SessionDep,
    principal: Annotated[TenantPrincipal, require(WRITE)],
) -> PaymentDetail:
    """A ``reference`` already used answers 200 with the payment it created."""
    external = f"manual:{data.reference}" if data.reference else f"manual:{new_id().hex}"
    result = await apply_payments(
        session,
        [
            PaymentInput(
                charge_id=data.charge_id,
                source="manual",
                external_id=external,
                amount=data.amount,
                paid_on=data.paid_on,
                credited_on=data.credited_on or data.paid_on,
                reference=data.reference,
            )
        ],
        book_ref=f"manual:{new_id().hex}",
        actor=principal.user_id,
        description="Pagamento manual",
    )
    outcome = result.outcomes[0]
    if outcome.status == "duplicate":
        response.status_code = 200
    row = await session.scalar(select(Payment).where(Payment.external_id == external))
    if row is None:  # pragma: no cover - just written or found
        raise PaymentNotFound("Pagamento não encontrado.")
    return PaymentDetail.model_validate(row)


@router.get(
    "/payments/{payment_id}", response_model=PaymentDetail, summary="Um pagamento e sua divisão"
)
async def get_payment(
    payment_id: uuid.UUID,
    session: SessionDep,
    _p: Annotated[TenantPrincipal, require(READ)],
) -> PaymentDetail:
    row = await session.scalar(select(Payment).where(Payment.id == payment_id))
    if row is None:
        raise PaymentNotFound("Pagamento não encontrado.")
    return PaymentDetail.model_validate(row)


@router.get(
    "/quotas/{quota_id}/payments",
    response_model=Page[PaymentRead],
    summary="Pagamentos de uma cota",
)
async def quota_payments(
    quota_id: uuid.UUID,
    session: SessionDep,
    _p: Annotated[TenantPrincipal, require(READ)],
    page: Annotated[int, Query(ge=1)] = 1,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> Page[PaymentRead]:
    found = await session.scalar(select(Quota.id).where(Quota.id == quota_id))
    if found is None:
        raise QuotaNotFound("Cota não encontrada.")
    return await paginate(
        session,
        queries.payments_statement(quota_id=quota_id),
        PaymentRead.model_validate,
        page=page,
        limit=limit,
    )
