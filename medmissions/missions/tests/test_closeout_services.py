"""Close-out services: handover plan, follow-up tasks, two-sided evaluation, volunteer hours."""

import datetime
from decimal import Decimal

import pytest

from medmissions.audit.models import AuditEntry
from medmissions.core.errors import Conflict, NotAllowed, ValidationFailed
from medmissions.missions import closeout, services
from medmissions.missions.access import MissionAccess
from medmissions.missions.choices import AssignmentStatus, EvaluationSide, FollowUpStatus, MissionStatus
from medmissions.missions.models import Assignment, Evaluation, FollowUpTask, HandoverPlan, Mission

from .test_closeout_support import (
    EVALUATION,
    FOLLOW_UP,
    MAX_HOURS,
    PLAN,
    assign,
    make_volunteer,
    move_to,
    with_plan,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def surgeon(db):
    return make_volunteer("Amina Mwangi", "amina@example.org")


@pytest.fixture
def assignment(mission, role, surgeon):
    return assign(mission, role, surgeon)


def counts():
    return (
        AuditEntry.objects.count(),
        HandoverPlan.objects.count(),
        FollowUpTask.objects.count(),
        Evaluation.objects.count(),
    )


def fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


# Handover plan ------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [MissionStatus.READY, MissionStatus.IN_FIELD, MissionStatus.CLOSING])
def test_party_managers_write_and_rewrite_the_plan_while_ready_in_the_field_or_closing(
    mission, users, status
):
    mission = move_to(mission, status)
    plan = closeout.save_handover_plan(mission, actor=users["coordinator"], data=PLAN)
    assert plan.local_lead == PLAN["local_lead"] and plan.written_by == users["coordinator"]
    created = AuditEntry.objects.get(action="missions.handover_plan.created")
    assert created.changes["local_lead"] == [None, PLAN["local_lead"]]
    # Host coordinators and admins manage missions too.
    closeout.save_handover_plan(
        mission, actor=users["host_admin"], data={**PLAN, "local_lead": "Dr Wanyera, deputy"}
    )
    assert HandoverPlan.objects.get().local_lead == "Dr Wanyera, deputy"
    updated = AuditEntry.objects.get(action="missions.handover_plan.updated")
    assert updated.changes == {"local_lead": [PLAN["local_lead"], "Dr Wanyera, deputy"]}
    assert updated.organization.slug == "mbale-hospital"


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (MissionStatus.DRAFT, "handover_plan_too_early"),
        (MissionStatus.RECRUITING, "handover_plan_too_early"),
        (MissionStatus.COMPLETED, "handover_plan_locked"),
        (MissionStatus.EVALUATED, "handover_plan_locked"),
        (MissionStatus.CANCELLED, "mission_cancelled"),
    ],
)
def test_the_plan_is_refused_outside_its_window(mission, users, status, code):
    mission = move_to(mission, status)
    before = counts()
    with pytest.raises(Conflict) as raised:
        closeout.save_handover_plan(mission, actor=users["coordinator"], data=PLAN)
    assert raised.value.code == code
    assert counts() == before


@pytest.mark.parametrize("persona", ["member", "viewer", "host_member", "outsider"])
def test_only_coordinators_and_admins_of_a_party_write_the_plan(mission, users, persona):
    mission = move_to(mission, MissionStatus.CLOSING)
    before = counts()
    with pytest.raises(NotAllowed):
        closeout.save_handover_plan(mission, actor=users[persona], data=PLAN)
    assert counts() == before


def test_the_plan_needs_a_local_lead_and_referral_pathways(mission, users):
    mission = move_to(mission, MissionStatus.CLOSING)
    with pytest.raises(ValidationFailed) as raised:
        closeout.save_handover_plan(
            mission, actor=users["coordinator"], data={"local_lead": "  ", "referral_pathways": ""}
        )
    assert set(raised.value.fields) == {"local_lead", "referral_pathways"}
    assert not HandoverPlan.objects.exists()


def test_completion_is_possible_once_a_plan_exists_and_the_plan_is_then_read_only(mission, users):
    mission = move_to(mission, MissionStatus.CLOSING)
    with pytest.raises(ValidationFailed, match="handover plan"):
        services.complete(mission, actor=users["coordinator"])
    closeout.save_handover_plan(mission, actor=users["host_admin"], data=PLAN)
    services.complete(mission, actor=users["coordinator"])
    assert fresh(mission).status == MissionStatus.COMPLETED
    with pytest.raises(Conflict, match="can no longer change"):
        closeout.save_handover_plan(fresh(mission), actor=users["coordinator"], data=PLAN)


# Follow-up tasks ------------------------------------------------------------------------------------


def test_follow_ups_need_a_handover_plan(mission, users):
    mission = move_to(mission, MissionStatus.CLOSING)
    with pytest.raises(Conflict) as raised:
        closeout.add_follow_up(mission, actor=users["coordinator"], data=FOLLOW_UP)
    assert raised.value.code == "no_handover_plan"
    assert not FollowUpTask.objects.exists()


def test_managers_of_any_party_add_follow_ups_and_host_admins_hear_on_commit(
    mission, users, django_capture_on_commit_callbacks, mailoutbox
):
    with_plan(mission, users["coordinator"])
    with django_capture_on_commit_callbacks(execute=True):
        task = closeout.add_follow_up(mission, actor=users["coordinator"], data=FOLLOW_UP)
    assert task.status == FollowUpStatus.OPEN and task.outcome == ""
    assert [m.to for m in mailoutbox] == [["host_admin@example.org"]]
    assert "Sister Achola" in mailoutbox[0].body
    assert AuditEntry.objects.filter(action="missions.follow_up.created").count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        closeout.add_follow_up(mission, actor=users["host_admin"], data=FOLLOW_UP, notify_host=False)
    assert len(mailoutbox) == 1
    assert FollowUpTask.objects.count() == 2


@pytest.mark.parametrize("persona", ["member", "viewer", "host_member", "outsider"])
def test_members_cannot_add_follow_ups(mission, users, persona):
    with_plan(mission, users["coordinator"])
    before = counts()
    with pytest.raises(NotAllowed):
        closeout.add_follow_up(mission, actor=users[persona], data=FOLLOW_UP)
    assert counts() == before


def test_follow_ups_can_be_added_until_the_mission_is_evaluated_or_cancelled(mission, users):
    with_plan(mission, users["coordinator"])
    move_to(mission, MissionStatus.COMPLETED)
    closeout.add_follow_up(mission, actor=users["coordinator"], data=FOLLOW_UP)
    for status in (MissionStatus.EVALUATED, MissionStatus.CANCELLED):
        move_to(mission, status)
        with pytest.raises(Conflict) as raised:
            closeout.add_follow_up(mission, actor=users["coordinator"], data=FOLLOW_UP)
        assert raised.value.code == "follow_ups_closed"
    assert FollowUpTask.objects.count() == 1


def test_a_follow_up_needs_a_task_a_host_staff_member_and_a_due_date(mission, users):
    with_plan(mission, users["coordinator"])
    with pytest.raises(ValidationFailed) as raised:
        closeout.add_follow_up(
            mission, actor=users["coordinator"], data={"description": "", "assignee": " ", "due_on": "soon"}
        )
    assert set(raised.value.fields) == {"description", "assignee", "due_on"}


@pytest.fixture
def task(mission, users):
    with_plan(mission, users["coordinator"])
    return closeout.add_follow_up(mission, actor=users["coordinator"], data=FOLLOW_UP, notify_host=False)


def test_host_members_record_status_and_outcome_which_is_required_once_closed(task, users):
    host_member = users["host_member"]
    for status in (FollowUpStatus.DONE, FollowUpStatus.CANCELLED):
        with pytest.raises(ValidationFailed) as raised:
            closeout.update_follow_up(task, actor=host_member, data={"status": status, "outcome": " "})
        assert set(raised.value.fields) == {"outcome"}
    closeout.update_follow_up(
        task, actor=host_member, data={"status": FollowUpStatus.DONE, "outcome": "All 12 wounds healed."}
    )
    task = fresh(task)
    assert (task.status, task.outcome) == (FollowUpStatus.DONE, "All 12 wounds healed.")
    entry = AuditEntry.objects.get(action="missions.follow_up.updated")
    assert entry.changes["status"] == ["open", "done"]
    assert entry.organization.slug == "mbale-hospital"


def test_host_members_cannot_change_the_task_itself_and_others_cannot_update_it(task, users):
    with pytest.raises(NotAllowed):
        closeout.update_follow_up(
            task, actor=users["host_member"], data={"due_on": datetime.date(2027, 9, 1)}
        )
    for persona in ("member", "viewer", "outsider"):
        with pytest.raises(NotAllowed):
            closeout.update_follow_up(task, actor=users[persona], data={"status": FollowUpStatus.CANCELLED})
    assert fresh(task).due_on == FOLLOW_UP["due_on"]
    closeout.update_follow_up(
        task, actor=users["coordinator"], data={"assignee": "Mr Okello, clinical officer"}
    )
    assert fresh(task).assignee == "Mr Okello, clinical officer"


def test_after_evaluation_only_progress_changes_and_a_cancelled_mission_closes_tasks(task, mission, users):
    move_to(mission, MissionStatus.EVALUATED)
    with pytest.raises(Conflict):
        closeout.update_follow_up(task, actor=users["coordinator"], data={"description": "Something else."})
    # Resubmitting unchanged values with a new status is fine (the edit form sends every field).
    closeout.update_follow_up(
        task,
        actor=users["coordinator"],
        data={**FOLLOW_UP, "status": FollowUpStatus.DONE, "outcome": "Reviewed at the July clinic."},
    )
    assert fresh(task).status == FollowUpStatus.DONE
    move_to(mission, MissionStatus.CANCELLED)
    with pytest.raises(Conflict):
        closeout.update_follow_up(task, actor=users["host_member"], data={"status": FollowUpStatus.OPEN})


# Evaluations ------------------------------------------------------------------------------------------


@pytest.fixture
def completed(mission, users):
    with_plan(mission, users["coordinator"])
    return move_to(mission, MissionStatus.COMPLETED)


@pytest.mark.parametrize("status", [MissionStatus.CLOSING, MissionStatus.EVALUATED, MissionStatus.CANCELLED])
def test_evaluations_wait_for_completion(mission, users, status):
    mission = move_to(mission, status)
    with pytest.raises(Conflict) as raised:
        closeout.write_evaluation(mission, actor=users["host_admin"], data=EVALUATION)
    assert raised.value.code == "not_completed"


def test_each_side_is_written_by_its_own_coordinators_and_admins(completed, users):
    for persona, side in [
        ("coordinator", EvaluationSide.HOST),
        ("host_admin", EvaluationSide.VISITING),
        ("member", None),
        ("host_member", None),
        ("viewer", None),
        ("outsider", None),
    ]:
        with pytest.raises(NotAllowed):
            closeout.write_evaluation(completed, actor=users[persona], side=side, data=EVALUATION)
    assert not Evaluation.objects.exists()
    host = closeout.write_evaluation(completed, actor=users["host_admin"], data=EVALUATION)
    visiting = closeout.write_evaluation(completed, actor=users["admin"], data=EVALUATION)
    assert (host.side, host.organization.slug) == (EvaluationSide.HOST, "mbale-hospital")
    assert (visiting.side, visiting.organization.slug) == (EvaluationSide.VISITING, "bridge-health")
    assert AuditEntry.objects.filter(action="missions.evaluation.written").count() == 2


def test_one_evaluation_per_side(completed, users):
    closeout.write_evaluation(completed, actor=users["coordinator"], data=EVALUATION)
    before = counts()
    with pytest.raises(Conflict) as raised:
        closeout.write_evaluation(
            completed, actor=users["admin"], side=EvaluationSide.VISITING, data=EVALUATION
        )
    assert raised.value.code == "evaluation_exists"
    assert "visiting team has already" in raised.value.message
    assert counts() == before


@pytest.mark.parametrize("score", [0, 6, "five", None, True])
def test_the_overall_score_is_1_to_5_and_both_texts_are_required(completed, users, score):
    with pytest.raises(ValidationFailed) as raised:
        closeout.write_evaluation(
            completed,
            actor=users["host_admin"],
            data={"what_went_well": "", "what_to_change": "x", "overall_score": score},
        )
    assert set(raised.value.fields) == {"what_went_well", "overall_score"}


def test_the_first_side_asks_the_other_and_both_sides_allow_marking_evaluated(
    completed, users, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        closeout.write_evaluation(completed, actor=users["host_admin"], data=EVALUATION)
    assert {a for m in mailoutbox for a in m.to} == {"admin@example.org", "coordinator@example.org"}
    overview = closeout.closeout_overview(completed, MissionAccess.of(users["coordinator"], completed))
    assert [b.code for b in overview.evaluation_blockers] == ["no_visiting_evaluation"]
    assert overview.sides_to_write == [EvaluationSide.VISITING]
    with pytest.raises(ValidationFailed):
        services.mark_evaluated(completed, actor=users["coordinator"])
    with django_capture_on_commit_callbacks(execute=True):
        closeout.write_evaluation(completed, actor=users["coordinator"], data=EVALUATION)
    assert len(mailoutbox) == 2  # nobody left to ask
    overview = closeout.closeout_overview(completed, MissionAccess.of(users["coordinator"], completed))
    assert overview.ready_to_mark_evaluated
    services.mark_evaluated(completed, actor=users["coordinator"])
    assert fresh(completed).status == MissionStatus.EVALUATED


# Volunteer hours ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [MissionStatus.DRAFT, MissionStatus.READY, MissionStatus.CANCELLED])
def test_hours_are_logged_once_the_mission_is_in_the_field(mission, assignment, surgeon, status):
    move_to(mission, status)
    with pytest.raises(Conflict) as raised:
        closeout.log_hours(assignment, actor=surgeon.user, hours=40)
    assert raised.value.code == "hours_not_open"
    assert fresh(assignment).hours is None


@pytest.mark.parametrize(
    "status",
    [MissionStatus.IN_FIELD, MissionStatus.CLOSING, MissionStatus.COMPLETED, MissionStatus.EVALUATED],
)
def test_the_volunteer_logs_their_own_hours(mission, assignment, surgeon, status):
    move_to(mission, status)
    closeout.log_hours(assignment, actor=surgeon.user, hours="72.5", note="Six lists, two night calls.")
    assignment = fresh(assignment)
    assert (assignment.hours, assignment.hours_note) == (Decimal("72.5"), "Six lists, two night calls.")
    assert assignment.hours_logged_at is not None and assignment.hours_approved_at is None
    entry = AuditEntry.objects.get(action="missions.hours.logged")
    assert entry.changes["hours"] == [None, "72.5"]
    assert entry.data["for_someone_else"] is False


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        (0, "more than zero"),
        ("-3", "more than zero"),
        (MAX_HOURS + Decimal("0.1"), "At most 360"),
        ("12.25", "one decimal place"),
        ("lots", "as a number"),
        ("", "Enter the hours"),
        ("NaN", "as a number"),
    ],
)
def test_hours_are_more_than_zero_and_at_most_24_a_day(mission, assignment, surgeon, hours, message):
    move_to(mission, MissionStatus.CLOSING)
    with pytest.raises(ValidationFailed, match=message) as raised:
        closeout.log_hours(assignment, actor=surgeon.user, hours=hours)
    assert set(raised.value.fields) == {"hours"}
    assert fresh(assignment).hours is None


def test_a_full_24_hours_a_day_is_accepted(mission, assignment, surgeon):
    move_to(mission, MissionStatus.CLOSING)
    closeout.log_hours(assignment, actor=surgeon.user, hours=MAX_HOURS)
    assert fresh(assignment).hours == Decimal(360)


def test_coordinators_log_for_the_volunteer_and_nobody_else_does(mission, role, assignment, users):
    move_to(mission, MissionStatus.CLOSING)
    colleague = make_volunteer("Joseph Mutua", "joseph@example.org")
    assign(mission, role, colleague)
    for actor in (colleague.user, users["member"], users["viewer"], users["host_member"], users["outsider"]):
        with pytest.raises(NotAllowed):
            closeout.log_hours(assignment, actor=actor, hours=10)
    closeout.log_hours(assignment, actor=users["coordinator"], hours=80, note="From the duty rota.")
    assert fresh(assignment).hours == Decimal(80)
    entry = AuditEntry.objects.get(action="missions.hours.logged")
    assert entry.data["for_someone_else"] is True and entry.organization.slug == "bridge-health"


def test_hours_of_an_assignment_no_longer_active_are_refused(mission, assignment, surgeon):
    move_to(mission, MissionStatus.CLOSING)
    Assignment.objects.filter(pk=assignment.pk).update(status=AssignmentStatus.WITHDRAWN)
    with pytest.raises(Conflict) as raised:
        closeout.log_hours(assignment, actor=surgeon.user, hours=10)
    assert raised.value.code == "assignment_not_active"


def test_approval_is_for_coordinators_tells_the_volunteer_and_locks_the_hours_until_reopened(
    mission, assignment, surgeon, users, django_capture_on_commit_callbacks, mailoutbox
):
    move_to(mission, MissionStatus.CLOSING)
    with pytest.raises(Conflict) as raised:
        closeout.approve_hours(assignment, actor=users["coordinator"])
    assert raised.value.code == "no_hours"
    closeout.log_hours(assignment, actor=surgeon.user, hours=80)
    for actor in (surgeon.user, users["member"], users["host_member"], users["outsider"]):
        with pytest.raises(NotAllowed):
            closeout.approve_hours(assignment, actor=actor)
    with django_capture_on_commit_callbacks(execute=True):
        closeout.approve_hours(assignment, actor=users["coordinator"])
    approved = fresh(assignment)
    assert approved.hours_approved_by == users["coordinator"] and approved.hours_approved_at is not None
    assert mailoutbox[-1].to == ["amina@example.org"] and "approved" in mailoutbox[-1].subject
    assert AuditEntry.objects.filter(action="missions.hours.approved").count() == 1
    with pytest.raises(Conflict) as raised:
        closeout.approve_hours(assignment, actor=users["admin"])
    assert raised.value.code == "hours_approved"
    # Approved hours are what is reported: nobody rewrites them without re-opening first.
    for actor in (surgeon.user, users["coordinator"]):
        with pytest.raises(Conflict) as raised:
            closeout.log_hours(assignment, actor=actor, hours=90)
        assert raised.value.code == "hours_approved"
    assert fresh(assignment).hours == Decimal(80)

    with pytest.raises(NotAllowed):
        closeout.reopen_hours(assignment, actor=users["member"])
    with django_capture_on_commit_callbacks(execute=True):
        closeout.reopen_hours(assignment, actor=users["host_admin"], reason="Includes travel days.")
    reopened = fresh(assignment)
    assert reopened.hours_approved_at is None and reopened.hours_approved_by is None
    assert "Includes travel days." in mailoutbox[-1].body
    entry = AuditEntry.objects.get(action="missions.hours.reopened")
    assert entry.data["reason"] == "Includes travel days."
    with pytest.raises(Conflict) as raised:
        closeout.reopen_hours(assignment, actor=users["coordinator"])
    assert raised.value.code == "hours_not_approved"
    closeout.log_hours(assignment, actor=surgeon.user, hours=64)
    assert fresh(assignment).hours == Decimal(64)


def test_nobody_approves_their_own_hours(mission, role, users):
    move_to(mission, MissionStatus.CLOSING)
    coordinator = users["coordinator"]
    from medmissions.volunteers.models import Person

    person = Person.objects.create(user=coordinator, full_name="Coordinator", email=coordinator.email)
    own = assign(mission, role, person)
    closeout.log_hours(own, actor=coordinator, hours=50)
    with pytest.raises(NotAllowed) as raised:
        closeout.approve_hours(own, actor=coordinator)
    assert raised.value.code == "own_hours"
    closeout.approve_hours(own, actor=users["admin"])


def test_hours_summary_for_a_person_totals_approved_hours_per_mission(
    mission, role, assignment, surgeon, users, active_partnership, site, need
):
    move_to(mission, MissionStatus.COMPLETED)
    closeout.log_hours(assignment, actor=surgeon.user, hours="80.5")
    closeout.approve_hours(assignment, actor=users["coordinator"])
    later = Mission.objects.create(
        partnership=active_partnership,
        site=site,
        title="Mbale surgical camp, November 2027",
        starts_on=datetime.date(2027, 11, 1),
        ends_on=datetime.date(2027, 11, 5),
        capacity=2,
        status=MissionStatus.IN_FIELD,
    )
    second = Assignment.objects.create(
        mission=later,
        role=role,
        person=surgeon,
        starts_on=later.starts_on,
        ends_on=later.ends_on,
    )
    closeout.log_hours(second, actor=surgeon.user, hours=30)
    summary = closeout.hours_summary_for_person(surgeon)
    assert summary.total_approved == Decimal("80.5")
    assert summary.total_pending == Decimal(30)
    assert [(row.mission.pk, row.hours, row.approved) for row in summary.missions] == [
        (later.pk, Decimal(30), False),
        (mission.pk, Decimal("80.5"), True),
    ]
    nobody = make_volunteer("Nobody Yet", "nobody@example.org")
    empty = closeout.hours_summary_for_person(nobody)
    assert (empty.total_approved, empty.missions) == (Decimal(0), [])


def test_parties_see_every_assignments_hours_and_the_team_only_their_own(
    mission, role, assignment, surgeon, users
):
    mission = move_to(mission, MissionStatus.CLOSING)
    colleague = make_volunteer("Joseph Mutua", "joseph@example.org")
    theirs = assign(mission, role, colleague)
    closeout.log_hours(assignment, actor=surgeon.user, hours=80)
    closeout.log_hours(theirs, actor=colleague.user, hours=20)
    closeout.approve_hours(theirs, actor=users["coordinator"])
    party = closeout.closeout_overview(mission, MissionAccess.of(users["host_member"], mission))
    assert len(party.hours_rows) == 2 and not party.can_manage_hours
    assert (party.total_approved, party.total_pending) == (Decimal(20), Decimal(80))
    team = closeout.closeout_overview(mission, MissionAccess.of(surgeon.user, mission))
    assert [row.assignment.pk for row in team.hours_rows] == [assignment.pk]
    assert team.can_log_own_hours and not team.sees_all_hours
    assert [b.code for b in team.completion_blockers] == ["no_handover_plan"]


def test_dashboard_queries_open_follow_ups_for_the_host_and_hours_awaiting_approval(
    mission, role, assignment, surgeon, users, task
):
    assert list(closeout.open_follow_ups_for_host(users["host_member"])) == [task]
    assert list(closeout.open_follow_ups_for_host(users["coordinator"])) == []  # sending is no host
    assert list(closeout.open_follow_ups_for_host(users["outsider"])) == []
    closeout.update_follow_up(task, actor=users["host_member"], data={"status": "done", "outcome": "Done."})
    assert list(closeout.open_follow_ups_for_host(users["host_member"])) == []

    closeout.log_hours(assignment, actor=surgeon.user, hours=40)
    assert list(closeout.hours_awaiting_approval(users["coordinator"])) == [assignment]
    assert list(closeout.hours_awaiting_approval(users["host_admin"])) == [assignment]
    assert list(closeout.hours_awaiting_approval(users["member"])) == []
    closeout.approve_hours(assignment, actor=users["coordinator"])
    assert list(closeout.hours_awaiting_approval(users["coordinator"])) == []
