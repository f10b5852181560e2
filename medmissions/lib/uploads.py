"""Upload checks by content, not by the name or the browser's claimed type.

A renamed executable must not pass as a PDF, so each accepted kind is recognised from its
first bytes (and, for office documents, from the package structure inside the ZIP).
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from typing import IO

from django.utils.translation import gettext as _

from medmissions.core.errors import ValidationFailed

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
LEGACY_WORD = "application/msword"
LEGACY_EXCEL = "application/vnd.ms-excel"
LEGACY_POWERPOINT = "application/vnd.ms-powerpoint"
PNG = "image/png"
JPEG = "image/jpeg"
WEBP = "image/webp"

DOCUMENT_TYPES = {PDF, DOCX, XLSX, PPTX, ODT, ODS, LEGACY_WORD, LEGACY_EXCEL, LEGACY_POWERPOINT}
IMAGE_TYPES = {PNG, JPEG, WEBP}

EXTENSIONS = {
    PDF: "pdf",
    DOCX: "docx",
    XLSX: "xlsx",
    PPTX: "pptx",
    ODT: "odt",
    ODS: "ods",
    LEGACY_WORD: "doc",
    LEGACY_EXCEL: "xls",
    LEGACY_POWERPOINT: "ppt",
    PNG: "png",
    JPEG: "jpg",
    WEBP: "webp",
}


@dataclass(frozen=True)
class DetectedFile:
    content_type: str
    extension: str
    size: int


def _read_head(upload: IO[bytes], count: int) -> bytes:
    upload.seek(0)
    head = upload.read(count)
    upload.seek(0)
    return head


# Stream names (UTF-16LE in the compound file's directory) of the three legacy Office formats.
# Any other compound file (an .msi installer, say) is not a document and is refused.
_OLE_STREAMS = {
    "WordDocument".encode("utf-16-le"): LEGACY_WORD,
    "Workbook".encode("utf-16-le"): LEGACY_EXCEL,
    "Book".encode("utf-16-le"): LEGACY_EXCEL,
    "PowerPoint Document".encode("utf-16-le"): LEGACY_POWERPOINT,
}
# Documents with macros can carry code; partners exchange agreements, not programs.
_MACRO_MARKERS = ("vbaProject.bin", "vbaData.xml", "Basic/")


def _legacy_office_type(upload: IO[bytes]) -> str | None:
    upload.seek(0)
    content = upload.read()
    upload.seek(0)
    if (
        b"_\x00V\x00B\x00A\x00_\x00P\x00R\x00O\x00J\x00E\x00C\x00T" in content
        or "Macros".encode("utf-16-le") in content
    ):
        return None
    for stream, content_type in _OLE_STREAMS.items():
        if stream in content:
            return content_type
    return None


def _zip_office_type(upload: IO[bytes]) -> str | None:
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
            if any(marker in name for name in names for marker in _MACRO_MARKERS):
                return None
            if "mimetype" in names and archive.getinfo("mimetype").file_size <= 200:
                declared = archive.read("mimetype").decode("ascii", "replace").strip()
                if declared in (ODT, ODS):
                    return declared
            if "[Content_Types].xml" in names:
                if any(name.startswith("word/") for name in names):
                    return DOCX
                if any(name.startswith("xl/") for name in names):
                    return XLSX
                if any(name.startswith("ppt/") for name in names):
                    return PPTX
    except (zipfile.BadZipFile, OSError, KeyError):
        return None
    finally:
        upload.seek(0)
    return None


def detect_content_type(upload: IO[bytes]) -> str | None:
    """Return the MIME type recognised from the content, or None if it is not one we accept."""
    head = _read_head(upload, 16)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return _legacy_office_type(upload)
    if head.startswith(b"PK\x03\x04"):
        return _zip_office_type(upload)
    return None


def _size_of(upload: IO[bytes]) -> int:
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, io.SEEK_END)
        size = upload.tell()
        upload.seek(0)
    return int(size)


def check_upload(upload: IO[bytes], *, allowed: set[str], max_bytes: int, label: str) -> DetectedFile:
    """Raise ValidationFailed unless the upload is one of ``allowed`` and at most ``max_bytes``."""
    size = _size_of(upload)
    if size == 0:
        raise ValidationFailed(_("The %(label)s is empty.") % {"label": label}, code="empty_file")
    if size > max_bytes:
        raise ValidationFailed(
            _("The %(label)s is %(size).1f MB; the limit is %(limit)d MB.")
            % {"label": label, "size": size / 1_048_576, "limit": max_bytes // 1_048_576},
            code="file_too_large",
        )
    content_type = detect_content_type(upload)
    if content_type not in allowed:
        names = ", ".join(sorted({EXTENSIONS[kind].upper() for kind in allowed}))
        raise ValidationFailed(
            _("The %(label)s is not an accepted file type. Accepted: %(names)s.")
            % {"label": label, "names": names},
            code="file_type_not_allowed",
        )
    return DetectedFile(content_type=content_type, extension=EXTENSIONS[content_type], size=size)


def check_image(upload: IO[bytes], *, max_bytes: int, label: str) -> DetectedFile:
    """Like check_upload for images, and also make sure Pillow can decode the picture."""
    detected = check_upload(upload, allowed=IMAGE_TYPES, max_bytes=max_bytes, label=label)
    from PIL import Image, UnidentifiedImageError

    try:
        upload.seek(0)
        with Image.open(upload) as image:
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError) as error:
        raise ValidationFailed(
            _("The %(label)s could not be read as an image.") % {"label": label}, code="image_unreadable"
        ) from error
    finally:
        upload.seek(0)
    return detected
