"""The compliance report: expiring credentials, documents awaiting verification, missing credentials."""

import datetime

import pytest
from django.utils import timezone

from medmissions.core.errors import NotAllowed, ValidationFailed
from medmissions.volunteers import compliance
from medmissions.volunteers.choices import AffiliationKind, CredentialStatus, Proficiency, VerificationOutcome
from medmissions.volunteers.models import Affiliation, CredentialVerification, Person, PersonSpecialty

from .conftest import specialty

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2027, 1, 10)


def in_days(days: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=days)


def names(credentials) -> list[tuple[str, str]]:
    return [(credential.person.full_name, credential.credential_type.slug) for credential in credentials]


def register(organization, full_name: str, kind: str = AffiliationKind.HOME, **fields) -> Person:
    person = Person.objects.create(full_name=full_name, **fields)
    Affiliation.objects.create(person=person, organization=organization, kind=kind)
    return person


# Filters -----------------------------------------------------------------------------------------


def test_the_default_filters_are_90_days_the_organisations_country_and_the_next_30_days(sending):
    filters = compliance.clean_filters(sending, today=TODAY)
    assert (filters.days, filters.country, filters.start, filters.end) == (90, "GB", TODAY, in_days(30))
    assert filters.country_name == "United Kingdom"


def test_bad_filters_are_refused_field_by_field(sending):
    with pytest.raises(ValidationFailed) as caught:
        compliance.clean_filters(sending, days=0, country="XX", start=in_days(5), end=in_days(1), today=TODAY)
    assert set(caught.value.fields) == {"days", "country", "end"}
    with pytest.raises(ValidationFailed) as caught:
        compliance.clean_filters(sending, days=compliance.MAX_EXPIRING_DAYS + 1, today=TODAY)
    assert set(caught.value.fields) == {"days"}


def test_an_end_date_defaults_to_30_days_after_the_chosen_start(sending):
    filters = compliance.clean_filters(sending, country="ke", start=in_days(60), today=TODAY)
    assert (filters.country, filters.start, filters.end) == ("KE", in_days(60), in_days(90))


# Permissions -------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["member", "viewer", "outsider", "host_admin"])
def test_only_vetting_admins_of_the_organisation_read_its_report(users, sending, persona):
    filters = compliance.clean_filters(sending, today=TODAY)
    with pytest.raises(NotAllowed):
        compliance.compliance_report(sending, actor=users[persona], filters=filters)
    with pytest.raises(NotAllowed):
        compliance.expiring_credentials(sending, actor=users[persona])
    with pytest.raises(NotAllowed):
        compliance.awaiting_verification(sending, actor=users[persona])
    with pytest.raises(NotAllowed):
        compliance.missing_credentials(sending, actor=users[persona])


# Expiring ------------------------------------------------------------------------------------------


def test_credentials_expiring_within_the_window_are_listed_soonest_first(
    users, sending, other, volunteer, make_credential
):
    make_credential(volunteer, "passport", expires_on=in_days(90))
    make_credential(volunteer, "bls", expires_on=TODAY)
    make_credential(volunteer, "acls", expires_on=in_days(91))
    make_credential(volunteer, "malpractice-insurance", expires_on=in_days(-1))
    make_credential(volunteer, "yellow-fever-vaccination")
    stranger = register(other, "Not Ours")
    make_credential(stranger, "passport", expires_on=in_days(10))
    listed = compliance.expiring_credentials(sending, actor=users["coordinator"], today=TODAY)
    assert names(listed) == [("Nadia Okafor", "bls"), ("Nadia Okafor", "passport")]
    shorter = compliance.expiring_credentials(sending, actor=users["coordinator"], days=30, today=TODAY)
    assert names(shorter) == [("Nadia Okafor", "bls")]


def test_people_who_shared_their_profile_count_but_erased_and_merged_people_do_not(
    users, sending, make_credential
):
    shared = register(sending, "Shared With Us", AffiliationKind.VETTING)
    erased = register(sending, "Erased", erased_at=timezone.now())
    merged = register(sending, "Merged", merged_into=shared)
    for person in (shared, erased, merged):
        make_credential(person, "passport", expires_on=in_days(5))
    listed = compliance.expiring_credentials(sending, actor=users["admin"], today=TODAY)
    assert names(listed) == [("Shared With Us", "passport")]


def test_a_credential_already_renewed_by_a_later_one_is_not_listed(
    users, sending, volunteer, make_credential
):
    make_credential(volunteer, "passport", expires_on=in_days(20))
    make_credential(volunteer, "passport", expires_on=in_days(3650))
    assert names(compliance.expiring_credentials(sending, actor=users["admin"], today=TODAY)) == []


def test_the_status_shown_is_the_organisations_own(users, sending, host, volunteer, make_credential):
    verified_by_host = make_credential(volunteer, "passport", expires_on=in_days(20), verified_by=host)
    verified_here = make_credential(volunteer, "bls", expires_on=in_days(30), verified_by=sending)
    listed = {
        credential.pk: compliance.organization_status(credential, sending.pk, TODAY).status
        for credential in compliance.expiring_credentials(sending, actor=users["admin"], today=TODAY)
    }
    assert listed == {
        verified_by_host.pk: CredentialStatus.UNVERIFIED,
        verified_here.pk: CredentialStatus.RENEWAL_DUE,
    }


# Awaiting verification --------------------------------------------------------------------------


def test_documents_the_organisation_has_not_checked_are_awaiting_oldest_first(
    users, sending, host, volunteer, make_credential
):
    first = make_credential(volunteer, "passport", expires_on=in_days(400))
    second = make_credential(volunteer, "bls", expires_on=in_days(400), verified_by=host)
    make_credential(volunteer, "acls", expires_on=in_days(400), verified_by=sending)
    rejected = make_credential(volunteer, "malpractice-insurance", expires_on=in_days(400))
    CredentialVerification.objects.create(
        credential=rejected,
        organization=sending,
        outcome=VerificationOutcome.REJECTED,
        notes="Wrong name.",
        verified_at=timezone.now(),
    )
    make_credential(volunteer, "background-check", expires_on=in_days(400), document=False)
    make_credential(volunteer, "specialist-certificate", expires_on=in_days(-1))
    awaiting = compliance.awaiting_verification(sending, actor=users["coordinator"], today=TODAY)
    assert [credential.pk for credential in awaiting] == [first.pk, second.pk]


def test_a_credential_in_its_grace_period_still_awaits_verification(
    users, sending, volunteer, make_credential
):
    from medmissions.volunteers.models import CredentialType

    CredentialType.objects.filter(slug="bls").update(grace_days=30)
    in_grace = make_credential(volunteer, "bls", expires_on=in_days(-10))
    make_credential(volunteer, "acls", expires_on=in_days(-10))
    awaiting = compliance.awaiting_verification(sending, actor=users["coordinator"], today=TODAY)
    assert [credential.pk for credential in awaiting] == [in_grace.pk]


# Missing ------------------------------------------------------------------------------------------


@pytest.fixture
def kenya_ready(volunteer, make_credential, sending):
    """The volunteer with everything Kenya asks of a doctor for a mission in April, verified by sending."""
    for slug, country, expires in [
        ("passport", "", datetime.date(2031, 1, 1)),
        ("visa-work-permit", "KE", datetime.date(2027, 12, 31)),
        ("professional-licence", "GB", datetime.date(2028, 1, 1)),
        ("host-temporary-licence", "KE", datetime.date(2027, 6, 1)),
        ("malpractice-insurance", "", datetime.date(2028, 1, 1)),
        ("yellow-fever-vaccination", "", None),
        ("hepatitis-b-vaccination", "", None),
    ]:
        make_credential(volunteer, slug, country=country, expires_on=expires, verified_by=sending)
    return volunteer


def test_people_missing_a_required_credential_are_listed_with_the_reason(users, sending, kenya_ready):
    kenya_ready.credentials.filter(credential_type__slug="host-temporary-licence").delete()
    nurse = register(sending, "Grace Achieng", profession=specialty("nursing"))
    missing = compliance.missing_credentials(
        sending,
        actor=users["coordinator"],
        country="KE",
        start=datetime.date(2027, 4, 1),
        end=datetime.date(2027, 4, 20),
        today=TODAY,
    )
    rows = [(item.person.full_name, item.requirement) for item in missing]
    assert ("Nadia Okafor", "credential:host-temporary-licence") in rows
    assert [requirement for name, requirement in rows if name == "Nadia Okafor"] == [
        "credential:host-temporary-licence"
    ]
    assert {requirement for name, requirement in rows if name == nurse.full_name} >= {
        "credential:passport",
        "credential:professional-licence",
        "credential:host-temporary-licence",
    }
    licence = next(item for item in missing if item.person == kenya_ready)
    assert licence.label == "Host-country temporary licence (Kenya)"
    assert licence.reason.startswith("Missing. Apply now: it is needed by 31 January 2027")
    assert licence.due_by == datetime.date(2027, 1, 31)
    # Availability, specialty and language checks are not compliance questions.
    assert all(item.requirement.startswith("credential:") for item in missing)


def test_only_the_organisations_own_verifications_count(users, sending, host, kenya_ready):
    for credential in kenya_ready.credentials.all():
        credential.verifications.update(organization=host)
    missing = compliance.missing_credentials(
        sending,
        actor=users["admin"],
        country="KE",
        start=datetime.date(2027, 4, 1),
        end=datetime.date(2027, 4, 20),
        today=TODAY,
    )
    assert missing
    assert all(item.reason.startswith("Uploaded, but not yet verified") for item in missing)


def test_the_default_country_is_the_organisations_own(users, sending, kenya_ready):
    # Nothing is seeded for the United Kingdom: nobody misses anything there.
    assert compliance.missing_credentials(sending, actor=users["admin"], today=TODAY) == []


def test_the_missing_section_needs_a_fixed_number_of_queries_whatever_the_number_of_people(
    users, sending, make_credential, django_assert_max_num_queries, django_assert_num_queries
):
    def people(count: int) -> None:
        for number in range(count):
            person = register(sending, f"Doctor {number:03}", profession=specialty("medicine"))
            PersonSpecialty.objects.create(
                person=person, specialty=specialty("anaesthesia"), proficiency=Proficiency.EXPERT
            )
            make_credential(person, "passport", expires_on=in_days(800), document=False)

    def run() -> list:
        return compliance.missing_credentials(
            sending, actor=users["admin"], country="KE", start=in_days(60), end=in_days(80), today=TODAY
        )

    people(3)
    run()  # warm the membership cache of the actor
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert {item.person.full_name for item in run()} == {"Doctor 000", "Doctor 001", "Doctor 002"}
    people(40)
    with django_assert_num_queries(len(few.captured_queries)):
        assert len({item.person.pk for item in run()}) == 43


def test_the_report_counts_each_section(users, sending, volunteer, make_credential):
    make_credential(volunteer, "passport", expires_on=in_days(10))
    filters = compliance.clean_filters(sending, country="KE", start=in_days(60), end=in_days(70), today=TODAY)
    report = compliance.compliance_report(sending, actor=users["coordinator"], filters=filters)
    counts = report.counts
    assert counts["expiring"] == 1
    assert counts["awaiting"] == 1
    assert counts["missing_people"] == 1
    assert counts["missing"] == len(report.missing) > 1
