"""API of partner recommendations: /api/v1/matching/needs/{id}/partners and
/api/v1/matching/organizations/{slug}/needs (the ranking itself is in test_recommendations.py)."""

from __future__ import annotations

import pytest

from medmissions.conftest import make_organization
from medmissions.matching.tests.conftest import make_person
from medmissions.organizations.models import Organization


def surgeons(organization: Organization, count: int) -> None:
    for index in range(count):
        make_person(f"{organization.slug} surgeon {index}", organizations=(organization,))


def partners_path(need) -> str:
    return f"/api/v1/matching/needs/{need.pk}/partners"


def needs_path(organization: Organization) -> str:
    return f"/api/v1/matching/organizations/{organization.slug}/needs"


@pytest.fixture
def ngo(db) -> Organization:
    organization = make_organization("Surgeons Abroad", "surgeons-abroad", "IE", "secular_ngo")
    surgeons(organization, 2)
    return organization


def test_partners_are_ranked_with_their_reasons(
    need, active_partnership, ngo, sending, users, api_client_for
):
    surgeons(sending, 1)
    response = api_client_for(users["host_member"]).get(partners_path(need))
    assert response.status_code == 200
    body = response.json()
    assert (body["need"], body["status"], body["count"]) == (need.pk, "open", 2)
    first, second = body["recommendations"]
    assert (first["organization"], first["kind"], first["country"]) == (
        "surgeons-abroad",
        "secular_ngo",
        "IE",
    )
    assert (first["works_with_host"], first["answering_need"]) == (False, False)
    assert second["organization"] == "bridge-health" and second["works_with_host"]
    capability = first["score"]["components"][0]
    assert capability == {
        "key": "capability",
        "label": "Specialties for the need",
        "weight": 40,
        "value": pytest.approx(2 / 3),
        "points": 27,
        "detail": "General surgery: their people for 2 of 2 places; Anaesthesia: nothing.",
    }
    assert first["score"]["total"] == sum(item["points"] for item in first["score"]["components"])


def test_limit_and_new_partners_only(need, active_partnership, ngo, sending, users, api_client_for):
    surgeons(sending, 1)
    client = api_client_for(users["host_admin"])
    body = client.get(partners_path(need), {"limit": 1}).json()
    assert (body["count"], len(body["recommendations"])) == (2, 1)
    body = client.get(partners_path(need), {"new_partners_only": "true"}).json()
    assert [item["organization"] for item in body["recommendations"]] == ["surgeons-abroad"]


@pytest.mark.parametrize("limit", ["0", "101", "many"])
def test_a_bad_limit_is_400(limit, need, users, api_client_for):
    response = api_client_for(users["host_admin"]).get(partners_path(need), {"limit": limit})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert "limit" in response.json()["error"]["fields"]


def test_partners_of_another_organisation_s_need_are_404(need, users, api_client_for):
    response = api_client_for(users["outsider"]).get(partners_path(need))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_partners_need_a_signed_in_caller(need, api_client_for):
    assert api_client_for(None).get(partners_path(need)).status_code == 401


def test_recommended_needs_for_a_member(need, active_partnership, sending, users, api_client_for):
    surgeons(sending, 3)
    response = api_client_for(users["viewer"]).get(needs_path(sending))
    assert response.status_code == 200
    body = response.json()
    assert (body["organization"], body["is_sending"], body["count"]) == ("bridge-health", True, 1)
    item = body["recommendations"][0]
    assert (item["need"], item["host_organization"], item["country"], item["status"]) == (
        need.pk,
        "mbale-hospital",
        "UG",
        "open",
    )
    assert item["lines"] == [
        {"specialty": "general-surgery", "specialty_name": "General surgery", "people": 2},
        {"specialty": "anaesthesia", "specialty_name": "Anaesthesia", "people": 1},
    ]
    assert item["works_with_host"] and not item["answering_need"] and not item["proposed_by_organization"]
    assert [component["key"] for component in item["score"]["components"]] == [
        "capability",
        "language",
        "country",
        "site",
        "values",
    ]


def test_recommended_needs_bad_limit_is_400(sending, users, api_client_for):
    assert api_client_for(users["admin"]).get(needs_path(sending), {"limit": "-1"}).status_code == 400


def test_recommended_needs_of_another_organisation_are_404(sending, host, users, api_client_for):
    assert api_client_for(users["outsider"]).get(needs_path(sending)).status_code == 404
    assert api_client_for(users["admin"]).get(needs_path(host)).status_code == 404


def test_recommended_needs_need_a_signed_in_caller(sending, api_client_for):
    assert api_client_for(None).get(needs_path(sending)).status_code == 401
