"""Charges on demand for one quota: antecipação, quitação, avulso and segunda via; reading a
quota's charges; the boleto PDF.

Each charge is a registered boleto (a nosso número from the collecting account) plus a dynamic
PIX charge; it goes to the bank in the next remessa. No fee is ever added for issuing a boleto.

What the payments area reads from a charge: ``breakdown["percent"]`` (antecipação, quitação:
the percent of the price the payment settles, per component), ``breakdown["price"]`` (the
quota's credit used) and the items (installments covered, with fine and interest).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from lastro.br.boleto import parse_boleto
from lastro.br.calendar import bank_calendar
from lastro.br.documents import format_cnpj, format_cpf
from lastro.br.pdf import BoletoDocument, boleto_pdf
from lastro.kit.clock import today_sp, utcnow
from lastro.kit.ids import new_id
from lastro.modules.consorcio.billing import accounts as accounts_service
from lastro.modules.consorcio.billing import banks
from lastro.modules.consorcio.billing.composition import GroupPlans, PlanKey, late_rules
from lastro.modules.consorcio.billing.errors import (
    ChargeConflict,
    ChargeNotFound,
    InstallmentNotFound,
    InvalidCharge,
    NothingToCharge,
    QuotaNotBillable,
    QuotaNotFound,
)
from lastro.modules.consorcio.billing.models import (
    Charge,
    ChargeItem,
    CollectingAccount,
    Installment,
)
from lastro.modules.consorcio.billing.schemas import ChargeCreate
from lastro.modules.consorcio.billing.settings import AreaSettings
from lastro.modules.consorcio.consorciados.models import Consorciado
from lastro.modules.consorcio.domain.components import Components
from lastro.modules.consorcio.domain.installments import Installment as Billed
from lastro.modules.consorcio.domain.late import late_charges, second_copy
from lastro.modules.consorcio.domain.ledger import QuotaLedger
from lastro.modules.consorcio.domain.payments import antecipacao, quitacao
from lastro.modules.consorcio.domain.rounding import q_money
from lastro.modules.consorcio.groups.models import Group, GroupPrice, GroupRuleVersion
from lastro.modules.consorcio.quotas.models import Quota, QuotaPosition

BILLABLE = ("ativa", "contemplada")
OPEN_INSTALLMENT = ("open", "partial")
_ZERO = Decimal("0.00")
_KIND_LETTER = {"antecipacao": "A", "quitacao": "Q", "avulso": "V"}


@dataclass
class QuotaContext:
    quota: Quota
    group: Group
    rules: GroupRuleVersion
    price: Decimal  # the quota's credit at the price in force
    position: QuotaPosition | None
    plans: GroupPlans

    @property
    def key(self) -> PlanKey:
        reduced = self.position is not None and self.position.plan == "reduced"
        q = self.quota
        return PlanKey(q.rules_version, q.joined_at_installment or 1, reduced)

    @property
    def paid(self) -> Components:
        p = self.position
        if p is None:
            return Components()
        return Components(p.fc_paid_pct, p.ta_paid_pct, p.fr_paid_pct, p.ins_paid_pct)


async def get_quota(session: AsyncSession, quota_id: uuid.UUID) -> Quota:
    quota = await session.scalar(select(Quota).where(Quota.id == quota_id))
    if quota is None:
        raise QuotaNotFound("Cota não encontrada.")
    return quota


async def _context(session: AsyncSession, quota: Quota, on: date) -> QuotaContext:
    group = await session.scalar(select(Group).where(Group.id == quota.group_id))
    assert group is not None
    rules = await session.scalar(
        select(GroupRuleVersion)
        .where(GroupRuleVersion.group_id == group.id, GroupRuleVersion.effective_from <= on)
        .order_by(GroupRuleVersion.effective_from.desc())
        .limit(1)
    )
    if rules is None:
        raise QuotaNotBillable("O grupo da cota não tem regras em vigor.")
    price_row = await session.scalar(
        select(GroupPrice)
        .where(GroupPrice.group_id == group.id, GroupPrice.effective_on <= on)
        .order_by(GroupPrice.effective_on.desc())
        .limit(1)
    )
    if price_row is None:
        raise QuotaNotBillable("O grupo da cota não tem preço de referência em vigor.")
    credit = quota.credit_base
    if price_row.price != group.base_price:
        credit = q_money(quota.credit_base * price_row.price / group.base_price)
    position = await session.scalar(select(QuotaPosition).where(QuotaPosition.quota_id == quota.id))
    return QuotaContext(quota, group, rules, credit, position, GroupPlans.of(group, rules))


async def _last_installment(session: AsyncSession, quota_id: uuid.UUID) -> Installment | None:
    return await session.scalar(
        select(Installment)
        .where(Installment.quota_id == quota_id)
        .order_by(Installment.number.desc())
        .limit(1)
    )


def _carry(row: Installment | None) -> Components:
    if row is None:
        return Components()
    return Components(row.carry_fc, row.carry_ta, row.carry_fr, row.carry_ins)


def _billed(row: Installment) -> Billed:
    """An installment row as the domain sees it."""
    percent = Components(row.fc_pct, row.ta_pct, row.fr_pct, row.ins_pct)
    money = Components(row.fc_amount, row.ta_amount, row.fr_amount, row.ins_amount)
    return Billed(percent, row.price, money)


def _percent_json(c: Components) -> dict[str, str]:
    return {k: str(v) for k, v in c.as_dict().items()}


def default_due(today: date) -> date:
    return bank_calendar().add_business_days(today, 3)


async def _issue(
    session: AsyncSession,
    ctx: QuotaContext,
    *,
    kind: str,
    amount: Decimal,
    due_date: date,
    issue_date: date,
    description: str,
    breakdown: dict[str, Any],
    items: list[dict[str, Any]],
    document_number: str | None,
    replaces: uuid.UUID | None,
    actor: uuid.UUID | None,
) -> Charge:
    account = await accounts_service.account_for_group(session, ctx.group.id)
    sequence = await accounts_service.allocate(session, account, 1)
    charge_id = new_id()
    docs = banks.issue(accounts_service.info(account), sequence, due_date, amount, charge_id.hex)
    number = document_number or (
        f"{ctx.quota.number:04d}-{_KIND_LETTER.get(kind, 'X')}{docs.nosso_numero[-8:]}"
    )
    charge = Charge(
        id=charge_id,
        quota_id=ctx.quota.id,
        group_id=ctx.group.id,
        collecting_account_id=account.id,
        kind=kind,
        status="open",
        amount=amount,
        issue_date=issue_date,
        due_date=due_date,
        description=description[:300],
        document_number=number[:15],
        nosso_numero=docs.nosso_numero,
        nosso_numero_dv=docs.nosso_numero_dv,
        nosso_numero_formatado=docs.nosso_numero_formatado,
        barcode=docs.barcode,
        linha_digitavel=docs.linha_digitavel,
        pix_txid=charge_id.hex,
        pix_payload=docs.pix_payload,
        breakdown=breakdown,
        replaces_charge_id=replaces,
        created_by=actor,
    )
    session.add(charge)
    await session.flush()
    for item in items:
        session.add(ChargeItem(charge_id=charge.id, **item))
    await session.flush()
    return charge


async def create_charge(
    session: AsyncSession,
    quota_id: uuid.UUID,
    request: ChargeCreate,
    *,
    settings: AreaSettings | None = None,
    actor: uuid.UUID | None = None,
    today: date | None = None,
) -> Charge:
    """Issue one on-demand charge (see the module docstring for what each kind means)."""
    del settings
    day = today or today_sp()
    quota = await get_quota(session, quota_id)
    if request.due_date is not None and request.due_date < day:
        raise InvalidCharge(
            "O vencimento não pode ser anterior a hoje.", extra={"field": "due_date"}
        )
    if request.kind == "avulso":
        return await _avulso(session, quota, request, day, actor)
    if quota.status not in BILLABLE:
        raise QuotaNotBillable(
            f"A cota está '{quota.status}': só cotas ativas ou contempladas recebem esta cobrança."
        )
    ctx = await _context(session, quota, day)
    if request.kind == "antecipacao":
        return await _antecipacao(session, ctx, request, day, actor)
    if request.kind == "quitacao":
        return await _quitacao(session, ctx, request, day, actor)
    return await _segunda_via(session, ctx, request, day, actor)


async def _avulso(
    session: AsyncSession,
    quota: Quota,
    request: ChargeCreate,
    day: date,
    actor: uuid.UUID | None,
) -> Charge:
    if request.amount is None:
        raise InvalidCharge("Informe o valor da cobrança avulsa.", extra={"field": "amount"})
    if not (request.description or "").strip():
        raise InvalidCharge("Descreva o motivo da cobrança avulsa.", extra={"field": "description"})
    if quota.status == "cancelada":
        raise QuotaNotBillable("A cota está cancelada.")
    ctx = await _context(session, quota, day)
    return await _issue(
        session,
        ctx,
        kind="avulso",
        amount=q_money(request.amount),
        due_date=request.due_date or default_due(day),
        issue_date=day,
        description=str(request.description),
        breakdown={"reason": str(request.description)},
        items=[],
        document_number=None,
        replaces=None,
        actor=actor,
    )


async def _antecipacao(
    session: AsyncSession,
    ctx: QuotaContext,
    request: ChargeCreate,
    day: date,
    actor: uuid.UUID | None,
) -> Charge:
    if not request.installments:
        raise InvalidCharge("Informe quantas parcelas antecipar.", extra={"field": "installments"})
    schedule = ctx.plans.schedule(ctx.key)
    last = await _last_installment(session, ctx.quota.id)
    billed_through = (last.number - schedule.first_month + 1) if last is not None else 0
    next_number = max(1, billed_through + 1)
    if next_number > schedule.count:
        raise NothingToCharge("Não há parcelas futuras a antecipar.")
    ledger = QuotaLedger(schedule.obligation, ctx.paid, _carry(last))
    bill = antecipacao(
        schedule, ledger, next_number, request.installments, ctx.price, ctx.plans.order
    )
    if bill.total <= 0:
        raise NothingToCharge("As parcelas pedidas já estão pagas.")
    return await _issue(
        session,
        ctx,
        kind="antecipacao",
        amount=bill.total,
        due_date=request.due_date or default_due(day),
        issue_date=day,
        description=(
            f"Antecipação de {request.installments} parcela(s) - grupo {ctx.group.code}, "
            f"cota {ctx.quota.number:04d}"
        ),
        breakdown={
            "installments": request.installments,
            "order": ctx.plans.order.value,
            "next_number": next_number + schedule.first_month - 1,
            "price": str(ctx.price),
            "percent": _percent_json(bill.percent),
            "money": _percent_json(bill.money),
        },
        items=[],
        document_number=None,
        replaces=None,
        actor=actor,
    )


async def _open_installments(session: AsyncSession, quota_id: uuid.UUID) -> list[Installment]:
    rows = await session.scalars(
        select(Installment)
        .where(Installment.quota_id == quota_id, Installment.status.in_(OPEN_INSTALLMENT))
        .order_by(Installment.number)
    )
    return list(rows.all())


async def _quitacao(
    session: AsyncSession,
    ctx: QuotaContext,
    request: ChargeCreate,
    day: date,
    actor: uuid.UUID | None,
) -> Charge:
    schedule = ctx.plans.schedule(ctx.key)
    last = await _last_installment(session, ctx.quota.id)
    ledger = QuotaLedger(schedule.obligation, ctx.paid, _carry(last))
    balance = quitacao(ledger, ctx.price)
    pay_on = request.due_date or default_due(day)
    rules = late_rules(ctx.rules)
    items = []
    late_total = _ZERO
    for row in await _open_installments(session, ctx.quota.id):
        copy = second_copy(_billed(row), ctx.price, row.due_date, pay_on, rules)
        late = copy.charges
        items.append(
            {
                "installment_id": row.id,
                "amount": copy.installment.total,
                "fine_amount": late.fine,
                "interest_amount": late.interest,
            }
        )
        late_total += late.fine + late.interest
    amount = balance.total + late_total
    if amount <= 0:
        raise NothingToCharge("A cota não tem saldo devedor.")
    return await _issue(
        session,
        ctx,
        kind="quitacao",
        amount=amount,
        due_date=pay_on,
        issue_date=day,
        description=(
            f"Quitação do saldo devedor - grupo {ctx.group.code}, cota {ctx.quota.number:04d}"
        ),
        breakdown={
            "price": str(ctx.price),
            "percent": _percent_json(balance.percent),
            "money": _percent_json(balance.money),
            "late_charges": str(late_total),
        },
        items=items,
        document_number=None,
        replaces=None,
        actor=actor,
    )


async def _segunda_via(
    session: AsyncSession,
    ctx: QuotaContext,
    request: ChargeCreate,
    day: date,
    actor: uuid.UUID | None,
) -> Charge:
    stmt = select(Installment).where(Installment.quota_id == ctx.quota.id)
    if request.installment_id is not None:
        stmt = stmt.where(Installment.id == request.installment_id)
    elif request.installment_number is not None:
        stmt = stmt.where(Installment.number == request.installment_number)
    else:
        raise InvalidCharge(
            "Informe a parcela (installment_id ou installment_number) da segunda via.",
            extra={"field": "installment_id"},
        )
    row = await session.scalar(stmt.with_for_update())
    if row is None:
        raise InstallmentNotFound("Parcela não encontrada nesta cota.")
    if row.status not in OPEN_INSTALLMENT:
        raise ChargeConflict(f"A parcela {row.number} não está em aberto ({row.status}).")
    pay_on = request.due_date or day
    if row.due_date >= pay_on:
        raise ChargeConflict(
            f"A parcela {row.number} ainda não venceu ({row.due_date:%d/%m/%Y}): use o "
            "boleto original."
        )
    copy = second_copy(_billed(row), ctx.price, row.due_date, pay_on, late_rules(ctx.rules))
    principal = max(copy.installment.total + row.extra_amount - row.paid_amount, _ZERO)
    if principal <= 0:
        raise NothingToCharge("A parcela já está paga.")
    late = late_charges(principal, row.due_date, pay_on, late_rules(ctx.rules))
    previous = (
        await session.scalars(
            select(Charge)
            .join(ChargeItem, ChargeItem.charge_id == Charge.id)
            .where(ChargeItem.installment_id == row.id, Charge.status == "open")
            .order_by(Charge.created_at.desc())
        )
    ).all()
    charge = await _issue(
        session,
        ctx,
        kind="segunda_via",
        amount=late.total,
        due_date=pay_on,
        issue_date=day,
        description=(
            f"2a via da parcela {row.number} - grupo {ctx.group.code}, cota {ctx.quota.number:04d}"
        ),
        breakdown={
            "installments": [row.number],
            "price": str(ctx.price),
            "original_price": str(row.price),
            "principal": str(principal),
            "fine": str(late.fine),
            "interest": str(late.interest),
            "days_late": late.days_late,
            "fine_group": str(late.fine_group),
            "interest_group": str(late.interest_group),
        },
        items=[
            {
                "installment_id": row.id,
                "amount": principal,
                "fine_amount": late.fine,
                "interest_amount": late.interest,
            }
        ],
        document_number=f"{ctx.quota.number:04d}-{row.number:03d}",
        replaces=previous[0].id if previous else None,
        actor=actor,
    )
    if previous:
        await session.execute(
            update(Charge)
            .where(Charge.id.in_([c.id for c in previous]))
            .values(status="replaced", updated_at=utcnow())
            .execution_options(synchronize_session="fetch")
        )
    return charge


async def get_charge(session: AsyncSession, quota_id: uuid.UUID, charge_id: uuid.UUID) -> Charge:
    charge = await session.scalar(
        select(Charge).where(Charge.id == charge_id, Charge.quota_id == quota_id)
    )
    if charge is None:
        raise ChargeNotFound("Cobrança não encontrada nesta cota.")
    return charge


async def charge_items(session: AsyncSession, charge: Charge) -> list[ChargeItem]:
    rows = await session.scalars(
        select(ChargeItem).where(ChargeItem.charge_id == charge.id).order_by(ChargeItem.id)
    )
    return list(rows.all())


def _format_document(document: str) -> str:
    if len(document) == 11:
        return format_cpf(document)
    if len(document) == 14:
        return format_cnpj(document)
    return document


async def charge_pdf(
    session: AsyncSession, charge: Charge, settings: AreaSettings | None = None
) -> bytes:
    """The boleto (recibo do pagador + ficha de compensação) with the PIX QR code."""
    cfg = settings or AreaSettings()
    account = await session.scalar(
        select(CollectingAccount).where(CollectingAccount.id == charge.collecting_account_id)
    )
    quota = await get_quota(session, charge.quota_id)
    person = await session.scalar(select(Consorciado).where(Consorciado.id == quota.consorciado_id))
    assert account is not None and person is not None
    boleto = parse_boleto(charge.barcode, today=charge.due_date)
    conta = f"{account.conta}-{account.conta_dv}" if account.conta_dv else account.conta
    agencia = f"{account.agencia}-{account.agencia_dv}" if account.agencia_dv else account.agencia
    address = ", ".join(
        p for p in (person.street, person.number, person.district, person.city, person.state) if p
    )
    doc = BoletoDocument(
        boleto=boleto,
        beneficiario_name=account.beneficiary_name,
        beneficiario_document=_format_document(account.beneficiary_document),
        agencia_codigo=f"{agencia}/{conta}",
        nosso_numero=charge.nosso_numero_formatado or charge.nosso_numero,
        numero_documento=charge.document_number,
        pagador_name=person.name,
        pagador_document=_format_document(person.document),
        pagador_address=address,
        document_date=charge.issue_date,
        processing_date=charge.issue_date,
        carteira=account.carteira,
        instructions=(charge.description, *cfg.billing_boleto_instructions),
        pix_payload=charge.pix_payload,
        bank_name=account.bank_name or None,
    )
    return boleto_pdf(doc)
