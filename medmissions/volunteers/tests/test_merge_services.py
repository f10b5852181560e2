"""Merging two records of one person: what moves, what stays, who may, and the audit trail."""

import datetime

import pytest
from django.utils import timezone

from medmissions.audit.models import AuditEntry
from medmissions.conftest import make_user
from medmissions.core.errors import Conflict, NotAllowed, ValidationFailed
from medmissions.core.models import Language
from medmissions.volunteers.choices import AffiliationKind, AvailabilityKind, Proficiency, VerificationOutcome
from medmissions.volunteers.merge import merge_people
from medmissions.volunteers.models import (
    Affiliation,
    AvailabilityWindow,
    Credential,
    CredentialVerification,
    Person,
    PersonLanguage,
    PersonSpecialty,
)

from .conftest import credential_type, specialty

pytestmark = pytest.mark.django_db


def person_of(organization, kind=AffiliationKind.HOME, **fields) -> Person:
    person = Person.objects.create(**fields)
    Affiliation.objects.create(person=person, organization=organization, kind=kind)
    return person


def snapshot_counts() -> dict[str, int]:
    return {
        "credentials": Credential.objects.filter(person__merged_into__isnull=True).count(),
        "specialties": PersonSpecialty.objects.count(),
        "languages": PersonLanguage.objects.count(),
        "affiliations": Affiliation.objects.count(),
        "merged": Person.objects.filter(merged_into__isnull=False).count(),
        "audit": AuditEntry.objects.count(),
    }


@pytest.fixture
def coordinator(users):
    return users["coordinator"]


@pytest.fixture
def kept(sending):
    person = person_of(
        sending,
        full_name="Amina Nakato",
        email="amina.nakato@example.org",
        phone="",
        home_employer="Mbale RRH",
    )
    PersonSpecialty.objects.create(
        person=person, specialty=specialty("general-surgery"), proficiency=Proficiency.COMPETENT
    )
    PersonLanguage.objects.create(
        person=person, language=Language.objects.get(code="sw"), speaking=4, reading=1, writing=1
    )
    return person


@pytest.fixture
def duplicate(sending, host, coordinator):
    person = person_of(
        sending,
        full_name="Amina Nakato-Okello",
        email="amina@elsewhere.example",
        phone="0772 123456",
        home_employer="Kampala Hospital",
        date_of_birth=datetime.date(1986, 4, 12),
    )
    Affiliation.objects.create(person=person, organization=host, kind=AffiliationKind.VETTING)
    PersonSpecialty.objects.create(
        person=person, specialty=specialty("general-surgery"), proficiency=Proficiency.EXPERT
    )
    PersonSpecialty.objects.create(
        person=person, specialty=specialty("anaesthesia"), proficiency=Proficiency.TRAINEE
    )
    PersonLanguage.objects.create(
        person=person, language=Language.objects.get(code="sw"), speaking=2, reading=3, writing=2
    )
    PersonLanguage.objects.create(
        person=person, language=Language.objects.get(code="en"), speaking=4, reading=4, writing=4
    )
    AvailabilityWindow.objects.create(
        person=person,
        kind=AvailabilityKind.AVAILABLE,
        starts_on=datetime.date(2027, 1, 1),
        ends_on=datetime.date(2027, 2, 1),
    )
    licence = Credential.objects.create(
        person=person,
        credential_type=credential_type("professional-licence"),
        issuing_body="UMDPC",
        number="UMDPC-1",
        expires_on=datetime.date(2030, 1, 1),
    )
    CredentialVerification.objects.create(
        credential=licence,
        organization=sending,
        outcome=VerificationOutcome.VERIFIED,
        verified_by=coordinator,
        verified_at=timezone.now(),
    )
    return person


def test_merging_moves_everything_to_the_kept_record(coordinator, sending, host, kept, duplicate):
    licence = duplicate.credentials.get()

    result = merge_people(actor=coordinator, organization=sending, keep=kept, merge=duplicate)

    assert result == kept
    licence.refresh_from_db()
    assert licence.person == kept
    assert list(licence.verifications.values_list("organization", "outcome")) == [(sending.pk, "verified")]
    assert sorted(kept.specialties.values_list("specialty__slug", "proficiency")) == [
        ("anaesthesia", Proficiency.TRAINEE),
        ("general-surgery", Proficiency.EXPERT),  # the higher of competent and expert
    ]
    assert sorted(kept.languages.values_list("language__code", "speaking", "reading", "writing")) == [
        ("en", 4, 4, 4),
        ("sw", 4, 3, 2),  # the higher level of each skill
    ]
    assert kept.availability.count() == 1
    assert sorted(kept.affiliations.values_list("organization", "kind")) == sorted(
        [(sending.pk, AffiliationKind.HOME), (host.pk, AffiliationKind.VETTING)]
    )


def test_the_merged_record_stays_as_a_placeholder_with_its_own_details(coordinator, sending, kept, duplicate):
    merge_people(actor=coordinator, organization=sending, keep=kept, merge=duplicate)

    duplicate.refresh_from_db()
    assert duplicate.merged_into == kept
    assert duplicate.full_name == "Amina Nakato-Okello"
    assert duplicate.email == "amina@elsewhere.example"
    assert duplicate.affiliations.filter(organization=sending).exists()  # still reachable by the organisation
    assert not duplicate.specialties.exists()
    assert list(Person.objects.active().filter(pk__in=[kept.pk, duplicate.pk])) == [kept]
    assert list(kept.merged_from.all()) == [duplicate]


def test_only_the_chosen_fields_are_taken_from_the_other_record(coordinator, sending, kept, duplicate):
    merge_people(
        actor=coordinator, organization=sending, keep=kept, merge=duplicate, take=["phone", "date_of_birth"]
    )

    kept.refresh_from_db()
    assert kept.phone == "0772 123456"
    assert kept.date_of_birth == datetime.date(1986, 4, 12)
    assert kept.full_name == "Amina Nakato"
    assert kept.email == "amina.nakato@example.org"
    assert kept.home_employer == "Mbale RRH"


def test_the_merge_is_audited_with_both_ids(coordinator, sending, kept, duplicate):
    merge_people(actor=coordinator, organization=sending, keep=kept, merge=duplicate, take=["phone"])

    entry = AuditEntry.objects.get(action="volunteers.person.merged")
    assert entry.actor == coordinator
    assert entry.organization == sending
    assert entry.object_id == str(kept.pk)
    assert (entry.data["kept"], entry.data["merged"]) == (kept.pk, duplicate.pk)
    assert entry.data["fields_taken"] == ["phone"]
    assert entry.data["credentials_moved"] == 1
    assert entry.changes == {"phone": ["", "0772 123456"]}


def test_records_merged_earlier_follow_to_the_kept_record(coordinator, sending, kept, duplicate):
    older = person_of(sending, full_name="A. Nakato", merged_into=duplicate)

    merge_people(actor=coordinator, organization=sending, keep=kept, merge=duplicate)

    older.refresh_from_db()
    assert older.merged_into == kept


def test_a_claimed_record_can_be_kept_without_touching_its_details(coordinator, sending, duplicate):
    owner = make_user("amina@example.org", "Amina Nakato")
    claimed = person_of(sending, user=owner, full_name="Amina Nakato", email="amina@example.org")

    merge_people(actor=coordinator, organization=sending, keep=claimed, merge=duplicate)

    claimed.refresh_from_db()
    assert (claimed.full_name, claimed.email, claimed.phone) == ("Amina Nakato", "amina@example.org", "")
    assert claimed.credentials.count() == 1


def test_the_details_of_a_claimed_record_are_not_overwritten(coordinator, sending, duplicate):
    claimed = person_of(sending, user=make_user("amina@example.org", "Amina"), full_name="Amina")
    before = snapshot_counts()

    with pytest.raises(NotAllowed) as refused:
        merge_people(actor=coordinator, organization=sending, keep=claimed, merge=duplicate, take=["phone"])

    assert refused.value.code == "claimed_profile"
    assert snapshot_counts() == before


def test_two_records_with_accounts_cannot_be_merged(coordinator, sending):
    first = person_of(sending, user=make_user("one@example.org", "One"), full_name="Amina")
    second = person_of(sending, user=make_user("two@example.org", "Two"), full_name="Amina")

    with pytest.raises(Conflict) as refused:
        merge_people(actor=coordinator, organization=sending, keep=first, merge=second)

    assert refused.value.code == "both_claimed"
    assert "only one account" in refused.value.message


def test_a_claimed_record_cannot_be_merged_away(coordinator, sending, kept):
    claimed = person_of(sending, user=make_user("amina@example.org", "Amina"), full_name="Amina")

    with pytest.raises(Conflict) as refused:
        merge_people(actor=coordinator, organization=sending, keep=kept, merge=claimed)

    assert refused.value.code == "claimed_must_be_kept"


def test_a_record_cannot_be_merged_with_itself(coordinator, sending, kept):
    with pytest.raises(ValidationFailed):
        merge_people(actor=coordinator, organization=sending, keep=kept, merge=kept)


def test_a_record_already_merged_cannot_be_merged_again(coordinator, sending, kept, duplicate):
    merge_people(actor=coordinator, organization=sending, keep=kept, merge=duplicate)

    with pytest.raises(Conflict) as refused:
        merge_people(actor=coordinator, organization=sending, keep=kept, merge=duplicate)

    assert refused.value.code == "profile_closed"


def test_only_records_the_organisation_registered_can_be_merged_away(coordinator, sending, host, kept):
    shared = person_of(host, full_name="Amina Nakato")
    Affiliation.objects.create(person=shared, organization=sending, kind=AffiliationKind.VETTING)

    with pytest.raises(NotAllowed) as refused:
        merge_people(actor=coordinator, organization=sending, keep=kept, merge=shared)

    assert refused.value.code == "not_home_person"


def test_the_kept_record_must_be_affiliated_with_the_organisation(coordinator, sending, other, duplicate):
    elsewhere = person_of(other, full_name="Amina Nakato")

    with pytest.raises(NotAllowed) as refused:
        merge_people(actor=coordinator, organization=sending, keep=elsewhere, merge=duplicate)

    assert refused.value.code == "not_affiliated"


def test_unknown_fields_are_refused(coordinator, sending, kept, duplicate):
    with pytest.raises(ValidationFailed):
        merge_people(actor=coordinator, organization=sending, keep=kept, merge=duplicate, take=["user"])


@pytest.mark.parametrize("persona", ["member", "viewer", "outsider", "host_admin"])
def test_only_vetting_admins_of_the_organisation_merge(users, sending, kept, duplicate, persona):
    before = snapshot_counts()

    with pytest.raises(NotAllowed):
        merge_people(actor=users[persona], organization=sending, keep=kept, merge=duplicate)

    assert snapshot_counts() == before
