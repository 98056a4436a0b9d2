"""banking: cards, card authorisations and one-time codes, bill payments, budgets and their
alerts, ledger entry facts for analytics, support tickets

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-28 19:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from migrations.helpers import disable_tenant_rls, enable_tenant_rls

import lastro.kit.orm

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# in creation order (a table after the ones it references)
TABLES = (
    "banking_entry_facts",
    "banking_ticket_counters",
    "banking_tickets",
    "banking_ticket_attachments",
    "banking_ticket_messages",
    "banking_bill_payments",
    "banking_budgets",
    "banking_cards",
    "banking_budget_alerts",
    "banking_card_authorizations",
    "banking_card_verifications",
)


def upgrade() -> None:
    op.create_table(
        "banking_entry_facts",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("category", sa.String(length=30), nullable=False),
        sa.Column("counterparty", sa.String(length=120), nullable=False),
        sa.Column("mcc", sa.String(length=4), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_banking_entry_facts_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_banking_entry_facts")),
    )
    with op.batch_alter_table("banking_entry_facts", schema=None) as batch_op:
        batch_op.create_index(
            "uq_banking_entry_facts_entry", ["tenant_id", "entry_id"], unique=True
        )

    op.create_table(
        "banking_ticket_counters",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_value", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_banking_ticket_counters_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_banking_ticket_counters")),
    )
    with op.batch_alter_table("banking_ticket_counters", schema=None) as batch_op:
        batch_op.create_index("uq_banking_ticket_counters_year", ["tenant_id", "year"], unique=True)

    op.create_table(
        "banking_tickets",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("category", sa.String(length=30), nullable=False),
        sa.Column("priority", sa.String(length=10), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("assignee_id", sa.Uuid(), nullable=True),
        sa.Column("resolved_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_banking_tickets_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_banking_tickets")),
    )
    with op.batch_alter_table("banking_tickets", schema=None) as batch_op:
        batch_op.create_index(
            "ix_banking_tickets_customer", ["tenant_id", "customer_id", "created_at"], unique=False
        )
        batch_op.create_index(
            "ix_banking_tickets_status", ["tenant_id", "status", "created_at"], unique=False
        )
        batch_op.create_index("uq_banking_tickets_number", ["tenant_id", "number"], unique=True)

    op.create_table(
        "banking_ticket_attachments",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("ticket_id", sa.Uuid(), nullable=False),
        sa.Column("message_id", sa.Uuid(), nullable=True),
        sa.Column("document_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("created_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "ticket_id"],
            ["banking_tickets.tenant_id", "banking_tickets.id"],
            name=op.f("fk_banking_ticket_attachments_tenant_id_ticket_id_banking_tickets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_banking_ticket_attachments_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_banking_ticket_attachments")),
    )
    with op.batch_alter_table("banking_ticket_attachments", schema=None) as batch_op:
        batch_op.create_index(
            "uq_banking_ticket_attachments_doc",
            ["tenant_id", "ticket_id", "document_id"],
            unique=True,
        )

    op.create_table(
        "banking_ticket_messages",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("ticket_id", sa.Uuid(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column("author_kind", sa.String(length=10), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "ticket_id"],
            ["banking_tickets.tenant_id", "banking_tickets.id"],
            name=op.f("fk_banking_ticket_messages_tenant_id_ticket_id_banking_tickets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_banking_ticket_messages_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_banking_ticket_messages")),
    )
    with op.batch_alter_table("banking_ticket_messages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_banking_ticket_messages_ticket",
            ["tenant_id", "ticket_id", "created_at"],
            unique=False,
        )

    op.create_table(
        "banking_bill_payments",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("barcode", sa.String(length=44), nullable=False),
        sa.Column("active_barcode", sa.String(length=44), nullable=True),
        sa.Column("digitable_line", sa.String(length=48), nullable=False),
        sa.Column("bank_code", sa.String(length=3), nullable=True),
        sa.Column("segment", sa.String(length=1), nullable=True),
        sa.Column("company_id", sa.String(length=8), nullable=True),
        sa.Column("beneficiary", sa.String(length=120), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=True),
        sa.Column("nominal_amount", lastro.kit.orm.Money(precision=18, scale=2), nullable=True),
        sa.Column("amount", lastro.kit.orm.Money(precision=18, scale=2), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("scheduled_for", sa.Date(), nullable=False),
        sa.Column("paid_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=True),
        sa.Column("entry_id", sa.Uuid(), nullable=True),
        sa.Column("authentication", sa.String(length=40), nullable=True),
        sa.Column("failure_reason", sa.String(length=300), nullable=True),
        sa.Column("requested_by", sa.Uuid(), nullable=False),
        sa.Column("created_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "account_id"],
            ["banking_accounts.tenant_id", "banking_accounts.id"],
            name=op.f("fk_banking_bill_payments_tenant_id_account_id_banking_accounts"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_banking_bill_payments_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_banking_bill_payments")),
    )
    with op.batch_alter_table("banking_bill_payments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_banking_bill_payments_account",
            ["tenant_id", "account_id", "created_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_banking_bill_payments_due", ["status", "scheduled_for"], unique=False
        )
        batch_op.create_index(
            "uq_banking_bill_payments_active", ["tenant_id", "active_barcode"], unique=True
        )

    op.create_table(
        "banking_budgets",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("amount", lastro.kit.orm.Money(precision=18, scale=2), nullable=False),
        sa.Column("thresholds", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("created_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "account_id"],
            ["banking_accounts.tenant_id", "banking_accounts.id"],
            name=op.f("fk_banking_budgets_tenant_id_account_id_banking_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_banking_budgets_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_banking_budgets")),
    )
    with op.batch_alter_table("banking_budgets", schema=None) as batch_op:
        batch_op.create_index(
            "uq_banking_budgets_category",
            ["tenant_id", "account_id", "category", "period"],
            unique=True,
        )

    op.create_table(
        "banking_cards",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("status_reason", sa.String(length=300), nullable=True),
        sa.Column("brand", sa.String(length=12), nullable=False),
        sa.Column("bin", sa.String(length=8), nullable=False),
        sa.Column("last4", sa.String(length=4), nullable=False),
        sa.Column("pan_hash", sa.String(length=64), nullable=False),
        sa.Column("pan_encrypted", sa.String(length=200), nullable=False),
        sa.Column("cvv_encrypted", sa.String(length=200), nullable=False),
        sa.Column("key_id", sa.String(length=40), nullable=False),
        sa.Column("token", sa.String(length=40), nullable=False),
        sa.Column("holder_name", sa.String(length=26), nullable=False),
        sa.Column("nickname", sa.String(length=60), nullable=True),
        sa.Column("exp_month", sa.Integer(), nullable=False),
        sa.Column("exp_year", sa.Integer(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("daily_limit", lastro.kit.orm.Money(precision=18, scale=2), nullable=False),
        sa.Column("monthly_limit", lastro.kit.orm.Money(precision=18, scale=2), nullable=False),
        sa.Column("replaced_by_id", sa.Uuid(), nullable=True),
        sa.Column("replaces_id", sa.Uuid(), nullable=True),
        sa.Column("issued_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "account_id"],
            ["banking_accounts.tenant_id", "banking_accounts.id"],
            name=op.f("fk_banking_cards_tenant_id_account_id_banking_accounts"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_banking_cards_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_banking_cards")),
    )
    with op.batch_alter_table("banking_cards", schema=None) as batch_op:
        batch_op.create_index("ix_banking_cards_account", ["tenant_id", "account_id"], unique=False)
        batch_op.create_index("ix_banking_cards_key", ["key_id"], unique=False)
        batch_op.create_index("uq_banking_cards_pan_hash", ["tenant_id", "pan_hash"], unique=True)
        batch_op.create_index("uq_banking_cards_token", ["tenant_id", "token"], unique=True)

    op.create_table(
        "banking_budget_alerts",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("budget_id", sa.Uuid(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column("spent", lastro.kit.orm.Money(precision=18, scale=2), nullable=False),
        sa.Column("created_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "budget_id"],
            ["banking_budgets.tenant_id", "banking_budgets.id"],
            name=op.f("fk_banking_budget_alerts_tenant_id_budget_id_banking_budgets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_banking_budget_alerts_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_banking_budget_alerts")),
    )
    with op.batch_alter_table("banking_budget_alerts", schema=None) as batch_op:
        batch_op.create_index(
            "uq_banking_budget_alerts_crossing",
            ["tenant_id", "budget_id", "period_start", "threshold"],
            unique=True,
        )

    op.create_table(
        "banking_card_authorizations",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("card_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("processor_ref", sa.String(length=64), nullable=False),
        sa.Column("amount", lastro.kit.orm.Money(precision=18, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("merchant_name", sa.String(length=100), nullable=False),
        sa.Column("merchant_city", sa.String(length=60), nullable=True),
        sa.Column("mcc", sa.String(length=4), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("decline_reason", sa.String(length=40), nullable=True),
        sa.Column("hold_entry_id", sa.Uuid(), nullable=True),
        sa.Column("capture_entry_id", sa.Uuid(), nullable=True),
        sa.Column("reversal_entry_id", sa.Uuid(), nullable=True),
        sa.Column("captured_amount", lastro.kit.orm.Money(precision=18, scale=2), nullable=True),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("created_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("captured_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reversed_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id", "card_id"],
            ["banking_cards.tenant_id", "banking_cards.id"],
            name=op.f("fk_banking_card_authorizations_tenant_id_card_id_banking_cards"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_banking_card_authorizations_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_banking_card_authorizations")),
    )
    with op.batch_alter_table("banking_card_authorizations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_banking_card_authorizations_account",
            ["tenant_id", "account_id", "created_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_banking_card_authorizations_card",
            ["tenant_id", "card_id", "local_date"],
            unique=False,
        )
        batch_op.create_index(
            "uq_banking_card_authorizations_ref", ["tenant_id", "processor_ref"], unique=True
        )

    op.create_table(
        "banking_card_verifications",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("card_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("created_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "card_id"],
            ["banking_cards.tenant_id", "banking_cards.id"],
            name=op.f("fk_banking_card_verifications_tenant_id_card_id_banking_cards"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_banking_card_verifications_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_banking_card_verifications")),
    )
    with op.batch_alter_table("banking_card_verifications", schema=None) as batch_op:
        batch_op.create_index(
            "ix_banking_card_verifications_card", ["tenant_id", "card_id", "user_id"], unique=False
        )

    for table in TABLES:
        enable_tenant_rls(table)


def downgrade() -> None:
    for table in reversed(TABLES):
        disable_tenant_rls(table)
        op.drop_table(table)
