"""API of responses and teams: listing, creating, reading and changing responses, their item
labels, registering a team not on medmissions, opening a mission's team, reading and changing
teams, with the error shape of every refusal (400, 403, 404, 409)."""

from __future__ import annotations

import pytest

from medmissions.clinics import responses
from medmissions.clinics.models import Response, Team
from medmissions.clinics.tests.conftest import days_ago, record
from medmissions.clinics.tests.test_coordination_support import *  # noqa: F403
from medmissions.sites.models import Site
from medmissions.testing import assert_api_error, patch_json, post_json, put_json

pytestmark = pytest.mark.django_db

RESPONSES = "/api/v1/clinics/responses"
TEAMS = "/api/v1/clinics/teams"


@pytest.fixture
def api(api_client_for, users):
    """``api("viewer")`` → that persona's API client, made once per test (the clock is frozen, and
    each client's token is named after the time)."""
    made = {}

    def client(name):
        if name not in made:
            made[name] = api_client_for(users[name])
        return made[name]

    return client


def _response_in(**changes):
    data = {
        "organization": "mbale-hospital",
        "name": "Cholera outbreak, Bududa",
        "country": "UG",
        "starts_on": days_ago(3).isoformat(),
    }
    data.update(changes)
    return data


# Responses -------------------------------------------------------------------------------------


def test_listing_responses(api, users, host, response, team):
    responses.create_response(
        actor=users["host_admin"],
        organization=host,
        data={"name": "Old", "country": "UG", "starts_on": days_ago(400), "status": "closed"},
    )
    host_body = api("host_member").get(RESPONSES).json()
    assert host_body["count"] == 2
    assert host_body["items"][0]["team_count"] == 1
    assert host_body["items"][0]["coordinating_organization"] == "mbale-hospital"
    viewer = api("viewer")
    assert [row["id"] for row in viewer.get(RESPONSES).json()["items"]] == [response.pk]
    assert api("outsider").get(RESPONSES).json()["count"] == 0
    assert api("host_member").get(RESPONSES, {"status": "closed"}).json()["count"] == 1
    assert_api_error(viewer.get(RESPONSES, {"status": "lost"}), 400, fields=["status"])


def test_creating_a_response(api, users):
    answer = post_json(api("host_admin"), RESPONSES, _response_in(ends_on=days_ago(-30).isoformat()))
    assert answer.status_code == 201
    body = answer.json()
    assert body["coordinating_organization"] == "mbale-hospital"
    assert body["status"] == "active" and body["teams"] == [] and body["labels"] == []
    assert body["item_labels"]["19"].startswith("Not used")
    assert Response.objects.get(pk=body["id"]).created_by == users["host_admin"]


def test_creating_a_response_is_refused(api, users):
    coordinator = api("host_admin")
    assert_api_error(
        post_json(coordinator, RESPONSES, _response_in(organization="bridge-health")),
        400,
        fields=["organization"],
    )
    assert_api_error(
        post_json(coordinator, RESPONSES, _response_in(country="XX")), 400, "invalid_country", ["country"]
    )
    assert_api_error(
        post_json(coordinator, RESPONSES, _response_in(ends_on=days_ago(10).isoformat())),
        400,
        "invalid_dates",
    )
    assert_api_error(post_json(coordinator, RESPONSES, {"organization": "mbale-hospital"}), 400, "invalid")
    assert_api_error(post_json(api("host_member"), RESPONSES, _response_in()), 403, "forbidden")
    assert not Response.objects.exists()


def test_reading_a_response(api, users, response, team, red_cross):
    host_body = api("host_member").get(f"{RESPONSES}/{response.pk}").json()
    assert {row["id"] for row in host_body["teams"]} == {team.pk, red_cross.pk}
    viewer_body = api("viewer").get(f"{RESPONSES}/{response.pk}").json()
    assert [row["id"] for row in viewer_body["teams"]] == [team.pk]
    assert_api_error(api("outsider").get(f"{RESPONSES}/{response.pk}"), 404, "not_found")
    assert_api_error(api("host_member").get(f"{RESPONSES}/{response.pk + 99}"), 404)


def test_changing_a_response(api, users, response, team):
    client = api("host_admin")
    answer = patch_json(
        client, f"{RESPONSES}/{response.pk}", {"status": "closed", "ends_on": days_ago(1).isoformat()}
    )
    assert answer.status_code == 200
    assert (answer.json()["status"], answer.json()["ends_on"]) == ("closed", days_ago(1).isoformat())
    assert answer.json()["name"] == "Elgon floods 2026"  # unchanged fields stay
    assert_api_error(
        patch_json(client, f"{RESPONSES}/{response.pk}", {"status": "paused"}), 400, "invalid_status"
    )
    assert_api_error(
        patch_json(client, f"{RESPONSES}/{response.pk}", {"name": ""}), 400, "required", ["name"]
    )
    assert_api_error(patch_json(api("coordinator"), f"{RESPONSES}/{response.pk}", {"name": "Mine"}), 403)
    assert_api_error(patch_json(api("outsider"), f"{RESPONSES}/{response.pk}", {"name": "Mine"}), 404)


def test_setting_labels(api, users, response):
    client = api("host_admin")
    address = f"{RESPONSES}/{response.pk}/labels"
    answer = put_json(
        client,
        address,
        {
            "labels": [
                {
                    "item": 19,
                    "label": "Cholera",
                    "icd_code": "A00",
                    "effective_from": days_ago(5).isoformat(),
                },
                {"item": 20, "label": "Hypertension", "active": False},
                {"item": 17, "label": "Tuberculosis, suspected or confirmed"},
            ]
        },
    )
    assert answer.status_code == 200
    body = answer.json()
    assert body["item_labels"]["19"] == "Cholera" and body["item_labels"]["20"].startswith("Not used")
    assert {row["item"]: row["label"] for row in body["labels"]}[17] == "Tuberculosis, suspected or confirmed"
    # Replacing with fewer labels removes the others.
    assert [
        row["item"]
        for row in put_json(client, address, {"labels": [{"item": 19, "label": "Cholera"}]}).json()["labels"]
    ] == [19]


def test_wrong_labels_are_refused(api, users, response):
    client = api("host_admin")
    address = f"{RESPONSES}/{response.pk}/labels"
    assert_api_error(
        put_json(client, address, {"labels": [{"item": 51, "label": "Unexpected death"}]}),
        400,
        "invalid_labels",
        ["item_51"],
    )
    twice = {"labels": [{"item": 19, "label": "Cholera"}, {"item": 19, "label": "Dengue"}]}
    assert_api_error(put_json(client, address, twice), 400, fields=["labels.1.item"])
    assert_api_error(
        put_json(client, address, {"labels": [{"item": 19, "label": "x" * 121}]}), 400, "invalid"
    )
    assert_api_error(put_json(api("host_member"), address, {"labels": []}), 403)
    assert not response.item_labels.exists()


def test_registering_a_team(api, users, response, kapchorwa):
    client = api("host_admin")
    answer = post_json(
        client,
        f"{RESPONSES}/{response.pk}/teams",
        {
            "name": "Uganda Red Cross EMT",
            "organization_name": "Uganda Red Cross",
            "sites": [kapchorwa.pk],
            "lead": users["host_member"].pk,
            "emt_type": "emt_1_mobile",
        },
    )
    assert answer.status_code == 201
    body = answer.json()
    assert (body["response"], body["mission"], body["lead"]) == (response.pk, None, users["host_member"].pk)
    assert body["sites"] == [
        {
            "id": kapchorwa.pk,
            "name": "Kapchorwa health centre IV",
            "admin_level_1": "Eastern",
            "admin_level_2": "Kapchorwa",
        }
    ]


def test_registering_a_team_is_refused(api, users, response, kapchorwa, sending):
    client = api("host_admin")
    address = f"{RESPONSES}/{response.pk}/teams"
    payload = {
        "name": "Uganda Red Cross EMT",
        "organization_name": "Uganda Red Cross",
        "sites": [kapchorwa.pk],
    }
    depot = Site.objects.create(
        name="Bridge Health depot", kind="warehouse", host_organization=sending, country="GB"
    )
    assert_api_error(post_json(client, address, {**payload, "sites": [depot.pk]}), 400, fields=["sites"])
    assert_api_error(post_json(client, address, {**payload, "sites": []}), 400, "no_site")
    assert_api_error(
        post_json(client, address, {**payload, "lead": users["coordinator"].pk}), 400, fields=["lead"]
    )
    assert_api_error(
        post_json(client, address, {**payload, "contact_email": "not an address"}), 400, "invalid_email"
    )
    assert_api_error(
        post_json(client, address, {"name": "No organisation", "sites": [kapchorwa.pk]}), 400, "invalid"
    )
    assert_api_error(post_json(api("host_member"), address, payload), 403)
    assert_api_error(post_json(api("outsider"), address, payload), 404)
    assert not Team.objects.exists()


# Teams -----------------------------------------------------------------------------------------------


def test_listing_teams(api, users, team, red_cross, response):
    host_body = api("host_member").get(TEAMS).json()
    assert {row["id"] for row in host_body["items"]} == {team.pk, red_cross.pk}
    viewer = api("viewer")
    assert [row["id"] for row in viewer.get(TEAMS).json()["items"]] == [team.pk]
    assert [row["id"] for row in viewer.get(TEAMS, {"mission": team.mission_id}).json()["items"]] == [team.pk]
    assert api("host_member").get(TEAMS, {"response": response.pk}).json()["count"] == 2
    assert api("outsider").get(TEAMS).json()["count"] == 0


def test_opening_a_mission_team(api, users, field_mission, response, site):
    answer = post_json(
        api("coordinator"),
        TEAMS,
        {
            "mission": field_mission.pk,
            "response": response.pk,
            "lead": users["coordinator"].pk,
            "contact_phone": "+256 700 111 222",
        },
    )
    assert answer.status_code == 201
    body = answer.json()
    assert (body["mission"], body["response"], body["name"]) == (
        field_mission.pk,
        response.pk,
        field_mission.title,
    )
    assert [row["id"] for row in body["sites"]] == [site.pk]  # the mission's site by default
    again = post_json(api("admin"), TEAMS, {"mission": field_mission.pk})
    assert_api_error(again, 409, "team_exists")


def test_opening_a_mission_team_is_refused(api, users, field_mission, host, kapchorwa, sending):
    kenya = responses.create_response(
        actor=users["host_admin"],
        organization=host,
        data={"name": "Kenya drought", "country": "KE", "starts_on": days_ago(5)},
    )
    client = api("coordinator")
    assert_api_error(
        post_json(client, TEAMS, {"mission": field_mission.pk, "response": kenya.pk}),
        400,
        fields=["response"],
    )
    assert_api_error(
        post_json(client, TEAMS, {"mission": field_mission.pk, "lead": users["outsider"].pk}),
        400,
        fields=["lead"],
    )
    depot = Site.objects.create(
        name="Bridge Health depot",
        kind="warehouse",
        host_organization=users["outsider"].memberships.get().organization,
        country="KE",
    )
    assert_api_error(
        post_json(client, TEAMS, {"mission": field_mission.pk, "sites": [depot.pk]}), 400, fields=["sites"]
    )
    assert_api_error(post_json(client, TEAMS, {"mission": 99999}), 400, fields=["mission"])
    assert_api_error(post_json(api("viewer"), TEAMS, {"mission": field_mission.pk}), 403)
    assert_api_error(
        post_json(api("outsider"), TEAMS, {"mission": field_mission.pk}), 400, fields=["mission"]
    )
    assert not Team.objects.exists()


def test_a_draft_mission_cannot_open_its_team(api, users, mission):
    assert_api_error(post_json(api("coordinator"), TEAMS, {"mission": mission.pk}), 409, "mission_status")


def test_reading_a_team(api, users, team):
    body = api("host_member").get(f"{TEAMS}/{team.pk}").json()
    assert (body["lead"], body["lead_name"], body["response_name"]) == (
        users["coordinator"].pk,
        "Coordinator",
        "Elgon floods 2026",
    )
    assert_api_error(api("outsider").get(f"{TEAMS}/{team.pk}"), 404, "not_found")


def test_changing_a_team(api, users, team, response, site, host):
    second = Site.objects.create(name="Mbale field post", kind="clinic", host_organization=host, country="UG")
    client = api("coordinator")
    address = f"{TEAMS}/{team.pk}"
    answer = patch_json(
        client,
        address,
        {"working_hours": "07:00–19:00", "sites": [site.pk, second.pk], "lead": users["member"].pk},
    )
    assert answer.status_code == 200
    body = answer.json()
    assert body["working_hours"] == "07:00–19:00" and body["lead"] == users["member"].pk
    assert {row["id"] for row in body["sites"]} == {site.pk, second.pk}
    # Leaving the response before reporting is allowed; after reporting it is not.
    assert patch_json(client, address, {"response": None}).json()["response"] is None
    patch_json(client, address, {"response": response.pk})
    record(team, users["member"], site, days_ago(1))
    other = responses.create_response(
        actor=users["host_admin"],
        organization=host,
        data={"name": "Cholera", "country": "UG", "starts_on": days_ago(2)},
    )
    assert_api_error(patch_json(client, address, {"response": other.pk}), 400, "response_fixed")


def test_changing_a_team_is_refused(api, users, team, red_cross, response):
    client = api("coordinator")
    assert_api_error(
        patch_json(client, f"{TEAMS}/{team.pk}", {"emt_type": "field_hospital"}), 400, "invalid_type"
    )
    assert_api_error(
        patch_json(client, f"{TEAMS}/{team.pk}", {"lead": users["outsider"].pk}), 400, fields=["lead"]
    )
    assert_api_error(patch_json(client, f"{TEAMS}/{team.pk}", {"sites": [99999]}), 400, fields=["sites"])
    assert_api_error(patch_json(api("member"), f"{TEAMS}/{team.pk}", {"name": "Ours"}), 403, "forbidden")
    assert_api_error(patch_json(api("outsider"), f"{TEAMS}/{team.pk}", {"name": "Ours"}), 404)
    # A registered team stays with the response that registered it.
    assert_api_error(
        patch_json(api("host_admin"), f"{TEAMS}/{red_cross.pk}", {"response": None}), 400, fields=["response"]
    )


def test_anonymous_callers_are_refused(client, team):
    assert_api_error(client.get(TEAMS), 401, "unauthenticated")
    assert_api_error(client.get(RESPONSES), 401, "unauthenticated")
