"""Follow-up services: assigning host staff, recording outcomes, handing follow-ups over in the
mission's handover plan, and the mission's completion refused while urgent follow-ups are open."""

from __future__ import annotations

import pytest

from medmissions.clinics import follow_ups, referrals, responses
from medmissions.clinics.choices import FollowUpStatus, ReferralStatus, ReferralUrgency
from medmissions.clinics.tests.conftest import record
from medmissions.clinics.tests.test_referrals_support import *  # noqa: F403
from medmissions.clinics.tests.test_referrals_support import REASON, in_days
from medmissions.core.errors import Conflict, NotAllowed, ValidationFailed
from medmissions.missions import services as mission_services
from medmissions.missions.choices import MissionStatus
from medmissions.missions.models import FollowUpTask

pytestmark = pytest.mark.django_db


# Assigning ----------------------------------------------------------------------------------------------


def test_the_team_assigns_host_staff_who_are_emailed(
    accepted, lead, users, mailoutbox, django_capture_on_commit_callbacks
):
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        follow_up = follow_ups.add_follow_up(
            accepted,
            actor=lead,
            description="Check the wound on day 7.",
            assignee=users["host_member"],
            due_on=in_days(7),
        )
    assert (follow_up.status, follow_up.assignee, follow_up.created_by) == (
        "open",
        users["host_member"],
        lead,
    )
    assert [message.to for message in mailoutbox] == [["host_member@example.org"]]
    assert f"/clinics/follow-ups/{follow_up.pk}/" in mailoutbox[0].body
    assert "Check the wound" not in mailoutbox[0].body


def test_the_facilitys_coordinators_assign_follow_ups_but_its_members_do_not(to_tororo, users, tororo_nurse):
    follow_up = follow_ups.add_follow_up(
        to_tororo,
        actor=users["outsider"],
        description="Review on the ward.",
        assignee=tororo_nurse,
        due_on=in_days(1),
    )
    assert follow_up.assignee == tororo_nurse
    with pytest.raises(NotAllowed):
        follow_ups.add_follow_up(
            to_tororo,
            actor=tororo_nurse,
            description="Review again.",
            assignee=tororo_nurse,
            due_on=in_days(2),
        )


def test_viewers_do_not_assign_follow_ups(accepted, users):
    with pytest.raises(NotAllowed):
        follow_ups.add_follow_up(
            accepted,
            actor=users["viewer"],
            description="Call.",
            assignee=users["host_member"],
            due_on=in_days(1),
        )


@pytest.mark.parametrize("assignee", ["member", "outsider", None])
def test_the_assignee_is_a_member_of_the_facilitys_host(accepted, lead, users, assignee):
    with pytest.raises(ValidationFailed) as refused:
        follow_ups.add_follow_up(
            accepted,
            actor=lead,
            description="Call.",
            assignee=users[assignee] if assignee else None,
            due_on=in_days(1),
        )
    assert refused.value.code == "invalid_assignee" and "assignee" in refused.value.fields


def test_the_due_date_is_today_or_later(accepted, lead, users):
    with pytest.raises(ValidationFailed) as refused:
        follow_ups.add_follow_up(
            accepted, actor=lead, description="Call.", assignee=users["host_member"], due_on=in_days(-1)
        )
    assert refused.value.code == "due_in_past"
    assert follow_ups.add_follow_up(
        accepted, actor=lead, description="Call.", assignee=users["host_member"], due_on=in_days(0)
    ).due_on == in_days(0)


def test_a_description_is_required(accepted, lead, users):
    with pytest.raises(ValidationFailed) as refused:
        follow_ups.add_follow_up(
            accepted, actor=lead, description="", assignee=users["host_member"], due_on=in_days(1)
        )
    assert "description" in refused.value.fields


def test_no_follow_ups_for_a_declined_referral(referral, lead, users):
    referrals.respond(referral, actor=users["host_member"], accept=False, note="No beds.")
    with pytest.raises(Conflict) as refused:
        follow_ups.add_follow_up(
            referral, actor=lead, description="Call.", assignee=users["host_member"], due_on=in_days(1)
        )
    assert refused.value.code == "referral_closed"


# Recording what happened ---------------------------------------------------------------------------------


def test_the_assignee_records_the_outcome_and_the_lead_is_emailed(
    follow_up, users, mailoutbox, django_capture_on_commit_callbacks
):
    nurse = users["host_member"]
    with pytest.raises(ValidationFailed) as refused:
        follow_ups.update_follow_up(follow_up, actor=nurse, status=FollowUpStatus.DONE, outcome="")
    assert "outcome" in refused.value.fields
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        follow_ups.update_follow_up(
            follow_up, actor=nurse, status=FollowUpStatus.DONE, outcome="Wound clean, no fever."
        )
    follow_up.refresh_from_db()
    assert follow_up.status == "done" and follow_up.closed_at is not None
    assert [message.to for message in mailoutbox] == [["coordinator@example.org"]]
    assert "Wound clean, no fever." in mailoutbox[0].body


def test_a_missed_follow_up_needs_an_outcome_and_a_reopened_one_is_open_again(follow_up, users):
    admin = users["host_admin"]  # a coordinator of the facility's host
    follow_ups.update_follow_up(
        follow_up, actor=admin, status=FollowUpStatus.MISSED, outcome="Family moved away."
    )
    follow_up.refresh_from_db()
    assert follow_up.status == "missed" and follow_up.closed_at is not None
    follow_ups.update_follow_up(
        follow_up, actor=admin, status=FollowUpStatus.OPEN, outcome="Found them in Tororo."
    )
    follow_up.refresh_from_db()
    assert follow_up.status == "open" and follow_up.closed_at is None


@pytest.mark.parametrize("persona", ["coordinator", "admin", "member"])
def test_only_the_assignee_and_the_facilitys_coordinators_update(follow_up, users, persona):
    with pytest.raises(NotAllowed):
        follow_ups.update_follow_up(
            follow_up, actor=users[persona], status=FollowUpStatus.DONE, outcome="Done."
        )


def test_follow_ups_of_a_cancelled_referral_stay_closed(referral, lead, users):
    pending = follow_ups.add_follow_up(
        referral, actor=lead, description="Call.", assignee=users["host_member"], due_on=in_days(1)
    )
    referrals.close(referral, actor=lead, status=ReferralStatus.CANCELLED)
    with pytest.raises(Conflict) as refused:
        follow_ups.update_follow_up(pending, actor=users["host_member"], status=FollowUpStatus.OPEN)
    assert refused.value.code == "referral_closed"


def test_an_unknown_status_is_refused(follow_up, users):
    with pytest.raises(ValidationFailed):
        follow_ups.update_follow_up(follow_up, actor=users["host_member"], status="forgotten")


# Handing over ----------------------------------------------------------------------------------------------


def test_a_mission_coordinator_hands_a_follow_up_over_in_the_handover_plan(follow_up, closing, lead):
    follow_ups.hand_over(follow_up, actor=lead)
    follow_up.refresh_from_db()
    task = follow_up.handover_task
    assert isinstance(task, FollowUpTask) and task.handover_plan.mission == closing
    assert (task.assignee, task.due_on, task.status) == ("Host Member", follow_up.due_on, "open")
    assert "MBL-P-0042" in task.description and "Host Member" in task.description
    assert follow_up.due_on.isoformat() in task.description
    assert "Check the wound" in task.description
    with pytest.raises(Conflict) as refused:
        follow_ups.hand_over(follow_up, actor=lead)
    assert refused.value.code == "already_handed_over"


def test_handing_over_needs_the_handover_plan(follow_up, lead):
    with pytest.raises(Conflict) as refused:
        follow_ups.hand_over(follow_up, actor=lead)
    assert refused.value.code == "no_handover_plan"
    assert "close-out tab" in refused.value.message
    assert not FollowUpTask.objects.exists()


@pytest.mark.parametrize("persona", ["member", "viewer", "host_member"])
def test_only_the_missions_coordinators_hand_over(follow_up, closing, users, persona):
    with pytest.raises(NotAllowed):
        follow_ups.hand_over(follow_up, actor=users[persona])


def test_host_coordinators_hand_over_too(follow_up, closing, users):
    assert follow_ups.hand_over(follow_up, actor=users["host_admin"]).handover_task is not None


def test_a_closed_follow_up_is_not_handed_over(follow_up, closing, lead, users):
    follow_ups.update_follow_up(
        follow_up, actor=users["host_member"], status=FollowUpStatus.DONE, outcome="Seen."
    )
    with pytest.raises(Conflict) as refused:
        follow_ups.hand_over(follow_up, actor=lead)
    assert refused.value.code == "follow_up_closed"


def test_a_team_without_a_mission_has_no_handover_plan(response, users, site):
    coordinator = users["host_admin"]
    team = responses.register_team(
        response,
        actor=coordinator,
        data={"name": "Mobile team 3", "organization_name": "Uganda Red Cross"},
        sites=[site],
    )
    patient = record(team, coordinator, site, items=(9, 39, 44), patient_reference="URC-12")
    referral = referrals.refer(
        patient, actor=coordinator, facility=site, reason=REASON, urgency=ReferralUrgency.EMERGENCY
    )
    follow_up = follow_ups.add_follow_up(
        referral, actor=coordinator, description="Call.", assignee=users["host_member"], due_on=in_days(1)
    )
    with pytest.raises(Conflict) as refused:
        follow_ups.hand_over(follow_up, actor=coordinator)
    assert refused.value.code == "no_mission"


# Completing the mission --------------------------------------------------------------------------------------


def test_open_urgent_follow_ups_keep_the_mission_from_being_completed(follow_up, closing, lead):
    assert list(follow_ups.completion_blockers(closing)) == [follow_up]
    with pytest.raises(ValidationFailed) as refused:
        mission_services.complete(closing, actor=lead)
    assert refused.value.code == "open_urgent_follow_ups"
    assert refused.value.message.startswith("1 follow-up of an urgent or emergency referral is still open")
    closing.refresh_from_db()
    assert closing.status == MissionStatus.CLOSING


def test_a_handed_over_follow_up_no_longer_blocks_completion(follow_up, closing, lead):
    follow_ups.hand_over(follow_up, actor=lead)
    assert not follow_ups.completion_blockers(closing).exists()
    assert mission_services.complete(closing, actor=lead).status == MissionStatus.COMPLETED


def test_a_done_follow_up_no_longer_blocks_completion(follow_up, closing, lead, users):
    follow_ups.update_follow_up(
        follow_up, actor=users["host_member"], status=FollowUpStatus.DONE, outcome="Seen, all well."
    )
    assert mission_services.complete(closing, actor=lead).status == MissionStatus.COMPLETED


def test_routine_referrals_do_not_block_completion(to_tororo, closing, lead, users, tororo_nurse):
    follow_ups.add_follow_up(
        to_tororo, actor=lead, description="Review on the ward.", assignee=tororo_nurse, due_on=in_days(3)
    )
    assert not follow_ups.completion_blockers(closing).exists()
    assert mission_services.complete(closing, actor=lead).status == MissionStatus.COMPLETED


def test_the_count_of_blocking_follow_ups_is_named(follow_up, closing, lead, users, team, site):
    other_patient = record(team, lead, site, items=(23, 39, 44), patient_reference="MBL-P-0060")
    emergency = referrals.refer(
        other_patient,
        actor=lead,
        facility=site,
        reason="Bowel obstruction.",
        urgency=ReferralUrgency.EMERGENCY,
    )
    follow_ups.add_follow_up(
        emergency, actor=lead, description="Visit at home.", assignee=users["host_member"], due_on=in_days(4)
    )
    with pytest.raises(ValidationFailed) as refused:
        mission_services.complete(closing, actor=lead)
    assert refused.value.message.startswith("2 follow-ups of urgent or emergency referrals are still open")


def test_the_close_out_tab_names_the_blocking_follow_ups(follow_up, closing, lead):
    from medmissions.missions.access import MissionAccess
    from medmissions.missions.closeout import closeout_overview

    blockers = closeout_overview(closing, MissionAccess.of(lead, closing)).completion_blockers
    assert [blocker.code for blocker in blockers] == ["open_urgent_follow_ups"]
    follow_ups.hand_over(follow_up, actor=lead)
    assert closeout_overview(closing, MissionAccess.of(lead, closing)).completion_blockers == []
