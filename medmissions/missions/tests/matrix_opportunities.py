"""Permission matrix rows: opportunity search and pages, applying and withdrawing, my missions, the
Applications tab with coordinator review, saved searches, and a person's value tags (loaded by
core/tests/test_permission_matrix.py).

World objects come from missions/tests/matrix_world.py (``missions_recruiting`` with
``missions_role``; ``missions_application``, the ``volunteer`` persona's application to it) and
volunteers/tests/matrix_world.py (``volunteer_person``, ``unclaimed_person``), plus those below,
prefixed ``opportunities_``:

* ``opportunities_saved_search`` — a saved search of the volunteer;
* ``opportunities_mission_applications_api_url`` — ``GET /applications?mission=`` for the
  recruiting mission.

Every signed-in persona discovers recruiting missions and may apply; a mission's applications are
for the members of its parties (sending and host); reviewing and accepting for coordinators and
admins of any party (``manage_missions``).
"""

from __future__ import annotations

import dataclasses

from medmissions.core.tests.test_permission_matrix import Ref, api, html
from medmissions.missions import discovery


def _saved_search(world):
    return discovery.create_saved_search(
        actor=world.volunteer_person.user, name="Surgery in Africa", filters={"specialty": "surgery"}
    )


WORLD = {
    "opportunities_saved_search": _saved_search,
    "opportunities_mission_applications_api_url": lambda world: (
        f"/api/v1/applications?mission={world.missions_recruiting.pk}"
    ),
}

RECRUITING = [Ref("missions_recruiting.pk")]
ROLE = [Ref("missions_role.pk")]
APPLICATION = [Ref("missions_application.pk")]
SAVED = [Ref("opportunities_saved_search.pk")]
APPLY = {"motivation": "I have led hernia camps in Tororo twice."}
REVIEW = {"decision": "shortlisted", "message": "We will call you on Monday."}
ACCEPT = {"message": "Welcome to the team."}
SAVE = {"name": "Surgery in Africa", "specialty": "surgery", "region": "AFRO", "email_alerts": "on"}
ALL_200 = {"volunteer": 200}

# fmt: off
# Columns:                                                      admin coord member viewer outsider anon  h_adm h_mem
ROWS = [
    # ---- search, one opportunity, applying (every signed-in person) -------------------------------------
    html("GET",  "missions:opportunities",                     "200   200   200    200    200      login 200   200",
         extra=ALL_200),
    html("GET",  "missions:opportunity",                       "200   200   200    200    200      login 200   200",
         args=RECRUITING, extra=ALL_200),
    html("POST", "missions:apply",                             "302   302   302    302    302      login 302   302",
         args=ROLE, data=APPLY, extra={"volunteer": 302}),
    # The applicant withdraws; the parties see the application but may not withdraw it.
    html("GET",  "missions:application_withdraw",              "403   403   403    403    404      login 403   403",
         args=APPLICATION, extra=ALL_200),
    html("POST", "missions:application_withdraw",              "403   403   403    403    404      login 403   403",
         args=APPLICATION, extra={"volunteer": 302}),
    html("GET",  "missions:mine",                              "200   200   200    200    200      login 200   200",
         extra=ALL_200),
    # ---- the Applications tab and review (parties; managers act) -----------------------------------
    html("GET",  "missions:applications",                      "200   200   200    200    404      login 200   200",
         args=RECRUITING, extra={"volunteer": 404}),
    html("GET",  "missions:applications",                      "200   200   200    200    404      login 200   200",
         args=[Ref("missions_application.role.mission_id")], extra={"volunteer": 404},
         variant="the volunteer applied"),
    html("POST", "missions:application_review",                "302   302   403    403    404      login 302   403",
         args=APPLICATION, data=REVIEW, extra={"volunteer": 403}),
    html("POST", "missions:application_accept",                "302   302   403    403    404      login 302   403",
         args=APPLICATION, data=ACCEPT, extra={"volunteer": 403}),
    # ---- saved searches (one's own) -------------------------------------------------------------------
    html("GET",  "missions:saved_searches",                    "200   200   200    200    200      login 200   200",
         extra=ALL_200),
    html("POST", "missions:saved_search_add",                  "302   302   302    302    302      login 302   302",
         data=SAVE, extra={"volunteer": 302}),
    html("GET",  "missions:saved_search_edit",                 "404   404   404    404    404      login 404   404",
         args=SAVED, extra=ALL_200),
    html("POST", "missions:saved_search_edit",                 "404   404   404    404    404      login 404   404",
         args=SAVED, data={"name": "Surgery anywhere"}, extra={"volunteer": 302}),
    html("GET",  "missions:saved_search_delete",               "404   404   404    404    404      login 404   404",
         args=SAVED, extra=ALL_200),
    html("POST", "missions:saved_search_delete",               "404   404   404    404    404      login 404   404",
         args=SAVED, extra={"volunteer": 302}),

    # ---- API: opportunities ----------------------------------------------------------------------------
    api("GET",    "/opportunities",                            "200   200   200    200    200      401   200   200",
        extra=ALL_200),
    api("GET",    "/opportunities/{mission_id}",               "200   200   200    200    200      401   200   200",
        params={"mission_id": Ref("missions_recruiting.pk")}, extra=ALL_200),
    # ---- API: applications -----------------------------------------------------------------------------
    api("POST",   "/applications",                             "201   201   201    201    201      401   201   201",
        data={"role": Ref("missions_role.pk"), **APPLY}, extra={"volunteer": 201}),
    api("GET",    "/applications",                             "200   200   200    200    200      401   200   200",
        extra=ALL_200, variant="one's own"),
    dataclasses.replace(
        api("GET", "/applications",                            "200   200   200    200    404      401   200   200",
            extra={"volunteer": 404}, variant="of a mission"),
        url_ref=Ref("opportunities_mission_applications_api_url"),
    ),
    api("GET",    "/applications/{application_id}",            "200   200   200    200    404      401   200   200",
        params={"application_id": Ref("missions_application.pk")}, extra=ALL_200),
    api("POST",   "/applications/{application_id}/withdraw",   "403   403   403    403    404      401   403   403",
        params={"application_id": Ref("missions_application.pk")}, data={}, extra=ALL_200),
    api("POST",   "/applications/{application_id}/review",     "200   200   403    403    404      401   200   403",
        params={"application_id": Ref("missions_application.pk")}, data=REVIEW, extra={"volunteer": 403}),
    api("POST",   "/applications/{application_id}/accept",     "201   201   403    403    404      401   201   403",
        params={"application_id": Ref("missions_application.pk")}, data=ACCEPT, extra={"volunteer": 403}),
    # ---- API: saved searches (one's own) ---------------------------------------------------------------
    api("GET",    "/saved-searches",                           "200   200   200    200    200      401   200   200",
        extra=ALL_200),
    api("POST",   "/saved-searches",                           "201   201   201    201    201      401   201   201",
        data={"name": "Surgery in Africa", "filters": {"specialty": "surgery", "region": "AFRO"}},
        extra={"volunteer": 201}),
    api("PATCH",  "/saved-searches/{saved_search_id}",         "404   404   404    404    404      401   404   404",
        params={"saved_search_id": Ref("opportunities_saved_search.pk")}, data={"email_alerts": False},
        extra=ALL_200),
    api("DELETE", "/saved-searches/{saved_search_id}",         "404   404   404    404    404      401   404   404",
        params={"saved_search_id": Ref("opportunities_saved_search.pk")}, extra={"volunteer": 204}),
    # ---- API: a person's values (only the person themself) ---------------------------------------------
    api("PUT",    "/people/{person_id}/value-tags",            "403   403   403    403    404      401   404   404",
        params={"person_id": Ref("volunteer_person.pk")}, data={"value_tags": ["teaching"]}, extra=ALL_200,
        variant="claimed person"),
    api("PUT",    "/people/{person_id}/value-tags",            "403   403   403    403    404      401   404   404",
        params={"person_id": Ref("unclaimed_person.pk")}, data={"value_tags": ["teaching"]},
        extra={"volunteer": 404}, variant="unclaimed person"),
]
# fmt: on
