"""Permission matrix rows: consultation capture — the capture page, the day's consultations, one
consultation with its correction and deletion, and the consultations API (loaded by
core/tests/test_permission_matrix.py).

World objects, prefixed ``capture_``: ``capture_team`` is the clinic team of a mission of the
active partnership (sending and the host) at ``site``, in the field, reporting to a response the
host coordinates, led by ``coordinator``; ``capture_consultation`` is one consultation the lead
recorded there today (so its daily report is open).

Who may do what: everyone in the mission's two organisations sees the team; members, coordinators
and admins of either (and the lead) record, correct and delete consultations; viewers read only
(403 on changes); the outsider sees nothing (404, and 400 when naming the team in a payload).
"""

from __future__ import annotations

import dataclasses
import datetime
import uuid

from django.utils import timezone

from medmissions.clinics import capture, responses
from medmissions.core.tests.test_permission_matrix import Ref, api, html
from medmissions.missions import services as mission_services
from medmissions.missions.choices import MissionStatus
from medmissions.missions.models import Mission
from medmissions.volunteers.models import Specialty


def _team(world):
    need = mission_services.create_need(
        actor=world.users["host_admin"],
        author=world.host,
        site=world.site,
        data={
            "title": "Outpatient clinic after the floods",
            "description": "Two doctors for the outpatient clinic while the district hospital is cut off.",
            "earliest_start": datetime.date(2027, 4, 1),
            "latest_end": datetime.date(2027, 6, 30),
        },
        lines=[(Specialty.objects.get(slug="general-surgery"), 1)],
    )
    mission = mission_services.create_mission(
        actor=world.coordinator,
        partnership=world.active,
        site=world.site,
        data={
            "title": "Mbale flood response clinic",
            "starts_on": datetime.date(2027, 5, 3),
            "ends_on": datetime.date(2027, 5, 17),
            "capacity": 6,
            "time_zone": "Africa/Kampala",
        },
        needs=[need],
    )
    Mission.objects.filter(pk=mission.pk).update(status=MissionStatus.IN_FIELD)
    mission.refresh_from_db()
    response = responses.create_response(
        actor=world.users["host_admin"],
        organization=world.host,
        data={
            "name": "Elgon floods",
            "country": "UG",
            "starts_on": timezone.localdate() - datetime.timedelta(days=30),
        },
    )
    return responses.open_mission_team(
        mission,
        actor=world.coordinator,
        data={"name": "Bridge Health EMT", "response": response, "lead": world.coordinator},
    )


def _today(world) -> str:
    return responses.today_for(world.capture_team).isoformat()


def _consultation(world):
    return capture.record_consultation(
        world.capture_team,
        actor=world.coordinator,
        data={"site": world.site.pk, "date": _today(world), "age_group": 4, "sex": 2, "items": [9, 44, 36]},
    ).consultation


def _capture_form(world) -> dict:
    return {
        "site": world.site.pk,
        "date": _today(world),
        "client_id": str(uuid.uuid4()),
        "age_group": "4",
        "sex": "2",
        "items": ["9", "44", "36"],
        "age_unit": "Y",
    }


def _api_consultation(world) -> dict:
    return {
        "client_id": str(uuid.uuid4()),
        "site": world.site.pk,
        "date": _today(world),
        "age_group": 4,
        "sex": 2,
        "items": [9, 44, 36],
    }


WORLD = {
    "capture_team": _team,
    "capture_consultation": _consultation,
    "capture_form": _capture_form,
    "capture_api_in": lambda world: {"team": world.capture_team.pk, **_api_consultation(world)},
    "capture_batch_in": lambda world: {
        "team": world.capture_team.pk,
        "consultations": [_api_consultation(world), {**_api_consultation(world), "age_group": 1, "sex": 1}],
    },
    "capture_list_url": lambda world: (
        f"/api/v1/clinics/consultations?report={world.capture_consultation.report_id}"
    ),
}

TEAM = [Ref("capture_team.pk")]
REPORT = [Ref("capture_consultation.report_id")]
CONSULTATION = [Ref("capture_consultation.pk")]
P_CONSULTATION = {"consultation_id": Ref("capture_consultation.pk")}
CORRECTION = {"age_group": "4", "sex": "1", "items": ["9", "44", "37"], "age_unit": "Y"}

# fmt: off
# Columns:                                                  admin coord member viewer outsider anon  h_adm h_mem
ROWS = [
    html("GET",  "clinics:team_capture",                   "200   200   200    403    404      login 200   200",
         args=TEAM),
    html("POST", "clinics:team_capture",                   "302   302   302    403    404      login 302   302",
         args=TEAM, data=Ref("capture_form")),
    html("GET",  "clinics:report_consultations",           "200   200   200    200    404      login 200   200",
         args=REPORT),
    html("GET",  "clinics:consultation",                   "200   200   200    200    404      login 200   200",
         args=CONSULTATION),
    html("GET",  "clinics:consultation_edit",              "200   200   200    403    404      login 200   200",
         args=CONSULTATION),
    html("POST", "clinics:consultation_edit",              "302   302   302    403    404      login 302   302",
         args=CONSULTATION, data=CORRECTION),
    html("GET",  "clinics:consultation_delete",            "200   200   200    403    404      login 200   200",
         args=CONSULTATION),
    html("POST", "clinics:consultation_delete",            "302   302   302    403    404      login 302   302",
         args=CONSULTATION, data={"reason": "Recorded twice."}),

    # ---- API -------------------------------------------------------------------------------------------
    api("GET",    "/clinics/consultations",                "200   200   200    200    200      401   200   200"),
    dataclasses.replace(
        api("GET", "/clinics/consultations",               "200   200   200    200    400      401   200   200",
            variant="of a daily report"),
        url_ref=Ref("capture_list_url"),
    ),
    api("POST",   "/clinics/consultations",                "201   201   201    403    400      401   201   201",
        data=Ref("capture_api_in")),
    api("POST",   "/clinics/consultations/batch",          "200   200   200    403    400      401   200   200",
        data=Ref("capture_batch_in")),
    api("GET",    "/clinics/consultations/{consultation_id}",
                                                           "200   200   200    200    404      401   200   200",
        params=P_CONSULTATION),
    api("PATCH",  "/clinics/consultations/{consultation_id}",
                                                           "200   200   200    403    404      401   200   200",
        params=P_CONSULTATION, data={"sex": 1, "items": [9, 44, 37]}),
    api("DELETE", "/clinics/consultations/{consultation_id}",
                                                           "204   204   204    403    404      401   204   204",
        params=P_CONSULTATION, data={"reason": "Recorded twice."}),
]
# fmt: on
