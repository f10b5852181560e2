"""medmissions.lib.uploads: files are recognised by their content, never by name or claimed type."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile

from medmissions.core.errors import ValidationFailed
from medmissions.lib import uploads
from medmissions.lib.uploads import (
    DOCUMENT_TYPES,
    DOCX,
    IMAGE_TYPES,
    JPEG,
    LEGACY_EXCEL,
    LEGACY_WORD,
    ODS,
    ODT,
    PDF,
    PNG,
    PPTX,
    WEBP,
    XLSX,
    check_image,
    check_upload,
    detect_content_type,
)

MB = 1024 * 1024
PDF_BYTES = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF\n"
OLE_HEADER = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
# A compound file whose directory names a WordDocument stream, as every .doc does.
OLE_BYTES = OLE_HEADER + "WordDocument".encode("utf-16-le") + b"\x00" * 64
OLE_WORKBOOK_BYTES = OLE_HEADER + "Workbook".encode("utf-16-le") + b"\x00" * 64


def zipped(files: dict[str, bytes | str], *, mimetype_first: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        if mimetype_first is not None:
            archive.writestr("mimetype", mimetype_first, compress_type=zipfile.ZIP_STORED)
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def office_package(folder: str) -> bytes:
    return zipped(
        {"[Content_Types].xml": "<Types/>", "_rels/.rels": "<Relationships/>", f"{folder}/main.xml": "<x/>"}
    )


def png_bytes() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def image_bytes(kind: str) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), (10, 120, 200)).save(buffer, kind)
    return buffer.getvalue()


def as_upload(content: bytes, name: str = "file.bin", content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


# Detection ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(PDF_BYTES, PDF, id="pdf"),
        pytest.param(OLE_BYTES, LEGACY_WORD, id="legacy-word"),
        pytest.param(OLE_WORKBOOK_BYTES, LEGACY_EXCEL, id="legacy-excel"),
        pytest.param(office_package("word"), DOCX, id="docx"),
        pytest.param(office_package("xl"), XLSX, id="xlsx"),
        pytest.param(office_package("ppt"), PPTX, id="pptx"),
        pytest.param(zipped({"content.xml": "<x/>"}, mimetype_first=ODT), ODT, id="odt"),
        pytest.param(zipped({"content.xml": "<x/>"}, mimetype_first=ODS + "\n"), ODS, id="ods"),
        pytest.param(b"\x89PNG\r\n\x1a\n" + b"\x00" * 8, PNG, id="png"),
        pytest.param(b"\xff\xd8\xff\xe0" + b"\x00" * 12, JPEG, id="jpeg"),
        pytest.param(b"RIFF\x24\x00\x00\x00WEBPVP8 ", WEBP, id="webp"),
    ],
)
def test_accepted_kinds_are_recognised_by_their_first_bytes(content, expected):
    assert detect_content_type(io.BytesIO(content)) == expected


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00", id="windows-executable"),
        pytest.param(b"\x7fELF\x02\x01\x01\x00", id="linux-executable"),
        pytest.param(b"Dear partners, here is our memorandum.", id="plain-text"),
        pytest.param(b"<html><body>MoU</body></html>", id="html"),
        pytest.param(b"", id="empty"),
        pytest.param(b" %PDF-1.4", id="pdf-marker-not-at-start"),
        pytest.param(zipped({"readme.txt": "hello"}), id="plain-zip"),
        pytest.param(zipped({"[Content_Types].xml": "<Types/>"}), id="office-package-without-a-document"),
        pytest.param(zipped({"content.xml": "<x/>"}, mimetype_first="application/epub+zip"), id="epub"),
        pytest.param(b"PK\x03\x04 this is not really a zip", id="broken-zip"),
        pytest.param(b"RIFF\x24\x00\x00\x00WAVEfmt ", id="wav-not-webp"),
    ],
)
def test_anything_else_is_not_recognised(content):
    assert detect_content_type(io.BytesIO(content)) is None


def test_detection_leaves_the_file_at_its_start():
    upload = io.BytesIO(office_package("word"))
    upload.seek(7)
    assert detect_content_type(upload) == DOCX
    assert upload.tell() == 0


def test_the_name_and_claimed_type_are_ignored():
    disguised = as_upload(b"MZ\x90\x00 executable", name="memorandum.pdf", content_type="application/pdf")
    assert detect_content_type(disguised) is None
    honest = as_upload(PDF_BYTES, name="memorandum.exe", content_type="application/x-msdownload")
    assert detect_content_type(honest) == PDF


# check_upload -------------------------------------------------------------------------------------


def test_an_accepted_document_returns_its_type_extension_and_size():
    detected = check_upload(
        as_upload(PDF_BYTES), allowed=DOCUMENT_TYPES, max_bytes=10 * MB, label="memorandum"
    )
    assert detected == uploads.DetectedFile(content_type=PDF, extension="pdf", size=len(PDF_BYTES))


@pytest.mark.parametrize(
    ("content", "extension"),
    [
        (office_package("word"), "docx"),
        (office_package("xl"), "xlsx"),
        (office_package("ppt"), "pptx"),
        (zipped({"content.xml": "<x/>"}, mimetype_first=ODT), "odt"),
        (zipped({"content.xml": "<x/>"}, mimetype_first=ODS), "ods"),
        (OLE_BYTES, "doc"),
    ],
)
def test_every_office_document_kind_is_accepted(content, extension):
    detected = check_upload(as_upload(content), allowed=DOCUMENT_TYPES, max_bytes=10 * MB, label="memorandum")
    assert detected.extension == extension


def test_a_file_of_exactly_the_limit_is_accepted():
    content = PDF_BYTES + b"0" * (10 * MB - len(PDF_BYTES))
    detected = check_upload(as_upload(content), allowed=DOCUMENT_TYPES, max_bytes=10 * MB, label="memorandum")
    assert detected.size == 10 * MB


def test_one_byte_over_the_limit_is_refused_with_the_size_and_the_limit():
    content = PDF_BYTES + b"0" * (10 * MB + 1 - len(PDF_BYTES))
    with pytest.raises(ValidationFailed) as caught:
        check_upload(as_upload(content), allowed=DOCUMENT_TYPES, max_bytes=10 * MB, label="memorandum")
    assert caught.value.code == "file_too_large"
    assert caught.value.message == "The memorandum is 10.0 MB; the limit is 10 MB."


def test_the_size_is_checked_before_the_content():
    with pytest.raises(ValidationFailed) as caught:
        check_upload(as_upload(b"MZ" + b"\x00" * 2000), allowed=DOCUMENT_TYPES, max_bytes=1000, label="file")
    assert caught.value.code == "file_too_large"


def test_an_empty_file_is_refused():
    with pytest.raises(ValidationFailed) as caught:
        check_upload(as_upload(b""), allowed=DOCUMENT_TYPES, max_bytes=MB, label="memorandum")
    assert (caught.value.code, caught.value.message) == ("empty_file", "The memorandum is empty.")


@pytest.mark.parametrize(
    "content",
    [b"MZ\x90\x00\x03\x00\x00\x00", b"Just a text file pretending to be a PDF."],
    ids=["executable", "text"],
)
def test_an_unrecognised_file_is_refused_and_the_accepted_kinds_are_listed(content):
    with pytest.raises(ValidationFailed) as caught:
        check_upload(
            as_upload(content, "mou.pdf", PDF), allowed=DOCUMENT_TYPES, max_bytes=MB, label="memorandum"
        )
    assert caught.value.code == "file_type_not_allowed"
    assert caught.value.status == 400
    assert caught.value.message == (
        "The memorandum is not an accepted file type. Accepted: DOC, DOCX, ODS, ODT, PDF, PPT, PPTX, XLS, XLSX."
    )


def test_a_recognised_kind_outside_the_allowed_set_is_refused():
    with pytest.raises(ValidationFailed) as caught:
        check_upload(as_upload(png_bytes()), allowed=DOCUMENT_TYPES, max_bytes=MB, label="memorandum")
    assert caught.value.code == "file_type_not_allowed"
    with pytest.raises(ValidationFailed, match="Accepted: JPG, PNG, WEBP"):
        check_upload(as_upload(PDF_BYTES), allowed=IMAGE_TYPES, max_bytes=MB, label="logo")


def test_plain_file_objects_without_a_size_are_measured():
    stream = io.BytesIO(PDF_BYTES)
    detected = check_upload(stream, allowed={PDF}, max_bytes=MB, label="memorandum")
    assert detected.size == len(PDF_BYTES)
    assert stream.tell() == 0


def test_large_uploads_spooled_to_disk_are_checked_too(settings, tmp_path):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    upload = TemporaryUploadedFile("mou.docx", "application/octet-stream", 0, None)
    content = office_package("word")
    upload.write(content)
    upload.size = len(content)
    upload.seek(0)
    try:
        assert (
            check_upload(upload, allowed=DOCUMENT_TYPES, max_bytes=MB, label="memorandum").content_type
            == DOCX
        )
    finally:
        upload.close()


# check_image --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "expected"), [("PNG", PNG), ("JPEG", JPEG), ("WEBP", WEBP)])
def test_real_images_pass_check_image(kind, expected):
    detected = check_image(as_upload(image_bytes(kind)), max_bytes=MB, label="logo")
    assert detected.content_type == expected


def test_an_image_header_without_a_decodable_picture_is_refused():
    fake = b"\x89PNG\r\n\x1a\n" + b"garbage" * 10
    with pytest.raises(ValidationFailed) as caught:
        check_image(as_upload(fake), max_bytes=MB, label="logo")
    assert (caught.value.code, caught.value.message) == (
        "image_unreadable",
        "The logo could not be read as an image.",
    )


def test_check_image_refuses_documents_and_oversized_images():
    with pytest.raises(ValidationFailed) as caught:
        check_image(as_upload(PDF_BYTES), max_bytes=MB, label="logo")
    assert caught.value.code == "file_type_not_allowed"
    with pytest.raises(ValidationFailed) as caught:
        check_image(as_upload(png_bytes()), max_bytes=10, label="logo")
    assert caught.value.code == "file_too_large"


def test_every_accepted_kind_has_an_extension():
    assert set(uploads.EXTENSIONS) == DOCUMENT_TYPES | IMAGE_TYPES


def test_a_compound_file_that_is_no_office_document_is_refused():
    # An .msi installer is a compound file too, but has none of the Office streams.
    installer = OLE_HEADER + "SummaryInformation".encode("utf-16-le") + b"\x00" * 64
    assert detect_content_type(as_upload(installer)) is None


def test_a_legacy_document_with_macros_is_refused():
    with_macros = OLE_BYTES + "Macros".encode("utf-16-le")
    assert detect_content_type(as_upload(with_macros)) is None


def test_a_macro_enabled_office_package_is_refused():
    package = zipped(
        {"[Content_Types].xml": "<Types/>", "word/document.xml": "<x/>", "word/vbaProject.bin": b"\x00"}
    )
    assert detect_content_type(as_upload(package)) is None


def test_an_oversized_opendocument_mimetype_entry_is_not_read():
    # The entry is read into memory; a huge one (a zip bomb) must be refused unread.
    package = zipped({"content.xml": "<x/>"}, mimetype_first=ODT + " " * 10_000)
    assert detect_content_type(as_upload(package)) is None
