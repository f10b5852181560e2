"""Permission matrix rows: eDATA files of a daily report and of a team, and a team's eDATA import
(loaded by core/tests/test_permission_matrix.py).

World objects, prefixed ``edata_``: ``edata_response`` (coordinated by ``host``, the health
authority), ``edata_team`` (the clinic team of a mission in the field of the active partnership,
led by ``coordinator``, working at ``site``), ``edata_report`` (today's report with one
consultation), ``edata_csv`` (a fresh upload of a valid one-row file for the team) and
``edata_token`` (the coordinator's dry run of that file).

Who may do what: the file lists restricted items consultation by consultation, so only the team
lead (coordinator) and the health authority's coordinators and admins (host_admin) download it;
the team's other people (sending's admin, member and viewer, host_member) get 403 with the reason,
the outsider 404. Importing is for those who manage the team: the lead and coordinators and
admins of the mission's parties (admin, coordinator, host_admin).
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from medmissions.clinics import capture, edata, responses
from medmissions.clinics.tests.edata_support import csv_text, row, upload
from medmissions.core.tests.test_permission_matrix import Ref, api, html
from medmissions.missions.choices import MissionStatus
from medmissions.missions.models import Mission

# --- World ---------------------------------------------------------------------------------------


def _response(world):
    return responses.create_response(
        actor=world.users["host_admin"],
        organization=world.host,
        data={
            "name": "Elgon landslides 2026",
            "country": "UG",
            "starts_on": timezone.localdate() - datetime.timedelta(days=30),
        },
    )


def _team(world):
    mission = Mission.objects.create(
        partnership=world.active,
        site=world.site,
        title="Elgon emergency clinic",
        starts_on=datetime.date(2026, 11, 1),
        ends_on=datetime.date(2026, 12, 15),
        time_zone="Africa/Kampala",
        capacity=6,
        status=MissionStatus.IN_FIELD,
        host_confirmed_by=world.users["host_admin"],
    )
    return responses.open_mission_team(
        mission,
        actor=world.coordinator,
        data={"name": "Elgon emergency clinic", "response": world.edata_response, "lead": world.coordinator},
    )


def _report(world):
    consultation = capture.record_consultation(
        world.edata_team,
        actor=world.coordinator,
        data={
            "site": world.site.pk,
            "date": timezone.localdate(),
            "age_group": 4,
            "sex": 2,
            "items": [9, 44, 49],
        },
    ).consultation
    return consultation.report


def _csv(world):
    return upload(csv_text([row("EDATA-1", timezone.localdate(), world.site.name)]))


def _token(world):
    analysis = edata.dry_run(world.edata_team, actor=world.coordinator, upload=world.edata_csv)
    assert analysis.token, analysis.errors
    return analysis.token


WORLD = {
    "edata_response": _response,
    "edata_team": _team,
    "edata_report": _report,
    "edata_csv": _csv,
    "edata_token": _token,
}

TEAM = [Ref("edata_team.pk")]
REPORT = [Ref("edata_report.pk")]

# fmt: off
# Columns:                                                 admin coord member viewer outsider anon  h_adm h_mem
ROWS = [
    html("GET",  "clinics:report_csv",                    "403   200   403    403    404      login 200   403",
         args=REPORT),
    html("GET",  "clinics:team_csv",                      "403   200   403    403    404      login 200   403",
         args=TEAM),
    html("GET",  "clinics:team_import",                   "200   200   403    403    404      login 200   403",
         args=TEAM),
    html("POST", "clinics:team_import",                   "200   200   403    403    404      login 200   403",
         args=TEAM, data={"file": Ref("edata_csv")}, variant="dry run"),
    html("POST", "clinics:team_import",                   "302   302   403    403    404      login 302   403",
         args=TEAM, data={"token": Ref("edata_token")}, variant="commit the lead's dry run"),

    api("GET",  "/clinics/edata/reports/{report_id}",     "403   200   403    403    404      401   200   403",
        params={"report_id": Ref("edata_report.pk")}),
    api("GET",  "/clinics/edata/teams/{team_id}",         "403   200   403    403    404      401   200   403",
        params={"team_id": Ref("edata_team.pk")}),
    api("POST", "/clinics/edata/teams/{team_id}/import",  "200   200   403    403    404      401   200   403",
        params={"team_id": Ref("edata_team.pk")}, data={"file": Ref("edata_csv")}, multipart=True,
        variant="dry run"),
    api("POST", "/clinics/edata/teams/{team_id}/import",  "201   201   403    403    404      401   201   403",
        params={"team_id": Ref("edata_team.pk")}, data={"file": Ref("edata_csv"), "dry_run": "false"},
        multipart=True, variant="import"),
]
# fmt: on
