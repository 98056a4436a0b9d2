"""api keys: tenant integration credentials, stored hashed

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 14:11:49.074247
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from migrations.helpers import disable_tenant_rls, enable_tenant_rls

import lastro.kit.orm

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("permissions", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_api_keys_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_api_keys")),
    )
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.create_index("uq_api_keys_prefix", ["prefix"], unique=True)

    enable_tenant_rls("api_keys")


def downgrade() -> None:
    disable_tenant_rls("api_keys")
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_index("uq_api_keys_prefix")

    op.drop_table("api_keys")
