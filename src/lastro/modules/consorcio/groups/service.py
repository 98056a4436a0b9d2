"""Use cases of groups: creation with books, versioned rules, price history, lifecycle and the
formation-window check. Services take the session, flush, never commit.

Public API for the other areas (all ``async`` unless noted):

* ``get_group(session, group_id, *, lock=False) -> Group`` (``GROUP_NOT_FOUND``).
* ``rules_as_of(session, group_id, on) -> GroupRuleVersion`` — the version in force on ``on``.
* ``price_as_of(session, group_id, on) -> Decimal`` — the reference price in force on ``on``.
* ``credit_at(group, credit_base, price) -> Decimal`` (sync) — a quota's credit at a price.
* ``installment_number(group, on) -> int`` (sync) — the group's installment for a date.
* ``add_price(...)`` publishes :class:`~.events.GroupPriceAdded`.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from lastro.core.audit.service import record as audit
from lastro.infra.database import bound_tenant
from lastro.infra.outbox import publish
from lastro.kit.clock import today_sp
from lastro.kit.money import CENT, brl, quantize
from lastro.modules.consorcio.groups import books
from lastro.modules.consorcio.groups.errors import (
    GroupCodeTaken,
    GroupNotConstitutable,
    GroupNotFound,
    InvalidCreditValues,
    InvalidGroup,
    InvalidGroupRules,
    InvalidPrice,
    InvalidTransition,
    PriceConflict,
    RulesNotInForce,
    RuleVersionConflict,
)
from lastro.modules.consorcio.groups.events import (
    GroupCreated,
    GroupFormationExpired,
    GroupPriceAdded,
    GroupRulesVersioned,
    GroupStatusChanged,
)
from lastro.modules.consorcio.groups.models import Group, GroupPrice, GroupRuleVersion
from lastro.modules.consorcio.groups.schemas import (
    GroupCreate,
    GroupRulesIn,
    GroupTransition,
    GroupUpdate,
    PriceCreate,
    RuleVersionCreate,
)

ACTIVE_QUOTA_STATUSES = ("ativa", "contemplada", "quitada")
RES_285_MAX_EXCLUSION = 3
INDEXED = ("incc", "ipca", "nominal_with_index")


# -- reads ------------------------------------------------------------------------------------


async def get_group(session: AsyncSession, group_id: uuid.UUID, *, lock: bool = False) -> Group:
    stmt = select(Group).where(Group.id == group_id)
    if lock:
        stmt = stmt.with_for_update()
    group = await session.scalar(stmt)
    if group is None:
        raise GroupNotFound("Grupo não encontrado.")
    return group


def list_statement(
    *,
    status: str | None = None,
    segment: str | None = None,
    regime: str | None = None,
    q: str | None = None,
) -> Select[Any]:
    stmt = select(Group)
    if status:
        stmt = stmt.where(Group.status == status)
    if segment:
        stmt = stmt.where(Group.segment == segment)
    if regime:
        stmt = stmt.where(Group.regime == regime)
    if q:
        like = f"%{q.strip().lower()}%"
        stmt = stmt.where(func.lower(Group.code).like(like) | func.lower(Group.name).like(like))
    return stmt.order_by(Group.code)


async def rule_versions(session: AsyncSession, group_id: uuid.UUID) -> list[GroupRuleVersion]:
    rows = await session.scalars(
        select(GroupRuleVersion)
        .where(GroupRuleVersion.group_id == group_id)
        .order_by(GroupRuleVersion.effective_from, GroupRuleVersion.version)
    )
    return list(rows.all())


async def rules_as_of(session: AsyncSession, group_id: uuid.UUID, on: date) -> GroupRuleVersion:
    """The version in force on ``on``: the last one effective on or before it."""
    found = await session.scalar(
        select(GroupRuleVersion)
        .where(GroupRuleVersion.group_id == group_id, GroupRuleVersion.effective_from <= on)
        .order_by(GroupRuleVersion.effective_from.desc())
        .limit(1)
    )
    if found is None:
        raise RulesNotInForce(
            f"O grupo não tem regras em vigor em {on.strftime('%d/%m/%Y')}.",
            extra={"on": on.isoformat()},
        )
    return found


async def prices(session: AsyncSession, group_id: uuid.UUID) -> list[GroupPrice]:
    rows = await session.scalars(
        select(GroupPrice)
        .where(GroupPrice.group_id == group_id)
        .order_by(GroupPrice.effective_on.desc())
    )
    return list(rows.all())


async def price_row_as_of(session: AsyncSession, group_id: uuid.UUID, on: date) -> GroupPrice:
    found = await session.scalar(
        select(GroupPrice)
        .where(GroupPrice.group_id == group_id, GroupPrice.effective_on <= on)
        .order_by(GroupPrice.effective_on.desc())
        .limit(1)
    )
    if found is None:  # a date before the group existed: its first price
        found = await session.scalar(
            select(GroupPrice)
            .where(GroupPrice.group_id == group_id)
            .order_by(GroupPrice.effective_on)
            .limit(1)
        )
    if found is None:
        raise InvalidPrice("O grupo não tem preço de referência.", status=409)
    return found


async def price_as_of(session: AsyncSession, group_id: uuid.UUID, on: date) -> Decimal:
    """The reference price in force on ``on``."""
    return (await price_row_as_of(session, group_id, on)).price


def credit_at(group: Group, credit_base: Decimal, price: Decimal) -> Decimal:
    """A quota's credit when the reference price is ``price`` (credits scale with it)."""
    if price == group.base_price:
        return credit_base
    return quantize(credit_base * price / group.base_price, CENT, ROUND_HALF_EVEN)


def _months_between(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month


def schedule_anchor(group: Group) -> date:
    """The month of installment 1: the first assembly, else constitution, else formation."""
    return group.first_assembly_on or group.constituted_on or group.formation_started_on


def installment_number(group: Group, on: date) -> int:
    """The group's installment for a date: 1 in the anchor month, +1 per calendar month,
    kept within 1..term."""
    n = _months_between(schedule_anchor(group), on) + 1
    return max(1, min(group.term_months, n))


async def quota_counts(session: AsyncSession, group_id: uuid.UUID) -> tuple[int, int]:
    """(active quotas, quotas ever sold — every version)."""
    from lastro.modules.consorcio.quotas.models import Quota

    active = await session.scalar(
        select(func.count())
        .select_from(Quota)
        .where(Quota.group_id == group_id, Quota.status.in_(ACTIVE_QUOTA_STATUSES))
    )
    sold = await session.scalar(
        select(func.count()).select_from(Quota).where(Quota.group_id == group_id)
    )
    return int(active or 0), int(sold or 0)


# -- validation ------------------------------------------------------------------------------


def validate_credit_values(values: list[Decimal]) -> list[Decimal]:
    """One value, or mixed values with the smallest at least 50 % of the largest."""
    if not values:
        raise InvalidCreditValues("Informe ao menos um valor de crédito.")
    if len(set(values)) != len(values):
        raise InvalidCreditValues("Valores de crédito repetidos.")
    ordered = sorted(values)
    if ordered[0] * 2 < ordered[-1]:
        raise InvalidCreditValues(
            f"Em grupo de créditos mistos o menor crédito ({ordered[0]}) deve ser ao menos 50 % "
            f"do maior ({ordered[-1]}).",
            extra={"smallest": str(ordered[0]), "largest": str(ordered[-1])},
        )
    return ordered


def validate_rules(regime: str, rules: GroupRulesIn) -> None:
    """Cross-field contract rules (field ranges are checked by the schema)."""
    problems: list[str] = []
    if rules.admin_fee_prepaid_pct > rules.admin_fee_pct:
        problems.append("a taxa de administração antecipada não pode exceder a taxa total")
    if rules.late_group_share_pct < 50 or rules.late_group_share_pct > 100:
        problems.append("a parte do grupo nas multas e juros deve ficar entre 50 % e 100 %")
    if regime == "res_285" and rules.exclusion_threshold > RES_285_MAX_EXCLUSION:
        problems.append("sob a Resolução BCB 285 a exclusão ocorre com no máximo 3 vencimentos")
    if rules.insurance_rate_pct > 0 and rules.insurance_base == "none":
        problems.append("informe a base do seguro quando houver taxa de seguro")
    if not rules.bid_types:
        problems.append("informe ao menos um tipo de lance")
    if "fixo" in rules.bid_types and not rules.bid_rules.fixo_pcts:
        problems.append("lance fixo exige ao menos um percentual em bid_rules.fixo_pcts")
    caps = (rules.bid_rules.embutido_cap_pct, rules.bid_rules.limitado_cap_pct)
    if any(c is not None and c > 100 for c in caps):
        problems.append("limites de lance não podem exceder 100 %")
    if any(p > 100 for p in rules.bid_rules.fixo_pcts):
        problems.append("lance fixo não pode exceder 100 %")
    lo, hi = rules.bid_rules.livre_min_pct, rules.bid_rules.livre_max_pct
    if lo is not None and hi is not None and lo > hi:
        problems.append("o lance livre mínimo excede o máximo")
    reduced = rules.reduced_plan
    if reduced.enabled and not (0 < reduced.fc_discount_pct < 100):
        problems.append("o plano reduzido exige desconto do fundo comum entre 0 % e 100 %")
    if len(set(rules.bid_types)) != len(rules.bid_types):
        problems.append("tipos de lance repetidos")
    if problems:
        raise InvalidGroupRules(
            "Regras inválidas: " + "; ".join(problems) + ".", extra={"problems": problems}
        )


def _rule_values(rules: GroupRulesIn) -> dict[str, Any]:
    data = rules.model_dump(mode="python")
    data["bid_rules"] = rules.bid_rules.model_dump(mode="json")
    data["reduced_plan"] = rules.reduced_plan.model_dump(mode="json")
    data["bid_types"] = list(rules.bid_types)
    return data


# -- writes ----------------------------------------------------------------------------------


async def _formation_days(session: AsyncSession) -> int:
    from lastro.core.config.service import get_settings_for
    from lastro.modules.consorcio.groups.settings import AreaSettings

    return (await get_settings_for(session, "consorcio", AreaSettings)).groups_formation_days


async def create_group(
    session: AsyncSession,
    data: GroupCreate,
    *,
    actor: uuid.UUID | None = None,
    today: date | None = None,
) -> Group:
    """A group in formation, its rules (version 1), its first price and its books."""
    today = today or today_sp()
    credits = validate_credit_values(list(data.credit_values))
    validate_rules(data.regime, data.rules)
    started = data.formation_started_on or today
    if started > today:
        raise InvalidGroup("A data de início da formação não pode estar no futuro.")
    base_price = data.base_price or credits[-1]
    if data.price_index in INDEXED and data.base_index_value is None:
        raise InvalidGroup(
            "Grupo atualizado por índice exige o valor do índice na data base (base_index_value)."
        )
    if data.min_quotas_to_constitute and data.min_quotas_to_constitute > data.max_quotas:
        raise InvalidGroup("O mínimo para constituir excede o número máximo de cotas.")
    group = Group(
        code=data.code,
        name=data.name or f"Grupo {data.code}",
        segment=data.segment,
        status="em_formacao",
        regime=data.regime,
        term_months=data.term_months,
        max_quotas=data.max_quotas,
        credit_values=[str(c) for c in credits],
        reference_asset=data.reference_asset,
        price_index=data.price_index,
        base_price=base_price,
        base_index_value=data.base_index_value,
        min_quotas_to_constitute=data.min_quotas_to_constitute,
        formation_started_on=started,
        formation_deadline=started + timedelta(days=await _formation_days(session)),
        contract_version=data.contract_version,
        description=data.description,
    )
    try:
        async with session.begin_nested():
            session.add(group)
            await session.flush()
    except IntegrityError:
        raise GroupCodeTaken(f"Já existe um grupo com o código {data.code}.") from None
    session.add(
        GroupRuleVersion(
            group_id=group.id,
            version=1,
            effective_from=started,
            reason="Contrato de adesão (versão inicial)",
            created_by=actor,
            **_rule_values(data.rules),
        )
    )
    session.add(
        GroupPrice(
            group_id=group.id,
            effective_on=started,
            price=base_price,
            index_value=data.base_index_value,
            source="base",
            note="Preço de referência na formação do grupo",
            applied=True,
            created_by=actor,
        )
    )
    book = await books.open_group_books(session, group)
    await session.flush()
    audit(session, "consorcio.group.created", "consorcio_group", group.id, after=_snapshot(group))
    publish(
        session,
        GroupCreated(
            tenant_id=bound_tenant(session),
            group_id=group.id,
            code=group.code,
            segment=group.segment,
            ledger_id=book.id,
        ),
    )
    return group


def _snapshot(group: Group) -> dict[str, Any]:
    return {
        "code": group.code,
        "status": group.status,
        "segment": group.segment,
        "regime": group.regime,
        "term_months": group.term_months,
        "max_quotas": group.max_quotas,
        "credit_values": group.credit_values,
    }


async def update_group(session: AsyncSession, group_id: uuid.UUID, data: GroupUpdate) -> Group:
    group = await get_group(session, group_id, lock=True)
    changes = data.model_dump(exclude_unset=True)
    if group.status == "encerrado" and changes:
        raise InvalidTransition("Grupo encerrado não pode ser alterado.")
    before = {k: getattr(group, k) for k in changes}
    minimum = changes.get("min_quotas_to_constitute")
    if minimum is not None and minimum > group.max_quotas:
        raise InvalidGroup("O mínimo para constituir excede o número máximo de cotas.")
    for key, value in changes.items():
        if value is None and key != "min_quotas_to_constitute":
            continue
        setattr(group, key, value)
    await session.flush()
    audit(
        session,
        "consorcio.group.updated",
        "consorcio_group",
        group.id,
        before=before,
        after=changes,
    )
    return group


async def add_rule_version(
    session: AsyncSession,
    group_id: uuid.UUID,
    data: RuleVersionCreate,
    *,
    actor: uuid.UUID | None = None,
    today: date | None = None,
) -> GroupRuleVersion:
    """A new version from ``effective_from`` (today or later, after the latest version):
    what applied before that date stays as it was."""
    today = today or today_sp()
    group = await get_group(session, group_id, lock=True)
    if group.status == "encerrado":
        raise InvalidTransition("Grupo encerrado não pode ter novas regras.")
    validate_rules(group.regime, data)
    if data.effective_from < today:
        raise RuleVersionConflict(
            "Uma nova versão de regras não pode valer para o passado "
            f"(vigência {data.effective_from.strftime('%d/%m/%Y')}).",
        )
    versions = await rule_versions(session, group_id)
    latest = max(versions, key=lambda v: v.effective_from)
    if data.effective_from <= latest.effective_from:
        raise RuleVersionConflict(
            "A vigência deve ser posterior à da versão mais recente "
            f"({latest.effective_from.strftime('%d/%m/%Y')}).",
            extra={"latest_effective_from": latest.effective_from.isoformat()},
        )
    values = _rule_values(data)
    values.pop("effective_from")
    values.pop("reason")
    row = GroupRuleVersion(
        group_id=group_id,
        version=max(v.version for v in versions) + 1,
        effective_from=data.effective_from,
        reason=data.reason,
        created_by=actor,
        **values,
    )
    session.add(row)
    await session.flush()
    audit(
        session,
        "consorcio.group.rules_versioned",
        "consorcio_group",
        group_id,
        after={"version": row.version, "effective_from": row.effective_from.isoformat()},
    )
    publish(
        session,
        GroupRulesVersioned(
            tenant_id=bound_tenant(session),
            group_id=group_id,
            version=row.version,
            effective_from=row.effective_from,
        ),
    )
    return row


async def add_price(
    session: AsyncSession,
    group_id: uuid.UUID,
    data: PriceCreate,
    *,
    actor: uuid.UUID | None = None,
) -> GroupPrice:
    """A new reference price, or index value (price = base price × index / base index), in
    force from ``effective_on`` — after every price already recorded."""
    group = await get_group(session, group_id, lock=True)
    if group.status == "encerrado":
        raise InvalidTransition("Grupo encerrado não recebe novos preços.")
    if (data.price is None) == (data.index_value is None):
        raise InvalidPrice("Informe o novo preço ou o novo valor do índice (um dos dois).")
    if data.index_value is not None:
        if group.base_index_value is None:
            raise InvalidPrice("Este grupo não é atualizado por índice: informe o preço.")
        price = quantize(
            group.base_price * data.index_value / group.base_index_value, CENT, ROUND_HALF_EVEN
        )
        if price <= 0:
            raise InvalidPrice("O índice resulta em preço nulo.")
    else:
        assert data.price is not None
        price = data.price
    latest = (await prices(session, group_id))[0]
    if data.effective_on <= latest.effective_on:
        raise PriceConflict(
            "A vigência do novo preço deve ser posterior à do último "
            f"({latest.effective_on.strftime('%d/%m/%Y')}).",
            extra={"latest_effective_on": latest.effective_on.isoformat()},
        )
    row = GroupPrice(
        group_id=group_id,
        effective_on=data.effective_on,
        price=price,
        index_value=data.index_value,
        source=data.source,
        note=data.note,
        created_by=actor,
    )
    session.add(row)
    await session.flush()
    audit(
        session,
        "consorcio.group.price_added",
        "consorcio_group",
        group_id,
        before={"price": str(latest.price)},
        after={"price": str(price), "effective_on": data.effective_on.isoformat()},
    )
    publish(
        session,
        GroupPriceAdded(
            tenant_id=bound_tenant(session),
            group_id=group_id,
            price_id=row.id,
            effective_on=row.effective_on,
            price=price,
            previous_price=latest.price,
            index_value=data.index_value,
        ),
    )
    return row


async def constitution_problems(session: AsyncSession, group: Group) -> list[str]:
    """Why the group cannot be constituted yet (empty: it can). The monthly common fund of the
    quotas sold must pay for the largest credit, and the contract's minimum must be met."""
    from lastro.modules.consorcio.quotas.models import Quota

    problems: list[str] = []
    rows = (
        await session.execute(
            select(func.count(), func.coalesce(func.sum(Quota.credit_base), 0)).where(
                Quota.group_id == group.id, Quota.status.in_(ACTIVE_QUOTA_STATUSES)
            )
        )
    ).one()
    count, credit_sum = int(rows[0]), Decimal(str(rows[1]))
    if count == 0:
        problems.append("nenhuma cota vendida")
    if group.min_quotas_to_constitute and count < group.min_quotas_to_constitute:
        problems.append(
            f"{count} cotas vendidas; o contrato exige {group.min_quotas_to_constitute}"
        )
    largest = max(Decimal(v) for v in group.credit_values)
    monthly_fund = credit_sum / group.term_months
    if count and monthly_fund < largest:
        problems.append(
            f"o fundo comum mensal das cotas vendidas ({brl(monthly_fund)}) não paga o "
            f"maior crédito ({brl(largest)})"
        )
    return problems


async def transition(
    session: AsyncSession,
    group_id: uuid.UUID,
    data: GroupTransition,
    *,
    today: date | None = None,
) -> Group:
    """em_formacao → em_andamento (constitution) → encerrado; a group whose formation window
    expired may only be closed."""
    today = today or today_sp()
    on = data.on or today
    group = await get_group(session, group_id, lock=True)
    before = group.status
    if data.status == "em_andamento":
        if group.status != "em_formacao":
            raise InvalidTransition(f"Grupo {group.code} não está em formação.")
        if group.formation_expired_on is not None:
            raise InvalidTransition(
                "O prazo de formação expirou: o grupo deve devolver os valores e ser encerrado."
            )
        if on < group.formation_started_on or on > today:
            raise InvalidTransition("Data de constituição fora do período de formação.")
        problems = await constitution_problems(session, group)
        if problems:
            raise GroupNotConstitutable(
                "O grupo não pode ser constituído: " + "; ".join(problems) + ".",
                extra={"problems": problems},
            )
        first_assembly = data.first_assembly_on or group.first_assembly_on or on
        if first_assembly < group.formation_started_on:
            raise InvalidTransition("A primeira assembleia não pode ser anterior à formação.")
        group.status = "em_andamento"
        group.constituted_on = on
        group.first_assembly_on = first_assembly
    else:
        if group.status == "encerrado":
            raise InvalidTransition(f"Grupo {group.code} já está encerrado.")
        if group.status == "em_formacao" and group.formation_expired_on is None:
            raise InvalidTransition(
                "Grupo em formação só é encerrado depois de expirado o prazo de formação."
            )
        if on < (group.constituted_on or group.formation_started_on) or on > today:
            raise InvalidTransition("Data de encerramento inválida.")
        from lastro.modules.consorcio.quotas.service import close_group_quotas

        await close_group_quotas(session, group, on)
        group.status = "encerrado"
        group.closed_on = on
    await session.flush()
    audit(
        session,
        "consorcio.group.status_changed",
        "consorcio_group",
        group.id,
        before={"status": before},
        after={"status": group.status, "on": on.isoformat()},
    )
    publish(
        session,
        GroupStatusChanged(
            tenant_id=bound_tenant(session),
            group_id=group.id,
            code=group.code,
            from_status=before,
            to_status=group.status,
            on=on,
        ),
    )
    return group


async def expire_formation(session: AsyncSession, group: Group, today: date) -> bool:
    """Mark a group still in formation after its deadline, cancel its quotas and record what
    each holder is owed back. Returns False when there is nothing to do (idempotent)."""
    if (
        group.status != "em_formacao"
        or group.formation_expired_on is not None
        or group.formation_deadline >= today
    ):
        return False
    from lastro.modules.consorcio.quotas.service import cancel_for_unconstituted_group

    cancelled, total = await cancel_for_unconstituted_group(session, group, today)
    group.formation_expired_on = today
    await session.flush()
    audit(
        session,
        "consorcio.group.formation_expired",
        "consorcio_group",
        group.id,
        after={"quotas_cancelled": cancelled, "refunds_total": str(total)},
    )
    publish(
        session,
        GroupFormationExpired(
            tenant_id=bound_tenant(session),
            group_id=group.id,
            code=group.code,
            deadline=group.formation_deadline,
            quotas_cancelled=cancelled,
            refunds_total=total,
        ),
    )
    return True
