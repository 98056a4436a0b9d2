"""Time-ordered UUIDs (v7): index-friendly primary keys that still reveal nothing guessable."""

from __future__ import annotations

import uuid

import uuid_utils.compat as _uuid_compat


def new_id() -> uuid.UUID:
    return _uuid_compat.uuid7()


def parse_uuid(value: str) -> uuid.UUID | None:
    """The UUID in ``value``, or None when it is not one (never raises)."""
    try:
        return uuid.UUID(value)
    except (ValueError, TypeError, AttributeError):
        return None
