"""tenant custom domain (white-label): pages answer on the tenant's own host

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 14:13:26.199149
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tenants", schema=None) as batch_op:
        batch_op.add_column(sa.Column("custom_domain", sa.String(length=253), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_tenants_custom_domain"), ["custom_domain"])


def downgrade() -> None:
    with op.batch_alter_table("tenants", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_tenants_custom_domain"), type_="unique")
        batch_op.drop_column("custom_domain")
