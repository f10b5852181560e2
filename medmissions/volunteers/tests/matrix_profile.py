"""Permission matrix rows: the volunteer profile, its wizard, readiness and the people of an
organisation (loaded by core/tests/test_permission_matrix.py).

World objects come from matrix_world.py (``volunteer_person``, a surgeon whose home organisation is
``sending``, owned by the ``volunteer`` persona; ``unclaimed_person`` registered by ``sending``)
plus the few below, prefixed ``profile_``. Every signed-in persona has a profile of their own
(created on first visit), so "my profile" rows answer 200 for all of them.
"""

from __future__ import annotations

import dataclasses
import datetime

from medmissions.core.tests.test_permission_matrix import Ref, api, html
from medmissions.volunteers.choices import AvailabilityKind
from medmissions.volunteers.models import AvailabilityWindow

READINESS_QUERY = "country=KE&start=2030-04-01&end=2030-04-20"


def _window(person):
    return AvailabilityWindow.objects.create(
        person=person,
        kind=AvailabilityKind.AVAILABLE,
        starts_on=datetime.date(2030, 1, 1),
        ends_on=datetime.date(2030, 1, 31),
    )


WORLD = {
    "profile_window": lambda world: _window(world.volunteer_person),
    "profile_unclaimed_window": lambda world: _window(world.unclaimed_person),
    # The volunteer's home affiliation with sending: only they may withdraw it.
    "profile_affiliation": lambda world: world.volunteer_person.affiliations.get(),
    "profile_readiness_url": lambda world: f"/volunteers/me/?{READINESS_QUERY}",
    "profile_readiness_api_url": lambda world: (
        f"/api/v1/people/{world.volunteer_person.pk}/readiness?{READINESS_QUERY}&organization=bridge-health"
    ),
}

VOLUNTEER = [Ref("volunteer_person.pk")]
UNCLAIMED = [Ref("unclaimed_person.pk")]
OWN = {"volunteer": 200}

# fmt: off
# Columns:                                                       admin coord member viewer outsider anon  h_adm h_mem
ROWS = [
    # ---- my profile and its wizard (always one's own) ---------------------------------------------
    html("GET",  "volunteers:my_profile",                       "200   200   200    200    200      login 200   200",
         extra=OWN),
    html("GET",  "volunteers:my_profile",                       "200   200   200    200    200      login 200   200",
         url=Ref("profile_readiness_url"), extra=OWN, variant="with a readiness question"),
    html("GET",  "volunteers:wizard",                           "200   200   200    200    200      login 200   200",
         args=["basics"], extra=OWN),
    html("POST", "volunteers:wizard",                           "302   302   302    302    302      login 302   302",
         args=["basics"], data={"full_name": "Matrix Person", "phone": "+44 7700 900123"},
         extra={"volunteer": 302}),
    html("GET",  "volunteers:add_affiliation",                  "200   200   200    200    200      login 200   200",
         extra=OWN),
    html("POST", "volunteers:add_affiliation",                  "302   302   302    302    302      login 302   302",
         data={"organization": Ref("host.pk"), "kind": "vetting"}, extra={"volunteer": 302}),
    html("GET",  "volunteers:withdraw_affiliation",             "404   404   404    404    404      login 404   404",
         args=[Ref("profile_affiliation.pk")], extra=OWN),
    html("POST", "volunteers:withdraw_affiliation",             "404   404   404    404    404      login 404   404",
         args=[Ref("profile_affiliation.pk")], extra={"volunteer": 302}),
    # Sending's people see the volunteer's dates but only the volunteer removes them.
    html("GET",  "volunteers:remove_availability",              "403   403   403    403    404      login 404   404",
         args=[Ref("profile_window.pk")], extra=OWN, variant="claimed person"),
    html("POST", "volunteers:remove_availability",              "403   403   403    403    404      login 404   404",
         args=[Ref("profile_window.pk")], extra={"volunteer": 302}, variant="claimed person"),
    html("GET",  "volunteers:remove_availability",              "200   200   403    403    404      login 404   404",
         args=[Ref("profile_unclaimed_window.pk")], extra={"volunteer": 404}, variant="unclaimed person"),
    html("POST", "volunteers:remove_availability",              "302   302   403    403    404      login 404   404",
         args=[Ref("profile_unclaimed_window.pk")], extra={"volunteer": 404}, variant="unclaimed person"),
    # ---- the people of the current organisation (the volunteer persona belongs to none) ------------
    html("GET",  "volunteers:people",                           "200   200   200    200    200      login 200   200",
         extra={"volunteer": 403}),
    html("GET",  "volunteers:register_person",                  "200   200   403    403    200      login 200   403",
         extra={"volunteer": 403}),
    html("POST", "volunteers:register_person",                  "302   302   403    403    302      login 302   403",
         data={"full_name": "Grace Achieng", "email": "grace.achieng@example.org"}, extra={"volunteer": 403}),
    html("GET",  "volunteers:person",                           "200   200   200    200    404      login 404   404",
         args=VOLUNTEER, extra=OWN),
    html("GET",  "volunteers:person_wizard",                    "200   200   403    403    404      login 404   404",
         args=[*UNCLAIMED, "basics"], extra={"volunteer": 404}, variant="unclaimed person"),
    html("POST", "volunteers:person_wizard",                    "302   302   403    403    404      login 404   404",
         args=[*UNCLAIMED, "basics"], data={"full_name": "Joseph Mutua", "email": "joseph.mutua@example.org"},
         extra={"volunteer": 404}, variant="unclaimed person"),
    # The owner is sent to their own wizard; the organisation does not edit a claimed profile.
    html("GET",  "volunteers:person_wizard",                    "403   403   403    403    404      login 404   404",
         args=[*VOLUNTEER, "basics"], extra={"volunteer": 302}, variant="claimed person"),
    # ---- API ---------------------------------------------------------------------------------------
    api("GET",    "/people",                                    "200   200   200    200    200      401   200   200",
        extra=OWN),
    api("POST",   "/people",                                    "201   201   403    403    404      401   404   404",
        data={"organization": "bridge-health", "full_name": "Grace Achieng"}, extra={"volunteer": 404}),
    api("GET",    "/people/me",                                 "200   200   200    200    200      401   200   200",
        extra=OWN),
    api("POST",   "/people/me/affiliations",                    "201   201   201    201    201      401   201   201",
        data={"organization": "mbale-hospital", "kind": "vetting"}, extra={"volunteer": 201}),
    api("DELETE", "/people/me/affiliations/{affiliation_id}",   "404   404   404    404    404      401   404   404",
        params={"affiliation_id": Ref("profile_affiliation.pk")}, extra={"volunteer": 204}),
    api("GET",    "/people/{person_id}",                        "200   200   200    200    404      401   404   404",
        params={"person_id": Ref("volunteer_person.pk")}, extra=OWN),
    api("PATCH",  "/people/{person_id}",                        "403   403   403    403    404      401   404   404",
        params={"person_id": Ref("volunteer_person.pk")}, data={"phone": "+44 7700 900123"}, extra=OWN,
        variant="claimed person"),
    api("PATCH",  "/people/{person_id}",                        "200   200   403    403    404      401   404   404",
        params={"person_id": Ref("unclaimed_person.pk")}, data={"phone": "+254 700 000001"},
        extra={"volunteer": 404}, variant="unclaimed person"),
    api("PUT",    "/people/{person_id}/specialties",            "403   403   403    403    404      401   404   404",
        params={"person_id": Ref("volunteer_person.pk")},
        data={"specialties": [{"specialty": "anaesthesia", "proficiency": 2}]}, extra=OWN),
    api("PUT",    "/people/{person_id}/languages",              "200   200   403    403    404      401   404   404",
        params={"person_id": Ref("unclaimed_person.pk")},
        data={"languages": [{"language": "sw", "speaking": 4, "reading": 3, "writing": 3}]},
        extra={"volunteer": 404}),
    api("POST",   "/people/{person_id}/availability",           "403   403   403    403    404      401   404   404",
        params={"person_id": Ref("volunteer_person.pk")},
        data={"kind": "available", "starts_on": "2030-02-01", "ends_on": "2030-02-28"}, extra={"volunteer": 201}),
    api("DELETE", "/people/{person_id}/availability/{window_id}",
                                                                "403   403   403    403    404      401   404   404",
        params={"person_id": Ref("volunteer_person.pk"), "window_id": Ref("profile_window.pk")},
        extra={"volunteer": 204}),
    dataclasses.replace(
        api("GET", "/people/{person_id}/readiness",              "200   200   200    200    404      401   404   404",
            params={"person_id": Ref("volunteer_person.pk")}, extra=OWN),
        url_ref=Ref("profile_readiness_api_url"),
    ),
]
# fmt: on
