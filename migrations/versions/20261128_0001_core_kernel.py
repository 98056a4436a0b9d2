"""core kernel: tenants, users, tokens, audit log, idempotency keys, outbox

Revision ID: 0001
Revises:
Create Date: 2026-11-28 13:03:55.102054
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from migrations.helpers import disable_tenant_rls, enable_tenant_rls

import lastro.kit.orm

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_chain_heads",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", name=op.f("pk_audit_chain_heads")),
    )
    op.create_table(
        "audit_records",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("occurred_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_kind", sa.String(length=20), nullable=False),
        sa.Column("actor_id", sa.String(length=64), nullable=True),
        sa.Column("actor_label", sa.String(length=254), nullable=True),
        sa.Column("action", sa.String(length=80), nullable=False),
        sa.Column("resource_type", sa.String(length=80), nullable=False),
        sa.Column("resource_id", sa.String(length=80), nullable=True),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column("user_agent", sa.String(length=300), nullable=True),
        sa.Column("request_id", sa.String(length=100), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_audit_records")),
    )
    with op.batch_alter_table("audit_records", schema=None) as batch_op:
        batch_op.create_index("uq_audit_records_tenant_seq", ["tenant_id", "seq"], unique=True)

    op.create_table(
        "idempotency_keys",
        sa.Column("scope", sa.String(length=120), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("headers", sa.LargeBinary(), nullable=True),
        sa.Column("body", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("locked_until", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("scope", "key", name=op.f("pk_idempotency_keys")),
    )
    op.create_table(
        "outbox_events",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=True),
        sa.Column("topic", sa.String(length=120), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("published_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_events")),
    )
    with op.batch_alter_table("outbox_events", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_events_unpublished", ["published_at", "id"], unique=False)

    op.create_table(
        "platform_users",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("cpf", sa.String(length=11), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", lastro.kit.orm.UTCDateTime(timezone=True), nullable=True),
        sa.Column("totp_secret", sa.String(length=64), nullable=True),
        sa.Column("last_login_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=True),
        sa.Column("password_changed_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platform_users")),
    )
    with op.batch_alter_table("platform_users", schema=None) as batch_op:
        batch_op.create_index("uq_platform_users_cpf", ["cpf"], unique=True)
        batch_op.create_index("uq_platform_users_email", ["email"], unique=True)

    op.create_table(
        "processed_events",
        sa.Column("handler", sa.String(length=120), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("processed_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("handler", "event_id", name=op.f("pk_processed_events")),
    )
    op.create_table(
        "refresh_tokens",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("family_id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=True),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column("user_agent", sa.String(length=300), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refresh_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_refresh_tokens_token_hash")),
    )
    with op.batch_alter_table("refresh_tokens", schema=None) as batch_op:
        batch_op.create_index("ix_refresh_tokens_family", ["family_id"], unique=False)

    op.create_table(
        "tenants",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("slug", sa.String(length=63), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("document", sa.String(length=18), nullable=True),
        sa.Column("reseller_id", sa.Uuid(), nullable=True),
        sa.Column("branding", sa.JSON(), nullable=False),
        sa.Column("enabled_modules", sa.JSON(), nullable=False),
        sa.Column("created_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tenants")),
        sa.UniqueConstraint("slug", name=op.f("uq_tenants_slug")),
    )
    op.create_table(
        "users",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("cpf", sa.String(length=11), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", lastro.kit.orm.UTCDateTime(timezone=True), nullable=True),
        sa.Column("totp_secret", sa.String(length=64), nullable=True),
        sa.Column("last_login_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=True),
        sa.Column("password_changed_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lastro.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_users_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_users")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index("uq_users_tenant_cpf", ["tenant_id", "cpf"], unique=True)
        batch_op.create_index("uq_users_tenant_email", ["tenant_id", "email"], unique=True)

    enable_tenant_rls("users")
    enable_tenant_rls("audit_records")


def downgrade() -> None:
    disable_tenant_rls("audit_records")
    disable_tenant_rls("users")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index("uq_users_tenant_email")
        batch_op.drop_index("uq_users_tenant_cpf")

    op.drop_table("users")
    op.drop_table("tenants")
    with op.batch_alter_table("refresh_tokens", schema=None) as batch_op:
        batch_op.drop_index("ix_refresh_tokens_family")

    op.drop_table("refresh_tokens")
    op.drop_table("processed_events")
    with op.batch_alter_table("platform_users", schema=None) as batch_op:
        batch_op.drop_index("uq_platform_users_email")
        batch_op.drop_index("uq_platform_users_cpf")

    op.drop_table("platform_users")
    with op.batch_alter_table("outbox_events", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_events_unpublished")

    op.drop_table("outbox_events")
    op.drop_table("idempotency_keys")
    with op.batch_alter_table("audit_records", schema=None) as batch_op:
        batch_op.drop_index("uq_audit_records_tenant_seq")

    op.drop_table("audit_records")
    op.drop_table("audit_chain_heads")
