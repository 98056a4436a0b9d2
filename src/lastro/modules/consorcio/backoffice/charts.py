"""Chart geometry for the staff pages, drawn as inline SVG by the templates (no script, no
third-party assets; every text goes through the template's autoescaping).

Bars reuse the master dashboard's geometry; lines (prices, daily balances) are drawn here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from lastro.core.web.charts import BarChart, bar_chart

__all__ = ["BarChart", "LineChart", "bar_chart", "line_chart", "stacked_share"]


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    label: str
    value: str


@dataclass(frozen=True)
class LineChart:
    title: str
    width: int
    height: int
    baseline: float
    zero_y: float | None
    points: list[Point]
    path: str
    area: str
    label_every: int
    top_label: str
    bottom_label: str


def line_chart(
    title: str,
    points: Sequence[tuple[str, Decimal | int, str]],
    *,
    width: int = 720,
    height: int = 220,
    label_every: int | None = None,
    from_zero: bool = True,
) -> LineChart:
    """A polyline over (axis label, value, shown) points; scaled from zero unless the values
    are all far from it (prices), so small changes stay visible."""
    top_pad, bottom_pad, left_pad, right_pad = 20.0, 28.0, 12.0, 16.0
    plot_h = height - top_pad - bottom_pad
    values = [Decimal(v) for _, v, _ in points]
    high = max(values, default=Decimal(0))
    low = min(values, default=Decimal(0))
    if from_zero:
        low = min(low, Decimal(0))
        high = max(high, Decimal(0))
    elif high == low:
        low = high - abs(high) * Decimal("0.1") - 1
    span = high - low or Decimal(1)
    step = (width - left_pad - right_pad) / max(len(points) - 1, 1)

    def y_of(value: Decimal) -> float:
        return round(top_pad + plot_h - float((value - low) / span) * plot_h, 2)

    out = [
        Point(x=round(left_pad + i * step, 2), y=y_of(v), label=label, value=shown)
        for i, ((label, _, shown), v) in enumerate(zip(points, values, strict=True))
    ]
    path = " ".join(f"{'M' if i == 0 else 'L'}{p.x},{p.y}" for i, p in enumerate(out))
    base = top_pad + plot_h
    area = f"{path} L{out[-1].x},{base} L{out[0].x},{base} Z" if out else ""
    every = label_every or max(1, len(out) // 8)
    shown_high = next((s for (_, _, s), v in zip(points, values, strict=True) if v == high), "")
    shown_low = next((s for (_, _, s), v in zip(points, values, strict=True) if v == low), "")
    return LineChart(
        title=title,
        width=width,
        height=height,
        baseline=base,
        zero_y=y_of(Decimal(0)) if low < 0 < high else None,
        points=out,
        path=path,
        area=area if from_zero and low >= 0 else "",
        label_every=every,
        top_label=shown_high,
        bottom_label=shown_low if not from_zero else "",
    )


def stacked_share(parts: Sequence[tuple[str, int, str]]) -> list[tuple[str, int, str, float]]:
    """(label, count, colour, percent of the total) for a one-line share bar."""
    total = sum(n for _, n, _ in parts) or 1
    return [(label, n, colour, round(100 * n / total, 2)) for label, n, colour in parts]
