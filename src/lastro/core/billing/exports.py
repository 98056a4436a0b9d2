"""The tenant's invoices as an export source (CSV, XLSX, PDF), with the filters of
``GET /api/v1/invoices``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from lastro.core.billing.models import Invoice
from lastro.core.exports.registry import AnySelect, Column, Filter, register_export


def _invoices(filters: Mapping[str, Any]) -> AnySelect:
    stmt: AnySelect = select(
        Invoice.number,
        Invoice.period_start,
        Invoice.period_end,
        Invoice.issue_date,
        Invoice.due_date,
        Invoice.status,
        Invoice.total,
        Invoice.paid_at,
        Invoice.boleto_line,
    ).order_by(Invoice.issue_date.desc(), Invoice.number.desc())
    if "status" in filters:
        stmt = stmt.where(Invoice.status == filters["status"])
    if "since" in filters:
        stmt = stmt.where(Invoice.issue_date >= filters["since"])
    if "until" in filters:
        stmt = stmt.where(Invoice.issue_date < filters["until"])
    return stmt


INVOICES = register_export(
    "invoices",
    [
        Column("number", "Fatura", width=14),
        Column("period_start", "Início do período", "date", width=12),
        Column("period_end", "Fim do período", "date", width=12),
        Column("issue_date", "Emissão", "date", width=12),
        Column("due_date", "Vencimento", "date", width=12),
        Column("status", "Situação", width=10),
        Column("total", "Valor (R$)", "decimal", width=14),
        Column("paid_at", "Paga em", "datetime", width=19),
        Column("boleto_line", "Linha digitável", width=50),
    ],
    _invoices,
    "tenant.settings",
    title="Faturas",
    filters=[
        Filter("status", "Situação"),
        Filter("since", "Emitidas a partir de", "date"),
        Filter("until", "Emitidas antes de", "date"),
    ],
)
