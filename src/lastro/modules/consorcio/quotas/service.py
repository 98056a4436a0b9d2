"""Use cases of quotas: sale (adesão, vacant quota, reposição) under the 10 % holding cap,
lifecycle status with metering and refunds owed, collection and legal flags, cessão, and the
contract PDF. Services take the session, flush, never commit.

The lifecycle ``status`` moves only through :func:`change_status`, which keeps the tenant's
``active_quotas`` usage counter (the SaaS core prices consórcio plans by it) in step.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from lastro.core.audit.service import record as audit
from lastro.core.billing import usage
from lastro.core.documents.api import Documents
from lastro.infra.database import bound_tenant
from lastro.infra.outbox import publish
from lastro.kit.clock import today_sp, utcnow
from lastro.modules.consorcio.consorciados.models import Consorciado
from lastro.modules.consorcio.consorciados.service import (
    format_document,
    get_consorciado,
    holder_documents,
)
from lastro.modules.consorcio.groups import service as groups
from lastro.modules.consorcio.groups.models import Group, GroupRuleVersion
from lastro.modules.consorcio.quotas.errors import (
    ContractNotFound,
    GroupFull,
    HoldingCapExceeded,
    InvalidSale,
    InvalidStatusChange,
    QuotaNotFound,
    QuotaNumberTaken,
    SaleNotAllowed,
    TransferNotAllowed,
    TransferNotFound,
)
from lastro.modules.consorcio.quotas.events import (
    QuotaSold,
    QuotaStatusChanged,
    QuotaTransferred,
)
from lastro.modules.consorcio.quotas.ledger import PlanChoice, schedule_for
from lastro.modules.consorcio.quotas.models import (
    Quota,
    QuotaPosition,
    QuotaRefund,
    QuotaTransfer,
)
from lastro.modules.consorcio.quotas.schemas import ACTIVE_STATUSES, QuotaSale, QuotaUpdate

METER = "active_quotas"
HOLDING_CAP_PCT = 10
# lifecycle moves an operator may make (closing a group and its non-constitution use their own
# paths); readmission of an excluded member is at the administradora's discretion (art. 35)
TRANSITIONS: dict[str, frozenset[str]] = {
    "ativa": frozenset({"contemplada", "excluida", "desistente", "quitada", "cancelada"}),
    "contemplada": frozenset({"ativa", "quitada"}),
    "quitada": frozenset({"contemplada"}),
    "excluida": frozenset({"ativa"}),
    "desistente": frozenset({"ativa"}),
    "cancelada": frozenset(),
    "encerrada": frozenset(),
}
LEAVING_REFUND = {"excluida": "exclusao", "desistente": "desistencia"}


# -- reads ------------------------------------------------------------------------------------


async def get_quota(session: AsyncSession, quota_id: uuid.UUID, *, lock: bool = False) -> Quota:
    stmt = select(Quota).where(Quota.id == quota_id)
    if lock:
        stmt = stmt.with_for_update()
    quota = await session.scalar(stmt)
    if quota is None:
        raise QuotaNotFound("Cota não encontrada.")
    return quota


async def get_position(session: AsyncSession, quota_id: uuid.UUID) -> QuotaPosition | None:
    return await session.scalar(select(QuotaPosition).where(QuotaPosition.quota_id == quota_id))


def list_statement(
    *,
    group_id: uuid.UUID | None = None,
    consorciado_id: uuid.UUID | None = None,
    status: str | None = None,
    collection_flag: str | None = None,
) -> Select[Any]:
    stmt = select(Quota)
    if group_id:
        stmt = stmt.where(Quota.group_id == group_id)
    if consorciado_id:
        stmt = stmt.where(Quota.consorciado_id == consorciado_id)
    if status:
        stmt = stmt.where(Quota.status == status)
    if collection_flag:
        stmt = stmt.where(Quota.collection_flag == collection_flag)
    return stmt.order_by(Quota.group_id, Quota.number, Quota.version)


async def credit_in_force(session: AsyncSession, quota: Quota, on: date | None = None) -> Decimal:
    """The quota's credit — the price in force for converting percent ↔ reais — on ``on``."""
    group = await groups.get_group(session, quota.group_id)
    price = await groups.price_as_of(session, group.id, on or today_sp())
    return groups.credit_at(group, quota.credit_base, price)


async def versions_of(session: AsyncSession, quota: Quota) -> list[Quota]:
    rows = await session.scalars(
        select(Quota)
        .where(Quota.group_id == quota.group_id, Quota.number == quota.number)
        .order_by(Quota.version)
    )
    return list(rows.all())


# -- sale -------------------------------------------------------------------------------------


def holding_cap(group: Group) -> int:
    """At most 10 % of the group's quotas per holder (and spouse), never less than one."""
    return max(1, group.max_quotas * HOLDING_CAP_PCT // 100)


async def held_in_group(
    session: AsyncSession, group_id: uuid.UUID, documents: Sequence[str]
) -> int:
    """Active quotas of the group held by anyone whose document (or spouse's) is listed."""
    count = await session.scalar(
        select(func.count())
        .select_from(Quota)
        .join(Consorciado, Consorciado.id == Quota.consorciado_id)
        .where(
            Quota.group_id == group_id,
            Quota.status.in_(ACTIVE_STATUSES),
            or_(
                Consorciado.document.in_(list(documents)),
                Consorciado.spouse_document.in_(list(documents)),
            ),
        )
    )
    return int(count or 0)


async def _check_cap(session: AsyncSession, group: Group, holder: Consorciado) -> None:
    cap = holding_cap(group)
    held = await held_in_group(session, group.id, holder_documents(holder))
    if held + 1 > cap:
        raise HoldingCapExceeded(
            f"{holder.name} (com cônjuge) já tem {held} cota(s) ativa(s) no grupo {group.code}; "
            f"o limite é {cap} (10 % das {group.max_quotas} cotas).",
            extra={"held": held, "cap": cap},
        )


async def _pick_number(
    session: AsyncSession, group: Group, wanted: int | None
) -> tuple[int, Quota | None]:
    """(number, the version it replaces or None). A number is free when it was never sold or
    its latest version left the group (excluded, withdrawn, cancelled)."""
    rows = (
        await session.execute(
            select(Quota.number, func.max(Quota.version))
            .where(Quota.group_id == group.id)
            .group_by(Quota.number)
        )
    ).all()
    latest_version = {int(n): int(v) for n, v in rows}
    occupied = {
        int(n)
        for n in (
            await session.scalars(
                select(Quota.number).where(
                    Quota.group_id == group.id, Quota.status.in_(ACTIVE_STATUSES)
                )
            )
        ).all()
    }
    if len(occupied) >= group.max_quotas:
        raise GroupFull(f"O grupo {group.code} já tem as {group.max_quotas} cotas ocupadas.")
    if wanted is not None:
        if wanted > group.max_quotas:
            raise InvalidSale(f"A cota {wanted} não existe: o grupo tem {group.max_quotas} cotas.")
        if wanted in occupied:
            raise QuotaNumberTaken(f"A cota {wanted} do grupo {group.code} está ocupada.")
        number = wanted
    else:
        never_sold = [n for n in range(1, group.max_quotas + 1) if n not in latest_version]
        vacated = sorted(set(latest_version) - occupied)
        number = never_sold[0] if never_sold else vacated[0]
    previous = None
    if number in latest_version:
        previous = await session.scalar(
            select(Quota).where(
                Quota.group_id == group.id,
                Quota.number == number,
                Quota.version == latest_version[number],
            )
        )
    return number, previous


async def sell_quota(
    session: AsyncSession,
    group_id: uuid.UUID,
    data: QuotaSale,
    *,
    documents: Documents | None = None,
    actor: uuid.UUID | None = None,
    today: date | None = None,
) -> Quota:
    """Sell a quota: into a group in formation (adesão), a vacant number of a running group, or
    an excluded quota's number again (reposição: same number, next version; the old version
    keeps its refund). Locks the group so numbers and the holding cap are decided one sale at
    a time; counts the quota in the tenant's ``active_quotas``; generates the contract PDF."""
    today = today or today_sp()
    sold_on = data.sold_on or today
    if sold_on > today:
        raise InvalidSale("A data da venda não pode estar no futuro.")
    group = await groups.get_group(session, group_id, lock=True)
    if group.status == "encerrado":
        raise SaleNotAllowed(f"O grupo {group.code} está encerrado.")
    if group.status == "em_formacao" and group.formation_expired_on is not None:
        raise SaleNotAllowed(f"O prazo de formação do grupo {group.code} expirou sem constituição.")
    if sold_on < group.formation_started_on:
        raise InvalidSale("A data da venda é anterior ao início do grupo.")
    credits = [Decimal(v) for v in group.credit_values]
    credit = data.credit_value if data.credit_value is not None else None
    if credit is None:
        if len(credits) > 1:
            raise InvalidSale(
                "Grupo de créditos mistos: informe credit_value.",
                extra={"credit_values": [str(c) for c in credits]},
            )
        credit = credits[0]
    if credit not in credits:
        raise InvalidSale(
            f"Crédito {credit} não é oferecido pelo grupo {group.code}.",
            extra={"credit_values": [str(c) for c in credits]},
        )
    holder = await get_consorciado(session, data.consorciado_id)
    if holder.anonymized_at is not None:
        raise InvalidSale("Cadastro anonimizado não pode adquirir cotas.")
    await _check_cap(session, group, holder)
    number, previous = await _pick_number(session, group, data.number)
    rules = await groups.rules_as_of(session, group.id, sold_on)
    if data.reduced_plan and not (rules.reduced_plan or {}).get("enabled"):
        raise InvalidSale("O grupo não oferece plano de parcela reduzida.")
    running = group.status == "em_andamento"
    joined = groups.installment_number(group, sold_on) if running else 1
    origin = "adesao_formacao"
    if running:
        origin = (
            "reposicao"
            if previous is not None and previous.status == "excluida"
            else ("adesao_vaga")
        )
    choice = PlanChoice(joined, reduced=data.reduced_plan)
    schedule = schedule_for(group, rules, choice)
    obligation = schedule.obligation
    quota = Quota(
        group_id=group.id,
        number=number,
        version=(previous.version + 1) if previous is not None else 1,
        consorciado_id=holder.id,
        status="ativa",
        status_changed_on=sold_on,
        origin=origin,
        previous_version_id=previous.id if previous is not None else None,
        credit_base=credit,
        sold_on=sold_on,
        proposal_number=data.proposal_number,
        seller_code=data.seller_code,
        seller_name=data.seller_name,
        dealer_code=data.dealer_code,
        dealer_name=data.dealer_name,
        joined_at_installment=joined,
        rules_version=rules.version,
        contract_version=group.contract_version,
        legal_flags=[],
    )
    session.add(quota)
    await session.flush()
    reduced = rules.reduced_plan or {}
    months = reduced.get("months") if data.reduced_plan else None
    session.add(
        QuotaPosition(
            quota_id=quota.id,
            group_id=group.id,
            fc_total_pct=obligation.fundo_comum,
            ta_total_pct=obligation.taxa_administracao,
            fr_total_pct=obligation.fundo_reserva,
            ins_total_pct=obligation.seguro,
            plan="reduced" if data.reduced_plan else ("late_joiner" if joined > 1 else "normal"),
            plan_first_installment=schedule.first_month,
            plan_last_installment=schedule.last_month,
            reduced_fc_discount_pct=(
                Decimal(str(reduced.get("fc_discount_pct", "0"))) if data.reduced_plan else 0
            ),
            reduced_until_installment=(schedule.first_month + int(months) - 1 if months else None),
            residual_fc_pct=schedule.residual.fundo_comum,
        )
    )
    await session.flush()
    await usage.consume(session, METER)
    if documents is not None:
        await generate_contract(session, quota, documents, group=group, rules=rules, actor=actor)
    audit(
        session,
        "consorcio.quota.sold",
        "consorcio_quota",
        quota.id,
        after={
            "group": group.code,
            "number": number,
            "version": quota.version,
            "origin": origin,
            "credit": str(credit),
            "consorciado_id": str(holder.id),
            "seller": data.seller_code,
            "dealer": data.dealer_code,
        },
    )
    publish(
        session,
        QuotaSold(
            tenant_id=bound_tenant(session),
            quota_id=quota.id,
            group_id=group.id,
            consorciado_id=holder.id,
            number=number,
            version=quota.version,
            origin=origin,
            credit_base=credit,
            sold_on=sold_on,
            seller_code=data.seller_code,
            dealer_code=data.dealer_code,
        ),
    )
    return quota


# -- contract ---------------------------------------------------------------------------------


def _pct(value: Decimal) -> str:
    text = f"{value.normalize():f}".replace(".", ",")
    return f"{text} %"


def _brl(value: Decimal) -> str:
    from lastro.br.money_text import format_brl

    return format_brl(value)


def contract_clauses(
    group: Group, rules: GroupRuleVersion, quota: Quota, holder: Consorciado
) -> list[str]:
    """The contract's clauses from the group's terms and the rule version the quota joined."""
    regime = {
        "res_285": "Resolução BCB nº 285/2023",
        "circular_3432": "Circular BCB nº 3.432/2009",
    }.get(group.regime, group.regime)
    bids = ", ".join(rules.bid_types) or "nenhum"
    clauses = [
        f"Objeto: participação na cota nº {quota.number:03d} (versão {quota.version}) do grupo "
        f"{group.code}, segmento {group.segment}, referenciada ao bem '{group.reference_asset}', "
        f"com crédito de {_brl(quota.credit_base)} no preço de referência de "
        f"{_brl(group.base_price)}, atualizado pelo critério '{group.price_index}'.",
        f"Prazo do grupo: {group.term_months} meses; número máximo de cotas: "
        f"{group.max_quotas}. Regime regulatório: {regime}. Contrato versão "
        f"{group.contract_version}, regras versão {rules.version} (vigentes desde "
        f"{rules.effective_from.strftime('%d/%m/%Y')}).",
        "Todos os direitos e obrigações são expressos em percentual do preço do bem de "
        "referência (Lei 11.795/2008, art. 27, § 1º): fundo comum de 100 %, taxa de "
        f"administração de {_pct(rules.admin_fee_pct)} (dos quais "
        f"{_pct(rules.admin_fee_prepaid_pct)} antecipados na adesão), fundo de reserva de "
        f"{_pct(rules.reserve_fund_pct)}"
        + (
            f" e seguro de {_pct(rules.insurance_rate_pct)} ao mês sobre {rules.insurance_base}."
            if rules.insurance_rate_pct
            else "."
        ),
        f"A parcela vence no dia {rules.due_day} de cada mês; a assembleia geral ordinária "
        f"ocorre no dia {rules.assembly_day}. Concorre à contemplação o consorciado em dia "
        f"até {rules.payment_cutoff_days} dia(s) antes da assembleia.",
        f"Atraso: multa de {_pct(rules.late_fine_pct)} e juros de "
        f"{_pct(rules.late_interest_monthly_pct)} ao mês pro rata die, dos quais "
        f"{_pct(rules.late_group_share_pct)} revertem ao grupo (Lei 11.795/2008, art. 28).",
        f"Contemplação por sorteio (método {rules.draw_method}, "
        f"{rules.draws_per_assembly} por assembleia) e por lance ({bids}); desempate: "
        f"{rules.tie_break}; o lance vencedor amortiza as parcelas em ordem "
        f"{rules.amortization_order}.",
        f"Exclusão do consorciado não contemplado após {rules.exclusion_threshold} vencimento(s) "
        "sem pagamento; o excluído é restituído do valor pago ao fundo comum, no percentual "
        "amortizado, pelo preço do bem na data da assembleia que contemplar sua cota "
        "(Lei 11.795/2008, art. 30).",
        "Nenhuma tarifa é cobrada pela emissão de boletos. A cessão da cota depende de anuência "
        "prévia da administradora (Lei 11.795/2008, art. 13).",
        f"O consorciado ({holder.name}) declara conhecer o regulamento do grupo e autoriza o "
        "tratamento de seus dados pessoais para a execução deste contrato (LGPD, art. 7º, V).",
    ]
    if quota.joined_at_installment > 1:
        clauses.insert(
            3,
            f"Adesão com o grupo em andamento (parcela {quota.joined_at_installment}): o "
            "consorciado quita suas obrigações dentro do prazo restante do grupo "
            f"({group.term_months - quota.joined_at_installment + 1} meses).",
        )
    return clauses


async def generate_contract(
    session: AsyncSession,
    quota: Quota,
    documents: Documents,
    *,
    group: Group | None = None,
    rules: GroupRuleVersion | None = None,
    actor: uuid.UUID | None = None,
) -> uuid.UUID:
    """Render the branded contract PDF from the group's contract version and keep it as a
    document linked to the quota; returns the document id."""
    group = group or await groups.get_group(session, quota.group_id)
    if rules is None:
        from lastro.modules.consorcio.quotas.ledger import quota_rules

        rules = await quota_rules(session, quota)
    holder = await get_consorciado(session, quota.consorciado_id)
    address = ", ".join(
        p for p in (holder.street, holder.number, holder.district, holder.city, holder.state) if p
    )
    tenant_name = await _tenant_name(session)
    data: dict[str, Any] = {
        "title": "Contrato de participação em grupo de consórcio, por adesão",
        "number": f"{group.code}-{quota.number:03d}.{quota.version}",
        "parties": [
            {"name": tenant_name, "document": None, "address": "Administradora"},
            {
                "name": holder.name,
                "document": format_document(holder.kind, holder.document),
                "address": address or None,
            },
        ],
        "clauses": contract_clauses(group, rules, quota, holder),
        "place": holder.city,
        "date": quota.sold_on,
    }
    _, document = await documents.pdf(
        session,
        "contract",
        data,
        keep_as=f"contrato-{group.code}-cota-{quota.number:03d}-v{quota.version}.pdf",
        category="consorcio.contrato",
        resource_type="consorcio_quota",
        resource_id=str(quota.id),
        actor=actor,
    )
    assert document is not None
    quota.contract_document_id = document.id
    await session.flush()
    return document.id


async def _tenant_name(session: AsyncSession) -> str:
    from lastro.core.platform.models import Tenant

    tenant_id = bound_tenant(session)
    tenant = await session.get(Tenant, tenant_id) if tenant_id else None
    return tenant.name if tenant is not None else "Administradora"


async def contract_document(session: AsyncSession, quota: Quota) -> Any:
    from lastro.core.documents.models import Document

    if quota.contract_document_id is None:
        raise ContractNotFound("A cota ainda não tem contrato gerado.")
    document = await session.scalar(
        select(Document).where(Document.id == quota.contract_document_id)
    )
    if document is None:
        raise ContractNotFound("O contrato da cota não está mais disponível.")
    return document


# -- lifecycle and flags ----------------------------------------------------------------------


async def change_status(
    session: AsyncSession,
    quota: Quota,
    status: str,
    *,
    reason: str = "",
    on: date | None = None,
    check: bool = True,
) -> Quota:
    """Move the quota's lifecycle, keeping the ``active_quotas`` counter in step and recording
    the refund owed when a quota leaves (excluded or withdrawn). ``check=False`` is for the
    system's own moves (group closing, formation expiry)."""
    on = on or today_sp()
    before = quota.status
    if status == before:
        return quota
    if check and status not in TRANSITIONS.get(before, frozenset()):
        raise InvalidStatusChange(
            f"A cota não pode passar de '{before}' para '{status}'.",
            extra={"from": before, "to": status},
        )
    was_active, is_active = before in ACTIVE_STATUSES, status in ACTIVE_STATUSES
    if is_active and not was_active:
        newer = await session.scalar(
            select(func.count())
            .select_from(Quota)
            .where(
                Quota.group_id == quota.group_id,
                Quota.number == quota.number,
                Quota.version > quota.version,
            )
        )
        if newer:
            raise InvalidStatusChange(
                "O número desta cota já foi vendido novamente (reposição); não é possível "
                "readmitir esta versão."
            )
        await usage.consume(session, METER)
        await _cancel_open_refunds(session, quota, "Consorciado readmitido")
    elif was_active and not is_active:
        await usage.release(session, METER)
    quota.status = status
    quota.status_reason = reason[:200]
    quota.status_changed_on = on
    if status in LEAVING_REFUND:
        quota.excluded_on = on
        await _record_refund(session, quota, LEAVING_REFUND[status], on)
    if status == "contemplada" and quota.contemplated_on is None:
        quota.contemplated_on = on
    if status == "ativa" and before == "contemplada":
        quota.contemplated_on = None
        quota.contemplation_kind = None
    if status == "ativa":
        quota.excluded_on = None
    await session.flush()
    audit(
        session,
        "consorcio.quota.status_changed",
        "consorcio_quota",
        quota.id,
        before={"status": before},
        after={"status": status, "reason": reason, "on": on.isoformat()},
    )
    publish(
        session,
        QuotaStatusChanged(
            tenant_id=bound_tenant(session),
            quota_id=quota.id,
            group_id=quota.group_id,
            from_status=before,
            to_status=status,
            on=on,
            reason=reason,
        ),
    )
    return quota


async def _record_refund(
    session: AsyncSession,
    quota: Quota,
    reason: str,
    on: date,
    *,
    amount: Decimal | None = None,
    status: str = "owed",
    note: str = "",
) -> QuotaRefund:
    """The refund right of a quota that left: the FC percent amortized now; the amount is
    fixed when it becomes payable (contemplation of the excluded quota or closing)."""
    position = await get_position(session, quota.id)
    ref = f"refund:{quota.id}:{reason}:{on.isoformat()}"
    existing = await session.scalar(select(QuotaRefund).where(QuotaRefund.source_ref == ref))
    if existing is not None:
        return existing
    row = QuotaRefund(
        quota_id=quota.id,
        group_id=quota.group_id,
        reason=reason,
        status=status,
        owed_since=on,
        fc_paid_pct=position.fc_paid_pct if position is not None else Decimal(0),
        amount=amount,
        source_ref=ref,
        note=note,
    )
    session.add(row)
    await session.flush()
    return row


async def _cancel_open_refunds(session: AsyncSession, quota: Quota, note: str) -> None:
    rows = await session.scalars(
        select(QuotaRefund).where(
            QuotaRefund.quota_id == quota.id, QuotaRefund.status.in_(("owed", "payable"))
        )
    )
    for row in rows.all():
        row.status = "cancelled"
        row.note = note


async def set_collection_flag(
    session: AsyncSession, quota: Quota, flag: str, overdue_installments: int
) -> None:
    """The collection situation (delinquency area): ``em_dia``, ``atraso_1``, ``atraso_2``…"""
    if not flag or len(flag) > 20 or overdue_installments < 0:
        raise InvalidSale("Situação de cobrança inválida.")
    quota.collection_flag = flag
    quota.overdue_installments = overdue_installments
    await session.flush()


async def set_legal_flags(session: AsyncSession, quota: Quota, flags: Sequence[str]) -> None:
    """Legal situation flags (ajuizada, acordo, busca_apreensao, reclamacao_bacen…), apart
    from the lifecycle status."""
    cleaned = sorted({f.strip().lower() for f in flags if f.strip()})
    before = list(quota.legal_flags or [])
    quota.legal_flags = cleaned
    await session.flush()
    if before != cleaned:
        audit(
            session,
            "consorcio.quota.legal_flags",
            "consorcio_quota",
            quota.id,
            before={"legal_flags": before},
            after={"legal_flags": cleaned},
        )


async def update_quota(
    session: AsyncSession, quota_id: uuid.UUID, data: QuotaUpdate, *, today: date | None = None
) -> Quota:
    quota = await get_quota(session, quota_id, lock=True)
    given = data.model_fields_set
    for attr in ("proposal_number", "seller_code", "seller_name", "dealer_code", "dealer_name"):
        if attr in given and getattr(data, attr) is not None:
            setattr(quota, attr, getattr(data, attr))
    if "legal_flags" in given and data.legal_flags is not None:
        await set_legal_flags(session, quota, data.legal_flags)
    if "status" in given and data.status is not None and data.status != quota.status:
        if data.status == "encerrada":
            raise InvalidStatusChange("Cotas são encerradas com o encerramento do grupo.")
        if data.status in ACTIVE_STATUSES or quota.status in ACTIVE_STATUSES:
            group = await groups.get_group(session, quota.group_id)
            if group.status == "encerrado":
                raise InvalidStatusChange("O grupo da cota está encerrado.")
        await change_status(session, quota, data.status, reason=data.status_reason or "", on=today)
    await session.flush()
    return quota


async def close_group_quotas(session: AsyncSession, group: Group, on: date) -> int:
    """The group closed: its active quotas end (and leave the active count)."""
    rows = await session.scalars(
        select(Quota)
        .where(Quota.group_id == group.id, Quota.status.in_(ACTIVE_STATUSES))
        .with_for_update()
    )
    closed = 0
    for quota in rows.all():
        await change_status(
            session, quota, "encerrada", reason="Encerramento do grupo", on=on, check=False
        )
        closed += 1
    return closed


async def cancel_for_unconstituted_group(
    session: AsyncSession, group: Group, on: date
) -> tuple[int, Decimal]:
    """The group missed its formation window: cancel its quotas and owe each holder back what
    they paid (payable now). Returns (quotas cancelled, total owed)."""
    rows = await session.scalars(
        select(Quota)
        .where(Quota.group_id == group.id, Quota.status.in_(ACTIVE_STATUSES))
        .with_for_update()
    )
    count, total = 0, Decimal("0.00")
    for quota in rows.all():
        await change_status(
            session,
            quota,
            "cancelada",
            reason="Grupo não constituído no prazo de formação",
            on=on,
            check=False,
        )
        position = await get_position(session, quota.id)
        paid = position.paid_amount if position is not None else Decimal("0.00")
        await _record_refund(
            session,
            quota,
            "grupo_nao_constituido",
            on,
            amount=paid,
            status="payable",
            note="Devolução dos valores pagos (primeira parcela e taxa antecipada), com "
            "rendimentos",
        )
        count += 1
        total += paid
    return count, total


# -- cessão ---------------------------------------------------------------------------------


async def transfers_of(session: AsyncSession, quota_id: uuid.UUID) -> list[QuotaTransfer]:
    rows = await session.scalars(
        select(QuotaTransfer)
        .where(QuotaTransfer.quota_id == quota_id)
        .order_by(QuotaTransfer.created_at.desc(), QuotaTransfer.id.desc())
    )
    return list(rows.all())


async def pending_transfer(session: AsyncSession, quota_id: uuid.UUID) -> QuotaTransfer | None:
    return await session.scalar(
        select(QuotaTransfer).where(
            QuotaTransfer.quota_id == quota_id, QuotaTransfer.status == "pending"
        )
    )


async def request_transfer(
    session: AsyncSession,
    quota_id: uuid.UUID,
    to_consorciado_id: uuid.UUID,
    *,
    reason: str = "",
    fee_amount: Decimal = Decimal(0),
    today: date | None = None,
) -> QuotaTransfer:
    """Ask to pass the quota to another holder; it waits for the administradora's consent."""
    quota = await get_quota(session, quota_id, lock=True)
    if quota.status not in ("ativa", "contemplada", "quitada"):
        raise TransferNotAllowed(f"Cota '{quota.status}' não pode ser cedida.")
    if await pending_transfer(session, quota.id) is not None:
        raise TransferNotAllowed("Já existe uma cessão pendente para esta cota.")
    target = await get_consorciado(session, to_consorciado_id)
    if target.id == quota.consorciado_id:
        raise TransferNotAllowed("O cessionário já é o titular da cota.")
    if target.anonymized_at is not None:
        raise TransferNotAllowed("Cadastro anonimizado não pode receber cotas.")
    group = await groups.get_group(session, quota.group_id)
    await _check_cap(session, group, target)
    row = QuotaTransfer(
        quota_id=quota.id,
        from_consorciado_id=quota.consorciado_id,
        to_consorciado_id=target.id,
        status="pending",
        requested_on=today or today_sp(),
        reason=reason,
        fee_amount=fee_amount,
    )
    session.add(row)
    await session.flush()
    audit(
        session,
        "consorcio.quota.transfer_requested",
        "consorcio_quota",
        quota.id,
        after={"transfer_id": str(row.id), "to": str(target.id)},
    )
    return row


@dataclass(frozen=True)
class Decision:
    transfer: QuotaTransfer
    quota: Quota


async def decide_transfer(
    session: AsyncSession,
    quota_id: uuid.UUID,
    transfer_id: uuid.UUID,
    decision: str,
    *,
    note: str = "",
    actor: uuid.UUID | None = None,
    documents: Documents | None = None,
) -> Decision:
    """Approve (the quota changes holder; a new contract is issued), reject or cancel a
    pending cessão."""
    quota = await get_quota(session, quota_id, lock=True)
    row = await session.scalar(
        select(QuotaTransfer)
        .where(QuotaTransfer.id == transfer_id, QuotaTransfer.quota_id == quota.id)
        .with_for_update()
    )
    if row is None:
        raise TransferNotFound("Cessão não encontrada.")
    if row.status != "pending":
        raise TransferNotAllowed(f"A cessão já foi decidida ({row.status}).")
    if decision == "approve":
        if quota.consorciado_id != row.from_consorciado_id:
            raise TransferNotAllowed("O titular da cota mudou desde o pedido de cessão.")
        if quota.status not in ("ativa", "contemplada", "quitada"):
            raise TransferNotAllowed(f"Cota '{quota.status}' não pode ser cedida.")
        group = await groups.get_group(session, quota.group_id)
        target = await get_consorciado(session, row.to_consorciado_id)
        await _check_cap(session, group, target)
        quota.consorciado_id = target.id
        row.status = "approved"
    else:
        row.status = "rejected" if decision == "reject" else "cancelled"
    row.decided_at = utcnow()
    row.decided_by = actor
    row.decision_note = note
    await session.flush()
    audit(
        session,
        f"consorcio.quota.transfer_{row.status}",
        "consorcio_quota",
        quota.id,
        after={"transfer_id": str(row.id), "note": note},
    )
    if row.status == "approved":
        if documents is not None:
            await generate_contract(session, quota, documents, actor=actor)
        publish(
            session,
            QuotaTransferred(
                tenant_id=bound_tenant(session),
                quota_id=quota.id,
                transfer_id=row.id,
                from_consorciado_id=row.from_consorciado_id,
                to_consorciado_id=row.to_consorciado_id,
            ),
        )
    return Decision(row, quota)


# -- metering ---------------------------------------------------------------------------------


async def count_active(session: AsyncSession) -> int:
    """The tenant's active quotas (the ``active_quotas`` usage meter)."""
    value = await session.scalar(
        select(func.count()).select_from(Quota).where(Quota.status.in_(ACTIVE_STATUSES))
    )
    return int(value or 0)
