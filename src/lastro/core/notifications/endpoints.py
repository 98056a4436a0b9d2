"""``/api/v1/notifications``: everyone's own centre (list, unread count, mark read, live
stream) and preferences; for tenant admins the templates (versions, preview) and the delivery
log (resend, cancel)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.sse import EventSourceResponse, ServerSentEvent
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from lastro.core.audit.service import record as audit
from lastro.core.auth.errors import TenantRequired
from lastro.core.notifications import service
from lastro.core.notifications.api import default_templates
from lastro.core.notifications.email import OutgoingEmail, build_message
from lastro.core.notifications.errors import (
    DeliveryNotCancellable,
    DeliveryNotFound,
    DeliveryNotResendable,
    NotificationNotFound,
    StreamNotAcceptable,
    TemplateVersionNotFound,
    UnknownTemplate,
)
from lastro.core.notifications.events import NotificationQueued
from lastro.core.notifications.live import LiveHub
from lastro.core.notifications.models import (
    CANCELLED,
    FAILED,
    QUEUED,
    SENT,
    STATUSES,
    Delivery,
    Notification,
    Preference,
    TemplateVersion,
)
from lastro.core.notifications.rendering import render, validate, variables
from lastro.core.notifications.schemas import (
    DeliveryDetail,
    DeliveryRead,
    NotificationRead,
    PreferenceRead,
    PreferencesRead,
    PreferencesUpdate,
    PreviewRead,
    PreviewRequest,
    TemplateInfo,
    TemplateVersionCreate,
    TemplateVersionRead,
    UnreadCount,
    Updated,
)
from lastro.core.platform.models import Tenant
from lastro.core.web.branding import brand_for
from lastro.core.web.deps import SessionDep, TenantPrincipal, require
from lastro.core.web.routing import LastroRoute
from lastro.infra.outbox import publish
from lastro.kit.clock import utcnow
from lastro.kit.pagination import MAX_LIMIT, Page, paginate

READ = "notifications.read"
MANAGE = "notifications.manage"
STREAM_RETRY_MS = 5000


def _tenant(principal: TenantPrincipal) -> uuid.UUID:
    if principal.tenant_id is None:  # TenantPrincipal has refused platform users already
        raise TenantRequired("Esta operação exige um usuário de cliente.")
    return principal.tenant_id


def _mine(principal: TenantPrincipal) -> Any:
    return Notification.user_id == principal.user_id


async def stream_start(request: Request, principal: TenantPrincipal, session: SessionDep) -> int:
    """Checked before the stream opens: the client must want an event stream (a plain
    GET would otherwise hang open), and the first event carries the unread count."""
    if "text/event-stream" not in request.headers.get("accept", ""):
        raise StreamNotAcceptable(
            "Este endereço é um fluxo de eventos: envie 'Accept: text/event-stream'."
        )
    return await count_unread(session, principal.user_id)


def build_router(hub: LiveHub) -> APIRouter:
    router = APIRouter(
        prefix="/api/v1/notifications", route_class=LastroRoute, tags=["notifications"]
    )

    # --- the person's own centre -------------------------------------------------------------

    @router.get(
        "",
        response_model=Page[NotificationRead],
        dependencies=[require(READ)],
        summary="Minhas notificações",
    )
    async def list_mine(
        principal: TenantPrincipal,
        session: SessionDep,
        page: Annotated[int, Query(ge=1)] = 1,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20,
        unread: Annotated[bool, Query(description="Somente não lidas")] = False,
    ) -> Page[NotificationRead]:
        where = [_mine(principal), Notification.in_app_at.is_not(None)]
        if unread:
            where.append(Notification.read_at.is_(None))
        stmt = (
            select(Notification)
            .where(*where)
            .order_by(Notification.in_app_at.desc(), Notification.id.desc())
        )
        return await paginate(
            session, stmt, NotificationRead.model_validate, page=page, limit=limit
        )

    @router.get(
        "/unread-count",
        response_model=UnreadCount,
        dependencies=[require(READ)],
        summary="Quantas notificações não lidas",
    )
    async def unread_count(principal: TenantPrincipal, session: SessionDep) -> UnreadCount:
        return UnreadCount(unread=await count_unread(session, principal.user_id))

    @router.post(
        "/read-all",
        response_model=Updated,
        dependencies=[require(READ)],
        summary="Marcar todas como lidas",
    )
    async def read_all(principal: TenantPrincipal, session: SessionDep) -> Updated:
        updated = await mark_all_read(session, principal.user_id)
        await hub.publish(_tenant(principal), principal.user_id, {"type": "unread", "unread": 0})
        return Updated(updated=updated)

    @router.post(
        "/{notification_id}/read",
        response_model=NotificationRead,
        dependencies=[require(READ)],
        summary="Marcar como lida",
    )
    async def read_one(
        notification_id: uuid.UUID, principal: TenantPrincipal, session: SessionDep
    ) -> NotificationRead:
        notification = await session.scalar(
            select(Notification).where(
                Notification.id == notification_id,
                _mine(principal),
                Notification.in_app_at.is_not(None),
            )
        )
        if notification is None:
            raise NotificationNotFound("Notificação não encontrada.")
        if notification.read_at is None:
            notification.read_at = utcnow()
            await session.flush()
        return NotificationRead.model_validate(notification)

    @router.get(
        "/stream",
        response_class=EventSourceResponse,
        dependencies=[require(READ)],
        summary="Notificações ao vivo (Server-Sent Events)",
    )
    async def stream(
        principal: TenantPrincipal,
        unread: Annotated[int, Depends(stream_start)],
    ) -> AsyncIterator[ServerSentEvent]:
        # FastAPI adds keep-alive comments and cancels this when the client goes away.
        async with hub.listen(_tenant(principal), principal.user_id) as queue:
            yield ServerSentEvent(event="unread", data={"unread": unread}, retry=STREAM_RETRY_MS)
            while True:
                item = await queue.get()
                kind = str(item.get("type") or "notification")
                payload = {k: v for k, v in item.items() if k != "type"}
                yield ServerSentEvent(event=kind, data=payload, id=payload.get("id"))

    # --- preferences -------------------------------------------------------------------------

    @router.get(
        "/preferences",
        response_model=PreferencesRead,
        dependencies=[require(READ)],
        summary="Minhas preferências de notificação",
    )
    async def get_preferences(principal: TenantPrincipal, session: SessionDep) -> PreferencesRead:
        return await _preferences(session, principal.user_id)

    @router.put(
        "/preferences",
        response_model=PreferencesRead,
        dependencies=[require(READ)],
        summary="Alterar minhas preferências (desativar canais por categoria)",
    )
    async def put_preferences(
        body: PreferencesUpdate, principal: TenantPrincipal, session: SessionDep
    ) -> PreferencesRead:
        for item in body.items:
            row = await session.scalar(
                select(Preference).where(
                    Preference.user_id == principal.user_id,
                    Preference.category == item.category,
                    Preference.channel == item.channel,
                )
            )
            if item.enabled is None:
                if row is not None:
                    await session.delete(row)
            elif row is None:
                session.add(
                    Preference(
                        user_id=principal.user_id,
                        category=item.category,
                        channel=item.channel,
                        enabled=item.enabled,
                    )
                )
            else:
                row.enabled = item.enabled
            await session.flush()
        return await _preferences(session, principal.user_id)

    # --- templates (tenant admins) -----------------------------------------------------------

    @router.get(
        "/templates",
        response_model=list[TemplateInfo],
        dependencies=[require(MANAGE)],
        summary="Modelos de notificação e as versões próprias em uso",
    )
    async def list_templates(_p: TenantPrincipal, session: SessionDep) -> list[TemplateInfo]:
        rows = await session.execute(
            select(TemplateVersion.key, TemplateVersion.locale, func.max(TemplateVersion.version))
            .where(TemplateVersion.is_active.is_(True))
            .group_by(TemplateVersion.key, TemplateVersion.locale)
        )
        active: dict[str, dict[str, int]] = {}
        for key, locale, version in rows:
            active.setdefault(key, {})[locale] = int(version)
        return [
            TemplateInfo(
                key=t.key,
                category=service.category_of(t.key),
                description=t.description,
                legal=t.legal,
                subject=t.subject,
                body=t.body,
                html=t.html,
                active_versions=active.get(t.key, {}),
            )
            for t in sorted(default_templates().values(), key=lambda t: t.key)
        ]

    @router.post(
        "/templates/preview",
        response_model=PreviewRead,
        dependencies=[require(MANAGE)],
        summary="Pré-visualizar um modelo com dados de exemplo",
    )
    async def preview(
        body: PreviewRequest, principal: TenantPrincipal, session: SessionDep
    ) -> PreviewRead:
        default = default_templates().get(body.key)
        if default is None:
            raise UnknownTemplate(f"Modelo '{body.key}' não existe.")
        current = await service.active_override(session, body.key, body.locale)
        subject = body.subject or (current.subject if current else default.subject)
        text = body.body or (current.body if current else default.body)
        html = body.html if body.html is not None else (current.html if current else default.html)
        validate(subject, text, html)
        names = variables(subject, text, html)
        sample = {v: f"[{v}]" for v in names if v not in body.data} | body.data
        rendered = render(subject, text, html, sample)
        tenant = await session.get(Tenant, principal.tenant_id)
        brand = brand_for(tenant.name if tenant else None, tenant.branding if tenant else None)
        mail = build_message(
            OutgoingEmail(
                to="destinatario@example.com",
                to_name=None,
                subject=rendered.subject,
                text=rendered.body,
                html=rendered.html,
                brand=brand,
                locale=body.locale,
                notification_id="preview",
            ),
            "preview@example.com",
        )
        html_part = mail.get_body(preferencelist=("html",))
        email_html = str(html_part.get_content()) if html_part is not None else ""
        return PreviewRead(
            subject=rendered.subject,
            body=rendered.body,
            html=rendered.html,
            email_html=email_html,
            variables=names,
            sample_data=sample,
        )

    @router.post(
        "/templates/versions",
        response_model=TemplateVersionRead,
        status_code=201,
        dependencies=[require(MANAGE)],
        summary="Salvar nova versão própria de um modelo",
    )
    async def create_version(
        body: TemplateVersionCreate, principal: TenantPrincipal, session: SessionDep
    ) -> TemplateVersionRead:
        if body.key not in default_templates():
            raise UnknownTemplate(f"Modelo '{body.key}' não existe.")
        validate(body.subject, body.body, body.html)
        row = await _new_version(
            session, body.key, body.locale, body.subject, body.body, body.html, principal.user_id
        )
        return TemplateVersionRead.model_validate(row)

    @router.get(
        "/templates/versions",
        response_model=list[TemplateVersionRead],
        dependencies=[require(MANAGE)],
        summary="Histórico de versões próprias",
    )
    async def list_versions(
        _p: TenantPrincipal,
        session: SessionDep,
        key: Annotated[str | None, Query(max_length=120)] = None,
        locale: Annotated[str | None, Query(max_length=10)] = None,
    ) -> list[TemplateVersionRead]:
        stmt = select(TemplateVersion).order_by(
            TemplateVersion.key, TemplateVersion.locale, TemplateVersion.version.desc()
        )
        if key:
            stmt = stmt.where(TemplateVersion.key == key)
        if locale:
            stmt = stmt.where(TemplateVersion.locale == locale)
        return [TemplateVersionRead.model_validate(r) for r in await session.scalars(stmt)]

    @router.get(
        "/templates/versions/{version_id}",
        response_model=TemplateVersionRead,
        dependencies=[require(MANAGE)],
        summary="Uma versão própria",
    )
    async def get_version(
        version_id: uuid.UUID, _p: TenantPrincipal, session: SessionDep
    ) -> TemplateVersionRead:
        return TemplateVersionRead.model_validate(await _version(session, version_id))

    @router.post(
        "/templates/versions/{version_id}/restore",
        response_model=TemplateVersionRead,
        status_code=201,
        dependencies=[require(MANAGE)],
        summary="Voltar a uma versão anterior (cria uma nova versão igual a ela)",
    )
    async def restore_version(
        version_id: uuid.UUID, principal: TenantPrincipal, session: SessionDep
    ) -> TemplateVersionRead:
        old = await _version(session, version_id)
        row = await _new_version(
            session, old.key, old.locale, old.subject, old.body, old.html, principal.user_id
        )
        return TemplateVersionRead.model_validate(row)

    @router.post(
        "/templates/versions/{version_id}/deactivate",
        response_model=TemplateVersionRead,
        dependencies=[require(MANAGE)],
        summary="Desativar uma versão (a anterior ativa, ou o padrão, volta a valer)",
    )
    async def deactivate_version(
        version_id: uuid.UUID, _p: TenantPrincipal, session: SessionDep
    ) -> TemplateVersionRead:
        row = await _version(session, version_id)
        if row.is_active:
            row.is_active = False
            await session.flush()
            audit(
                session,
                "notification_template.deactivated",
                "notification_template",
                row.id,
                after={"key": row.key, "locale": row.locale, "version": row.version},
            )
        return TemplateVersionRead.model_validate(row)

    # --- delivery log (tenant admins) --------------------------------------------------------

    @router.get(
        "/deliveries",
        response_model=Page[DeliveryRead],
        dependencies=[require(MANAGE)],
        summary="Registro de entregas",
    )
    async def list_deliveries(
        _p: TenantPrincipal,
        session: SessionDep,
        page: Annotated[int, Query(ge=1)] = 1,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
        status: Annotated[str | None, Query(description=", ".join(STATUSES))] = None,
        channel: Annotated[str | None, Query()] = None,
        notification_id: Annotated[uuid.UUID | None, Query()] = None,
    ) -> Page[DeliveryRead]:
        where = []
        if status:
            where.append(Delivery.status == status)
        if channel:
            where.append(Delivery.channel == channel)
        if notification_id:
            where.append(Delivery.notification_id == notification_id)
        stmt = (
            select(Delivery).where(*where).order_by(Delivery.created_at.desc(), Delivery.id.desc())
        )
        return await paginate(session, stmt, DeliveryRead.model_validate, page=page, limit=limit)

    @router.get(
        "/deliveries/{delivery_id}",
        response_model=DeliveryDetail,
        dependencies=[require(MANAGE)],
        summary="Uma entrega",
    )
    async def get_delivery(
        delivery_id: uuid.UUID, _p: TenantPrincipal, session: SessionDep
    ) -> DeliveryDetail:
        delivery, notification = await _delivery(session, delivery_id)
        return _detail(delivery, notification)

    @router.post(
        "/deliveries/{delivery_id}/resend",
        response_model=DeliveryDetail,
        status_code=201,
        dependencies=[require(MANAGE)],
        summary="Reenviar (nova entrega pelo mesmo canal)",
    )
    async def resend(
        delivery_id: uuid.UUID, _p: TenantPrincipal, session: SessionDep
    ) -> DeliveryDetail:
        original, notification = await _delivery(session, delivery_id)
        if original.status not in (SENT, FAILED):
            raise DeliveryNotResendable("Só entregas enviadas ou com falha podem ser reenviadas.")
        now = utcnow()
        copy = Delivery(
            notification_id=original.notification_id,
            channel=original.channel,
            address=original.address,
            status=QUEUED,
            next_attempt_at=now,
            resend_of=original.id,
            created_at=now,
            updated_at=now,
        )
        session.add(copy)
        await session.flush()
        publish(
            session,
            NotificationQueued(tenant_id=copy.tenant_id, notification_id=notification.id),
        )
        audit(
            session,
            "notification_delivery.resent",
            "notification_delivery",
            original.id,
            after={"new_delivery": str(copy.id)},
        )
        return _detail(copy, notification)

    @router.post(
        "/deliveries/{delivery_id}/cancel",
        response_model=DeliveryDetail,
        dependencies=[require(MANAGE)],
        summary="Cancelar uma entrega ainda na fila (ex.: agendada)",
    )
    async def cancel(
        delivery_id: uuid.UUID, _p: TenantPrincipal, session: SessionDep
    ) -> DeliveryDetail:
        delivery, notification = await _delivery(session, delivery_id)
        result = await session.execute(
            update(Delivery)
            .where(Delivery.id == delivery.id, Delivery.status == QUEUED)
            .values(
                status=CANCELLED,
                next_attempt_at=None,
                last_error="Cancelada manualmente.",
                updated_at=utcnow(),
            )
            .execution_options(synchronize_session=False)
        )
        if getattr(result, "rowcount", 0) != 1:
            raise DeliveryNotCancellable("Só entregas na fila podem ser canceladas.")
        await session.refresh(delivery)
        return _detail(delivery, notification)

    return router


async def count_unread(session: AsyncSession, user_id: uuid.UUID) -> int:
    total = await session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(
            Notification.user_id == user_id,
            Notification.in_app_at.is_not(None),
            Notification.read_at.is_(None),
        )
    )
    return int(total or 0)


async def mark_all_read(session: AsyncSession, user_id: uuid.UUID) -> int:
    result = await session.execute(
        update(Notification)
        .where(
            Notification.user_id == user_id,
            Notification.in_app_at.is_not(None),
            Notification.read_at.is_(None),
        )
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def _preferences(session: AsyncSession, user_id: uuid.UUID) -> PreferencesRead:
    rows = await session.scalars(
        select(Preference)
        .where(Preference.user_id == user_id)
        .order_by(Preference.category, Preference.channel)
    )
    categories = sorted({service.category_of(k) for k in default_templates()})
    return PreferencesRead(
        channels=list(service.CHANNELS),
        default_channels=sorted(service.DEFAULT_CHANNELS),
        categories=[service.ALL_CATEGORIES, *categories],
        items=[
            PreferenceRead(category=r.category, channel=r.channel, enabled=r.enabled) for r in rows
        ],
    )


async def _new_version(
    session: AsyncSession,
    key: str,
    locale: str,
    subject: str,
    body: str,
    html: str | None,
    user_id: uuid.UUID,
) -> TemplateVersion:
    latest = await session.scalar(
        select(func.max(TemplateVersion.version)).where(
            TemplateVersion.key == key, TemplateVersion.locale == locale
        )
    )
    row = TemplateVersion(
        key=key,
        locale=locale,
        version=int(latest or 0) + 1,
        subject=subject,
        body=body,
        html=html,
        is_active=True,
        created_by=user_id,
        created_at=utcnow(),
    )
    session.add(row)
    await session.flush()
    audit(
        session,
        "notification_template.versioned",
        "notification_template",
        row.id,
        after={"key": key, "locale": locale, "version": row.version},
    )
    return row


async def _version(session: AsyncSession, version_id: uuid.UUID) -> TemplateVersion:
    row = await session.scalar(select(TemplateVersion).where(TemplateVersion.id == version_id))
    if row is None:
        raise TemplateVersionNotFound("Versão de modelo não encontrada.")
    return row


async def _delivery(session: AsyncSession, delivery_id: uuid.UUID) -> tuple[Delivery, Notification]:
    delivery = await session.scalar(select(Delivery).where(Delivery.id == delivery_id))
    if delivery is None:
        raise DeliveryNotFound("Entrega não encontrada.")
    notification = await session.scalar(
        select(Notification).where(Notification.id == delivery.notification_id)
    )
    if notification is None:
        raise DeliveryNotFound("Entrega não encontrada.")
    return delivery, notification


def _detail(delivery: Delivery, notification: Notification) -> DeliveryDetail:
    return DeliveryDetail(
        **DeliveryRead.model_validate(delivery).model_dump(),
        template_key=notification.template_key,
        subject=notification.subject,
        user_id=notification.user_id,
        send_at=notification.send_at,
    )
