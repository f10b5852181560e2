"""Charts drawn on the server as inline SVG: columns over days, bars over named rows.

Field teams and coordination cells often work on slow or metered connections, so the charts are
plain markup in the page — no JavaScript library, nothing fetched from elsewhere. Each chart is
an image with a ``<title>`` and a ``<desc>`` that screen readers announce, and the page offers the
same numbers as a table (``clinics/coordination/_chart.html``).

Every piece of text is escaped before it enters the SVG; only numbers computed here are written
unescaped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH = 640
COLUMN_HEIGHT = 220
BAR_ROW_HEIGHT = 24
MARGIN_LEFT = 44
MARGIN_RIGHT = 12
MARGIN_TOP = 12
MARGIN_BOTTOM = 42
LABEL_WIDTH = 240  # room for the names of horizontal bars (32 characters at 12 px)
FILL = "#2f6fb3"
GRID = "#d5dbe3"
TEXT = "#3d4653"
FONT = 'font-family="system-ui, sans-serif"'


@dataclass(frozen=True)
class Chart:
    """A chart's words and numbers. ``rows`` are (label, value) pairs in display order; ``kind``
    is ``columns`` (one column per row, labels along the bottom: days) or ``bars`` (one horizontal
    bar per row, labels on the left: conditions)."""

    key: str
    title: str
    description: str
    label_heading: str
    value_heading: str
    rows: list[tuple[str, int]] = field(default_factory=list)
    kind: Literal["columns", "bars"] = "columns"
    empty_text: str = ""

    @property
    def total(self) -> int:
        return sum(value for _label, value in self.rows)

    @property
    def empty(self) -> bool:
        return not any(value for _label, value in self.rows)

    def svg(self) -> SafeString:
        return column_svg(self) if self.kind == "columns" else bar_svg(self)


def nice_maximum(value: int) -> tuple[int, int]:
    """The top of the value axis and its step: a round number at or above ``value``, in 1, 2 or 5
    times a power of ten, split into at most five steps."""
    if value <= 0:
        return 1, 1
    raw_step = value / 4
    magnitude = 10 ** math.floor(math.log10(raw_step)) if raw_step >= 1 else 1
    step = magnitude
    for factor in (1, 2, 5, 10):
        step = max(1, int(factor * magnitude))
        if step * 5 >= value and step >= raw_step:
            break
    top = step * math.ceil(value / step)
    return top, step


def _open(chart: Chart, height: int) -> list[str]:
    title_id = f"chart-{escape(chart.key)}-title"
    desc_id = f"chart-{escape(chart.key)}-desc"
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" role="img" '
        f'aria-labelledby="{title_id} {desc_id}">',
        f'<title id="{title_id}">{escape(chart.title)}</title>',
        f'<desc id="{desc_id}">{escape(chart.description)}</desc>',
    ]


def _empty(chart: Chart, height: int) -> str:
    parts = _open(chart, height)
    parts.append(
        f'<text x="{WIDTH / 2:.0f}" y="{height / 2:.0f}" text-anchor="middle" fill="{TEXT}" '
        f'font-size="14" {FONT}>{escape(chart.empty_text)}</text>'
    )
    parts.append("</svg>")
    return "".join(parts)


def column_svg(chart: Chart) -> SafeString:
    """Columns over the rows (days), with a value axis and every n-th label along the bottom."""
    height = COLUMN_HEIGHT
    if chart.empty:
        return mark_safe(_empty(chart, height))
    top, step = nice_maximum(max(value for _label, value in chart.rows))
    plot_width = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    plot_height = height - MARGIN_TOP - MARGIN_BOTTOM
    base = MARGIN_TOP + plot_height
    parts = _open(chart, height)
    for tick in range(0, top + 1, step):
        y = base - plot_height * tick / top
        parts.append(
            f'<line x1="{MARGIN_LEFT}" y1="{y:.1f}" x2="{WIDTH - MARGIN_RIGHT}" y2="{y:.1f}" stroke="{GRID}"/>'
        )
        parts.append(
            f'<text x="{MARGIN_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="{TEXT}" {FONT}>{tick}</text>'
        )
    count = len(chart.rows)
    slot = plot_width / count
    bar = max(1.0, slot * 0.7)
    # Label at most about twelve columns so the labels never overlap.
    every = max(1, math.ceil(count / 12))
    for index, (label, value) in enumerate(chart.rows):
        x = MARGIN_LEFT + slot * index + (slot - bar) / 2
        bar_height = plot_height * value / top
        parts.append(
            f'<rect x="{x:.1f}" y="{base - bar_height:.1f}" width="{bar:.1f}" height="{bar_height:.1f}" '
            f'fill="{FILL}"><title>{escape(label)}: {value}</title></rect>'
        )
        if index % every == 0:
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{base + 16}" text-anchor="middle" font-size="11" '
                f'fill="{TEXT}" {FONT}>{escape(label)}</text>'
            )
    parts.append(
        f'<line x1="{MARGIN_LEFT}" y1="{base}" x2="{WIDTH - MARGIN_RIGHT}" y2="{base}" stroke="{TEXT}"/>'
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))


def bar_svg(chart: Chart) -> SafeString:
    """Horizontal bars, one per row, each with its name on the left and its value at its end."""
    height = MARGIN_TOP * 2 + BAR_ROW_HEIGHT * max(1, len(chart.rows))
    if chart.empty:
        return mark_safe(_empty(chart, max(height, 80)))
    top = max(value for _label, value in chart.rows)
    plot_width = WIDTH - LABEL_WIDTH - MARGIN_RIGHT - 40  # room for the value after the bar
    parts = _open(chart, height)
    for index, (label, value) in enumerate(chart.rows):
        y = MARGIN_TOP + BAR_ROW_HEIGHT * index
        length = plot_width * value / top if top else 0
        shown = label if len(label) <= 32 else label[:31] + "…"
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 16}" text-anchor="end" font-size="12" fill="{TEXT}" '
            f"{FONT}>{escape(shown)}</text>"
        )
        parts.append(
            f'<rect x="{LABEL_WIDTH}" y="{y + 4}" width="{length:.1f}" height="{BAR_ROW_HEIGHT - 8}" '
            f'fill="{FILL}"><title>{escape(label)}: {value}</title></rect>'
        )
        parts.append(
            f'<text x="{LABEL_WIDTH + length + 6:.1f}" y="{y + 16}" font-size="12" fill="{TEXT}" '
            f"{FONT}>{value}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))
