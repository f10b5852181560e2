"""Objects and personas of the volunteers app for the permission matrix.

Rows in the other ``matrix_*.py`` modules of this folder refer to them with ``Ref("name...")``:

* persona ``volunteer`` — a signed-in surgeon, owner of ``volunteer_person``, whose home
  organisation is ``sending`` (so sending's admin and coordinator are vetting admins for them;
  member and viewer see the profile but cannot vet; outsider and host see nothing);
* ``volunteer_person`` — that Person; ``credential`` — their licence, with a PDF, unverified;
* ``unclaimed_person`` — a person registered by ``sending`` without an account;
* ``ministry`` — a Kenyan ministry of health whose coordinator edits Kenya's requirements;
  ``requirement`` — one of Kenya's seeded rules.
"""

from __future__ import annotations

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile

from medmissions.conftest import make_organization, make_user
from medmissions.organizations.models import Membership
from medmissions.volunteers.choices import AffiliationKind, Proficiency
from medmissions.volunteers.models import (
    Affiliation,
    CountryRequirement,
    Credential,
    CredentialType,
    Person,
    PersonSpecialty,
    Specialty,
)

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf_file(name: str = "licence.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def _volunteer_user(world):
    return make_user("volunteer@example.org", "Nadia Okafor")


def _volunteer_person(world):
    person = Person.objects.create(
        user=world.volunteer_user,
        full_name="Nadia Okafor",
        email="volunteer@example.org",
        profession=Specialty.objects.get(slug="medicine"),
    )
    PersonSpecialty.objects.create(
        person=person,
        specialty=Specialty.objects.get(slug="general-surgery"),
        proficiency=Proficiency.EXPERIENCED,
    )
    Affiliation.objects.create(person=person, organization=world.sending, kind=AffiliationKind.HOME)
    return person


def _credential(world):
    credential = Credential.objects.create(
        person=world.volunteer_person,
        credential_type=CredentialType.objects.get(slug="professional-licence"),
        issuing_body="General Medical Council",
        country="GB",
        number="GMC-1234567",
        issued_on=datetime.date(2015, 8, 1),
        expires_on=datetime.date(2030, 8, 1),
    )
    credential.document.save("licence.pdf", pdf_file(), save=False)
    credential.document_content_type = "application/pdf"
    credential.save()
    return credential


def _unclaimed_person(world):
    person = Person.objects.create(full_name="Joseph Mutua", email="joseph.mutua@example.org")
    Affiliation.objects.create(person=person, organization=world.sending, kind=AffiliationKind.HOME)
    return person


def _ministry(world):
    ministry = make_organization("Kenya Ministry of Health", "kenya-moh", "KE", "ministry")
    coordinator = make_user("moh.coordinator@example.org", "Ministry Coordinator")
    Membership.objects.create(user=coordinator, organization=ministry, role="coordinator")
    world.__dict__["ministry_coordinator"] = coordinator
    return ministry


def _ministry_coordinator(world):
    world.ministry  # noqa: B018 - creating the ministry creates its coordinator
    return world.__dict__["ministry_coordinator"]


def _requirement(world):
    return CountryRequirement.objects.filter(country="KE").order_by("pk").first()


WORLD = {
    "volunteer_user": _volunteer_user,
    "volunteer_person": _volunteer_person,
    "credential": _credential,
    "unclaimed_person": _unclaimed_person,
    "ministry": _ministry,
    "ministry_coordinator": _ministry_coordinator,
    "requirement": _requirement,
}

PERSONAS = {
    # The volunteer's own person is created with them, so "my profile" rows find it.
    "volunteer": lambda world: world.volunteer_person.user,
    "ministry_coordinator": lambda world: world.ministry_coordinator,
}
