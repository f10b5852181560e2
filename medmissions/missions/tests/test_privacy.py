"""A person's missions data is in their export, and erasing the account removes what they wrote."""

from decimal import Decimal

import pytest

from medmissions.missions import applications, services
from medmissions.missions.models import (
    Application,
    CalendarFeed,
    Completion,
    Course,
    MissionMessage,
    SavedSearch,
)
from medmissions.volunteers import privacy
from medmissions.volunteers.models import Person

pytestmark = pytest.mark.django_db


@pytest.fixture
def volunteer(db):
    from medmissions.conftest import make_user

    return make_user("nadia@example.org", "Nadia Okafor")


@pytest.fixture
def recruiting(mission, role, users):
    services.submit_for_host_confirmation(mission, actor=users["coordinator"])
    return services.host_confirm(mission, actor=users["host_admin"])


@pytest.fixture
def history(recruiting, role, users, volunteer):
    application = applications.apply(role, actor=volunteer, motivation="I led two hernia camps in Tororo.")
    assignment = applications.accept(application, actor=users["coordinator"], message="Welcome aboard.")
    assignment.hours, assignment.hours_note = Decimal("40.5"), "Two long list days."
    assignment.save()
    person = Person.objects.get(user=volunteer)
    course = Course.objects.create(slug="security", title="Security briefing")
    Completion.objects.create(person=person, course=course, completed_on="2027-04-01")
    SavedSearch.objects.create(user=volunteer, name="Surgery", filters={"specialty": "surgery"})
    MissionMessage.objects.create(mission=recruiting, author=volunteer, body="Landing on Sunday at 14:00.")
    CalendarFeed.objects.create(user=volunteer, token="t" * 43)
    return assignment


def test_the_export_holds_applications_assignments_courses_searches_and_messages(history, volunteer):
    data = privacy.export_personal_data(volunteer, actor=volunteer)

    (application,) = data["applications"]
    assert application["motivation"] == "I led two hernia camps in Tororo."
    assert application["message_from_coordinator"] == "Welcome aboard."
    (assignment,) = data["assignments"]
    assert (assignment["hours"], assignment["hours_note"]) == ("40.5", "Two long list days.")
    assert [row["course"] for row in data["course_completions"]] == ["security"]
    assert [row["name"] for row in data["saved_searches"]] == ["Surgery"]
    assert [row["message"] for row in data["mission_messages"]] == ["Landing on Sunday at 14:00."]
    assert data["calendar_feed"] is True


def test_erasure_removes_what_the_person_wrote_and_keeps_the_mission_history(history, volunteer):
    privacy.erase_account(volunteer, actor=volunteer)

    application = Application.objects.get()
    assert application.motivation == ""
    history.refresh_from_db()
    assert history.hours == Decimal("40.5") and history.hours_note == ""
    assert not Completion.objects.exists()
    assert not SavedSearch.objects.exists()
    assert not CalendarFeed.objects.exists()
    assert "Sunday" not in MissionMessage.objects.get().body


def test_erasure_keeps_the_hours_in_the_audit_trail_but_not_the_notes(recruiting, role, users, volunteer):
    from medmissions.audit.models import AuditEntry
    from medmissions.missions import closeout
    from medmissions.missions.models import Mission

    application = applications.apply(role, actor=volunteer, motivation="Tororo.")
    assignment = applications.accept(application, actor=users["coordinator"])
    Mission.objects.filter(pk=recruiting.pk).update(status="in_field")
    closeout.log_hours(
        assignment, actor=volunteer, hours=Decimal("12"), note="Night shifts at the maternity."
    )

    privacy.erase_account(volunteer, actor=volunteer)

    entry = AuditEntry.objects.get(action="missions.hours.logged")
    assert "Night shifts" not in str(entry.changes)
    assert "12" in str(entry.changes["hours"])
