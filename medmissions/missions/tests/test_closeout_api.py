"""Close-out API: every endpoint, with its 400/403/404/409 answers."""

import pytest

from medmissions.missions import closeout
from medmissions.missions.choices import MissionStatus
from medmissions.missions.models import Assignment, FollowUpTask, HandoverPlan
from medmissions.testing import assert_api_error, patch_json, post_json, put_json

from .test_closeout_support import EVALUATION, FOLLOW_UP, PLAN, assign, make_volunteer, move_to, with_plan

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.fixture
def surgeon(db):
    return make_volunteer("Amina Mwangi", "amina@example.org")


@pytest.fixture
def assignment(mission, role, surgeon):
    return assign(mission, role, surgeon)


@pytest.fixture
def closing(mission, assignment):
    return move_to(mission, MissionStatus.CLOSING)


@pytest.fixture
def task(closing, users):
    with_plan(closing, users["coordinator"])
    return closeout.add_follow_up(closing, actor=users["coordinator"], data=FOLLOW_UP, notify_host=False)


FOLLOW_UP_JSON = {**FOLLOW_UP, "due_on": FOLLOW_UP["due_on"].isoformat()}


# GET close-out ------------------------------------------------------------------------------------------


def test_the_close_out_shows_blockers_and_the_callers_actions(closing, users, api_client_for):
    response = api_client_for(users["coordinator"]).get(f"{API}/missions/{closing.pk}/closeout")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["handover_plan"] is None and body["follow_ups"] == [] and body["evaluations"] == []
    assert [b["code"] for b in body["blockers"]["completed"]] == ["no_handover_plan"]
    assert [b["code"] for b in body["blockers"]["evaluated"]] == [
        "no_host_evaluation",
        "no_visiting_evaluation",
    ]
    assert body["actions"]["edit_handover_plan"] and body["actions"]["manage_hours"]
    assert [row["state"] for row in body["hours"]["assignments"]] == ["missing"]
    assert body["hours"]["assignments"][0]["max_hours"] == 360


def test_the_team_sees_its_own_hours_and_others_get_404_or_401(closing, role, surgeon, users, api_client_for):
    colleague = make_volunteer("Joseph Mutua", "joseph@example.org")
    assign(closing, role, colleague)
    address = f"{API}/missions/{closing.pk}/closeout"
    body = api_client_for(surgeon.user).get(address).json()
    assert [row["person_name"] for row in body["hours"]["assignments"]] == ["Amina Mwangi"]
    assert body["actions"]["log_own_hours"] and not body["actions"]["manage_hours"]
    assert len(api_client_for(users["host_member"]).get(address).json()["hours"]["assignments"]) == 2
    assert_api_error(api_client_for(users["outsider"]).get(address), 404, "not_found")
    assert_api_error(api_client_for(None).get(address), 401, "unauthenticated")


# Handover plan --------------------------------------------------------------------------------------------


def test_put_the_handover_plan(closing, users, api_client_for):
    address = f"{API}/missions/{closing.pk}/handover-plan"
    response = put_json(api_client_for(users["host_admin"]), address, PLAN)
    assert response.status_code == 200, response.content
    assert response.json()["local_lead"] == PLAN["local_lead"]
    assert response.json()["written_by"] == "Host Admin"
    response = put_json(api_client_for(users["coordinator"]), address, {**PLAN, "equipment_left": ""})
    assert response.status_code == 200
    assert HandoverPlan.objects.get().equipment_left == ""


def test_put_the_handover_plan_refusals(closing, users, api_client_for):
    address = f"{API}/missions/{closing.pk}/handover-plan"
    coordinator = api_client_for(users["coordinator"])
    assert_api_error(
        put_json(coordinator, address, {**PLAN, "local_lead": ""}), 400, "invalid", ["local_lead"], exact=True
    )
    assert_api_error(
        put_json(coordinator, address, {"local_lead": "x"}), 400, "invalid", ["referral_pathways"]
    )
    assert_api_error(put_json(api_client_for(users["member"]), address, PLAN), 403, "not_party_manager")
    assert_api_error(put_json(api_client_for(users["outsider"]), address, PLAN), 404)
    move_to(closing, MissionStatus.COMPLETED)
    assert_api_error(put_json(coordinator, address, PLAN), 409, "handover_plan_locked")
    assert not HandoverPlan.objects.exists()


# Follow-up tasks ---------------------------------------------------------------------------------------------


def test_post_a_follow_up(closing, users, api_client_for, django_capture_on_commit_callbacks, mailoutbox):
    address = f"{API}/missions/{closing.pk}/follow-ups"
    coordinator = api_client_for(users["coordinator"])
    assert_api_error(post_json(coordinator, address, FOLLOW_UP_JSON), 409, "no_handover_plan")
    with_plan(closing, users["coordinator"])
    with django_capture_on_commit_callbacks(execute=True):
        response = post_json(coordinator, address, {**FOLLOW_UP_JSON, "notify_host": False})
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "open" and response.json()["mission"] == closing.pk
    assert mailoutbox == []
    assert_api_error(post_json(coordinator, address, {**FOLLOW_UP_JSON, "due_on": "someday"}), 400, "invalid")
    assert_api_error(
        post_json(coordinator, address, {**FOLLOW_UP_JSON, "assignee": " "}), 400, "invalid", ["assignee"]
    )
    assert_api_error(post_json(api_client_for(users["host_member"]), address, FOLLOW_UP_JSON), 403)
    assert_api_error(post_json(api_client_for(users["outsider"]), address, FOLLOW_UP_JSON), 404)
    assert FollowUpTask.objects.count() == 1


def test_patch_a_follow_up(task, users, api_client_for):
    address = f"{API}/follow-ups/{task.pk}"
    host_member = api_client_for(users["host_member"])
    assert_api_error(patch_json(host_member, address, {"status": "done"}), 400, "invalid", ["outcome"])
    assert_api_error(patch_json(host_member, address, {"status": "finished"}), 400, "invalid", ["status"])
    assert_api_error(patch_json(host_member, address, {"assignee": "Someone"}), 403, "progress_only")
    assert_api_error(patch_json(api_client_for(users["member"]), address, {"status": "cancelled"}), 403)
    assert_api_error(patch_json(api_client_for(users["outsider"]), address, {"status": "cancelled"}), 404)
    assert_api_error(patch_json(host_member, f"{API}/follow-ups/{task.pk + 1000}", {"status": "done"}), 404)
    response = patch_json(host_member, address, {"status": "done", "outcome": "All reviewed."})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "done" and response.json()["outcome"] == "All reviewed."
    move_to(task.handover_plan.mission, MissionStatus.EVALUATED)
    coordinator = api_client_for(users["coordinator"])
    assert_api_error(patch_json(coordinator, address, {"description": "Other."}), 409, "follow_ups_closed")


def test_a_volunteer_on_the_team_reads_tasks_but_cannot_patch_them(task, surgeon, api_client_for):
    client = api_client_for(surgeon.user)
    assert_api_error(
        patch_json(client, f"{API}/follow-ups/{task.pk}", {"status": "done", "outcome": "x"}), 403
    )


# Evaluations ---------------------------------------------------------------------------------------------------


def test_post_evaluations(closing, users, api_client_for, django_capture_on_commit_callbacks, mailoutbox):
    address = f"{API}/missions/{closing.pk}/evaluations"
    host = api_client_for(users["host_admin"])
    assert_api_error(post_json(host, address, EVALUATION), 409, "not_completed")
    with_plan(closing, users["coordinator"])
    move_to(closing, MissionStatus.COMPLETED)
    assert_api_error(
        post_json(host, address, {**EVALUATION, "overall_score": 7}), 400, "invalid", ["overall_score"]
    )
    assert_api_error(post_json(host, address, {**EVALUATION, "side": "visiting"}), 403, "wrong_side")
    assert_api_error(post_json(api_client_for(users["host_member"]), address, EVALUATION), 403)
    assert_api_error(post_json(api_client_for(users["outsider"]), address, EVALUATION), 404)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_json(host, address, EVALUATION)
    assert response.status_code == 201, response.content
    assert response.json()["side"] == "host" and response.json()["organization"] == "mbale-hospital"
    assert {a for m in mailoutbox for a in m.to} == {"admin@example.org", "coordinator@example.org"}
    assert_api_error(post_json(host, address, EVALUATION), 409, "evaluation_exists")
    response = post_json(api_client_for(users["coordinator"]), address, {**EVALUATION, "side": "visiting"})
    assert response.status_code == 201
    body = api_client_for(users["viewer"]).get(f"{API}/missions/{closing.pk}/closeout").json()
    assert [e["side"] for e in body["evaluations"]] == ["host", "visiting"]
    assert body["blockers"]["evaluated"] == [] and body["blockers"]["can_be_marked_evaluated"]


# Volunteer hours -------------------------------------------------------------------------------------------------


def test_log_approve_and_reopen_hours(closing, assignment, surgeon, users, api_client_for):
    log = f"{API}/assignments/{assignment.pk}/hours"
    approve = f"{log}/approve"
    reopen = f"{log}/reopen"
    volunteer = api_client_for(surgeon.user)
    coordinator = api_client_for(users["coordinator"])
    assert_api_error(post_json(volunteer, log, {"hours": 361}), 400, "invalid", ["hours"])
    assert_api_error(post_json(volunteer, log, {"hours": 0}), 400, "invalid", ["hours"])
    assert_api_error(post_json(volunteer, log, {"hours": "many"}), 400, "invalid", ["hours"])
    assert_api_error(post_json(coordinator, approve, None), 409, "no_hours")
    response = post_json(volunteer, log, {"hours": 72.5, "note": "Six lists."})
    assert response.status_code == 200, response.content
    assert (response.json()["hours"], response.json()["state"]) == (72.5, "pending")
    assert_api_error(post_json(volunteer, approve, None), 403)
    assert_api_error(post_json(api_client_for(users["member"]), log, {"hours": 5}), 403)
    assert_api_error(post_json(api_client_for(users["outsider"]), approve, None), 404)
    assert_api_error(post_json(coordinator, reopen, None), 409, "hours_not_approved")
    response = post_json(coordinator, approve, None)
    assert response.status_code == 200
    assert response.json()["state"] == "approved" and response.json()["approved_by"] == "Coordinator"
    assert_api_error(post_json(coordinator, approve, None), 409, "hours_approved")
    assert_api_error(post_json(volunteer, log, {"hours": 80}), 409, "hours_approved")
    assert_api_error(post_json(volunteer, reopen, {"reason": "Mine."}), 403)
    response = post_json(coordinator, reopen, {"reason": "Travel days included."})
    assert response.status_code == 200 and response.json()["state"] == "pending"
    assert post_json(volunteer, log, {"hours": 64}).status_code == 200
    assert post_json(coordinator, approve, None).status_code == 200
    response = coordinator.post(reopen, "", content_type="application/json")  # no body: no reason
    assert response.status_code == 200, response.content
    assert Assignment.objects.get(pk=assignment.pk).hours_approved_at is None


def test_hours_wait_for_the_field(mission, assignment, surgeon, api_client_for):
    response = post_json(
        api_client_for(surgeon.user), f"{API}/assignments/{assignment.pk}/hours", {"hours": 5}
    )
    assert_api_error(response, 409, "hours_not_open")
