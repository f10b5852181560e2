"""Team API: readiness, waivers, supervisors, removal, announcements, messages and the calendar feed,
with their 400/403/404/409 answers."""

import pytest

from medmissions.missions.choices import AssignmentStatus, MissionStatus
from medmissions.missions.models import Announcement, Assignment, Mission, MissionMessage, RequirementWaiver
from medmissions.testing import assert_api_error, post_json

from .test_team_support import assign, make_recruiting, volunteer

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.fixture
def recruiting(mission, role, users):
    return make_recruiting(mission, users)


@pytest.fixture
def amina(recruiting, role, users):
    user = volunteer("Amina")
    assign(role, user, users)
    return user


@pytest.fixture
def assignment(amina):
    return Assignment.objects.get(person__user=amina)


# Readiness and waivers ---------------------------------------------------------------------------------


def test_readiness_lists_every_row_for_parties_and_only_their_own_for_the_team(
    recruiting, role, amina, users, api_client_for
):
    assign(role, volunteer("Bruno"), users)
    url = f"{API}/missions/{recruiting.pk}/readiness"
    body = api_client_for(users["host_member"]).get(url).json()
    assert body["total"] == 2 and body["ready"] == 0 and body["mission_status"] == "recruiting"
    assert [row["person_name"] for row in body["rows"]] == ["Amina", "Bruno"]
    passport = next(check for check in body["rows"][0]["checks"] if check["key"] == "credential:passport")
    assert passport["met"] is False and passport["waived"] is False and passport["reason"]
    own = api_client_for(amina).get(url).json()
    assert [row["person_name"] for row in own["rows"]] == ["Amina"]
    assert_api_error(api_client_for(users["outsider"]).get(url), 404, "not_found")
    assert_api_error(api_client_for(volunteer("Chen")).get(url), 404)
    assert_api_error(api_client_for(None).get(url), 401)


def test_host_admins_waive_and_revoke(recruiting, assignment, users, api_client_for):
    url = f"{API}/missions/{recruiting.pk}/waivers"
    payload = {"assignment": assignment.pk, "requirement_key": "credential:passport", "reason": "Vouched."}
    host_admin = api_client_for(users["host_admin"])
    assert_api_error(post_json(api_client_for(users["admin"]), url, payload), 403, "not_host_admin")
    assert_api_error(post_json(api_client_for(users["outsider"]), url, payload), 404)
    assert_api_error(post_json(host_admin, url, {**payload, "reason": " "}), 400, fields=["reason"])
    assert_api_error(
        post_json(host_admin, url, {**payload, "requirement_key": "nope"}), 400, fields=["requirement_key"]
    )
    assert_api_error(
        post_json(host_admin, url, {**payload, "assignment": 999999}), 400, fields=["assignment"]
    )
    assert_api_error(post_json(host_admin, url, {"assignment": assignment.pk}), 400)
    assert not RequirementWaiver.objects.exists()

    response = post_json(host_admin, url, payload)
    assert response.status_code == 201, response.content
    waiver = response.json()
    assert waiver["waived_by"] == "Host Admin" and waiver["requirement_key"] == "credential:passport"
    assert_api_error(post_json(host_admin, url, payload), 409, "already_waived")
    readiness = host_admin.get(f"{API}/missions/{recruiting.pk}/readiness").json()
    passport = next(c for c in readiness["rows"][0]["checks"] if c["key"] == "credential:passport")
    assert passport["waived"] is True
    assert readiness["rows"][0]["waivers"][0]["reason"] == "Vouched."

    delete_url = f"{url}/{waiver['id']}"
    assert_api_error(api_client_for(users["coordinator"]).delete(delete_url), 403)
    assert_api_error(host_admin.delete(f"{url}/999999"), 404)
    assert host_admin.delete(delete_url).status_code == 204
    assert not RequirementWaiver.objects.exists()
    assert_api_error(host_admin.delete(delete_url), 404)


def test_waivers_are_only_for_open_missions(recruiting, assignment, users, api_client_for):
    Mission.objects.filter(pk=recruiting.pk).update(status=MissionStatus.COMPLETED)
    response = post_json(
        api_client_for(users["host_admin"]),
        f"{API}/missions/{recruiting.pk}/waivers",
        {"assignment": assignment.pk, "requirement_key": "credential:passport", "reason": "Vouched."},
    )
    assert_api_error(response, 409, "not_open")


# Supervisors and removal --------------------------------------------------------------------------------


def test_naming_and_clearing_a_supervisor(recruiting, role, assignment, users, api_client_for):
    trainee = assign(role, volunteer("Tomas", trainee=True), users)
    url = f"{API}/assignments/{trainee.pk}/supervisor"
    coordinator = api_client_for(users["coordinator"])
    assert_api_error(
        post_json(api_client_for(users["member"]), url, {"supervisor": assignment.person_id}), 403
    )
    assert_api_error(
        post_json(api_client_for(users["outsider"]), url, {"supervisor": assignment.person_id}), 404
    )
    assert_api_error(post_json(coordinator, url, {"supervisor": 999999}), 400, fields=["supervisor"])
    assert_api_error(
        post_json(coordinator, url, {"supervisor": trainee.person_id}), 400, fields=["supervisor"]
    )
    assert_api_error(post_json(coordinator, url, {}), 400)

    response = post_json(coordinator, url, {"supervisor": assignment.person_id})
    assert response.status_code == 200, response.content
    assert response.json()["supervisor_name"] == "Amina"
    response = post_json(coordinator, url, {"supervisor": None})
    assert response.json()["supervisor"] is None
    assert_api_error(
        post_json(
            coordinator, f"{API}/assignments/{assignment.pk}/supervisor", {"supervisor": trainee.person_id}
        ),
        400,
        fields=["supervisor"],
    )


def test_removing_through_the_api(recruiting, assignment, users, api_client_for, amina):
    url = f"{API}/assignments/{assignment.pk}/remove"
    coordinator = api_client_for(users["coordinator"])
    assert_api_error(post_json(api_client_for(users["viewer"]), url, {"reason": "No."}), 403)
    assert_api_error(post_json(api_client_for(amina), url, {"reason": "I quit."}), 403)
    assert_api_error(post_json(api_client_for(users["outsider"]), url, {"reason": "No."}), 404)
    assert_api_error(post_json(coordinator, url, {"reason": ""}), 400, fields=["reason"])
    response = post_json(coordinator, url, {"reason": "The host asked for a paediatric surgeon."})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == AssignmentStatus.REMOVED and body["removed_reason"].startswith("The host")
    assert_api_error(post_json(coordinator, url, {"reason": "Again."}), 409, "assignment_closed")


def test_nobody_is_removed_once_the_mission_is_over(recruiting, assignment, users, api_client_for):
    Mission.objects.filter(pk=recruiting.pk).update(status=MissionStatus.EVALUATED)
    response = post_json(
        api_client_for(users["coordinator"]), f"{API}/assignments/{assignment.pk}/remove", {"reason": "Late."}
    )
    assert_api_error(response, 409, "mission_closed")


# Announcements and messages -------------------------------------------------------------------------------


def test_announcements(
    recruiting, amina, users, api_client_for, django_capture_on_commit_callbacks, mailoutbox
):
    url = f"{API}/missions/{recruiting.pk}/announcements"
    coordinator = api_client_for(users["coordinator"])
    assert_api_error(post_json(api_client_for(users["member"]), url, {"subject": "Hi", "body": "x"}), 403)
    assert_api_error(post_json(api_client_for(amina), url, {"subject": "Hi", "body": "x"}), 403)
    assert_api_error(post_json(api_client_for(users["outsider"]), url, {"subject": "Hi", "body": "x"}), 404)
    assert_api_error(
        post_json(coordinator, url, {"subject": "", "body": ""}), 400, fields=["subject", "body"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = post_json(coordinator, url, {"subject": "Visas", "body": "Apply now."})
    assert response.status_code == 201, response.content
    assert response.json()["author_name"] == "Coordinator"
    assert [message.to for message in mailoutbox] == [["amina@example.org"]]
    post_json(coordinator, url, {"subject": "Flights", "body": "Book them."})
    listing = api_client_for(amina).get(url).json()
    assert listing["count"] == 2
    assert [item["subject"] for item in listing["items"]] == ["Flights", "Visas"]
    assert_api_error(api_client_for(users["outsider"]).get(url), 404)
    assert Announcement.objects.count() == 2


def test_messages(recruiting, amina, users, api_client_for):
    url = f"{API}/missions/{recruiting.pk}/messages"
    client = api_client_for(amina)
    assert_api_error(post_json(client, url, {"body": "  "}), 400, fields=["body"])
    assert_api_error(post_json(client, url, {"body": "x" * 5001}), 400, fields=["body"])
    assert_api_error(post_json(api_client_for(users["outsider"]), url, {"body": "Hi"}), 404)
    assert_api_error(post_json(api_client_for(volunteer("Chen")), url, {"body": "Hi"}), 404)
    first = post_json(client, url, {"body": "Who brings headlamps?"})
    assert first.status_code == 201 and first.json()["author_name"] == "Amina"
    post_json(api_client_for(users["host_member"]), url, {"body": "We have some."})
    listing = api_client_for(users["viewer"]).get(url).json()
    assert listing["count"] == 2
    assert [item["body"] for item in listing["items"]] == ["We have some.", "Who brings headlamps?"]
    assert MissionMessage.objects.count() == 2
    assert_api_error(api_client_for(users["outsider"]).get(url), 404)


# Calendar ------------------------------------------------------------------------------------------------


def test_the_calendar_address_is_created_and_replaced(amina, api_client_for, client, settings):
    settings.SITE_URL = "https://medmissions.example"
    api_client = api_client_for(amina)
    assert api_client.get(f"{API}/calendar").json() == {"url": None, "created_at": None}
    created = api_client.post(f"{API}/calendar")
    assert created.status_code == 201
    first_url = created.json()["url"]
    assert first_url.startswith("https://medmissions.example/missions/calendar/") and first_url.endswith(
        ".ics"
    )
    assert api_client.get(f"{API}/calendar").json()["url"] == first_url
    second_url = api_client.post(f"{API}/calendar").json()["url"]
    assert second_url != first_url
    assert client.get(first_url.removeprefix(settings.SITE_URL)).status_code == 404
    assert client.get(second_url.removeprefix(settings.SITE_URL)).status_code == 200
    assert_api_error(client.get(f"{API}/calendar"), 401)
