"""core ledger: books, accounts, balance shards, entries, postings

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 14:00:00

Entries and postings have no foreign keys on purpose (see lastro.core.ledger.models).
On PostgreSQL, ledger_write() is the engine's one write statement (see lastro.core.ledger.pg).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from migrations.helpers import disable_tenant_rls, enable_tenant_rls, is_postgres

import lastro.kit.orm

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("ledgers", "ledger_accounts", "ledger_balances", "ledger_entries", "ledger_postings")

# The ledger engine's write, server-side so that one entry costs one round trip: bind the
# tenant for RLS, optionally lock the balance rows in (account, shard) order and check them
# (closed, overdraft limit: a change may not push the exposure past the limit unless it
# lowers it), then insert entries (a taken idempotency key is skipped), and only if every
# entry went in their postings, balance deltas and outbox events. Returns how many entries
# were inserted, or the failing rows ("account:reason,...") with nothing written.
# Arrays may be shorter than e_id: NULL (every value the default) or, for columns all entries
# share (book, kind, date, posting count, currency, topic), one element that applies to all.
LEDGER_WRITE = """
CREATE OR REPLACE FUNCTION ledger_write(
    p_tenant uuid, p_created timestamptz, p_check boolean,
    e_id uuid[], e_ledger uuid[], e_kind text[], e_key text[], e_fp text[], e_n smallint[],
    e_date date[], e_desc text[], e_meta text[], e_pending uuid[], e_reverses uuid[],
    e_expires timestamptz[], e_link uuid[],
    p_k integer[], p_account uuid[], p_idx smallint[], p_currency text[],
    p_amount bigint[], p_pending boolean[],
    d_account uuid[], d_shard smallint[], d_dp bigint[], d_cp bigint[], d_dpe bigint[],
    d_cpe bigint[], d_debit_normal boolean[],
    o_topic text[], o_payload text[]
) RETURNS TABLE (inserted bigint, failed text)
LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
DECLARE
    v_failed text;
    v_locked bigint;
    v_expected bigint := coalesce(cardinality(e_id), 0);
BEGIN
    PERFORM set_config('app.tenant_id', p_tenant::text, true),
            set_config('app.bypass_tenancy', 'off', true);
    IF p_check THEN
        -- lock in (account, shard) order; the lock hands up each row's latest version, which
        -- the check reads
        SELECT count(*), string_agg(l.account_id::text || ':' || CASE WHEN l.closed
                   THEN 'closed' ELSE 'funds' END, ',') FILTER (WHERE l.closed OR (
                   l.overdraft_limit IS NOT NULL
                   AND CASE WHEN l.dn
                            THEN l.credits_posted + l.cp + l.credits_pending + l.cpe
                                 - l.debits_posted - l.dp
                            ELSE l.debits_posted + l.dp + l.debits_pending + l.dpe
                                 - l.credits_posted - l.cp END > l.overdraft_limit
                   AND CASE WHEN l.dn THEN l.cp + l.cpe - l.dp
                            ELSE l.dp + l.dpe - l.cp END > 0))
          INTO v_locked, v_failed
          FROM (SELECT b.account_id, b.closed, b.overdraft_limit, b.debits_posted,
                       b.credits_posted, b.debits_pending, b.credits_pending,
                       d.dp, d.cp, d.dpe, d.cpe, d.dn
                  FROM ledger_balances b
                  JOIN unnest(d_account, d_shard, d_dp, d_cp, d_dpe, d_cpe, d_debit_normal)
                       AS d(account_id, shard, dp, cp, dpe, cpe, dn)
                    ON b.account_id = d.account_id AND b.shard = d.shard
                 WHERE b.tenant_id = p_tenant
                 ORDER BY b.account_id, b.shard
                   FOR NO KEY UPDATE OF b) AS l;
        IF v_locked < cardinality(d_account) THEN
            SELECT string_agg(d.account_id::text || ':' || 'missing', ',') INTO v_failed
              FROM unnest(d_account, d_shard) AS d(account_id, shard)
             WHERE NOT EXISTS (SELECT 1 FROM ledger_balances b
                                WHERE b.tenant_id = p_tenant
                                  AND b.account_id = d.account_id AND b.shard = d.shard);
        END IF;
        IF v_failed IS NOT NULL THEN
            RETURN QUERY SELECT 0::bigint, v_failed;
            RETURN;
        END IF;
    END IF;
    RETURN QUERY
    WITH ins AS (
      INSERT INTO ledger_entries (tenant_id, id, ledger_id, kind, idempotency_key, fingerprint,
          description, meta, effective_date, created_at, pending_id, reverses_id, expires_at,
          link_id, posting_count)
      SELECT p_tenant, u.id, coalesce(u.ledger_id, e_ledger[1]), coalesce(u.kind, e_kind[1]),
             u.key, u.fp, coalesce(u.description, ''), coalesce(u.meta, '{}')::json,
             coalesce(u.effective_date, e_date[1]), p_created, u.pending_id, u.reverses_id,
             u.expires_at, u.link_id, coalesce(u.n, e_n[1])
      FROM unnest(e_id, e_ledger, e_kind, e_key, e_fp, e_n, e_date, e_desc, e_meta, e_pending,
                  e_reverses, e_expires, e_link)
           AS u(id, ledger_id, kind, key, fp, n, effective_date, description, meta,
                pending_id, reverses_id, expires_at, link_id)
      ON CONFLICT (tenant_id, ledger_id, idempotency_key) DO NOTHING
      RETURNING 1
    ), n AS (SELECT count(*) AS c FROM ins),
    pst AS (
      INSERT INTO ledger_postings (tenant_id, id, entry_id, account_id, idx, currency, amount,
          pending, effective_date)
      -- leg i of an entry has id entry + i + 1 (entry ids end in a zero byte)
      SELECT p_tenant, encode(set_byte(uuid_send(e_id[u.k]), 15, u.idx + 1), 'hex')::uuid,
             e_id[u.k], u.account_id, u.idx, coalesce(u.currency, p_currency[1]), u.amount,
             coalesce(u.pending, false), coalesce(e_date[u.k], e_date[1])
      FROM unnest(p_k, p_account, p_idx, p_currency, p_amount, p_pending)
           AS u(k, account_id, idx, currency, amount, pending)
      WHERE (SELECT c FROM n) = v_expected
    ), upd AS (
      UPDATE ledger_balances b
      SET debits_posted = b.debits_posted + d.dp, credits_posted = b.credits_posted + d.cp,
          debits_pending = b.debits_pending + d.dpe,
          credits_pending = b.credits_pending + d.cpe
      FROM unnest(d_account, d_shard, d_dp, d_cp, d_dpe, d_cpe)
           AS d(account_id, shard, dp, cp, dpe, cpe)
      WHERE b.tenant_id = p_tenant AND b.account_id = d.account_id AND b.shard = d.shard
        AND (SELECT c FROM n) = v_expected
    ), obx AS (
      INSERT INTO outbox_events (id, tenant_id, topic, payload, created_at, attempts)
      SELECT u.id, p_tenant, coalesce(u.topic, o_topic[1]), u.payload::json, p_created, 0
      FROM unnest(e_id, o_topic, o_payload) AS u(id, topic, payload)
      WHERE (SELECT c FROM n) = v_expected
    )
    SELECT c, NULL::text FROM n;
END
$fn$
"""


def _utc() -> lastro.kit.orm.UTCDateTime:
    return lastro.kit.orm.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "ledgers",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("module", sa.String(length=40), nullable=False),
        sa.Column("owner_ref", sa.String(length=80), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("chart", sa.String(length=80), nullable=True),
        sa.Column("created_at", _utc(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_ledgers_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_ledgers")),
        sa.UniqueConstraint("tenant_id", "code", name=op.f("uq_ledgers_tenant_id_code")),
    )
    op.create_table(
        "ledger_accounts",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("ledger_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("type", sa.String(length=10), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("owner_ref", sa.String(length=80), nullable=True),
        sa.Column("overdraft_limit", sa.BigInteger(), nullable=True),
        sa.Column("shards", sa.SmallInteger(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("closed_at", _utc(), nullable=True),
        sa.Column("created_at", _utc(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "ledger_id"],
            ["ledgers.tenant_id", "ledgers.id"],
            name=op.f("fk_ledger_accounts_tenant_id_ledger_id_ledgers"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_ledger_accounts_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_ledger_accounts")),
        sa.UniqueConstraint(
            "tenant_id",
            "ledger_id",
            "code",
            name=op.f("uq_ledger_accounts_tenant_id_ledger_id_code"),
        ),
    )
    with op.batch_alter_table("ledger_accounts", schema=None) as batch_op:
        batch_op.create_index("ix_ledger_accounts_owner", ["tenant_id", "owner_ref"], unique=False)

    op.create_table(
        "ledger_balances",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("shard", sa.SmallInteger(), nullable=False),
        sa.Column("debits_posted", sa.BigInteger(), nullable=False),
        sa.Column("credits_posted", sa.BigInteger(), nullable=False),
        sa.Column("debits_pending", sa.BigInteger(), nullable=False),
        sa.Column("credits_pending", sa.BigInteger(), nullable=False),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.Column("overdraft_limit", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id", "account_id"],
            ["ledger_accounts.tenant_id", "ledger_accounts.id"],
            name=op.f("fk_ledger_balances_tenant_id_account_id_ledger_accounts"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_ledger_balances_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_ledger_balances")),
        sa.UniqueConstraint(
            "tenant_id",
            "account_id",
            "shard",
            name=op.f("uq_ledger_balances_tenant_id_account_id_shard"),
        ),
    )
    op.create_table(
        "ledger_entries",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("ledger_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("fingerprint", sa.String(length=32), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("meta", sa.JSON(), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("pending_id", sa.Uuid(), nullable=True),
        sa.Column("reverses_id", sa.Uuid(), nullable=True),
        sa.Column("expires_at", _utc(), nullable=True),
        sa.Column("link_id", sa.Uuid(), nullable=True),
        sa.Column("posting_count", sa.SmallInteger(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_ledger_entries")),
        sa.UniqueConstraint(
            "tenant_id",
            "ledger_id",
            "idempotency_key",
            name=op.f("uq_ledger_entries_tenant_id_ledger_id_idempotency_key"),
        ),
    )
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ledger_entries_expiring",
            ["expires_at"],
            unique=False,
            sqlite_where=sa.text("expires_at IS NOT NULL"),
            postgresql_where=sa.text("expires_at IS NOT NULL"),
        )
        batch_op.create_index(
            "uq_ledger_entries_pending",
            ["tenant_id", "pending_id"],
            unique=True,
            sqlite_where=sa.text("pending_id IS NOT NULL"),
            postgresql_where=sa.text("pending_id IS NOT NULL"),
        )
        batch_op.create_index(
            "uq_ledger_entries_reverses",
            ["tenant_id", "reverses_id"],
            unique=True,
            sqlite_where=sa.text("reverses_id IS NOT NULL"),
            postgresql_where=sa.text("reverses_id IS NOT NULL"),
        )

    op.create_table(
        "ledger_postings",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("idx", sa.SmallInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("pending", sa.Boolean(), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_ledger_postings")),
    )
    with op.batch_alter_table("ledger_postings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ledger_postings_account",
            ["tenant_id", "account_id", "effective_date", "entry_id"],
            unique=False,
        )

    for table in TABLES:
        enable_tenant_rls(table)
    if is_postgres():
        # Balance rows are updated in place constantly: leave room for HOT updates.
        op.execute("ALTER TABLE ledger_balances SET (fillfactor = 50)")
        op.execute(LEDGER_WRITE)


def downgrade() -> None:
    if is_postgres():
        op.execute("DROP FUNCTION IF EXISTS ledger_write")
    for table in reversed(TABLES):
        disable_tenant_rls(table)
    op.drop_table("ledger_postings")
    op.drop_table("ledger_entries")
    op.drop_table("ledger_balances")
    op.drop_table("ledger_accounts")
    op.drop_table("ledgers")
