"""Team pages: the readiness board for each viewer, waiving through the page, supervisors, removal,
announcements, the message thread (with and without htmx) and the calendar page and feed."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from medmissions.audit.models import AuditEntry
from medmissions.missions import services
from medmissions.missions import team as team_services
from medmissions.missions.choices import AssignmentStatus, MissionStatus
from medmissions.missions.models import (
    Announcement,
    Assignment,
    CalendarFeed,
    Mission,
    MissionMessage,
    RequirementWaiver,
)
from medmissions.volunteers.models import Person

from .conftest import END, START, specialty
from .test_team_support import assign, make_recruiting, volunteer

pytestmark = pytest.mark.django_db


@pytest.fixture
def recruiting(mission, role, users):
    return make_recruiting(mission, users)


@pytest.fixture
def amina(recruiting, role, users):
    user = volunteer("Amina")
    assign(role, user, users)
    return user


@pytest.fixture
def bruno_assignment(recruiting, role, users):
    return assign(role, volunteer("Bruno"), users)


def team_url(mission) -> str:
    return reverse("missions:team", args=[mission.pk])


def passport_waived(assignment) -> bool:
    return RequirementWaiver.objects.filter(
        assignment=assignment, requirement_key="credential:passport"
    ).exists()


# The tab ---------------------------------------------------------------------------------------------


def test_parties_see_every_row_the_volunteer_only_their_own_and_outsiders_nothing(
    recruiting, amina, bruno_assignment, users, client_for
):
    for name in ("admin", "viewer", "host_admin", "host_member"):
        response = client_for(users[name]).get(team_url(recruiting))
        assert response.status_code == 200
        page = response.content.decode()
        assert "0 of 2 assignments ready" in page
        assert "Amina" in page and "Bruno" in page
        assert "Passport" in page
    response = client_for(amina).get(team_url(recruiting))
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [row.assignment.person.user for row in rows] == [amina]
    assert "Your readiness" in response.content.decode()
    # The roster names the team without their readiness.
    assert [assignment.person.full_name for assignment in response.context["roster"]] == ["Amina", "Bruno"]
    assert client_for(users["outsider"]).get(team_url(recruiting)).status_code == 404
    assert client_for(volunteer("Chen")).get(team_url(recruiting)).status_code == 404


def test_only_host_admins_get_waive_forms_and_managers_the_removal_links(
    recruiting, amina, users, client_for
):
    host_admin = client_for(users["host_admin"]).get(team_url(recruiting)).content.decode()
    assert reverse("missions:waive", args=[recruiting.assignments.get().pk]) in host_admin
    coordinator = client_for(users["coordinator"]).get(team_url(recruiting)).content.decode()
    assert "missions/assignments/" in coordinator and "/waive/" not in coordinator
    assert "/remove/" in coordinator
    viewer = client_for(users["viewer"]).get(team_url(recruiting)).content.decode()
    assert "/waive/" not in viewer and "/remove/" not in viewer and "Send to the team" not in viewer


# Waivers ---------------------------------------------------------------------------------------------


def test_the_host_waives_through_the_page_and_the_mission_can_then_be_ready(
    recruiting, amina, users, client_for
):
    assignment = recruiting.assignments.get()
    client = client_for(users["host_admin"])
    blocking = [check.key for check in client.get(team_url(recruiting)).context["rows"][0].blocking]
    assert "credential:passport" in blocking
    for key in blocking:
        response = client.post(
            reverse("missions:waive", args=[assignment.pk]),
            {"requirement_key": key, "reason": "The host vouches; documents checked on arrival."},
        )
        assert response.status_code == 302
        assert response["Location"].endswith(f"#assignment-{assignment.pk}")
    assert AuditEntry.objects.filter(action="missions.requirement.waived").count() == len(blocking)
    page = client.get(team_url(recruiting)).content.decode()
    assert "1 of 1 assignment ready" in page
    assert "Waived by Host Admin" in page
    services.mark_ready(recruiting, actor=users["coordinator"])
    assert Mission.objects.get(pk=recruiting.pk).status == MissionStatus.READY


def test_a_waiver_without_a_reason_is_refused_on_the_page(recruiting, amina, users, client_for):
    assignment = recruiting.assignments.get()
    response = client_for(users["host_admin"]).post(
        reverse("missions:waive", args=[assignment.pk]),
        {"requirement_key": "credential:passport", "reason": "  "},
    )
    assert response.status_code == 400
    assert response.context["failed"].form.errors["reason"]
    assert not RequirementWaiver.objects.exists()
    response = client_for(users["host_admin"]).post(
        reverse("missions:waive", args=[assignment.pk]),
        {"requirement_key": "no-such-requirement", "reason": "Because."},
    )
    assert response.status_code == 400
    assert "only unmet requirements can be waived" in response.content.decode()
    for name in ("admin", "host_member"):
        response = client_for(users[name]).post(
            reverse("missions:waive", args=[assignment.pk]),
            {"requirement_key": "credential:passport", "reason": "We vouch."},
        )
        assert response.status_code == 403
    assert not RequirementWaiver.objects.exists()


def test_the_host_revokes_a_waiver(recruiting, amina, users, client_for):
    assignment = recruiting.assignments.get()
    client = client_for(users["host_admin"])
    client.post(
        reverse("missions:waive", args=[assignment.pk]),
        {"requirement_key": "credential:passport", "reason": "Vouched."},
    )
    waiver = RequirementWaiver.objects.get()
    assert (
        client_for(users["coordinator"]).post(reverse("missions:waiver_revoke", args=[waiver.pk])).status_code
        == 403
    )
    assert client.post(reverse("missions:waiver_revoke", args=[waiver.pk])).status_code == 302
    assert not passport_waived(assignment)
    assert (
        client_for(users["outsider"]).post(reverse("missions:waiver_revoke", args=[waiver.pk])).status_code
        == 404
    )


# Supervisors and removal ----------------------------------------------------------------------------------


def test_a_coordinator_names_a_supervisor_for_a_trainee_on_the_page(
    recruiting, role, users, client_for, django_capture_on_commit_callbacks, mailoutbox
):
    surgeon = assign(role, volunteer("Amina"), users)
    trainee = assign(role, volunteer("Tomas", trainee=True), users)
    client = client_for(users["coordinator"])
    page = client.get(team_url(recruiting))
    (form,) = [row.supervisor_form for row in page.context["rows"] if row.supervisor_form]
    assert [value for value, _label in form.fields["supervisor"].choices] == ["", surgeon.person_id]
    url = reverse("missions:assignment_supervisor", args=[trainee.pk])
    response = client.post(url, {"supervisor": str(trainee.person_id)})
    assert response.status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"supervisor": str(surgeon.person_id)})
    assert response.status_code == 302
    assert Assignment.objects.get(pk=trainee.pk).supervisor_id == surgeon.person_id
    assert mailoutbox[-1].to == ["tomas@example.org"]
    assert client.post(url, {"supervisor": ""}).status_code == 302
    assert Assignment.objects.get(pk=trainee.pk).supervisor_id is None
    assert client_for(users["member"]).post(url, {"supervisor": str(surgeon.person_id)}).status_code == 403


def test_removing_someone_asks_for_a_reason_and_frees_the_place(
    recruiting, amina, users, client_for, django_capture_on_commit_callbacks, mailoutbox
):
    assignment = recruiting.assignments.get()
    url = reverse("missions:assignment_remove", args=[assignment.pk])
    client = client_for(users["coordinator"])
    assert "Amina" in client.get(url).content.decode()
    assert client.post(url, {"reason": ""}).status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"reason": "The host asked for a paediatric surgeon."})
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.REMOVED
    assert mailoutbox[-1].to == ["amina@example.org"]
    assert client_for(amina).get(team_url(recruiting)).status_code == 404
    response = client.post(url, {"reason": "Again."})
    assert response.status_code == 400
    assert "no longer on the team" in response.content.decode()


# Announcements ------------------------------------------------------------------------------------------


def test_a_coordinator_announces_from_the_tab_and_the_team_reads_it_there(
    recruiting, amina, users, client_for, django_capture_on_commit_callbacks, mailoutbox
):
    url = reverse("missions:announce", args=[recruiting.pk])
    client = client_for(users["coordinator"])
    assert client.post(url, {"subject": "", "body": ""}).status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"subject": "Visas", "body": "Apply before 1 April."})
    assert response.status_code == 302
    assert [message.to for message in mailoutbox] == [["amina@example.org"]]
    page = client_for(amina).get(team_url(recruiting)).content.decode()
    assert "Visas" in page and "Apply before 1 April." in page
    assert "Africa/Kampala" in page
    assert client_for(amina).post(url, {"subject": "Hi", "body": "Me too."}).status_code == 403
    assert Announcement.objects.count() == 1


# The message thread ------------------------------------------------------------------------------------


def test_posting_without_javascript_redirects_to_the_thread(recruiting, amina, client_for):
    url = reverse("missions:messages", args=[recruiting.pk])
    client = client_for(amina)
    response = client.post(url, {"body": "Who brings headlamps?"})
    assert response.status_code == 302
    assert response["Location"] == url + "#latest"
    page = client.get(url)
    assert "Who brings headlamps?" in page.content.decode()
    assert "<html" in page.content.decode()
    assert client.post(url, {"body": "   "}).status_code == 400


def test_an_htmx_post_answers_with_the_updated_thread_only(recruiting, amina, users, client_for):
    url = reverse("missions:messages", args=[recruiting.pk])
    client_for(users["host_member"]).post(url, {"body": "Welcome to Mbale."})
    response = client_for(amina).post(url, {"body": "Thank you!"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    fragment = response.content.decode()
    assert fragment.lstrip().startswith('<div id="thread">')
    assert "<html" not in fragment
    assert fragment.index("Welcome to Mbale.") < fragment.index("Thank you!")
    assert "Host Member" in fragment and "Africa/Kampala" in fragment
    assert "HX-Request" in response["Vary"]
    response = client_for(amina).post(url, {"body": ""}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert MissionMessage.objects.count() == 2


def test_the_thread_shows_the_latest_200_with_a_link_to_older_ones(recruiting, amina, client_for):
    author = amina
    MissionMessage.objects.bulk_create(
        [MissionMessage(mission=recruiting, author=author, body=f"Message {number}") for number in range(205)]
    )
    url = reverse("missions:messages", args=[recruiting.pk])
    response = client_for(amina).get(url)
    thread = response.context["thread"]
    assert len(thread) == 200
    assert thread[0].body == "Message 5" and thread[-1].body == "Message 204"
    older = response.context["older_url"]
    assert older
    response = client_for(amina).get(url + older)
    assert [message.body for message in response.context["thread"]] == [f"Message {n}" for n in range(5)]
    assert response.context["older_url"] is None


def test_outsiders_cannot_read_the_thread(recruiting, users, client_for):
    url = reverse("missions:messages", args=[recruiting.pk])
    assert client_for(users["outsider"]).get(url).status_code == 404
    assert client_for(users["outsider"]).post(url, {"body": "Hi"}).status_code == 404


# Calendar ------------------------------------------------------------------------------------------------


def test_the_calendar_page_creates_and_resets_the_address(recruiting, amina, client_for, settings):
    settings.SITE_URL = "https://medmissions.example"
    client = client_for(amina)
    page = client.get(reverse("missions:calendar"))
    assert page.context["feed"] is None
    assert "Mbale surgical camp, May 2027" in page.content.decode()
    assert client.post(reverse("missions:calendar")).status_code == 302
    token = CalendarFeed.objects.get(user=amina).token
    page = client.get(reverse("missions:calendar")).content.decode()
    assert f"https://medmissions.example/missions/calendar/{token}.ics" in page
    response = client.get(reverse("missions:calendar_feed", args=[token]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert b"BEGIN:VEVENT" in response.content
    assert client.post(reverse("missions:calendar_reset")).status_code == 302
    assert client.get(reverse("missions:calendar_feed", args=[token])).status_code == 404


def test_the_feed_of_a_deactivated_account_is_gone(recruiting, amina, client):
    feed = team_services.create_calendar_feed(amina)
    amina.is_active = False
    amina.save(update_fields=["is_active"])
    assert client.get(reverse("missions:calendar_feed", args=[feed.token])).status_code == 404


# Queries ------------------------------------------------------------------------------------------------


def _fill_role(mission, role, count: int, *, trainees: int = 0, waived_by=None) -> None:
    for number in range(count):
        person = Person.objects.create(
            full_name=f"Surgeon {number:02d}",
            profession=specialty("medicine"),
            is_trainee=number < trainees,
        )
        assignment = Assignment.objects.create(
            mission=mission, role=role, person=person, starts_on=START, ends_on=END
        )
        RequirementWaiver.objects.create(
            assignment=assignment,
            requirement_key="credential:passport",
            reason="Vouched.",
            waived_by=waived_by,
        )


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize("persona", ["host_admin", "coordinator"])
def test_the_board_costs_the_same_number_of_queries_for_one_person_or_many(
    recruiting, role, users, client_for, persona
):
    role.people_needed = 6
    role.save(update_fields=["people_needed"])
    client = client_for(users[persona])
    url = team_url(recruiting)
    _fill_role(recruiting, role, 2, trainees=1, waived_by=users["host_admin"])
    client.get(url)  # warm caches (content types, sessions)
    few = _queries(client, url)
    _fill_role(recruiting, role, 4, trainees=2, waived_by=users["admin"])
    assert recruiting.assignments.count() == 6
    many = _queries(client, url)
    assert many == few, (few, many)
