"""Bar charts for the banking pages: geometry from ``lastro.core.web.charts``, drawn by the
``banking/budgets/_charts.html`` macro (inline SVG, no external assets)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from lastro.br.money_text import format_brl
from lastro.core.web.charts import BarChart, bar_chart

PALETTE = (
    "#0f766e",
    "#f59e0b",
    "#2563eb",
    "#db2777",
    "#7c3aed",
    "#059669",
    "#ea580c",
    "#0891b2",
    "#65a30d",
    "#9333ea",
    "#dc2626",
    "#475569",
    "#ca8a04",
    "#4f46e5",
    "#be123c",
)


def money_chart(
    title: str,
    points: Sequence[tuple[str, Decimal]],
    *,
    width: int = 720,
    label_every: int = 1,
    coloured: bool = False,
) -> BarChart:
    return bar_chart(
        title,
        [(label, value, format_brl(value)) for label, value in points],
        width=width,
        label_every=label_every,
        colours=[PALETTE[i % len(PALETTE)] for i in range(len(points))] if coloured else None,
    )
