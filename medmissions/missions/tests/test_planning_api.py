"""Planning API: needs, missions, transitions and roles answer like the pages, with the error shape."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from medmissions.missions import services
from medmissions.missions.choices import MissionStatus
from medmissions.missions.models import Assignment, Course, Mission, Need, Role
from medmissions.testing import assert_api_error, patch_json, post_json
from medmissions.volunteers.models import Person

from .conftest import END, START, specialty

pytestmark = pytest.mark.django_db

NEEDS = "/api/v1/needs"
MISSIONS = "/api/v1/missions"
NEED_IN = {
    "site": None,
    "title": "Emergency obstetric care mentoring",
    "description": "Mentor our midwives on emergency obstetric care.",
    "priority": 3,
    "earliest_start": "2027-09-01",
    "latest_end": "2027-10-31",
    "lines": [{"specialty": "midwifery", "people": 2}],
    "languages": ["en", "sw"],
}
ROLE_IN = {
    "title": "Scrub nurse",
    "specialty": "theatre-nursing",
    "people_needed": 1,
    "scope_of_practice": "Scrubs for hernia repair.",
    "languages": ["en"],
    "extra_credentials": ["bls"],
}


def mission_in(active_partnership, site, need, **extra) -> dict:
    return {
        "partnership": active_partnership.pk,
        "site": site.pk,
        "needs": [need.pk],
        "title": "Mbale surgical camp, June 2027",
        "starts_on": "2027-06-07",
        "ends_on": "2027-06-18",
        "time_zone": "Africa/Kampala",
        "capacity": 6,
        "services": ["surgery"],
        **extra,
    }


@pytest.fixture
def assignment(mission, role, users):
    services.submit_for_host_confirmation(mission, actor=users["coordinator"])
    services.host_confirm(mission, actor=users["host_admin"])
    person = Person.objects.create(full_name="Dr Achieng Odhiambo")
    return Assignment.objects.create(mission=mission, role=role, person=person, starts_on=START, ends_on=END)


# Needs ------------------------------------------------------------------------------------------


def test_needs_are_written_by_the_host_and_proposed_by_partners(
    users, host, sending, site, active_partnership, api_client_for
):
    written = post_json(
        api_client_for(users["host_admin"]), NEEDS, {**NEED_IN, "author": host.slug, "site": site.pk}
    )
    assert written.status_code == 201, written.content
    body = written.json()
    assert body["status"] == "open"
    assert body["lines"] == [{"specialty": "midwifery", "specialty_name": "Midwifery", "people": 2}]
    assert body["languages"] == ["en", "sw"] and body["missions"] == []
    proposed = post_json(
        api_client_for(users["coordinator"]), NEEDS, {**NEED_IN, "author": sending.slug, "site": site.pk}
    )
    assert proposed.status_code == 201
    assert proposed.json()["status"] == "awaiting_host"
    assert proposed.json()["authored_by"] == sending.slug


def test_creating_a_need_refuses_bad_input_and_foreign_organisations(
    users, host, sending, site, api_client_for
):
    client = api_client_for(users["host_admin"])
    base = {**NEED_IN, "author": host.slug, "site": site.pk}
    assert_api_error(post_json(client, NEEDS, {**base, "lines": []}), 400, fields=["lines"])
    assert_api_error(
        post_json(client, NEEDS, {**base, "lines": [{"specialty": "astrology", "people": 1}]}),
        400,
        fields=["lines"],
    )
    assert_api_error(post_json(client, NEEDS, {**base, "languages": ["xx"]}), 400, fields=["languages"])
    assert_api_error(
        post_json(client, NEEDS, {**base, "latest_end": "2027-01-01"}), 400, fields=["latest_end"]
    )
    assert_api_error(post_json(client, NEEDS, {**base, "author": sending.slug}), 404)
    assert_api_error(post_json(api_client_for(users["host_member"]), NEEDS, base), 403)
    assert not Need.objects.exists()


def test_the_needs_list_filters_and_paginates(need, users, host, site, active_partnership, api_client_for):
    client = api_client_for(users["viewer"])
    page = client.get(NEEDS).json()
    assert page["count"] == 1 and page["items"][0]["status"] == "open"
    assert client.get(NEEDS, {"status": "met"}).json()["count"] == 0
    assert client.get(NEEDS, {"host": host.slug, "site": site.pk}).json()["count"] == 1
    assert client.get(NEEDS, {"host": "nobody"}).json()["count"] == 0
    assert_api_error(client.get(NEEDS, {"status": "forgotten"}), 400, fields=["status"])
    assert api_client_for(users["outsider"]).get(NEEDS).json()["count"] == 0


def test_a_page_of_needs_costs_the_same_as_one_need(
    need, users, host, site, active_partnership, api_client_for
):
    client = api_client_for(users["viewer"])
    client.get(NEEDS)
    with CaptureQueriesContext(connection) as one:
        client.get(NEEDS)
    for number in range(4):
        services.create_need(
            actor=users["host_admin"],
            author=host,
            site=site,
            data={**{name: getattr(need, name) for name in services.NEED_FIELDS}, "title": f"Need {number}"},
            lines=[(specialty("midwifery"), 1)],
        )
    with CaptureQueriesContext(connection) as five:
        assert client.get(NEEDS).json()["count"] == 5
    assert len(five.captured_queries) == len(one.captured_queries)


def test_a_need_is_read_changed_confirmed_and_withdrawn(
    need, mission, users, active_partnership, api_client_for
):
    url = f"{NEEDS}/{need.pk}"
    host_admin = api_client_for(users["host_admin"])
    body = api_client_for(users["member"]).get(url).json()
    assert [item["id"] for item in body["missions"]] == [mission.pk]
    assert_api_error(api_client_for(users["outsider"]).get(url), 404)
    assert_api_error(patch_json(api_client_for(users["coordinator"]), url, {"priority": 4}), 403)
    changed = patch_json(
        host_admin, url, {"priority": 4, "lines": [{"specialty": "general-surgery", "people": 1}]}
    )
    assert changed.status_code == 200
    assert (changed.json()["priority"], len(changed.json()["lines"])) == (4, 1)
    assert_api_error(post_json(host_admin, f"{url}/confirm", {}), 409, code="need_confirmed")
    assert_api_error(post_json(host_admin, f"{url}/withdraw", {"reason": ""}), 400, fields=["reason"])
    withdrawn = post_json(host_admin, f"{url}/withdraw", {"reason": "The ministry sent a team."})
    assert withdrawn.json()["status"] == "withdrawn"
    assert_api_error(patch_json(host_admin, url, {"priority": 1}), 409, code="need_withdrawn")


def test_the_host_admin_confirms_a_proposal(users, sending, site, active_partnership, api_client_for):
    proposal = services.create_need(
        actor=users["coordinator"],
        author=sending,
        site=site,
        data={
            "title": "Anaesthesia training",
            "description": "Train anaesthetic officers.",
            "earliest_start": datetime.date(2027, 7, 1),
            "latest_end": datetime.date(2027, 8, 31),
        },
        lines=[(specialty("anaesthesia"), 1)],
    )
    url = f"{NEEDS}/{proposal.pk}/confirm"
    assert_api_error(post_json(api_client_for(users["admin"]), url, {}), 403)
    assert post_json(api_client_for(users["host_admin"]), url, {}).json()["status"] == "open"


# Missions ---------------------------------------------------------------------------------------


def test_a_mission_is_drafted_and_read_with_the_callers_transitions(
    users, active_partnership, site, need, api_client_for
):
    created = post_json(
        api_client_for(users["coordinator"]), MISSIONS, mission_in(active_partnership, site, need)
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["status"], body["services"], body["host_confirmed"]) == ("draft", ["surgery"], False)
    assert body["needs"] == [{"id": need.pk, "title": need.title, "status": "open"}]
    assert body["allowed_transitions"] == ["submit", "cancel"]
    url = f"{MISSIONS}/{body['id']}"
    assert api_client_for(users["viewer"]).get(url).json()["allowed_transitions"] == []
    assert_api_error(api_client_for(users["outsider"]).get(url), 404)
    listing = api_client_for(users["host_member"]).get(MISSIONS, {"status": "draft"}).json()
    assert [item["id"] for item in listing["items"]] == [body["id"]]
    assert_api_error(api_client_for(users["host_member"]).get(MISSIONS, {"status": "dreaming"}), 400)


def test_creating_a_mission_refuses_what_the_rules_refuse(
    users, active_partnership, proposed_partnership, site, need, api_client_for
):
    client = api_client_for(users["coordinator"])
    base = mission_in(active_partnership, site, need)
    assert_api_error(
        post_json(client, MISSIONS, {**base, "services": ["spiritual-care"]}), 400, fields=["services"]
    )
    assert_api_error(
        post_json(client, MISSIONS, {**base, "services": ["fortune-telling"]}), 400, fields=["services"]
    )
    assert_api_error(post_json(client, MISSIONS, {**base, "needs": [need.pk + 100]}), 400, fields=["needs"])
    assert_api_error(post_json(client, MISSIONS, {**base, "capacity": 0}), 400, fields=["capacity"])
    assert_api_error(post_json(api_client_for(users["outsider"]), MISSIONS, base), 404)
    assert_api_error(post_json(api_client_for(users["member"]), MISSIONS, base), 403)
    assert not Mission.objects.exists()
    agreed = post_json(
        client, MISSIONS, {**base, "services": ["spiritual-care"], "spiritual_care_agreed": True}
    )
    assert agreed.status_code == 201


def test_a_mission_is_edited_until_people_hold_places(assignment, users, api_client_for):
    url = f"{MISSIONS}/{assignment.mission_id}"
    client = api_client_for(users["coordinator"])
    assert patch_json(client, url, {"capacity": 8}).json()["capacity"] == 8
    error = assert_api_error(patch_json(client, url, {"starts_on": "2027-05-04"}), 409, code="dates_locked")
    assert error["fields"] == {
        "starts_on": "The dates cannot change: 1 person already holds a place on this mission."
    }
    assert_api_error(patch_json(api_client_for(users["member"]), url, {"capacity": 9}), 403)


def test_transitions_run_and_refusals_say_why(mission, users, api_client_for):
    url = f"{MISSIONS}/{mission.pk}/transitions"
    coordinator = api_client_for(users["coordinator"])
    assert_api_error(post_json(coordinator, url, {"transition": "submit"}), 400, code="no_roles")
    services.add_role(
        mission,
        actor=users["coordinator"],
        data={
            "title": "Surgeon",
            "specialty": specialty("surgery"),
            "people_needed": 1,
            "scope_of_practice": "Hernias.",
        },
    )
    assert_api_error(post_json(coordinator, url, {"transition": "launch"}), 400, fields=["transition"])
    assert_api_error(post_json(coordinator, url, {"transition": "complete"}), 409, code="invalid_transition")
    assert post_json(coordinator, url, {"transition": "submit"}).json()["status"] == "awaiting_host"
    assert_api_error(post_json(coordinator, url, {"transition": "confirm"}), 403)
    confirmed = post_json(api_client_for(users["host_admin"]), url, {"transition": "confirm"}).json()
    assert (confirmed["status"], confirmed["host_confirmed"]) == ("recruiting", True)
    assert_api_error(post_json(coordinator, url, {"transition": "cancel"}), 400, fields=["reason"])
    cancelled = post_json(coordinator, url, {"transition": "cancel", "reason": "Security advisory."}).json()
    assert (cancelled["status"], cancelled["cancelled_reason"]) == ("cancelled", "Security advisory.")
    assert Mission.objects.get(pk=mission.pk).status == MissionStatus.CANCELLED


# Roles ------------------------------------------------------------------------------------------


def test_roles_are_listed_added_changed_and_deleted(mission, role, users, api_client_for):
    Course.objects.create(slug="cultural-briefing", title="Cultural briefing")
    base = f"{MISSIONS}/{mission.pk}/roles"
    client = api_client_for(users["coordinator"])
    assert [item["title"] for item in api_client_for(users["viewer"]).get(base).json()] == ["General surgeon"]
    created = post_json(client, base, {**ROLE_IN, "required_courses": ["cultural-briefing"]})
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["specialty"], body["filled"], body["extra_credentials"], body["required_courses"]) == (
        "theatre-nursing",
        0,
        ["bls"],
        ["cultural-briefing"],
    )
    assert_api_error(post_json(client, base, {**ROLE_IN, "people_needed": 9}), 400, fields=["people_needed"])
    assert_api_error(
        post_json(client, base, {**ROLE_IN, "specialty": "astrology"}), 400, fields=["specialty"]
    )
    assert_api_error(
        post_json(client, base, {**ROLE_IN, "required_courses": ["nope"]}), 400, fields=["required_courses"]
    )
    url = f"{base}/{body['id']}"
    changed = patch_json(client, url, {"people_needed": 2, "languages": []})
    assert (changed.json()["people_needed"], changed.json()["languages"]) == (2, [])
    assert_api_error(patch_json(api_client_for(users["member"]), url, {"people_needed": 1}), 403)
    assert client.delete(url).status_code == 204
    assert not Role.objects.filter(pk=body["id"]).exists()


def test_a_held_role_is_not_shrunk_deleted_or_reached_through_another_mission(
    assignment, users, api_client_for, active_partnership, site, need
):
    role = assignment.role
    client = api_client_for(users["coordinator"])
    url = f"{MISSIONS}/{assignment.mission_id}/roles/{role.pk}"
    Assignment.objects.create(
        mission=assignment.mission,
        role=role,
        person=Person.objects.create(full_name="Dr Two"),
        starts_on=START,
        ends_on=END,
    )
    assert_api_error(
        patch_json(client, url, {"people_needed": 1}), 409, code="role_places_taken", fields=["people_needed"]
    )
    assert_api_error(client.delete(url), 409, code="role_has_assignments")
    other = services.create_mission(
        actor=users["coordinator"],
        partnership=active_partnership,
        site=site,
        data={"title": "Other", "starts_on": START, "ends_on": END, "capacity": 2},
        needs=[need],
    )
    assert_api_error(client.delete(f"{MISSIONS}/{other.pk}/roles/{role.pk}"), 404)
    assert Role.objects.filter(pk=role.pk).exists()


def test_the_course_reference_list(users, sending, api_client_for):
    Course.objects.create(
        slug="cultural-briefing", title="Cultural briefing", organization=sending, valid_for_days=365
    )
    assert api_client_for(users["outsider"]).get("/api/v1/reference/courses").json() == [
        {
            "code": "cultural-briefing",
            "title": "Cultural briefing",
            "description": "",
            "organization": sending.slug,
            "valid_for_days": 365,
        }
    ]
