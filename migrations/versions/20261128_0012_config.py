"""core config: per-tenant settings overrides and feature flags

Revision ID: 0012
Revises: 0006
Create Date: 2026-11-28 16:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from migrations.helpers import disable_tenant_rls, enable_tenant_rls

import lastro.kit.orm

revision: str = "0012"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "feature_flags",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("description", sa.String(length=300), nullable=False),
        sa.Column("default_enabled", sa.Boolean(), nullable=False),
        sa.Column("enabled_plans", sa.JSON(), nullable=False),
        sa.Column("enabled_tenants", sa.JSON(), nullable=False),
        sa.Column("disabled_tenants", sa.JSON(), nullable=False),
        sa.Column("rollout_percentage", sa.Integer(), nullable=False),
        sa.Column("created_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feature_flags")),
        sa.UniqueConstraint("key", name=op.f("uq_feature_flags_key")),
    )
    op.create_table(
        "tenant_settings",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("namespace", sa.String(length=120), nullable=False),
        sa.Column("overrides", sa.JSON(), nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_tenant_settings_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_tenant_settings")),
    )
    with op.batch_alter_table("tenant_settings", schema=None) as batch_op:
        batch_op.create_index(
            "uq_tenant_settings_namespace", ["tenant_id", "namespace"], unique=True
        )
    enable_tenant_rls("tenant_settings")


def downgrade() -> None:
    disable_tenant_rls("tenant_settings")
    with op.batch_alter_table("tenant_settings", schema=None) as batch_op:
        batch_op.drop_index("uq_tenant_settings_namespace")

    op.drop_table("tenant_settings")
    op.drop_table("feature_flags")
