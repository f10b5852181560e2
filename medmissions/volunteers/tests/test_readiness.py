"""Readiness: every requirement met or unmet, with a reason the person can act on."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from medmissions.core.models import Language
from medmissions.volunteers.choices import AvailabilityKind, Proficiency
from medmissions.volunteers.models import AvailabilityWindow, Person, PersonLanguage
from medmissions.volunteers.readiness import RoleRequirements, readiness, readiness_for_people

from .conftest import credential_type, specialty

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2027, 1, 10)
START = datetime.date(2027, 4, 1)
END = datetime.date(2027, 4, 20)


def check(result, key):
    return next(item for item in result.checks if item.key == key)


@pytest.fixture
def ready_for_kenya(volunteer, make_credential, sending):
    make_credential(volunteer, "passport", expires_on=datetime.date(2031, 1, 1), verified_by=sending)
    make_credential(
        volunteer,
        "visa-work-permit",
        country="KE",
        expires_on=datetime.date(2027, 12, 31),
        verified_by=sending,
    )
    make_credential(
        volunteer,
        "professional-licence",
        country="GB",
        expires_on=datetime.date(2028, 1, 1),
        verified_by=sending,
    )
    make_credential(
        volunteer,
        "host-temporary-licence",
        country="KE",
        expires_on=datetime.date(2027, 6, 1),
        verified_by=sending,
    )
    make_credential(
        volunteer, "malpractice-insurance", expires_on=datetime.date(2028, 1, 1), verified_by=sending
    )
    make_credential(volunteer, "yellow-fever-vaccination", verified_by=sending)
    make_credential(volunteer, "hepatitis-b-vaccination", verified_by=sending)
    return volunteer


def test_a_surgeon_with_everything_is_ready_for_kenya(ready_for_kenya):
    result = readiness(ready_for_kenya, "KE", START, END, today=TODAY)
    assert result.ready, [(c.label, c.reason) for c in result.unmet]
    # Rules on "Medicine" reach a general surgeon through the specialty tree.
    assert check(result, "credential:host-temporary-licence").met


def test_a_licence_expiring_before_the_end_is_unmet_with_the_number_of_days(ready_for_kenya):
    licence = ready_for_kenya.credentials.get(credential_type__slug="host-temporary-licence")
    licence.expires_on = END - datetime.timedelta(days=3)
    licence.save()
    result = readiness(ready_for_kenya, "KE", START, END, today=TODAY)
    item = check(result, "credential:host-temporary-licence")
    assert not item.met
    assert item.label == "Host-country temporary licence (Kenya)"
    assert "Expires 3 days before the mission ends" in item.reason


def test_a_host_country_licence_from_another_country_does_not_count(ready_for_kenya):
    ready_for_kenya.credentials.filter(credential_type__slug="host-temporary-licence").update(country="UG")
    item = check(
        readiness(ready_for_kenya, "KE", START, END, today=TODAY), "credential:host-temporary-licence"
    )
    assert not item.met
    assert "Missing" in item.reason


def test_a_missing_credential_says_by_when_it_is_needed(volunteer):
    item = check(readiness(volunteer, "KE", START, END, today=TODAY), "credential:host-temporary-licence")
    assert not item.met
    assert item.due_by == START - datetime.timedelta(days=60)
    assert "Apply now" in item.reason


def test_a_missing_credential_past_its_lead_time_says_so(volunteer):
    late = START - datetime.timedelta(days=10)
    item = check(readiness(volunteer, "KE", START, END, today=late), "credential:host-temporary-licence")
    assert "It was needed by" in item.reason


def test_an_unverified_upload_is_unmet_until_verified(volunteer, make_credential):
    make_credential(volunteer, "passport", expires_on=datetime.date(2031, 1, 1))
    item = check(readiness(volunteer, "KE", START, END, today=TODAY), "credential:passport")
    assert not item.met
    assert "not yet verified" in item.reason


def test_role_requirements_add_credentials_specialty_and_languages(ready_for_kenya):
    swahili = Language.objects.get(code="sw")
    role = RoleRequirements(
        credential_types=[credential_type("acls")],
        specialty=specialty("surgery"),
        minimum_proficiency=Proficiency.EXPERT,
        languages=[swahili],
    )
    result = readiness(ready_for_kenya, "KE", START, END, role, today=TODAY)
    assert not check(result, "credential:acls").met
    assert "needs Expert" in check(result, "specialty").reason
    assert not check(result, "language:sw").met
    PersonLanguage.objects.create(person=ready_for_kenya, language=swahili, speaking=3, reading=2, writing=2)
    assert check(readiness(ready_for_kenya, "KE", START, END, role, today=TODAY), "language:sw").met


def test_declared_unavailability_is_unmet(ready_for_kenya):
    AvailabilityWindow.objects.create(
        person=ready_for_kenya,
        kind=AvailabilityKind.UNAVAILABLE,
        starts_on=END,
        ends_on=END + datetime.timedelta(days=5),
    )
    assert not check(readiness(ready_for_kenya, "KE", START, END, today=TODAY), "availability").met


def test_a_batch_costs_the_same_number_of_queries_for_one_person_or_many(ready_for_kenya, sending):
    others = [
        Person.objects.create(full_name=f"Person {n}", profession=specialty("nursing")) for n in range(30)
    ]
    with CaptureQueriesContext(connection) as one:
        readiness_for_people([ready_for_kenya.pk], "KE", START, END, today=TODAY)
    with CaptureQueriesContext(connection) as many:
        results = readiness_for_people(
            [ready_for_kenya.pk, *[p.pk for p in others]], "KE", START, END, today=TODAY
        )
    assert len(results) == 31
    assert len(many.captured_queries) == len(one.captured_queries)


def test_large_batches_are_evaluated_in_chunks_with_the_same_results(ready_for_kenya, monkeypatch):
    from medmissions.volunteers import readiness as readiness_module

    others = [
        Person.objects.create(full_name=f"Person {n}", profession=specialty("nursing")) for n in range(12)
    ]
    ids = [ready_for_kenya.pk, *[p.pk for p in others]]
    whole = readiness_for_people(ids, "KE", START, END, today=TODAY)
    monkeypatch.setattr(readiness_module, "CHUNK_SIZE", 5)
    chunked = readiness_for_people(ids, "KE", START, END, today=TODAY)
    assert chunked.keys() == whole.keys()
    assert [[(c.key, c.met, c.reason) for c in chunked[i].checks] for i in ids] == [
        [(c.key, c.met, c.reason) for c in whole[i].checks] for i in ids
    ]


def test_only_the_named_organisations_verifications_count(volunteer, make_credential, host, sending):
    make_credential(volunteer, "passport", expires_on=datetime.date(2031, 1, 1), verified_by=host)
    for_sending = check(
        readiness(volunteer, "KE", START, END, organization_id=sending.pk, today=TODAY), "credential:passport"
    )
    for_host = check(
        readiness(volunteer, "KE", START, END, organization_id=host.pk, today=TODAY), "credential:passport"
    )
    assert not for_sending.met
    assert for_host.met


def test_a_credential_without_a_document_asks_for_one(volunteer, make_credential):
    make_credential(volunteer, "passport", expires_on=datetime.date(2031, 1, 1), document=False)
    item = check(readiness(volunteer, "KE", START, END, today=TODAY), "credential:passport")
    assert not item.met
    assert "No document uploaded" in item.reason


def test_a_credential_expiring_before_the_mission_starts_says_when(volunteer, make_credential, sending):
    make_credential(volunteer, "passport", expires_on=START - datetime.timedelta(days=5), verified_by=sending)
    item = check(readiness(volunteer, "KE", START, END, today=TODAY), "credential:passport")
    assert item.reason.startswith("Expires on")
    past = check(readiness(volunteer, "KE", START, END, today=START), "credential:passport")
    assert past.reason.startswith("Expired on")
