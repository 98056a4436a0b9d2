"""Transfers API (``/api/v1/banking/transfers``) and the rail's webhook
(``/api/v1/banking/webhooks/rail/{tenant}``, public, HMAC-signed)."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query

from lastro.core.web.deps import RuntimeDep, SessionDep, TenantPrincipal, module_gate, require
from lastro.core.web.routing import LastroRoute
from lastro.kit.pagination import MAX_LIMIT, Page, paginate
from lastro.modules.banking.accounts import service as accounts
from lastro.modules.banking.accounts.deps import check_access, is_staff
from lastro.modules.banking.accounts.errors import AccountNotFound
from lastro.modules.banking.transfers import service
from lastro.modules.banking.transfers.errors import SandboxOnly
from lastro.modules.banking.transfers.models import Transfer
from lastro.modules.banking.transfers.rail import RailOutcome, sandbox_command
from lastro.modules.banking.transfers.schemas import (
    MedDecision,
    P2pCreate,
    PixCreate,
    RefundCreate,
    SandboxResolve,
    TedCreate,
    TransferRead,
)

router = APIRouter(
    prefix="/api/v1/banking/transfers",
    route_class=LastroRoute,
    tags=["banking"],
    dependencies=[module_gate("banking")],
)

READ = require("banking.transfers.read")
WRITE = require("banking.transfers.write")
MANAGE = require(accounts.STAFF_PERMISSION)
SandboxHeader = Annotated[str | None, Header(alias="X-Sandbox-Outcome")]


def _who(principal: TenantPrincipal) -> service.Requester:
    return service.Requester(principal.user_id, is_staff(principal))


def _sandbox(runtime: RuntimeDep, header: str | None, description: str) -> str | None:
    if runtime.settings.environment == "production":
        return None
    return sandbox_command(header, description)


@router.post(
    "/pix", response_model=TransferRead, status_code=201, dependencies=[WRITE], summary="PIX"
)
async def create_pix(
    body: PixCreate,
    principal: TenantPrincipal,
    session: SessionDep,
    runtime: RuntimeDep,
    x_sandbox_outcome: SandboxHeader = None,
) -> Transfer:
    return await service.create_pix(
        session,
        _who(principal),
        account_id=body.account_id,
        amount=body.amount,
        key=body.key,
        description=body.description,
        scheduled_for=body.scheduled_for,
        sandbox=_sandbox(runtime, x_sandbox_outcome, body.description),
        receiver_name=body.receiver_name,
    )


@router.post(
    "/ted", response_model=TransferRead, status_code=201, dependencies=[WRITE], summary="TED"
)
async def create_ted(
    body: TedCreate,
    principal: TenantPrincipal,
    session: SessionDep,
    runtime: RuntimeDep,
    x_sandbox_outcome: SandboxHeader = None,
) -> Transfer:
    from lastro.modules.banking.accounts.service import normalise_document

    digits = "".join(ch for ch in body.holder_document if ch.isalnum())
    kind = "individual" if len(digits) == 11 else "company"
    document = normalise_document(kind, body.holder_document)
    return await service.create_ted(
        session,
        _who(principal),
        account_id=body.account_id,
        amount=body.amount,
        counterparty={
            "bank": body.bank,
            "agency": body.agency,
            "account": body.account,
            "account_type": body.account_type,
            "name": body.holder_name,
            "document": document,
        },
        description=body.description,
        scheduled_for=body.scheduled_for,
        sandbox=_sandbox(runtime, x_sandbox_outcome, body.description),
    )


@router.post(
    "/p2p", response_model=TransferRead, status_code=201, dependencies=[WRITE], summary="P2P"
)
async def create_p2p(body: P2pCreate, principal: TenantPrincipal, session: SessionDep) -> Transfer:
    target_id = body.to_account_id
    if target_id is None:
        found = await accounts.find_by_number(session, body.to_agency or "", body.to_account or "")
        if found is None:
            raise AccountNotFound("Conta de destino não encontrada.")
        target_id = found.id
    return await service.create_p2p(
        session,
        _who(principal),
        account_id=body.account_id,
        target_id=target_id,
        amount=body.amount,
        description=body.description,
        scheduled_for=body.scheduled_for,
    )


@router.get("", response_model=Page[TransferRead], dependencies=[READ], summary="Transferências")
async def list_transfers(
    principal: TenantPrincipal,
    session: SessionDep,
    status: Literal[
        "scheduled",
        "pending",
        "completed",
        "rejected",
        "cancelled",
        "failed",
        "blocked",
        "released",
    ]
    | None = None,
    type: Literal["pix", "ted", "p2p", "pix_refund"] | None = None,
    account_id: Annotated[uuid.UUID | None, Query(alias="accountId")] = None,
    page: Annotated[int, Query(ge=1)] = 1,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20,
) -> Page[TransferRead]:
    if account_id is not None:
        await check_access(session, principal, account_id)
    stmt = await service.list_statement(
        session, _who(principal), status=status, type=type, account_id=account_id
    )
    return await paginate(session, stmt, TransferRead.model_validate, page=page, limit=limit)


@router.get(
    "/{transfer_id}", response_model=TransferRead, dependencies=[READ], summary="Transferência"
)
async def get_transfer(
    transfer_id: uuid.UUID, principal: TenantPrincipal, session: SessionDep
) -> Transfer:
    return await service.transfer_for(session, _who(principal), transfer_id)


@router.post(
    "/{transfer_id}/cancel", response_model=TransferRead, dependencies=[WRITE], summary="Cancelar"
)
async def cancel(
    transfer_id: uuid.UUID, principal: TenantPrincipal, session: SessionDep
) -> Transfer:
    return await service.cancel(session, _who(principal), transfer_id)


@router.post(
    "/{transfer_id}/refund",
    response_model=TransferRead,
    status_code=201,
    dependencies=[WRITE],
    summary="Devolver PIX recebido (devolução)",
)
async def refund(
    transfer_id: uuid.UUID,
    body: RefundCreate,
    principal: TenantPrincipal,
    session: SessionDep,
    runtime: RuntimeDep,
    x_sandbox_outcome: SandboxHeader = None,
) -> Transfer:
    return await service.refund_incoming(
        session,
        _who(principal),
        transfer_id,
        amount=body.amount,
        reason=body.reason,
        sandbox=_sandbox(runtime, x_sandbox_outcome, body.reason),
    )


@router.post(
    "/{transfer_id}/refresh",
    response_model=TransferRead,
    dependencies=[MANAGE],
    summary="Consultar o arranjo sobre uma transferência pendente",
)
async def refresh(
    transfer_id: uuid.UUID, principal: TenantPrincipal, session: SessionDep
) -> Transfer:
    await service.transfer_for(session, _who(principal), transfer_id)
    return await service.refresh(session, transfer_id)


@router.post(
    "/{transfer_id}/med",
    response_model=TransferRead,
    dependencies=[MANAGE],
    summary="Decidir solicitação MED (aceitar devolve; recusar libera o bloqueio)",
)
async def decide_med(
    transfer_id: uuid.UUID, body: MedDecision, principal: TenantPrincipal, session: SessionDep
) -> Transfer:
    await service.transfer_for(session, _who(principal), transfer_id)
    return await service.decide_med(session, transfer_id, body.accept)


@router.post(
    "/{transfer_id}/sandbox-resolve",
    response_model=TransferRead,
    dependencies=[MANAGE],
    summary="Sandbox: o arranjo confirma ou recusa uma transferência pendente",
)
async def sandbox_resolve(
    transfer_id: uuid.UUID,
    body: SandboxResolve,
    principal: TenantPrincipal,
    session: SessionDep,
    runtime: RuntimeDep,
) -> Transfer:
    if runtime.settings.environment == "production":
        raise SandboxOnly("Disponível apenas fora de produção.")
    transfer = await service.transfer_for(session, _who(principal), transfer_id)
    await service.resolve(session, transfer, RailOutcome(body.outcome))
    return await service.get_transfer(session, transfer_id)
