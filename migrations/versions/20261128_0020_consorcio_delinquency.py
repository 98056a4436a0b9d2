"""consorcio delinquency: collection positions, stage history, reminders, daily runs and
applied price updates

Revision ID: 0020
Revises: 0018
Create Date: 2026-11-28 19:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from migrations.helpers import disable_tenant_rls, enable_tenant_rls

import lastro.kit.orm

revision: str = "0020"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "consorcio_delinquency_runs",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("run_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("quotas_checked", sa.Integer(), nullable=False),
        sa.Column("delinquent", sa.Integer(), nullable=False),
        sa.Column("stage_changes", sa.Integer(), nullable=False),
        sa.Column("exclusions", sa.Integer(), nullable=False),
        sa.Column("reminders_sent", sa.Integer(), nullable=False),
        sa.Column("prices_applied", sa.Integer(), nullable=False),
        sa.Column("adjustments_created", sa.Integer(), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.Column("started_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_consorcio_delinquency_runs_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_consorcio_delinquency_runs")),
    )
    op.create_index(
        "uq_consorcio_delinquency_runs_on",
        "consorcio_delinquency_runs",
        ["tenant_id", "run_on"],
        unique=True,
    )
    op.create_table(
        "consorcio_delinquency_positions",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("quota_id", sa.Uuid(), nullable=False),
        sa.Column("group_id", sa.Uuid(), nullable=False),
        sa.Column("stage", sa.String(length=25), nullable=False),
        sa.Column("flag", sa.String(length=20), nullable=False),
        sa.Column("stage_since", sa.Date(), nullable=False),
        sa.Column("contemplated", sa.Boolean(), nullable=False),
        sa.Column("missed_consecutive", sa.Integer(), nullable=False),
        sa.Column("overdue_count", sa.Integer(), nullable=False),
        sa.Column("oldest_due_date", sa.Date(), nullable=True),
        sa.Column("principal", lastro.kit.orm.Money(precision=18, scale=2), nullable=False),
        sa.Column("fine", lastro.kit.orm.Money(precision=18, scale=2), nullable=False),
        sa.Column("interest", lastro.kit.orm.Money(precision=18, scale=2), nullable=False),
        sa.Column("total_due", lastro.kit.orm.Money(precision=18, scale=2), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("updated_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "group_id"],
            ["consorcio_groups.tenant_id", "consorcio_groups.id"],
            name="fk_consorcio_delinq_positions_group",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "quota_id"],
            ["consorcio_quotas.tenant_id", "consorcio_quotas.id"],
            name="fk_consorcio_delinq_positions_quota",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_consorcio_delinquency_positions_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_consorcio_delinquency_positions")),
    )
    op.create_index(
        "ix_consorcio_delinquency_positions_group",
        "consorcio_delinquency_positions",
        ["tenant_id", "group_id", "stage"],
        unique=False,
    )
    op.create_index(
        "ix_consorcio_delinquency_positions_stage",
        "consorcio_delinquency_positions",
        ["tenant_id", "stage", "oldest_due_date"],
        unique=False,
    )
    op.create_index(
        "uq_consorcio_delinquency_positions_quota",
        "consorcio_delinquency_positions",
        ["tenant_id", "quota_id"],
        unique=True,
    )
    op.create_table(
        "consorcio_delinquency_transitions",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("quota_id", sa.Uuid(), nullable=False),
        sa.Column("group_id", sa.Uuid(), nullable=False),
        sa.Column("changed_on", sa.Date(), nullable=False),
        sa.Column("from_stage", sa.String(length=25), nullable=False),
        sa.Column("to_stage", sa.String(length=25), nullable=False),
        sa.Column("from_flag", sa.String(length=20), nullable=False),
        sa.Column("to_flag", sa.String(length=20), nullable=False),
        sa.Column("missed_consecutive", sa.Integer(), nullable=False),
        sa.Column("overdue_count", sa.Integer(), nullable=False),
        sa.Column("total_due", lastro.kit.orm.Money(precision=18, scale=2), nullable=False),
        sa.Column("excluded", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "group_id"],
            ["consorcio_groups.tenant_id", "consorcio_groups.id"],
            name="fk_consorcio_delinq_transitions_group",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "quota_id"],
            ["consorcio_quotas.tenant_id", "consorcio_quotas.id"],
            name="fk_consorcio_delinq_transitions_quota",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_consorcio_delinquency_transitions_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint(
            "tenant_id", "id", name=op.f("pk_consorcio_delinquency_transitions")
        ),
    )
    op.create_index(
        "ix_consorcio_delinquency_transitions_on",
        "consorcio_delinquency_transitions",
        ["tenant_id", "changed_on"],
        unique=False,
    )
    op.create_index(
        "ix_consorcio_delinquency_transitions_quota",
        "consorcio_delinquency_transitions",
        ["tenant_id", "quota_id", "changed_on"],
        unique=False,
    )
    op.create_table(
        "consorcio_price_updates",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("group_id", sa.Uuid(), nullable=False),
        sa.Column("price_id", sa.Uuid(), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("previous_price", lastro.kit.orm.Money(precision=18, scale=2), nullable=False),
        sa.Column("new_price", lastro.kit.orm.Money(precision=18, scale=2), nullable=False),
        sa.Column("variation_pct", lastro.kit.orm.Money(precision=18, scale=10), nullable=False),
        sa.Column("index_value", lastro.kit.orm.Money(precision=18, scale=8), nullable=True),
        sa.Column("applied_on", sa.Date(), nullable=False),
        sa.Column("overdue_installments", sa.Integer(), nullable=False),
        sa.Column(
            "overdue_amount_before", lastro.kit.orm.Money(precision=18, scale=2), nullable=False
        ),
        sa.Column(
            "overdue_amount_after", lastro.kit.orm.Money(precision=18, scale=2), nullable=False
        ),
        sa.Column("open_installments", sa.Integer(), nullable=False),
        sa.Column("adjustments_created", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=60), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "group_id"],
            ["consorcio_groups.tenant_id", "consorcio_groups.id"],
            name="fk_consorcio_price_updates_group",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "price_id"],
            ["consorcio_group_prices.tenant_id", "consorcio_group_prices.id"],
            name="fk_consorcio_price_updates_price",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_consorcio_price_updates_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_consorcio_price_updates")),
    )
    op.create_index(
        "ix_consorcio_price_updates_group",
        "consorcio_price_updates",
        ["tenant_id", "group_id", "effective_on"],
        unique=False,
    )
    op.create_index(
        "uq_consorcio_price_updates_price",
        "consorcio_price_updates",
        ["tenant_id", "price_id"],
        unique=True,
    )
    op.create_table(
        "consorcio_delinquency_reminders",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("quota_id", sa.Uuid(), nullable=False),
        sa.Column("installment_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("offset_days", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("sent_on", sa.Date(), nullable=False),
        sa.Column("template_key", sa.String(length=120), nullable=False),
        sa.Column("channels", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("notification_id", sa.Uuid(), nullable=True),
        sa.Column("amount", lastro.kit.orm.Money(precision=18, scale=2), nullable=False),
        sa.Column("created_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "installment_id"],
            ["consorcio_installments.tenant_id", "consorcio_installments.id"],
            name="fk_consorcio_delinq_reminders_installment",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "quota_id"],
            ["consorcio_quotas.tenant_id", "consorcio_quotas.id"],
            name="fk_consorcio_delinq_reminders_quota",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_consorcio_delinquency_reminders_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_consorcio_delinquency_reminders")),
    )
    op.create_index(
        "ix_consorcio_delinquency_reminders_quota",
        "consorcio_delinquency_reminders",
        ["tenant_id", "quota_id", "sent_on"],
        unique=False,
    )
    op.create_index(
        "uq_consorcio_delinquency_reminders_offset",
        "consorcio_delinquency_reminders",
        ["tenant_id", "installment_id", "kind", "offset_days"],
        unique=True,
    )
    enable_tenant_rls("consorcio_delinquency_runs")
    enable_tenant_rls("consorcio_delinquency_positions")
    enable_tenant_rls("consorcio_delinquency_transitions")
    enable_tenant_rls("consorcio_price_updates")
    enable_tenant_rls("consorcio_delinquency_reminders")


def downgrade() -> None:
    disable_tenant_rls("consorcio_delinquency_reminders")
    disable_tenant_rls("consorcio_price_updates")
    disable_tenant_rls("consorcio_delinquency_transitions")
    disable_tenant_rls("consorcio_delinquency_positions")
    disable_tenant_rls("consorcio_delinquency_runs")
    op.drop_table("consorcio_delinquency_reminders")
    op.drop_table("consorcio_price_updates")
    op.drop_table("consorcio_delinquency_transitions")
    op.drop_table("consorcio_delinquency_positions")
    op.drop_table("consorcio_delinquency_runs")
