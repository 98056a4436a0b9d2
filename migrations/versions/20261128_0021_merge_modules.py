"""merge: the consórcio areas (billing, payments, delinquency on 0018) and banking (0017),
built side by side, become one line again

Revision ID: 0021
Revises: 0017, 0019, 0020
Create Date: 2026-11-28 20:10:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0021"
down_revision: str | Sequence[str] | None = ("0017", "0019", "0020")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
