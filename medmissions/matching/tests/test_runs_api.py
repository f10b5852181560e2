"""API: suggestions, runs (create, read, re-run, accept, discard) and weights, with their errors."""

from __future__ import annotations

import json

import pytest

from medmissions.matching.models import DEFAULT_WEIGHTS, OptimisationRun, RunStatus
from medmissions.missions.models import Invitation

from .run_fixtures import *  # noqa: F403 - fixtures
from .run_fixtures import role_of

pytestmark = pytest.mark.django_db

API = "/api/v1/matching"


def post(client, path: str, data: dict):
    return client.post(API + path, data=json.dumps(data), content_type="application/json")


def test_suggestions_rank_people_with_the_score_broken_down(api_client_for, users, recruiting, people):
    role = role_of(recruiting, "General surgeon")
    response = api_client_for(users["coordinator"]).get(f"{API}/roles/{role.pk}/suggestions?limit=2")
    assert response.status_code == 200
    body = response.json()
    assert body["eligible_count"] == 3
    assert [item["person_name"] for item in body["ranked"]] == ["Ada Senior", "Ben Middle"]
    top = body["ranked"][0]
    assert {c["key"] for c in top["score"]["components"]} == set(DEFAULT_WEIGHTS)
    assert top["score"]["total"] == sum(c["points"] for c in top["score"]["components"])
    assert top["applied"] is False and top["invited"] is False


@pytest.mark.parametrize("query", ["limit=0", "limit=201", "near_misses=-1", "limit=x"])
def test_suggestions_refuse_bad_limits(api_client_for, users, recruiting, query):
    role = role_of(recruiting, "General surgeon")
    response = api_client_for(users["coordinator"]).get(f"{API}/roles/{role.pk}/suggestions?{query}")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"


def test_suggestions_of_an_unknown_role_are_not_found(api_client_for, users, recruiting):
    response = api_client_for(users["coordinator"]).get(f"{API}/roles/999999/suggestions")
    assert response.status_code == 404


def test_a_run_through_the_api_from_start_to_acceptance(api_client_for, users, sending, recruiting, people):
    client = api_client_for(users["coordinator"])
    surgeon_role = role_of(recruiting, "General surgeon")
    response = post(
        client,
        "/runs",
        {
            "organization": sending.slug,
            "missions": [recruiting.pk],
            "exclusions": [{"person": people["senior"].pk, "role": surgeon_role.pk}],
        },
    )
    assert response.status_code == 201, response.content
    run = response.json()
    assert run["status"] == "proposed" and run["filled"] == 3 and run["optimal"] is True
    assert people["senior"].pk not in {row["person"] for row in run["assignments"]}
    assert set(run["timings"]) >= {"load", "candidates", "store"}

    listed = client.get(f"{API}/runs").json()
    assert [item["id"] for item in listed["items"]] == [run["id"]]
    assert client.get(f"{API}/runs/{run['id']}").json()["inputs"]["exclusions"] == [
        [people["senior"].pk, surgeon_role.pk]
    ]

    rerun = post(client, f"/runs/{run['id']}/rerun", {"exclusions": []})
    assert rerun.status_code == 201
    again = rerun.json()
    assert people["senior"].pk in {row["person"] for row in again["assignments"]}
    assert again["inputs"]["previous_run"] == run["id"]

    accepted = post(client, f"/runs/{again['id']}/accept", {"message": "Welcome."})
    assert accepted.status_code == 200, accepted.content
    assert accepted.json() == {"run": again["id"], "applications_accepted": 0, "invitations_sent": 3}
    assert Invitation.objects.filter(optimisation_run_id=again["id"]).count() == 3
    assert post(client, f"/runs/{again['id']}/accept", {}).status_code == 409

    discarded = client.post(f"{API}/runs/{run['id']}/discard")
    assert discarded.status_code == 200 and discarded.json()["status"] == "discarded"
    assert OptimisationRun.objects.get(pk=run["id"]).status == RunStatus.DISCARDED


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"missions": []}, "missions"),
        ({"missions": [999999]}, "missions"),
        ({"pins": [{"person": 1, "role": 999999}]}, "pins"),
        ({"missions": "all"}, "missions"),
    ],
)
def test_bad_runs_are_refused_with_the_field(
    api_client_for, users, sending, recruiting, people, payload, field
):
    body = {"organization": sending.slug, "missions": [recruiting.pk], **payload}
    response = post(api_client_for(users["coordinator"]), "/runs", body)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not OptimisationRun.objects.exists()


def test_an_impossible_pin_is_a_conflict(api_client_for, users, sending, recruiting, people):
    anaesthetist_role = role_of(recruiting, "Anaesthetist")
    response = post(
        api_client_for(users["coordinator"]),
        "/runs",
        {
            "organization": sending.slug,
            "missions": [recruiting.pk],
            "pins": [{"person": people["senior"].pk, "role": anaesthetist_role.pk}],
        },
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "infeasible_pin"


def test_runs_of_other_organisations_are_not_found_and_members_are_refused(
    api_client_for, users, sending, recruiting, people
):
    # One client each: the clock is frozen, and token names carry the time.
    coordinator, member, outsider = (
        api_client_for(users[name]) for name in ("coordinator", "member", "outsider")
    )
    body = {"organization": sending.slug, "missions": [recruiting.pk]}
    run_id = post(coordinator, "/runs", body).json()["id"]
    assert outsider.get(f"{API}/runs/{run_id}").status_code == 404
    assert member.get(f"{API}/runs/{run_id}").status_code == 403
    assert post(member, "/runs", body).status_code == 403
    assert post(outsider, "/runs", body).status_code == 404
    assert post(member, f"/runs/{run_id}/accept", {}).status_code == 403
    assert post(outsider, f"/runs/{run_id}/discard", {}).status_code == 404


def test_weights_are_read_by_members_and_changed_by_admins(api_client_for, users, sending):
    member = api_client_for(users["member"])
    read = member.get(f"{API}/weights/{sending.slug}").json()
    assert read == {
        "organization": sending.slug,
        "tuned": False,
        "weights": DEFAULT_WEIGHTS,
        "defaults": DEFAULT_WEIGHTS,
    }
    admin = api_client_for(users["admin"])
    changed = admin.put(
        f"{API}/weights/{sending.slug}", data=json.dumps({"experience": 30}), content_type="application/json"
    )
    assert changed.status_code == 200
    assert changed.json()["tuned"] is True and changed.json()["weights"]["experience"] == 30
    bad = admin.put(
        f"{API}/weights/{sending.slug}", data=json.dumps({"experience": 500}), content_type="application/json"
    )
    assert bad.status_code == 400 and "experience" in bad.json()["error"]["fields"]
    assert admin.get(f"{API}/weights/{sending.slug}").json()["weights"]["experience"] == 30
    assert admin.delete(f"{API}/weights/{sending.slug}").status_code == 204
    assert admin.get(f"{API}/weights/{sending.slug}").json()["tuned"] is False
    assert api_client_for(users["outsider"]).get(f"{API}/weights/{sending.slug}").status_code == 404
