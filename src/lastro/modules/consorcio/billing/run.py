"""The monthly billing run: for every active quota of every running group, the month's
installment, a registered boleto and a dynamic PIX charge; then a CNAB 240 remessa per
collecting account.

Resumable and idempotent by construction:

* one run row per month, claimed with an atomic conditional UPDATE (a second process gets
  ``CONSORCIO_BILLING_RUN_BUSY``; a run whose heartbeat went stale — a crashed process — can be
  claimed again);
* the quotas to bill are those with no installment of that number yet (unique per quota and
  number); installments, their charges and the run's counters are written in one transaction
  per chunk, so a crash loses at most the chunk in flight and the next attempt picks up the
  rest;
* remessas take every open charge of an account not yet sent, so they too resume.

Each installment is also a ``charge`` movement of the quota's percentage ledger (source_ref
``billing:installment:<id>``), with the position's charged percents advanced set-based — the
same effect as ``quotas.ledger.record_movement`` for a charge, in bulk.

Set-based: one query per group for the pending quotas, executemany inserts per chunk, schedules
and money computed once per plan/price/carry (:mod:`.composition`).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from lastro.infra.database import Database
from lastro.kit.clock import today_sp, utcnow
from lastro.kit.errors import LastroError
from lastro.kit.ids import new_id
from lastro.modules.consorcio.billing import accounts as accounts_service
from lastro.modules.consorcio.billing import banks, remessa
from lastro.modules.consorcio.billing.bulk import bulk_insert
from lastro.modules.consorcio.billing.composition import (
    GroupPlans,
    PlanKey,
    boleto_due_date,
    contract_due_date,
    installment_number,
    parse_month,
)
from lastro.modules.consorcio.billing.errors import BillingRunBusy, InvalidMonth
from lastro.modules.consorcio.billing.models import (
    BillingRun,
    Charge,
    ChargeItem,
    CollectingAccount,
    Installment,
    PendingAdjustment,
)
from lastro.modules.consorcio.billing.settings import AreaSettings
from lastro.modules.consorcio.consorciados.models import Consorciado
from lastro.modules.consorcio.domain.components import Components
from lastro.modules.consorcio.groups.models import Group, GroupPrice, GroupRuleVersion
from lastro.modules.consorcio.quotas.models import Quota, QuotaMovement, QuotaPosition

log = logging.getLogger(__name__)

BILLABLE_QUOTA_STATUSES = ("ativa", "contemplada")
RUNNING_GROUP_STATUSES = ("em_andamento",)
CHUNK = 2000
MAX_IN_FLIGHT = 3
GROUPS_PER_READ = 250
STALE_AFTER = timedelta(minutes=2)
MAX_ERRORS_KEPT = 50
_ZERO = Decimal("0.00")
_NONE = Decimal(0)


@dataclass
class GroupContext:
    """What every quota of one group shares this month."""

    group: Group
    number: int
    rules: GroupRuleVersion
    price: Decimal
    price_on: date
    contract_due: date
    boleto_due: date
    account: CollectingAccount
    account_info: banks.AccountInfo
    plans: GroupPlans
    # the run's remessa for the account (charges are stamped with it as they are inserted)
    remessa_id: uuid.UUID | None = None
    templates: dict[tuple[Components, Decimal, Components], _Template] = field(default_factory=dict)


@dataclass
class Buffer:
    installments: list[dict[str, Any]] = field(default_factory=list)
    charges: list[dict[str, Any]] = field(default_factory=list)
    items: list[dict[str, Any]] = field(default_factory=list)
    adjustments: list[uuid.UUID] = field(default_factory=list)
    # the percentage ledger's "charge" movements, and the quotas each percent vector charges
    movements: list[dict[str, Any]] = field(default_factory=list)
    charged: dict[Components, list[uuid.UUID]] = field(default_factory=dict)
    # what the remessa needs of each charge written (remessa.KnownCharge), by charge id
    known: dict[uuid.UUID, tuple[Any, ...]] = field(default_factory=dict)
    payer_of: dict[uuid.UUID, tuple[Any, ...]] = field(default_factory=dict)
    per_account: dict[uuid.UUID, list[int]] = field(default_factory=dict)
    quotas: int = 0
    amount: Decimal = _ZERO
    zero: int = 0


@dataclass
class RunOutcome:
    run_id: uuid.UUID
    month: str
    status: str
    installments_created: int
    charges_created: int
    remessas_created: int


def validate_month(month: str) -> str:
    try:
        parse_month(month)
    except ValueError:
        raise InvalidMonth(
            f"Mês de referência inválido: {month!r}; use AAAA-MM (ex.: 2026-12).",
            extra={"field": "month"},
        ) from None
    return month


async def get_or_create_run(
    session: AsyncSession, month: str, *, trigger: str, requested_by: uuid.UUID | None
) -> BillingRun:
    """The month's run row (created pending on first use)."""
    run = await session.scalar(select(BillingRun).where(BillingRun.reference_month == month))
    if run is not None:
        return run
    run = BillingRun(reference_month=month, trigger=trigger, requested_by=requested_by)
    session.add(run)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:
        found = await session.scalar(select(BillingRun).where(BillingRun.reference_month == month))
        assert found is not None
        return found
    return run


async def _claim(session: AsyncSession, run_id: uuid.UUID, trigger: str) -> bool:
    now = utcnow()
    result = await session.execute(
        update(BillingRun)
        .where(
            BillingRun.id == run_id,
            (BillingRun.status != "running")
            | (BillingRun.heartbeat_at.is_(None))
            | (BillingRun.heartbeat_at < now - STALE_AFTER),
        )
        .values(
            status="running",
            trigger=trigger,
            attempts=BillingRun.attempts + 1,
            started_at=now,
            finished_at=None,
            heartbeat_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def _price_of(prices: Sequence[GroupPrice], on: date) -> GroupPrice | None:
    """The last price effective on or before ``on`` (else the first one)."""
    chosen = None
    for p in prices:  # ascending
        if p.effective_on <= on:
            chosen = p
    return chosen or (prices[0] if prices else None)


def _rules_of(versions: Sequence[GroupRuleVersion], on: date) -> GroupRuleVersion | None:
    chosen = None
    for v in versions:  # ascending
        if v.effective_from <= on:
            chosen = v
    return chosen


class _GroupSkipped(LastroError):
    code = "CONSORCIO_BILLING_GROUP_SKIPPED"


async def _contexts(
    session: AsyncSession, year: int, month: int, issued_on: date, cfg: AreaSettings
) -> tuple[list[GroupContext], list[dict[str, Any]]]:
    """Every running group with an installment in that month, and the groups that cannot be
    billed (no rules, price or collecting account) as errors."""
    groups = (
        await session.scalars(
            select(Group).where(Group.status.in_(RUNNING_GROUP_STATUSES)).order_by(Group.code)
        )
    ).all()
    versions: dict[uuid.UUID, list[GroupRuleVersion]] = {}
    for v in await session.scalars(
        select(GroupRuleVersion).order_by(GroupRuleVersion.effective_from)
    ):
        versions.setdefault(v.group_id, []).append(v)
    prices: dict[uuid.UUID, list[GroupPrice]] = {}
    for p in await session.scalars(select(GroupPrice).order_by(GroupPrice.effective_on)):
        prices.setdefault(p.group_id, []).append(p)
    by_group, default = await accounts_service.accounts_by_group(session)
    out: list[GroupContext] = []
    errors: list[dict[str, Any]] = []
    for group in groups:
        number = installment_number(group, year, month)
        if not 1 <= number <= group.term_months:
            continue
        rules = _rules_of(versions.get(group.id, []), issued_on) or _rules_of(
            versions.get(group.id, []), date(year, month, 28)
        )
        price = _price_of(prices.get(group.id, []), issued_on)
        account = by_group.get(group.id) or default
        problem = (
            "sem regras em vigor"
            if rules is None
            else "sem preço de referência"
            if price is None
            else "sem conta de cobrança (cadastre uma conta padrão ou do grupo)"
            if account is None
            else None
        )
        if problem is not None or rules is None or price is None or account is None:
            errors.append(
                {"group": group.code, "code": "CONSORCIO_BILLING_GROUP_SKIPPED", "detail": problem}
            )
            continue
        due = contract_due_date(
            year, month, rules.due_day, business_day=cfg.billing_adjust_due_to_business_day
        )
        out.append(
            GroupContext(
                group=group,
                number=number,
                rules=rules,
                price=price.price,
                price_on=price.effective_on,
                contract_due=due,
                boleto_due=boleto_due_date(due, issued_on),
                account=account,
                account_info=accounts_service.info(account),
                plans=GroupPlans.of(group, rules, versions.get(group.id)),
            )
        )
    return out, errors


_PENDING_COLUMNS = (
    Quota.id,
    Quota.number,
    Quota.credit_base,
    Quota.rules_version,
    Quota.joined_at_installment,
    QuotaPosition.plan,
    QuotaPosition.fc_paid_pct,
    QuotaPosition.ta_paid_pct,
    QuotaPosition.fr_paid_pct,
    QuotaPosition.ins_paid_pct,
)


async def _pending_quotas(
    session: AsyncSession, contexts: list[GroupContext]
) -> dict[uuid.UUID, list[tuple[Any, ...]]]:
    """Per group: billable quotas without this month's installment yet, each followed by the
    carry of its previous installment (zeros when there is none) and its holder's CNAB payer
    fields (so the remessa needs no second look-up).

    Single-table lookups on their indexes for a batch of groups, instead of a join against the
    installments table, which grows during the run: the plans stay index scans however stale
    the statistics of a freshly filled table are."""
    by_group = {c.group.id: c for c in contexts}
    ids = list(by_group)
    quotas = (
        await session.execute(
            select(*_PENDING_COLUMNS, Quota.group_id, *remessa.PAYER_COLUMNS)
            .join(Consorciado, Consorciado.id == Quota.consorciado_id)
            .outerjoin(QuotaPosition, QuotaPosition.quota_id == Quota.id)
            .where(Quota.group_id.in_(ids), Quota.status.in_(BILLABLE_QUOTA_STATUSES))
            .order_by(Quota.group_id, Quota.number, Quota.version)
        )
    ).all()
    if not quotas:
        return {}
    numbers = {n for c in contexts for n in (c.number - 1, c.number)}
    existing = await session.execute(
        select(
            Installment.group_id,
            Installment.quota_id,
            Installment.number,
            Installment.carry_fc,
            Installment.carry_ta,
            Installment.carry_fr,
            Installment.carry_ins,
        ).where(Installment.group_id.in_(ids), Installment.number.in_(numbers))
    )
    billed: set[uuid.UUID] = set()
    carries: dict[uuid.UUID, tuple[Decimal, ...]] = {}
    for group_id, quota_id, number, *carry in existing.all():
        current = by_group[group_id].number
        if number == current:
            billed.add(quota_id)
        elif number == current - 1:
            carries[quota_id] = tuple(carry)
    zero = (Decimal(0),) * 4
    out: dict[uuid.UUID, list[tuple[Any, ...]]] = {}
    width = len(_PENDING_COLUMNS)
    for found in quotas:
        values: tuple[Any, ...] = tuple(found)
        row, group_of, payer = values[:width], values[width], values[width + 1 :]
        if row[0] not in billed:
            out.setdefault(group_of, []).append((*row, *carries.get(row[0], zero), *payer))
    return out


async def _adjustments(
    session: AsyncSession, quota_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[PendingAdjustment]]:
    out: dict[uuid.UUID, list[PendingAdjustment]] = {}
    if not quota_ids:
        return out
    for i in range(0, len(quota_ids), 5000):
        rows = await session.scalars(
            select(PendingAdjustment)
            .where(
                PendingAdjustment.status == "pending",
                PendingAdjustment.quota_id.in_(quota_ids[i : i + 5000]),
            )
            .order_by(PendingAdjustment.created_at)
        )
        for adj in rows:
            out.setdefault(adj.quota_id, []).append(adj)
    return out


def _document_number(quota_number: int, number: int) -> str:
    return f"{quota_number:04d}-{number:03d}"[:15]


@dataclass(frozen=True)
class _Template:
    """The rows every quota with the same percent, credit and carry shares in one run."""

    installment: dict[str, Any]
    movement: dict[str, Any] | None
    charge: dict[str, Any]
    money_total: Decimal


def _template(
    ctx: GroupContext,
    percent: Components,
    credit: Decimal,
    carry: Components,
    run_id: uuid.UUID,
    month: str,
    issued_on: date,
    now: datetime,
) -> _Template:
    key = (percent, credit, carry)
    found = ctx.templates.get(key)
    if found is not None:
        return found
    billed = ctx.plans.bill(percent, credit, carry)
    money = billed.money
    installment = {
        "group_id": ctx.group.id,
        "number": ctx.number,
        "reference_month": month,
        "due_date": ctx.contract_due,
        "price": credit,
        "price_on": ctx.price_on,
        "fc_pct": percent.fundo_comum,
        "ta_pct": percent.taxa_administracao,
        "fr_pct": percent.fundo_reserva,
        "ins_pct": percent.seguro,
        "fc_amount": money.fundo_comum,
        "ta_amount": money.taxa_administracao,
        "fr_amount": money.fundo_reserva,
        "ins_amount": money.seguro,
        "carry_fc": billed.carry_out.fundo_comum,
        "carry_ta": billed.carry_out.taxa_administracao,
        "carry_fr": billed.carry_out.fundo_reserva,
        "carry_ins": billed.carry_out.seguro,
        "extra_amount": _ZERO,
        "lines": [],
        "total": money.total,
        "status": "open" if money.total > 0 else "paid",
        "paid_amount": _ZERO,
        "billing_run_id": run_id,
        "created_at": now,
        "updated_at": now,
    }
    movement = None
    if percent.total > 0:
        movement = {
            "group_id": ctx.group.id,
            "kind": "charge",
            "installment_number": ctx.number,
            "effective_on": ctx.contract_due,
            "fc_pct": percent.fundo_comum,
            "ta_pct": percent.taxa_administracao,
            "fr_pct": percent.fundo_reserva,
            "ins_pct": percent.seguro,
            "fc_amount": money.fundo_comum,
            "ta_amount": money.taxa_administracao,
            "fr_amount": money.fundo_reserva,
            "ins_amount": money.seguro,
            "fine_amount": _ZERO,
            "interest_amount": _ZERO,
            "amount": money.total,
            "price": credit,
            "description": f"Parcela {ctx.number} ({month})",
            "created_at": now,
        }
    charge = {
        "group_id": ctx.group.id,
        "collecting_account_id": ctx.account.id,
        "kind": "mensal",
        "status": "open",
        "issue_date": issued_on,
        "due_date": ctx.boleto_due,
        "breakdown": {"installments": [ctx.number], "reference_month": month},
        "billing_run_id": run_id,
        "paid_amount": _ZERO,
        "created_at": now,
        "updated_at": now,
        # popped once the nosso número block is allocated and the boleto built
        "_info": ctx.account_info,
        "remessa_id": ctx.remessa_id,
    }
    found = ctx.templates[key] = _Template(installment, movement, charge, money.total)
    return found


def _adjusted(
    template: _Template, adjustments: list[PendingAdjustment]
) -> tuple[list[PendingAdjustment], list[dict[str, Any]], Decimal]:
    """The adjustments this installment can carry (a credit larger than what is due waits for
    the next one instead of being lost), their lines and their sum."""
    running = template.money_total
    applied: list[PendingAdjustment] = []
    for adj in adjustments:
        if running + adj.amount >= 0:
            applied.append(adj)
            running += adj.amount
    lines = [
        {
            "kind": adj.kind,
            "description": adj.description,
            "amount": str(adj.amount),
            "source_ref": adj.source_ref,
            "percent": {
                "fundo_comum": str(adj.fc_pct),
                "taxa_administracao": str(adj.ta_pct),
                "fundo_reserva": str(adj.fr_pct),
                "seguro": str(adj.ins_pct),
            },
        }
        for adj in applied
    ]
    return applied, lines, sum((adj.amount for adj in applied), _ZERO)


def _compose(
    ctx: GroupContext,
    row: Any,
    adjustments: list[PendingAdjustment],
    run_id: uuid.UUID,
    month: str,
    issued_on: date,
    now: datetime,
    buffer: Buffer,
) -> None:
    """Add the quota's installment (and its charge and item, unless nothing is due)."""
    (quota_id, quota_number, credit_base, rules_version, joined, plan) = row[:6]
    paid = Components(*(v or _NONE for v in row[6:10]))
    carry = Components(*(v or _NONE for v in row[10:14]))
    key = PlanKey(rules_version, joined or 1, plan == "reduced")
    percent = ctx.plans.percent(key, ctx.number, paid)
    if percent is None:  # the quota's plan has no installment this month
        return
    credit = credit_base
    if ctx.price != ctx.group.base_price:
        credit = (credit_base * ctx.price / ctx.group.base_price).quantize(Decimal("0.01"))
    template = _template(ctx, percent, credit, carry, run_id, month, issued_on, now)
    installment_id = new_id()
    installment = dict(template.installment)
    installment["id"] = installment_id
    installment["quota_id"] = quota_id
    total = template.money_total
    if adjustments:
        applied, lines, extra = _adjusted(template, adjustments)
        total = max(total + extra, _ZERO)
        installment["lines"] = lines
        installment["extra_amount"] = extra
        installment["total"] = total
        installment["status"] = "open" if total > 0 else "paid"
        buffer.adjustments.extend(adj.id for adj in applied)
    buffer.installments.append(installment)
    buffer.quotas += 1
    if template.movement is not None:
        movement = dict(template.movement)
        movement["id"] = new_id()
        movement["quota_id"] = quota_id
        movement["source_ref"] = f"billing:installment:{installment_id}"
        buffer.movements.append(movement)
        buffer.charged.setdefault(percent, []).append(quota_id)
    if total <= 0:
        buffer.zero += 1
        return
    charge_id = new_id()
    buffer.per_account.setdefault(ctx.account.id, []).append(len(buffer.charges))
    charge = dict(template.charge)
    charge["id"] = charge_id
    charge["quota_id"] = quota_id
    charge["amount"] = total
    charge["description"] = (
        f"Parcela {ctx.number} - grupo {ctx.group.code}, cota {quota_number:04d}"
    )
    charge["document_number"] = _document_number(quota_number, ctx.number)
    charge["pix_txid"] = charge_id.hex
    buffer.charges.append(charge)
    buffer.payer_of[quota_id] = tuple(row[14:23])
    buffer.items.append(
        {
            "id": new_id(),
            "charge_id": charge_id,
            "installment_id": installment_id,
            "amount": total,
            "fine_amount": _ZERO,
            "interest_amount": _ZERO,
        }
    )
    buffer.amount += total


async def _issue(db: Database, tenant_id: uuid.UUID, buffer: Buffer) -> None:
    """Reserve the chunk's nosso números (a short transaction of its own, so chunks written
    concurrently never wait on each other's account lock; a chunk that then fails leaves a
    harmless gap) and build each boleto and BR Code."""
    blocks: dict[uuid.UUID, int] = {}
    async with db.unit_of_work(tenant_id=tenant_id) as session:
        for account_id, indexes in buffer.per_account.items():
            account = await session.get(CollectingAccount, (tenant_id, account_id))
            assert account is not None
            blocks[account_id] = await accounts_service.allocate(session, account, len(indexes))
    issue = banks.issue
    for account_id, indexes in buffer.per_account.items():
        first = blocks[account_id]
        for offset, index in enumerate(indexes):
            row = buffer.charges[index]
            docs = issue(
                row.pop("_info"), first + offset, row["due_date"], row["amount"], row["pix_txid"]
            )
            row["nosso_numero"] = docs.nosso_numero
            row["nosso_numero_dv"] = docs.nosso_numero_dv
            row["nosso_numero_formatado"] = docs.nosso_numero_formatado
            row["barcode"] = docs.barcode
            row["linha_digitavel"] = docs.linha_digitavel
            row["pix_payload"] = docs.pix_payload
            buffer.known[row["id"]] = (
                row["group_id"],
                row["quota_id"],
                docs.nosso_numero,
                docs.nosso_numero_dv,
                row["document_number"],
                row["due_date"],
                row["amount"],
                row["issue_date"],
                *buffer.payer_of[row["quota_id"]],
            )


async def _flush(
    db: Database, tenant_id: uuid.UUID, run_id: uuid.UUID, buffer: Buffer, now: datetime
) -> None:
    """Write one chunk and the run's counters in one transaction."""
    async with db.unit_of_work(tenant_id=tenant_id) as session:
        await bulk_insert(session, Installment, buffer.installments)
        await bulk_insert(session, Charge, buffer.charges)
        await bulk_insert(session, ChargeItem, buffer.items)
        await bulk_insert(session, QuotaMovement, buffer.movements)
        for percent, quota_ids in buffer.charged.items():
            await session.execute(
                update(QuotaPosition)
                .where(QuotaPosition.quota_id.in_(quota_ids))
                .values(
                    fc_charged_pct=QuotaPosition.fc_charged_pct + percent.fundo_comum,
                    ta_charged_pct=QuotaPosition.ta_charged_pct + percent.taxa_administracao,
                    fr_charged_pct=QuotaPosition.fr_charged_pct + percent.fundo_reserva,
                    ins_charged_pct=QuotaPosition.ins_charged_pct + percent.seguro,
                    movements=QuotaPosition.movements + 1,
                    last_movement_at=now,
                    updated_at=now,
                )
                .execution_options(synchronize_session=False)
            )
        if buffer.adjustments:
            by_quota = {row["quota_id"]: row["id"] for row in buffer.installments}
            adjustments = (
                await session.scalars(
                    select(PendingAdjustment).where(PendingAdjustment.id.in_(buffer.adjustments))
                )
            ).all()
            for adj in adjustments:
                adj.status = "billed"
                adj.installment_id = by_quota.get(adj.quota_id)
                adj.billed_at = now
        await session.execute(
            update(BillingRun)
            .where(BillingRun.id == run_id)
            .values(
                quotas_done=BillingRun.quotas_done + buffer.quotas,
                installments_created=BillingRun.installments_created + len(buffer.installments),
                charges_created=BillingRun.charges_created + len(buffer.charges),
                skipped=BillingRun.skipped + buffer.zero,
                amount_total=BillingRun.amount_total + buffer.amount,
                heartbeat_at=utcnow(),
            )
            .execution_options(synchronize_session=False)
        )


async def _count_scope(
    session: AsyncSession, contexts: list[GroupContext], month: str
) -> tuple[int, int]:
    """(quotas in scope, of which already billed this month)."""
    if not contexts:
        return 0, 0
    ids = [c.group.id for c in contexts]
    total = await session.scalar(
        select(func.count())
        .select_from(Quota)
        .where(Quota.group_id.in_(ids), Quota.status.in_(BILLABLE_QUOTA_STATUSES))
    )
    done = await session.scalar(
        select(func.count())
        .select_from(Installment)
        .where(Installment.reference_month == month, Installment.group_id.in_(ids))
    )
    return int(total or 0), int(done or 0)


async def _record_errors(
    db: Database, tenant_id: uuid.UUID, run_id: uuid.UUID, errors: list[dict[str, Any]]
) -> None:
    if not errors:
        return
    async with db.unit_of_work(tenant_id=tenant_id) as session:
        run = await session.get(BillingRun, (tenant_id, run_id))
        assert run is not None
        run.errors = [*run.errors, *errors][-MAX_ERRORS_KEPT:]
        run.errors_count = run.errors_count + len(errors)


async def execute_run(
    db: Database,
    tenant_id: uuid.UUID,
    month: str,
    *,
    settings: AreaSettings | None = None,
    trigger: str = "api",
    requested_by: uuid.UUID | None = None,
    issued_on: date | None = None,
) -> RunOutcome:
    """Bill ``month`` (YYYY-MM) for the tenant; safe to call again at any time."""
    validate_month(month)
    year, mon = parse_month(month)
    cfg = settings or AreaSettings()
    day = issued_on or today_sp()
    async with db.unit_of_work(tenant_id=tenant_id) as session:
        run = await get_or_create_run(session, month, trigger=trigger, requested_by=requested_by)
        run_id = run.id
        if not await _claim(session, run_id, trigger):
            raise BillingRunBusy(
                f"O faturamento de {month} já está em execução; acompanhe o progresso.",
                extra={"run_id": str(run_id)},
            )
        run.errors = []
        run.errors_count = 0
    try:
        async with db.unit_of_work(tenant_id=tenant_id) as session:
            contexts, errors = await _contexts(session, year, mon, day, cfg)
            total, done = await _count_scope(session, contexts, month)
            await session.execute(
                update(BillingRun)
                .where(BillingRun.id == run_id)
                .values(quotas_total=total, quotas_done=done, heartbeat_at=utcnow())
                .execution_options(synchronize_session=False)
            )
        await _record_errors(db, tenant_id, run_id, errors)
        async with db.unit_of_work(tenant_id=tenant_id) as session:
            opened: dict[uuid.UUID, uuid.UUID] = {}
            for ctx in contexts:
                if ctx.account.id not in opened:
                    opened[ctx.account.id] = await remessa.open_for_run(
                        session, ctx.account, run_id, day
                    )
                ctx.remessa_id = opened[ctx.account.id]
        known: dict[uuid.UUID, tuple[Any, ...]] = {}
        await _bill_groups(db, tenant_id, run_id, month, day, contexts, known)
        async with db.unit_of_work(tenant_id=tenant_id) as session:
            made = await remessa.close_for_run(session, run_id, day, known)
            made += await remessa.generate_pending(session, billing_run_id=run_id, on=day)
            final = await session.get(BillingRun, (tenant_id, run_id))
            assert final is not None
            final.remessas_created = final.remessas_created + len(made)
            final.status = "completed"
            final.finished_at = utcnow()
            final.heartbeat_at = final.finished_at
            return RunOutcome(
                run_id,
                month,
                final.status,
                final.installments_created,
                final.charges_created,
                final.remessas_created,
            )
    except Exception as exc:
        await _fail(db, tenant_id, run_id, exc)
        raise


async def _bill_groups(
    db: Database,
    tenant_id: uuid.UUID,
    run_id: uuid.UUID,
    month: str,
    day: date,
    contexts: list[GroupContext],
    known: dict[uuid.UUID, tuple[Any, ...]],
) -> None:
    """Compose chunk after chunk while the previous ones are written (a few in flight: the
    database works on one while Python builds the next boletos). ``known`` collects what the
    remessas need of every charge written, so they are not read back."""
    buffer = Buffer()
    now = utcnow()
    in_flight: list[asyncio.Task[None]] = []

    async def write(chunk: Buffer) -> None:
        await _flush(db, tenant_id, run_id, chunk, now)
        known.update(chunk.known)

    async def submit(chunk: Buffer) -> None:
        await _issue(db, tenant_id, chunk)
        in_flight.append(asyncio.create_task(write(chunk)))
        if len(in_flight) >= MAX_IN_FLIGHT:
            await in_flight.pop(0)

    try:
        for start in range(0, len(contexts), GROUPS_PER_READ):
            batch = contexts[start : start + GROUPS_PER_READ]
            async with db.session(tenant_id=tenant_id, readonly=True) as session:
                pending = await _pending_quotas(session, batch)
                adjustments = await _adjustments(
                    session, [r[0] for rows in pending.values() for r in rows]
                )
            for ctx in batch:
                errors: list[dict[str, Any]] = []
                for row in pending.get(ctx.group.id, []):
                    try:
                        _compose(
                            ctx, row, adjustments.get(row[0], []), run_id, month, day, now, buffer
                        )
                    except LastroError as exc:
                        errors.append(
                            {
                                "group": ctx.group.code,
                                "quota": row[1],
                                "code": exc.code,
                                "detail": exc.detail,
                            }
                        )
                    if len(buffer.installments) >= CHUNK:
                        await submit(buffer)
                        buffer = Buffer()
                await _record_errors(db, tenant_id, run_id, errors)
        if buffer.installments:
            await submit(buffer)
        while in_flight:
            await in_flight.pop(0)
    finally:
        if in_flight:  # a failure: let the other writes end before reporting it
            await asyncio.gather(*in_flight, return_exceptions=True)


async def _fail(db: Database, tenant_id: uuid.UUID, run_id: uuid.UUID, exc: Exception) -> None:
    detail = exc.detail if isinstance(exc, LastroError) else f"{type(exc).__name__}: {exc}"
    code = exc.code if isinstance(exc, LastroError) else "INTERNAL_ERROR"
    try:
        async with db.unit_of_work(tenant_id=tenant_id) as session:
            run = await session.get(BillingRun, (tenant_id, run_id))
            if run is not None:
                run.status = "failed"
                run.finished_at = utcnow()
                run.errors = [*run.errors, {"code": code, "detail": detail[:500]}][
                    -MAX_ERRORS_KEPT:
                ]
                run.errors_count = run.errors_count + 1
    except Exception:  # the failure is already being raised; keep it
        log.exception("could not mark billing run %s failed", run_id)
