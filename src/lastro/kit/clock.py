"""Time: storage is timezone-aware UTC; business dates are in America/Sao_Paulo."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

SAO_PAULO = ZoneInfo("America/Sao_Paulo")


def utcnow() -> datetime:
    return datetime.now(UTC)


def today_sp() -> date:
    """Today's business date in Brazil (not the UTC date, which flips at 21:00 local)."""
    return datetime.now(SAO_PAULO).date()


def ensure_utc(value: datetime) -> datetime:
    """Attach UTC to naive datetimes read back from SQLite; convert aware ones to UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)
