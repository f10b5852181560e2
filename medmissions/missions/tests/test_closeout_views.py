"""Close-out pages: the tab and its forms, through the test client."""

from decimal import Decimal

import pytest
from django.urls import reverse

from medmissions.missions import closeout
from medmissions.missions.choices import FollowUpStatus, MissionStatus
from medmissions.missions.models import Assignment, Evaluation, FollowUpTask, HandoverPlan

from .test_closeout_support import EVALUATION, FOLLOW_UP, PLAN, assign, make_volunteer, move_to, with_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def surgeon(db):
    return make_volunteer("Amina Mwangi", "amina@example.org")


@pytest.fixture
def assignment(mission, role, surgeon):
    return assign(mission, role, surgeon)


@pytest.fixture
def closing(mission, assignment):
    return move_to(mission, MissionStatus.CLOSING)


def tab(mission):
    return reverse("missions:closeout", args=[mission.pk])


def text(response) -> str:
    return response.content.decode()


# The tab --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["admin", "coordinator", "member", "viewer", "host_admin", "host_member"])
def test_parties_see_the_tab(closing, users, client_for, persona):
    response = client_for(users[persona]).get(tab(closing))
    assert response.status_code == 200
    assert 'aria-current="page">Close-out' in text(response).replace("\n", "")


def test_the_team_sees_it_and_nobody_else(closing, surgeon, users, client_for):
    assert client_for(surgeon.user).get(tab(closing)).status_code == 200
    assert client_for(users["outsider"]).get(tab(closing)).status_code == 404
    stranger = make_volunteer("Someone Else", "someone@example.org")
    assert client_for(stranger.user).get(tab(closing)).status_code == 404
    response = client_for(None).get(tab(closing))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_tab_explains_what_blocks_completion_and_evaluation(closing, users, client_for):
    page = text(client_for(users["coordinator"]).get(tab(closing)))
    assert "cannot be completed without a handover plan" in page
    assert "The host has not written its evaluation yet." in page
    assert "The visiting team has not written its evaluation yet." in page
    assert reverse("missions:handover", args=[closing.pk]) in page
    with_plan(closing, users["coordinator"])
    page = text(client_for(users["coordinator"]).get(tab(closing)))
    assert "cannot be completed without" not in page
    assert PLAN["local_lead"] in page
    assert reverse("missions:transition", args=[closing.pk, "complete"]) in page


def test_members_see_the_plan_but_not_the_actions(closing, users, client_for):
    with_plan(closing, users["coordinator"])
    page = text(client_for(users["member"]).get(tab(closing)))
    assert PLAN["referral_pathways"] in page
    assert reverse("missions:handover", args=[closing.pk]) not in page
    assert reverse("missions:follow_up_add", args=[closing.pk]) not in page


# Handover plan -------------------------------------------------------------------------------------------


def test_a_coordinator_writes_the_handover_plan(closing, users, client_for):
    client = client_for(users["coordinator"])
    address = reverse("missions:handover", args=[closing.pk])
    assert client.get(address).status_code == 200
    response = client.post(address, {"local_lead": "", "referral_pathways": ""})
    assert response.status_code == 400
    assert not HandoverPlan.objects.exists()
    response = client.post(address, PLAN)
    assert response.status_code == 302 and response["Location"].endswith("#handover")
    assert HandoverPlan.objects.get().local_lead == PLAN["local_lead"]
    # Editing shows what is there.
    assert PLAN["local_lead"] in text(client.get(address))


def test_the_handover_form_is_refused_to_members_and_after_completion(closing, users, client_for):
    address = reverse("missions:handover", args=[closing.pk])
    assert client_for(users["member"]).get(address).status_code == 403
    assert client_for(users["host_member"]).post(address, PLAN).status_code == 403
    assert client_for(users["outsider"]).get(address).status_code == 404
    move_to(closing, MissionStatus.COMPLETED)
    response = client_for(users["coordinator"]).get(address)
    assert response.status_code == 409
    assert "can no longer change" in text(response)


# Follow-up tasks --------------------------------------------------------------------------------------------


def follow_up_form(**changes):
    data = {**FOLLOW_UP, "due_on": FOLLOW_UP["due_on"].isoformat(), "notify_host": "on"}
    data.update(changes)
    return data


def test_follow_ups_are_added_from_the_tab_with_a_warning_about_patient_data(
    closing, users, client_for, django_capture_on_commit_callbacks, mailoutbox
):
    client = client_for(users["coordinator"])
    add = reverse("missions:follow_up_add", args=[closing.pk])
    response = client.post(add, follow_up_form())
    assert response.status_code == 409  # no handover plan yet
    assert "Write the handover plan first" in text(response)
    with_plan(closing, users["coordinator"])
    page = text(client.get(tab(closing)))
    assert "Never write patient names or identifiers" in page
    response = client.post(add, follow_up_form(assignee="", due_on="tomorrow"))
    assert response.status_code == 400
    assert not FollowUpTask.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(add, follow_up_form())
    assert response.status_code == 302 and response["Location"].endswith("#follow-ups")
    assert FollowUpTask.objects.get().assignee == FOLLOW_UP["assignee"]
    assert [m.to for m in mailoutbox] == [["host_admin@example.org"]]
    assert client_for(users["host_member"]).post(add, follow_up_form()).status_code == 403


def test_host_members_update_the_status_and_outcome(closing, users, client_for):
    with_plan(closing, users["coordinator"])
    task = closeout.add_follow_up(closing, actor=users["coordinator"], data=FOLLOW_UP, notify_host=False)
    address = reverse("missions:follow_up_edit", args=[closing.pk, task.pk])
    client = client_for(users["host_member"])
    page = text(client.get(address))
    assert 'name="status"' in page and 'name="description"' not in page
    response = client.post(address, {"status": FollowUpStatus.DONE, "outcome": ""})
    assert response.status_code == 400
    response = client.post(
        address, {"status": FollowUpStatus.DONE, "outcome": "Reviewed; one referral.", "description": "x"}
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.status, task.description) == (FollowUpStatus.DONE, FOLLOW_UP["description"])
    assert client_for(users["member"]).get(address).status_code == 403
    assert client_for(users["outsider"]).get(address).status_code == 404
    # A task of another mission is not found through this one.
    other = reverse("missions:follow_up_edit", args=[closing.pk + 1000, task.pk])
    assert client_for(users["coordinator"]).get(other).status_code == 404


def test_coordinators_edit_the_whole_task(closing, users, client_for):
    with_plan(closing, users["coordinator"])
    task = closeout.add_follow_up(closing, actor=users["coordinator"], data=FOLLOW_UP, notify_host=False)
    address = reverse("missions:follow_up_edit", args=[closing.pk, task.pk])
    client = client_for(users["host_admin"])
    assert 'name="description"' in text(client.get(address))
    response = client.post(
        address, follow_up_form(assignee="Mr Okello", status=FollowUpStatus.OPEN, outcome="")
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.assignee == "Mr Okello"


# Evaluations --------------------------------------------------------------------------------------------


@pytest.fixture
def completed(closing, users):
    with_plan(closing, users["coordinator"])
    return move_to(closing, MissionStatus.COMPLETED)


def test_each_side_evaluates_and_the_page_then_says_it_can_be_marked_evaluated(completed, users, client_for):
    address = reverse("missions:evaluate", args=[completed.pk])
    host = client_for(users["host_admin"])
    page = text(host.get(tab(completed)))
    assert f"{address}?side=host" in page and f"{address}?side=visiting" not in page
    assert host.get(address).status_code == 200
    response = host.post(address, {**EVALUATION, "side": "host", "overall_score": "9"})
    assert response.status_code == 400
    response = host.post(address, {**EVALUATION, "side": "host"})
    assert response.status_code == 302
    assert Evaluation.objects.get().organization.slug == "mbale-hospital"
    assert host.get(address).status_code == 409  # the host side is written
    visiting = client_for(users["coordinator"])
    response = visiting.post(address, {**EVALUATION, "side": "visiting"}, follow=True)
    assert "Both sides have now evaluated" in text(response)
    page = text(visiting.get(tab(completed)))
    assert "Both sides have evaluated: a coordinator can mark the mission evaluated." in page
    assert EVALUATION["what_to_change"] in page
    assert reverse("missions:transition", args=[completed.pk, "evaluated"]) in page


def test_the_evaluation_form_is_for_the_sides_coordinators_once_completed(closing, users, client_for):
    address = reverse("missions:evaluate", args=[closing.pk])
    assert client_for(users["coordinator"]).get(address).status_code == 409  # not completed
    move_to(closing, MissionStatus.COMPLETED)
    assert client_for(users["host_member"]).get(address).status_code == 403
    assert client_for(users["member"]).post(address, {**EVALUATION, "side": "visiting"}).status_code == 403
    assert client_for(users["outsider"]).get(address).status_code == 404
    # A sending coordinator cannot write the host's side.
    response = client_for(users["coordinator"]).post(address, {**EVALUATION, "side": "host"})
    assert response.status_code == 403
    assert not Evaluation.objects.exists()


def test_team_members_read_both_evaluations(completed, surgeon, users, client_for):
    closeout.write_evaluation(completed, actor=users["host_admin"], data=EVALUATION)
    page = text(client_for(surgeon.user).get(tab(completed)))
    assert EVALUATION["what_went_well"] in page


# Volunteer hours -------------------------------------------------------------------------------------------


def test_the_volunteer_logs_hours_and_a_coordinator_approves_them(
    closing, assignment, surgeon, users, client_for, django_capture_on_commit_callbacks, mailoutbox
):
    volunteer = client_for(surgeon.user)
    log = reverse("missions:hours_log", args=[assignment.pk])
    assert f'action="{log}"' in text(volunteer.get(tab(closing)))
    response = volunteer.post(log, {"hours": "500", "note": ""})
    assert response.status_code == 400
    assert "At most 360 hours" in text(response)
    response = volunteer.post(log, {"hours": "72.5", "note": "Six lists."})
    assert response.status_code == 302 and response["Location"].endswith("#hours")
    approve = reverse("missions:hours_approve", args=[assignment.pk])
    assert volunteer.post(approve).status_code == 403
    assert client_for(users["member"]).post(approve).status_code == 403
    coordinator = client_for(users["coordinator"])
    assert f'action="{approve}"' in text(coordinator.get(tab(closing)))
    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator.post(approve)
    assert response.status_code == 302
    assert Assignment.objects.get(pk=assignment.pk).hours_approved_by == users["coordinator"]
    assert mailoutbox[-1].to == ["amina@example.org"]
    response = volunteer.post(log, {"hours": "80", "note": ""})
    assert response.status_code == 409
    assert "ask a coordinator to re-open" in text(response)
    response = coordinator.post(approve, follow=True)
    assert "already approved" in text(response)
    reopen = reverse("missions:hours_reopen", args=[assignment.pk])
    assert volunteer.post(reopen).status_code == 403
    assert coordinator.post(reopen, {"reason": "Travel days included."}).status_code == 302
    assert volunteer.post(log, {"hours": "64", "note": ""}).status_code == 302
    assert Assignment.objects.get(pk=assignment.pk).hours == Decimal(64)


def test_coordinators_log_hours_for_volunteers_and_others_cannot(closing, assignment, users, client_for):
    log = reverse("missions:hours_log", args=[assignment.pk])
    assert client_for(users["host_member"]).post(log, {"hours": "10"}).status_code == 403
    assert client_for(users["outsider"]).post(log, {"hours": "10"}).status_code == 404
    assert client_for(users["host_admin"]).post(log, {"hours": "10"}).status_code == 302
    assert Assignment.objects.get(pk=assignment.pk).hours == Decimal(10)


def test_actions_answer_post_only(closing, assignment, users, client_for):
    client = client_for(users["coordinator"])
    assert client.get(reverse("missions:follow_up_add", args=[closing.pk])).status_code == 405
    assert client.get(reverse("missions:hours_log", args=[assignment.pk])).status_code == 405
    assert client.get(reverse("missions:hours_approve", args=[assignment.pk])).status_code == 405
