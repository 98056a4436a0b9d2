"""core exports: background export jobs and scheduled reports

Revision ID: 0011
Revises: 0006
Create Date: 2026-11-28 15:46:10.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from migrations.helpers import disable_tenant_rls, enable_tenant_rls

import lastro.kit.orm

revision: str = "0011"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TENANT_TABLES = ("export_jobs", "scheduled_reports")


def _tenant_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["tenant_id"],
        ["tenants.id"],
        name=op.f(f"fk_{table}_tenant_id_tenants"),
        ondelete="RESTRICT",
    )


def upgrade() -> None:
    op.create_table(
        "export_jobs",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("source", sa.String(length=120), nullable=False),
        sa.Column("format", sa.String(length=8), nullable=False),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("total_rows", sa.BigInteger(), nullable=True),
        sa.Column("rows_done", sa.BigInteger(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("document_id", sa.Uuid(), nullable=True),
        sa.Column("report_id", sa.Uuid(), nullable=True),
        sa.Column("notified_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=True),
        _tenant_fk("export_jobs"),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_export_jobs")),
    )
    op.create_index("ix_export_jobs_status", "export_jobs", ["status", "created_at"])
    op.create_index("ix_export_jobs_tenant_created", "export_jobs", ["tenant_id", "created_at"])
    op.create_table(
        "scheduled_reports",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("source", sa.String(length=120), nullable=False),
        sa.Column("format", sa.String(length=8), nullable=False),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.Column("cron", sa.String(length=120), nullable=False),
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("next_run_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_run_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_export_id", sa.Uuid(), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        _tenant_fk("scheduled_reports"),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_scheduled_reports")),
    )
    op.create_index("ix_scheduled_reports_due", "scheduled_reports", ["is_active", "next_run_at"])
    for table in TENANT_TABLES:
        enable_tenant_rls(table)


def downgrade() -> None:
    for table in TENANT_TABLES:
        disable_tenant_rls(table)
    op.drop_index("ix_scheduled_reports_due", table_name="scheduled_reports")
    op.drop_table("scheduled_reports")
    op.drop_index("ix_export_jobs_tenant_created", table_name="export_jobs")
    op.drop_index("ix_export_jobs_status", table_name="export_jobs")
    op.drop_table("export_jobs")
