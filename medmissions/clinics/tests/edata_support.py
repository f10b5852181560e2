"""CSV helpers of the eDATA tests and of the eDATA permission-matrix rows.

They live apart from matrix_edata.py because test modules importing a matrix module would load
it while the permission matrix is still collecting rows, and its rows would be lost.
"""

from __future__ import annotations

import csv
import datetime
import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from medmissions.clinics import edata

MINIMAL_COLUMNS = ["ID", "h", "m", "MDSa", "Age", "M/Y", "MDS1-3", "MDS9", "MDS44", "Ver"]


def csv_text(rows: list[dict[str, Any]], columns: list[str] | None = None, delimiter: str = ",") -> str:
    """An eDATA file: ``columns`` (default :data:`MINIMAL_COLUMNS`) and one line per row dict."""
    columns = columns or MINIMAL_COLUMNS
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(column, "") for column in columns])
    return buffer.getvalue()


def upload(text: str | bytes, name: str = "edata.csv") -> SimpleUploadedFile:
    content = text.encode("utf-8") if isinstance(text, str) else text
    return SimpleUploadedFile(name, content, content_type="text/csv")


def row(reference: str, date: datetime.date, site_name: str, **cells: Any) -> dict[str, Any]:
    """A valid adult row (male, acute respiratory infection, directly related to the event)."""
    values: dict[str, Any] = {
        "ID": reference,
        "h": date.isoformat(),
        "m": site_name,
        "MDSa": "4",
        "MDS1-3": "1",
        "MDS9": "1",
        "MDS44": "1",
        "Ver": edata.WHO_VERSION,
    }
    values.update(cells)
    return values
