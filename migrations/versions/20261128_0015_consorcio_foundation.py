"""consorcio foundation: groups with versioned rules and price history, group book postings,
consorciados, quotas (versions, transfers, refunds) and the per-quota percentage ledger

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-28 18:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from migrations.helpers import disable_tenant_rls, enable_tenant_rls

import lastro.kit.orm

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "consorcio_consorciados",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=2), nullable=False),
        sa.Column("document", sa.String(length=14), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("trade_name", sa.String(length=200), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("spouse_document", sa.String(length=14), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("mobile", sa.String(length=20), nullable=False),
        sa.Column("cep", sa.String(length=8), nullable=False),
        sa.Column("street", sa.String(length=200), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("complement", sa.String(length=100), nullable=False),
        sa.Column("district", sa.String(length=100), nullable=False),
        sa.Column("city", sa.String(length=100), nullable=False),
        sa.Column("state", sa.String(length=2), nullable=False),
        sa.Column("monthly_income", lastro.kit.orm.Money(precision=18, scale=2), nullable=True),
        sa.Column("pix_key", sa.String(length=77), nullable=True),
        sa.Column("pix_key_type", sa.String(length=10), nullable=True),
        sa.Column("bank_code", sa.String(length=3), nullable=True),
        sa.Column("bank_branch", sa.String(length=5), nullable=True),
        sa.Column("bank_account", sa.String(length=20), nullable=True),
        sa.Column("bank_account_digit", sa.String(length=2), nullable=True),
        sa.Column("bank_account_type", sa.String(length=10), nullable=True),
        sa.Column("pep", sa.Boolean(), nullable=False),
        sa.Column("lgpd_consent", sa.Boolean(), nullable=False),
        sa.Column("lgpd_consent_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=True),
        sa.Column("anonymized_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=True),
        sa.Column("notes", sa.String(length=1000), nullable=False),
        sa.Column("created_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_consorcio_consorciados_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_consorcio_consorciados")),
    )
    with op.batch_alter_table("consorcio_consorciados", schema=None) as batch_op:
        batch_op.create_index("ix_consorcio_consorciados_name", ["tenant_id", "name"], unique=False)
        batch_op.create_index(
            "ix_consorcio_consorciados_spouse", ["tenant_id", "spouse_document"], unique=False
        )
        batch_op.create_index(
            "uq_consorcio_consorciados_document", ["tenant_id", "document"], unique=True
        )
    enable_tenant_rls("consorcio_consorciados")

    op.create_table(
        "consorcio_groups",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=30), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("segment", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=15), nullable=False),
        sa.Column("regime", sa.String(length=20), nullable=False),
        sa.Column("term_months", sa.Integer(), nullable=False),
        sa.Column("max_quotas", sa.Integer(), nullable=False),
        sa.Column("credit_values", sa.JSON(), nullable=False),
        sa.Column("reference_asset", sa.String(length=200), nullable=False),
        sa.Column("price_index", sa.String(length=30), nullable=False),
        sa.Column("base_price", lastro.kit.orm.Money(precision=18, scale=2), nullable=False),
        sa.Column("base_index_value", lastro.kit.orm.Money(precision=18, scale=8), nullable=True),
        sa.Column("min_quotas_to_constitute", sa.Integer(), nullable=True),
        sa.Column("formation_started_on", sa.Date(), nullable=False),
        sa.Column("formation_deadline", sa.Date(), nullable=False),
        sa.Column("formation_expired_on", sa.Date(), nullable=True),
        sa.Column("constituted_on", sa.Date(), nullable=True),
        sa.Column("first_assembly_on", sa.Date(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("contract_version", sa.String(length=40), nullable=False),
        sa.Column("ledger_id", sa.Uuid(), nullable=True),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("created_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_consorcio_groups_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_consorcio_groups")),
    )
    with op.batch_alter_table("consorcio_groups", schema=None) as batch_op:
        batch_op.create_index("ix_consorcio_groups_status", ["tenant_id", "status"], unique=False)
        batch_op.create_index("uq_consorcio_groups_code", ["tenant_id", "code"], unique=True)
    enable_tenant_rls("consorcio_groups")

    op.create_table(
        "consorcio_group_book_postings",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("group_id", sa.Uuid(), nullable=False),
        sa.Column("payment_ref", sa.String(length=120), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("amount", lastro.kit.orm.Money(precision=18, scale=2), nullable=False),
        sa.Column("components", sa.JSON(), nullable=False),
        sa.Column("group_entry_id", sa.Uuid(), nullable=True),
        sa.Column("admin_entry_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "group_id"],
            ["consorcio_groups.tenant_id", "consorcio_groups.id"],
            name="fk_consorcio_group_book_postings_group",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_consorcio_group_book_postings_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_consorcio_group_book_postings")),
    )
    with op.batch_alter_table("consorcio_group_book_postings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_consorcio_group_book_postings_group",
            ["tenant_id", "group_id", "paid_on"],
            unique=False,
        )
        batch_op.create_index(
            "uq_consorcio_group_book_postings_ref", ["tenant_id", "payment_ref"], unique=True
        )
    enable_tenant_rls("consorcio_group_book_postings")

    op.create_table(
        "consorcio_group_prices",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("group_id", sa.Uuid(), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("price", lastro.kit.orm.Money(precision=18, scale=2), nullable=False),
        sa.Column("index_value", lastro.kit.orm.Money(precision=18, scale=8), nullable=True),
        sa.Column("source", sa.String(length=60), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.Column("applied", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "group_id"],
            ["consorcio_groups.tenant_id", "consorcio_groups.id"],
            name="fk_consorcio_group_prices_group",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_consorcio_group_prices_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_consorcio_group_prices")),
    )
    with op.batch_alter_table("consorcio_group_prices", schema=None) as batch_op:
        batch_op.create_index(
            "uq_consorcio_group_prices_effective",
            ["tenant_id", "group_id", "effective_on"],
            unique=True,
        )
    enable_tenant_rls("consorcio_group_prices")

    op.create_table(
        "consorcio_group_rule_versions",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("group_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("admin_fee_pct", lastro.kit.orm.Money(precision=18, scale=10), nullable=False),
        sa.Column(
            "admin_fee_prepaid_pct", lastro.kit.orm.Money(precision=18, scale=10), nullable=False
        ),
        sa.Column("reserve_fund_pct", lastro.kit.orm.Money(precision=18, scale=10), nullable=False),
        sa.Column(
            "insurance_rate_pct", lastro.kit.orm.Money(precision=18, scale=10), nullable=False
        ),
        sa.Column("insurance_base", sa.String(length=30), nullable=False),
        sa.Column("late_fine_pct", lastro.kit.orm.Money(precision=18, scale=10), nullable=False),
        sa.Column(
            "late_interest_monthly_pct",
            lastro.kit.orm.Money(precision=18, scale=10),
            nullable=False,
        ),
        sa.Column(
            "late_group_share_pct", lastro.kit.orm.Money(precision=18, scale=10), nullable=False
        ),
        sa.Column("assembly_day", sa.Integer(), nullable=False),
        sa.Column("due_day", sa.Integer(), nullable=False),
        sa.Column("payment_cutoff_days", sa.Integer(), nullable=False),
        sa.Column("exclusion_threshold", sa.Integer(), nullable=False),
        sa.Column("draw_method", sa.String(length=30), nullable=False),
        sa.Column("draws_per_assembly", sa.Integer(), nullable=False),
        sa.Column("tie_break", sa.String(length=30), nullable=False),
        sa.Column("bid_types", sa.JSON(), nullable=False),
        sa.Column("bid_rules", sa.JSON(), nullable=False),
        sa.Column("amortization_order", sa.String(length=20), nullable=False),
        sa.Column("late_joiner_mode", sa.String(length=20), nullable=False),
        sa.Column("reduced_plan", sa.JSON(), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "group_id"],
            ["consorcio_groups.tenant_id", "consorcio_groups.id"],
            name="fk_consorcio_group_rule_versions_group",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_consorcio_group_rule_versions_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_consorcio_group_rule_versions")),
    )
    with op.batch_alter_table("consorcio_group_rule_versions", schema=None) as batch_op:
        batch_op.create_index(
            "uq_consorcio_group_rule_versions_effective",
            ["tenant_id", "group_id", "effective_from"],
            unique=True,
        )
        batch_op.create_index(
            "uq_consorcio_group_rule_versions_version",
            ["tenant_id", "group_id", "version"],
            unique=True,
        )
    enable_tenant_rls("consorcio_group_rule_versions")

    op.create_table(
        "consorcio_quotas",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("group_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("consorciado_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=15), nullable=False),
        sa.Column("status_reason", sa.String(length=200), nullable=False),
        sa.Column("status_changed_on", sa.Date(), nullable=False),
        sa.Column("collection_flag", sa.String(length=20), nullable=False),
        sa.Column("overdue_installments", sa.Integer(), nullable=False),
        sa.Column("legal_flags", sa.JSON(), nullable=False),
        sa.Column("origin", sa.String(length=20), nullable=False),
        sa.Column("previous_version_id", sa.Uuid(), nullable=True),
        sa.Column("credit_base", lastro.kit.orm.Money(precision=18, scale=2), nullable=False),
        sa.Column("sold_on", sa.Date(), nullable=False),
        sa.Column("proposal_number", sa.String(length=40), nullable=False),
        sa.Column("seller_code", sa.String(length=40), nullable=False),
        sa.Column("seller_name", sa.String(length=120), nullable=False),
        sa.Column("dealer_code", sa.String(length=40), nullable=False),
        sa.Column("dealer_name", sa.String(length=120), nullable=False),
        sa.Column("joined_at_installment", sa.Integer(), nullable=False),
        sa.Column("rules_version", sa.Integer(), nullable=False),
        sa.Column("contract_version", sa.String(length=40), nullable=False),
        sa.Column("contract_document_id", sa.Uuid(), nullable=True),
        sa.Column("contemplated_on", sa.Date(), nullable=True),
        sa.Column("contemplation_kind", sa.String(length=20), nullable=True),
        sa.Column("excluded_on", sa.Date(), nullable=True),
        sa.Column("created_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "consorciado_id"],
            ["consorcio_consorciados.tenant_id", "consorcio_consorciados.id"],
            name="fk_consorcio_quotas_consorciado",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "group_id"],
            ["consorcio_groups.tenant_id", "consorcio_groups.id"],
            name="fk_consorcio_quotas_group",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_consorcio_quotas_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_consorcio_quotas")),
    )
    with op.batch_alter_table("consorcio_quotas", schema=None) as batch_op:
        batch_op.create_index(
            "ix_consorcio_quotas_consorciado", ["tenant_id", "consorciado_id"], unique=False
        )
        batch_op.create_index(
            "ix_consorcio_quotas_group_status", ["tenant_id", "group_id", "status"], unique=False
        )
        batch_op.create_index("ix_consorcio_quotas_status", ["tenant_id", "status"], unique=False)
        batch_op.create_index(
            "uq_consorcio_quotas_number_version",
            ["tenant_id", "group_id", "number", "version"],
            unique=True,
        )
    enable_tenant_rls("consorcio_quotas")

    op.create_table(
        "consorcio_quota_movements",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("quota_id", sa.Uuid(), nullable=False),
        sa.Column("group_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("installment_number", sa.Integer(), nullable=True),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("fc_pct", lastro.kit.orm.Money(precision=18, scale=10), nullable=False),
        sa.Column("ta_pct", lastro.kit.orm.Money(precision=18, scale=10), nullable=False),
        sa.Column("fr_pct", lastro.kit.orm.Money(precision=18, scale=10), nullable=False),
        sa.Column("ins_pct", lastro.kit.orm.Money(precision=18, scale=10), nullable=False),
        sa.Column("fc_amount", lastro.kit.orm.Money(precision=18, scale=2), nullable=False),
        sa.Column("ta_amount", lastro.kit.orm.Money(precision=18, scale=2), nullable=False),
        sa.Column("fr_amount", lastro.kit.orm.Money(precision=18, scale=2), nullable=False),
        sa.Column("ins_amount", lastro.kit.orm.Money(precision=18, scale=2), nullable=False),
        sa.Column("fine_amount", lastro.kit.orm.Money(precision=18, scale=2), nullable=False),
        sa.Column("interest_amount", lastro.kit.orm.Money(precision=18, scale=2), nullable=False),
        sa.Column("amount", lastro.kit.orm.Money(precision=18, scale=2), nullable=False),
        sa.Column("price", lastro.kit.orm.Money(precision=18, scale=2), nullable=False),
        sa.Column("source_ref", sa.String(length=120), nullable=False),
        sa.Column("description", sa.String(length=300), nullable=False),
        sa.Column("created_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "group_id"],
            ["consorcio_groups.tenant_id", "consorcio_groups.id"],
            name="fk_consorcio_quota_movements_group",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "quota_id"],
            ["consorcio_quotas.tenant_id", "consorcio_quotas.id"],
            name="fk_consorcio_quota_movements_quota",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_consorcio_quota_movements_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_consorcio_quota_movements")),
    )
    with op.batch_alter_table("consorcio_quota_movements", schema=None) as batch_op:
        batch_op.create_index(
            "ix_consorcio_quota_movements_group",
            ["tenant_id", "group_id", "effective_on"],
            unique=False,
        )
        batch_op.create_index(
            "ix_consorcio_quota_movements_quota",
            ["tenant_id", "quota_id", "effective_on", "id"],
            unique=False,
        )
        batch_op.create_index(
            "uq_consorcio_quota_movements_source", ["tenant_id", "source_ref"], unique=True
        )
    enable_tenant_rls("consorcio_quota_movements")

    op.create_table(
        "consorcio_quota_positions",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("quota_id", sa.Uuid(), nullable=False),
        sa.Column("group_id", sa.Uuid(), nullable=False),
        sa.Column("fc_total_pct", lastro.kit.orm.Money(precision=18, scale=10), nullable=False),
        sa.Column("ta_total_pct", lastro.kit.orm.Money(precision=18, scale=10), nullable=False),
        sa.Column("fr_total_pct", lastro.kit.orm.Money(precision=18, scale=10), nullable=False),
        sa.Column("ins_total_pct", lastro.kit.orm.Money(precision=18, scale=10), nullable=False),
        sa.Column("fc_paid_pct", lastro.kit.orm.Money(precision=18, scale=10), nullable=False),
        sa.Column("ta_paid_pct", lastro.kit.orm.Money(precision=18, scale=10), nullable=False),
        sa.Column("fr_paid_pct", lastro.kit.orm.Money(precision=18, scale=10), nullable=False),
        sa.Column("ins_paid_pct", lastro.kit.orm.Money(precision=18, scale=10), nullable=False),
        sa.Column("fc_charged_pct", lastro.kit.orm.Money(precision=18, scale=10), nullable=False),
        sa.Column("ta_charged_pct", lastro.kit.orm.Money(precision=18, scale=10), nullable=False),
        sa.Column("fr_charged_pct", lastro.kit.orm.Money(precision=18, scale=10), nullable=False),
        sa.Column("ins_charged_pct", lastro.kit.orm.Money(precision=18, scale=10), nullable=False),
        sa.Column("paid_amount", lastro.kit.orm.Money(precision=18, scale=2), nullable=False),
        sa.Column("installments_paid", sa.Integer(), nullable=False),
        sa.Column("last_installment_paid", sa.Integer(), nullable=False),
        sa.Column("plan", sa.String(length=20), nullable=False),
        sa.Column("plan_first_installment", sa.Integer(), nullable=False),
        sa.Column("plan_last_installment", sa.Integer(), nullable=False),
        sa.Column(
            "reduced_fc_discount_pct", lastro.kit.orm.Money(precision=18, scale=10), nullable=False
        ),
        sa.Column("reduced_until_installment", sa.Integer(), nullable=True),
        sa.Column("residual_fc_pct", lastro.kit.orm.Money(precision=18, scale=10), nullable=False),
        sa.Column("movements", sa.Integer(), nullable=False),
        sa.Column("last_movement_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "group_id"],
            ["consorcio_groups.tenant_id", "consorcio_groups.id"],
            name="fk_consorcio_quota_positions_group",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "quota_id"],
            ["consorcio_quotas.tenant_id", "consorcio_quotas.id"],
            name="fk_consorcio_quota_positions_quota",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_consorcio_quota_positions_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_consorcio_quota_positions")),
    )
    with op.batch_alter_table("consorcio_quota_positions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_consorcio_quota_positions_group", ["tenant_id", "group_id"], unique=False
        )
        batch_op.create_index(
            "uq_consorcio_quota_positions_quota", ["tenant_id", "quota_id"], unique=True
        )
    enable_tenant_rls("consorcio_quota_positions")

    op.create_table(
        "consorcio_quota_refunds",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("quota_id", sa.Uuid(), nullable=False),
        sa.Column("group_id", sa.Uuid(), nullable=False),
        sa.Column("reason", sa.String(length=30), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("owed_since", sa.Date(), nullable=False),
        sa.Column("fc_paid_pct", lastro.kit.orm.Money(precision=18, scale=10), nullable=False),
        sa.Column("amount", lastro.kit.orm.Money(precision=18, scale=2), nullable=True),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.Column("source_ref", sa.String(length=120), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.Column("created_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "group_id"],
            ["consorcio_groups.tenant_id", "consorcio_groups.id"],
            name="fk_consorcio_quota_refunds_group",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "quota_id"],
            ["consorcio_quotas.tenant_id", "consorcio_quotas.id"],
            name="fk_consorcio_quota_refunds_quota",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_consorcio_quota_refunds_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_consorcio_quota_refunds")),
    )
    with op.batch_alter_table("consorcio_quota_refunds", schema=None) as batch_op:
        batch_op.create_index(
            "ix_consorcio_quota_refunds_group", ["tenant_id", "group_id", "status"], unique=False
        )
        batch_op.create_index(
            "uq_consorcio_quota_refunds_source", ["tenant_id", "source_ref"], unique=True
        )
    enable_tenant_rls("consorcio_quota_refunds")

    op.create_table(
        "consorcio_quota_transfers",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("quota_id", sa.Uuid(), nullable=False),
        sa.Column("from_consorciado_id", sa.Uuid(), nullable=False),
        sa.Column("to_consorciado_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("requested_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("decided_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.Uuid(), nullable=True),
        sa.Column("decision_note", sa.String(length=300), nullable=False),
        sa.Column("fee_amount", lastro.kit.orm.Money(precision=18, scale=2), nullable=False),
        sa.Column("created_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "from_consorciado_id"],
            ["consorcio_consorciados.tenant_id", "consorcio_consorciados.id"],
            name="fk_consorcio_quota_transfers_from",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "quota_id"],
            ["consorcio_quotas.tenant_id", "consorcio_quotas.id"],
            name="fk_consorcio_quota_transfers_quota",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "to_consorciado_id"],
            ["consorcio_consorciados.tenant_id", "consorcio_consorciados.id"],
            name="fk_consorcio_quota_transfers_to",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_consorcio_quota_transfers_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_consorcio_quota_transfers")),
    )
    with op.batch_alter_table("consorcio_quota_transfers", schema=None) as batch_op:
        batch_op.create_index(
            "ix_consorcio_quota_transfers_quota", ["tenant_id", "quota_id", "status"], unique=False
        )
    enable_tenant_rls("consorcio_quota_transfers")


def downgrade() -> None:
    disable_tenant_rls("consorcio_quota_transfers")
    op.drop_table("consorcio_quota_transfers")
    disable_tenant_rls("consorcio_quota_refunds")
    op.drop_table("consorcio_quota_refunds")
    disable_tenant_rls("consorcio_quota_positions")
    op.drop_table("consorcio_quota_positions")
    disable_tenant_rls("consorcio_quota_movements")
    op.drop_table("consorcio_quota_movements")
    disable_tenant_rls("consorcio_quotas")
    op.drop_table("consorcio_quotas")
    disable_tenant_rls("consorcio_group_rule_versions")
    op.drop_table("consorcio_group_rule_versions")
    disable_tenant_rls("consorcio_group_prices")
    op.drop_table("consorcio_group_prices")
    disable_tenant_rls("consorcio_group_book_postings")
    op.drop_table("consorcio_group_book_postings")
    disable_tenant_rls("consorcio_groups")
    op.drop_table("consorcio_groups")
    disable_tenant_rls("consorcio_consorciados")
    op.drop_table("consorcio_consorciados")
