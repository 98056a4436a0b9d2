"""Pure transfer rules: the TED window on banking days, the PIX night period, amounts."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from lastro.br.calendar import bank_calendar

SP = ZoneInfo("America/Sao_Paulo")
NIGHT_END = time(6, 0)


def parse_hhmm(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def in_ted_window(at: datetime, start: time, end: time) -> bool:
    """TED settles through the STR only on banking days (national holidays and Carnival
    included via lastro.br.calendar) inside the customer window, Brasília time."""
    local = at.astimezone(SP)
    if not bank_calendar().is_business_day(local.date()):
        return False
    return start <= local.time() < end


def next_ted_window(at: datetime, start: time, end: time) -> datetime:
    """The first instant at or after ``at`` inside the TED window (UTC)."""
    if in_ted_window(at, start, end):
        return at
    local = at.astimezone(SP)
    day = local.date()
    cal = bank_calendar()
    if not (cal.is_business_day(day) and local.time() < start):
        day = cal.next_business_day(day)
    return datetime.combine(day, start, tzinfo=SP).astimezone(UTC)


def night_window(at: datetime, night_start_hour: int) -> tuple[datetime, datetime] | None:
    """The night period (start..06:00, Brasília time) containing ``at``, or None by day."""
    local = at.astimezone(SP)
    start_t = time(night_start_hour, 0)
    if local.time() >= start_t:
        start = datetime.combine(local.date(), start_t, tzinfo=SP)
        return start.astimezone(UTC), (
            start + timedelta(hours=24 - night_start_hour + 6)
        ).astimezone(UTC)
    if local.time() < NIGHT_END:
        prev = local.date() - timedelta(days=1)
        start = datetime.combine(prev, start_t, tzinfo=SP)
        return start.astimezone(UTC), datetime.combine(
            local.date(), NIGHT_END, tzinfo=SP
        ).astimezone(UTC)
    return None


def day_start(at: datetime) -> datetime:
    """Midnight of the Brasília business day containing ``at`` (daily limits reset there)."""
    local = at.astimezone(SP)
    return datetime.combine(local.date(), time(0, 0), tzinfo=SP).astimezone(UTC)


def valid_amount(amount: Decimal) -> bool:
    return amount > 0 and amount == amount.quantize(Decimal("0.01")) and amount < Decimal("1e12")
