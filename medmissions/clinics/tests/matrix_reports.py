"""Permission matrix rows: daily reports — a team's reports and opening a day, the report, its
issues, submission, corrections, versions, restricted details and the printable PDF, and the
same through the API (loaded by core/tests/test_permission_matrix.py).

World objects, prefixed ``reports_``: ``reports_response`` (coordinated by ``host``, the health
authority), ``reports_team`` (the clinic team of a mission in the field of the active
partnership, led by ``coordinator``, working at ``site``), ``reports_open`` (two days ago, open,
two consultations, one with a restricted item), ``reports_submitted`` (three days ago, version 1)
and ``reports_corrected`` (four days ago, corrected into version 2).

Who may do what: everyone working with the team reads its reports (sending's people, host's
people as a mission party and as the health authority); the outsider gets 404. Those who
capture (not viewers) open days and set issues; the lead and coordinators and admins of the
mission's parties (admin, coordinator, host_admin) submit and correct; restricted details are
for the lead and the health authority's coordinators and admins (coordinator, host_admin) only.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from medmissions.clinics import capture, reports, responses
from medmissions.core.tests.test_permission_matrix import Ref, api, html
from medmissions.missions.choices import MissionStatus
from medmissions.missions.models import Mission


def _days_ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


def _response(world):
    return responses.create_response(
        actor=world.users["host_admin"],
        organization=world.host,
        data={"name": "Elgon floods 2026", "country": "UG", "starts_on": _days_ago(30)},
    )


def _team(world):
    mission = Mission.objects.create(
        partnership=world.active,
        site=world.site,
        title="Elgon flood clinic",
        starts_on=_days_ago(20),
        ends_on=_days_ago(-20),
        time_zone="Africa/Kampala",
        capacity=6,
        status=MissionStatus.IN_FIELD,
        host_confirmed_by=world.users["host_admin"],
    )
    return responses.open_mission_team(
        mission,
        actor=world.coordinator,
        data={"name": "Elgon flood clinic", "response": world.reports_response, "lead": world.coordinator},
    )


def _day(world, days: int, consultations: list[tuple[int, int, list[int]]]):
    """A report of ``days`` ago with clean consultations (one relation and one outcome each)."""
    report = None
    for age_group, sex, items in consultations:
        report = capture.record_consultation(
            world.reports_team,
            actor=world.coordinator,
            data={
                "site": world.site.pk,
                "date": _days_ago(days),
                "age_group": age_group,
                "sex": sex,
                "items": items,
            },
        ).consultation.report
    assert report is not None
    return report


def _open(world):
    return _day(world, 2, [(4, 2, [9, 44, 36]), (2, 1, [10, 28, 44, 39])])


def _submitted(world):
    report = _day(world, 3, [(5, 1, [24, 46, 40])])
    reports.submit(report, actor=world.coordinator)
    report.refresh_from_db()
    return report


def _corrected(world):
    report = _day(world, 4, [(4, 1, [8, 44, 37])])
    reports.submit(report, actor=world.coordinator)
    reports.start_correction(report, actor=world.coordinator)
    _day(world, 4, [(3, 3, [33, 44, 37])])
    reports.submit(report, actor=world.coordinator, correction_reason="A paper form was found in triage.")
    report.refresh_from_db()
    return report


WORLD = {
    "reports_response": _response,
    "reports_team": _team,
    "reports_open": _open,
    "reports_submitted": _submitted,
    "reports_corrected": _corrected,
    "reports_open_day_form": lambda world: {"site": world.site.pk, "date": _days_ago(1).isoformat()},
    "reports_api_open_day": lambda world: {
        "team": world.reports_team.pk,
        "site": world.site.pk,
        "date": _days_ago(1).isoformat(),
    },
}

TEAM = [Ref("reports_team.pk")]
OPEN = [Ref("reports_open.pk")]
SUBMITTED = [Ref("reports_submitted.pk")]
P_OPEN = {"report_id": Ref("reports_open.pk")}
P_SUBMITTED = {"report_id": Ref("reports_submitted.pk")}
ISSUES_FORM = {"flagged_62": "on", "comment_62": "Oral rehydration salts ran out at noon."}
ISSUES_IN = {"issues": {"62": {"flagged": True, "comment": "Oral rehydration salts ran out at noon."}}}

# fmt: off
# Columns:                                                    admin coord member viewer outsider anon  h_adm h_mem
ROWS = [
    html("GET",  "clinics:team_reports",                     "200   200   200    200    404      login 200   200",
         args=TEAM),
    html("POST", "clinics:report_open",                      "302   302   302    403    404      login 302   302",
         args=TEAM, data=Ref("reports_open_day_form")),
    html("GET",  "clinics:report",                           "200   200   200    200    404      login 200   200",
         args=OPEN),
    html("GET",  "clinics:report",                           "200   200   200    200    404      login 200   200",
         args=SUBMITTED, variant="submitted"),
    html("POST", "clinics:report_issues",                    "302   302   302    403    404      login 302   302",
         args=OPEN, data=ISSUES_FORM),
    html("GET",  "clinics:report_submit",                    "200   200   403    403    404      login 200   403",
         args=OPEN),
    html("POST", "clinics:report_submit",                    "302   302   403    403    404      login 302   403",
         args=OPEN, data={}),
    html("POST", "clinics:report_correct",                   "302   302   403    403    404      login 302   403",
         args=SUBMITTED),
    html("GET",  "clinics:report_version",                   "200   200   200    200    404      login 200   200",
         args=[Ref("reports_submitted.pk"), 1]),
    html("GET",  "clinics:report_version",                   "200   200   200    200    404      login 200   200",
         args=[Ref("reports_corrected.pk"), 2], variant="a correction with its differences"),
    html("GET",  "clinics:report_restricted",                "403   200   403    403    404      login 200   403",
         args=OPEN),
    html("GET",  "clinics:report_pdf",                       "200   200   200    200    404      login 200   200",
         args=SUBMITTED),

    # ---- API -------------------------------------------------------------------------------------------
    api("GET",  "/clinics/reports",                          "200   200   200    200    200      401   200   200"),
    api("POST", "/clinics/reports",                          "201   201   201    403    404      401   201   201",
        data=Ref("reports_api_open_day")),
    api("GET",  "/clinics/reports/{report_id}",              "200   200   200    200    404      401   200   200",
        params=P_OPEN),
    api("PUT",  "/clinics/reports/{report_id}/issues",       "200   200   200    403    404      401   200   200",
        params=P_OPEN, data=ISSUES_IN),
    api("POST", "/clinics/reports/{report_id}/submit",       "200   200   403    403    404      401   200   403",
        params=P_OPEN, data={}),
    api("POST", "/clinics/reports/{report_id}/correct",      "200   200   403    403    404      401   200   403",
        params=P_SUBMITTED, data={}),
    api("GET",  "/clinics/reports/{report_id}/versions/{number}",
                                                             "200   200   200    200    404      401   200   200",
        params={"report_id": Ref("reports_corrected.pk"), "number": 2}),
    api("GET",  "/clinics/reports/{report_id}/restricted",   "403   200   403    403    404      401   200   403",
        params=P_OPEN),
]
# fmt: on
