"""Read-only queries behind the staff pages over the foundation tables (groups, quotas,
consorciados). The tenancy guard scopes every statement to the bound tenant; nothing here
filters by tenant itself. Lists return one page plus the total."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from lastro.br.documents import normalize_document
from lastro.core.exports.registry import AnySelect
from lastro.modules.consorcio.consorciados.models import Consorciado
from lastro.modules.consorcio.groups.models import Group, GroupPrice, GroupRuleVersion
from lastro.modules.consorcio.quotas.models import Quota, QuotaPosition

ACTIVE_QUOTA = ("ativa", "contemplada")


async def page_of(
    session: AsyncSession, stmt: AnySelect, *, page: int, size: int
) -> tuple[list[Any], int]:
    """Rows (tuples) of one page and the total across pages."""
    total = int(
        await session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    )
    rows = (await session.execute(stmt.offset((page - 1) * size).limit(size))).all()
    return list(rows), total


def price_on(day: date) -> AnySelect:
    """(group_id, price) of every group's price in force on ``day``."""
    latest = (
        select(GroupPrice.group_id, func.max(GroupPrice.effective_on).label("effective_on"))
        .where(GroupPrice.effective_on <= day)
        .group_by(GroupPrice.group_id)
        .subquery()
    )
    stmt: AnySelect = select(GroupPrice.group_id, GroupPrice.price, GroupPrice.effective_on)
    return stmt.join(
        latest,
        and_(
            GroupPrice.group_id == latest.c.group_id,
            GroupPrice.effective_on == latest.c.effective_on,
        ),
    )


async def prices_on(session: AsyncSession, day: date) -> dict[uuid.UUID, Decimal]:
    return {gid: price for gid, price, _ in (await session.execute(price_on(day))).all()}


def groups_stmt(filters: Mapping[str, Any]) -> AnySelect:
    counts = (
        select(
            Quota.group_id,
            func.count().filter(Quota.status.in_(ACTIVE_QUOTA)).label("active"),
            func.count()
            .filter(Quota.collection_flag != "em_dia", Quota.status.in_(ACTIVE_QUOTA))
            .label("late"),
        )
        .group_by(Quota.group_id)
        .subquery()
    )
    stmt: AnySelect = (
        select(
            Group,
            func.coalesce(counts.c.active, 0).label("active"),
            func.coalesce(counts.c.late, 0).label("late"),
        )
        .outerjoin(counts, counts.c.group_id == Group.id)
        .order_by(Group.code)
    )
    if filters.get("segment"):
        stmt = stmt.where(Group.segment == filters["segment"])
    if filters.get("status"):
        stmt = stmt.where(Group.status == filters["status"])
    if filters.get("q"):
        like = f"%{filters['q']}%"
        stmt = stmt.where(or_(Group.code.ilike(like), Group.name.ilike(like)))
    return stmt


@dataclass(frozen=True)
class QuotaRow:
    quota: Quota
    group_code: str
    holder_name: str
    holder_document: str
    position: QuotaPosition | None


def quotas_stmt(filters: Mapping[str, Any]) -> AnySelect:
    stmt: AnySelect = (
        select(Quota, Group.code, Consorciado.name, Consorciado.document, QuotaPosition)
        .join(Group, Group.id == Quota.group_id)
        .join(Consorciado, Consorciado.id == Quota.consorciado_id)
        .outerjoin(QuotaPosition, QuotaPosition.quota_id == Quota.id)
        .order_by(Group.code, Quota.number, Quota.version)
    )
    if filters.get("group_id"):
        stmt = stmt.where(Quota.group_id == filters["group_id"])
    if filters.get("status"):
        stmt = stmt.where(Quota.status == filters["status"])
    if filters.get("collection_flag"):
        stmt = stmt.where(Quota.collection_flag == filters["collection_flag"])
    if filters.get("consorciado_id"):
        stmt = stmt.where(Quota.consorciado_id == filters["consorciado_id"])
    if filters.get("q"):
        q = str(filters["q"]).strip()
        like = f"%{q}%"
        digits = normalize_document(q)
        conds: list[ColumnElement[bool]] = [Consorciado.name.ilike(like), Group.code.ilike(like)]
        if digits:
            conds.append(Consorciado.document.like(f"%{digits}%"))
        if q.isdigit():
            conds.append(Quota.number == int(q))
        stmt = stmt.where(or_(*conds))
    return stmt


def quota_rows(rows: list[Any]) -> list[QuotaRow]:
    return [QuotaRow(q, code, name, doc, pos) for q, code, name, doc, pos in rows]


def consorciados_stmt(filters: Mapping[str, Any]) -> AnySelect:
    counts = (
        select(
            Quota.consorciado_id,
            func.count().label("quotas"),
            func.count().filter(Quota.status.in_(ACTIVE_QUOTA)).label("active"),
        )
        .group_by(Quota.consorciado_id)
        .subquery()
    )
    stmt: AnySelect = (
        select(
            Consorciado,
            func.coalesce(counts.c.quotas, 0).label("quotas"),
            func.coalesce(counts.c.active, 0).label("active"),
        )
        .outerjoin(counts, counts.c.consorciado_id == Consorciado.id)
        .order_by(Consorciado.name, Consorciado.id)
    )
    if filters.get("kind"):
        stmt = stmt.where(Consorciado.kind == filters["kind"])
    if filters.get("q"):
        q = str(filters["q"]).strip()
        conds: list[ColumnElement[bool]] = [
            Consorciado.name.ilike(f"%{q}%"),
            Consorciado.email.ilike(f"%{q}%"),
        ]
        digits = normalize_document(q)
        if digits:
            conds.append(Consorciado.document.like(f"%{digits}%"))
        stmt = stmt.where(or_(*conds))
    return stmt


async def group_rules(session: AsyncSession, group_id: uuid.UUID) -> list[GroupRuleVersion]:
    return list(
        await session.scalars(
            select(GroupRuleVersion)
            .where(GroupRuleVersion.group_id == group_id)
            .order_by(GroupRuleVersion.effective_from.desc())
        )
    )


async def rules_on(
    session: AsyncSession, group_id: uuid.UUID, day: date
) -> GroupRuleVersion | None:
    return await session.scalar(
        select(GroupRuleVersion)
        .where(GroupRuleVersion.group_id == group_id, GroupRuleVersion.effective_from <= day)
        .order_by(GroupRuleVersion.effective_from.desc())
        .limit(1)
    )


async def group_prices(session: AsyncSession, group_id: uuid.UUID) -> list[GroupPrice]:
    return list(
        await session.scalars(
            select(GroupPrice)
            .where(GroupPrice.group_id == group_id)
            .order_by(GroupPrice.effective_on)
        )
    )


async def quota_counts(session: AsyncSession, **where: Any) -> dict[str, int]:
    """Quotas per lifecycle status (optionally within one group)."""
    stmt = select(Quota.status, func.count()).group_by(Quota.status)
    if "group_id" in where:
        stmt = stmt.where(Quota.group_id == where["group_id"])
    return {s: int(n) for s, n in (await session.execute(stmt)).all()}


async def collection_counts(session: AsyncSession) -> dict[str, int]:
    """Active quotas per collection flag."""
    stmt = (
        select(Quota.collection_flag, func.count())
        .where(Quota.status.in_(ACTIVE_QUOTA))
        .group_by(Quota.collection_flag)
    )
    return {s: int(n) for s, n in (await session.execute(stmt)).all()}


async def segment_counts(session: AsyncSession) -> list[tuple[str, int, int]]:
    """(segment, groups, active quotas)."""
    groups = dict(
        (await session.execute(select(Group.segment, func.count()).group_by(Group.segment))).all()
    )
    quotas = dict(
        (
            await session.execute(
                select(Group.segment, func.count())
                .join(Quota, Quota.group_id == Group.id)
                .where(Quota.status.in_(ACTIVE_QUOTA))
                .group_by(Group.segment)
            )
        ).all()
    )
    return sorted(
        ((s, int(n), int(quotas.get(s, 0))) for s, n in groups.items()), key=lambda r: -r[2]
    )
