"""Feature flags for gradual roll-outs, evaluated for the bound tenant.

Order: a tenant on ``disabled_tenants`` is off; on ``enabled_tenants`` on; a tenant whose plan
is in ``enabled_plans`` on; then a stable bucket of the tenant (SHA-256 of flag key and tenant
id) under ``rollout_percentage`` on; otherwise ``default_enabled``. Raising the percentage only
adds tenants, and each flag picks a different slice of tenants.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import asdict, dataclass

import orjson
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lastro.core.billing.models import Plan, Subscription
from lastro.core.config.cache import current_cache
from lastro.core.config.models import FeatureFlag
from lastro.core.tenancy import TenancyNotBound
from lastro.infra.cache import Cache
from lastro.infra.database import bound_tenant

DEFINITIONS_KEY = "config:flags"
DEFINITIONS_TTL = 300.0
PLAN_TTL = 60.0  # a plan change reaches flags within a minute


@dataclass(frozen=True)
class FlagRule:
    key: str
    default_enabled: bool = False
    enabled_plans: tuple[str, ...] = ()
    enabled_tenants: tuple[str, ...] = ()
    disabled_tenants: tuple[str, ...] = ()
    rollout_percentage: int = 0

    @classmethod
    def of(cls, flag: FeatureFlag) -> FlagRule:
        return cls(
            key=flag.key,
            default_enabled=flag.default_enabled,
            enabled_plans=tuple(flag.enabled_plans or ()),
            enabled_tenants=tuple(flag.enabled_tenants or ()),
            disabled_tenants=tuple(flag.disabled_tenants or ()),
            rollout_percentage=flag.rollout_percentage,
        )


def bucket(key: str, tenant_id: uuid.UUID) -> float:
    """The tenant's place in [0, 100) for ``key``, with 0.01 resolution; never changes."""
    digest = hashlib.sha256(f"{key}:{tenant_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % 10_000 / 100


def evaluate(rule: FlagRule, tenant_id: uuid.UUID, plan: str | None) -> bool:
    tenant = str(tenant_id)
    if tenant in rule.disabled_tenants:
        return False
    if tenant in rule.enabled_tenants:
        return True
    if plan is not None and plan in rule.enabled_plans:
        return True
    if rule.rollout_percentage > 0 and bucket(rule.key, tenant_id) < rule.rollout_percentage:
        return True
    return rule.default_enabled


async def rules(session: AsyncSession, *, cache: Cache | None = None) -> list[FlagRule]:
    store = current_cache(cache)
    raw = await store.get(DEFINITIONS_KEY)
    if raw is not None:
        return [
            FlagRule(
                **{
                    **item,
                    **{
                        k: tuple(item[k])
                        for k in ("enabled_plans", "enabled_tenants", "disabled_tenants")
                    },
                }
            )
            for item in orjson.loads(raw)
        ]
    found = [FlagRule.of(f) for f in await session.scalars(select(FeatureFlag))]
    payload = [asdict(r) for r in found]
    await store.set(DEFINITIONS_KEY, orjson.dumps(payload), ttl=DEFINITIONS_TTL)
    return found


async def tenant_plan(session: AsyncSession, *, cache: Cache | None = None) -> str | None:
    """The bound tenant's plan code (cached briefly), None without a subscription."""
    tenant_id = _tenant(session)
    store = current_cache(cache)
    key = f"config:plan:{tenant_id}"
    raw = await store.get(key)
    if raw is not None:
        return raw.decode() or None
    code = await session.scalar(
        select(Plan.code).join(Subscription, Subscription.plan_id == Plan.id)
    )
    await store.set(key, (code or "").encode(), ttl=PLAN_TTL)
    return code


def _tenant(session: AsyncSession) -> uuid.UUID:
    tenant_id = bound_tenant(session)
    if tenant_id is None:
        raise TenancyNotBound("Feature flags são avaliadas para o cliente vinculado à sessão.")
    return tenant_id


async def evaluated_flags(session: AsyncSession, *, cache: Cache | None = None) -> dict[str, bool]:
    tenant_id = _tenant(session)
    plan = await tenant_plan(session, cache=cache)
    return {r.key: evaluate(r, tenant_id, plan) for r in await rules(session, cache=cache)}


async def is_enabled(session: AsyncSession, key: str, *, cache: Cache | None = None) -> bool:
    """Whether flag ``key`` is on for the bound tenant; an unknown flag is off."""
    tenant_id = _tenant(session)
    rule = next((r for r in await rules(session, cache=cache) if r.key == key), None)
    if rule is None:
        return False
    return evaluate(rule, tenant_id, await tenant_plan(session, cache=cache))
