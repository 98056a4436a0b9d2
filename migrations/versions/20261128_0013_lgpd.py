"""lgpd: data-subject requests and the consent register

Revision ID: 0013
Revises: 0006
Create Date: 2026-11-28 15:39:46.965503
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from migrations.helpers import disable_tenant_rls, enable_tenant_rls

import lastro.kit.orm

revision: str = "0013"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


TENANT_TABLES = ("lgpd_consents", "lgpd_requests")


def upgrade() -> None:
    op.create_table(
        "lgpd_consents",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("subject_cpf", sa.String(length=11), nullable=True),
        sa.Column("subject_email", sa.String(length=254), nullable=True),
        sa.Column("purpose", sa.String(length=120), nullable=False),
        sa.Column("text_version", sa.String(length=40), nullable=False),
        sa.Column("channel", sa.String(length=40), nullable=False),
        sa.Column("granted_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.Uuid(), nullable=True),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column("revoked_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revocation_channel", sa.String(length=40), nullable=True),
        sa.Column("revocation_reason", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_lgpd_consents_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_lgpd_consents")),
    )
    with op.batch_alter_table("lgpd_consents", schema=None) as batch_op:
        batch_op.create_index(
            "ix_lgpd_consents_subject_cpf", ["tenant_id", "subject_cpf"], unique=False
        )
        batch_op.create_index(
            "ix_lgpd_consents_subject_email", ["tenant_id", "subject_email"], unique=False
        )

    op.create_table(
        "lgpd_requests",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("subject_cpf", sa.String(length=11), nullable=True),
        sa.Column("subject_email", sa.String(length=254), nullable=True),
        sa.Column("channel", sa.String(length=40), nullable=False),
        sa.Column("notes", sa.String(length=2000), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=True),
        sa.Column("purposes", sa.JSON(), nullable=True),
        sa.Column("requested_by", sa.Uuid(), nullable=True),
        sa.Column("opened_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deadline", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=True),
        sa.Column("completed_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=True),
        sa.Column("completed_by", sa.Uuid(), nullable=True),
        sa.Column("outcome", sa.JSON(), nullable=True),
        sa.Column("refusal_reason", sa.String(length=1000), nullable=True),
        sa.Column("export_data", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_lgpd_requests_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_lgpd_requests")),
    )
    with op.batch_alter_table("lgpd_requests", schema=None) as batch_op:
        batch_op.create_index(
            "ix_lgpd_requests_status_deadline",
            ["tenant_id", "status", "deadline"],
            unique=False,
        )
        batch_op.create_index(
            "ix_lgpd_requests_subject_cpf", ["tenant_id", "subject_cpf"], unique=False
        )
        batch_op.create_index(
            "ix_lgpd_requests_subject_email", ["tenant_id", "subject_email"], unique=False
        )

    for table in TENANT_TABLES:
        enable_tenant_rls(table)


def downgrade() -> None:
    for table in TENANT_TABLES:
        disable_tenant_rls(table)
    with op.batch_alter_table("lgpd_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_lgpd_requests_subject_email")
        batch_op.drop_index("ix_lgpd_requests_subject_cpf")
        batch_op.drop_index("ix_lgpd_requests_status_deadline")

    op.drop_table("lgpd_requests")
    with op.batch_alter_table("lgpd_consents", schema=None) as batch_op:
        batch_op.drop_index("ix_lgpd_consents_subject_email")
        batch_op.drop_index("ix_lgpd_consents_subject_cpf")

    op.drop_table("lgpd_consents")
