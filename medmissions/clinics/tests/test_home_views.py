"""The field clinics home: one's teams with today's report at each site, the responses one
coordinates or reports to, the ways to referrals and follow-ups, and the link from a mission's
page to its clinic team."""

from __future__ import annotations

import pytest
from django.urls import NoReverseMatch, reverse

from medmissions.clinics.tests.test_coordination_support import *  # noqa: F403

pytestmark = pytest.mark.django_db


def test_the_lead_sees_the_team_and_the_response_it_reports_to(client_for, users, coordination, response):
    page = client_for(users["coordinator"]).get(reverse("clinics:home"))
    assert page.status_code == 200
    teams = {team.pk: sites for team, sites in page.context["teams"]}
    # Only the team they work with, not the coordination cell's registered team.
    assert list(teams) == [coordination.mission_team.pk]
    assert [row.state for row in teams[coordination.mission_team.pk]] == ["submitted"]
    assert page.context["reported_to"] == [response]
    assert page.context["coordinated"] == []
    assert "you lead it" in page.content.decode()


def test_the_coordinating_organisation_sees_its_responses(client_for, users, coordination, response):
    page = client_for(users["host_member"]).get(reverse("clinics:home"))
    assert [row.pk for row in page.context["coordinated"]] == [response.pk]
    assert page.context["coordinated"][0].team_count == 2
    assert page.context["reported_to"] == []
    # host is a party to the mission, so its members see the mission's team too.
    assert [team.pk for team, _sites in page.context["teams"]] == [coordination.mission_team.pk]
    assert not page.context["can_create_response"]
    assert client_for(users["host_admin"]).get(reverse("clinics:home")).context["can_create_response"]


def test_someone_with_no_team_sees_an_empty_home(client_for, users, coordination):
    page = client_for(users["outsider"]).get(reverse("clinics:home"))
    assert page.status_code == 200
    assert page.context["teams"] == [] and page.context["coordinated"] == []
    assert "You are on no clinic team yet." in page.content.decode()


def test_the_home_links_to_referrals_and_follow_ups(client_for, users):
    content = client_for(users["viewer"]).get(reverse("clinics:home")).content.decode()
    assert reverse("clinics:responses") in content
    for name in ("clinics:referrals", "clinics:follow_ups"):
        try:
            address = reverse(name)
        except NoReverseMatch:  # built by another part of the app; shown once it exists
            continue
        assert address in content


def test_the_navigation_leads_to_field_clinics(client_for, users):
    content = client_for(users["member"]).get(reverse("core:dashboard")).content.decode()
    assert f'href="{reverse("clinics:home")}"' in content


def test_the_mission_page_leads_to_its_clinic_team(client_for, users, field_mission):
    address = reverse("missions:detail", args=[field_mission.pk])
    open_url = reverse("clinics:mission_team_open", args=[field_mission.pk])
    assert open_url in client_for(users["coordinator"]).get(address).content.decode()
    assert open_url not in client_for(users["member"]).get(address).content.decode()


def test_the_mission_page_links_an_opened_team(client_for, users, team):
    content = (
        client_for(users["member"]).get(reverse("missions:detail", args=[team.mission_id])).content.decode()
    )
    assert reverse("clinics:team", args=[team.pk]) in content
