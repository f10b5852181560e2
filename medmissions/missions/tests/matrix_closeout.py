"""Permission matrix rows: a mission's close-out — the tab, the handover plan, follow-up tasks,
evaluations and volunteer hours (loaded by core/tests/test_permission_matrix.py).

World objects come from matrix_world.py (``missions_closing``, a mission in close-out, and
``missions_closing_assignment``, the ``volunteer`` persona's assignment on it) plus these:

* ``closeout_plan`` — the handover plan of ``missions_closing``; ``closeout_follow_up`` — a task on it;
* ``closeout_completed`` — ``missions_closing`` completed (plan written), nobody has evaluated;
  ``closeout_host_evaluated`` — the same with the host's evaluation written;
* ``closeout_logged_hours`` — the volunteer's assignment with hours logged by the volunteer;
  ``closeout_approved_hours`` — those hours approved by sending's coordinator.

Who may do what: the parties and the team see the tab (everyone else 404); coordinators and admins
of any party (host_admin too) write the plan and add tasks; host members also update a task's status;
the host's evaluation is host_admin's, the visiting team's is sending's admin and coordinator's; the
volunteer logs their own hours and coordinators of any party approve and re-open them.
"""

from __future__ import annotations

import datetime

from medmissions.core.tests.test_permission_matrix import Ref, api, html
from medmissions.missions import closeout, services
from medmissions.missions.choices import EvaluationSide

PLAN = {
    "local_lead": "Dr Namono, head of surgery",
    "referral_pathways": "Mbale RRH surgical clinic on Tuesdays.",
    "medicines_left": "Ceftriaxone 1 g × 40",
    "equipment_left": "",
}
FOLLOW_UP = {
    "description": "Review the camp's hernia repairs at six weeks (list ref. MBL-27-01).",
    "assignee": "Sister Achola, surgical ward",
    "due_on": "2027-02-26",
}
EVALUATION = {
    "what_went_well": "Joint lists with Mbale surgeons.",
    "what_to_change": "Brief on referrals on day one.",
    "overall_score": 4,
}


def _plan(world):
    return closeout.save_handover_plan(world.missions_closing, actor=world.coordinator, data=PLAN)


def _follow_up(world):
    return closeout.add_follow_up(
        world.closeout_plan.mission,
        actor=world.coordinator,
        data={**FOLLOW_UP, "due_on": datetime.date(2027, 2, 26)},
        notify_host=False,
    )


def _completed(world):
    world.closeout_plan  # noqa: B018 - completion needs the handover plan
    return services.complete(world.missions_closing, actor=world.coordinator)


def _host_evaluated(world):
    mission = world.closeout_completed
    closeout.write_evaluation(
        mission, actor=world.users["host_admin"], side=EvaluationSide.HOST, data=EVALUATION
    )
    return mission


def _logged_hours(world):
    assignment = world.missions_closing_assignment
    return closeout.log_hours(assignment, actor=world.volunteer_person.user, hours=80, note="Ten lists.")


def _approved_hours(world):
    return closeout.approve_hours(world.closeout_logged_hours, actor=world.coordinator)


WORLD = {
    "closeout_plan": _plan,
    "closeout_follow_up": _follow_up,
    "closeout_completed": _completed,
    "closeout_host_evaluated": _host_evaluated,
    "closeout_logged_hours": _logged_hours,
    "closeout_approved_hours": _approved_hours,
}

CLOSING = [Ref("missions_closing.pk")]
WITH_PLAN = [Ref("closeout_plan.mission_id")]
TASK = [Ref("closeout_follow_up.handover_plan.mission_id"), Ref("closeout_follow_up.pk")]
COMPLETED = [Ref("closeout_completed.pk")]
HOST_EVALUATED = [Ref("closeout_host_evaluated.pk")]
ASSIGNMENT = [Ref("missions_closing_assignment.pk")]
LOGGED = [Ref("closeout_logged_hours.pk")]
APPROVED = [Ref("closeout_approved_hours.pk")]
TASK_UPDATE = {**FOLLOW_UP, "status": "done", "outcome": "All twelve reviewed; one referred."}

SEES = {"volunteer": 200}
REFUSED = {"volunteer": 403}

# fmt: off
# Columns:                                                      admin coord member viewer outsider anon  h_adm h_mem
ROWS = [
    # ---- the tab: the parties and the team ---------------------------------------------------------
    html("GET",  "missions:closeout",                          "200   200   200    200    404      login 200   200",
         args=CLOSING, extra=SEES),
    # ---- handover plan: coordinators and admins of any party, the host's included ------------------
    html("GET",  "missions:handover",                          "200   200   403    403    404      login 200   403",
         args=CLOSING, extra=REFUSED),
    html("POST", "missions:handover",                          "302   302   403    403    404      login 302   403",
         args=CLOSING, data=PLAN, extra=REFUSED),
    # ---- follow-up tasks: added by party coordinators, progress recorded by host members too -------
    html("POST", "missions:follow_up_add",                     "302   302   403    403    404      login 302   403",
         args=WITH_PLAN, data={**FOLLOW_UP, "notify_host": "on"}, extra=REFUSED),
    html("GET",  "missions:follow_up_edit",                    "200   200   403    403    404      login 200   200",
         args=TASK, extra=REFUSED),
    html("POST", "missions:follow_up_edit",                    "302   302   403    403    404      login 302   302",
         args=TASK, data=TASK_UPDATE, extra=REFUSED),
    # ---- evaluations: the host's by host admins, the visiting team's by sending's coordinators -----
    html("GET",  "missions:evaluate",                          "200   200   403    403    404      login 200   403",
         args=COMPLETED, extra=REFUSED, variant="nothing written yet"),
    html("POST", "missions:evaluate",                          "403   403   403    403    404      login 302   403",
         args=COMPLETED, data={**EVALUATION, "side": "host"}, extra=REFUSED, variant="host side"),
    html("POST", "missions:evaluate",                          "302   302   403    403    404      login 403   403",
         args=HOST_EVALUATED, data={**EVALUATION, "side": "visiting"}, extra=REFUSED, variant="visiting side"),
    # ---- hours: the volunteer logs their own; coordinators of any party log, approve, re-open ------
    html("POST", "missions:hours_log",                         "302   302   403    403    404      login 302   403",
         args=ASSIGNMENT, data={"hours": "80", "note": "Ten lists."}, extra={"volunteer": 302}),
    html("POST", "missions:hours_approve",                     "302   302   403    403    404      login 302   403",
         args=LOGGED, extra=REFUSED),
    html("POST", "missions:hours_reopen",                      "302   302   403    403    404      login 302   403",
         args=APPROVED, data={"reason": "Travel days included."}, extra=REFUSED),

    # ---- API ------------------------------------------------------------------------------------------
    api("GET",   "/missions/{mission_id}/closeout",            "200   200   200    200    404      401   200   200",
        params={"mission_id": Ref("missions_closing.pk")}, extra=SEES),
    api("PUT",   "/missions/{mission_id}/handover-plan",       "200   200   403    403    404      401   200   403",
        params={"mission_id": Ref("missions_closing.pk")}, data=PLAN, extra=REFUSED),
    api("POST",  "/missions/{mission_id}/follow-ups",          "201   201   403    403    404      401   201   403",
        params={"mission_id": Ref("closeout_plan.mission_id")}, data=FOLLOW_UP, extra=REFUSED),
    api("PATCH", "/follow-ups/{follow_up_id}",                 "200   200   403    403    404      401   200   200",
        params={"follow_up_id": Ref("closeout_follow_up.pk")},
        data={"status": "done", "outcome": "All twelve reviewed."}, extra=REFUSED, variant="status and outcome"),
    api("POST",  "/missions/{mission_id}/evaluations",         "403   403   403    403    404      401   201   403",
        params={"mission_id": Ref("closeout_completed.pk")}, data={**EVALUATION, "side": "host"},
        extra=REFUSED, variant="host side"),
    api("POST",  "/missions/{mission_id}/evaluations",         "201   201   403    403    404      401   403   403",
        params={"mission_id": Ref("closeout_host_evaluated.pk")}, data={**EVALUATION, "side": "visiting"},
        extra=REFUSED, variant="visiting side"),
    api("POST",  "/assignments/{assignment_id}/hours",         "200   200   403    403    404      401   200   403",
        params={"assignment_id": Ref("missions_closing_assignment.pk")}, data={"hours": 80, "note": "Ten lists."},
        extra={"volunteer": 200}),
    api("POST",  "/assignments/{assignment_id}/hours/approve", "200   200   403    403    404      401   200   403",
        params={"assignment_id": Ref("closeout_logged_hours.pk")}, extra=REFUSED),
    api("POST",  "/assignments/{assignment_id}/hours/reopen",  "200   200   403    403    404      401   200   403",
        params={"assignment_id": Ref("closeout_approved_hours.pk")}, data={"reason": "Travel days included."},
        extra=REFUSED),
]
# fmt: on
