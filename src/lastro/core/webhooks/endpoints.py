"""``/api/v1/webhooks``: endpoints (CRUD, secret rotation, test event), the delivery log
(list, detail with attempts, replay) and the event types one may subscribe to."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from sqlalchemy import select

from lastro.core.web.deps import RuntimeDep, SessionDep, TenantPrincipal, require
from lastro.core.web.routing import LastroRoute
from lastro.core.webhooks import service
from lastro.core.webhooks.kick import kick_after_commit
from lastro.core.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from lastro.core.webhooks.policy import WebhookPolicy
from lastro.core.webhooks.registry import ALL_EVENTS, webhook_event_types
from lastro.core.webhooks.schemas import (
    AttemptRead,
    DeliveryDetail,
    DeliveryRead,
    DeliveryStatus,
    EndpointCreate,
    EndpointRead,
    EndpointUpdate,
    EndpointWithSecret,
    EventTypeRead,
    SecretRead,
    SecretRotate,
)
from lastro.kit.pagination import MAX_LIMIT, Page, paginate

router = APIRouter(prefix="/api/v1/webhooks", route_class=LastroRoute, tags=["webhooks"])
MANAGE = [require("webhooks.manage")]
# Path names unique across the API, so one isolation walk can hold every service's ids.
EndpointId = Annotated[uuid.UUID, Path(alias="webhook_endpoint_id")]
DeliveryId = Annotated[uuid.UUID, Path(alias="webhook_delivery_id")]


def _policy(runtime: RuntimeDep) -> WebhookPolicy:
    return WebhookPolicy.from_settings(runtime.settings)


@router.get(
    "/event-types",
    response_model=list[EventTypeRead],
    dependencies=MANAGE,
    summary="Tipos de evento disponíveis para assinatura",
)
async def list_event_types(_p: TenantPrincipal) -> list[EventTypeRead]:
    items = [EventTypeRead(type=ALL_EVENTS, description="Todos os eventos")]
    items += [
        EventTypeRead(type=t.topic, description=t.description)
        for t in sorted(webhook_event_types().values(), key=lambda t: t.topic)
    ]
    return items


@router.get(
    "/endpoints",
    response_model=list[EndpointRead],
    dependencies=MANAGE,
    summary="Endpoints de webhook da empresa",
)
async def list_endpoints(_p: TenantPrincipal, session: SessionDep) -> list[EndpointRead]:
    rows = await session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.created_at))
    return [EndpointRead.model_validate(r) for r in rows]


@router.post(
    "/endpoints",
    response_model=EndpointWithSecret,
    status_code=201,
    dependencies=MANAGE,
    summary="Cadastrar endpoint de webhook",
)
async def create_endpoint(
    body: EndpointCreate, _p: TenantPrincipal, session: SessionDep, runtime: RuntimeDep
) -> EndpointWithSecret:
    ep, secret = await service.create_endpoint(
        session,
        _policy(runtime),
        url=body.url,
        event_types=body.event_types,
        description=body.description,
    )
    return EndpointWithSecret(**EndpointRead.model_validate(ep).model_dump(), secret=secret)


@router.get(
    "/endpoints/{webhook_endpoint_id}",
    response_model=EndpointRead,
    dependencies=MANAGE,
    summary="Endpoint de webhook",
)
async def get_endpoint(
    endpoint_id: EndpointId, _p: TenantPrincipal, session: SessionDep
) -> EndpointRead:
    return EndpointRead.model_validate(await service.get_endpoint(session, endpoint_id))


@router.patch(
    "/endpoints/{webhook_endpoint_id}",
    response_model=EndpointRead,
    dependencies=MANAGE,
    summary="Alterar endpoint de webhook (reativar com is_active=true)",
)
async def update_endpoint(
    endpoint_id: EndpointId,
    body: EndpointUpdate,
    _p: TenantPrincipal,
    session: SessionDep,
    runtime: RuntimeDep,
) -> EndpointRead:
    ep = await service.get_endpoint(session, endpoint_id)
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    ep = await service.update_endpoint(session, _policy(runtime), ep, changes)
    return EndpointRead.model_validate(ep)


@router.delete(
    "/endpoints/{webhook_endpoint_id}",
    status_code=204,
    dependencies=MANAGE,
    summary="Excluir endpoint de webhook e seu histórico",
)
async def delete_endpoint(
    endpoint_id: EndpointId, _p: TenantPrincipal, session: SessionDep
) -> Response:
    await service.delete_endpoint(session, await service.get_endpoint(session, endpoint_id))
    return Response(status_code=204)


@router.post(
    "/endpoints/{webhook_endpoint_id}/rotate-secret",
    response_model=SecretRead,
    dependencies=MANAGE,
    summary="Gerar novo segredo de assinatura",
)
async def rotate_secret(
    endpoint_id: EndpointId,
    _p: TenantPrincipal,
    session: SessionDep,
    runtime: RuntimeDep,
    body: SecretRotate | None = None,
) -> SecretRead:
    ep = await service.get_endpoint(session, endpoint_id)
    grace = (body or SecretRotate()).grace_hours
    secret = await service.rotate_secret(session, _policy(runtime), ep, grace)
    return SecretRead(secret=secret, previous_secret_expires_at=ep.previous_secret_expires_at)


@router.post(
    "/endpoints/{webhook_endpoint_id}/test",
    response_model=DeliveryRead,
    status_code=202,
    dependencies=MANAGE,
    summary="Enviar evento de teste",
)
async def send_test(
    endpoint_id: EndpointId, _p: TenantPrincipal, session: SessionDep, runtime: RuntimeDep
) -> DeliveryRead:
    delivery = await service.send_test(session, await service.get_endpoint(session, endpoint_id))
    kick_after_commit(session, runtime.bus)
    return DeliveryRead.model_validate(delivery)


@router.get(
    "/deliveries",
    response_model=Page[DeliveryRead],
    dependencies=MANAGE,
    summary="Entregas de webhook (mais recentes primeiro)",
)
async def list_deliveries(
    _p: TenantPrincipal,
    session: SessionDep,
    endpoint_id: uuid.UUID | None = None,
    status: DeliveryStatus | None = None,
    event_type: Annotated[str | None, Query(max_length=120)] = None,
    page: Annotated[int, Query(ge=1)] = 1,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> Page[DeliveryRead]:
    stmt = select(WebhookDelivery)
    if endpoint_id is not None:
        stmt = stmt.where(WebhookDelivery.endpoint_id == endpoint_id)
    if status is not None:
        stmt = stmt.where(WebhookDelivery.status == status)
    if event_type is not None:
        stmt = stmt.where(WebhookDelivery.event_type == event_type)
    stmt = stmt.order_by(WebhookDelivery.id.desc())
    return await paginate(session, stmt, DeliveryRead.model_validate, page=page, limit=limit)


@router.get(
    "/deliveries/{webhook_delivery_id}",
    response_model=DeliveryDetail,
    dependencies=MANAGE,
    summary="Entrega de webhook com as tentativas",
)
async def get_delivery(
    delivery_id: DeliveryId, _p: TenantPrincipal, session: SessionDep
) -> DeliveryDetail:
    delivery = await service.get_delivery(session, delivery_id)
    attempts = await session.scalars(
        select(WebhookAttempt)
        .where(WebhookAttempt.delivery_id == delivery.id)
        .order_by(WebhookAttempt.number)
    )
    return DeliveryDetail(
        **DeliveryRead.model_validate(delivery).model_dump(),
        payload=delivery.payload,
        attempt_log=[AttemptRead.model_validate(a) for a in attempts],
    )


@router.post(
    "/deliveries/{webhook_delivery_id}/replay",
    response_model=DeliveryRead,
    status_code=202,
    dependencies=MANAGE,
    summary="Reenviar entrega",
)
async def replay_delivery(
    delivery_id: DeliveryId, _p: TenantPrincipal, session: SessionDep, runtime: RuntimeDep
) -> DeliveryRead:
    copy = await service.replay(session, await service.get_delivery(session, delivery_id))
    kick_after_commit(session, runtime.bus)
    return DeliveryRead.model_validate(copy)
