"""Every list of the staff pages as an export source (CSV, XLSX, PDF through the core exports
service), with the same filters as the page, so the buttons export what the page shows.

Registered at import time under ``consorcio.*``, one per list (the other areas register none of
their own). The tenancy guard scopes each query; a source never filters by tenant itself.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from lastro.core.exports.errors import InvalidFilter
from lastro.core.exports.registry import AnySelect, Column, Filter, register_export
from lastro.kit.clock import today_sp
from lastro.modules.consorcio.backoffice import queries
from lastro.modules.consorcio.backoffice.web import READ
from lastro.modules.consorcio.billing.models import BillingRun, Charge, Installment
from lastro.modules.consorcio.consorciados.models import Consorciado
from lastro.modules.consorcio.delinquency.models import DelinquencyPosition
from lastro.modules.consorcio.groups.models import (
    Group,
    GroupBookPosting,
    GroupPrice,
    GroupRuleVersion,
)
from lastro.modules.consorcio.payments.models import Payment, PaymentException, RetornoImport
from lastro.modules.consorcio.quotas.models import Quota, QuotaPosition

PREFIX = "consorcio."


def _uuid(filters: Mapping[str, Any], name: str) -> uuid.UUID | None:
    raw = filters.get(name)
    if not raw:
        return None
    try:
        return uuid.UUID(str(raw))
    except ValueError:
        raise InvalidFilter(
            f"Valor inválido para o filtro '{name}': {raw}.", extra={"filter": name}
        ) from None


def _groups(filters: Mapping[str, Any]) -> AnySelect:
    base = queries.groups_stmt(filters).subquery()
    today = today_sp()
    prices = queries.price_on(today).subquery()
    return (
        select(
            base.c.code,
            base.c.name,
            base.c.segment,
            base.c.status,
            base.c.regime,
            base.c.term_months,
            base.c.max_quotas,
            base.c.active,
            base.c.late,
            prices.c.price,
            base.c.reference_asset,
            base.c.price_index,
            base.c.constituted_on,
        )
        .outerjoin(prices, prices.c.group_id == base.c.id)
        .order_by(base.c.code)
    )


register_export(
    PREFIX + "groups",
    [
        Column("code", "Grupo", width=12),
        Column("name", "Nome", width=28),
        Column("segment", "Segmento", width=14),
        Column("status", "Situação", width=14),
        Column("regime", "Regime", width=14),
        Column("term_months", "Prazo (meses)", "int", width=8),
        Column("max_quotas", "Máx. cotas", "int", width=8),
        Column("active", "Cotas ativas", "int", width=8),
        Column("late", "Cotas em atraso", "int", width=8),
        Column("price", "Preço do bem (R$)", "decimal", width=14),
        Column("reference_asset", "Bem de referência", width=30),
        Column("price_index", "Índice", width=16),
        Column("constituted_on", "Constituído em", "date", width=12),
    ],
    _groups,
    READ,
    title="Grupos de consórcio",
    filters=[Filter("q", "Busca"), Filter("segment", "Segmento"), Filter("status", "Situação")],
)


def _quotas(filters: Mapping[str, Any]) -> AnySelect:
    typed = dict(filters)
    typed["group_id"] = _uuid(filters, "group_id")
    typed["consorciado_id"] = _uuid(filters, "consorciado_id")
    stmt = (
        select(
            Group.code,
            Quota.number,
            Quota.version,
            Consorciado.name,
            Consorciado.document,
            Quota.status,
            Quota.collection_flag,
            Quota.overdue_installments,
            Quota.origin,
            Quota.credit_base,
            Quota.sold_on,
            QuotaPosition.plan,
            QuotaPosition.installments_paid,
            QuotaPosition.fc_paid_pct,
            QuotaPosition.ta_paid_pct,
            QuotaPosition.fr_paid_pct,
            QuotaPosition.paid_amount,
            Quota.contemplated_on,
            Quota.excluded_on,
            Quota.seller_name,
            Quota.dealer_name,
        )
        .join(Group, Group.id == Quota.group_id)
        .join(Consorciado, Consorciado.id == Quota.consorciado_id)
        .outerjoin(QuotaPosition, QuotaPosition.quota_id == Quota.id)
        .order_by(Group.code, Quota.number, Quota.version)
    )
    # the page's query decides which quotas; this one only picks the columns
    ids = queries.quotas_stmt(typed).with_only_columns(Quota.id).order_by(None)
    return stmt.where(Quota.id.in_(ids))


register_export(
    PREFIX + "quotas",
    [
        Column("group", "Grupo", width=12),
        Column("number", "Cota", "int", width=7),
        Column("version", "Versão", "int", width=7),
        Column("holder", "Consorciado", width=30),
        Column("document", "CPF/CNPJ", width=16),
        Column("status", "Situação", width=12),
        Column("collection_flag", "Cobrança", width=12),
        Column("overdue", "Parcelas em atraso", "int", width=8),
        Column("origin", "Origem", width=14),
        Column("credit_base", "Crédito base (R$)", "decimal", width=14),
        Column("sold_on", "Venda", "date", width=12),
        Column("plan", "Plano", width=12),
        Column("installments_paid", "Parcelas pagas", "int", width=8),
        Column("fc_paid_pct", "FC pago (%)", "decimal", width=12),
        Column("ta_paid_pct", "TA paga (%)", "decimal", width=12),
        Column("fr_paid_pct", "FR pago (%)", "decimal", width=12),
        Column("paid_amount", "Total pago (R$)", "decimal", width=14),
        Column("contemplated_on", "Contemplada em", "date", width=12),
        Column("excluded_on", "Excluída em", "date", width=12),
        Column("seller", "Vendedor", width=20),
        Column("dealer", "Revenda", width=20),
    ],
    _quotas,
    READ,
    title="Cotas de consórcio",
    filters=[
        Filter("q", "Busca"),
        Filter("status", "Situação"),
        Filter("collection_flag", "Cobrança"),
        Filter("group_id", "Grupo (id)"),
        Filter("consorciado_id", "Consorciado (id)"),
    ],
)


def _consorciados(filters: Mapping[str, Any]) -> AnySelect:
    base = queries.consorciados_stmt(filters).subquery()
    return select(
        base.c.name,
        base.c.kind,
        base.c.document,
        base.c.email,
        base.c.mobile,
        base.c.city,
        base.c.state,
        base.c.cep,
        base.c.monthly_income,
        base.c.pep,
        base.c.lgpd_consent,
        base.c.quotas,
        base.c.active,
    ).order_by(base.c.name, base.c.id)


register_export(
    PREFIX + "consorciados",
    [
        Column("name", "Nome", width=30),
        Column("kind", "Tipo", width=5),
        Column("document", "CPF/CNPJ", width=16),
        Column("email", "E-mail", width=28),
        Column("mobile", "Celular", width=15),
        Column("city", "Cidade", width=18),
        Column("state", "UF", width=4),
        Column("cep", "CEP", width=9),
        Column("monthly_income", "Renda mensal (R$)", "decimal", width=14),
        Column("pep", "PEP", "bool", width=5),
        Column("lgpd_consent", "Consentimento LGPD", "bool", width=8),
        Column("quotas", "Cotas", "int", width=6),
        Column("active", "Cotas ativas", "int", width=6),
    ],
    _consorciados,
    READ,
    title="Consorciados",
    filters=[Filter("q", "Busca"), Filter("kind", "Tipo (pf/pj)")],
)


def _rules(filters: Mapping[str, Any]) -> AnySelect:
    stmt = (
        select(
            Group.code,
            GroupRuleVersion.version,
            GroupRuleVersion.effective_from,
            GroupRuleVersion.admin_fee_pct,
            GroupRuleVersion.admin_fee_prepaid_pct,
            GroupRuleVersion.reserve_fund_pct,
            GroupRuleVersion.insurance_rate_pct,
            GroupRuleVersion.late_fine_pct,
            GroupRuleVersion.late_interest_monthly_pct,
            GroupRuleVersion.late_group_share_pct,
            GroupRuleVersion.assembly_day,
            GroupRuleVersion.due_day,
            GroupRuleVersion.exclusion_threshold,
            GroupRuleVersion.draw_method,
            GroupRuleVersion.tie_break,
            GroupRuleVersion.amortization_order,
            GroupRuleVersion.reason,
        )
        .join(Group, Group.id == GroupRuleVersion.group_id)
        .order_by(Group.code, GroupRuleVersion.version)
    )
    group_id = _uuid(filters, "group_id")
    if group_id:
        stmt = stmt.where(GroupRuleVersion.group_id == group_id)
    return stmt


register_export(
    PREFIX + "group_rules",
    [
        Column("group", "Grupo", width=12),
        Column("version", "Versão", "int", width=7),
        Column("effective_from", "Vigência", "date", width=12),
        Column("admin_fee_pct", "Taxa adm. (%)", "decimal", width=10),
        Column("admin_fee_prepaid_pct", "Taxa antecipada (%)", "decimal", width=10),
        Column("reserve_fund_pct", "Fundo de reserva (%)", "decimal", width=10),
        Column("insurance_rate_pct", "Seguro a.m. (%)", "decimal", width=10),
        Column("late_fine_pct", "Multa (%)", "decimal", width=8),
        Column("late_interest_monthly_pct", "Juros a.m. (%)", "decimal", width=8),
        Column("late_group_share_pct", "Parte do grupo (%)", "decimal", width=8),
        Column("assembly_day", "Dia da assembleia", "int", width=6),
        Column("due_day", "Dia do vencimento", "int", width=6),
        Column("exclusion_threshold", "Exclusão (parcelas)", "int", width=6),
        Column("draw_method", "Sorteio", width=14),
        Column("tie_break", "Desempate", width=14),
        Column("amortization_order", "Amortização", width=14),
        Column("reason", "Motivo", width=30),
    ],
    _rules,
    READ,
    title="Regras dos grupos (versões)",
    filters=[Filter("group_id", "Grupo (id)")],
)


def _prices(filters: Mapping[str, Any]) -> AnySelect:
    stmt = (
        select(
            Group.code,
            GroupPrice.effective_on,
            GroupPrice.price,
            GroupPrice.index_value,
            GroupPrice.source,
            GroupPrice.note,
        )
        .join(Group, Group.id == GroupPrice.group_id)
        .order_by(Group.code, GroupPrice.effective_on)
    )
    group_id = _uuid(filters, "group_id")
    if group_id:
        stmt = stmt.where(GroupPrice.group_id == group_id)
    return stmt


register_export(
    PREFIX + "group_prices",
    [
        Column("group", "Grupo", width=12),
        Column("effective_on", "Vigência", "date", width=12),
        Column("price", "Preço (R$)", "decimal", width=14),
        Column("index_value", "Índice", "decimal", width=12),
        Column("source", "Origem", width=20),
        Column("note", "Observação", width=30),
    ],
    _prices,
    READ,
    title="Histórico de preços dos grupos",
    filters=[Filter("group_id", "Grupo (id)")],
)


def _postings(filters: Mapping[str, Any]) -> AnySelect:
    stmt = (
        select(
            Group.code,
            GroupBookPosting.paid_on,
            GroupBookPosting.payment_ref,
            GroupBookPosting.amount,
            GroupBookPosting.created_at,
        )
        .join(Group, Group.id == GroupBookPosting.group_id)
        .order_by(Group.code, GroupBookPosting.paid_on, GroupBookPosting.payment_ref)
    )
    group_id = _uuid(filters, "group_id")
    if group_id:
        stmt = stmt.where(GroupBookPosting.group_id == group_id)
    if "since" in filters:
        stmt = stmt.where(GroupBookPosting.paid_on >= filters["since"])
    if "until" in filters:
        stmt = stmt.where(GroupBookPosting.paid_on < filters["until"])
    return stmt


register_export(
    PREFIX + "group_postings",
    [
        Column("group", "Grupo", width=12),
        Column("paid_on", "Data", "date", width=12),
        Column("payment_ref", "Pagamento", width=36),
        Column("amount", "Valor (R$)", "decimal", width=14),
        Column("created_at", "Lançado em", "datetime", width=19),
    ],
    _postings,
    READ,
    title="Lançamentos de pagamentos nos livros dos grupos",
    filters=[
        Filter("group_id", "Grupo (id)"),
        Filter("since", "A partir de", "date"),
        Filter("until", "Antes de", "date"),
    ],
)


def _runs(filters: Mapping[str, Any]) -> AnySelect:
    stmt = select(
        BillingRun.reference_month,
        BillingRun.status,
        BillingRun.trigger,
        BillingRun.quotas_total,
        BillingRun.quotas_done,
        BillingRun.installments_created,
        BillingRun.charges_created,
        BillingRun.remessas_created,
        BillingRun.skipped,
        BillingRun.amount_total,
        BillingRun.errors_count,
        BillingRun.started_at,
        BillingRun.finished_at,
    ).order_by(BillingRun.reference_month.desc())
    if "status" in filters:
        stmt = stmt.where(BillingRun.status == filters["status"])
    return stmt


register_export(
    PREFIX + "billing_runs",
    [
        Column("reference_month", "Mês", width=9),
        Column("status", "Situação", width=11),
        Column("trigger", "Origem", width=9),
        Column("quotas_total", "Cotas", "int", width=8),
        Column("quotas_done", "Processadas", "int", width=8),
        Column("installments_created", "Parcelas", "int", width=8),
        Column("charges_created", "Boletos/PIX", "int", width=8),
        Column("remessas_created", "Remessas", "int", width=8),
        Column("skipped", "Ignoradas", "int", width=8),
        Column("amount_total", "Valor (R$)", "decimal", width=16),
        Column("errors_count", "Erros", "int", width=6),
        Column("started_at", "Início", "datetime", width=19),
        Column("finished_at", "Fim", "datetime", width=19),
    ],
    _runs,
    READ,
    title="Execuções de cobrança",
    filters=[Filter("status", "Situação")],
)


def _installments(filters: Mapping[str, Any]) -> AnySelect:
    stmt = (
        select(
            Group.code,
            Quota.number,
            Installment.number,
            Installment.reference_month,
            Installment.due_date,
            Installment.price,
            Installment.fc_pct,
            Installment.ta_pct,
            Installment.fr_pct,
            Installment.ins_pct,
            Installment.fc_amount,
            Installment.ta_amount,
            Installment.fr_amount,
            Installment.ins_amount,
            Installment.extra_amount,
            Installment.total,
            Installment.status,
            Installment.paid_amount,
            Installment.paid_on,
        )
        .join(Quota, Quota.id == Installment.quota_id)
        .join(Group, Group.id == Installment.group_id)
        .order_by(Group.code, Quota.number, Installment.number)
    )
    for name, column in (("quota_id", Installment.quota_id), ("group_id", Installment.group_id)):
        value = _uuid(filters, name)
        if value:
            stmt = stmt.where(column == value)
    if "reference_month" in filters:
        stmt = stmt.where(Installment.reference_month == filters["reference_month"])
    if "status" in filters:
        stmt = stmt.where(Installment.status == filters["status"])
    return stmt


register_export(
    PREFIX + "installments",
    [
        Column("group", "Grupo", width=12),
        Column("quota", "Cota", "int", width=7),
        Column("number", "Parcela", "int", width=7),
        Column("reference_month", "Referência", width=9),
        Column("due_date", "Vencimento", "date", width=12),
        Column("price", "Crédito usado (R$)", "decimal", width=14),
        Column("fc_pct", "FC (%)", "decimal", width=12),
        Column("ta_pct", "TA (%)", "decimal", width=12),
        Column("fr_pct", "FR (%)", "decimal", width=12),
        Column("ins_pct", "Seguro (%)", "decimal", width=12),
        Column("fc_amount", "FC (R$)", "decimal", width=12),
        Column("ta_amount", "TA (R$)", "decimal", width=12),
        Column("fr_amount", "FR (R$)", "decimal", width=12),
        Column("ins_amount", "Seguro (R$)", "decimal", width=12),
        Column("extra_amount", "Ajustes (R$)", "decimal", width=12),
        Column("total", "Total (R$)", "decimal", width=12),
        Column("status", "Situação", width=10),
        Column("paid_amount", "Pago (R$)", "decimal", width=12),
        Column("paid_on", "Pago em", "date", width=12),
    ],
    _installments,
    READ,
    title="Parcelas",
    filters=[
        Filter("quota_id", "Cota (id)"),
        Filter("group_id", "Grupo (id)"),
        Filter("reference_month", "Mês de referência (AAAA-MM)"),
        Filter("status", "Situação"),
    ],
)


def _charges(filters: Mapping[str, Any]) -> AnySelect:
    stmt = (
        select(
            Group.code,
            Quota.number,
            Charge.kind,
            Charge.issue_date,
            Charge.due_date,
            Charge.amount,
            Charge.status,
            Charge.nosso_numero,
            Charge.linha_digitavel,
            Charge.pix_txid,
            Charge.paid_amount,
            Charge.paid_at,
        )
        .join(Quota, Quota.id == Charge.quota_id)
        .join(Group, Group.id == Charge.group_id)
        .order_by(Charge.due_date.desc(), Group.code, Quota.number)
    )
    for name, column in (("quota_id", Charge.quota_id), ("group_id", Charge.group_id)):
        value = _uuid(filters, name)
        if value:
            stmt = stmt.where(column == value)
    if "status" in filters:
        stmt = stmt.where(Charge.status == filters["status"])
    if "kind" in filters:
        stmt = stmt.where(Charge.kind == filters["kind"])
    return stmt


register_export(
    PREFIX + "charges",
    [
        Column("group", "Grupo", width=12),
        Column("quota", "Cota", "int", width=7),
        Column("kind", "Tipo", width=12),
        Column("issue_date", "Emissão", "date", width=12),
        Column("due_date", "Vencimento", "date", width=12),
        Column("amount", "Valor (R$)", "decimal", width=12),
        Column("status", "Situação", width=10),
        Column("nosso_numero", "Nosso número", width=20),
        Column("linha_digitavel", "Linha digitável", width=50),
        Column("pix_txid", "PIX txid", width=34),
        Column("paid_amount", "Pago (R$)", "decimal", width=12),
        Column("paid_at", "Pago em", "datetime", width=19),
    ],
    _charges,
    READ,
    title="Cobranças (boleto e PIX)",
    filters=[
        Filter("quota_id", "Cota (id)"),
        Filter("group_id", "Grupo (id)"),
        Filter("status", "Situação"),
        Filter("kind", "Tipo"),
    ],
)


def _delinquency(filters: Mapping[str, Any]) -> AnySelect:
    """The delinquency page's list: the delinquency area's positions (amounts at the price in
    force with the day's fine and interest, as of its last daily run)."""
    stmt = (
        select(
            Group.code,
            Quota.number,
            Consorciado.name,
            Consorciado.document,
            Quota.status,
            DelinquencyPosition.stage,
            DelinquencyPosition.flag,
            DelinquencyPosition.oldest_due_date,
            DelinquencyPosition.overdue_count,
            DelinquencyPosition.missed_consecutive,
            DelinquencyPosition.principal,
            DelinquencyPosition.fine,
            DelinquencyPosition.interest,
            DelinquencyPosition.total_due,
            DelinquencyPosition.as_of,
            Consorciado.email,
            Consorciado.mobile,
        )
        .join(Quota, Quota.id == DelinquencyPosition.quota_id)
        .join(Group, Group.id == DelinquencyPosition.group_id)
        .join(Consorciado, Consorciado.id == Quota.consorciado_id)
        .where(
            DelinquencyPosition.overdue_count > 0,
            Quota.status.in_(queries.ACTIVE_QUOTA),
        )
        .order_by(DelinquencyPosition.oldest_due_date, Group.code, Quota.number)
    )
    if "stage" in filters:
        stmt = stmt.where(DelinquencyPosition.stage == filters["stage"])
    group_id = _uuid(filters, "group_id")
    if group_id:
        stmt = stmt.where(DelinquencyPosition.group_id == group_id)
    if "min_days" in filters:
        since = today_sp() - timedelta(days=int(filters["min_days"]))
        stmt = stmt.where(DelinquencyPosition.oldest_due_date <= since)
    return stmt


register_export(
    PREFIX + "delinquency",
    [
        Column("group", "Grupo", width=12),
        Column("quota", "Cota", "int", width=7),
        Column("holder", "Consorciado", width=30),
        Column("document", "CPF/CNPJ", width=16),
        Column("status", "Situação", width=12),
        Column("stage", "Estágio", width=14),
        Column("flag", "Marcação", width=14),
        Column("oldest", "Vencida desde", "date", width=12),
        Column("overdue", "Parcelas vencidas", "int", width=8),
        Column("missed", "Seguidas", "int", width=8),
        Column("principal", "Principal (R$)", "decimal", width=14),
        Column("fine", "Multa (R$)", "decimal", width=12),
        Column("interest", "Juros (R$)", "decimal", width=12),
        Column("total", "Total (R$)", "decimal", width=14),
        Column("as_of", "Posição em", "date", width=12),
        Column("email", "E-mail", width=28),
        Column("mobile", "Celular", width=15),
    ],
    _delinquency,
    READ,
    title="Inadimplência",
    filters=[
        Filter("stage", "Estágio"),
        Filter("group_id", "Grupo (id)"),
        Filter("min_days", "Dias de atraso (mínimo)", "int"),
    ],
)


def _payments(filters: Mapping[str, Any]) -> AnySelect:
    stmt = (
        select(
            Group.code,
            Quota.number,
            Payment.source,
            Payment.reference,
            Payment.paid_on,
            Payment.credited_on,
            Payment.days_late,
            Payment.amount,
            Payment.fine_amount,
            Payment.interest_amount,
            Payment.fc_amount,
            Payment.ta_amount,
            Payment.fr_amount,
            Payment.ins_amount,
            Payment.advance_amount,
            Payment.excess_amount,
            Payment.price,
            Payment.installments_settled,
        )
        .join(Quota, Quota.id == Payment.quota_id)
        .join(Group, Group.id == Payment.group_id)
        .order_by(Payment.paid_on.desc(), Group.code, Quota.number)
    )
    for name, column in (
        ("quota_id", Payment.quota_id),
        ("group_id", Payment.group_id),
        ("import_id", Payment.import_id),
    ):
        value = _uuid(filters, name)
        if value:
            stmt = stmt.where(column == value)
    if "source" in filters:
        stmt = stmt.where(Payment.source == filters["source"])
    if "since" in filters:
        stmt = stmt.where(Payment.paid_on >= filters["since"])
    if "until" in filters:
        stmt = stmt.where(Payment.paid_on < filters["until"])
    return stmt


register_export(
    PREFIX + "payments",
    [
        Column("group", "Grupo", width=12),
        Column("quota", "Cota", "int", width=7),
        Column("source", "Origem", width=9),
        Column("reference", "Nosso número / txid", width=34),
        Column("paid_on", "Pago em", "date", width=12),
        Column("credited_on", "Creditado em", "date", width=12),
        Column("days_late", "Dias de atraso", "int", width=7),
        Column("amount", "Valor pago (R$)", "decimal", width=12),
        Column("fine", "Multa (R$)", "decimal", width=10),
        Column("interest", "Juros (R$)", "decimal", width=10),
        Column("fc", "Fundo comum (R$)", "decimal", width=12),
        Column("ta", "Taxa adm. (R$)", "decimal", width=12),
        Column("fr", "F. reserva (R$)", "decimal", width=12),
        Column("ins", "Seguro (R$)", "decimal", width=10),
        Column("advance", "Antecipação (R$)", "decimal", width=12),
        Column("excess", "Excedente (R$)", "decimal", width=12),
        Column("price", "Crédito vigente (R$)", "decimal", width=14),
        Column("settled", "Parcelas quitadas", "int", width=7),
    ],
    _payments,
    READ,
    title="Pagamentos recebidos",
    filters=[
        Filter("quota_id", "Cota (id)"),
        Filter("group_id", "Grupo (id)"),
        Filter("import_id", "Importação (id)"),
        Filter("source", "Origem"),
        Filter("since", "Pagos a partir de", "date"),
        Filter("until", "Pagos antes de", "date"),
    ],
)


def _imports(filters: Mapping[str, Any]) -> AnySelect:
    stmt = select(
        RetornoImport.created_at,
        RetornoImport.filename,
        RetornoImport.layout,
        RetornoImport.bank_code,
        RetornoImport.file_sequence,
        RetornoImport.lines,
        RetornoImport.applied,
        RetornoImport.duplicates,
        RetornoImport.unknown,
        RetornoImport.rejected,
        RetornoImport.ignored,
        RetornoImport.amount_applied,
        RetornoImport.amount_unknown,
        RetornoImport.sha256,
    ).order_by(RetornoImport.created_at.desc())
    if "since" in filters:
        stmt = stmt.where(RetornoImport.created_at >= filters["since"])
    return stmt


register_export(
    PREFIX + "imports",
    [
        Column("created_at", "Importado em", "datetime", width=19),
        Column("filename", "Arquivo", width=28),
        Column("layout", "Layout", width=8),
        Column("bank_code", "Banco", width=6),
        Column("file_sequence", "Sequência", "int", width=8),
        Column("lines", "Linhas", "int", width=7),
        Column("applied", "Aplicados", "int", width=7),
        Column("duplicates", "Duplicados", "int", width=7),
        Column("unknown", "Desconhecidos", "int", width=7),
        Column("rejected", "Rejeitados", "int", width=7),
        Column("ignored", "Ignorados", "int", width=7),
        Column("amount_applied", "Valor aplicado (R$)", "decimal", width=14),
        Column("amount_unknown", "Valor não identificado (R$)", "decimal", width=14),
        Column("sha256", "SHA-256", width=66),
    ],
    _imports,
    READ,
    title="Arquivos de retorno importados",
    filters=[Filter("since", "Importados a partir de", "datetime")],
)


def _import_exceptions(filters: Mapping[str, Any]) -> AnySelect:
    stmt = select(
        PaymentException.created_at,
        PaymentException.source,
        PaymentException.line_no,
        PaymentException.reference,
        PaymentException.movement,
        PaymentException.reason,
        PaymentException.detail,
        PaymentException.amount,
        PaymentException.paid_on,
        PaymentException.status,
    ).order_by(PaymentException.created_at.desc(), PaymentException.line_no)
    import_id = _uuid(filters, "import_id")
    if import_id:
        stmt = stmt.where(PaymentException.import_id == import_id)
    if "status" in filters:
        stmt = stmt.where(PaymentException.status == filters["status"])
    return stmt


register_export(
    PREFIX + "import_exceptions",
    [
        Column("created_at", "Registrada em", "datetime", width=19),
        Column("source", "Origem", width=9),
        Column("line_no", "Linha", "int", width=7),
        Column("reference", "Nosso número / txid", width=30),
        Column("movement", "Ocorrência", width=6),
        Column("reason", "Motivo", width=24),
        Column("detail", "Detalhe", width=40),
        Column("amount", "Valor (R$)", "decimal", width=12),
        Column("paid_on", "Pago em", "date", width=12),
        Column("status", "Situação", width=9),
    ],
    _import_exceptions,
    READ,
    title="Exceções de pagamentos",
    filters=[Filter("import_id", "Importação (id)"), Filter("status", "Situação")],
)
