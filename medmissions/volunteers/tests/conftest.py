"""Fixtures for the volunteer tests, on top of the shared personas in medmissions/conftest.py.

``volunteer_user`` is a surgeon whose home organisation is ``sending``; ``volunteer`` is their
Person. ``admin`` and ``coordinator`` of ``sending`` are therefore vetting admins for them;
``outsider`` is not.
"""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from medmissions.conftest import make_user
from medmissions.volunteers.choices import AffiliationKind, Proficiency, VerificationOutcome
from medmissions.volunteers.models import (
    Affiliation,
    Credential,
    CredentialType,
    CredentialVerification,
    Person,
    PersonSpecialty,
    Specialty,
)

PDF_BYTES = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf_upload(name: str = "licence.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def png_upload(name: str = "card.png") -> SimpleUploadedFile:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (10, 120, 90)).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def specialty(slug: str) -> Specialty:
    return Specialty.objects.get(slug=slug)


def credential_type(slug: str) -> CredentialType:
    return CredentialType.objects.get(slug=slug)


@pytest.fixture
def volunteer_user(db):
    return make_user("volunteer@example.org", "Nadia Okafor")


@pytest.fixture
def volunteer(volunteer_user, sending) -> Person:
    person = Person.objects.create(
        user=volunteer_user,
        full_name=volunteer_user.full_name,
        email=volunteer_user.email,
        profession=specialty("medicine"),
        years_of_experience=12,
    )
    PersonSpecialty.objects.create(
        person=person, specialty=specialty("general-surgery"), proficiency=Proficiency.EXPERIENCED
    )
    Affiliation.objects.create(person=person, organization=sending, kind=AffiliationKind.HOME)
    return person


@pytest.fixture
def make_credential():
    """Create a credential directly (with a document), optionally verified by an organisation."""

    def make(
        person, type_slug, *, expires_on=None, country="", verified_by=None, issued_on=None, document=True
    ):
        credential = Credential.objects.create(
            person=person,
            credential_type=credential_type(type_slug),
            issuing_body="Issuing council",
            country=country,
            number="N-1",
            issued_on=issued_on,
            expires_on=expires_on,
        )
        if document:
            credential.document.save("doc.pdf", pdf_upload(), save=True)
            credential.document_content_type = "application/pdf"
            credential.save(update_fields=["document_content_type"])
        if verified_by is not None:
            CredentialVerification.objects.create(
                credential=credential,
                organization=verified_by,
                outcome=VerificationOutcome.VERIFIED,
                verified_at=timezone.now(),
            )
        return credential

    return make


@pytest.fixture
def today() -> datetime.date:
    return timezone.localdate()
