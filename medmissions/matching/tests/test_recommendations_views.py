"""Pages of partner recommendations: a need's recommended partners and an organisation's
recommended needs, through the test client (the ranking itself is in test_recommendations.py)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from medmissions.conftest import make_organization
from medmissions.matching.tests.conftest import make_person
from medmissions.missions import services as mission_services
from medmissions.organizations.models import Organization


def surgeons(organization: Organization, count: int) -> None:
    for index in range(count):
        make_person(f"{organization.slug} surgeon {index}", organizations=(organization,))


@pytest.fixture
def ngo(db) -> Organization:
    organization = make_organization("Surgeons Abroad", "surgeons-abroad", "IE", "secular_ngo")
    surgeons(organization, 2)
    return organization


def partners_url(need) -> str:
    return reverse("matching:need_partners", args=[need.pk])


def needs_url(organization: Organization) -> str:
    return reverse("matching:organization_needs", args=[organization.slug])


# A need's recommended partners ---------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["host_admin", "host_member", "coordinator", "viewer"])
def test_the_need_page_audience_sees_the_ranked_partners(
    persona, need, active_partnership, ngo, sending, users, client_for
):
    surgeons(sending, 1)
    response = client_for(users[persona]).get(partners_url(need))
    assert response.status_code == 200
    content = response.content.decode()
    table = content[content.index("<tbody>") :]  # the header names the viewer's own organisation too
    assert table.index("Surgeons Abroad") < table.index("Bridge Health UK")
    assert "General surgery: their people for 2 of 2 places; Anaesthesia: nothing." in content
    assert "already working with this host" in content  # sending, marked
    assert "2 organisations could answer it." in content


def test_other_organisations_get_404(need, users, client_for):
    assert client_for(users["outsider"]).get(partners_url(need)).status_code == 404


def test_a_need_nobody_sees_gets_404(users, client_for):
    assert (
        client_for(users["host_admin"]).get(reverse("matching:need_partners", args=[999999])).status_code
        == 404
    )


def test_anonymous_visitors_are_sent_to_sign_in(need, client_for):
    response = client_for(None).get(partners_url(need))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_only_new_partners_hides_the_host_s_partners(
    need, active_partnership, ngo, sending, users, client_for
):
    surgeons(sending, 1)
    response = client_for(users["host_admin"]).get(partners_url(need), {"new_partners_only": "on"})
    assert response.status_code == 200
    table = response.content.decode().split("<tbody>", 1)[1]
    assert "Surgeons Abroad" in table
    assert "Bridge Health UK" not in table


def test_an_empty_ranking_says_why(need, users, client_for):
    response = client_for(users["host_admin"]).get(partners_url(need))
    assert "No sending organisation has people or declared services" in response.content.decode()


def test_a_withdrawn_need_says_it_has_no_recommendations(need, ngo, users, client_for):
    mission_services.withdraw_need(need, actor=users["host_admin"], reason="Done.")
    response = client_for(users["host_admin"]).get(partners_url(need))
    assert response.status_code == 200
    assert "This need was withdrawn" in response.content.decode()
    assert "Surgeons Abroad" not in response.content.decode()


def test_post_is_not_allowed(need, users, client_for):
    assert client_for(users["host_admin"]).post(partners_url(need)).status_code == 405


def test_the_need_page_links_to_its_recommendations(need, users, client_for):
    response = client_for(users["host_member"]).get(reverse("missions:need", args=[need.pk]))
    assert partners_url(need) in response.content.decode()


# An organisation's recommended needs ----------------------------------------------------------------


@pytest.mark.parametrize("persona", ["admin", "viewer"])
def test_members_see_the_needs_their_organisation_could_answer(
    persona, need, active_partnership, sending, users, client_for
):
    surgeons(sending, 2)
    response = client_for(users[persona]).get(needs_url(sending))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Surgical backlog at Mbale" in content
    assert "General surgery: their people for 2 of 2 places" in content
    assert "is not recorded as an organisation that sends teams" not in content


def test_non_members_get_404(sending, host, users, client_for):
    assert client_for(users["outsider"]).get(needs_url(sending)).status_code == 404
    assert client_for(users["host_admin"]).get(needs_url(sending)).status_code == 404
    assert (
        client_for(users["admin"]).get(reverse("matching:organization_needs", args=["nobody"])).status_code
        == 404
    )


def test_anonymous_visitors_are_sent_to_sign_in_for_organisations(sending, client_for):
    response = client_for(None).get(needs_url(sending))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_a_host_is_told_it_is_not_a_sending_organisation(host, users, client_for):
    response = client_for(users["host_admin"]).get(needs_url(host))
    assert response.status_code == 200
    content = response.content.decode()
    assert "is not recorded as an organisation that sends teams" in content
    assert "No open need you may see matches" in content


def test_a_page_number_out_of_range_shows_the_last_page(need, active_partnership, sending, users, client_for):
    surgeons(sending, 1)
    response = client_for(users["member"]).get(needs_url(sending), {"page": "nonsense"})
    assert response.status_code == 200
    assert "Surgical backlog at Mbale" in response.content.decode()


def test_the_organisation_page_links_members_to_the_recommended_needs(sending, users, client_for):
    detail = reverse("organizations:detail", args=[sending.slug])
    assert needs_url(sending) in client_for(users["viewer"]).get(detail).content.decode()
    assert needs_url(sending) not in client_for(users["outsider"]).get(detail).content.decode()
