"""Budget rules without a database: periods, status, crossed thresholds."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from lastro.modules.banking.budgets import domain


def test_period_bounds() -> None:
    assert domain.period_bounds("weekly", date(2026, 11, 28)) == (
        date(2026, 11, 23),
        date(2026, 11, 29),
    )
    assert domain.period_bounds("weekly", date(2026, 11, 23)) == (
        date(2026, 11, 23),
        date(2026, 11, 29),
    )
    assert domain.period_bounds("monthly", date(2024, 2, 10)) == (
        date(2024, 2, 1),
        date(2024, 2, 29),
    )
    assert domain.period_bounds("monthly", date(2026, 12, 31)) == (
        date(2026, 12, 1),
        date(2026, 12, 31),
    )
    assert domain.period_bounds("annual", date(2026, 6, 1)) == (
        date(2026, 1, 1),
        date(2026, 12, 31),
    )
    with pytest.raises(ValueError):
        domain.period_bounds("daily", date(2026, 1, 1))


@pytest.mark.parametrize(
    ("spent", "limit", "pct", "status"),
    [
        ("0", "100", "0.0", "SAFE"),
        ("74.99", "100", "75.0", "WARNING"),  # rounds to the threshold
        ("74.94", "100", "74.9", "SAFE"),
        ("89.99", "100", "90.0", "DANGER"),
        ("150", "100", "150.0", "DANGER"),
        ("1", "3", "33.3", "SAFE"),
        ("5", "0", "100.0", "DANGER"),
    ],
)
def test_percent_and_status(spent: str, limit: str, pct: str, status: str) -> None:
    p = domain.percent(Decimal(spent), Decimal(limit))
    assert p == Decimal(pct)
    assert domain.status_for(p, [50, 75, 90]) == status


def test_custom_thresholds_and_crossings() -> None:
    assert domain.status_for(Decimal("60"), [60]) == "WARNING"
    assert domain.status_for(Decimal("99.9"), [60]) == "WARNING"
    assert domain.status_for(Decimal("100"), [60]) == "DANGER"
    assert domain.crossed(Decimal("80"), [50, 75, 90]) == [50, 75]
    assert domain.normalise_thresholds(None) == [50, 75, 90]
    assert domain.normalise_thresholds([90, 50, 90]) == [50, 90]
    for bad in ([0], [101], list(range(1, 13))):
        with pytest.raises(ValueError):
            domain.normalise_thresholds(bad)
