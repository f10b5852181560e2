"""Permission matrix rows: needs, missions, their lifecycle and roles, and the course reference list
(loaded by core/tests/test_permission_matrix.py).

World objects come from missions/tests/matrix_world.py (``missions_need`` written by the host,
``missions_proposed_need`` proposed by sending, ``missions_draft`` with ``missions_draft_role``,
``missions_awaiting``, ``missions_recruiting`` with ``missions_role`` and the volunteer's
``missions_application``, ``missions_closing`` where the volunteer served) plus the form payloads
below, prefixed ``planning_``.

Who may do what: coordinators and admins of any party (sending's, and host_admin's) plan missions
and roles; host admins confirm needs and missions; a need is changed and withdrawn by the
coordinators and admins of its host or of the organisation that wrote it; members and viewers
see (200) and are refused changes (403); the outsider sees none of it (404) but gets the list
pages, empty; the volunteer persona sees only the missions they applied to or served on.
"""

from __future__ import annotations

from medmissions.core.tests.test_permission_matrix import Ref, api, html
from medmissions.volunteers.models import Specialty


def _specialty(slug: str) -> str:
    return str(Specialty.objects.get(slug=slug).pk)


def _need_form(world):
    """The need form: one line of two midwives, at the host's site."""
    return {
        "site": world.site.pk,
        "title": "Emergency obstetric care mentoring",
        "description": "Mentor our midwives on emergency obstetric care, on the ward.",
        "national_plan_reference": "Uganda reproductive health plan",
        "priority": "3",
        "earliest_start": "2027-09-01",
        "latest_end": "2027-10-31",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "30",
        "lines-0-specialty": _specialty("midwifery"),
        "lines-0-people": "2",
    }


def _mission_form(world):
    return {
        "partnership": world.active.pk,
        "site": world.site.pk,
        "needs": [world.missions_need.pk],
        "title": "Mbale surgical camp, June 2027",
        "description": "Hernia repairs with the Mbale surgical team.",
        "starts_on": "2027-06-07",
        "ends_on": "2027-06-18",
        "time_zone": "Africa/Kampala",
        "team_type": "not_emergency",
        "capacity": "6",
    }


def _role_form(world):
    return {
        "title": "Scrub nurse",
        "specialty": _specialty("theatre-nursing"),
        "minimum_proficiency": "2",
        "people_needed": "1",
        "scope_of_practice": "Scrubs for elective hernia repair; no anaesthesia.",
        "supervisor_required_for_trainees": "on",
    }


WORLD = {
    "planning_need_form": _need_form,
    "planning_mission_form": _mission_form,
    "planning_role_form": _role_form,
}

NEED = [Ref("missions_need.pk")]
PROPOSED = [Ref("missions_proposed_need.pk")]
DRAFT = [Ref("missions_draft.pk")]
DRAFT_ROLE = [Ref("missions_draft_role.pk")]
APPLIED = Ref("missions_application.role.mission_id")  # the recruiting mission, the volunteer applied
REASON = {"reason": "The district hospital sent its own team."}
NEED_API = {
    "author": Ref("own_org.slug"),
    "site": Ref("site.pk"),
    "title": "Emergency obstetric care mentoring",
    "description": "Mentor our midwives on emergency obstetric care, on the ward.",
    "priority": 3,
    "earliest_start": "2027-09-01",
    "latest_end": "2027-10-31",
    "lines": [{"specialty": "midwifery", "people": 2}],
    "languages": ["en"],
}
MISSION_API = {
    "partnership": Ref("active.pk"),
    "site": Ref("site.pk"),
    "needs": [Ref("missions_need.pk")],
    "title": "Mbale surgical camp, June 2027",
    "starts_on": "2027-06-07",
    "ends_on": "2027-06-18",
    "time_zone": "Africa/Kampala",
    "capacity": 6,
    "services": ["surgery"],
}
ROLE_API = {
    "title": "Scrub nurse",
    "specialty": "theatre-nursing",
    "people_needed": 1,
    "scope_of_practice": "Scrubs for elective hernia repair; no anaesthesia.",
    "languages": ["en"],
}

# The volunteer persona: a surgeon who applied to the recruiting mission and served on the closing one.
HIDDEN = {"volunteer": 404}
SEES = {"volunteer": 200}

# fmt: off
# Columns:                                                      admin coord member viewer outsider anon  h_adm h_mem
ROWS = [
    # ---- needs -------------------------------------------------------------------------------------
    html("GET",  "missions:needs",                              "200   200   200    200    200      login 200   200",
         extra=SEES),
    # The author is the organisation one acts for: sending proposes for host's site, host writes its own.
    html("GET",  "missions:need_add",                           "200   200   403    403    200      login 200   403",
         extra={"volunteer": 403}),
    # The outsider's organisation has no site and no partner host: the site it names is not offered.
    html("POST", "missions:need_add",                           "302   302   403    403    400      login 302   403",
         data=Ref("planning_need_form"), extra={"volunteer": 403}),
    html("GET",  "missions:need",                               "200   200   200    200    404      login 200   200",
         args=NEED, extra=HIDDEN),
    html("GET",  "missions:need_edit",                          "403   403   403    403    404      login 200   403",
         args=NEED, extra=HIDDEN, variant="written by the host"),
    html("POST", "missions:need_edit",                          "403   403   403    403    404      login 302   403",
         args=NEED, data=Ref("planning_need_form"), extra=HIDDEN, variant="written by the host"),
    html("GET",  "missions:need_edit",                          "200   200   403    403    404      login 200   403",
         args=PROPOSED, extra=HIDDEN, variant="proposed by sending"),
    html("POST", "missions:need_edit",                          "302   302   403    403    404      login 302   403",
         args=PROPOSED, data=Ref("planning_need_form"), extra=HIDDEN, variant="proposed by sending"),
    html("POST", "missions:need_confirm",                       "403   403   403    403    404      login 302   403",
         args=PROPOSED, extra=HIDDEN),
    html("GET",  "missions:need_withdraw",                      "403   403   403    403    404      login 200   403",
         args=NEED, extra=HIDDEN, variant="written by the host"),
    html("POST", "missions:need_withdraw",                      "403   403   403    403    404      login 302   403",
         args=NEED, data=REASON, extra=HIDDEN, variant="written by the host"),
    html("POST", "missions:need_withdraw",                      "302   302   403    403    404      login 302   403",
         args=PROPOSED, data=REASON, extra=HIDDEN, variant="proposed by sending"),
    # ---- missions ----------------------------------------------------------------------------------
    html("GET",  "missions:list",                               "200   200   200    200    200      login 200   200",
         extra=SEES),
    # Coordinators and admins anywhere may open the planner; it offers only their active partnerships.
    html("GET",  "missions:add",                                "200   200   403    403    200      login 200   403",
         extra={"volunteer": 403}),
    html("POST", "missions:add",                                "302   302   403    403    400      login 302   403",
         data=Ref("planning_mission_form"), extra={"volunteer": 403}),
    html("GET",  "missions:detail",                             "200   200   200    200    404      login 200   200",
         args=DRAFT, extra=HIDDEN, variant="draft"),
    html("GET",  "missions:detail",                             "200   200   200    200    404      login 200   200",
         args=[APPLIED], extra=SEES, variant="recruiting, the volunteer applied"),
    html("GET",  "missions:detail",                             "200   200   200    200    404      login 200   200",
         args=[Ref("missions_closing.pk")], extra=SEES, variant="closing, the volunteer served"),
    html("GET",  "missions:edit",                               "200   200   403    403    404      login 200   403",
         args=DRAFT, extra=HIDDEN),
    html("POST", "missions:edit",                               "302   302   403    403    404      login 302   403",
         args=DRAFT, data=Ref("planning_mission_form"), extra=HIDDEN),
    # ---- lifecycle ---------------------------------------------------------------------------------
    html("GET",  "missions:transition",                         "200   200   403    403    404      login 200   403",
         args=[Ref("missions_draft_role.mission_id"), "submit"], extra=HIDDEN, variant="submit"),
    html("POST", "missions:transition",                         "302   302   403    403    404      login 302   403",
         args=[Ref("missions_draft_role.mission_id"), "submit"], extra=HIDDEN, variant="submit"),
    html("POST", "missions:transition",                         "403   403   403    403    404      login 302   403",
         args=[Ref("missions_awaiting.pk"), "confirm"], extra=HIDDEN, variant="confirm, host admins"),
    html("GET",  "missions:transition",                         "403   403   403    403    404      login 200   403",
         args=[Ref("missions_awaiting.pk"), "return"], extra=HIDDEN, variant="return, host admins"),
    html("POST", "missions:transition",                         "403   403   403    403    404      login 302   403",
         args=[Ref("missions_awaiting.pk"), "return"], data={"reason": "Move it after the rainy season."},
         extra=HIDDEN, variant="return, host admins"),
    html("GET",  "missions:transition",                         "200   200   403    403    404      login 200   403",
         args=[APPLIED, "cancel"], extra={"volunteer": 403}, variant="cancel"),
    html("POST", "missions:transition",                         "302   302   403    403    404      login 302   403",
         args=[APPLIED, "cancel"], data=REASON, extra={"volunteer": 403}, variant="cancel"),
    # ---- roles -------------------------------------------------------------------------------------
    html("GET",  "missions:role_add",                           "200   200   403    403    404      login 200   403",
         args=DRAFT, extra=HIDDEN),
    html("POST", "missions:role_add",                           "302   302   403    403    404      login 302   403",
         args=DRAFT, data=Ref("planning_role_form"), extra=HIDDEN),
    html("GET",  "missions:role_edit",                          "200   200   403    403    404      login 200   403",
         args=DRAFT_ROLE, extra=HIDDEN, variant="draft"),
    html("GET",  "missions:role_edit",                          "200   200   403    403    404      login 200   403",
         args=[Ref("missions_application.role_id")], extra={"volunteer": 403},
         variant="recruiting, the volunteer applied"),
    html("POST", "missions:role_edit",                          "302   302   403    403    404      login 302   403",
         args=DRAFT_ROLE, data=Ref("planning_role_form"), extra=HIDDEN),
    html("GET",  "missions:role_delete",                        "200   200   403    403    404      login 200   403",
         args=DRAFT_ROLE, extra=HIDDEN),
    html("POST", "missions:role_delete",                        "302   302   403    403    404      login 302   403",
         args=DRAFT_ROLE, extra=HIDDEN),

    # ---- API: needs --------------------------------------------------------------------------------
    api("GET",    "/needs",                                     "200   200   200    200    200      401   200   200",
        extra=SEES),
    # The author is the persona's own organisation; the outsider cannot even see the host's site.
    api("POST",   "/needs",                                     "201   201   403    403    404      401   201   403",
        data=NEED_API, extra=HIDDEN),
    api("GET",    "/needs/{need_id}",                           "200   200   200    200    404      401   200   200",
        params={"need_id": Ref("missions_need.pk")}, extra=HIDDEN),
    api("PATCH",  "/needs/{need_id}",                           "403   403   403    403    404      401   200   403",
        params={"need_id": Ref("missions_need.pk")}, data={"priority": 4}, extra=HIDDEN,
        variant="written by the host"),
    api("PATCH",  "/needs/{need_id}",                           "200   200   403    403    404      401   200   403",
        params={"need_id": Ref("missions_proposed_need.pk")}, data={"priority": 4}, extra=HIDDEN,
        variant="proposed by sending"),
    api("POST",   "/needs/{need_id}/confirm",                   "403   403   403    403    404      401   200   403",
        params={"need_id": Ref("missions_proposed_need.pk")}, extra=HIDDEN),
    api("POST",   "/needs/{need_id}/withdraw",                  "403   403   403    403    404      401   200   403",
        params={"need_id": Ref("missions_need.pk")}, data=REASON, extra=HIDDEN),
    # ---- API: missions -----------------------------------------------------------------------------
    api("GET",    "/missions",                                  "200   200   200    200    200      401   200   200",
        extra=SEES),
    api("POST",   "/missions",                                  "201   201   403    403    404      401   201   403",
        data=MISSION_API, extra=HIDDEN),
    api("GET",    "/missions/{mission_id}",                     "200   200   200    200    404      401   200   200",
        params={"mission_id": Ref("missions_draft.pk")}, extra=HIDDEN, variant="draft"),
    api("GET",    "/missions/{mission_id}",                     "200   200   200    200    404      401   200   200",
        params={"mission_id": APPLIED}, extra=SEES, variant="recruiting, the volunteer applied"),
    api("PATCH",  "/missions/{mission_id}",                     "200   200   403    403    404      401   200   403",
        params={"mission_id": Ref("missions_draft.pk")}, data={"capacity": 8}, extra=HIDDEN),
    api("POST",   "/missions/{mission_id}/transitions",         "200   200   403    403    404      401   200   403",
        params={"mission_id": Ref("missions_draft_role.mission_id")}, data={"transition": "submit"},
        extra=HIDDEN, variant="submit"),
    api("POST",   "/missions/{mission_id}/transitions",         "403   403   403    403    404      401   200   403",
        params={"mission_id": Ref("missions_awaiting.pk")}, data={"transition": "confirm"},
        extra=HIDDEN, variant="confirm, host admins"),
    api("POST",   "/missions/{mission_id}/transitions",         "200   200   403    403    404      401   200   403",
        params={"mission_id": APPLIED}, data={"transition": "cancel", **REASON},
        extra={"volunteer": 403}, variant="cancel"),
    # ---- API: roles --------------------------------------------------------------------------------
    api("GET",    "/missions/{mission_id}/roles",               "200   200   200    200    404      401   200   200",
        params={"mission_id": Ref("missions_draft_role.mission_id")}, extra=HIDDEN),
    api("POST",   "/missions/{mission_id}/roles",               "201   201   403    403    404      401   201   403",
        params={"mission_id": Ref("missions_draft.pk")}, data=ROLE_API, extra=HIDDEN),
    api("PATCH",  "/missions/{mission_id}/roles/{role_id}",     "200   200   403    403    404      401   200   403",
        params={"mission_id": Ref("missions_draft_role.mission_id"), "role_id": Ref("missions_draft_role.pk")},
        data={"people_needed": 3}, extra=HIDDEN),
    api("DELETE", "/missions/{mission_id}/roles/{role_id}",     "204   204   403    403    404      401   204   403",
        params={"mission_id": Ref("missions_draft_role.mission_id"), "role_id": Ref("missions_draft_role.pk")},
        extra=HIDDEN),
    # ---- API: reference list -----------------------------------------------------------------------
    api("GET",    "/reference/courses",                         "200   200   200    200    200      401   200   200",
        extra=SEES),
]
# fmt: on
