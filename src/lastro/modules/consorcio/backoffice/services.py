"""The back-office's calls into the other consorcio areas (billing, payments, delinquency,
quotas), in one place: the pages never reach into another area's internals elsewhere.

Forms check the owning area's own permission (starting a billing run needs
``consorcio.billing.manage``; importing a retorno ``consorcio.payments.write``), so a page
never lets someone do what the API would refuse them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from lastro.core.config.service import get_settings_for
from lastro.kit.errors import LastroError
from lastro.modules.consorcio.backoffice import labels
from lastro.modules.consorcio.billing import run as run_service
from lastro.modules.consorcio.billing.errors import BillingRunBusy
from lastro.modules.consorcio.billing.models import BillingRun, Charge
from lastro.modules.consorcio.billing.settings import AreaSettings as BillingSettings
from lastro.modules.consorcio.delinquency import service as delinquency
from lastro.modules.consorcio.groups.models import Group
from lastro.modules.consorcio.payments import retorno
from lastro.modules.consorcio.payments.models import Payment, PaymentException, RetornoImport
from lastro.modules.consorcio.quotas import ledger as quota_ledger
from lastro.modules.consorcio.quotas.models import Quota

if TYPE_CHECKING:
    from lastro.modules.consorcio.backoffice.web import Staff

BILLING_MANAGE = "consorcio.billing.manage"
PAYMENTS_WRITE = "consorcio.payments.write"
BILLING_RUN_JOB = "consorcio.billing.run"


# --- billing ------------------------------------------------------------------------------


@dataclass(frozen=True)
class StartedRun:
    month: str
    inline: bool


async def start_billing_run(staff: Staff, month: str) -> StartedRun:
    """Bill ``month`` like ``POST /billing/runs`` does: right away for a small portfolio,
    otherwise as a background job whose progress the runs page shows."""
    run_service.validate_month(month)
    session = staff.session
    cfg = await get_settings_for(session, "consorcio", BillingSettings, cache=staff.runtime.cache)
    billable = int(
        await session.scalar(
            select(func.count())
            .select_from(Quota)
            .where(Quota.status.in_(run_service.BILLABLE_QUOTA_STATUSES))
        )
        or 0
    )
    await session.rollback()  # the run keeps its own transactions
    db, tenant_id = staff.runtime.db, staff.tenant_id
    if billable <= cfg.billing_inline_max_quotas:
        await run_service.execute_run(
            db, tenant_id, month, settings=cfg, trigger="api", requested_by=staff.user_id
        )
        return StartedRun(month, inline=True)
    async with db.unit_of_work(tenant_id=tenant_id) as own:
        run = await run_service.get_or_create_run(
            own, month, trigger="api", requested_by=staff.user_id
        )
        if run.status == "running":
            raise BillingRunBusy(
                f"O faturamento de {month} já está em execução; acompanhe o progresso."
            )
        run.status = "pending"
    await staff.runtime.jobs.enqueue(
        BILLING_RUN_JOB,
        {
            "tenant_id": str(tenant_id),
            "month": month,
            "trigger": "api",
            "requested_by": str(staff.user_id),
            "issue_date": None,
        },
    )
    return StartedRun(month, inline=False)


def run_progress(run: BillingRun) -> int:
    if run.status == "completed":
        return 100
    if not run.quotas_total:
        return 0
    return min(100, int(run.quotas_done * 100 / run.quotas_total))


def boleto_pdf_url(charge: Charge) -> str:
    return f"/api/v1/consorcio/quotas/{charge.quota_id}/charges/{charge.id}/pdf"


# --- payments -----------------------------------------------------------------------------


async def list_imports(
    session: AsyncSession, *, page: int, size: int
) -> tuple[list[RetornoImport], int]:
    total = int(await session.scalar(select(func.count()).select_from(RetornoImport)) or 0)
    rows = list(
        await session.scalars(
            select(RetornoImport)
            .order_by(RetornoImport.created_at.desc(), RetornoImport.id.desc())
            .offset((page - 1) * size)
            .limit(size)
        )
    )
    return rows, total


@dataclass(frozen=True)
class PaymentLine:
    paid_on: date
    quota_id: uuid.UUID
    quota_label: str
    source: str
    amount: Decimal
    fine: Decimal
    interest: Decimal
    reference: str
    days_late: int


def _payment_lines(rows: list[Any]) -> list[PaymentLine]:
    return [
        PaymentLine(
            paid_on=p.paid_on,
            quota_id=p.quota_id,
            quota_label=f"{code} / {number:03d}",
            source=labels.label(labels.PAYMENT_SOURCE, p.source),
            amount=p.amount,
            fine=p.fine_amount,
            interest=p.interest_amount,
            reference=p.reference,
            days_late=p.days_late,
        )
        for p, code, number in rows
    ]


def _payments_stmt() -> Any:
    return (
        select(Payment, Group.code, Quota.number)
        .join(Quota, Quota.id == Payment.quota_id)
        .join(Group, Group.id == Payment.group_id)
    )


async def recent_payments(session: AsyncSession, *, limit: int) -> list[PaymentLine]:
    rows = (
        await session.execute(
            _payments_stmt()
            .order_by(Payment.created_at.desc(), Payment.paid_on.desc(), Payment.id.desc())
            .limit(limit)
        )
    ).all()
    return _payment_lines(list(rows))


async def quota_payments(session: AsyncSession, quota_id: uuid.UUID) -> list[PaymentLine]:
    rows = (
        await session.execute(
            _payments_stmt()
            .where(Payment.quota_id == quota_id)
            .order_by(Payment.paid_on.desc(), Payment.created_at.desc())
            .limit(120)
        )
    ).all()
    return _payment_lines(list(rows))


async def import_retorno(staff: Staff, content: bytes, *, filename: str) -> uuid.UUID:
    """Import in the page's transaction (the same file again answers with its first import)."""
    report = await retorno.import_file(
        staff.session, content, filename=filename[:200], actor=staff.user_id
    )
    return report.id


async def get_import(session: AsyncSession, import_id: uuid.UUID) -> dict[str, Any] | None:
    row = await session.scalar(select(RetornoImport).where(RetornoImport.id == import_id))
    if row is None:
        return None
    exceptions = list(
        await session.scalars(
            select(PaymentException)
            .where(PaymentException.import_id == row.id)
            .order_by(PaymentException.line_no, PaymentException.created_at)
        )
    )
    payments = (
        await session.execute(
            _payments_stmt().where(Payment.import_id == row.id).order_by(Payment.line_no).limit(500)
        )
    ).all()
    return {
        "imp": row,
        "exceptions": exceptions,
        "payments": _payment_lines(list(payments)),
        "reasons": {
            "UNKNOWN_NOSSO_NUMERO": "Nosso número desconhecido",
            "BANK_REJECTED": "Rejeitado pelo banco",
        },
    }


# --- delinquency --------------------------------------------------------------------------


async def delinquency_summary(session: AsyncSession, today: date) -> Any:
    return await delinquency.summary(session, today)


async def delinquency_list(
    session: AsyncSession,
    today: date,
    *,
    stage: str | None,
    group_id: uuid.UUID | None,
    page: int,
    size: int,
) -> Any:
    return await delinquency.delinquency_page(
        session, today, stage=stage or None, group_id=group_id, page=page, limit=size
    )


@dataclass(frozen=True)
class Debts:
    principal: Decimal
    fine: Decimal
    interest: Decimal
    total: Decimal
    installments: int


async def amount_due_today(session: AsyncSession, quota_id: uuid.UUID, today: date) -> Debts | None:
    try:
        debts = await delinquency.amount_due(session, quota_id, today)
    except LastroError:
        return None
    if not debts.items:
        return None
    return Debts(debts.principal, debts.fine, debts.interest, debts.total, len(debts.items))


# --- quota ledger -------------------------------------------------------------------------

COMPONENT_LABELS = (
    ("fc", "Fundo comum"),
    ("ta", "Taxa de administração"),
    ("fr", "Fundo de reserva"),
    ("ins", "Seguro"),
)
PLAN_LABELS = {
    "normal": "Plano normal",
    "late_joiner": "Adesão com o grupo em andamento: o total é diluído no prazo restante",
    "reduced": "Parcela reduzida: o fundo comum não pago acumula um residual",
}


@dataclass(frozen=True)
class ComponentView:
    key: str
    label: str
    total: Decimal
    paid: Decimal
    ideal: Decimal
    balance: Decimal
    arrears: Decimal  # > 0 late, < 0 ahead
    balance_amount: Decimal


@dataclass(frozen=True)
class LedgerView:
    month: int
    credit: Decimal
    components: list[ComponentView]
    total: Decimal
    paid: Decimal
    ideal: Decimal
    balance: Decimal
    arrears: Decimal
    balance_amount: Decimal
    installment_pct: Decimal
    installment_amount: Decimal
    plan_note: str


async def ledger_state(session: AsyncSession, quota_id: uuid.UUID, today: date) -> LedgerView:
    """The quotas area's percentage ledger on ``today``, shaped for the page."""
    state = await quota_ledger.ledger_state(session, quota_id, on=today)
    comps = []
    for key, label in COMPONENT_LABELS:
        line = state.lines[key]
        if key == "ins" and not line.total and not line.paid:
            continue
        comps.append(
            ComponentView(
                key=key,
                label=label,
                total=line.total,
                paid=line.paid,
                ideal=line.ideal,
                balance=line.balance,
                arrears=line.arrears - line.advance,
                balance_amount=state.money(line.balance),
            )
        )
    total = state.total
    note = PLAN_LABELS.get(state.plan, state.plan)
    if state.residual_fc:
        note += f" (residual do fundo comum: {state.residual_fc.normalize():f} %)".replace(".", ",")
    return LedgerView(
        month=state.month,
        credit=state.credit,
        components=comps,
        total=total.total,
        paid=total.paid,
        ideal=total.ideal,
        balance=total.balance,
        arrears=total.arrears - total.advance,
        balance_amount=state.money(total.balance),
        installment_pct=state.installment.total,
        installment_amount=quota_ledger.installment_money(state),
        plan_note=note,
    )
