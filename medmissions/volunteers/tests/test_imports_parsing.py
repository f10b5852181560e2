"""Reading import files: CSV and XLSX, recognised by content, within the limits."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from medmissions.core.errors import ValidationFailed
from medmissions.volunteers import imports
from medmissions.volunteers.imports import dry_run, read_table

from .test_imports_support import AMINA, AMINA_BLS, PETER, csv_bytes, csv_upload, xlsx_bytes, xlsx_upload

pytestmark = pytest.mark.django_db


def analysed(users, sending, upload):
    return dry_run(sending, actor=users["coordinator"], upload=upload)


def names(analysis):
    return sorted(plan.full_name for plan in analysis.people)


def test_a_comma_separated_csv_with_two_people_is_read(users, sending):
    analysis = analysed(users, sending, csv_upload([AMINA, AMINA_BLS, PETER]))

    assert analysis.errors == []
    assert analysis.file_format == "csv"
    assert analysis.rows == 3
    assert names(analysis) == ["Amina Nakato", "Peter Wafula"]
    amina = next(plan for plan in analysis.people if plan.full_name == "Amina Nakato")
    assert amina.rows == [2, 3]
    assert [credential.data["credential_type"].slug for credential in amina.credentials] == [
        "professional-licence",
        "bls",
    ]


def test_a_semicolon_separated_csv_with_a_byte_order_mark_is_read(users, sending):
    upload = csv_upload([AMINA, PETER], delimiter=";", bom=True)

    analysis = analysed(users, sending, upload)

    assert analysis.errors == []
    assert names(analysis) == ["Amina Nakato", "Peter Wafula"]
    amina = next(plan for plan in analysis.people if plan.full_name == "Amina Nakato")
    assert amina.profile["email"] == "amina.nakato@example.org"


def test_columns_may_come_in_any_order_and_with_capitals_or_spaces(users, sending):
    content = b"Email,Full Name,Date-of-birth\npeter.wafula@example.org,Peter Wafula,1990-01-31\n"

    analysis = analysed(users, sending, SimpleUploadedFile("people.csv", content))

    assert analysis.errors == []
    assert analysis.people[0].profile["date_of_birth"].isoformat() == "1990-01-31"


def test_an_xlsx_workbook_is_read_with_dates_and_numbers_as_the_cells_hold_them(users, sending):
    import datetime

    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(
        [
            "full_name",
            "email",
            "date_of_birth",
            "years_of_experience",
            "is_trainee",
            "expires_on",
            "credential_type",
            "issuing_body",
            "credential_number",
        ]
    )
    sheet.append(
        [
            "Amina Nakato",
            "amina.nakato@example.org",
            datetime.datetime(1986, 4, 12),
            9,
            False,
            datetime.date(2030, 12, 31),
            "professional-licence",
            "UMDPC",
            20110456,
        ]
    )
    buffer = io.BytesIO()
    workbook.save(buffer)

    analysis = analysed(users, sending, SimpleUploadedFile("people.xlsx", buffer.getvalue()))

    assert analysis.errors == []
    assert analysis.file_format == "xlsx"
    plan = analysis.people[0]
    assert plan.profile["date_of_birth"] == datetime.date(1986, 4, 12)
    assert plan.profile["years_of_experience"] == 9
    assert plan.profile["is_trainee"] is False
    assert plan.credentials[0].data["expires_on"] == datetime.date(2030, 12, 31)
    assert plan.credentials[0].data["number"] == "20110456"


def test_an_xlsx_built_from_the_same_rows_gives_the_same_people_as_the_csv(users, sending):
    from_csv = analysed(users, sending, csv_upload([AMINA, AMINA_BLS, PETER]))
    from_xlsx = analysed(users, sending, xlsx_upload([AMINA, AMINA_BLS, PETER]))

    assert from_xlsx.errors == []
    assert [(plan.rows, plan.profile) for plan in from_xlsx.people] == [
        (plan.rows, plan.profile) for plan in from_csv.people
    ]


def test_blank_rows_are_skipped_and_rows_keep_the_spreadsheet_numbers(users, sending):
    content = b"full_name,is_trainee\nAmina Nakato,no\n\n,,\nPeter Wafula,maybe\n"

    analysis = analysed(users, sending, SimpleUploadedFile("people.csv", content))

    assert analysis.rows == 2
    assert [(error.row, error.column) for error in analysis.errors] == [(5, "is_trainee")]


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "people.csv"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 32, "people.csv"),
        ("full_name\nAmina\n".encode("utf-16"), "people.csv"),
        (b"\xff\xfe\xfa full_name\n\xe9\n", "people.csv"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64, "people.xls"),
    ],
    ids=["pdf", "png", "utf-16 text", "not utf-8", "legacy excel"],
)
def test_files_that_are_neither_csv_nor_xlsx_are_refused_by_content(users, sending, content, name):
    with pytest.raises(ValidationFailed) as refused:
        analysed(users, sending, SimpleUploadedFile(name, content, content_type="text/csv"))

    assert refused.value.code == "file_type_not_allowed"


def test_a_macro_enabled_workbook_is_refused_even_when_named_xlsx(users, sending):
    content = io.BytesIO(xlsx_bytes([AMINA]))
    with zipfile.ZipFile(content, "a") as archive:
        archive.writestr("xl/vbaProject.bin", b"macro code")

    with pytest.raises(ValidationFailed) as refused:
        analysed(users, sending, SimpleUploadedFile("people.xlsx", content.getvalue()))

    assert refused.value.code == "file_type_not_allowed"


def test_a_word_document_is_not_a_workbook(users, sending):
    content = io.BytesIO()
    with zipfile.ZipFile(content, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")

    with pytest.raises(ValidationFailed) as refused:
        analysed(users, sending, SimpleUploadedFile("people.xlsx", content.getvalue()))

    assert refused.value.code == "file_type_not_allowed"


def test_a_damaged_workbook_is_refused_with_a_readable_message(users, sending):
    content = io.BytesIO()
    with zipfile.ZipFile(content, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "this is not xml")

    with pytest.raises(ValidationFailed) as refused:
        analysed(users, sending, SimpleUploadedFile("people.xlsx", content.getvalue()))

    assert refused.value.code == "invalid_file"
    assert "file" in refused.value.fields


def test_an_empty_file_is_refused(users, sending):
    with pytest.raises(ValidationFailed) as refused:
        analysed(users, sending, SimpleUploadedFile("people.csv", b""))

    assert refused.value.code == "empty_file"


def test_a_file_over_the_size_limit_is_refused(users, sending, monkeypatch):
    monkeypatch.setattr(imports, "MAX_IMPORT_BYTES", 1000)
    content = csv_bytes([AMINA] * 10)
    assert len(content) > 1000

    with pytest.raises(ValidationFailed) as refused:
        analysed(users, sending, SimpleUploadedFile("people.csv", content))

    assert refused.value.code == "file_too_large"


def test_a_file_over_the_row_limit_is_refused(users, sending, monkeypatch):
    monkeypatch.setattr(imports, "MAX_IMPORT_ROWS", 3)
    rows = [{"full_name": f"Person {number}"} for number in range(4)]

    with pytest.raises(ValidationFailed) as refused:
        analysed(users, sending, csv_upload(rows))

    assert refused.value.code == "too_many_rows"
    assert analysed(users, sending, csv_upload(rows[:3])).rows == 3


def test_a_workbook_that_unpacks_too_large_is_refused(users, sending, monkeypatch):
    monkeypatch.setattr(imports, "MAX_UNPACKED_BYTES", 1000)

    with pytest.raises(ValidationFailed) as refused:
        analysed(users, sending, xlsx_upload([AMINA]))

    assert "unpacked" in refused.value.message


def test_a_file_without_a_full_name_column_is_refused(users, sending):
    with pytest.raises(ValidationFailed) as refused:
        analysed(users, sending, SimpleUploadedFile("people.csv", b"name,email\nAmina,amina@example.org\n"))

    assert refused.value.code == "missing_columns"


def test_read_table_returns_the_header_and_the_rows_with_their_numbers():
    table = read_table(csv_bytes([PETER], header=["full_name", "email"]))

    assert table.header == ["full_name", "email"]
    assert table.header_row == 1
    assert table.rows == [(2, ["Peter Wafula", "peter.wafula@example.org"])]
