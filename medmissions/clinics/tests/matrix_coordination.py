"""Permission matrix rows: the field clinics home, responses (item labels, registered teams, the
coordination view and the periodic report) and clinic teams (loaded by
core/tests/test_permission_matrix.py).

World objects, prefixed ``coordination_``:

* ``coordination_response`` — a response in Uganda coordinated by ``host`` (the health
  authority here): host_admin runs it, host_member reads its coordination view;
* ``coordination_mission`` — a mission of the active partnership (sending with host) in the
  field, and ``coordination_team`` — its clinic team, reporting to the response and led by
  ``coordinator``: every member of sending and of host sees the team (and through it the
  response's page, not its coordination view);
* ``coordination_open_mission`` — another mission in the field, with no clinic team yet;
* ``coordination_district_site`` — a second site of host, in another district, where a team
  registered by the coordination cell works.

Who may do what: coordinators and admins of an organisation create responses for it; the
coordinating organisation's coordinators and admins change the response, its labels and register
teams, and all its members see the coordination view (everyone else who sees the response: 404);
coordinators and admins of a mission's parties open and change its team, which its lead changes
too; members and viewers read (403 on changes); the outsider sees none of it (404).
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from medmissions.clinics import responses
from medmissions.core.tests.test_permission_matrix import Ref, api, html
from medmissions.missions import services as mission_services
from medmissions.missions.choices import MissionStatus
from medmissions.missions.models import Mission
from medmissions.sites.models import Site
from medmissions.volunteers.models import Specialty


def _days_ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


def _response(world):
    return responses.create_response(
        actor=world.users["host_admin"],
        organization=world.host,
        data={"name": "Elgon floods 2026", "country": "UG", "starts_on": _days_ago(30)},
    )


def _need(world):
    return mission_services.create_need(
        actor=world.users["host_admin"],
        author=world.host,
        site=world.site,
        data={
            "title": "Outpatient care after the floods",
            "description": "A primary care team for the displaced families around Mbale.",
            "earliest_start": _days_ago(20),
            "latest_end": _days_ago(-60),
        },
        lines=[(Specialty.objects.get(slug="general-surgery"), 1)],
    )


def _mission_in_field(world, title: str) -> Mission:
    mission = mission_services.create_mission(
        actor=world.coordinator,
        partnership=world.active,
        site=world.site,
        data={
            "title": title,
            "starts_on": _days_ago(10),
            "ends_on": _days_ago(-20),
            "capacity": 6,
            "time_zone": "Africa/Kampala",
        },
        needs=[world.coordination_need],
    )
    Mission.objects.filter(pk=mission.pk).update(status=MissionStatus.IN_FIELD)
    mission.refresh_from_db()
    return mission


def _team(world):
    return responses.open_mission_team(
        world.coordination_mission,
        actor=world.coordinator,
        data={
            "name": "Bridge Health EMT",
            "response": world.coordination_response,
            "lead": world.coordinator,
        },
    )


def _district_site(world):
    return Site.objects.create(
        name="Kapchorwa health centre IV",
        kind="clinic",
        host_organization=world.host,
        country="UG",
        admin_level_1="Eastern",
        admin_level_2="Kapchorwa",
    )


def _response_form(world):
    return {
        "organization": world.own_org.pk,
        "name": "Cholera outbreak response",
        "country": "UG",
        "description": "",
        "starts_on": _days_ago(2).isoformat(),
        "ends_on": "",
    }


def _labels_form(world):
    form = {"overrides": "1"}
    for number in (19, 20, 21, 22):
        form.update(
            {f"item-{number}-label": "", f"item-{number}-icd_code": "", f"item-{number}-effective_from": ""}
        )
    form.update({"item-19-label": "Cholera", "item-19-icd_code": "A00", "item-19-active": "on"})
    form.update({"override-0-item": "17", "override-0-label": "Tuberculosis", "override-0-active": "on"})
    return form


def _team_form(world, **extra):
    return {
        "name": "Bridge Health EMT (Mbale)",
        "organization_name": "Bridge Health UK",
        "emt_type": "emt_1_fixed",
        "contact_name": "",
        "contact_phone": "+256 700 000 000",
        "contact_email": "",
        "departs_on": "",
        "working_hours": "08:00–17:00",
        **extra,
    }


WORLD = {
    "coordination_response": _response,
    "coordination_need": _need,
    "coordination_mission": lambda world: _mission_in_field(world, "Elgon flood clinic"),
    "coordination_open_mission": lambda world: _mission_in_field(
        world, "Elgon flood clinic, second rotation"
    ),
    "coordination_team": _team,
    "coordination_district_site": _district_site,
    "coordination_response_form": _response_form,
    "coordination_response_edit_form": lambda world: {
        "name": "Elgon floods 2026 (extended)",
        "country": "UG",
        "description": "Extended to the Kapchorwa district.",
        "starts_on": _days_ago(30).isoformat(),
        "ends_on": "",
        "status": "active",
    },
    "coordination_labels_form": _labels_form,
    "coordination_register_form": lambda world: _team_form(
        world,
        name="Uganda Red Cross EMT",
        organization_name="Uganda Red Cross",
        sites=[world.coordination_district_site.pk],
    ),
    "coordination_open_form": lambda world: _team_form(
        world, response=world.coordination_response.pk, sites=[world.site.pk]
    ),
    "coordination_team_form": lambda world: _team_form(
        world,
        response=world.coordination_team.response_id,
        lead=world.coordinator.pk,
        sites=[world.site.pk],
    ),
    "coordination_api_response_in": lambda world: {
        "organization": world.own_org.slug,
        "name": "Cholera outbreak response",
        "country": "UG",
        "starts_on": _days_ago(2).isoformat(),
    },
    "coordination_api_register_in": lambda world: {
        "name": "Uganda Red Cross EMT",
        "organization_name": "Uganda Red Cross",
        "sites": [world.coordination_district_site.pk],
    },
    "coordination_api_open_in": lambda world: {
        "mission": world.coordination_open_mission.pk,
        "response": world.coordination_response.pk,
        "sites": [world.site.pk],
    },
}

# The response is read through its team: sending's members see it because the team reports to it.
RESPONSE = [Ref("coordination_team.response_id")]
TEAM = [Ref("coordination_team.pk")]
OPEN_MISSION = [Ref("coordination_open_mission.pk")]
P_RESPONSE = {"response_id": Ref("coordination_team.response_id")}
P_TEAM = {"team_id": Ref("coordination_team.pk")}
LABELS_IN = {"labels": [{"item": 19, "label": "Cholera", "icd_code": "A00"}]}

# fmt: off
# Columns:                                                       admin coord member viewer outsider anon  h_adm h_mem
ROWS = [
    html("GET",  "clinics:home",                                "200   200   200    200    200      login 200   200"),
    html("GET",  "clinics:responses",                           "200   200   200    200    200      login 200   200"),
    html("GET",  "clinics:response_create",                     "200   200   403    403    200      login 200   403"),
    html("POST", "clinics:response_create",                     "302   302   403    403    302      login 302   403",
         data=Ref("coordination_response_form")),
    html("GET",  "clinics:response",                            "200   200   200    200    404      login 200   200",
         args=RESPONSE),
    html("GET",  "clinics:response_edit",                       "403   403   403    403    404      login 200   403",
         args=RESPONSE),
    html("POST", "clinics:response_edit",                       "403   403   403    403    404      login 302   403",
         args=RESPONSE, data=Ref("coordination_response_edit_form")),
    html("GET",  "clinics:response_labels",                     "403   403   403    403    404      login 200   403",
         args=RESPONSE),
    html("POST", "clinics:response_labels",                     "403   403   403    403    404      login 302   403",
         args=RESPONSE, data=Ref("coordination_labels_form")),
    html("GET",  "clinics:response_team_register",              "403   403   403    403    404      login 200   403",
         args=RESPONSE),
    html("POST", "clinics:response_team_register",              "403   403   403    403    404      login 302   403",
         args=RESPONSE, data=Ref("coordination_register_form")),
    html("GET",  "clinics:coordination",                        "404   404   404    404    404      login 200   200",
         args=RESPONSE),
    html("GET",  "clinics:response_period",                     "404   404   404    404    404      login 200   200",
         args=RESPONSE),
    html("GET",  "clinics:mission_team_open",                   "200   200   403    403    404      login 200   403",
         args=OPEN_MISSION),
    html("POST", "clinics:mission_team_open",                   "302   302   403    403    404      login 302   403",
         args=OPEN_MISSION, data=Ref("coordination_open_form")),
    html("GET",  "clinics:team",                                "200   200   200    200    404      login 200   200",
         args=TEAM),
    html("GET",  "clinics:team_edit",                           "200   200   403    403    404      login 200   403",
         args=TEAM),
    html("POST", "clinics:team_edit",                           "302   302   403    403    404      login 302   403",
         args=TEAM, data=Ref("coordination_team_form")),
    html("GET",  "clinics:team_period",                         "200   200   200    200    404      login 200   200",
         args=TEAM),

    api("GET",   "/clinics/responses",                          "200   200   200    200    200      401   200   200"),
    api("POST",  "/clinics/responses",                          "201   201   403    403    201      401   201   403",
        data=Ref("coordination_api_response_in")),
    api("GET",   "/clinics/responses/{response_id}",            "200   200   200    200    404      401   200   200",
        params=P_RESPONSE),
    api("PATCH", "/clinics/responses/{response_id}",            "403   403   403    403    404      401   200   403",
        params=P_RESPONSE, data={"description": "Extended to the Kapchorwa district."}),
    api("PUT",   "/clinics/responses/{response_id}/labels",     "403   403   403    403    404      401   200   403",
        params=P_RESPONSE, data=LABELS_IN),
    api("POST",  "/clinics/responses/{response_id}/teams",      "403   403   403    403    404      401   201   403",
        params=P_RESPONSE, data=Ref("coordination_api_register_in")),
    api("GET",   "/clinics/responses/{response_id}/coordination", "404 404   404    404    404      401   200   200",
        params=P_RESPONSE),
    api("GET",   "/clinics/responses/{response_id}/period",     "404   404   404    404    404      401   200   200",
        params=P_RESPONSE),
    api("GET",   "/clinics/teams",                              "200   200   200    200    200      401   200   200"),
    api("POST",  "/clinics/teams",                              "201   201   403    403    400      401   201   403",
        data=Ref("coordination_api_open_in")),
    api("GET",   "/clinics/teams/{team_id}",                    "200   200   200    200    404      401   200   200",
        params=P_TEAM),
    api("PATCH", "/clinics/teams/{team_id}",                    "200   200   403    403    404      401   200   403",
        params=P_TEAM, data={"working_hours": "07:00–19:00"}),
    api("GET",   "/clinics/teams/{team_id}/period",             "200   200   200    200    404      401   200   200",
        params=P_TEAM),
]
# fmt: on
