"""Applications: apply, review, accept within capacity and without overlap, withdraw frees the place."""

import datetime

import pytest

from medmissions.conftest import make_user
from medmissions.core.errors import Conflict, NotAllowed, ValidationFailed
from medmissions.missions import applications, services
from medmissions.missions.choices import ApplicationStatus, AssignmentStatus, MissionStatus
from medmissions.missions.models import Application, Assignment, Mission
from medmissions.volunteers.models import Affiliation

from .conftest import END, START

pytestmark = pytest.mark.django_db


@pytest.fixture
def recruiting(mission, role, users):
    services.submit_for_host_confirmation(mission, actor=users["coordinator"])
    return services.host_confirm(mission, actor=users["host_admin"])


def volunteer(name: str):
    return make_user(f"{name.lower()}@example.org", name)


def test_applying_needs_a_recruiting_mission_and_a_motivation(mission, role):
    surgeon = volunteer("Amina")
    with pytest.raises(Conflict, match="not recruiting"):
        applications.apply(role, actor=surgeon, motivation="I operate.")
    Mission.objects.filter(pk=mission.pk).update(status=MissionStatus.RECRUITING)
    with pytest.raises(ValidationFailed):
        applications.apply(role, actor=surgeon, motivation="  ")
    assert not Application.objects.exists()


def test_applying_shares_the_profile_with_the_sending_party_and_tells_its_coordinators(
    recruiting, role, sending, django_capture_on_commit_callbacks, mailoutbox
):
    surgeon = volunteer("Amina")
    with django_capture_on_commit_callbacks(execute=True):
        application = applications.apply(role, actor=surgeon, motivation="Ten years of general surgery.")
    assert Affiliation.objects.filter(
        person=application.person, organization=sending, kind="vetting"
    ).exists()
    assert {"admin@example.org", "coordinator@example.org"} <= {a for m in mailoutbox for a in m.to}
    with pytest.raises(Conflict, match="already applied"):
        applications.apply(role, actor=surgeon, motivation="Again.")


def test_only_party_coordinators_review_and_the_applicant_hears_on_commit(
    recruiting, role, users, django_capture_on_commit_callbacks, mailoutbox
):
    application = applications.apply(role, actor=volunteer("Amina"), motivation="Surgery.")
    with pytest.raises(NotAllowed):
        applications.review(application, actor=users["member"], decision=ApplicationStatus.SHORTLISTED)
    with django_capture_on_commit_callbacks(execute=True):
        applications.review(
            application,
            actor=users["coordinator"],
            decision=ApplicationStatus.SHORTLISTED,
            message="We will call you.",
        )
    assert mailoutbox[-1].to == ["amina@example.org"]
    assert "We will call you." in mailoutbox[-1].body


def test_capacity_is_enforced(recruiting, role, users):
    accepted = []
    for name in ("Amina", "Bruno", "Chen"):
        application = applications.apply(role, actor=volunteer(name), motivation="Surgery.")
        if len(accepted) < role.people_needed:
            accepted.append(applications.accept(application, actor=users["coordinator"]))
        else:
            with pytest.raises(Conflict, match="The role is full"):
                applications.accept(application, actor=users["coordinator"])
    assert Assignment.objects.filter(role=role, status=AssignmentStatus.ACTIVE).count() == 2


def test_nobody_holds_overlapping_assignments_beyond_the_hand_over_tolerance(
    recruiting, role, users, active_partnership, site, need, settings
):
    surgeon = volunteer("Amina")
    applications.accept(
        applications.apply(role, actor=surgeon, motivation="Surgery."), actor=users["coordinator"]
    )

    def second_mission(starts_on):
        other = services.create_mission(
            actor=users["coordinator"],
            partnership=active_partnership,
            site=site,
            data={
                "title": f"Camp {starts_on}",
                "starts_on": starts_on,
                "ends_on": starts_on + datetime.timedelta(days=7),
                "capacity": 2,
            },
            needs=[need],
        )
        other_role = services.add_role(
            other,
            actor=users["coordinator"],
            data={
                "title": "Surgeon",
                "specialty": role.specialty,
                "people_needed": 1,
                "scope_of_practice": "Surgery.",
            },
        )
        Mission.objects.filter(pk=other.pk).update(status=MissionStatus.RECRUITING)
        return other_role

    # Starting on the day the first mission ends is a one-day hand-over: allowed by default.
    handover_role = second_mission(END)
    applications.accept(
        applications.apply(handover_role, actor=surgeon, motivation="Again."), actor=users["coordinator"]
    )
    settings.ASSIGNMENT_HANDOVER_TOLERANCE_DAYS = 0
    clashing_role = second_mission(START + datetime.timedelta(days=3))
    with pytest.raises(Conflict, match="already assigned"):
        applications.accept(
            applications.apply(clashing_role, actor=surgeon, motivation="Once more."),
            actor=users["coordinator"],
        )


def test_withdrawing_frees_the_place_and_tells_the_coordinators(
    recruiting, role, users, django_capture_on_commit_callbacks, mailoutbox
):
    surgeon = volunteer("Amina")
    application = applications.apply(role, actor=surgeon, motivation="Surgery.")
    assignment = applications.accept(application, actor=users["coordinator"])
    with pytest.raises(NotAllowed):
        applications.withdraw(application, actor=users["coordinator"])
    with django_capture_on_commit_callbacks(execute=True):
        applications.withdraw(application, actor=surgeon)
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.WITHDRAWN
    assert any("free again" in message.body for message in mailoutbox)
