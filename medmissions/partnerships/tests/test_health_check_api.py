"""API /api/v1/partnerships/{id}/health-checks… and /action-items: parties only."""

from __future__ import annotations

import datetime

import pytest

from medmissions.partnerships import health
from medmissions.partnerships.choices import ActionItemStatus, HealthCheckStatus, Principle
from medmissions.partnerships.models import ActionItem, HealthCheck, PrincipleScore
from medmissions.partnerships.tests.support import counts
from medmissions.testing import assert_api_error as assert_error
from medmissions.testing import patch_json, put_json

BASE = "/api/v1/partnerships"
DUE = datetime.date(2027, 1, 31)


def post_json(client, address, data=None):
    return client.post(address, data or {}, content_type="application/json")


def checks_url(partnership):
    return f"{BASE}/{partnership.pk}/health-checks"


def check_url(check):
    return f"{BASE}/{check.partnership_id}/health-checks/{check.pk}"


def full_sheet(organization_slug, value=4):
    return {
        "organization": organization_slug,
        "scores": [
            {"principle": p.value, "score": value, "evidence": f"Evidence {p.value}."} for p in Principle
        ],
    }


# Rounds -------------------------------------------------------------------------------------------


def test_a_coordinator_opens_a_round(users, api_client_for, active_partnership):
    response = post_json(api_client_for(users["coordinator"]), checks_url(active_partnership))
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["round_number"], body["status"], body["completed_at"]) == (1, "open", None)
    assert len(body["results"]) == 10
    assert body["missing"] == {"mbale-hospital": list(range(1, 11)), "bridge-health": list(range(1, 11))}


def test_opening_a_round_is_refused_with_the_right_status(
    users, api_client_for, client_for, two_host_partnership, active_partnership, public_partnership
):
    coordinator, member, outsider = (
        api_client_for(users[name]) for name in ["coordinator", "member", "outsider"]
    )
    before = counts()
    assert_error(post_json(coordinator, checks_url(two_host_partnership)), 409, "partnership_not_active")
    assert_error(post_json(member, checks_url(active_partnership)), 403, "forbidden")
    assert_error(post_json(outsider, checks_url(public_partnership)), 404, "not_found")
    assert_error(post_json(client_for(None), checks_url(active_partnership)), 401)
    assert counts() == before
    post_json(coordinator, checks_url(active_partnership))
    assert_error(post_json(coordinator, checks_url(active_partnership)), 409, "check_open")
    assert HealthCheck.objects.count() == 1


def test_parties_list_the_rounds_and_outsiders_get_404_even_when_public(
    users, api_client_for, public_partnership
):
    check = health.open_health_check(public_partnership, actor=users["coordinator"])
    response = api_client_for(users["viewer"]).get(checks_url(public_partnership))
    assert response.status_code == 200
    assert [(c["id"], c["round_number"], c["status"]) for c in response.json()] == [(check.pk, 1, "open")]
    outsider = api_client_for(users["outsider"])
    assert outsider.get(f"{BASE}/{public_partnership.pk}").status_code == 200
    assert_error(outsider.get(checks_url(public_partnership)), 404)
    assert_error(outsider.get(check_url(check)), 404)


def test_a_party_reads_a_round_with_scores_side_by_side_and_gaps(
    users, api_client_for, sending, host, open_check
):
    health.score_principle(
        open_check, actor=users["member"], organization=sending, principle=1, score=5, evidence="A."
    )
    health.score_principle(
        open_check, actor=users["host_member"], organization=host, principle=1, score=3, evidence="B."
    )

    body = api_client_for(users["host_member"]).get(check_url(open_check)).json()

    strategic = body["results"][0]
    assert strategic == {
        "principle": 1,
        "label": "Strategic",
        "is_gap": True,
        "spread": 2,
        "average": 4.0,
        "scores": {"mbale-hospital": 3, "bridge-health": 5},
    }
    assert body["results"][1]["scores"] == {"mbale-hospital": None, "bridge-health": None}
    assert {(s["organization"], s["score"]) for s in body["scores"]} == {
        ("bridge-health", 5),
        ("mbale-hospital", 3),
    }
    assert body["missing"]["bridge-health"] == list(range(2, 11))


def test_a_round_of_another_partnership_is_404(users, api_client_for, open_check, public_partnership):
    response = api_client_for(users["coordinator"]).get(f"{checks_url(public_partnership)}/{open_check.pk}")
    assert_error(response, 404)


# Scores -------------------------------------------------------------------------------------------


def test_a_member_records_the_scores_of_their_organisation(users, api_client_for, sending, open_check):
    response = put_json(
        api_client_for(users["member"]), f"{check_url(open_check)}/scores", full_sheet("bridge-health")
    )
    assert response.status_code == 200, response.content
    assert response.json()["missing"]["bridge-health"] == []
    assert PrincipleScore.objects.filter(organization=sending).count() == 10


def test_a_score_is_revised_by_sending_it_again(users, api_client_for, sending, open_check):
    client = api_client_for(users["member"])
    address = f"{check_url(open_check)}/scores"
    put_json(
        client,
        address,
        {"organization": "bridge-health", "scores": [{"principle": 3, "score": 2, "evidence": "Weak."}]},
    )
    put_json(
        client,
        address,
        {"organization": "bridge-health", "scores": [{"principle": 3, "score": 4, "evidence": "Better."}]},
    )
    score = PrincipleScore.objects.get(organization=sending, principle=3)
    assert (score.score, score.evidence) == (4, "Better.")


@pytest.mark.parametrize(
    ("bad", "status", "fields"),
    [
        ({"principle": 2, "score": 6, "evidence": "Great."}, 400, ["score"]),
        ({"principle": 2, "score": 0, "evidence": "Nothing."}, 400, ["score"]),
        ({"principle": 2, "score": 3, "evidence": "  "}, 400, ["evidence"]),
        ({"principle": 11, "score": 3, "evidence": "Extra."}, 400, ["scores.1.principle"]),
        ({"principle": 2, "score": "high", "evidence": "Words."}, 400, ["scores.1.score"]),
    ],
)
def test_one_bad_score_leaves_the_whole_sheet_unsaved(bad, status, fields, users, api_client_for, open_check):
    client = api_client_for(users["member"])
    sheet = {
        "organization": "bridge-health",
        "scores": [{"principle": 1, "score": 4, "evidence": "Good."}, bad],
    }
    before = counts()
    assert_error(put_json(client, f"{check_url(open_check)}/scores", sheet), status, fields=fields)
    assert counts() == before


def test_an_empty_sheet_is_a_400(users, api_client_for, open_check):
    response = put_json(
        api_client_for(users["member"]),
        f"{check_url(open_check)}/scores",
        {"organization": "bridge-health", "scores": []},
    )
    assert_error(response, 400, "invalid", ["scores"])


def test_scoring_for_a_non_party_is_a_400_naming_the_organisation(users, api_client_for, open_check):
    client = api_client_for(users["member"])
    before = counts()
    error = assert_error(
        put_json(client, f"{check_url(open_check)}/scores", full_sheet("unrelated-clinic")),
        400,
        fields=["organization"],
    )
    assert "unrelated-clinic is not a party" in error["message"]
    assert counts() == before


@pytest.mark.parametrize(
    ("persona", "organization"), [("viewer", "bridge-health"), ("member", "mbale-hospital")]
)
def test_viewers_and_members_of_other_parties_cannot_score(
    persona, organization, users, api_client_for, open_check
):
    client = api_client_for(users[persona])
    before = counts()
    assert_error(put_json(client, f"{check_url(open_check)}/scores", full_sheet(organization)), 403)
    assert counts() == before


def test_outsiders_cannot_score(users, api_client_for, open_check):
    client = api_client_for(users["outsider"])
    assert_error(put_json(client, f"{check_url(open_check)}/scores", full_sheet("unrelated-clinic")), 404)


def test_a_completed_round_is_frozen(users, api_client_for, sending, host, open_check, score_all):
    score_all(open_check, sending, users["member"])
    score_all(open_check, host, users["host_member"])
    health.complete_health_check(open_check, actor=users["coordinator"])
    client = api_client_for(users["member"])
    before = counts()
    assert_error(
        put_json(client, f"{check_url(open_check)}/scores", full_sheet("bridge-health", 1)),
        409,
        "check_completed",
    )
    assert counts() == before


# Completing ---------------------------------------------------------------------------------------


def test_a_coordinator_completes_a_fully_scored_round(users, api_client_for, open_check):
    put_json(
        api_client_for(users["member"]), f"{check_url(open_check)}/scores", full_sheet("bridge-health", 4)
    )
    put_json(
        api_client_for(users["host_member"]),
        f"{check_url(open_check)}/scores",
        full_sheet("mbale-hospital", 2),
    )
    response = post_json(
        api_client_for(users["host_admin"]),
        f"{check_url(open_check)}/complete",
        {"summary": "Gaps everywhere."},
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["summary"]) == ("completed", "Gaps everywhere.")
    assert body["completed_at"] is not None
    assert all(row["is_gap"] for row in body["results"])


def test_completing_with_missing_scores_is_a_400_saying_who_still_has_to_score(
    users, api_client_for, open_check
):
    put_json(api_client_for(users["member"]), f"{check_url(open_check)}/scores", full_sheet("bridge-health"))
    client = api_client_for(users["coordinator"])
    before = counts()
    error = assert_error(post_json(client, f"{check_url(open_check)}/complete"), 400, "scores_missing")
    assert "Mbale Regional Hospital (10 principles)" in error["message"]
    assert "Bridge Health UK" not in error["message"]
    open_check.refresh_from_db()
    assert open_check.status == HealthCheckStatus.OPEN
    assert counts() == before


def test_completing_is_403_for_members(users, api_client_for, open_check):
    assert_error(post_json(api_client_for(users["member"]), f"{check_url(open_check)}/complete"), 403)


# Action items -------------------------------------------------------------------------------------


def actions_url(partnership):
    return f"{BASE}/{partnership.pk}/action-items"


def action(**extra):
    data = {
        "title": "Joint safeguarding policy",
        "owner_organization": "mbale-hospital",
        "due_date": "2027-01-31",
    }
    data.update(extra)
    return data


def test_a_coordinator_creates_an_action_from_a_round(users, api_client_for, active_partnership, open_check):
    response = post_json(
        api_client_for(users["coordinator"]),
        actions_url(active_partnership),
        action(principle=9, health_check_id=open_check.pk, description="Draft it."),
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body == {
        "id": body["id"],
        "title": "Joint safeguarding policy",
        "description": "Draft it.",
        "owner_organization": "mbale-hospital",
        "due_date": "2027-01-31",
        "principle": 9,
        "status": "open",
        "health_check_id": open_check.pk,
    }


@pytest.mark.parametrize(
    ("data", "status", "fields"),
    [
        (action(owner_organization="unrelated-clinic"), 400, ["owner_organization"]),
        (action(owner_organization="no-such-org"), 400, ["owner_organization"]),
        (action(title=""), 400, ["title"]),
        (action(due_date="tomorrow"), 400, ["due_date"]),
        (action(status="forgotten"), 400, ["status"]),
        (action(principle=42), 400, ["principle"]),
        ({"title": "No owner", "due_date": "2027-01-31"}, 400, ["owner_organization"]),
    ],
)
def test_a_bad_action_is_a_400_with_fields_and_creates_nothing(
    data, status, fields, users, api_client_for, active_partnership
):
    client = api_client_for(users["coordinator"])
    before = counts()
    assert_error(post_json(client, actions_url(active_partnership), data), status, fields=fields)
    assert counts() == before


def test_an_action_cannot_point_at_a_round_of_another_partnership(
    users, api_client_for, active_partnership, public_partnership
):
    foreign = health.open_health_check(public_partnership, actor=users["coordinator"])
    client = api_client_for(users["coordinator"])
    before = counts()
    assert_error(post_json(client, actions_url(active_partnership), action(health_check_id=foreign.pk)), 404)
    assert counts() == before


def test_creating_actions_is_403_for_members_404_for_outsiders_409_when_closed(
    users, api_client_for, active_partnership, public_partnership
):
    member, outsider, coordinator = (
        api_client_for(users[name]) for name in ["member", "outsider", "coordinator"]
    )
    before = counts()
    assert_error(post_json(member, actions_url(active_partnership), action()), 403)
    assert_error(post_json(outsider, actions_url(public_partnership), action()), 404)
    assert counts() == before
    post_json(coordinator, f"{BASE}/{active_partnership.pk}/close", {"reason": "Done."})
    assert_error(post_json(coordinator, actions_url(active_partnership), action()), 409, "partnership_closed")


@pytest.fixture
def items(users, sending, host, active_partnership):
    def make(title, owner, status):
        return health.create_action_item(
            active_partnership,
            actor=users["coordinator"],
            data={"title": title, "owner_organization": owner, "due_date": DUE, "status": status},
        )

    return make("Policy", host, ActionItemStatus.OPEN), make("Training", sending, ActionItemStatus.DONE)


def test_parties_list_and_filter_the_action_plan(users, api_client_for, active_partnership, items):
    client = api_client_for(users["viewer"])

    def titles(**query):
        return sorted(item["title"] for item in client.get(actions_url(active_partnership), query).json())

    assert titles() == ["Policy", "Training"]
    assert titles(status="done") == ["Training"]
    assert titles(owner_organization="mbale-hospital") == ["Policy"]
    assert titles(owner_organization="mbale-hospital", status="done") == []


def test_the_action_plan_is_404_for_outsiders_even_when_public(users, api_client_for, public_partnership):
    assert_error(api_client_for(users["outsider"]).get(actions_url(public_partnership)), 404)


def test_an_owner_member_updates_only_the_status(users, api_client_for, active_partnership, items):
    policy, _training = items
    client = api_client_for(users["host_member"])
    address = f"{actions_url(active_partnership)}/{policy.pk}"
    response = patch_json(client, address, {"status": "in_progress"})
    assert (response.status_code, response.json()["status"]) == (200, "in_progress")
    before = counts()
    assert_error(patch_json(client, address, {"title": "Mine"}), 403)
    assert counts() == before
    policy.refresh_from_db()
    assert (policy.title, policy.status) == ("Policy", "in_progress")


def test_a_coordinator_edits_an_action(users, api_client_for, active_partnership, items):
    policy, _training = items
    response = patch_json(
        api_client_for(users["coordinator"]),
        f"{actions_url(active_partnership)}/{policy.pk}",
        {"owner_organization": "bridge-health", "due_date": "2027-06-30"},
    )
    assert response.status_code == 200
    assert (response.json()["owner_organization"], response.json()["due_date"]) == (
        "bridge-health",
        "2027-06-30",
    )


def test_updating_actions_refuses_bad_requests(
    users, api_client_for, active_partnership, public_partnership, items
):
    policy, training = items
    coordinator, member, outsider = (
        api_client_for(users[name]) for name in ["coordinator", "member", "outsider"]
    )
    address = f"{actions_url(active_partnership)}/{policy.pk}"
    before = counts()
    assert_error(
        patch_json(coordinator, address, {"owner_organization": "unrelated-clinic"}),
        400,
        fields=["owner_organization"],
    )
    assert_error(patch_json(coordinator, address, {"status": "cancelled"}), 400, fields=["status"])
    assert_error(patch_json(member, address, {"status": "done"}), 403)
    assert_error(patch_json(outsider, address, {"status": "done"}), 404)
    assert_error(
        patch_json(coordinator, f"{actions_url(active_partnership)}/999999", {"status": "done"}), 404
    )
    assert counts() == before
    assert ActionItem.objects.get(pk=policy.pk).status == ActionItemStatus.OPEN
    assert training.status == ActionItemStatus.DONE
