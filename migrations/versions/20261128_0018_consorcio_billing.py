"""consorcio billing: collecting accounts, billing runs, installments, charges (boleto +
dynamic PIX) and the installments they cover, CNAB 240 remessas, pending adjustments

Revision ID: 0018
Revises: 0015
Create Date: 2026-11-28 18:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from migrations.helpers import disable_tenant_rls, enable_tenant_rls

import lastro.kit.orm

revision: str = "0018"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "consorcio_billing_runs",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("reference_month", sa.String(length=7), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("trigger", sa.String(length=12), nullable=False),
        sa.Column("requested_by", sa.Uuid(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("quotas_total", sa.Integer(), nullable=False),
        sa.Column("quotas_done", sa.Integer(), nullable=False),
        sa.Column("installments_created", sa.Integer(), nullable=False),
        sa.Column("charges_created", sa.Integer(), nullable=False),
        sa.Column("remessas_created", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("amount_total", lastro.kit.orm.Money(precision=18, scale=2), nullable=False),
        sa.Column("errors_count", sa.Integer(), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.Column("started_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_consorcio_billing_runs_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_consorcio_billing_runs")),
    )
    with op.batch_alter_table("consorcio_billing_runs", schema=None) as batch_op:
        batch_op.create_index(
            "ix_consorcio_billing_runs_status", ["tenant_id", "status"], unique=False
        )
        batch_op.create_index(
            "uq_consorcio_billing_runs_month", ["tenant_id", "reference_month"], unique=True
        )
    enable_tenant_rls("consorcio_billing_runs")

    op.create_table(
        "consorcio_collecting_accounts",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("group_id", sa.Uuid(), nullable=True),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("bank_code", sa.String(length=3), nullable=False),
        sa.Column("bank_name", sa.String(length=60), nullable=False),
        sa.Column("agencia", sa.String(length=5), nullable=False),
        sa.Column("agencia_dv", sa.String(length=1), nullable=False),
        sa.Column("conta", sa.String(length=12), nullable=False),
        sa.Column("conta_dv", sa.String(length=1), nullable=False),
        sa.Column("convenio", sa.String(length=20), nullable=False),
        sa.Column("carteira", sa.String(length=3), nullable=False),
        sa.Column("beneficiary_name", sa.String(length=200), nullable=False),
        sa.Column("beneficiary_document", sa.String(length=14), nullable=False),
        sa.Column("beneficiary_city", sa.String(length=60), nullable=False),
        sa.Column("pix_key", sa.String(length=77), nullable=False),
        sa.Column("pix_location_base", sa.String(length=60), nullable=False),
        sa.Column("next_nosso_numero", sa.BigInteger(), nullable=False),
        sa.Column("remessa_sequence", sa.Integer(), nullable=False),
        sa.Column("created_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "group_id"],
            ["consorcio_groups.tenant_id", "consorcio_groups.id"],
            name=op.f("fk_consorcio_collecting_accounts_tenant_id_group_id_consorcio_groups"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_consorcio_collecting_accounts_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_consorcio_collecting_accounts")),
    )
    with op.batch_alter_table("consorcio_collecting_accounts", schema=None) as batch_op:
        batch_op.create_index(
            "uq_consorcio_collecting_accounts_bank_account",
            ["tenant_id", "bank_code", "agencia", "conta", "carteira"],
            unique=True,
        )
        batch_op.create_index(
            "uq_consorcio_collecting_accounts_group", ["tenant_id", "group_id"], unique=True
        )
    enable_tenant_rls("consorcio_collecting_accounts")

    op.create_table(
        "consorcio_charges",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("quota_id", sa.Uuid(), nullable=False),
        sa.Column("group_id", sa.Uuid(), nullable=False),
        sa.Column("collecting_account_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=15), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("amount", lastro.kit.orm.Money(precision=18, scale=2), nullable=False),
        sa.Column("issue_date", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("description", sa.String(length=300), nullable=False),
        sa.Column("document_number", sa.String(length=15), nullable=False),
        sa.Column("nosso_numero", sa.String(length=20), nullable=False),
        sa.Column("nosso_numero_dv", sa.String(length=2), nullable=False),
        sa.Column("nosso_numero_formatado", sa.String(length=30), nullable=False),
        sa.Column("barcode", sa.String(length=44), nullable=False),
        sa.Column("linha_digitavel", sa.String(length=47), nullable=False),
        sa.Column("pix_txid", sa.String(length=35), nullable=False),
        sa.Column("pix_payload", sa.String(length=512), nullable=False),
        sa.Column("breakdown", sa.JSON(), nullable=False),
        sa.Column("billing_run_id", sa.Uuid(), nullable=True),
        sa.Column("remessa_id", sa.Uuid(), nullable=True),
        sa.Column("replaces_charge_id", sa.Uuid(), nullable=True),
        sa.Column("paid_amount", lastro.kit.orm.Money(precision=18, scale=2), nullable=False),
        sa.Column("paid_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "collecting_account_id"],
            ["consorcio_collecting_accounts.tenant_id", "consorcio_collecting_accounts.id"],
            name=op.f(
                "fk_consorcio_charges_tenant_id_collecting_account_id_consorcio_collecting_accounts"
            ),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "group_id"],
            ["consorcio_groups.tenant_id", "consorcio_groups.id"],
            name=op.f("fk_consorcio_charges_tenant_id_group_id_consorcio_groups"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "quota_id"],
            ["consorcio_quotas.tenant_id", "consorcio_quotas.id"],
            name=op.f("fk_consorcio_charges_tenant_id_quota_id_consorcio_quotas"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_consorcio_charges_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_consorcio_charges")),
    )
    with op.batch_alter_table("consorcio_charges", schema=None) as batch_op:
        batch_op.create_index(
            "ix_consorcio_charges_quota", ["tenant_id", "quota_id", "kind"], unique=False
        )
        batch_op.create_index(
            "ix_consorcio_charges_remessa",
            ["tenant_id", "collecting_account_id", "remessa_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_consorcio_charges_status_due", ["tenant_id", "status", "due_date"], unique=False
        )
        batch_op.create_index(
            "uq_consorcio_charges_nosso_numero",
            ["tenant_id", "collecting_account_id", "nosso_numero"],
            unique=True,
        )
        batch_op.create_index("uq_consorcio_charges_txid", ["tenant_id", "pix_txid"], unique=True)
    enable_tenant_rls("consorcio_charges")

    op.create_table(
        "consorcio_installments",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("quota_id", sa.Uuid(), nullable=False),
        sa.Column("group_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("reference_month", sa.String(length=7), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("price", lastro.kit.orm.Money(precision=18, scale=2), nullable=False),
        sa.Column("price_on", sa.Date(), nullable=False),
        sa.Column("fc_pct", lastro.kit.orm.Money(precision=18, scale=10), nullable=False),
        sa.Column("ta_pct", lastro.kit.orm.Money(precision=18, scale=10), nullable=False),
        sa.Column("fr_pct", lastro.kit.orm.Money(precision=18, scale=10), nullable=False),
        sa.Column("ins_pct", lastro.kit.orm.Money(precision=18, scale=10), nullable=False),
        sa.Column("fc_amount", lastro.kit.orm.Money(precision=18, scale=2), nullable=False),
        sa.Column("ta_amount", lastro.kit.orm.Money(precision=18, scale=2), nullable=False),
        sa.Column("fr_amount", lastro.kit.orm.Money(precision=18, scale=2), nullable=False),
        sa.Column("ins_amount", lastro.kit.orm.Money(precision=18, scale=2), nullable=False),
        sa.Column("carry_fc", lastro.kit.orm.Money(precision=18, scale=14), nullable=False),
        sa.Column("carry_ta", lastro.kit.orm.Money(precision=18, scale=14), nullable=False),
        sa.Column("carry_fr", lastro.kit.orm.Money(precision=18, scale=14), nullable=False),
        sa.Column("carry_ins", lastro.kit.orm.Money(precision=18, scale=14), nullable=False),
        sa.Column("extra_amount", lastro.kit.orm.Money(precision=18, scale=2), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("total", lastro.kit.orm.Money(precision=18, scale=2), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("paid_amount", lastro.kit.orm.Money(precision=18, scale=2), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.Column("billing_run_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "group_id"],
            ["consorcio_groups.tenant_id", "consorcio_groups.id"],
            name=op.f("fk_consorcio_installments_tenant_id_group_id_consorcio_groups"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "quota_id"],
            ["consorcio_quotas.tenant_id", "consorcio_quotas.id"],
            name=op.f("fk_consorcio_installments_tenant_id_quota_id_consorcio_quotas"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_consorcio_installments_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_consorcio_installments")),
    )
    with op.batch_alter_table("consorcio_installments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_consorcio_installments_group_number",
            ["tenant_id", "group_id", "number"],
            unique=False,
        )
        batch_op.create_index(
            "ix_consorcio_installments_month", ["tenant_id", "reference_month"], unique=False
        )
        batch_op.create_index(
            "ix_consorcio_installments_status_due",
            ["tenant_id", "status", "due_date"],
            unique=False,
        )
        batch_op.create_index(
            "uq_consorcio_installments_quota_number",
            ["tenant_id", "quota_id", "number"],
            unique=True,
        )
    enable_tenant_rls("consorcio_installments")

    op.create_table(
        "consorcio_remessas",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("collecting_account_id", sa.Uuid(), nullable=False),
        sa.Column("billing_run_id", sa.Uuid(), nullable=True),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=60), nullable=False),
        sa.Column("generated_on", sa.Date(), nullable=False),
        sa.Column("titulos_count", sa.Integer(), nullable=False),
        sa.Column("total_amount", lastro.kit.orm.Money(precision=18, scale=2), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("sent_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "billing_run_id"],
            ["consorcio_billing_runs.tenant_id", "consorcio_billing_runs.id"],
            name=op.f("fk_consorcio_remessas_tenant_id_billing_run_id_consorcio_billing_runs"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "collecting_account_id"],
            ["consorcio_collecting_accounts.tenant_id", "consorcio_collecting_accounts.id"],
            name=op.f(
                "fk_consorcio_remessas_tenant_id_collecting_account_id_consorcio_collecting_accounts"
            ),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_consorcio_remessas_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_consorcio_remessas")),
    )
    with op.batch_alter_table("consorcio_remessas", schema=None) as batch_op:
        batch_op.create_index(
            "ix_consorcio_remessas_run", ["tenant_id", "billing_run_id"], unique=False
        )
        batch_op.create_index(
            "uq_consorcio_remessas_sequence",
            ["tenant_id", "collecting_account_id", "sequence"],
            unique=True,
        )
    enable_tenant_rls("consorcio_remessas")

    op.create_table(
        "consorcio_charge_items",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("charge_id", sa.Uuid(), nullable=False),
        sa.Column("installment_id", sa.Uuid(), nullable=False),
        sa.Column("amount", lastro.kit.orm.Money(precision=18, scale=2), nullable=False),
        sa.Column("fine_amount", lastro.kit.orm.Money(precision=18, scale=2), nullable=False),
        sa.Column("interest_amount", lastro.kit.orm.Money(precision=18, scale=2), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "charge_id"],
            ["consorcio_charges.tenant_id", "consorcio_charges.id"],
            name=op.f("fk_consorcio_charge_items_tenant_id_charge_id_consorcio_charges"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "installment_id"],
            ["consorcio_installments.tenant_id", "consorcio_installments.id"],
            name=op.f("fk_consorcio_charge_items_tenant_id_installment_id_consorcio_installments"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_consorcio_charge_items_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_consorcio_charge_items")),
    )
    with op.batch_alter_table("consorcio_charge_items", schema=None) as batch_op:
        batch_op.create_index(
            "ix_consorcio_charge_items_installment", ["tenant_id", "installment_id"], unique=False
        )
        batch_op.create_index(
            "uq_consorcio_charge_items_pair",
            ["tenant_id", "charge_id", "installment_id"],
            unique=True,
        )
    enable_tenant_rls("consorcio_charge_items")

    op.create_table(
        "consorcio_pending_adjustments",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("quota_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("description", sa.String(length=300), nullable=False),
        sa.Column("amount", lastro.kit.orm.Money(precision=18, scale=2), nullable=False),
        sa.Column("fc_pct", lastro.kit.orm.Money(precision=18, scale=10), nullable=False),
        sa.Column("ta_pct", lastro.kit.orm.Money(precision=18, scale=10), nullable=False),
        sa.Column("fr_pct", lastro.kit.orm.Money(precision=18, scale=10), nullable=False),
        sa.Column("ins_pct", lastro.kit.orm.Money(precision=18, scale=10), nullable=False),
        sa.Column("source_ref", sa.String(length=120), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("installment_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("billed_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id", "installment_id"],
            ["consorcio_installments.tenant_id", "consorcio_installments.id"],
            name=op.f(
                "fk_consorcio_pending_adjustments_tenant_id_installment_id_consorcio_installments"
            ),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "quota_id"],
            ["consorcio_quotas.tenant_id", "consorcio_quotas.id"],
            name=op.f("fk_consorcio_pending_adjustments_tenant_id_quota_id_consorcio_quotas"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_consorcio_pending_adjustments_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_consorcio_pending_adjustments")),
    )
    with op.batch_alter_table("consorcio_pending_adjustments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_consorcio_pending_adjustments_quota",
            ["tenant_id", "quota_id", "status"],
            unique=False,
        )
        batch_op.create_index(
            "uq_consorcio_pending_adjustments_source", ["tenant_id", "source_ref"], unique=True
        )
    enable_tenant_rls("consorcio_pending_adjustments")


def downgrade() -> None:
    disable_tenant_rls("consorcio_charge_items")
    op.drop_table("consorcio_charge_items")
    disable_tenant_rls("consorcio_pending_adjustments")
    op.drop_table("consorcio_pending_adjustments")
    disable_tenant_rls("consorcio_charges")
    op.drop_table("consorcio_charges")
    disable_tenant_rls("consorcio_remessas")
    op.drop_table("consorcio_remessas")
    disable_tenant_rls("consorcio_installments")
    op.drop_table("consorcio_installments")
    disable_tenant_rls("consorcio_collecting_accounts")
    op.drop_table("consorcio_collecting_accounts")
    disable_tenant_rls("consorcio_billing_runs")
    op.drop_table("consorcio_billing_runs")
