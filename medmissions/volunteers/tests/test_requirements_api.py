"""API /api/v1/country-requirements: list with filters, read, add, change, delete."""

import pytest

from medmissions.conftest import make_organization, make_user
from medmissions.organizations.choices import Role
from medmissions.organizations.models import Membership
from medmissions.testing import assert_api_error, patch_json, post_json
from medmissions.volunteers.models import CountryRequirement

pytestmark = pytest.mark.django_db

BASE = "/api/v1/country-requirements"


@pytest.fixture
def ministry_coordinator(db):
    ministry = make_organization("Kenya Ministry of Health", "kenya-moh", "KE", "ministry")
    user = make_user("moh.coordinator@example.org", "Ministry Coordinator")
    Membership.objects.create(user=user, organization=ministry, role=Role.COORDINATOR)
    return user


@pytest.fixture
def staff(db):
    return make_user("staff@example.org", "Platform Staff", is_staff=True)


def new_rule(**extra):
    data = {"country": "KE", "specialty": "dentistry", "credential_type": "acls", "lead_time_days": 14}
    data.update(extra)
    return data


def kenyan(**lookup):
    return CountryRequirement.objects.filter(country="KE", **lookup).order_by("pk").first()


def test_the_list_filters_by_country_and_specialty(users, api_client_for):
    client = api_client_for(users["viewer"])
    kenya = client.get(BASE, {"country": "KE", "page_size": 100}).json()
    assert kenya["count"] == CountryRequirement.objects.filter(country="KE").count()
    assert {item["country"] for item in kenya["items"]} == {"KE"}
    licence = next(item for item in kenya["items"] if item["credential_type"] == "host-temporary-licence")
    assert licence["lead_time_days"] == 60
    assert licence["country_name"] == "Kenya"
    dentists = client.get(BASE, {"country": "KE", "specialty": "dentistry"}).json()["items"]
    assert {item["specialty"] for item in dentists} == {None, "dentistry"}


def test_an_unknown_specialty_filter_answers_400(users, api_client_for):
    assert_api_error(
        api_client_for(users["viewer"]).get(BASE, {"specialty": "astrology"}), 400, fields=["specialty"]
    )


def test_reading_one_rule(users, api_client_for):
    requirement = kenyan()
    body = api_client_for(users["outsider"]).get(f"{BASE}/{requirement.pk}").json()
    assert (body["id"], body["country"]) == (requirement.pk, "KE")
    assert_api_error(api_client_for(users["outsider"]).get(f"{BASE}/999999"), 404, "not_found")


def test_a_ministry_coordinator_adds_a_rule_for_their_country(ministry_coordinator, api_client_for):
    response = post_json(api_client_for(ministry_coordinator), BASE, new_rule())
    assert response.status_code == 201
    body = response.json()
    assert (body["country"], body["specialty"], body["credential_type"], body["lead_time_days"]) == (
        "KE",
        "dentistry",
        "acls",
        14,
    )


def test_a_ministry_coordinator_cannot_add_for_another_country(ministry_coordinator, api_client_for):
    before = CountryRequirement.objects.count()
    response = post_json(api_client_for(ministry_coordinator), BASE, new_rule(country="UG"))
    assert_api_error(response, 403, "cannot_edit_country")
    assert CountryRequirement.objects.count() == before


@pytest.mark.parametrize("persona", ["coordinator", "admin", "outsider"])
def test_ordinary_coordinators_and_admins_cannot_add(persona, users, api_client_for):
    assert_api_error(post_json(api_client_for(users[persona]), BASE, new_rule()), 403, "cannot_edit_country")


def test_staff_add_for_any_country(staff, api_client_for):
    assert post_json(api_client_for(staff), BASE, new_rule(country="GB")).status_code == 201


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"lead_time_days": 400}, "lead_time_days"), ({"credential_type": "unicorn"}, "credential_type"), ({"specialty": "astrology"}, "specialty")],
)  # fmt: skip
def test_bad_rules_answer_400(changes, field, staff, api_client_for):
    before = CountryRequirement.objects.count()
    assert_api_error(post_json(api_client_for(staff), BASE, new_rule(**changes)), 400, fields=[field])
    assert CountryRequirement.objects.count() == before


def test_a_duplicate_answers_409(staff, api_client_for):
    response = post_json(api_client_for(staff), BASE, new_rule(specialty=None, credential_type="passport"))
    assert_api_error(response, 409, "duplicate_requirement")


def test_changing_and_deleting_a_rule(ministry_coordinator, api_client_for):
    requirement = kenyan(credential_type__slug="visa-work-permit")
    client = api_client_for(ministry_coordinator)
    response = patch_json(client, f"{BASE}/{requirement.pk}", {"lead_time_days": 45, "notes": "eFNS portal."})
    assert response.status_code == 200
    assert (response.json()["lead_time_days"], response.json()["notes"]) == (45, "eFNS portal.")
    assert client.delete(f"{BASE}/{requirement.pk}").status_code == 204
    assert not CountryRequirement.objects.filter(pk=requirement.pk).exists()


def test_another_countrys_rule_cannot_be_changed(ministry_coordinator, api_client_for):
    ugandan = CountryRequirement.objects.filter(country="UG").order_by("pk").first()
    client = api_client_for(ministry_coordinator)
    assert_api_error(patch_json(client, f"{BASE}/{ugandan.pk}", {"lead_time_days": 1}), 403)
    assert_api_error(client.delete(f"{BASE}/{ugandan.pk}"), 403)


def test_anonymous_callers_get_401(db, client_for):
    assert_api_error(client_for(None).get(BASE), 401, "unauthenticated")
    assert_api_error(post_json(client_for(None), BASE, new_rule()), 401, "unauthenticated")
