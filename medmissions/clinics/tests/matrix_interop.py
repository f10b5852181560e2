"""Permission matrix rows: the interop area of field clinics — a response's DHIS2 codes, the DHIS2
exports of a daily report and of a response, and a referral's FHIR bundle (loaded by
core/tests/test_permission_matrix.py).

World objects, prefixed ``interop_``:

* ``interop_response`` — a response coordinated by ``host`` (the health authority here);
* ``interop_team`` — the clinic team of a mission in the field of ``sending`` and ``host`` at
  ``site``, led by ``coordinator`` and reporting to the response;
* ``interop_report`` — a day of that team, submitted, whose site is mapped to a DHIS2 org unit;
  ``interop_open_report`` — another day, still open;
* ``interop_referral`` — a consultation of that day referred to a hospital of ``host``;
* URLs with query strings for the response exports.

A report's export and a referral's bundle are for whoever sees them: the mission's parties (every
role of ``sending`` and ``host``); the outsider gets 404. A response's export and its codes are
for members of the coordinating organisation only: ``sending``'s people see the response through
their team, but not the whole response (404). Only the coordinating organisation's coordinators
and admins change the codes (its member gets 403). An open report is not exported (409).
"""

from __future__ import annotations

import dataclasses
import datetime

from django.urls import reverse
from django.utils import timezone

from medmissions.clinics import capture, dhis2, reports, responses
from medmissions.clinics.models import Referral
from medmissions.core.tests.test_permission_matrix import Ref, api, html
from medmissions.missions.choices import MissionStatus
from medmissions.missions.models import Mission
from medmissions.sites.models import Site


def _response(world):
    return responses.create_response(
        actor=world.users["host_admin"],
        organization=world.host,
        data={
            "name": "Elgon floods",
            "country": "UG",
            "starts_on": timezone.localdate() - datetime.timedelta(days=30),
        },
    )


def _team(world):
    today = timezone.localdate()
    mission = Mission.objects.create(
        partnership=world.active,
        site=world.site,
        title="Elgon flood response team",
        starts_on=today - datetime.timedelta(days=20),
        ends_on=today + datetime.timedelta(days=20),
        time_zone="Africa/Kampala",
        capacity=6,
        status=MissionStatus.IN_FIELD,
        host_confirmed_by=world.users["host_admin"],
    )
    return responses.open_mission_team(
        mission,
        actor=world.coordinator,
        data={"name": "Bridge Health EMT", "response": world.interop_response, "lead": world.coordinator},
    )


def _day(world, days_back: int):
    team = world.interop_team
    date = responses.today_for(team) - datetime.timedelta(days=days_back)
    return capture.record_consultation(
        team,
        actor=world.coordinator,
        data={"site": world.site.pk, "date": date, "age_group": 4, "sex": 1, "items": [9, 28, 39, 44]},
    ).consultation


def _report(world):
    consultation = _day(world, 1)
    world.__dict__["interop_consultation"] = consultation
    reports.submit(consultation.report, actor=world.coordinator)
    dhis2.save_dhis2_mapping(
        world.interop_response, world.users["host_admin"], {"org_units": {str(world.site.pk): "UG-MBALE"}}
    )
    return consultation.report


def _open_report(world):
    return _day(world, 0).report


def _referral(world):
    world.interop_report  # noqa: B018 - the referred consultation is the submitted day's
    hospital = Site.objects.create(
        name="Mbale Regional Referral Hospital", kind="hospital", host_organization=world.host, country="UG"
    )
    consultation = world.__dict__["interop_consultation"]
    return Referral.objects.create(
        consultation=consultation, team=consultation.team, facility=hospital, reason="Surgical review."
    )


def _export_query(world) -> str:
    world.interop_report  # noqa: B018 - a submitted, mapped day to export
    end = responses.today_for(world.interop_team)
    return f"?start={(end - datetime.timedelta(days=7)).isoformat()}&end={end.isoformat()}"


WORLD = {
    "interop_response": _response,
    "interop_team": _team,
    "interop_report": _report,
    "interop_open_report": _open_report,
    "interop_referral": _referral,
    "interop_export_url": lambda world: (
        reverse("clinics:response_dhis2_export", args=[world.interop_response.pk]) + _export_query(world)
    ),
    "interop_export_api_url": lambda world: (
        f"/api/v1/clinics/interop/responses/{world.interop_response.pk}/dhis2" + _export_query(world)
    ),
}

RESPONSE = [Ref("interop_response.pk")]
REPORT = [Ref("interop_report.pk")]
OPEN_REPORT = [Ref("interop_open_report.pk")]
REFERRAL = [Ref("interop_referral.pk")]
MAPPING_FORM = {"data_set": "UG_EMT_DAILY", "de_9": "UG-ARI", "coc_u5": ""}


def _url(row, name: str):
    return dataclasses.replace(row, url_ref=Ref(name))


# fmt: off
# Columns:                                                     admin coord member viewer outsider anon  h_adm h_mem
ROWS = [
    html("GET",  "clinics:response_dhis2",                    "404   404   404    404    404      login 200   403",
         args=RESPONSE),
    html("POST", "clinics:response_dhis2",                    "404   404   404    404    404      login 302   403",
         args=RESPONSE, data=MAPPING_FORM),
    html("GET",  "clinics:response_dhis2_export",             "404   404   404    404    404      login 200   200",
         url=Ref("interop_export_url")),
    html("GET",  "clinics:report_dhis2",                      "200   200   200    200    404      login 200   200",
         args=REPORT),
    html("GET",  "clinics:report_dhis2",                      "409   409   409    409    404      login 409   409",
         args=OPEN_REPORT, variant="not submitted"),
    html("GET",  "clinics:referral_fhir",                     "200   200   200    200    404      login 200   200",
         args=REFERRAL),
    api("GET",  "/clinics/interop/reports/{report_id}/dhis2", "200   200   200    200    404      401   200   200",
        params={"report_id": Ref("interop_report.pk")}),
    api("GET",  "/clinics/interop/reports/{report_id}/dhis2", "409   409   409    409    404      401   409   409",
        params={"report_id": Ref("interop_open_report.pk")}, variant="not submitted"),
    _url(api("GET", "/clinics/interop/responses/{response_id}/dhis2",
                                                              "404   404   404    404    404      401   200   200"),
         "interop_export_api_url"),
    api("GET",  "/clinics/interop/responses/{response_id}/dhis2-mapping",
                                                              "404   404   404    404    404      401   200   200",
        params={"response_id": Ref("interop_response.pk")}),
    api("PUT",  "/clinics/interop/responses/{response_id}/dhis2-mapping",
                                                              "404   404   404    404    404      401   200   403",
        params={"response_id": Ref("interop_response.pk")},
        data={"data_set": "UG_EMT_DAILY", "data_elements": {"9": "UG-ARI"}}),
    api("GET",  "/clinics/interop/referrals/{referral_id}/fhir",
                                                              "200   200   200    200    404      401   200   200",
        params={"referral_id": Ref("interop_referral.pk")}),
]
# fmt: on
