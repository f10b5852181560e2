"""Small helpers shared by the partnership tests: upload files and database counts."""

from __future__ import annotations

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile

from medmissions.audit.models import AuditEntry
from medmissions.partnerships.models import (
    ActionItem,
    HealthCheck,
    Partnership,
    PartnershipParty,
    PrincipleScore,
)

TEN_MB = 10 * 1024 * 1024
PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
EXECUTABLE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64
TEXT_BYTES = b"This is a plain text memorandum, not a PDF.\n"


def docx_bytes() -> bytes:
    """A minimal Word document: the package parts a real .docx has, built with zipfile."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
            "</Types>",
        )
        archive.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/officeDocument" Target="word/document.xml"/></Relationships>',
        )
        archive.writestr(
            "word/document.xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            "<w:body><w:p><w:r><w:t>Memorandum of understanding</w:t></w:r></w:p></w:body></w:document>",
        )
    return buffer.getvalue()


def upload(
    content: bytes, name: str = "mou.pdf", content_type: str = "application/pdf"
) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def pdf_upload(name: str = "mou.pdf") -> SimpleUploadedFile:
    return upload(PDF_BYTES, name)


def oversized_pdf_upload() -> SimpleUploadedFile:
    """A PDF one byte over the 10 MB limit."""
    content = PDF_BYTES + b"0" * (TEN_MB + 1 - len(PDF_BYTES))
    assert len(content) == TEN_MB + 1
    return upload(content)


def counts() -> dict[str, int]:
    """Row counts of everything a partnership operation may write."""
    return {
        "partnerships": Partnership.objects.count(),
        "parties": PartnershipParty.objects.count(),
        "health_checks": HealthCheck.objects.count(),
        "scores": PrincipleScore.objects.count(),
        "action_items": ActionItem.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


def audit_entries(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("id"))


def stored_files(media_root) -> list[str]:
    """Every file under MEDIA_ROOT (to show a refused upload left nothing behind)."""
    if not media_root.exists():
        return []
    return sorted(str(path.relative_to(media_root)) for path in media_root.rglob("*") if path.is_file())
