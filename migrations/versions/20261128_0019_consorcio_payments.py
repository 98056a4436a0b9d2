"""consorcio payments: payments received (CNAB retorno, PIX, manual), retorno imports and
the lines reported as exceptions

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-28 18:31:59.071048
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from migrations.helpers import disable_tenant_rls, enable_tenant_rls

import lastro.kit.orm

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "consorcio_retorno_imports",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("layout", sa.String(length=10), nullable=False),
        sa.Column("bank_code", sa.String(length=3), nullable=False),
        sa.Column("file_sequence", sa.Integer(), nullable=False),
        sa.Column("generated_on", sa.Date(), nullable=True),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("applied", sa.Integer(), nullable=False),
        sa.Column("duplicates", sa.Integer(), nullable=False),
        sa.Column("unknown", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("ignored", sa.Integer(), nullable=False),
        sa.Column("amount_applied", lastro.kit.orm.Money(precision=18, scale=2), nullable=False),
        sa.Column("amount_unknown", lastro.kit.orm.Money(precision=18, scale=2), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_consorcio_retorno_imports_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_consorcio_retorno_imports")),
    )
    with op.batch_alter_table("consorcio_retorno_imports", schema=None) as batch_op:
        batch_op.create_index(
            "ix_consorcio_retorno_imports_created", ["tenant_id", "created_at"], unique=False
        )
        batch_op.create_index(
            "uq_consorcio_retorno_imports_sha256", ["tenant_id", "sha256"], unique=True
        )

    op.create_table(
        "consorcio_payments",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("charge_id", sa.Uuid(), nullable=False),
        sa.Column("quota_id", sa.Uuid(), nullable=False),
        sa.Column("group_id", sa.Uuid(), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("external_id", sa.String(length=120), nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("import_id", sa.Uuid(), nullable=True),
        sa.Column("line_no", sa.Integer(), nullable=True),
        sa.Column("amount", lastro.kit.orm.Money(precision=18, scale=2), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("credited_on", sa.Date(), nullable=True),
        sa.Column("days_late", sa.Integer(), nullable=False),
        sa.Column("fine_amount", lastro.kit.orm.Money(precision=18, scale=2), nullable=False),
        sa.Column("interest_amount", lastro.kit.orm.Money(precision=18, scale=2), nullable=False),
        sa.Column("fine_group", lastro.kit.orm.Money(precision=18, scale=2), nullable=False),
        sa.Column("interest_group", lastro.kit.orm.Money(precision=18, scale=2), nullable=False),
        sa.Column("fc_amount", lastro.kit.orm.Money(precision=18, scale=2), nullable=False),
        sa.Column("ta_amount", lastro.kit.orm.Money(precision=18, scale=2), nullable=False),
        sa.Column("fr_amount", lastro.kit.orm.Money(precision=18, scale=2), nullable=False),
        sa.Column("ins_amount", lastro.kit.orm.Money(precision=18, scale=2), nullable=False),
        sa.Column("advance_amount", lastro.kit.orm.Money(precision=18, scale=2), nullable=False),
        sa.Column("excess_amount", lastro.kit.orm.Money(precision=18, scale=2), nullable=False),
        sa.Column("fc_pct", lastro.kit.orm.Money(precision=18, scale=10), nullable=False),
        sa.Column("ta_pct", lastro.kit.orm.Money(precision=18, scale=10), nullable=False),
        sa.Column("fr_pct", lastro.kit.orm.Money(precision=18, scale=10), nullable=False),
        sa.Column("ins_pct", lastro.kit.orm.Money(precision=18, scale=10), nullable=False),
        sa.Column("price", lastro.kit.orm.Money(precision=18, scale=2), nullable=False),
        sa.Column("installments_settled", sa.Integer(), nullable=False),
        sa.Column("allocations", sa.JSON(), nullable=False),
        sa.Column("book_ref", sa.String(length=120), nullable=False),
        sa.Column("payer_name", sa.String(length=120), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "charge_id"],
            ["consorcio_charges.tenant_id", "consorcio_charges.id"],
            name="fk_consorcio_payments_charge",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "import_id"],
            ["consorcio_retorno_imports.tenant_id", "consorcio_retorno_imports.id"],
            name="fk_consorcio_payments_import",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_consorcio_payments_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_consorcio_payments")),
    )
    with op.batch_alter_table("consorcio_payments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_consorcio_payments_charge", ["tenant_id", "charge_id"], unique=False
        )
        batch_op.create_index(
            "ix_consorcio_payments_created", ["tenant_id", "created_at"], unique=False
        )
        batch_op.create_index(
            "ix_consorcio_payments_import", ["tenant_id", "import_id"], unique=False
        )
        batch_op.create_index(
            "ix_consorcio_payments_quota", ["tenant_id", "quota_id", "paid_on"], unique=False
        )
        batch_op.create_index(
            "uq_consorcio_payments_external", ["tenant_id", "external_id"], unique=True
        )

    op.create_table(
        "consorcio_payment_exceptions",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("import_id", sa.Uuid(), nullable=True),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=True),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("movement", sa.String(length=4), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("detail", sa.String(length=300), nullable=False),
        sa.Column("amount", lastro.kit.orm.Money(precision=18, scale=2), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "import_id"],
            ["consorcio_retorno_imports.tenant_id", "consorcio_retorno_imports.id"],
            name="fk_consorcio_payment_exceptions_import",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_consorcio_payment_exceptions_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_consorcio_payment_exceptions")),
    )
    with op.batch_alter_table("consorcio_payment_exceptions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_consorcio_payment_exceptions_import",
            ["tenant_id", "import_id", "line_no"],
            unique=False,
        )
        batch_op.create_index(
            "ix_consorcio_payment_exceptions_status",
            ["tenant_id", "status", "created_at"],
            unique=False,
        )

    enable_tenant_rls("consorcio_retorno_imports")
    enable_tenant_rls("consorcio_payments")
    enable_tenant_rls("consorcio_payment_exceptions")


def downgrade() -> None:
    disable_tenant_rls("consorcio_payment_exceptions")
    disable_tenant_rls("consorcio_payments")
    disable_tenant_rls("consorcio_retorno_imports")
    with op.batch_alter_table("consorcio_payment_exceptions", schema=None) as batch_op:
        batch_op.drop_index("ix_consorcio_payment_exceptions_status")
        batch_op.drop_index("ix_consorcio_payment_exceptions_import")

    op.drop_table("consorcio_payment_exceptions")
    with op.batch_alter_table("consorcio_payments", schema=None) as batch_op:
        batch_op.drop_index("uq_consorcio_payments_external")
        batch_op.drop_index("ix_consorcio_payments_quota")
        batch_op.drop_index("ix_consorcio_payments_import")
        batch_op.drop_index("ix_consorcio_payments_created")
        batch_op.drop_index("ix_consorcio_payments_charge")

    op.drop_table("consorcio_payments")
    with op.batch_alter_table("consorcio_retorno_imports", schema=None) as batch_op:
        batch_op.drop_index("uq_consorcio_retorno_imports_sha256")
        batch_op.drop_index("ix_consorcio_retorno_imports_created")

    op.drop_table("consorcio_retorno_imports")
