from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lastro.br.calendar import BusinessCalendar, bank_calendar
from lastro.br.errors import CalendarError

CAL = BusinessCalendar()


def test_national_bank_holidays() -> None:
    assert not CAL.is_business_day(date(2025, 3, 3))  # Carnival Monday
    assert not CAL.is_business_day(date(2025, 3, 4))  # Carnival Tuesday
    assert CAL.is_business_day(date(2025, 3, 5))  # Ash Wednesday: banks open at noon
    assert not CAL.is_business_day(date(2025, 6, 19))  # Corpus Christi
    assert not CAL.is_business_day(date(2025, 11, 20))  # Consciência Negra (since 2024)
    assert CAL.is_business_day(date(2023, 11, 20))
    assert not CAL.is_business_day(date(2025, 3, 8))  # Saturday
    assert CAL.holiday_name(date(2025, 12, 25))


def test_b3_only_closures_are_bank_business_days() -> None:
    assert CAL.is_business_day(date(2025, 12, 24))
    assert CAL.is_business_day(date(2025, 12, 31))
    exchange = BusinessCalendar(exchange=True)
    assert not exchange.is_business_day(date(2025, 12, 24))
    assert not exchange.is_business_day(date(2025, 12, 31))


def test_state_holidays() -> None:
    sp = BusinessCalendar("sp")
    assert not sp.is_business_day(date(2025, 7, 9))  # Revolução Constitucionalista
    assert CAL.is_business_day(date(2025, 7, 9))
    assert bank_calendar("SP").is_business_day(date(2025, 7, 10))
    with pytest.raises(CalendarError) as exc:
        BusinessCalendar("XX")
    assert exc.value.code == "CALENDAR_UNKNOWN_UF"


def test_navigation() -> None:
    assert CAL.next_business_day(date(2025, 2, 28)) == date(2025, 3, 5)
    assert CAL.previous_business_day(date(2025, 3, 5)) == date(2025, 2, 28)
    assert CAL.adjust_due_date(date(2025, 11, 15)) == date(2025, 11, 17)  # Saturday holiday
    assert CAL.adjust_due_date(date(2025, 11, 18)) == date(2025, 11, 18)
    assert CAL.add_business_days(date(2025, 2, 27), 2) == date(2025, 3, 5)
    assert CAL.add_business_days(date(2025, 3, 5), -2) == date(2025, 2, 27)
    assert CAL.business_days_between(date(2025, 1, 1), date(2025, 12, 31)) == 252  # ANBIMA 2025
    assert CAL.business_days_between(date(2025, 3, 5), date(2025, 2, 27)) == -2


@settings(max_examples=60, deadline=None)
@given(st.dates(date(2001, 1, 1), date(2090, 1, 1)), st.integers(-400, 400))
def test_add_and_between_agree(start: date, n: int) -> None:
    start = CAL.adjust_due_date(start)  # (start, end] counts need a business-day anchor
    end = CAL.add_business_days(start, n)
    assert CAL.business_days_between(start, end) == n
    assert n == 0 or CAL.is_business_day(end)


@settings(max_examples=30, deadline=None)
@given(st.dates(date(2001, 1, 1), date(2090, 1, 1)), st.integers(0, 60))
def test_between_counts_by_walking(start: date, days: int) -> None:
    end = start + timedelta(days=days)
    walked = sum(CAL.is_business_day(start + timedelta(days=i)) for i in range(1, days + 1))
    assert CAL.business_days_between(start, end) == walked
