"""The one place ``lastro.br`` reads the clock: today's business date in São Paulo."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone, tzinfo


def _sao_paulo() -> tzinfo:
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo("America/Sao_Paulo")
    except Exception:  # no tz database on the host; Brazil has had no DST since 2019
        return timezone(timedelta(hours=-3))


SAO_PAULO = _sao_paulo()


def today_sao_paulo() -> date:
    """Business dates are São Paulo dates, whatever the server's zone."""
    return datetime.now(UTC).astimezone(SAO_PAULO).date()
