"""Charts drawn as inline SVG: well-formed XML, a title and description for screen readers, text
escaped, round axis values, empty charts, and the template tags that show them with their table."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest
from django.template import Context, Template

from medmissions.clinics.charts import Chart, nice_maximum

SVG = "{http://www.w3.org/2000/svg}"


def _text(element: ET.Element, tag: str) -> str:
    """The text of ``element``'s first ``tag`` child (which must exist)."""
    child = element.find(f"{SVG}{tag}")
    assert child is not None and child.text is not None
    return child.text


def _number(element: ET.Element, attribute: str) -> float:
    return float(element.get(attribute, "nan"))


def _chart(**changes: Any) -> Chart:
    values: dict[str, Any] = {
        "key": "consultations",
        "title": "Consultations per day",
        "description": "Consultations of every team each day.",
        "label_heading": "Day",
        "value_heading": "Consultations",
        "rows": [("13 Jun", 5), ("14 Jun", 0), ("15 Jun", 12)],
        "empty_text": "Nothing reported.",
    }
    values.update(changes)
    return Chart(**values)


def test_columns_are_well_formed_and_labelled():
    root = ET.fromstring(_chart().svg())
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "chart-consultations-title chart-consultations-desc"
    assert _text(root, "title") == "Consultations per day"
    assert _text(root, "desc") == "Consultations of every team each day."
    columns = root.findall(f"{SVG}rect")
    assert [_text(column, "title") for column in columns] == ["13 Jun: 5", "14 Jun: 0", "15 Jun: 12"]
    heights = [_number(column, "height") for column in columns]
    assert heights[1] == 0 and heights[2] > heights[0] > 0
    labels = [text.text for text in root.findall(f"{SVG}text")]
    assert "15 Jun" in labels and "15" in labels  # the axis tops at a round 15 (steps of 5)


def test_bars_are_well_formed_and_long_names_shortened():
    name = "Community outbreak or suspected infectious-disease outbreak"
    root = ET.fromstring(_chart(kind="bars", rows=[(name, 4), ("Cholera", 2)]).svg())
    bars = root.findall(f"{SVG}rect")
    assert [_text(bar, "title") for bar in bars] == [f"{name}: 4", "Cholera: 2"]
    assert _number(bars[0], "width") == pytest.approx(2 * _number(bars[1], "width"))
    texts = [text.text or "" for text in root.findall(f"{SVG}text")]
    assert any(text.endswith("…") and len(text) <= 34 for text in texts)


def test_text_is_escaped():
    hostile = '<script>alert("x")</script> & Co'
    svg = _chart(title=hostile, rows=[(hostile, 3)]).svg()
    assert "<script>" not in svg
    root = ET.fromstring(svg)
    assert _text(root, "title") == hostile


@pytest.mark.parametrize("kind", ["columns", "bars"])
def test_an_empty_chart_says_so(kind):
    root = ET.fromstring(_chart(kind=kind, rows=[("13 Jun", 0), ("14 Jun", 0)]).svg())
    assert root.findall(f"{SVG}rect") == []
    assert [text.text for text in root.findall(f"{SVG}text")] == ["Nothing reported."]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, (1, 1)),
        (1, (1, 1)),
        (3, (3, 1)),
        (7, (8, 2)),
        (12, (15, 5)),
        (37, (40, 10)),
        (100, (100, 50)),
        (999, (1000, 500)),
    ],
)
def test_round_axis_maximum(value, expected):
    assert nice_maximum(value) == expected


def test_the_chart_tag_shows_the_numbers_as_a_table_too():
    html = Template("{% load clinics_tags %}{% chart chart %}").render(Context({"chart": _chart()}))
    assert html.count("<svg") == 1
    assert "<table>" in html and '<th scope="row">15 Jun</th><td class="number">12</td>' in html
    assert '<td class="number">17</td>' in html  # the total


@pytest.mark.parametrize(("value", "shown"), [(0.125, "12.5 %"), (1, "100.0 %"), (None, "—"), ("", "—")])
def test_percent_filter(value, shown):
    assert Template("{% load clinics_tags %}{{ value|percent }}").render(Context({"value": value})) == shown
