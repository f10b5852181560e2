"""Permission matrix rows: suggested people (a mission's matching tab, one role), optimisation runs
and the organisation's matching weights (loaded by core/tests/test_permission_matrix.py).

World objects come from missions/tests/matrix_world.py (``missions_recruiting`` with
``missions_role``, in the partnership of ``sending`` and ``host``) plus ``matching_run``: a run of
``sending`` over the recruiting mission by its coordinator. Nobody in the matrix world meets the
host country's rules, so the run proposes nobody and accepting it is refused with 409/400 once
the access checks have passed (the services tests cover accepting a real proposal).

Suggestions are for the coordinators and admins of any party (host_admin too); runs belong to
the organisation that ran them (host_admin, of another organisation, gets 404); weights are read
by the organisation's members and changed by its admins.
"""

from __future__ import annotations

from medmissions.core.tests.test_permission_matrix import Ref, api, html
from medmissions.matching import services


def _run(world):
    return services.run_optimisation(
        organization=world.sending, missions=[world.missions_recruiting], actor=world.coordinator
    )


WORLD = {"matching_run": _run}

MISSION = [Ref("missions_recruiting.pk")]
ROLE = [Ref("missions_role.pk")]
RUN = [Ref("matching_run.pk")]
SLUG = [Ref("sending.slug")]
P_ROLE = {"role_id": Ref("missions_role.pk")}
P_RUN = {"run_id": Ref("matching_run.pk")}
P_SLUG = {"slug": Ref("sending.slug")}
RUN_FORM = {"organization": Ref("sending.pk"), "missions": [Ref("missions_recruiting.pk")]}
RUN_IN = {"organization": Ref("sending.slug"), "missions": [Ref("missions_recruiting.pk")]}
WEIGHTS_FORM = {
    "interest": 30, "language": 20, "continuity": 15, "experience": 20, "proficiency": 10, "local": 15,
    "first_timer": 5,
}  # fmt: skip

# fmt: off
# Columns:                                                      admin coord member viewer outsider anon  h_adm h_mem
ROWS = [
    # ---- suggestions: the mission's coordinators (any party) -----------------------------------------
    html("GET",  "matching:mission",                           "200   200   403    403    404      login 200   403",
         args=MISSION),
    html("GET",  "matching:role",                              "200   200   403    403    404      login 200   403",
         args=ROLE),
    # ---- runs: the form lists the organisations one coordinates (the outsider and host admin only
    # coordinate their own, so sending is not a valid choice for them: the form answers 200 with errors)
    html("GET",  "matching:runs",                              "200   200   403    403    200      login 200   403"),
    html("POST", "matching:runs",                              "302   302   403    403    200      login 200   403",
         data=RUN_FORM),
    html("GET",  "matching:run",                               "200   200   403    403    404      login 404   404",
         args=RUN),
    html("POST", "matching:rerun",                             "302   302   403    403    404      login 404   404",
         args=RUN),
    # An empty proposal: refused (400, with the reason on the page) after the access checks.
    html("POST", "matching:accept",                            "400   400   403    403    404      login 404   404",
         args=RUN),
    html("POST", "matching:discard",                           "302   302   403    403    404      login 404   404",
         args=RUN),
    # ---- weights: members read, admins change ------------------------------------------------------------
    html("GET",  "matching:weights",                           "200   200   200    200    404      login 404   404",
         args=SLUG),
    html("POST", "matching:weights",                           "302   403   403    403    404      login 404   404",
         args=SLUG, data=WEIGHTS_FORM),
    html("POST", "matching:weights_reset",                     "302   403   403    403    404      login 404   404",
         args=SLUG),

    # ---- API ----------------------------------------------------------------------------------------------
    api("GET",    "/matching/roles/{role_id}/suggestions",     "200   200   403    403    404      401   200   403",
        params=P_ROLE),
    api("GET",    "/matching/runs",                            "200   200   200    200    200      401   200   200"),
    api("POST",   "/matching/runs",                            "201   201   403    403    404      401   404   404",
        data=RUN_IN),
    api("GET",    "/matching/runs/{run_id}",                   "200   200   403    403    404      401   404   404",
        params=P_RUN),
    api("POST",   "/matching/runs/{run_id}/rerun",             "201   201   403    403    404      401   404   404",
        params=P_RUN, data={}),
    api("POST",   "/matching/runs/{run_id}/accept",            "409   409   403    403    404      401   404   404",
        params=P_RUN, data={}),
    api("POST",   "/matching/runs/{run_id}/discard",           "200   200   403    403    404      401   404   404",
        params=P_RUN),
    api("GET",    "/matching/weights/{slug}",                  "200   200   200    200    404      401   404   404",
        params=P_SLUG),
    api("PUT",    "/matching/weights/{slug}",                  "200   403   403    403    404      401   404   404",
        params=P_SLUG, data={"experience": 25}),
    api("DELETE", "/matching/weights/{slug}",                  "204   403   403    403    404      401   404   404",
        params=P_SLUG),
]
# fmt: on
