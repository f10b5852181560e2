"""Builders shared by the import and merge tests and by the matrix rows in matrix_imports.py:
example rows and CSV or XLSX files made from them. (No tests here.)

Kept apart from matrix_imports.py, which imports the permission matrix: a test module importing
it first would load the matrix while matrix_imports.py is only half defined.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from medmissions.volunteers.imports import COLUMN_NAMES

CSV_TYPE = "text/csv"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

AMINA = {
    "full_name": "Amina Nakato",
    "email": "amina.nakato@example.org",
    "date_of_birth": "1986-04-12",
    "phone": "0772 123456",
    "nationality": "UG",
    "profession": "medicine",
    "specialties": "general-surgery:experienced; anaesthesia:competent",
    "languages": "sw:3/2/2; en:4/4/4",
    "years_of_experience": "9",
    "is_trainee": "no",
    "home_employer": "Mbale Regional Referral Hospital",
    "credential_type": "professional-licence",
    "issuing_body": "Uganda Medical and Dental Practitioners Council",
    "credential_country": "UG",
    "credential_number": "UMDPC-2011-0456",
    "issued_on": "2011-09-01",
    "expires_on": "2030-12-31",
}
AMINA_BLS = {
    "email": "amina.nakato@example.org",
    "credential_type": "bls",
    "issuing_body": "Resuscitation Council (UK)",
    "credential_country": "GB",
    "issued_on": "2025-02-10",
    "expires_on": "2030-02-10",
}
PETER = {
    "full_name": "Peter Wafula",
    "email": "peter.wafula@example.org",
    "profession": "nursing",
    "specialties": "midwifery:competent",
    "is_trainee": "yes",
}


def table_rows(rows: Iterable[Mapping[str, Any]], header: list[str] | None = None) -> list[list[Any]]:
    columns = header or COLUMN_NAMES
    return [list(columns), *([row.get(name, "") for name in columns] for row in rows)]


def csv_bytes(
    rows: Iterable[Mapping[str, Any]],
    *,
    header: list[str] | None = None,
    delimiter: str = ",",
    bom: bool = False,
) -> bytes:
    text = io.StringIO()
    csv.writer(text, delimiter=delimiter).writerows(table_rows(rows, header))
    return (("\ufeff" if bom else "") + text.getvalue()).encode("utf-8")


def csv_upload(
    rows: Iterable[Mapping[str, Any]], name: str = "people.csv", **options: Any
) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, csv_bytes(rows, **options), content_type=CSV_TYPE)


def xlsx_bytes(rows: Iterable[Mapping[str, Any]], *, header: list[str] | None = None) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for values in table_rows(rows, header):
        sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_upload(
    rows: Iterable[Mapping[str, Any]], name: str = "people.xlsx", **options: Any
) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, xlsx_bytes(rows, **options), content_type=XLSX_TYPE)
