"""Helpers for migrations that must run unchanged on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic import op

_POLICY = """
CREATE POLICY tenant_isolation ON {table}
  USING (
    current_setting('app.bypass_tenancy', true) = 'on'
    OR tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid
  )
  WITH CHECK (
    current_setting('app.bypass_tenancy', true) = 'on'
    OR tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid
  )
"""


def is_postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def enable_tenant_rls(table: str) -> None:
    """Row-level security on a tenant table: the second line of defence behind the ORM guard.

    Forced, so it applies to the table owner too; superusers still bypass it, which is why the
    application connects as a role that neither owns the tables nor is a superuser.
    """
    if not is_postgres():
        return
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(_POLICY.format(table=table))


def disable_tenant_rls(table: str) -> None:
    if not is_postgres():
        return
    op.execute(f"DROP POLICY IF EXISTS tenant_isolation ON {table}")
    op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
