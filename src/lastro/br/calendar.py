"""Business days for banking: FEBRABAN/ANBIMA national calendar plus state holidays.

Built from the ``holidays`` package, never from a hand-kept list:
``financial_holidays("BVMF")`` equals the ANBIMA national banking calendar except that, since
2018, it also closes B3 on Dec 24 and on the year's last weekday; banks open on those days,
so the bank calendar drops them (``exchange=True`` keeps them, for B3 sessions).
``country_holidays("BR", subdiv=UF)`` adds the state's holidays. Sets are cached per year.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays

from lastro.br.errors import CalendarError

__all__ = ["UFS", "BusinessCalendar", "bank_calendar"]

UFS = frozenset(
    "AC AL AM AP BA CE DF ES GO MA MG MS MT PA PB PE PI PR RJ RN RO RR RS SC SE SP TO".split()  # noqa: SIM905
)
_ONE = timedelta(days=1)


@lru_cache(maxsize=1024)
def _year_holidays(year: int, uf: str | None, exchange: bool) -> dict[date, str]:
    """Non-business weekdays and weekend holidays of one year, with their pt-BR names."""
    market = holidays.financial_holidays("BVMF", years=year, language="pt_BR")
    days: dict[date, str] = {}
    for day, name in market.items():
        if not exchange and day.month == 12 and day.day != 25:
            continue  # B3-only closures (véspera de Natal, último dia útil do ano)
        days[day] = name
    if uf is not None:
        state = holidays.country_holidays("BR", subdiv=uf, years=year, language="pt_BR")
        for day, name in state.items():
            days.setdefault(day, name)
    return days


class BusinessCalendar:
    """Business-day arithmetic; ``uf`` adds that state's holidays to the national ones."""

    __slots__ = ("exchange", "uf")

    def __init__(self, uf: str | None = None, *, exchange: bool = False) -> None:
        if uf is not None:
            uf = uf.upper()
            if uf not in UFS:
                raise CalendarError(
                    "CALENDAR_UNKNOWN_UF", f"UF {uf!r} desconhecida; use a sigla do estado."
                )
        self.uf = uf
        self.exchange = exchange

    def __repr__(self) -> str:
        return f"BusinessCalendar(uf={self.uf!r}, exchange={self.exchange})"

    def holidays(self, year: int) -> dict[date, str]:
        return dict(_year_holidays(year, self.uf, self.exchange))

    def holiday_name(self, day: date) -> str | None:
        return _year_holidays(day.year, self.uf, self.exchange).get(day)

    def is_business_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in _year_holidays(day.year, self.uf, self.exchange)

    def next_business_day(self, day: date) -> date:
        """The first business day strictly after ``day``."""
        day += _ONE
        while not self.is_business_day(day):
            day += _ONE
        return day

    def previous_business_day(self, day: date) -> date:
        """The last business day strictly before ``day``."""
        day -= _ONE
        while not self.is_business_day(day):
            day -= _ONE
        return day

    def adjust_due_date(self, day: date) -> date:
        """A due date on a non-business day may be paid on the next one, without penalty."""
        return day if self.is_business_day(day) else self.next_business_day(day)

    def add_business_days(self, day: date, count: int) -> date:
        """Move ``count`` business days forward (negative: backward)."""
        step = self.next_business_day if count >= 0 else self.previous_business_day
        for _ in range(abs(count)):
            day = step(day)
        return day

    def business_days_between(self, start: date, end: date) -> int:
        """Business days in (start, end]; negative when ``end`` is before ``start``.

        The same convention as ANBIMA/bizdays, so ``add_business_days(start, n)`` lands on
        a date whose distance from ``start`` is ``n``.
        """
        if end < start:
            return -self.business_days_between(end, start)
        first, last = start + _ONE, end
        total_days = (last - first).days + 1
        if total_days <= 0:
            return 0
        weeks, extra = divmod(total_days, 7)
        weekdays = weeks * 5 + sum(1 for i in range(extra) if (first.weekday() + i) % 7 < 5)
        holidays_in_range = sum(
            1
            for year in range(first.year, last.year + 1)
            for day in _year_holidays(year, self.uf, self.exchange)
            if first <= day <= last and day.weekday() < 5
        )
        return weekdays - holidays_in_range


@lru_cache(maxsize=64)
def bank_calendar(uf: str | None = None) -> BusinessCalendar:
    """Shared calendars: national banking days, or national plus one state's holidays."""
    return BusinessCalendar(uf)
