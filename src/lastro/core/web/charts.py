"""Chart geometry for server-rendered pages: plain numbers the ``core/charts.html`` macro draws
as inline SVG (no script, nothing from a CDN; every text goes through autoescaping). The master
dashboard and the modules' pages share it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

CHART_WIDTH = 720
CHART_HEIGHT = 220
MONTHS_PT = ("jan", "fev", "mar", "abr", "mai", "jun", "jul", "ago", "set", "out", "nov", "dez")


def month_label(year: int, month: int) -> str:
    """``jan/26``: the axis label of a month."""
    return f"{MONTHS_PT[month - 1]}/{str(year)[2:]}"


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: str
    colour: str = ""

    @property
    def centre(self) -> float:
        return round(self.x + self.width / 2, 2)


@dataclass(frozen=True)
class BarChart:
    """Geometry only; the template draws it, so every text goes through autoescaping."""

    title: str
    width: int
    height: int
    baseline: float
    bars: list[Bar]
    label_every: int
    top_label: str


def bar_chart(
    title: str,
    points: Sequence[tuple[str, Decimal | int, str]],
    *,
    width: int = CHART_WIDTH,
    height: int = CHART_HEIGHT,
    label_every: int = 1,
    colours: Sequence[str] | None = None,
) -> BarChart:
    """Vertical bars scaled to the largest value; ``points`` are (axis label, value, shown)."""
    top_pad, bottom_pad, left_pad, right_pad = 20.0, 28.0, 8.0, 16.0
    plot_h = height - top_pad - bottom_pad
    largest = max((Decimal(v) for _, v, _ in points), default=Decimal(0))
    slot = (width - left_pad - right_pad) / max(len(points), 1)
    bars = []
    for i, (label, value, shown) in enumerate(points):
        h = float(Decimal(value) / largest) * plot_h if largest > 0 else 0.0
        bars.append(
            Bar(
                x=round(left_pad + i * slot + slot * 0.15, 2),
                y=round(top_pad + plot_h - h, 2),
                width=round(slot * 0.7, 2),
                height=round(h, 2),
                label=label,
                value=shown,
                colour=colours[i] if colours else "",
            )
        )
    return BarChart(
        title=title,
        width=width,
        height=height,
        baseline=top_pad + plot_h,
        bars=bars,
        label_every=label_every,
        top_label=next((shown for _, v, shown in points if Decimal(v) == largest), ""),
    )
