"""Demo data: a welcome notification in the centre of each demo tenant's admin (idempotent)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from lastro.core.auth.models import User
from lastro.core.notifications.api import Recipient, notify
from lastro.core.notifications.delivery import Deliverer
from lastro.core.notifications.models import Notification
from lastro.core.platform.models import Tenant

DEMO_SLUGS = ("demo", "acme")


async def load_demo(runtime: Any, deliverer: Deliverer) -> None:
    for slug in DEMO_SLUGS:
        async with runtime.db.unit_of_work(platform=True) as session:
            tenant = await session.scalar(select(Tenant).where(Tenant.slug == slug))
        if tenant is None:
            continue
        async with runtime.db.unit_of_work(tenant_id=tenant.id) as session:
            admin = await session.scalar(select(User).where(User.email == f"admin@{slug}.example"))
            if admin is None:
                continue
            done = await session.scalar(
                select(Notification.id).where(
                    Notification.user_id == admin.id,
                    Notification.template_key == "notifications.welcome",
                )
            )
            if done is not None:
                continue
            notification_id = await notify(
                session,
                Recipient(user_id=admin.id),
                "notifications.welcome",
                {"name": admin.name, "company": tenant.name},
                ["in_app"],
            )
        await deliverer.deliver_notification(tenant.id, notification_id)
