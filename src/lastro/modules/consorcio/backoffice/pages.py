"""Staff pages of the administradora: groups, their quotas and books, quotas with their
percentage ledger, consorciados. Billing, payments and delinquency pages live in
:mod:`.operations`; the home page in :mod:`.home`.

Every page is read-only (its transaction is rolled back); forms post to page routes that call
the owning area's service and redirect back (post/redirect/get).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import select
from starlette.responses import Response

from lastro.kit.clock import today_sp
from lastro.kit.money import brl
from lastro.modules.consorcio.backoffice import labels, queries
from lastro.modules.consorcio.backoffice.charts import line_chart
from lastro.modules.consorcio.backoffice.ledger_view import books_view, quota_ledger
from lastro.modules.consorcio.backoffice.web import (
    PAGE_SIZE,
    page_number,
    parse_uuid,
    query_without,
    staff_page,
)
from lastro.modules.consorcio.consorciados.models import Consorciado
from lastro.modules.consorcio.groups.models import Group
from lastro.modules.consorcio.quotas.models import Quota, QuotaMovement

router = APIRouter(include_in_schema=False)

T = "consorcio/backoffice/"


def _filters(request: Request, *names: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in names:
        value = (request.query_params.get(name) or "").strip()[:120]
        if value:
            out[name] = value
    return out


@router.get("/consorcio/grupos")
async def groups_page(request: Request) -> Response:
    async with staff_page(request) as staff:
        if staff.denied:
            return staff.denied
        filters = _filters(request, "q", "segment", "status")
        page = page_number(request)
        rows, total = await queries.page_of(
            staff.session, queries.groups_stmt(filters), page=page, size=PAGE_SIZE
        )
        prices = await queries.prices_on(staff.session, today_sp())
        return staff.render(
            T + "groups.html",
            {
                "rows": [
                    {
                        "group": g,
                        "active": active,
                        "late": late,
                        "price": prices.get(g.id),
                        "segment": labels.label(labels.SEGMENTS, g.segment),
                        "status": labels.badge(labels.GROUP_STATUS, g.status),
                    }
                    for g, active, late in rows
                ],
                "total": total,
                "page": page,
                "size": PAGE_SIZE,
                "filters": filters,
                "segments": labels.SEGMENTS,
                "statuses": {k: v[0] for k, v in labels.GROUP_STATUS.items()},
                "base_query": query_without(request, "page"),
                "export_query": query_without(request, "page"),
            },
        )


@router.get("/consorcio/grupos/{group_id}")
async def group_page(request: Request, group_id: str) -> Response:
    async with staff_page(request) as staff:
        if staff.denied:
            return staff.denied
        gid = parse_uuid(group_id)
        group = await staff.session.get(Group, (staff.tenant_id, gid)) if gid else None
        if group is None:
            return staff.not_found("O grupo")
        today = today_sp()
        rules = await queries.group_rules(staff.session, group.id)
        prices = await queries.group_prices(staff.session, group.id)
        current = next((p for p in reversed(prices) if p.effective_on <= today), None)
        page = page_number(request)
        filters = {"group_id": group.id, **_filters(request, "status", "collection_flag", "q")}
        rows, total = await queries.page_of(
            staff.session, queries.quotas_stmt(filters), page=page, size=PAGE_SIZE
        )
        counts = await queries.quota_counts(staff.session, group_id=group.id)
        chart = (
            line_chart(
                "Preço do bem de referência",
                [(p.effective_on.strftime("%d/%m/%y"), p.price, brl(p.price)) for p in prices],
                from_zero=False,
            )
            if prices
            else None
        )
        return staff.render(
            T + "group.html",
            {
                "group": group,
                "segment": labels.label(labels.SEGMENTS, group.segment),
                "status": labels.badge(labels.GROUP_STATUS, group.status),
                "regime": labels.label(labels.REGIMES, group.regime),
                "price_index": labels.label(labels.PRICE_INDEX, group.price_index),
                "labels": labels,
                "rules": rules,
                "rules_now": next((r for r in rules if r.effective_from <= today), None),
                "prices": list(reversed(prices)),
                "current_price": current,
                "price_chart": chart,
                "quotas": queries.quota_rows(rows),
                "total": total,
                "page": page,
                "size": PAGE_SIZE,
                "counts": counts,
                "quota_status": labels.QUOTA_STATUS,
                "collection": labels.COLLECTION,
                "filters": filters,
                "base_query": query_without(request, "page"),
                "export_query": query_without(request, "page", group_id=group.id),
            },
        )


@router.get("/consorcio/grupos/{group_id}/contabilidade")
async def group_books_page(request: Request, group_id: str) -> Response:
    async with staff_page(request) as staff:
        if staff.denied:
            return staff.denied
        gid = parse_uuid(group_id)
        group = await staff.session.get(Group, (staff.tenant_id, gid)) if gid else None
        if group is None:
            return staff.not_found("O grupo")
        view = await books_view(staff.session, group, days=_days(request))
        return staff.render(T + "books.html", {"group": group, **view})


def _days(request: Request) -> int:
    try:
        return max(7, min(730, int(request.query_params.get("dias", "90"))))
    except ValueError:
        return 90


@router.get("/consorcio/cotas")
async def quotas_page(request: Request) -> Response:
    async with staff_page(request) as staff:
        if staff.denied:
            return staff.denied
        filters = _filters(request, "q", "status", "collection_flag", "group_id")
        if "group_id" in filters and parse_uuid(filters["group_id"]) is None:
            filters.pop("group_id")
        page = page_number(request)
        stmt_filters = dict(filters)
        if "group_id" in stmt_filters:
            stmt_filters["group_id"] = parse_uuid(stmt_filters["group_id"])
        rows, total = await queries.page_of(
            staff.session, queries.quotas_stmt(stmt_filters), page=page, size=PAGE_SIZE
        )
        groups = (
            await staff.session.execute(select(Group.id, Group.code).order_by(Group.code))
        ).all()
        return staff.render(
            T + "quotas.html",
            {
                "quotas": queries.quota_rows(rows),
                "total": total,
                "page": page,
                "size": PAGE_SIZE,
                "filters": filters,
                "groups": groups,
                "quota_status": labels.QUOTA_STATUS,
                "collection": labels.COLLECTION,
                "base_query": query_without(request, "page"),
                "export_query": query_without(request, "page"),
            },
        )


@router.get("/consorcio/cotas/{quota_id}")
async def quota_page(request: Request, quota_id: str) -> Response:
    async with staff_page(request) as staff:
        if staff.denied:
            return staff.denied
        qid = parse_uuid(quota_id)
        quota = await staff.session.get(Quota, (staff.tenant_id, qid)) if qid else None
        if quota is None:
            return staff.not_found("A cota")
        group = await staff.session.get(Group, (staff.tenant_id, quota.group_id))
        holder = await staff.session.get(Consorciado, (staff.tenant_id, quota.consorciado_id))
        assert group is not None and holder is not None
        versions = list(
            await staff.session.scalars(
                select(Quota)
                .where(Quota.group_id == quota.group_id, Quota.number == quota.number)
                .order_by(Quota.version)
            )
        )
        ledger = await quota_ledger(staff.session, quota)
        return staff.render(
            T + "quota.html",
            {
                "quota": quota,
                "group": group,
                "holder": holder,
                "versions": versions,
                "status": labels.badge(labels.QUOTA_STATUS, quota.status),
                "collection": labels.badge(labels.COLLECTION, quota.collection_flag),
                "segment": labels.label(labels.SEGMENTS, group.segment),
                "labels": labels,
                **ledger,
            },
        )


@router.get("/consorcio/consorciados")
async def consorciados_page(request: Request) -> Response:
    async with staff_page(request) as staff:
        if staff.denied:
            return staff.denied
        filters = _filters(request, "q", "kind")
        page = page_number(request)
        rows, total = await queries.page_of(
            staff.session, queries.consorciados_stmt(filters), page=page, size=PAGE_SIZE
        )
        return staff.render(
            T + "consorciados.html",
            {
                "rows": rows,
                "total": total,
                "page": page,
                "size": PAGE_SIZE,
                "filters": filters,
                "base_query": query_without(request, "page"),
                "export_query": query_without(request, "page"),
            },
        )


@router.get("/consorcio/consorciados/{consorciado_id}")
async def consorciado_page(request: Request, consorciado_id: str) -> Response:
    async with staff_page(request) as staff:
        if staff.denied:
            return staff.denied
        cid = parse_uuid(consorciado_id)
        holder = await staff.session.get(Consorciado, (staff.tenant_id, cid)) if cid else None
        if holder is None:
            return staff.not_found("O consorciado")
        rows, total = await queries.page_of(
            staff.session,
            queries.quotas_stmt({"consorciado_id": holder.id}),
            page=1,
            size=200,
        )
        quota_ids = [r[0].id for r in rows]
        payments = (
            list(
                await staff.session.scalars(
                    select(QuotaMovement)
                    .where(
                        QuotaMovement.quota_id.in_(quota_ids),
                        QuotaMovement.kind.in_(("payment", "antecipacao", "lance")),
                    )
                    .order_by(QuotaMovement.effective_on.desc(), QuotaMovement.id.desc())
                    .limit(24)
                )
            )
            if quota_ids
            else []
        )
        numbers = {r[0].id: f"{r[1]} / {r[0].number:03d}" for r in rows}
        return staff.render(
            T + "consorciado.html",
            {
                "holder": holder,
                "quotas": queries.quota_rows(rows),
                "total": total,
                "payments": payments,
                "numbers": numbers,
                "quota_status": labels.QUOTA_STATUS,
                "collection": labels.COLLECTION,
            },
        )
