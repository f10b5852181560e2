"""Template tags of field clinics: charts drawn as inline SVG with their data table, and the
formatting of shares of consultations."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.formats import number_format

from medmissions.clinics.charts import Chart

register = template.Library()


@register.inclusion_tag("clinics/coordination/_chart.html")
def chart(chart: Chart, table_open: bool = False) -> dict[str, Any]:
    """A chart as an image, followed by the same numbers as a table (for screen readers, printing
    and copying)."""
    return {"chart": chart, "svg": chart.svg(), "table_open": table_open}


@register.filter
def percent(value: float | None, digits: int = 1) -> str:
    """A fraction as a percentage ("12.5 %"); a dash when there is nothing to divide by."""
    if value is None or value == "":
        return "—"
    return f"{number_format(value * 100, decimal_pos=digits)} %"
