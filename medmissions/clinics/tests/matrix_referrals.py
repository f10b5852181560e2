"""Permission matrix rows: referrals, their follow-ups, and the referrals panel of a mission's
close-out tab (loaded by core/tests/test_permission_matrix.py).

World objects, prefixed ``referrals_``: ``referrals_mission`` (sending and host, in the field at
``site``) and its clinic team ``referrals_team``, led by ``coordinator`` and reporting to a response
that ``host`` coordinates; the team works at ``site``, which is also the facility patients are
referred to (run by ``host``). Then:

* ``referrals_consultation`` — a consultation nobody has referred yet;
* ``referrals_sent`` — an urgent referral the facility has not answered;
* ``referrals_accepted`` — another, accepted by host_member; ``referrals_follow_up`` — a follow-up of
  it assigned to host_member; ``referrals_planned_follow_up`` — the same once the mission has its
  handover plan.

Who may do what: the parties of the mission see everything (outsider: 404). Those who capture for
the team — members, coordinators and admins of both parties — refer and cancel (viewers: 403);
the facility's members (host) answer and complete; follow-ups are added by the team or the
facility's coordinators and updated by their assignee (host_member) or the facility's coordinators
(host_admin); the mission's coordinators and admins (admin, coordinator, host_admin) hand them over.
"""

from __future__ import annotations

import dataclasses
import datetime

from django.utils import timezone

from medmissions.clinics import capture, follow_ups, referrals, responses
from medmissions.clinics.choices import ReferralUrgency
from medmissions.core.tests.test_permission_matrix import API_PREFIX, Ref, api, html
from medmissions.missions import closeout
from medmissions.missions import services as mission_services
from medmissions.missions.choices import MissionStatus
from medmissions.missions.models import Mission
from medmissions.volunteers.models import Specialty

REASON = "Suspected appendicitis: needs a surgical opinion today."


def _in_days(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def _mission(world):
    need = mission_services.create_need(
        actor=world.users["host_admin"],
        author=world.host,
        site=world.site,
        data={
            "title": "Outpatient care after the floods",
            "description": "A primary care team for the displaced families around Mbale.",
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
            "title": "Mbale flood clinic, May 2027",
            "starts_on": datetime.date(2027, 5, 3),
            "ends_on": datetime.date(2027, 5, 17),
            "capacity": 6,
            "time_zone": "Africa/Kampala",
        },
        needs=[need],
    )
    Mission.objects.filter(pk=mission.pk).update(status=MissionStatus.IN_FIELD)
    mission.refresh_from_db()
    return mission


def _team(world):
    response = responses.create_response(
        actor=world.users["host_admin"],
        organization=world.host,
        data={"name": "Elgon floods 2026", "country": "UG", "starts_on": _in_days(-30)},
    )
    return responses.open_mission_team(
        world.referrals_mission,
        actor=world.coordinator,
        data={"name": "Bridge Health EMT", "response": response, "lead": world.coordinator},
    )


def _consultation(world, patient: str):
    return capture.record_consultation(
        world.referrals_team,
        actor=world.coordinator,
        data={
            "site": world.site.pk,
            "date": timezone.localdate(),
            "age_group": 4,
            "sex": 1,
            "items": [9, 28, 39, 44],
            "patient_reference": patient,
        },
    ).consultation


def _referral(world, patient: str):
    return referrals.refer(
        _consultation(world, patient),
        actor=world.coordinator,
        facility=world.site,
        reason=REASON,
        urgency=ReferralUrgency.URGENT,
    )


def _follow_up(world):
    return follow_ups.add_follow_up(
        world.referrals_accepted,
        actor=world.coordinator,
        description="Check the wound and the temperature.",
        assignee=world.users["host_member"],
        due_on=_in_days(7),
    )


def _planned_follow_up(world):
    follow_up = world.referrals_follow_up
    closeout.save_handover_plan(
        world.referrals_mission,
        actor=world.coordinator,
        data={"local_lead": "Dr Namono", "referral_pathways": "Mbale regional referral hospital."},
    )
    return follow_up


WORLD = {
    "referrals_mission": _mission,
    "referrals_team": _team,
    "referrals_consultation": lambda world: _consultation(world, "MBL-P-0001"),
    "referrals_sent": lambda world: _referral(world, "MBL-P-0002"),
    "referrals_accepted": lambda world: referrals.respond(
        _referral(world, "MBL-P-0003"), actor=world.users["host_member"], accept=True
    ),
    "referrals_follow_up": _follow_up,
    "referrals_planned_follow_up": _planned_follow_up,
    "referrals_form": lambda world: {"facility": world.site.pk, "urgency": "urgent", "reason": REASON},
    "referrals_follow_up_form": lambda world: {
        "description": "Call the family.",
        "assignee": world.users["host_member"].pk,
        "due_on": _in_days(3).isoformat(),
    },
    "referrals_api_referral_in": lambda world: {
        "consultation": world.referrals_consultation.pk,
        "facility": world.site.pk,
        "reason": REASON,
    },
    "referrals_api_follow_up_in": lambda world: {
        "description": "Call the family.",
        "assignee": world.users["host_member"].email,
        "due_on": _in_days(3).isoformat(),
    },
    "referrals_rates_url": lambda world: (
        f"{API_PREFIX}/clinics/referrals/rates?mission={world.referrals_team.mission_id}"
    ),
}

CONSULTATION = [Ref("referrals_consultation.pk")]
SENT = [Ref("referrals_sent.pk")]
ACCEPTED = [Ref("referrals_accepted.pk")]
FOLLOW_UP = [Ref("referrals_follow_up.pk")]
PLANNED = [Ref("referrals_planned_follow_up.pk")]
MISSION = [Ref("referrals_team.mission_id")]
P_SENT = {"referral_id": Ref("referrals_sent.pk")}
P_ACCEPTED = {"referral_id": Ref("referrals_accepted.pk")}
P_FOLLOW_UP = {"follow_up_id": Ref("referrals_follow_up.pk")}
P_PLANNED = {"follow_up_id": Ref("referrals_planned_follow_up.pk")}
CANCEL = {"status": "cancelled", "outcome": "The patient chose to stay home."}
COMPLETE = {"status": "completed", "outcome": "Appendectomy, discharged on day 3."}
DONE = {"status": "done", "outcome": "Wound clean, no fever."}

# fmt: off
# Columns:                                                   admin coord member viewer outsider anon  h_adm h_mem
ROWS = [
    html("GET",  "clinics:referrals",                       "200   200   200    200    200      login 200   200"),
    html("GET",  "clinics:referral_create",                 "200   200   200    403    404      login 200   200",
         args=CONSULTATION),
    html("POST", "clinics:referral_create",                 "302   302   302    403    404      login 302   302",
         args=CONSULTATION, data=Ref("referrals_form")),
    html("GET",  "clinics:referral",                        "200   200   200    200    404      login 200   200",
         args=SENT),
    html("GET",  "clinics:referral_respond",                "405   405   405    405    405      login 405   405",
         args=SENT),
    html("POST", "clinics:referral_respond",                "403   403   403    403    404      login 302   302",
         args=SENT, data={"decision": "accept", "note": ""}),
    html("GET",  "clinics:referral_close",                  "405   405   405    405    405      login 405   405",
         args=SENT),
    html("POST", "clinics:referral_close",                  "302   302   302    403    404      login 302   302",
         args=SENT, data=CANCEL, variant="cancelled by the team"),
    html("POST", "clinics:referral_close",                  "403   403   403    403    404      login 302   302",
         args=ACCEPTED, data=COMPLETE, variant="completed by the facility"),
    html("GET",  "clinics:follow_up_add",                   "405   405   405    405    405      login 405   405",
         args=ACCEPTED),
    html("POST", "clinics:follow_up_add",                   "302   302   302    403    404      login 302   302",
         args=ACCEPTED, data=Ref("referrals_follow_up_form")),
    html("GET",  "clinics:follow_ups",                      "200   200   200    200    200      login 200   200"),
    html("GET",  "clinics:follow_up_update",                "200   200   200    200    404      login 200   200",
         args=FOLLOW_UP),
    html("POST", "clinics:follow_up_update",                "403   403   403    403    404      login 302   302",
         args=FOLLOW_UP, data=DONE),
    html("GET",  "clinics:follow_up_handover",              "405   405   405    405    405      login 405   405",
         args=PLANNED),
    html("POST", "clinics:follow_up_handover",              "302   302   403    403    404      login 302   403",
         args=PLANNED),
    html("GET",  "clinics:mission_referrals",               "200   200   200    200    404      login 200   200",
         args=MISSION),
    api("GET",   "/clinics/referrals",                      "200   200   200    200    200      401   200   200"),
    # An invisible consultation in the body is a 400 naming the field, as for every id in a payload.
    api("POST",  "/clinics/referrals",                      "201   201   201    403    400      401   201   201",
        data=Ref("referrals_api_referral_in")),
    dataclasses.replace(
        api("GET", "/clinics/referrals/rates",              "200   200   200    200    404      401   200   200",
            variant="of a mission"),
        url_ref=Ref("referrals_rates_url"),
    ),
    api("GET",   "/clinics/referrals/{referral_id}",        "200   200   200    200    404      401   200   200",
        params=P_SENT),
    api("POST",  "/clinics/referrals/{referral_id}/respond",
                                                            "403   403   403    403    404      401   200   200",
        params=P_SENT, data={"decision": "accept"}),
    api("POST",  "/clinics/referrals/{referral_id}/close",  "200   200   200    403    404      401   200   200",
        params=P_SENT, data=CANCEL, variant="cancelled by the team"),
    api("POST",  "/clinics/referrals/{referral_id}/close",  "403   403   403    403    404      401   200   200",
        params=P_ACCEPTED, data=COMPLETE, variant="completed by the facility"),
    api("POST",  "/clinics/referrals/{referral_id}/follow-ups",
                                                            "201   201   201    403    404      401   201   201",
        params=P_ACCEPTED, data=Ref("referrals_api_follow_up_in")),
    api("GET",   "/clinics/follow-ups",                     "200   200   200    200    200      401   200   200"),
    api("GET",   "/clinics/follow-ups/{follow_up_id}",      "200   200   200    200    404      401   200   200",
        params=P_FOLLOW_UP),
    api("PATCH", "/clinics/follow-ups/{follow_up_id}",      "403   403   403    403    404      401   200   200",
        params=P_FOLLOW_UP, data=DONE),
    api("POST",  "/clinics/follow-ups/{follow_up_id}/handover",
                                                            "200   200   403    403    404      401   200   403",
        params=P_PLANNED),
]
# fmt: on
