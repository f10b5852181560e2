"""Permission matrix rows: a mission's team tab (readiness board, waivers, supervisors, removal,
announcements), its message thread and the calendar feed (loaded by core/tests/test_permission_matrix.py).

World objects come from missions/tests/matrix_world.py (``missions_assignment``: the ``volunteer``
persona accepted on the recruiting mission) plus those below, prefixed ``team_``:

* ``team_unmet_key`` — a requirement the volunteer does not meet on that mission (their passport);
  ``team_waive_form`` — a valid waive form for it; ``team_waiver`` — that requirement waived by
  host_admin;
* ``team_trainee_assignment`` — a trainee on the same mission, who can be supervised by the volunteer;
* ``team_calendar_feed`` — the volunteer's calendar feed.
"""

from __future__ import annotations

from medmissions.core.tests.test_permission_matrix import Ref, api, html
from medmissions.missions import board
from medmissions.missions import team as team_services
from medmissions.missions.models import Assignment
from medmissions.volunteers.models import Person, Specialty


def _unmet_key(world) -> str:
    rows = board.readiness_board(world.missions_assignment.mission)
    row = next(row for row in rows if row.assignment.pk == world.missions_assignment.pk)
    keys = [check.key for check in row.blocking]
    return "credential:passport" if "credential:passport" in keys else keys[0]


def _waive_form(world):
    return {"requirement_key": world.team_unmet_key, "reason": "The host vouches; checked at the border."}


def _waiver(world):
    return board.waive_requirement(
        world.missions_assignment,
        actor=world.users["host_admin"],
        requirement_key=world.team_unmet_key,
        reason="The host vouches; checked at the border.",
    )


def _trainee_assignment(world):
    assignment = world.missions_assignment
    trainee = Person.objects.create(
        full_name="Samuel Wekesa",
        email="samuel.wekesa@example.org",
        profession=Specialty.objects.get(slug="medicine"),
        is_trainee=True,
    )
    return Assignment.objects.create(
        mission=assignment.mission,
        role=assignment.role,
        person=trainee,
        starts_on=assignment.starts_on,
        ends_on=assignment.ends_on,
    )


def _calendar_feed(world):
    return team_services.create_calendar_feed(world.volunteer_person.user)


def _message(world):
    return team_services.post_message(
        world.missions_assignment.mission, actor=world.coordinator, body="Welcome to the team."
    )


WORLD = {
    "team_unmet_key": _unmet_key,
    "team_waive_form": _waive_form,
    "team_waiver": _waiver,
    "team_trainee_assignment": _trainee_assignment,
    "team_calendar_feed": _calendar_feed,
    "team_message": _message,
}

MISSION = [Ref("missions_assignment.mission_id")]
ASSIGNMENT = [Ref("missions_assignment.pk")]
P_MISSION = {"mission_id": Ref("missions_assignment.mission_id")}
P_ASSIGNMENT = {"assignment_id": Ref("missions_assignment.pk")}
P_TRAINEE = {"assignment_id": Ref("team_trainee_assignment.pk")}
ANNOUNCEMENT = {"subject": "Visas", "body": "Apply for your East African tourist visa this week."}
MESSAGE = {"body": "Who brings the spare headlamps?"}
REMOVE = {"reason": "The host asked for a surgeon with paediatric experience instead."}
WAIVER = {
    "assignment": Ref("missions_assignment.pk"),
    "requirement_key": Ref("team_unmet_key"),
    "reason": "The host vouches; checked at the border.",
}
SUPERVISOR = {"supervisor": Ref("volunteer_person.pk")}

# The volunteer persona holds missions_assignment: they see the team, its thread and their own row.
TEAM = {"volunteer": 200}
NOT_FOR_TEAM = {"volunteer": 403}

# fmt: off
# Columns:                                                      admin coord member viewer outsider anon  h_adm h_mem
ROWS = [
    # ---- the team tab ------------------------------------------------------------------------------
    html("GET",  "missions:team",                              "200   200   200    200    404      login 200   200",
         args=MISSION, extra=TEAM),
    # Only host admins waive (the sending admin cannot vouch for the host); the volunteer sees the row.
    html("POST", "missions:waive",                             "403   403   403    403    404      login 302   403",
         args=ASSIGNMENT, data=Ref("team_waive_form"), extra=NOT_FOR_TEAM),
    html("POST", "missions:waiver_revoke",                     "403   403   403    403    404      login 302   403",
         args=[Ref("team_waiver.pk")], extra=NOT_FOR_TEAM),
    # Coordinators and admins of any party; the trainee's assignment is not the volunteer's to see.
    html("POST", "missions:assignment_supervisor",             "302   302   403    403    404      login 302   403",
         args=[Ref("team_trainee_assignment.pk")], data=SUPERVISOR, extra={"volunteer": 404}),
    html("GET",  "missions:assignment_remove",                 "200   200   403    403    404      login 200   403",
         args=ASSIGNMENT, extra=NOT_FOR_TEAM),
    html("POST", "missions:assignment_remove",                 "302   302   403    403    404      login 302   403",
         args=ASSIGNMENT, data=REMOVE, extra=NOT_FOR_TEAM),
    html("POST", "missions:announce",                          "302   302   403    403    404      login 302   403",
         args=MISSION, data=ANNOUNCEMENT, extra=NOT_FOR_TEAM),
    # ---- the message thread: the parties' members and the team ----------------------------------------
    html("GET",  "missions:messages",                          "200   200   200    200    404      login 200   200",
         args=[Ref("team_message.mission_id")], extra=TEAM),
    html("POST", "missions:messages",                          "302   302   302    302    404      login 302   302",
         args=MISSION, data=MESSAGE, extra={"volunteer": 302}),
    # ---- the calendar feed: one's own; the feed itself needs no sign-in, only its secret token --------
    html("GET",  "missions:calendar",                          "200   200   200    200    200      login 200   200",
         extra=TEAM),
    html("POST", "missions:calendar",                          "302   302   302    302    302      login 302   302",
         extra={"volunteer": 302}),
    html("POST", "missions:calendar_reset",                    "302   302   302    302    302      login 302   302",
         extra={"volunteer": 302}),
    html("GET",  "missions:calendar_feed",                     "200   200   200    200    200      200   200   200",
         args=[Ref("team_calendar_feed.token")], extra=TEAM, variant="the volunteer's feed"),
    html("GET",  "missions:calendar_feed",                     "404   404   404    404    404      404   404   404",
         args=["x" * 43], extra={"volunteer": 404}, variant="unknown token"),

    # ---- API ------------------------------------------------------------------------------------------
    api("GET",    "/missions/{mission_id}/readiness",          "200   200   200    200    404      401   200   200",
        params=P_MISSION, extra=TEAM),
    api("POST",   "/missions/{mission_id}/waivers",            "403   403   403    403    404      401   201   403",
        params=P_MISSION, data=WAIVER, extra=NOT_FOR_TEAM),
    api("DELETE", "/missions/{mission_id}/waivers/{waiver_id}", "403  403   403    403    404      401   204   403",
        params={"mission_id": Ref("team_waiver.assignment.mission_id"), "waiver_id": Ref("team_waiver.pk")},
        extra=NOT_FOR_TEAM),
    api("POST",   "/assignments/{assignment_id}/supervisor",   "200   200   403    403    404      401   200   403",
        params=P_TRAINEE, data=SUPERVISOR, extra={"volunteer": 404}),
    api("POST",   "/assignments/{assignment_id}/remove",       "200   200   403    403    404      401   200   403",
        params=P_ASSIGNMENT, data=REMOVE, extra=NOT_FOR_TEAM),
    api("GET",    "/missions/{mission_id}/announcements",      "200   200   200    200    404      401   200   200",
        params=P_MISSION, extra=TEAM),
    api("POST",   "/missions/{mission_id}/announcements",      "201   201   403    403    404      401   201   403",
        params=P_MISSION, data=ANNOUNCEMENT, extra=NOT_FOR_TEAM),
    api("GET",    "/missions/{mission_id}/messages",           "200   200   200    200    404      401   200   200",
        params=P_MISSION, extra=TEAM),
    api("POST",   "/missions/{mission_id}/messages",           "201   201   201    201    404      401   201   201",
        params=P_MISSION, data=MESSAGE, extra={"volunteer": 201}),
    api("GET",    "/calendar",                                 "200   200   200    200    200      401   200   200",
        extra=TEAM),
    api("POST",   "/calendar",                                 "201   201   201    201    201      401   201   201",
        extra={"volunteer": 201}),
]
# fmt: on
