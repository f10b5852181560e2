"""Builders shared by the opportunities tests (this module holds no tests).

Missions are built directly in the state the tests need (recruiting and host-confirmed, or not):
how a mission gets there is tested in test_lifecycle.py.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.utils import timezone

from medmissions.conftest import make_organization, make_user
from medmissions.core.models import Language
from medmissions.missions.choices import MissionStatus
from medmissions.missions.models import Mission, Role
from medmissions.organizations.models import Organization, ValueTag
from medmissions.partnerships.choices import PartnershipStatus, PartyRole
from medmissions.partnerships.models import Partnership, PartnershipParty
from medmissions.sites.models import Site
from medmissions.volunteers.choices import Proficiency
from medmissions.volunteers.models import Person, PersonSpecialty, Specialty

START = datetime.date(2027, 5, 3)
END = datetime.date(2027, 5, 17)
TODAY = datetime.date(2027, 1, 10)


def specialty(slug: str) -> Specialty:
    return Specialty.objects.get(slug=slug)


def tags(*slugs: str) -> list[ValueTag]:
    return list(ValueTag.objects.filter(slug__in=slugs))


def language(code: str) -> Language:
    return Language.objects.get(code=code)


def opportunity(
    partnership: Partnership,
    site: Site,
    *,
    title: str = "Mbale surgical camp",
    starts_on: datetime.date = START,
    ends_on: datetime.date = END,
    roles: Iterable[tuple[str, str, int]] = (("General surgeon", "surgery", 2),),
    description: str = "",
    status: str = MissionStatus.RECRUITING,
    confirmed: bool = True,
    role_languages: Iterable[str] = (),
) -> Mission:
    mission = Mission.objects.create(
        partnership=partnership,
        site=site,
        title=title,
        description=description,
        starts_on=starts_on,
        ends_on=ends_on,
        time_zone="Africa/Kampala",
        capacity=10,
        status=status,
        host_confirmed_at=timezone.now() if confirmed else None,
    )
    for role_title, slug, people in roles:
        role = Role.objects.create(
            mission=mission,
            title=role_title,
            specialty=specialty(slug),
            people_needed=people,
            scope_of_practice="Elective work alongside the host's clinicians.",
        )
        if role_languages:
            role.languages.set([language(code) for code in role_languages])
    return mission


def partnership_abroad(
    sending: Organization, *, host_name: str, slug: str, country: str, site_name: str, town: str = ""
) -> tuple[Partnership, Site, Organization]:
    """Another active partnership of ``sending`` with a host in ``country`` and one of its sites."""
    host = make_organization(host_name, slug, country, "hospital")
    partnership = Partnership.objects.create(
        title=f"Partnership with {host_name}", shared_goals="Safer care.", status=PartnershipStatus.ACTIVE
    )
    PartnershipParty.objects.create(partnership=partnership, organization=sending, role=PartyRole.SENDING)
    PartnershipParty.objects.create(
        partnership=partnership, organization=host, role=PartyRole.HOST, confirmed_at=timezone.now()
    )
    site = Site.objects.create(
        name=site_name, kind="hospital", host_organization=host, country=country, town=town
    )
    return partnership, site, host


def volunteer(
    email: str = "amina@example.org",
    name: str = "Amina Okello",
    *,
    specialty_slug: str | None = "general-surgery",
    proficiency: int = Proficiency.EXPERIENCED,
    value_tags: Iterable[str] = (),
):
    """A signed-in surgeon with a profile (profession Medicine) and, optionally, value tags."""
    user = make_user(email, name)
    person = Person.objects.create(user=user, full_name=name, email=email, profession=specialty("medicine"))
    if specialty_slug:
        PersonSpecialty.objects.create(
            person=person, specialty=specialty(specialty_slug), proficiency=proficiency
        )
    if value_tags:
        person.value_tags.set(tags(*value_tags))
    return user, person


def credential(person: Person, type_slug: str, *, country: str = "", expires_on=None, verified_by=None):
    """A credential with a document on file (the name only: no file is needed to judge it)."""
    from medmissions.volunteers.choices import VerificationOutcome
    from medmissions.volunteers.models import Credential, CredentialType, CredentialVerification

    made = Credential.objects.create(
        person=person,
        credential_type=CredentialType.objects.get(slug=type_slug),
        issuing_body="Issuing council",
        country=country,
        expires_on=expires_on,
        document=f"credentials/{person.pk}/{type_slug}.pdf",
    )
    if verified_by is not None:
        CredentialVerification.objects.create(
            credential=made,
            organization=verified_by,
            outcome=VerificationOutcome.VERIFIED,
            verified_at=timezone.now(),
        )
    return made
