"""CSV that is safe to open in a spreadsheet.

A cell such as ``=HYPERLINK("http://evil.example", "Click")`` in a downloaded CSV is run as a
formula by Excel, LibreOffice and Google Sheets (CSV or formula injection). Every text cell that
starts with one of ``= + - @``, a tab or a carriage return is therefore prefixed with a single
quote, as OWASP advises: spreadsheets then show the text as typed instead of evaluating it.
Numbers, dates and booleans come from our own data, not from people, and are written unchanged.

* :func:`safe_cell` — one value, made safe and turned into text;
* :func:`write_rows` — a header and rows to any text stream;
* :func:`csv_response` — an attachment download, UTF-8 with a byte order mark so that Excel reads
  accents and non-Latin names correctly.
"""

from __future__ import annotations

import csv
import datetime
import decimal
import io
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

from django.http import HttpResponse
from django.utils.http import content_disposition_header

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
BYTE_ORDER_MARK = "\ufeff"


def safe_cell(value: Any) -> str | int | float | decimal.Decimal:
    """``value`` as a CSV cell: text that could start a formula gets a leading single quote."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float | decimal.Decimal):
        return value
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    text = str(value)
    if text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


def write_rows(stream: TextIO, header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> int:
    """Write ``header`` then ``rows`` (every cell through :func:`safe_cell`); return the row count."""
    writer = csv.writer(stream)
    writer.writerow([safe_cell(cell) for cell in header])
    written = 0
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
        written += 1
    return written


def csv_response(filename: str, header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> HttpResponse:
    """A CSV download named ``filename`` (UTF-8 with a byte order mark, formula-safe cells)."""
    buffer = io.StringIO()
    buffer.write(BYTE_ORDER_MARK)
    write_rows(buffer, header, rows)
    response = HttpResponse(buffer.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8")
    # Never None for an attachment; the fallback only satisfies the type.
    response["Content-Disposition"] = (
        content_disposition_header(as_attachment=True, filename=filename) or "attachment"
    )
    return response
