"""Fixtures for matching: the missions fixtures (need, draft mission, a "Surgery" role) and small
builders for people with specialties, languages, credentials and assignments."""

from __future__ import annotations

import datetime

from django.utils import timezone

from medmissions.core.models import Language
from medmissions.missions.models import Assignment, Mission, Role
from medmissions.missions.tests.conftest import END, START, mission, need, role, specialty
from medmissions.organizations.models import Organization
from medmissions.volunteers.models import (
    Affiliation,
    Credential,
    CredentialType,
    CredentialVerification,
    Person,
    PersonLanguage,
    PersonSpecialty,
)

__all__ = [
    "END",
    "START",
    "add_credential",
    "assign",
    "make_person",
    "mission",
    "need",
    "role",
    "speaks",
    "specialty",
]


def make_person(
    name: str,
    *,
    specialty_slug: str = "general-surgery",
    proficiency: int = 3,
    organizations: tuple[Organization, ...] = (),
    **fields,
) -> Person:
    """A person with one specialty, affiliated (home) with ``organizations``."""
    fields.setdefault("profession", specialty("medicine"))
    person = Person.objects.create(full_name=name, **fields)
    PersonSpecialty.objects.create(
        person=person, specialty=specialty(specialty_slug), proficiency=proficiency
    )
    for organization in organizations:
        Affiliation.objects.create(person=person, organization=organization, kind="home")
    return person


def speaks(person: Person, *codes: str, level: int = 3) -> None:
    for code in codes:
        PersonLanguage.objects.create(person=person, language=Language.objects.get(code=code), speaking=level)


def add_credential(
    person: Person,
    type_slug: str,
    *,
    country: str = "",
    expires_on: datetime.date | None = datetime.date(2029, 1, 1),
    verified_by: Organization | None = None,
    rejected_by: Organization | None = None,
    document: bool = True,
) -> Credential:
    credential = Credential.objects.create(
        person=person,
        credential_type=CredentialType.objects.get(slug=type_slug),
        issuing_body="Issuing body",
        country=country,
        expires_on=expires_on,
        document=f"credentials/{person.pk}/{type_slug}.pdf" if document else "",
    )
    for organization, outcome in ((verified_by, "verified"), (rejected_by, "rejected")):
        if organization is not None:
            CredentialVerification.objects.create(
                credential=credential, organization=organization, outcome=outcome, verified_at=timezone.now()
            )
    return credential


def assign(person: Person, target: Role | Mission, *, starts_on=None, ends_on=None, **fields) -> Assignment:
    """An assignment on ``target`` (a role, or a mission's first role), straight in the database."""
    if isinstance(target, Mission):
        target_role = target.roles.first()
        assert target_role is not None
    else:
        target_role = target
    other_mission = target_role.mission
    return Assignment.objects.create(
        mission=other_mission,
        role=target_role,
        person=person,
        starts_on=starts_on or other_mission.starts_on,
        ends_on=ends_on or other_mission.ends_on,
        **fields,
    )
