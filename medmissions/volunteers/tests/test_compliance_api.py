"""API /api/v1/compliance/{organization_slug}/…: expiring, awaiting-verification, missing."""

import datetime
import functools

import pytest
from django.utils import timezone

from medmissions.testing import assert_api_error
from medmissions.volunteers.choices import AffiliationKind
from medmissions.volunteers.models import Affiliation, Person

pytestmark = pytest.mark.django_db
assert_error = functools.partial(assert_api_error, exact=True)
BASE = "/api/v1/compliance/bridge-health"


def in_days(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


@pytest.fixture
def coordinator_api(users, api_client_for):
    return api_client_for(users["coordinator"])


@pytest.fixture
def licence(volunteer, make_credential):
    return make_credential(volunteer, "professional-licence", country="GB", expires_on=in_days(20))


def test_expiring_lists_credentials_with_days_left_and_the_organisations_status(coordinator_api, licence):
    body = coordinator_api.get(f"{BASE}/expiring").json()
    assert body["count"] == 1
    assert body["items"] == [
        {
            "id": licence.pk,
            "person": {"id": licence.person_id, "full_name": "Nadia Okafor"},
            "credential_type": "professional-licence",
            "credential_type_name": "Professional registration or licence",
            "country": "GB",
            "number": "N-1",
            "issuing_body": "Issuing council",
            "expires_on": in_days(20).isoformat(),
            "days_left": 20,
            "status": "unverified",
        }
    ]
    assert coordinator_api.get(f"{BASE}/expiring", {"days": 10}).json()["count"] == 0


def test_expiring_is_paginated(coordinator_api, sending, make_credential):
    for number in range(3):
        person = Person.objects.create(full_name=f"Person {number}")
        Affiliation.objects.create(person=person, organization=sending, kind=AffiliationKind.HOME)
        make_credential(person, "passport", expires_on=in_days(10 + number), document=False)
    body = coordinator_api.get(f"{BASE}/expiring", {"page": 2, "page_size": 2}).json()
    assert body["count"] == 3
    assert [item["person"]["full_name"] for item in body["items"]] == ["Person 2"]


def test_a_bad_number_of_days_is_a_400_on_the_field(coordinator_api):
    assert_error(coordinator_api.get(f"{BASE}/expiring", {"days": 0}), 400, "invalid", ["days"])
    assert_error(coordinator_api.get(f"{BASE}/expiring", {"days": "soon"}), 400, "invalid", ["days"])


def test_awaiting_verification_lists_unchecked_documents(coordinator_api, licence):
    body = coordinator_api.get(f"{BASE}/awaiting-verification").json()
    assert body["count"] == 1
    item = body["items"][0]
    assert (item["id"], item["credential_type"], item["person"]["full_name"]) == (
        licence.pk,
        "professional-licence",
        "Nadia Okafor",
    )
    assert item["waiting_since"]


def test_missing_lists_requirements_for_a_country_and_dates(coordinator_api, licence):
    query = {"country": "KE", "start": in_days(90).isoformat(), "end": in_days(100).isoformat()}
    body = coordinator_api.get(f"{BASE}/missing", query).json()
    by_requirement = {item["requirement"]: item for item in body["items"]}
    assert body["count"] == len(body["items"])
    temporary = by_requirement["credential:host-temporary-licence"]
    assert temporary["label"] == "Host-country temporary licence (Kenya)"
    assert temporary["reason"].startswith("Missing. Apply now")
    assert temporary["due_by"] == in_days(30).isoformat()
    assert temporary["person"]["full_name"] == "Nadia Okafor"
    # Uploaded but not verified by this organisation: unmet, with the credential named.
    assert by_requirement["credential:professional-licence"]["credential_id"] == licence.pk


def test_missing_defaults_to_the_organisations_country(coordinator_api, licence):
    assert coordinator_api.get(f"{BASE}/missing").json() == {"items": [], "count": 0}


def test_missing_refuses_bad_filters(coordinator_api):
    assert_error(coordinator_api.get(f"{BASE}/missing", {"country": "XX"}), 400, "invalid", ["country"])
    assert_error(
        coordinator_api.get(
            f"{BASE}/missing", {"start": in_days(5).isoformat(), "end": in_days(1).isoformat()}
        ),
        400,
        "invalid",
        ["end"],
    )
    assert_error(coordinator_api.get(f"{BASE}/missing", {"start": "soon"}), 400, "invalid", ["start"])


@pytest.mark.parametrize("section", ["expiring", "awaiting-verification", "missing"])
@pytest.mark.parametrize(
    ("persona", "status", "code"),
    [
        ("member", 403, "forbidden"),
        ("viewer", 403, "forbidden"),
        ("outsider", 404, "not_found"),
        ("host_admin", 404, "not_found"),
    ],
)
def test_only_vetting_admins_of_the_organisation_may_read(
    users, api_client_for, section, persona, status, code
):
    assert_error(api_client_for(users[persona]).get(f"{BASE}/{section}"), status, code)


def test_an_unknown_organisation_is_not_found(coordinator_api):
    assert_error(coordinator_api.get("/api/v1/compliance/nowhere/expiring"), 404, "not_found")


def test_anonymous_calls_are_unauthenticated(client):
    assert_error(client.get(f"{BASE}/expiring"), 401, "unauthenticated")


def test_a_page_reads_a_bounded_number_of_rows(
    coordinator_api, sending, make_credential, django_assert_max_num_queries
):
    for number in range(60):
        person = Person.objects.create(full_name=f"Person {number:02}")
        Affiliation.objects.create(person=person, organization=sending, kind=AffiliationKind.HOME)
        make_credential(person, "passport", expires_on=in_days(10), document=False)
    # Token, memberships, organisation, grace periods, count, one page of rows, its verifications.
    with django_assert_max_num_queries(12):
        body = coordinator_api.get(f"{BASE}/expiring").json()
    assert (body["count"], len(body["items"])) == (60, 50)
