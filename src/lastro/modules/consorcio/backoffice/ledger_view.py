"""What the group-books page and the quota page show, gathered from the owning areas'
services (the group's books from the core ledger, the quota's percentage ledger, its
installments, charges and payments)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lastro.kit.clock import today_sp
from lastro.kit.errors import LastroError
from lastro.kit.money import brl
from lastro.modules.consorcio.backoffice import labels
from lastro.modules.consorcio.backoffice import services as area_services
from lastro.modules.consorcio.backoffice.charts import line_chart
from lastro.modules.consorcio.billing.models import Charge, ChargeItem, Installment
from lastro.modules.consorcio.groups import books
from lastro.modules.consorcio.groups.models import Group, GroupBookPosting
from lastro.modules.consorcio.quotas.models import Quota, QuotaMovement

# the accounts whose daily balance is charted, in this order
CHARTED = (
    (books.G_BANK, "Saldo diário em bancos"),
    (books.G_COMMON_FUND, "Fundo comum"),
    (books.G_RESERVE_FUND, "Fundo de reserva"),
)
BOOK_COMPONENTS = {
    "fc": "Fundo comum",
    "ta": "Taxa adm.",
    "fr": "F. reserva",
    "seguro": "Seguro",
    "multa": "Multa",
    "juros": "Juros",
    "multa_grupo": "Multa (grupo)",
    "juros_grupo": "Juros (grupo)",
    "multa_adm": "Multa (adm.)",
    "juros_adm": "Juros (adm.)",
}


async def books_view(session: AsyncSession, group: Group, *, days: int) -> dict[str, Any]:
    today = today_sp()
    since = today - timedelta(days=days - 1)
    postings = list(
        await session.scalars(
            select(GroupBookPosting)
            .where(GroupBookPosting.group_id == group.id)
            .order_by(GroupBookPosting.paid_on.desc(), GroupBookPosting.created_at.desc())
            .limit(30)
        )
    )
    if group.ledger_id is None:
        return {"book": None, "postings": postings, "days": days, "components": BOOK_COMPONENTS}
    view = await books.books_view(session, group, since, today)
    charts = []
    for code, title in CHARTED:
        points = [
            (d.strftime("%d/%m"), values.get(code, Decimal(0)), brl(values.get(code, Decimal(0))))
            for d, values in view.daily
        ]
        if points:
            charts.append((code, line_chart(title, points, label_every=max(1, len(points) // 9))))
    by_type: dict[str, Decimal] = {}
    for account in view.accounts:
        by_type[account.type] = by_type.get(account.type, Decimal(0)) + account.balance
    return {
        "book": view.ledger,
        "accounts": view.accounts,
        "by_type": by_type,
        "charts": charts,
        "postings": postings,
        "components": BOOK_COMPONENTS,
        "days": days,
        "since": since,
        "until": today,
        "account_types": {
            "asset": "Ativo",
            "liability": "Passivo",
            "equity": "Patrimônio do grupo",
            "revenue": "Receita",
            "expense": "Despesa",
        },
    }


async def quota_ledger(session: AsyncSession, quota: Quota) -> dict[str, Any]:
    """Percentage ledger per component, installments, charges (boleto/PIX) and payments."""
    today = today_sp()
    try:
        state = await area_services.ledger_state(session, quota.id, today)
    except LastroError:
        state = None
    installments = list(
        await session.scalars(
            select(Installment)
            .where(Installment.quota_id == quota.id)
            .order_by(Installment.number.desc())
        )
    )
    charges = list(
        await session.scalars(
            select(Charge)
            .where(Charge.quota_id == quota.id)
            .order_by(Charge.due_date.desc(), Charge.created_at.desc())
            .limit(60)
        )
    )
    covered: dict[Any, list[int]] = {}
    if charges:
        numbers = dict(
            (
                await session.execute(
                    select(Installment.id, Installment.number).where(
                        Installment.quota_id == quota.id
                    )
                )
            ).all()
        )
        for charge_id, installment_id in (
            await session.execute(
                select(ChargeItem.charge_id, ChargeItem.installment_id).where(
                    ChargeItem.charge_id.in_([c.id for c in charges])
                )
            )
        ).all():
            covered.setdefault(charge_id, []).append(numbers.get(installment_id, 0))
    movements = list(
        await session.scalars(
            select(QuotaMovement)
            .where(QuotaMovement.quota_id == quota.id)
            .order_by(QuotaMovement.effective_on.desc(), QuotaMovement.created_at.desc())
            .limit(120)
        )
    )
    payments = await area_services.quota_payments(session, quota.id)
    debts = await area_services.amount_due_today(session, quota.id, today)
    return {
        "state": state,
        "installments": [
            (i, labels.badge(labels.INSTALLMENT_STATUS, _installment_status(i, today)))
            for i in installments
        ],
        "charges": [
            {
                "charge": c,
                "kind": labels.label(labels.CHARGE_KIND, c.kind),
                "status": labels.badge(labels.INSTALLMENT_STATUS, c.status),
                "covers": sorted(covered.get(c.id, [])),
                "pdf": area_services.boleto_pdf_url(c),
            }
            for c in charges
        ],
        "movements": movements,
        "payments": payments,
        "debts": debts,
        "today": today,
    }


def _installment_status(installment: Installment, today: Any) -> str:
    if installment.status in ("open", "partial") and installment.due_date < today:
        return "overdue"
    return installment.status
