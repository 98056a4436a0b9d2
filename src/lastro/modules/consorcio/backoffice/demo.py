"""Demo data for tenant ``demo``: an administradora with months of history, built through the
other areas' services exactly as production would build it.

* Five groups: automóvel (the primer's ABAC example: R$ 30,000, 50 months, 15 % + 2 %, with a
  reduced-installment plan), imóvel (mixed credits, INCC), motocicleta (older contract under
  Circular 3.432, exclusion after 2 missed due dates), serviços (started two months later) and
  pesados (still in formation). About 200 consorciados with valid CPFs/CNPJs and addresses.
* A collecting account; a billing run per month from the first installment up to next month
  (the billing area's ``execute_run``, issued on the 1st).
* Payments: most by a CNAB 240 retorno per month imported through the payments area (one line
  with an unknown nosso número, reported as an exception), some by PIX notifications, some
  late with fine and interest, a few never → collection stages; one quota drops out and is
  excluded by the delinquency run, then re-sold (reposição); a late joiner.
* A 5 % price update of the automóvel group mid-month (after the boletos went out), so the
  assembly's price differs from the boleto's: the diferença de parcela rides on the next one.
* Delinquency runs on two past month-ends (the drop-out's mediação, then its exclusion and the
  price update's diferença de parcela) and today (with reminders).

Idempotent: each month's payments are marked by its retorno file, and every other step is
idempotent in its own area; a second run finds everything done and returns in milliseconds.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from random import Random
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lastro.br.calendar import bank_calendar
from lastro.br.cnab import Beneficiario, Ocorrencia, Retorno, write_retorno_240
from lastro.core.platform.models import Tenant
from lastro.kit.clock import SAO_PAULO, today_sp
from lastro.modules.consorcio.backoffice.people import Person, people
from lastro.modules.consorcio.billing import accounts as accounts_service
from lastro.modules.consorcio.billing.composition import add_months
from lastro.modules.consorcio.billing.models import (
    BillingRun,
    Charge,
    ChargeItem,
    CollectingAccount,
    Installment,
)
from lastro.modules.consorcio.billing.run import execute_run
from lastro.modules.consorcio.consorciados import service as consorciados
from lastro.modules.consorcio.consorciados.models import Consorciado
from lastro.modules.consorcio.consorciados.schemas import Address, BankAccountIn, ConsorciadoCreate
from lastro.modules.consorcio.delinquency import service as delinquency
from lastro.modules.consorcio.delinquency import tasks as delinquency_tasks
from lastro.modules.consorcio.groups import service as groups
from lastro.modules.consorcio.groups.models import Group, GroupPrice
from lastro.modules.consorcio.groups.schemas import (
    BidRules,
    GroupCreate,
    GroupRulesIn,
    GroupTransition,
    PriceCreate,
    ReducedPlan,
)
from lastro.modules.consorcio.payments import pix
from lastro.modules.consorcio.payments.models import RetornoImport
from lastro.modules.consorcio.payments.retorno import import_retorno
from lastro.modules.consorcio.quotas import service as quotas
from lastro.modules.consorcio.quotas.models import Quota
from lastro.modules.consorcio.quotas.schemas import QuotaSale

if TYPE_CHECKING:
    from lastro.core.runtime import Runtime

DEMO_SLUG = "demo"
MONTHS_OF_HISTORY = 8  # installments billed up to this month, the current one included
SEED = 2026
SELLERS = (
    ("V-014", "Marina Couto"),
    ("V-022", "Rogério Prado"),
    ("V-031", "Sueli Matos"),
    ("V-047", "Caio Bastos"),
)
DEALERS = (
    ("R-100", "Loja própria — Paulista"),
    ("R-210", "Concessionária Via Sul"),
    ("R-330", "Corretora Horizonte"),
)


@dataclass(frozen=True)
class GroupPlan:
    code: str
    name: str
    segment: str
    term: int
    max_quotas: int
    credits: tuple[Decimal, ...]
    weights: tuple[int, ...]
    asset: str
    quotas: int
    admin_fee: Decimal
    reserve: Decimal
    due_day: int
    assembly_day: int
    exclusion: int
    regime: str = "res_285"
    price_index: str = "asset_price_table"
    base_index: Decimal | None = None
    prepaid_fee: Decimal = Decimal(0)
    insurance: Decimal = Decimal(0)
    reduced: bool = False
    start_offset: int = 0  # months after the first group's first installment
    forming: bool = False
    # (quota position, first month index unpaid) — drop-outs; (position, last months unpaid)
    dropouts: tuple[tuple[int, int], ...] = ()
    late_tail: tuple[tuple[int, int], ...] = ()


GROUPS: tuple[GroupPlan, ...] = (
    GroupPlan(
        code="AUT-2601",
        name="Automóveis 50 meses",
        segment="automovel",
        term=50,
        max_quotas=60,
        credits=(Decimal("30000.00"),),
        weights=(1,),
        asset="Hatch 1.0 flex 0 km (tabela do fabricante)",
        quotas=52,
        admin_fee=Decimal(15),
        reserve=Decimal(2),
        due_day=10,
        assembly_day=20,
        exclusion=3,
        reduced=True,
        dropouts=((7, 2),),
        late_tail=((13, 1), (29, 1), (41, 2)),
    ),
    GroupPlan(
        code="IMV-2602",
        name="Imóveis 80 meses",
        segment="imovel",
        term=80,
        max_quotas=100,
        credits=(Decimal("160000.00"), Decimal("200000.00")),
        weights=(1, 2),
        asset="Crédito imobiliário (atualizado pelo INCC)",
        quotas=88,
        admin_fee=Decimal(20),
        reserve=Decimal(3),
        prepaid_fee=Decimal(1),
        insurance=Decimal("0.038"),
        due_day=15,
        assembly_day=25,
        exclusion=3,
        price_index="incc",
        base_index=Decimal("1000.00000000"),
        late_tail=((5, 1), (58, 1), (33, 2)),
    ),
    GroupPlan(
        code="MOT-2603",
        name="Motocicletas 36 meses",
        segment="motocicleta",
        term=36,
        max_quotas=45,
        credits=(Decimal("18000.00"),),
        weights=(1,),
        asset="Motocicleta 160 cc (tabela do fabricante)",
        quotas=38,
        admin_fee=Decimal(18),
        reserve=Decimal(2),
        due_day=5,
        assembly_day=15,
        exclusion=2,
        regime="circular_3432",
        late_tail=((3, 1), (20, 2)),
    ),
    GroupPlan(
        code="SRV-2604",
        name="Serviços 24 meses",
        segment="servicos",
        term=24,
        max_quotas=30,
        credits=(Decimal("12000.00"),),
        weights=(1,),
        asset="Pacote de serviços (reformas, viagens, educação)",
        quotas=25,
        admin_fee=Decimal(22),
        reserve=Decimal(1),
        due_day=20,
        assembly_day=28,
        exclusion=3,
        price_index="ipca",
        base_index=Decimal("7000.00000000"),
        start_offset=2,
        late_tail=((4, 1), (11, 2)),
    ),
    GroupPlan(
        code="PES-2605",
        name="Pesados 100 meses (em formação)",
        segment="pesados",
        term=100,
        max_quotas=80,
        credits=(Decimal("450000.00"),),
        weights=(1,),
        asset="Caminhão 6x2 0 km",
        quotas=6,
        admin_fee=Decimal(14),
        reserve=Decimal(2),
        due_day=10,
        assembly_day=20,
        exclusion=3,
        forming=True,
    ),
)
PRICE_UPDATE = ("AUT-2601", 4, 12, Decimal("31500.00"))  # group, month index, day, new price
LATE_JOINER = ("AUT-2601", 2)  # group, month index (sold on its 1st)
REPOSICAO_AFTER = timedelta(days=30)  # after the exclusion, the number is sold again
PIX_BATCH = 50
# past delinquency runs (month indexes, on the 28th): the drop-out reaches mediação, then the
# exclusion threshold, and the price update's diferença de parcela is recorded; today's run
# (with reminders) follows the last month
COLLECTION_MONTHS = (3, 4)


@dataclass
class Calendar:
    """The demo's months: index 0 is the first group's first installment."""

    today: date
    first: tuple[int, int]
    months: list[tuple[int, int]] = field(default_factory=list)

    @classmethod
    def build(cls, today: date) -> Calendar:
        first = add_months(today.year, today.month, -(MONTHS_OF_HISTORY - 1))
        cal = cls(today, first)
        # up to next month, like the billing area's own schedule
        cal.months = [add_months(*first, i) for i in range(MONTHS_OF_HISTORY + 1)]
        return cal

    def day(self, index: int, day: int) -> date:
        year, month = add_months(*self.first, index)
        return date(year, month, day)

    @staticmethod
    def text(ym: tuple[int, int]) -> str:
        return f"{ym[0]:04d}-{ym[1]:02d}"


async def load_demo(runtime: Runtime) -> None:
    db = runtime.db
    async with db.session(platform=True, readonly=True) as session:
        tenant_id = await session.scalar(select(Tenant.id).where(Tenant.slug == DEMO_SLUG))
    if tenant_id is None:
        return
    cal = Calendar.build(today_sp())
    async with db.session(tenant_id=tenant_id, readonly=True) as session:
        if await _done(session, cal):
            return
    rng = Random(SEED)  # noqa: S311 - deterministic demo data, not secrets
    holders = people(sum(g.quotas for g in GROUPS) + 12, seed=SEED)
    async with db.unit_of_work(tenant_id=tenant_id) as session:
        holder_ids = await _consorciados(session, holders)
    cursor = 0
    for plan in GROUPS:
        async with db.unit_of_work(tenant_id=tenant_id) as session:
            await _group(session, plan, cal, holder_ids[cursor : cursor + plan.quotas], rng)
        cursor += plan.quotas
    spare = holder_ids[cursor:]
    async with db.unit_of_work(tenant_id=tenant_id) as session:
        account = await _collecting_account(session)
    for index, ym in enumerate(cal.months):
        await _month(runtime, tenant_id, cal, index, ym, account, spare, rng)
    await delinquency_tasks.run_tenant_job(db, tenant_id, cal.today)


async def _done(session: AsyncSession, cal: Calendar) -> bool:
    """Everything is in place: the groups, every month's billing and the last payments."""
    if await session.scalar(select(Group.id).where(Group.code == GROUPS[0].code)) is None:
        return False
    completed = set(
        await session.scalars(
            select(BillingRun.reference_month).where(BillingRun.status == "completed")
        )
    )
    if any(cal.text(ym) not in completed for ym in cal.months):
        return False
    last_paid = _retorno_name(cal.text(cal.months[-2]))
    return (
        await session.scalar(select(RetornoImport.id).where(RetornoImport.filename == last_paid))
        is not None
    )


# --- people, groups, quotas ---------------------------------------------------------------


async def _consorciados(session: AsyncSession, holders: list[Person]) -> list[uuid.UUID]:
    existing = dict((await session.execute(select(Consorciado.document, Consorciado.id))).all())
    ids: list[uuid.UUID] = []
    for p in holders:
        found = existing.get(p.document)
        if found is not None:
            ids.append(found)
            continue
        c = await consorciados.create_consorciado(
            session,
            ConsorciadoCreate(
                kind="pj" if p.kind == "pj" else "pf",
                document=p.document,
                name=p.name,
                trade_name=p.trade_name or None,
                birth_date=p.birth_date,
                email=p.email,
                mobile=p.mobile,
                address=Address(
                    cep=p.cep,
                    street=p.street,
                    number=p.number,
                    complement=p.complement,
                    district=p.district,
                    city=p.city,
                    state=p.state,
                ),
                monthly_income=p.monthly_income,
                pix_key=p.pix_key,
                bank_account=BankAccountIn(
                    bank_code=p.bank_code,
                    branch=p.bank_branch,
                    account=p.bank_account,
                    digit=p.bank_account_digit,
                ),
                pep=p.pep,
                lgpd_consent=True,
            ),
        )
        ids.append(c.id)
    return ids


def _rules(plan: GroupPlan) -> GroupRulesIn:
    return GroupRulesIn(
        admin_fee_pct=plan.admin_fee,
        admin_fee_prepaid_pct=plan.prepaid_fee,
        reserve_fund_pct=plan.reserve,
        insurance_rate_pct=plan.insurance,
        insurance_base="credit_plus_fee" if plan.insurance else "none",
        late_fine_pct=Decimal(2),
        late_interest_monthly_pct=Decimal(1),
        late_group_share_pct=Decimal(50),
        assembly_day=plan.assembly_day,
        due_day=plan.due_day,
        payment_cutoff_days=1,
        exclusion_threshold=plan.exclusion,
        draw_method="centenas",
        draws_per_assembly=1 if plan.term > 40 else 2,
        tie_break="proximity_above",
        bid_types=["livre", "fixo", "embutido"] if plan.segment != "servicos" else ["livre"],
        bid_rules=BidRules(
            livre_min_pct=Decimal(5),
            fixo_pcts=[Decimal(20), Decimal(30)],
            embutido_cap_pct=Decimal(30),
        ),
        amortization_order="inversa",
        late_joiner_mode="spread_remaining",
        reduced_plan=ReducedPlan(enabled=True, fc_discount_pct=Decimal(25), months=12)
        if plan.reduced
        else ReducedPlan(),
    )


async def _group(
    session: AsyncSession,
    plan: GroupPlan,
    cal: Calendar,
    holder_ids: list[uuid.UUID],
    rng: Random,
) -> None:
    """The group, its sales during formation and its constitution (skipped when it exists)."""
    if await session.scalar(select(Group.id).where(Group.code == plan.code)) is not None:
        return
    if plan.forming:
        started = cal.today - timedelta(days=20)
        constituted = None
    else:
        # formation in the month before the first installment; constituted on the 20th
        started = cal.day(plan.start_offset - 1, 2)
        constituted = cal.day(plan.start_offset - 1, 20)
    group = await groups.create_group(
        session,
        GroupCreate(
            code=plan.code,
            name=plan.name,
            segment=plan.segment,
            regime=plan.regime,
            term_months=plan.term,
            max_quotas=plan.max_quotas,
            credit_values=list(plan.credits),
            reference_asset=plan.asset,
            price_index=plan.price_index,
            base_price=max(plan.credits),
            base_index_value=plan.base_index,
            formation_started_on=started,
            contract_version="2026.1",
            rules=_rules(plan),
        ),
        today=cal.today,
    )
    span = max(1, ((constituted or cal.today) - started).days - 1)
    credits = [c for c, w in zip(plan.credits, plan.weights, strict=True) for _ in range(w)]
    for i, holder in enumerate(holder_ids):
        seller = SELLERS[rng.randrange(len(SELLERS))]
        dealer = DEALERS[rng.randrange(len(DEALERS))]
        await quotas.sell_quota(
            session,
            group.id,
            QuotaSale(
                consorciado_id=holder,
                credit_value=credits[i % len(credits)] if len(plan.credits) > 1 else None,
                reduced_plan=plan.reduced and i % 17 == 5,
                sold_on=started + timedelta(days=rng.randrange(span)),
                proposal_number=f"{plan.code}-P{i + 1:04d}",
                seller_code=seller[0],
                seller_name=seller[1],
                dealer_code=dealer[0],
                dealer_name=dealer[1],
            ),
            today=cal.today,
        )
    if constituted is not None:
        await groups.transition(
            session,
            group.id,
            GroupTransition(
                status="em_andamento",
                on=constituted,
                first_assembly_on=cal.day(plan.start_offset, plan.assembly_day),
            ),
            today=cal.today,
        )


async def _collecting_account(session: AsyncSession) -> CollectingAccount:
    found = await session.scalar(
        select(CollectingAccount).where(CollectingAccount.is_default.is_(True)).limit(1)
    )
    if found is not None:
        return found
    return await accounts_service.create_account(
        session,
        {
            "name": "Itaú - cobrança registrada",
            "is_default": True,
            "bank_code": "341",
            "agencia": "1234",
            "conta": "56789",
            "conta_dv": "0",
            "carteira": "109",
            "beneficiary_name": "Lastro Demo Administradora de Consorcios Ltda",
            "beneficiary_document": "11222333000181",
            "beneficiary_city": "Sao Paulo",
            "pix_key": "11222333000181",
            "pix_location_base": "pix.itau.example/qr/v2/cobv",
        },
    )


async def _sell_extra(
    session: AsyncSession, code: str, holder: uuid.UUID, on: date, proposal: str, **kw: Any
) -> None:
    group = await session.scalar(select(Group).where(Group.code == code))
    if group is None:
        return
    if await session.scalar(select(Quota.id).where(Quota.proposal_number == proposal)):
        return
    await quotas.sell_quota(
        session,
        group.id,
        QuotaSale(
            consorciado_id=holder,
            sold_on=on,
            proposal_number=proposal,
            seller_code=SELLERS[0][0],
            seller_name=SELLERS[0][1],
            **kw,
        ),
        today=max(on, today_sp()),
    )


async def _reposicao(session: AsyncSession, on: date, spare: list[uuid.UUID]) -> None:
    """An automóvel quota excluded a month or more before ``on`` is sold again under the same
    number (a new version, *reposição*); the excluded version keeps its refund right."""
    group = await session.scalar(select(Group).where(Group.code == GROUPS[0].code))
    if group is None or len(spare) < 2:
        return
    excluded = await session.scalar(
        select(Quota)
        .where(
            Quota.group_id == group.id,
            Quota.status == "excluida",
            Quota.excluded_on <= on - REPOSICAO_AFTER,
        )
        .order_by(Quota.excluded_on)
        .limit(1)
    )
    if excluded is None:
        return
    taken = await session.scalar(
        select(Quota.id).where(
            Quota.group_id == group.id,
            Quota.number == excluded.number,
            Quota.version > excluded.version,
        )
    )
    if taken is None:
        await _sell_extra(
            session,
            group.code,
            spare[1],
            on,
            f"{group.code}-REP{excluded.number:03d}",
            number=excluded.number,
        )


# --- one month: sales, billing, price update, payments, delinquency ------------------------


async def _month(
    runtime: Runtime,
    tenant_id: uuid.UUID,
    cal: Calendar,
    index: int,
    ym: tuple[int, int],
    account: CollectingAccount,
    spare: list[uuid.UUID],
    rng: Random,
) -> None:
    db = runtime.db
    month = cal.text(ym)
    first_day = date(ym[0], ym[1], 1)
    if first_day <= cal.today:
        async with db.unit_of_work(tenant_id=tenant_id) as session:
            if index == LATE_JOINER[1] and spare:
                await _sell_extra(
                    session, LATE_JOINER[0], spare[0], first_day, "DEMO-ADESAO-TARDIA"
                )
            await _reposicao(session, first_day, spare)
    async with db.session(tenant_id=tenant_id, readonly=True) as session:
        run = await session.scalar(select(BillingRun).where(BillingRun.reference_month == month))
    if run is None or run.status != "completed":
        await execute_run(
            db, tenant_id, month, trigger="schedule", issued_on=min(first_day, cal.today)
        )
    if index == PRICE_UPDATE[1]:
        async with db.unit_of_work(tenant_id=tenant_id) as session:
            await _price_update(session, cal)
    if first_day > cal.today:
        return
    async with db.session(tenant_id=tenant_id, readonly=True) as session:
        name = _retorno_name(month)
        if await session.scalar(select(RetornoImport.id).where(RetornoImport.filename == name)):
            return
    await _payments(runtime, tenant_id, cal, index, month, account, rng)
    month_end = date(ym[0], ym[1], 28)
    if index in COLLECTION_MONTHS and month_end < cal.today - timedelta(days=1):
        await _collections(runtime, tenant_id, month_end)


async def _price_update(session: AsyncSession, cal: Calendar) -> None:
    code, index, day, price = PRICE_UPDATE
    group = await session.scalar(select(Group).where(Group.code == code))
    effective = cal.day(index, day)
    if group is None or effective > cal.today:
        return
    # once: a later run (another day, so other month indexes) must not update it again
    exists = await session.scalar(
        select(GroupPrice.id).where(GroupPrice.group_id == group.id, GroupPrice.source != "base")
    )
    if exists is None:
        await groups.add_price(
            session,
            group.id,
            PriceCreate(
                effective_on=effective,
                price=price,
                source="Tabela do fabricante",
                note="Reajuste de 5 % da tabela do fabricante",
            ),
        )


async def _collections(runtime: Runtime, tenant_id: uuid.UUID, on: date) -> None:
    """The delinquency run of a past day, without reminders (they are for today's run)."""
    async with runtime.db.unit_of_work(tenant_id=tenant_id) as session:
        cfg = (await delinquency_tasks.area_settings(session)).model_copy(
            update={"delinquency_reminders_enabled": False}
        )
        for group in (
            await session.scalars(
                select(Group).where(Group.status == "em_andamento").order_by(Group.code)
            )
        ).all():
            await delinquency_tasks.run_group(session, group, on, cfg)


def _retorno_name(month: str) -> str:
    return f"DEMO-RETORNO-{month}.RET"


@dataclass(frozen=True)
class _Due:
    charge: Charge
    installment: Installment
    quota: Quota
    group_code: str
    position: int  # the quota's place in its group (1-based, by number)
    month_index: int  # 0 for the group's first installment


def _fate(
    due: _Due, plans: dict[str, GroupPlan], cal: Calendar, last_due_index: int, rng: Random
) -> str:
    """unpaid | late | pix | cnab | early for one installment (deterministic for a seed)."""
    plan = plans[due.group_code]
    for position, first in plan.dropouts:
        if due.position == position and due.quota.version == 1 and due.month_index >= first:
            return "unpaid"
    for position, tail in plan.late_tail:
        if due.position == position and due.month_index > last_due_index - tail:
            return "unpaid"
    r = rng.random()
    if due.installment.due_date >= cal.today:
        return "early" if r < 0.35 else "unpaid"
    if r < 0.07:
        return "late"
    if r < 0.22:
        return "pix"
    return "cnab"


async def _dues(session: AsyncSession, month: str) -> list[_Due]:
    """The month's open monthly charges with their installment, quota and group."""
    rows = (
        await session.execute(
            select(Charge, Installment, Quota, Group)
            .join(ChargeItem, ChargeItem.charge_id == Charge.id)
            .join(Installment, Installment.id == ChargeItem.installment_id)
            .join(Quota, Quota.id == Charge.quota_id)
            .join(Group, Group.id == Charge.group_id)
            .where(
                Charge.kind == "mensal",
                Charge.status == "open",
                Installment.reference_month == month,
            )
            .order_by(Group.code, Quota.number, Quota.version)
        )
    ).all()
    out = []
    for charge, inst, quota, group in rows:
        first = groups.schedule_anchor(group)
        index = (inst.due_date.year - first.year) * 12 + inst.due_date.month - first.month
        out.append(_Due(charge, inst, quota, group.code, quota.number, index))
    return out


async def _payments(
    runtime: Runtime,
    tenant_id: uuid.UUID,
    cal: Calendar,
    index: int,
    month: str,
    account: CollectingAccount,
    rng: Random,
) -> None:
    """This month's installments paid: a CNAB 240 retorno (on time and late), PIX notices."""
    db = runtime.db
    plans = {p.code: p for p in GROUPS}
    calendar = bank_calendar()
    async with db.session(tenant_id=tenant_id, readonly=True) as session:
        dues = await _dues(session, month)
        late_amounts: dict[uuid.UUID, tuple[date, Decimal]] = {}
        lines: list[Ocorrencia] = []
        notices: list[dict[str, Any]] = []
        for due in dues:
            plan = plans.get(due.group_code)
            if plan is None:
                continue
            last_due = _last_due_index(cal, due)
            fate = _fate(due, plans, cal, last_due, rng)
            charge = due.charge
            if fate == "unpaid":
                continue
            if fate == "late":
                paid_on = due.installment.due_date + timedelta(days=rng.randrange(3, 26))
                if paid_on >= cal.today:
                    continue
                debts = await delinquency.amount_due(session, due.quota.id, paid_on)
                if not debts.items:
                    continue
                late_amounts[charge.id] = (paid_on, debts.total)
                lines.append(_line(charge, paid_on, debts.total, calendar))
                continue
            if fate == "early":
                paid_on = max(charge.issue_date, cal.today - timedelta(days=rng.randrange(0, 4)))
            else:
                pay_by = calendar.adjust_due_date(charge.due_date)
                paid_on = pay_by - timedelta(days=rng.randrange(0, 6))
                paid_on = max(paid_on, charge.issue_date)
            if paid_on >= cal.today and fate != "early":
                continue
            if fate == "pix":
                notices.append(_notice(charge, paid_on, rng))
            else:
                lines.append(_line(charge, paid_on, charge.amount, calendar))
    for start in range(0, len(notices), PIX_BATCH):
        body = _notices_body(notices[start : start + PIX_BATCH])
        async with db.unit_of_work(tenant_id=tenant_id) as session:
            await pix.apply_notices(session, pix.parse_notices(body))
    if index == 1:
        lines.append(_unknown_line(calendar, lines))
    if not lines:
        lines.append(_unknown_line(calendar, lines))
    lines.sort(key=lambda o: (o.occurrence_date or cal.today, o.nosso_numero))
    generated = max(o.occurrence_date or cal.today for o in lines) + timedelta(days=1)
    retorno = Retorno(
        beneficiario=Beneficiario(
            bank_code=account.bank_code,
            document=account.beneficiary_document,
            name=account.beneficiary_name,
            agencia=account.agencia,
            conta=account.conta,
            agencia_dv=account.agencia_dv,
            conta_dv=account.conta_dv,
            convenio=account.convenio,
            bank_name=account.bank_name,
            carteira=account.carteira,
        ),
        sequence=index + 1,
        generated_on=min(generated, cal.today),
        ocorrencias=tuple(lines),
    )
    content = write_retorno_240(retorno).encode("ascii")
    await import_retorno(db, tenant_id, content, filename=_retorno_name(month))


def _last_due_index(cal: Calendar, due: _Due) -> int:
    """The group's last month index whose due date passed (for 'unpaid in the last N')."""
    day = due.installment.due_date
    index = due.month_index
    while day < cal.today:
        index += 1
        year, month = add_months(day.year, day.month, 1)
        day = date(year, month, min(day.day, 28))
    return index - 1


def _line(charge: Charge, paid_on: date, amount: Decimal, calendar: Any) -> Ocorrencia:
    extra = max(amount - charge.amount, Decimal(0))
    return Ocorrencia(
        movement="06",
        nosso_numero=charge.nosso_numero,
        seu_numero=charge.document_number,
        due_date=charge.due_date,
        face_value=charge.amount,
        paid_amount=amount,
        net_amount=amount,
        juros=extra,
        occurrence_date=paid_on,
        credit_date=calendar.add_business_days(paid_on, 1),
    )


def _unknown_line(calendar: Any, lines: list[Ocorrencia]) -> Ocorrencia:
    """A payment for a boleto this administradora never issued (another system's, a typo in
    the bank): the import must report it, not drop it."""
    on = next((o.occurrence_date for o in lines if o.occurrence_date), None) or today_sp()
    return Ocorrencia(
        movement="06",
        nosso_numero="99999999",
        seu_numero="DESCONHECIDO",
        due_date=on,
        face_value=Decimal("250.00"),
        paid_amount=Decimal("250.00"),
        net_amount=Decimal("250.00"),
        occurrence_date=on,
        credit_date=calendar.add_business_days(on, 1),
    )


def _notice(charge: Charge, paid_on: date, rng: Random) -> dict[str, Any]:
    at = datetime.combine(paid_on, time(9 + rng.randrange(0, 10), rng.randrange(0, 60)))
    stamp = at.strftime("%Y%m%d%H%M")
    tail = "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _ in range(11))
    return {
        "endToEndId": f"E60701190{stamp}{tail}",
        "txid": charge.pix_txid,
        "valor": str(charge.amount),
        "horario": at.replace(tzinfo=SAO_PAULO).isoformat(),
        "pagador": {"nome": ""},
    }


def _notices_body(notices: list[dict[str, Any]]) -> bytes:
    import orjson

    return orjson.dumps({"pix": notices})
