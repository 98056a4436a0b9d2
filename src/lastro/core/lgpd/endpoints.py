"""``/api/v1/lgpd``: data-subject requests and the consent register, for tenant admins."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from lastro.br.documents import parse_cpf
from lastro.core.lgpd import consents, service
from lastro.core.lgpd.errors import InvalidRequest
from lastro.core.lgpd.models import Consent, DataSubjectRequest
from lastro.core.lgpd.schemas import (
    ConsentCreate,
    ConsentRead,
    ConsentRevoke,
    RequestCreate,
    RequestKind,
    RequestRead,
    RequestRefuse,
    RequestStatus,
)
from lastro.core.lgpd.subjects import parse_email, parse_subject
from lastro.core.web.deps import RuntimeDep, SessionDep, TenantPrincipal, require
from lastro.core.web.routing import LastroRoute
from lastro.kit.pagination import MAX_LIMIT, Page

PERMISSION = "lgpd.manage"

router = APIRouter(prefix="/api/v1/lgpd", route_class=LastroRoute, tags=["lgpd"])
guard = [require(PERMISSION)]


def _request(row: DataSubjectRequest) -> RequestRead:
    read = RequestRead.model_validate(row)
    read.overdue = service.is_overdue(row)
    read.export_available = row.kind == "access" and row.status == "completed"
    return read


def _consent(row: Consent) -> ConsentRead:
    read = ConsentRead.model_validate(row)
    read.active = row.revoked_at is None
    return read


@router.post(
    "/requests",
    response_model=RequestRead,
    status_code=201,
    dependencies=guard,
    summary="Registrar solicitação do titular (prazo: 15 dias corridos)",
)
async def create_request(
    body: RequestCreate, principal: TenantPrincipal, session: SessionDep
) -> RequestRead:
    subject = parse_subject(body.cpf, body.email)
    changes = dict(body.changes or {})
    if body.kind == "rectification":
        if not changes:
            raise InvalidRequest("Informe em 'changes' o que deve ser corrigido.")
        if "email" in changes:
            changes["email"] = parse_email(changes["email"])
        if "cpf" in changes:
            changes["cpf"] = parse_cpf(changes["cpf"])
    elif changes:
        raise InvalidRequest("'changes' só se aplica a pedidos de correção (rectification).")
    if body.purposes and body.kind != "consent_revocation":
        raise InvalidRequest("'purposes' só se aplica a revogação de consentimento.")
    row = await service.open_request(
        session,
        kind=body.kind,
        subject=subject,
        channel=body.channel,
        notes=body.notes,
        changes=changes or None,
        purposes=body.purposes,
        requested_by=principal.user_id,
    )
    return _request(row)


@router.get(
    "/requests",
    response_model=Page[RequestRead],
    dependencies=guard,
    summary="Solicitações dos titulares (filtros: status, tipo, em atraso)",
)
async def list_requests(
    _p: TenantPrincipal,
    session: SessionDep,
    status: RequestStatus | None = None,
    kind: RequestKind | None = None,
    overdue: bool | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> Page[RequestRead]:
    rows, total = await service.list_requests(
        session, status=status, kind=kind, overdue=overdue, page=page, limit=limit
    )
    return Page(items=[_request(r) for r in rows], total=total, page=page, limit=limit)


@router.get(
    "/requests/{request_id}",
    response_model=RequestRead,
    dependencies=guard,
    summary="Uma solicitação",
)
async def get_request(
    request_id: uuid.UUID, _p: TenantPrincipal, session: SessionDep
) -> RequestRead:
    return _request(await service.get_request(session, request_id))


@router.post(
    "/requests/{request_id}/start",
    response_model=RequestRead,
    dependencies=guard,
    summary="Iniciar o atendimento (em andamento)",
)
async def start_request(
    request_id: uuid.UUID, principal: TenantPrincipal, session: SessionDep
) -> RequestRead:
    return _request(await service.start(session, request_id, actor=principal.user_id))


@router.post(
    "/requests/{request_id}/execute",
    response_model=RequestRead,
    dependencies=guard,
    summary="Executar e concluir (exportar, corrigir, eliminar/anonimizar ou revogar)",
)
async def execute_request(
    request_id: uuid.UUID, principal: TenantPrincipal, session: SessionDep
) -> RequestRead:
    return _request(await service.execute(session, request_id, actor=principal.user_id))


@router.post(
    "/requests/{request_id}/refuse",
    response_model=RequestRead,
    dependencies=guard,
    summary="Recusar, com o motivo informado ao titular",
)
async def refuse_request(
    request_id: uuid.UUID, body: RequestRefuse, principal: TenantPrincipal, session: SessionDep
) -> RequestRead:
    row = await service.refuse(session, request_id, reason=body.reason, actor=principal.user_id)
    return _request(row)


@router.get(
    "/requests/{request_id}/export",
    dependencies=guard,
    summary="Baixar a exportação (ZIP com um JSON por origem)",
    response_class=Response,
    responses={200: {"content": {"application/zip": {}}}},
)
async def download_export(
    request_id: uuid.UUID, principal: TenantPrincipal, session: SessionDep, runtime: RuntimeDep
) -> Response:
    filename, content = await service.export_archive(session, request_id)
    if principal.tenant_id is not None:
        await service.record_download(runtime.db, principal.tenant_id, request_id)
    return Response(
        content,
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


@router.post(
    "/consents",
    response_model=ConsentRead,
    status_code=201,
    dependencies=guard,
    summary="Registrar consentimento (201; 200 se o mesmo já estava ativo)",
)
async def grant_consent(
    body: ConsentCreate, principal: TenantPrincipal, session: SessionDep, response: Response
) -> ConsentRead:
    subject = parse_subject(body.cpf, body.email)
    row, created = await consents.grant(
        session,
        subject,
        purpose=body.purpose,
        text_version=body.text_version,
        channel=body.channel,
        recorded_by=principal.user_id,
    )
    if not created:
        response.status_code = 200
    return _consent(row)


@router.get(
    "/consents",
    response_model=Page[ConsentRead],
    dependencies=guard,
    summary="Histórico de consentimentos (de um titular, por CPF ou e-mail)",
)
async def list_consents(
    _p: TenantPrincipal,
    session: SessionDep,
    cpf: Annotated[str | None, Query(max_length=20)] = None,
    email: Annotated[str | None, Query(max_length=254)] = None,
    page: Annotated[int, Query(ge=1)] = 1,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> Page[ConsentRead]:
    subject = parse_subject(cpf, email) if cpf or email else None
    rows, total = await consents.history(session, subject, page=page, limit=limit)
    return Page(items=[_consent(r) for r in rows], total=total, page=page, limit=limit)


@router.get(
    "/consents/{consent_id}",
    response_model=ConsentRead,
    dependencies=guard,
    summary="Um consentimento",
)
async def get_consent(
    consent_id: uuid.UUID, _p: TenantPrincipal, session: SessionDep
) -> ConsentRead:
    return _consent(await consents.get(session, consent_id))


@router.post(
    "/consents/{consent_id}/revoke",
    response_model=ConsentRead,
    dependencies=guard,
    summary="Revogar consentimento",
)
async def revoke_consent(
    consent_id: uuid.UUID, body: ConsentRevoke, _p: TenantPrincipal, session: SessionDep
) -> ConsentRead:
    row = await consents.revoke(session, consent_id, channel=body.channel, reason=body.reason)
    return _consent(row)
