"""The whole path of issue 4, need → mission → applications → ready → in the field → closing →
completed → evaluated, once through the API and once through the HTML pages, each step taken by
the person whose job it is."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from medmissions.conftest import make_user
from medmissions.missions.choices import MissionStatus
from medmissions.missions.models import Application, Assignment, Mission, Need
from medmissions.testing import post_json, put_json
from medmissions.volunteers.choices import Proficiency
from medmissions.volunteers.models import Person, PersonSpecialty, Specialty

pytestmark = pytest.mark.django_db

START = datetime.date(2027, 5, 3)
END = datetime.date(2027, 5, 14)


@pytest.fixture
def surgeon():
    """A general surgeon with an account and no credentials: the host will have to waive."""
    user = make_user("kamau@example.org", "Grace Kamau")
    person = Person.objects.create(
        user=user,
        full_name=user.full_name,
        email=user.email,
        profession=Specialty.objects.get(slug="medicine"),
    )
    PersonSpecialty.objects.create(
        person=person, specialty=Specialty.objects.get(slug="general-surgery"), proficiency=Proficiency.EXPERT
    )
    return user


def ok(response, status=200):
    assert response.status_code == status, response.content
    return response.json() if response.content else None


def test_the_whole_path_through_the_api(users, host, site, active_partnership, surgeon, api_client_for):
    host_admin = api_client_for(users["host_admin"])
    coordinator = api_client_for(users["coordinator"])
    volunteer = api_client_for(surgeon)

    need = ok(
        post_json(
            host_admin,
            "/api/v1/needs",
            {
                "author": host.slug,
                "site": site.pk,
                "title": "Hernia backlog",
                "description": "Two surgeons to operate alongside our team.",
                "earliest_start": "2027-04-01",
                "latest_end": "2027-06-30",
                "lines": [{"specialty": "general-surgery", "people": 1}],
            },
        ),
        201,
    )
    assert need["status"] == "open"
    mission = ok(
        post_json(
            coordinator,
            "/api/v1/missions",
            {
                "partnership": active_partnership.pk,
                "site": site.pk,
                "title": "Mbale hernia camp",
                "starts_on": START.isoformat(),
                "ends_on": END.isoformat(),
                "capacity": 2,
                "time_zone": "Africa/Kampala",
                "needs": [need["id"]],
            },
        ),
        201,
    )
    path = f"/api/v1/missions/{mission['id']}"
    role = ok(
        post_json(
            coordinator,
            f"{path}/roles",
            {
                "title": "General surgeon",
                "specialty": "surgery",
                "people_needed": 1,
                "scope_of_practice": "Adult elective hernia repair with a Mbale surgeon.",
            },
        ),
        201,
    )

    def step(client, transition, **extra):
        return ok(post_json(client, f"{path}/transitions", {"transition": transition, **extra}))

    step(coordinator, "submit")
    # Recruiting needs the host: the sending coordinator cannot confirm.
    assert post_json(coordinator, f"{path}/transitions", {"transition": "confirm"}).status_code == 403
    assert step(host_admin, "confirm")["status"] == MissionStatus.RECRUITING

    application = ok(
        post_json(volunteer, "/api/v1/applications", {"role": role["id"], "motivation": "Tororo."}), 201
    )
    assignment = ok(post_json(coordinator, f"/api/v1/applications/{application['id']}/accept", {}), 201)

    refused = post_json(coordinator, f"{path}/transitions", {"transition": "ready"})
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "assignments_not_ready"
    board = ok(volunteer.get(f"{path}/readiness"))
    unmet = [check["key"] for check in board["rows"][0]["checks"] if not check["met"]]
    assert "credential:passport" in unmet
    for key in unmet:
        ok(
            post_json(
                host_admin,
                f"{path}/waivers",
                {"assignment": assignment["id"], "requirement_key": key, "reason": "Seen at induction."},
            ),
            201,
        )
    assert ok(coordinator.get(f"{path}/readiness"))["ready"] == 1

    step(coordinator, "ready")
    step(coordinator, "field")
    ok(post_json(volunteer, f"{path}/messages", {"body": "Landed in Entebbe."}), 201)
    step(coordinator, "closing")
    refused = post_json(coordinator, f"{path}/transitions", {"transition": "complete"})
    assert refused.json()["error"]["code"] == "no_handover_plan"
    ok(
        put_json(
            coordinator,
            f"{path}/handover-plan",
            {"local_lead": "Dr Peter Masaba", "referral_pathways": "Mbale Regional Referral Hospital."},
        )
    )
    ok(post_json(volunteer, f"/api/v1/assignments/{assignment['id']}/hours", {"hours": "80", "note": ""}))
    ok(post_json(coordinator, f"/api/v1/assignments/{assignment['id']}/hours/approve", {}))
    step(coordinator, "complete")
    for client, side in ((host_admin, "host"), (coordinator, "visiting")):
        evaluation = {
            "side": side,
            "what_went_well": "Teamwork.",
            "what_to_change": "Earlier plan.",
            "overall_score": 4,
        }
        ok(post_json(client, f"{path}/evaluations", evaluation), 201)
    assert step(coordinator, "evaluated")["status"] == MissionStatus.EVALUATED
    assert ok(host_admin.get(f"/api/v1/needs/{need['id']}"))["status"] == "met"


def test_the_whole_path_through_the_pages(users, host, site, active_partnership, surgeon, client_for):
    host_admin = client_for(users["host_admin"])
    coordinator = client_for(users["coordinator"])
    volunteer = client_for(surgeon)

    def post(client, name, data=None, *args):
        response = client.post(reverse(name, args=args), data or {}, follow=True)
        assert response.status_code == 200
        errors = [str(message) for message in response.context["messages"] if message.level_tag == "error"]
        assert not errors, errors
        return response

    post(
        host_admin,
        "missions:need_add",
        {
            "site": site.pk,
            "title": "Hernia backlog",
            "description": "Two surgeons to operate alongside our team.",
            "priority": 2,
            "earliest_start": "2027-04-01",
            "latest_end": "2027-06-30",
            "lines-TOTAL_FORMS": 1,
            "lines-INITIAL_FORMS": 0,
            "lines-0-specialty": Specialty.objects.get(slug="general-surgery").pk,
            "lines-0-people": 1,
        },
    )
    need = Need.objects.get()
    post(
        coordinator,
        "missions:add",
        {
            "partnership": active_partnership.pk,
            "site": site.pk,
            "needs": [need.pk],
            "title": "Mbale hernia camp",
            "starts_on": START.isoformat(),
            "ends_on": END.isoformat(),
            "capacity": 2,
            "time_zone": "Africa/Kampala",
            "team_type": "not_emergency",
        },
    )
    mission = Mission.objects.get()
    post(
        coordinator,
        "missions:role_add",
        {
            "title": "General surgeon",
            "specialty": Specialty.objects.get(slug="surgery").pk,
            "minimum_proficiency": 2,
            "people_needed": 1,
            "scope_of_practice": "Adult elective hernia repair with a Mbale surgeon.",
            "supervisor_required_for_trainees": "on",
        },
        mission.pk,
    )
    post(coordinator, "missions:transition", {}, mission.pk, "submit")
    post(host_admin, "missions:transition", {}, mission.pk, "confirm")
    role = mission.roles.get()
    post(volunteer, "missions:apply", {"motivation": "Tororo, twice."}, role.pk)
    application = Application.objects.get()
    post(coordinator, "missions:application_accept", {"message": "Welcome."}, application.pk)
    assignment = Assignment.objects.get()
    board = volunteer.get(reverse("missions:team", args=[mission.pk]))
    assert b"Not ready" in board.content
    from medmissions.missions.board import readiness_board

    for check in readiness_board(mission)[0].blocking:
        post(
            host_admin,
            "missions:waive",
            {"requirement_key": check.key, "reason": "Seen at induction."},
            assignment.pk,
        )
    for transition in ("ready", "field", "closing"):
        post(coordinator, "missions:transition", {}, mission.pk, transition)
    post(
        coordinator,
        "missions:handover",
        {"local_lead": "Dr Peter Masaba", "referral_pathways": "Mbale Regional Referral Hospital."},
        mission.pk,
    )
    post(volunteer, "missions:hours_log", {"hours": "80", "note": ""}, assignment.pk)
    post(coordinator, "missions:hours_approve", {}, assignment.pk)
    post(coordinator, "missions:transition", {}, mission.pk, "complete")
    evaluation = {"what_went_well": "Teamwork.", "what_to_change": "Earlier plan.", "overall_score": 4}
    post(host_admin, "missions:evaluate", {**evaluation, "side": "host"}, mission.pk)
    post(coordinator, "missions:evaluate", {**evaluation, "side": "visiting"}, mission.pk)
    post(coordinator, "missions:transition", {}, mission.pk, "evaluated")

    mission.refresh_from_db()
    assert mission.status == MissionStatus.EVALUATED
    assert Assignment.objects.get().hours_approved_at is not None
