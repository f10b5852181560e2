"""Small builders shared by the organisation tests."""

from __future__ import annotations

import io

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from medmissions.audit.models import AuditEntry
from medmissions.organizations.models import Invitation, Membership, Organization


def png_bytes(width: int = 4, height: int = 4) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def png_upload(name: str = "logo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


def fake_png_upload() -> SimpleUploadedFile:
    """A text file renamed .png, claiming to be a PNG."""
    return SimpleUploadedFile("logo.png", b"just some text, not a picture\n", content_type="image/png")


def oversized_png_upload() -> SimpleUploadedFile:
    """A real PNG header followed by padding, one byte over the logo limit."""
    data = png_bytes()
    data += b"\0" * (settings.MAX_LOGO_UPLOAD_BYTES + 1 - len(data))
    return SimpleUploadedFile("big.png", data, content_type="image/png")


def counts() -> dict[str, int]:
    """Row counts that bad input must leave unchanged."""
    return {
        "organizations": Organization.objects.count(),
        "memberships": Membership.objects.count(),
        "invitations": Invitation.objects.count(),
        "audit": AuditEntry.objects.count(),
    }
