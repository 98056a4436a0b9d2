"""Pure budget rules: the period a date falls in, the status of what was spent against the
limit, and which alert thresholds a spending level has crossed."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Final

PERIODS: Final = ("weekly", "monthly", "annual")
DEFAULT_THRESHOLDS: Final = (50, 75, 90)


def period_bounds(period: str, day: date) -> tuple[date, date]:
    """Inclusive bounds: weeks run Monday to Sunday, months and years by the calendar."""
    if period == "weekly":
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=6)
    if period == "monthly":
        start = day.replace(day=1)
        nxt = date(start.year + (start.month == 12), start.month % 12 + 1, 1)
        return start, nxt - timedelta(days=1)
    if period == "annual":
        return date(day.year, 1, 1), date(day.year, 12, 31)
    raise ValueError(f"unknown period {period!r}")


def percent(spent: Decimal, limit: Decimal) -> Decimal:
    """Spent as a percentage of the limit, one decimal, banker's rounding; a zero limit is
    100 % as soon as anything is spent."""
    if limit <= 0:
        return Decimal("100.0") if spent > 0 else Decimal("0.0")
    return (spent * 100 / limit).quantize(Decimal("0.1"), rounding=ROUND_HALF_EVEN)


def status_for(pct: Decimal, thresholds: tuple[int, ...] | list[int]) -> str:
    """DANGER from the highest threshold (or over the limit), WARNING from the one before it
    (with a single threshold: WARNING from it, DANGER at 100 %), SAFE below."""
    marks = sorted(set(thresholds)) or list(DEFAULT_THRESHOLDS)
    danger = marks[-1] if len(marks) > 1 else 100
    warning = marks[-2] if len(marks) > 1 else marks[0]
    if pct >= danger or pct >= 100:
        return "DANGER"
    if pct >= warning:
        return "WARNING"
    return "SAFE"


def crossed(pct: Decimal, thresholds: tuple[int, ...] | list[int]) -> list[int]:
    return sorted(t for t in set(thresholds) if pct >= t)


def normalise_thresholds(values: list[int] | None) -> list[int]:
    marks = sorted(set(values)) if values else list(DEFAULT_THRESHOLDS)
    if not marks or any(not 1 <= v <= 100 for v in marks) or len(marks) > 10:
        raise ValueError("thresholds must be 1 to 10 distinct percentages between 1 and 100")
    return marks
