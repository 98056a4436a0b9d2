"""merge: invoices and the core services (notifications, webhooks, documents, exports,
configuration and flags, LGPD), built side by side on 0006, become one line again

Revision ID: 0014
Revises: 0007, 0008, 0009, 0010, 0011, 0012, 0013
Create Date: 2026-11-28 17:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0014"
down_revision: str | Sequence[str] | None = (
    "0007",
    "0008",
    "0009",
    "0010",
    "0011",
    "0012",
    "0013",
)
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
