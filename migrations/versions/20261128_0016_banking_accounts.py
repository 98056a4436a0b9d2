"""banking: customer accounts on the core ledger, PIX keys, deposit boletos, transfers

Revision ID: 0016
Revises: 0014
Create Date: 2026-11-28 18:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from migrations.helpers import disable_tenant_rls, enable_tenant_rls

import lastro.kit.orm

revision: str = "0016"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("banking_accounts", "banking_pix_keys", "banking_deposits", "banking_transfers")


def upgrade() -> None:
    op.create_table(
        "banking_accounts",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("holder_name", sa.String(length=200), nullable=False),
        sa.Column("document", sa.String(length=14), nullable=False),
        sa.Column("email", sa.String(length=200), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("holder_user_id", sa.Uuid(), nullable=True),
        sa.Column("agency", sa.String(length=4), nullable=False),
        sa.Column("number", sa.String(length=12), nullable=False),
        sa.Column("check_digit", sa.String(length=1), nullable=False),
        sa.Column("kyc_status", sa.String(length=12), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("status_reason", sa.String(length=300), nullable=True),
        sa.Column("ledger_id", sa.Uuid(), nullable=False),
        sa.Column("ledger_account_id", sa.Uuid(), nullable=False),
        sa.Column("opened_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "holder_user_id"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_banking_accounts_tenant_id_holder_user_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_banking_accounts_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_banking_accounts")),
    )
    with op.batch_alter_table("banking_accounts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_banking_accounts_document", ["tenant_id", "document"], unique=False
        )
        batch_op.create_index(
            "ix_banking_accounts_holder_user", ["tenant_id", "holder_user_id"], unique=False
        )
        batch_op.create_index(
            "uq_banking_accounts_number", ["tenant_id", "agency", "number"], unique=True
        )
    op.create_table(
        "banking_pix_keys",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("key_type", sa.String(length=8), nullable=False),
        sa.Column("value", sa.String(length=77), nullable=False),
        sa.Column("created_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "account_id"],
            ["banking_accounts.tenant_id", "banking_accounts.id"],
            name=op.f("fk_banking_pix_keys_tenant_id_account_id_banking_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_banking_pix_keys_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_banking_pix_keys")),
    )
    with op.batch_alter_table("banking_pix_keys", schema=None) as batch_op:
        batch_op.create_index(
            "ix_banking_pix_keys_account", ["tenant_id", "account_id"], unique=False
        )
        batch_op.create_index("uq_banking_pix_keys_value", ["tenant_id", "value"], unique=True)
    op.create_table(
        "banking_deposits",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("amount", lastro.kit.orm.Money(precision=18, scale=2), nullable=False),
        sa.Column("nosso_numero", sa.String(length=20), nullable=False),
        sa.Column("barcode", sa.String(length=44), nullable=False),
        sa.Column("digitable_line", sa.String(length=47), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("paid_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=True),
        sa.Column("entry_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "account_id"],
            ["banking_accounts.tenant_id", "banking_accounts.id"],
            name=op.f("fk_banking_deposits_tenant_id_account_id_banking_accounts"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_banking_deposits_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_banking_deposits")),
    )
    with op.batch_alter_table("banking_deposits", schema=None) as batch_op:
        batch_op.create_index(
            "ix_banking_deposits_account", ["tenant_id", "account_id"], unique=False
        )
        batch_op.create_index(
            "uq_banking_deposits_nosso_numero", ["tenant_id", "nosso_numero"], unique=True
        )
    op.create_table(
        "banking_transfers",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("type", sa.String(length=12), nullable=False),
        sa.Column("direction", sa.String(length=4), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("counterparty_account_id", sa.Uuid(), nullable=True),
        sa.Column("amount", lastro.kit.orm.Money(precision=18, scale=2), nullable=False),
        sa.Column("fee", lastro.kit.orm.Money(precision=18, scale=2), nullable=False),
        sa.Column("description", sa.String(length=140), nullable=False),
        sa.Column("counterparty", sa.JSON(), nullable=False),
        sa.Column("end_to_end_id", sa.String(length=32), nullable=True),
        sa.Column("original_transfer_id", sa.Uuid(), nullable=True),
        sa.Column("refunded_amount", lastro.kit.orm.Money(precision=18, scale=2), nullable=False),
        sa.Column("med", sa.Boolean(), nullable=False),
        sa.Column("scheduled_for", lastro.kit.orm.UTCDateTime(timezone=True), nullable=True),
        sa.Column("night", sa.Boolean(), nullable=False),
        sa.Column("executed_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=True),
        sa.Column("settled_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=True),
        sa.Column("hold_entry_id", sa.Uuid(), nullable=True),
        sa.Column("entry_id", sa.Uuid(), nullable=True),
        sa.Column("rail", sa.String(length=20), nullable=True),
        sa.Column("rail_ref", sa.String(length=64), nullable=True),
        sa.Column("sandbox_outcome", sa.String(length=12), nullable=True),
        sa.Column("failure_code", sa.String(length=40), nullable=True),
        sa.Column("failure_reason", sa.String(length=300), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "account_id"],
            ["banking_accounts.tenant_id", "banking_accounts.id"],
            name=op.f("fk_banking_transfers_tenant_id_account_id_banking_accounts"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "counterparty_account_id"],
            ["banking_accounts.tenant_id", "banking_accounts.id"],
            name=op.f("fk_banking_transfers_tenant_id_counterparty_account_id_banking_accounts"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_banking_transfers_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_banking_transfers")),
    )
    with op.batch_alter_table("banking_transfers", schema=None) as batch_op:
        batch_op.create_index(
            "ix_banking_transfers_account", ["tenant_id", "account_id", "created_at"], unique=False
        )
        batch_op.create_index(
            "ix_banking_transfers_counterparty",
            ["tenant_id", "counterparty_account_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_banking_transfers_creator", ["tenant_id", "created_by", "created_at"], unique=False
        )
        batch_op.create_index(
            "ix_banking_transfers_due", ["tenant_id", "status", "scheduled_for"], unique=False
        )
        batch_op.create_index(
            "ix_banking_transfers_original", ["tenant_id", "original_transfer_id"], unique=False
        )
        batch_op.create_index(
            "uq_banking_transfers_e2e", ["tenant_id", "end_to_end_id"], unique=True
        )
    for table in TABLES:
        enable_tenant_rls(table)


def downgrade() -> None:
    for table in reversed(TABLES):
        disable_tenant_rls(table)
    with op.batch_alter_table("banking_transfers", schema=None) as batch_op:
        batch_op.drop_index("uq_banking_transfers_e2e")
        batch_op.drop_index("ix_banking_transfers_original")
        batch_op.drop_index("ix_banking_transfers_due")
        batch_op.drop_index("ix_banking_transfers_creator")
        batch_op.drop_index("ix_banking_transfers_counterparty")
        batch_op.drop_index("ix_banking_transfers_account")

    op.drop_table("banking_transfers")
    with op.batch_alter_table("banking_deposits", schema=None) as batch_op:
        batch_op.drop_index("uq_banking_deposits_nosso_numero")
        batch_op.drop_index("ix_banking_deposits_account")

    op.drop_table("banking_deposits")
    with op.batch_alter_table("banking_pix_keys", schema=None) as batch_op:
        batch_op.drop_index("uq_banking_pix_keys_value")
        batch_op.drop_index("ix_banking_pix_keys_account")

    op.drop_table("banking_pix_keys")
    with op.batch_alter_table("banking_accounts", schema=None) as batch_op:
        batch_op.drop_index("uq_banking_accounts_number")
        batch_op.drop_index("ix_banking_accounts_holder_user")
        batch_op.drop_index("ix_banking_accounts_document")

    op.drop_table("banking_accounts")
