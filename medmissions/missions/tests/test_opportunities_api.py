"""API: /opportunities, /applications and /saved-searches, with their 400/403/404/409 answers."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from medmissions.missions import applications
from medmissions.missions.choices import ApplicationStatus, AssignmentStatus, MissionStatus
from medmissions.missions.models import Application, Assignment, SavedSearch
from medmissions.testing import assert_api_error, patch_json, post_json

from .test_opportunities_support import (
    END,
    START,
    credential,
    opportunity,
    partnership_abroad,
    tags,
    volunteer,
)

pytestmark = pytest.mark.django_db

OPPORTUNITIES = "/api/v1/opportunities"
APPLICATIONS = "/api/v1/applications"
SAVED = "/api/v1/saved-searches"


@pytest.fixture
def camp(active_partnership, site):
    return opportunity(active_partnership, site, title="Mbale surgical camp", description="Hernia repair.")


@pytest.fixture
def surgeon():
    return volunteer(value_tags=["host-led", "teaching", "faith-based"])


@pytest.fixture
def api(surgeon, api_client_for):
    return api_client_for(surgeon[0])


@pytest.fixture
def application(camp, surgeon):
    return applications.apply(camp.roles.get(), actor=surgeon[0], motivation="Hernia camps in Tororo.")


# Opportunities --------------------------------------------------------------------------------------


def test_opportunities_list_with_tag_matches_and_requirements(camp, api, surgeon, sending, host):
    host.value_tags.set(tags("host-led"))
    sending.value_tags.set(tags("teaching"))
    credential(surgeon[1], "passport", expires_on=datetime.date(2031, 1, 1), verified_by=sending)
    body = api.get(OPPORTUNITIES).json()
    assert body["count"] == 1
    (item,) = body["items"]
    assert item["id"] == camp.pk and item["duration_days"] == 15
    assert item["site"] == {
        "name": "Mbale outpatient clinic",
        "town": "Mbale",
        "country": "UG",
        "country_name": "Uganda",
        "region": "AFRO",
    }
    assert item["host_organizations"] == [{"slug": "mbale-hospital", "name": "Mbale Regional Hospital"}]
    assert item["partner_organizations"] == [{"slug": "bridge-health", "name": "Bridge Health UK"}]
    assert item["roles"][0]["places_left"] == 2 and item["roles"][0]["specialty"] == "surgery"
    assert item["tag_matches"] == {"count": 2, "of": 3, "tags": ["host-led", "teaching"]}
    requirements = item["requirements"]
    assert requirements["role"] == camp.roles.get().pk
    assert "credential:passport" in {check["key"] for check in requirements["met"]}
    assert "credential:host-temporary-licence" in {check["key"] for check in requirements["unmet"]}
    assert item["url"] == f"/missions/opportunities/{camp.pk}/"


def test_opportunities_filter_like_the_search_page(camp, api, sending, host):
    peru, lima, _host = partnership_abroad(
        sending, host_name="Loayza", slug="loayza", country="PE", site_name="L"
    )
    opportunity(peru, lima, title="Lima cleft camp")
    host.value_tags.set(tags("host-led"))

    def titles(query):
        return [item["title"] for item in api.get(f"{OPPORTUNITIES}?{query}").json()["items"]]

    assert titles("") == ["Lima cleft camp", "Mbale surgical camp"]
    assert titles("region=AMRO") == ["Lima cleft camp"]
    assert titles("value_tags=secular&value_tags=host-led") == ["Mbale surgical camp"]
    assert titles("specialty=general-surgery&min_days=10&max_days=20&q=mbale") == ["Mbale surgical camp"]
    assert titles("available_from=2027-05-04") == []
    assert_api_error(
        api.get(f"{OPPORTUNITIES}?region=MARS&specialty=astrology"), 400, "invalid", ["region", "specialty"]
    )
    assert_api_error(api.get(f"{OPPORTUNITIES}?available_from=soon"), 400, "invalid", ["available_from"])


def test_without_a_profile_requirements_are_null(camp, users, api_client_for, client_for):
    item = api_client_for(users["viewer"]).get(OPPORTUNITIES).json()["items"][0]
    assert item["requirements"] is None
    assert item["tag_matches"] == {"count": 0, "of": 0, "tags": []}
    assert_api_error(client_for(None).get(OPPORTUNITIES), 401, "unauthenticated")


def test_the_list_costs_the_same_queries_for_few_or_many(camp, api, sending, active_partnership, site):
    api.get(OPPORTUNITIES)
    with CaptureQueriesContext(connection) as few:
        api.get(OPPORTUNITIES)
    for number in range(5):
        opportunity(
            active_partnership, site, title=f"Camp {number}", roles=[("A", "surgery", 1), ("B", "nursing", 1)]
        )
    with CaptureQueriesContext(connection) as many:
        assert api.get(OPPORTUNITIES).json()["count"] == 6
    assert len(many) == len(few)


def test_one_opportunity_with_checks_per_role_guidance_and_my_applications(
    camp, api, application, users, api_client_for
):
    body = api.get(f"{OPPORTUNITIES}/{camp.pk}").json()
    assert body["recruiting"] is True
    (role,) = body["roles"]
    assert role["requirements"]["role"] == role["id"]
    assert role["requirements"]["unmet"]
    assert body["guidance"]["security"] is None
    assert body["my_applications"] == [
        {"id": application.pk, "role": role["id"], "status": "submitted", "message": ""}
    ]
    party = api_client_for(users["host_member"]).get(f"{OPPORTUNITIES}/{camp.pk}").json()
    assert party["guidance"]["security"] == "Travel by day only."
    assert party["roles"][0]["requirements"] is None


def test_a_mission_that_is_not_an_opportunity_is_404_to_outsiders(
    active_partnership, site, api, users, api_client_for
):
    draft = opportunity(active_partnership, site, status=MissionStatus.DRAFT, confirmed=False)
    assert_api_error(api.get(f"{OPPORTUNITIES}/{draft.pk}"), 404, "not_found")
    assert_api_error(api_client_for(users["outsider"]).get(f"{OPPORTUNITIES}/{draft.pk}"), 404)
    assert api_client_for(users["viewer"]).get(f"{OPPORTUNITIES}/{draft.pk}").json()["recruiting"] is False


# Applications -------------------------------------------------------------------------------------


def test_applying_answers_201_and_refuses_twice_without_motivation_or_role(camp, api, surgeon):
    role = camp.roles.get()
    response = post_json(api, APPLICATIONS, {"role": role.pk, "motivation": "Ten years of surgery."})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["role"], body["mission"], body["status"], body["assignment"]) == (
        role.pk,
        camp.pk,
        "submitted",
        None,
    )
    assert body["person"] == surgeon[1].pk
    assert_api_error(
        post_json(api, APPLICATIONS, {"role": role.pk, "motivation": "Again"}), 409, "already_applied"
    )
    Application.objects.all().delete()
    assert_api_error(
        post_json(api, APPLICATIONS, {"role": role.pk, "motivation": " "}), 400, "invalid", ["motivation"]
    )
    assert_api_error(
        post_json(api, APPLICATIONS, {"role": 99999, "motivation": "x"}), 400, "invalid", ["role"]
    )
    assert_api_error(post_json(api, APPLICATIONS, {"motivation": "x"}), 400, "invalid", ["role"])


def test_a_draft_missions_role_is_unknown_to_outsiders_and_409_to_its_parties(
    active_partnership, site, api, users, api_client_for
):
    draft = opportunity(active_partnership, site, status=MissionStatus.DRAFT, confirmed=False)
    payload = {"role": draft.roles.get().pk, "motivation": "Me."}
    assert_api_error(post_json(api, APPLICATIONS, payload), 400, "invalid", ["role"])
    assert_api_error(post_json(api_client_for(users["member"]), APPLICATIONS, payload), 409, "not_recruiting")


def test_applications_are_ones_own_or_a_missions_for_its_parties(
    camp, api, application, users, api_client_for
):
    assert [item["id"] for item in api.get(APPLICATIONS).json()["items"]] == [application.pk]
    assert api_client_for(users["viewer"]).get(APPLICATIONS).json()["count"] == 0
    by_mission = f"{APPLICATIONS}?mission={camp.pk}"
    for name in ("admin", "viewer", "host_member"):
        assert api_client_for(users[name]).get(by_mission).json()["count"] == 1, name
    assert_api_error(api_client_for(users["outsider"]).get(by_mission), 404)
    assert_api_error(api.get(by_mission), 404)  # the applicant is not a party
    assert api_client_for(users["admin"]).get(f"{by_mission}&status=declined").json()["count"] == 0
    assert_api_error(
        api_client_for(users["admin"]).get(f"{by_mission}&status=maybe"), 400, "invalid", ["status"]
    )
    detail = f"{APPLICATIONS}/{application.pk}"
    assert api.get(detail).json()["motivation"] == "Hernia camps in Tororo."
    assert api_client_for(users["host_member"]).get(detail).status_code == 200
    assert_api_error(api_client_for(users["outsider"]).get(detail), 404)
    assert_api_error(api.get(f"{APPLICATIONS}/99999"), 404)


def test_withdrawing_is_for_the_applicant(api, application, users, api_client_for):
    address = f"{APPLICATIONS}/{application.pk}/withdraw"
    assert_api_error(post_json(api_client_for(users["coordinator"]), address, {}), 403, "not_applicant")
    assert_api_error(post_json(api_client_for(users["outsider"]), address, {}), 404)
    response = post_json(api, address, {})
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"
    assert_api_error(post_json(api, address, {}), 409, "application_closed")


def test_reviewing_is_for_coordinators_and_admins_of_a_party(
    application, users, api_client_for, django_capture_on_commit_callbacks, mailoutbox
):
    address = f"{APPLICATIONS}/{application.pk}/review"
    payload = {"decision": "shortlisted", "message": "We will call you."}
    for name in ("member", "viewer", "host_member"):
        assert_api_error(post_json(api_client_for(users[name]), address, payload), 403, "not_party_manager")
    assert_api_error(post_json(api_client_for(users["outsider"]), address, payload), 404)
    coordinator = api_client_for(users["coordinator"])
    assert_api_error(post_json(coordinator, address, {"decision": "accepted"}), 400, "invalid", ["decision"])
    with django_capture_on_commit_callbacks(execute=True):
        response = post_json(coordinator, address, payload)
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["message"]) == ("shortlisted", "We will call you.")
    assert mailoutbox[-1].to == ["amina@example.org"]
    post_json(api_client_for(users["host_admin"]), address, {"decision": "declined"})
    assert_api_error(post_json(coordinator, address, {"decision": "waitlisted"}), 409, "application_closed")


def test_accepting_answers_201_with_the_assignment(camp, application, users, api_client_for):
    _lead_user, lead = volunteer("lead@example.org", "Lead Surgeon")
    Assignment.objects.create(mission=camp, role=camp.roles.get(), person=lead, starts_on=START, ends_on=END)
    address = f"{APPLICATIONS}/{application.pk}/accept"
    assert_api_error(post_json(api_client_for(users["member"]), address, {}), 403, "not_party_manager")
    assert_api_error(post_json(api_client_for(users["outsider"]), address, {}), 404)
    coordinator = api_client_for(users["coordinator"])
    assert_api_error(
        post_json(coordinator, address, {"supervisor": application.person_id}), 400, "invalid", ["supervisor"]
    )
    response = post_json(coordinator, address, {"message": "Welcome.", "supervisor": lead.pk})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["person"], body["supervisor"], body["supervisor_name"]) == (
        application.person_id,
        lead.pk,
        "Lead Surgeon",
    )
    assert (body["starts_on"], body["ends_on"], body["status"]) == ("2027-05-03", "2027-05-17", "active")
    assert (
        api_client_for(users["admin"]).get(f"{APPLICATIONS}/{application.pk}").json()["assignment"]
        == body["id"]
    )
    assert_api_error(post_json(coordinator, address, {}), 409, "application_closed")


def test_a_full_role_answers_409(camp, application, users, api_client_for):
    role = camp.roles.get()
    for number in range(role.people_needed):
        _user, person = volunteer(f"p{number}@example.org", f"Person {number}")
        Assignment.objects.create(mission=camp, role=role, person=person, starts_on=START, ends_on=END)
    response = post_json(api_client_for(users["coordinator"]), f"{APPLICATIONS}/{application.pk}/accept", {})
    assert_api_error(response, 409, "role_full")
    assert not Assignment.objects.filter(application=application).exists()
    assert Application.objects.get(pk=application.pk).status == ApplicationStatus.SUBMITTED
    assert Assignment.objects.filter(status=AssignmentStatus.ACTIVE).count() == role.people_needed


# Saved searches -------------------------------------------------------------------------------------


def test_saved_searches_are_created_listed_changed_and_deleted(camp, api, surgeon, users, api_client_for):
    response = post_json(
        api,
        SAVED,
        {
            "name": "Surgery in Africa",
            "filters": {"specialty": "surgery", "region": "afro", "value_tags": ["teaching"]},
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["filters"] == {"specialty": "surgery", "region": "AFRO", "value_tags": ["teaching"]}
    assert body["email_alerts"] is True
    assert body["url"] == "/missions/opportunities/?specialty=surgery&region=AFRO&value_tags=teaching"
    saved = SavedSearch.objects.get(pk=body["id"])
    assert [item["id"] for item in api.get(SAVED).json()] == [saved.pk]
    assert api_client_for(users["admin"]).get(SAVED).json() == []
    address = f"{SAVED}/{saved.pk}"
    changed = patch_json(api, address, {"email_alerts": False, "filters": {"country": "UG"}})
    assert changed.status_code == 200
    assert (changed.json()["email_alerts"], changed.json()["filters"]) == (False, {"country": "UG"})
    assert list(saved.matches.values_list("mission_id", flat=True)) == [camp.pk]
    assert_api_error(patch_json(api, address, {"name": " "}), 400, "invalid", ["name"])
    assert_api_error(patch_json(api_client_for(users["admin"]), address, {"name": "Mine"}), 404)
    assert_api_error(api_client_for(users["admin"]).delete(address), 404)
    assert api.delete(address).status_code == 204
    assert_api_error(api.delete(address), 404)


def test_saving_a_search_checks_its_filters_and_name(api):
    assert_api_error(
        post_json(api, SAVED, {"name": "X", "filters": {"language": "klingon"}}), 400, "invalid", ["language"]
    )
    assert_api_error(post_json(api, SAVED, {"filters": {}}), 400, "invalid", ["name"])
    assert post_json(api, SAVED, {"name": "Everything"}).json()["filters"] == {}
