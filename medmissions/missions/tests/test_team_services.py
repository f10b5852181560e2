"""Team services: removing people frees their place, supervisors for trainees, announcements to the
team only, the message thread's rules, and calendar feeds (token reset, the .ics content)."""

import datetime

import pytest
from icalendar import Calendar

from medmissions.audit.models import AuditEntry
from medmissions.core.errors import Conflict, NotAllowed, ValidationFailed
from medmissions.missions import applications, board
from medmissions.missions import team as team_services
from medmissions.missions.choices import ApplicationStatus, AssignmentStatus, MissionStatus
from medmissions.missions.models import Announcement, Assignment, CalendarFeed, Mission, MissionMessage
from medmissions.volunteers.models import Person

from .conftest import END, START, specialty
from .test_team_support import assign, make_recruiting, volunteer

pytestmark = pytest.mark.django_db


@pytest.fixture
def recruiting(mission, role, users):
    return make_recruiting(mission, users)


def audit_count() -> int:
    return AuditEntry.objects.count()


# Removing people -------------------------------------------------------------------------------------


def test_removing_frees_the_place_so_another_application_can_be_accepted(
    recruiting, role, users, django_capture_on_commit_callbacks, mailoutbox
):
    amina = assign(role, volunteer("Amina"), users)
    assign(role, volunteer("Bruno"), users)
    waiting = applications.apply(role, actor=volunteer("Chen"), motivation="Surgery.")
    with pytest.raises(Conflict, match="The role is full"):
        applications.accept(waiting, actor=users["coordinator"])

    with django_capture_on_commit_callbacks(execute=True):
        team_services.remove_assignment(
            amina, actor=users["coordinator"], reason="The host needs a paediatric surgeon instead."
        )

    amina.refresh_from_db()
    assert amina.status == AssignmentStatus.REMOVED
    assert amina.removed_reason == "The host needs a paediatric surgeon instead."
    assert amina.removed_at is not None
    assert amina.application.status == ApplicationStatus.ACCEPTED
    assert [message.to for message in mailoutbox] == [["amina@example.org"]]
    assert "paediatric surgeon" in mailoutbox[0].body
    entry = AuditEntry.objects.get(action="missions.assignment.removed")
    assert entry.data["reason"] == "The host needs a paediatric surgeon instead."
    applications.accept(waiting, actor=users["coordinator"])
    assert Assignment.objects.filter(role=role, status=AssignmentStatus.ACTIVE).count() == 2


def test_removing_needs_a_manager_a_reason_and_a_mission_that_is_not_over(recruiting, role, users):
    assignment = assign(role, volunteer("Amina"), users)
    before = audit_count()
    for name in ("member", "viewer", "host_member", "outsider"):
        with pytest.raises(NotAllowed):
            team_services.remove_assignment(assignment, actor=users[name], reason="No.")
    with pytest.raises(ValidationFailed) as error:
        team_services.remove_assignment(assignment, actor=users["coordinator"], reason="  ")
    assert "reason" in error.value.fields
    for status in (MissionStatus.COMPLETED, MissionStatus.EVALUATED, MissionStatus.CANCELLED):
        Mission.objects.filter(pk=recruiting.pk).update(status=status)
        with pytest.raises(Conflict, match="Nobody is removed"):
            team_services.remove_assignment(assignment, actor=users["coordinator"], reason="Too late.")
    assert audit_count() == before
    assert Assignment.objects.get(pk=assignment.pk).status == AssignmentStatus.ACTIVE

    Mission.objects.filter(pk=recruiting.pk).update(status=MissionStatus.IN_FIELD)
    team_services.remove_assignment(assignment, actor=users["host_admin"], reason="Sent home ill.")
    with pytest.raises(Conflict, match="no longer on the team"):
        team_services.remove_assignment(assignment, actor=users["coordinator"], reason="Again.")


def test_removing_a_supervisor_leaves_their_trainee_without_one(recruiting, role, users):
    surgeon = assign(role, volunteer("Amina"), users)
    trainee = assign(role, volunteer("Tomas", trainee=True), users)
    team_services.set_supervisor(trainee, actor=users["coordinator"], supervisor=surgeon.person)
    team_services.remove_assignment(surgeon, actor=users["coordinator"], reason="Family emergency.")
    trainee.refresh_from_db()
    assert trainee.supervisor is None
    assert "supervisor" in board.unready_assignments(recruiting)[trainee.pk]


# Supervisors ---------------------------------------------------------------------------------------


def test_a_trainee_gets_a_qualified_supervisor_from_the_same_team(
    recruiting, role, users, django_capture_on_commit_callbacks, mailoutbox
):
    surgeon = assign(role, volunteer("Amina"), users)
    trainee = assign(role, volunteer("Tomas", trainee=True), users)
    outsider = Person.objects.create(full_name="Not On The Team", profession=specialty("medicine"))
    before = audit_count()

    with pytest.raises(NotAllowed):
        team_services.set_supervisor(trainee, actor=users["member"], supervisor=surgeon.person)
    for wrong in (trainee.person, outsider):
        with pytest.raises(ValidationFailed) as error:
            team_services.set_supervisor(trainee, actor=users["coordinator"], supervisor=wrong)
        assert "supervisor" in error.value.fields
    with pytest.raises(ValidationFailed, match="Only trainees"):
        team_services.set_supervisor(surgeon, actor=users["coordinator"], supervisor=trainee.person)
    assert audit_count() == before

    with django_capture_on_commit_callbacks(execute=True):
        team_services.set_supervisor(trainee, actor=users["coordinator"], supervisor=surgeon.person)
    trainee.refresh_from_db()
    assert trainee.supervisor == surgeon.person
    assert [message.to for message in mailoutbox] == [["tomas@example.org"]]
    assert "Amina" in mailoutbox[0].body
    assert AuditEntry.objects.filter(action="missions.assignment.supervisor_named").count() == 1
    assert "supervisor" not in board.unready_assignments(recruiting).get(trainee.pk, [])

    team_services.set_supervisor(trainee, actor=users["host_admin"], supervisor=None)
    assert Assignment.objects.get(pk=trainee.pk).supervisor is None
    assert AuditEntry.objects.filter(action="missions.assignment.supervisor_cleared").count() == 1


def test_another_trainee_cannot_supervise(recruiting, role, users):
    role.people_needed = 3
    role.save(update_fields=["people_needed"])
    trainee = assign(role, volunteer("Tomas", trainee=True), users)
    other_trainee = assign(role, volunteer("Ursula", trainee=True), users)
    with pytest.raises(ValidationFailed, match="fully qualified"):
        team_services.set_supervisor(trainee, actor=users["coordinator"], supervisor=other_trainee.person)


# Announcements ----------------------------------------------------------------------------------------


def test_announcements_are_mailed_to_the_team_only(
    recruiting, role, users, django_capture_on_commit_callbacks, mailoutbox
):
    role.people_needed = 3
    role.save(update_fields=["people_needed"])
    assign(role, volunteer("Amina"), users)
    assign(role, volunteer("Bruno", language="fr"), users)
    no_account = Person.objects.create(
        full_name="Joseph Mutua", email="joseph.mutua@example.org", profession=specialty("medicine")
    )
    Assignment.objects.create(mission=recruiting, role=role, person=no_account, starts_on=START, ends_on=END)
    applications.apply(role, actor=volunteer("Chen"), motivation="Only applied.")

    with pytest.raises(NotAllowed):
        team_services.post_announcement(recruiting, actor=users["member"], subject="Hi", body="Hello.")
    with pytest.raises(ValidationFailed) as error:
        team_services.post_announcement(recruiting, actor=users["coordinator"], subject=" ", body="")
    assert set(error.value.fields) == {"subject", "body"}
    assert not Announcement.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        announcement = team_services.post_announcement(
            recruiting,
            actor=users["coordinator"],
            subject="Visas",
            body="Apply for your visa before 1 April.",
        )
    recipients = sorted(address for message in mailoutbox for address in message.to)
    assert recipients == ["amina@example.org", "bruno@example.org", "joseph.mutua@example.org"]
    assert all("Apply for your visa before 1 April." in message.body for message in mailoutbox)
    assert all("Visas" in message.subject for message in mailoutbox)
    entry = AuditEntry.objects.get(action="missions.announcement.posted")
    assert entry.data["recipients"] == 3
    assert announcement.author == users["coordinator"]


def test_recent_announcements_for_the_dashboard(recruiting, role, users):
    amina = volunteer("Amina")
    assignment = assign(role, amina, users)
    for number in range(7):
        team_services.post_announcement(
            recruiting, actor=users["coordinator"], subject=f"Update {number}", body="News."
        )
    recent = team_services.recent_announcements_for(amina)
    assert [item.subject for item in recent] == [f"Update {number}" for number in (6, 5, 4, 3, 2)]
    assert team_services.recent_announcements_for(amina, limit=2)[0].mission == recruiting
    assert team_services.recent_announcements_for(users["coordinator"]) == []
    team_services.remove_assignment(assignment, actor=users["coordinator"], reason="Plans changed.")
    assert team_services.recent_announcements_for(amina) == []


# The message thread -----------------------------------------------------------------------------------


def test_messages_need_a_body_of_at_most_5000_characters_from_the_team_or_the_parties(
    recruiting, role, users
):
    amina = volunteer("Amina")
    assign(role, amina, users)
    for empty in ("", "   \n"):
        with pytest.raises(ValidationFailed) as error:
            team_services.post_message(recruiting, actor=amina, body=empty)
        assert "body" in error.value.fields
    with pytest.raises(ValidationFailed, match="5000"):
        team_services.post_message(recruiting, actor=amina, body="x" * 5001)
    for stranger in (users["outsider"], volunteer("Chen")):
        with pytest.raises(NotAllowed):
            team_services.post_message(recruiting, actor=stranger, body="Hello?")
    assert not MissionMessage.objects.exists()

    team_services.post_message(recruiting, actor=amina, body="x" * 5000)
    team_services.post_message(recruiting, actor=users["host_member"], body="  Welcome to Mbale!  ")
    team_services.post_message(recruiting, actor=users["viewer"], body="Noted.")
    assert list(MissionMessage.objects.values_list("body", flat=True))[1:] == ["Welcome to Mbale!", "Noted."]
    entry = AuditEntry.objects.filter(action="missions.message.posted").last()
    assert "Noted." not in str(entry.data)


# Calendar feeds ---------------------------------------------------------------------------------------


def test_resetting_the_feed_token_invalidates_the_old_address(recruiting, role, users, client, settings):
    amina = volunteer("Amina")
    assign(role, amina, users)
    feed = team_services.create_calendar_feed(amina)
    assert len(feed.token) == 43
    assert team_services.create_calendar_feed(amina).token == feed.token
    old_url = team_services.calendar_feed_url(feed)
    path = old_url.removeprefix(settings.SITE_URL)
    assert client.get(path).status_code == 200

    reset = team_services.reset_calendar_feed(amina)
    assert reset.pk == feed.pk and reset.token != feed.token and len(reset.token) == 43
    assert client.get(path).status_code == 404
    new_path = team_services.calendar_feed_url(reset).removeprefix(settings.SITE_URL)
    assert client.get(new_path).status_code == 200
    actions = list(
        AuditEntry.objects.filter(action__startswith="missions.calendar_feed")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["missions.calendar_feed.created", "missions.calendar_feed.reset"]
    assert feed.token not in str(list(AuditEntry.objects.values_list("data", "changes")))


def test_a_reset_without_a_feed_creates_one(users):
    feed = team_services.reset_calendar_feed(users["member"])
    assert CalendarFeed.objects.get(user=users["member"]).token == feed.token


def _events(body: bytes):
    return list(Calendar.from_ical(body).walk("VEVENT"))


def test_the_ics_has_one_all_day_event_per_active_assignment(recruiting, role, users, settings):
    settings.SITE_URL = "https://medmissions.example"
    amina = volunteer("Amina")
    assignment = assign(role, amina, users)

    calendar = Calendar.from_ical(team_services.build_calendar(amina))
    assert str(calendar["X-WR-CALNAME"])
    (event,) = _events(team_services.build_calendar(amina))
    assert event.decoded("DTSTART") == START
    assert event.decoded("DTEND") == END + datetime.timedelta(days=1)
    assert isinstance(event.decoded("DTSTART"), datetime.date)
    assert not isinstance(event.decoded("DTSTART"), datetime.datetime)
    assert str(event["SUMMARY"]) == "Mbale surgical camp, May 2027 — General surgeon"
    assert str(event["LOCATION"]) == "Mbale outpatient clinic, Mbale, Uganda"
    assert f"https://medmissions.example/missions/{recruiting.pk}/" in str(event["DESCRIPTION"])
    assert str(event["UID"]) == f"assignment-{assignment.pk}@medmissions.example"
    assert str(event["STATUS"]) == "TENTATIVE"

    Mission.objects.filter(pk=recruiting.pk).update(status=MissionStatus.READY)
    (event,) = _events(team_services.build_calendar(amina))
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["UID"]) == f"assignment-{assignment.pk}@medmissions.example"

    Mission.objects.filter(pk=recruiting.pk).update(status=MissionStatus.CANCELLED)
    assert _events(team_services.build_calendar(amina)) == []
    Mission.objects.filter(pk=recruiting.pk).update(status=MissionStatus.RECRUITING)
    team_services.remove_assignment(assignment, actor=users["coordinator"], reason="Plans changed.")
    assert _events(team_services.build_calendar(amina)) == []
