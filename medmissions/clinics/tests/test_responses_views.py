"""Pages of responses and teams: the list, creating and changing a response, its item labels,
registering a team not on medmissions, opening a mission's team, a team's page and changing it,
with what each form answers when it is refused."""

from __future__ import annotations

import pytest
from django.urls import reverse

from medmissions.audit.models import AuditEntry
from medmissions.clinics import responses
from medmissions.clinics.choices import ResponseStatus
from medmissions.clinics.models import ItemLabel, Response, Team
from medmissions.clinics.tests.conftest import days_ago, record
from medmissions.clinics.tests.test_coordination_support import *  # noqa: F403
from medmissions.missions.choices import MissionStatus
from medmissions.missions.models import Mission
from medmissions.sites.models import Site

pytestmark = pytest.mark.django_db


def _url(name, *args):
    return reverse(f"clinics:{name}", args=args)


def _messages(answer):
    return [str(message) for message in answer.wsgi_request._messages]


def _response_form(organization, **changes):
    data = {
        "organization": organization.pk,
        "name": "Cholera outbreak, Bududa",
        "country": "UG",
        "description": "Cholera cases along the Manafwa river.",
        "starts_on": days_ago(3).isoformat(),
        "ends_on": "",
    }
    data.update(changes)
    return data


def _labels_form(**changes):
    data = {"overrides": "1"}
    for number in (19, 20, 21, 22):
        data.update(
            {f"item-{number}-label": "", f"item-{number}-icd_code": "", f"item-{number}-effective_from": ""}
        )
    data.update(changes)
    return data


def _team_form(**changes):
    data = {
        "name": "Uganda Red Cross EMT",
        "organization_name": "Uganda Red Cross",
        "emt_type": "emt_1_mobile",
        "contact_name": "Sarah Achieng",
        "contact_phone": "+256 772 000 111",
        "contact_email": "emt@redcross.example.org",
        "departs_on": "",
        "working_hours": "08:00–17:00",
    }
    data.update(changes)
    return data


# The list -------------------------------------------------------------------------------------


def test_the_list_shows_what_one_coordinates_or_reports_to(client_for, users, host, response, team):
    closed = responses.create_response(
        actor=users["host_admin"],
        organization=host,
        data={"name": "Measles 2025", "country": "UG", "starts_on": days_ago(400), "status": "closed"},
    )
    host_page = client_for(users["host_member"]).get(_url("responses"))
    assert [row.pk for row, _badge, _own in host_page.context["rows"]] == [response.pk, closed.pk]
    assert all(own for _row, _badge, own in host_page.context["rows"])
    # The sending team reports to the response only; its coordinators cannot create one here.
    sending_page = client_for(users["viewer"]).get(_url("responses"))
    assert [row.pk for row, _badge, _own in sending_page.context["rows"]] == [response.pk]
    assert not sending_page.context["can_create"]
    assert client_for(users["outsider"]).get(_url("responses")).context["rows"] == []
    closed_only = client_for(users["host_member"]).get(_url("responses"), {"status": "closed"})
    assert [row.pk for row, _badge, _own in closed_only.context["rows"]] == [closed.pk]


# Creating and changing a response ---------------------------------------------------------------


def test_coordinators_create_a_response_for_their_organisation(client_for, users, host, sending):
    client = client_for(users["host_admin"])
    form = client.get(_url("response_create")).context["form"]
    assert list(form.fields["organization"].queryset) == [host]
    answer = client.post(_url("response_create"), _response_form(host))
    response = Response.objects.get(name="Cholera outbreak, Bududa")
    assert answer.status_code == 302 and answer["Location"] == _url("response", response.pk)
    assert response.coordinating_organization == host and response.status == ResponseStatus.ACTIVE
    assert AuditEntry.objects.filter(action="clinics.response.created", object_id=str(response.pk)).exists()


def test_a_response_form_with_mistakes_answers_400(client_for, users, host, sending):
    client = client_for(users["host_admin"])
    backwards = client.post(_url("response_create"), _response_form(host, ends_on=days_ago(10).isoformat()))
    assert backwards.status_code == 400
    assert "The response cannot end before it starts." in backwards.content.decode()
    not_mine = client.post(_url("response_create"), _response_form(sending))
    assert not_mine.status_code == 400 and "organization" in not_mine.context["form"].errors
    assert not Response.objects.exists()


def test_members_may_not_create_responses(client_for, users, host):
    assert client_for(users["host_member"]).get(_url("response_create")).status_code == 403
    assert (
        client_for(users["host_member"]).post(_url("response_create"), _response_form(host)).status_code
        == 403
    )


def test_coordinators_change_and_close_a_response(client_for, users, response):
    client = client_for(users["host_admin"])
    assert client.get(_url("response_edit", response.pk)).context["form"].initial["country"] == "UG"
    answer = client.post(
        _url("response_edit", response.pk),
        {
            "name": response.name,
            "country": "UG",
            "description": "",
            "starts_on": days_ago(30).isoformat(),
            "ends_on": days_ago(1).isoformat(),
            "status": "closed",
        },
    )
    assert answer.status_code == 302
    response.refresh_from_db()
    assert (response.status, response.ends_on) == (ResponseStatus.CLOSED, days_ago(1))
    wrong = client.post(
        _url("response_edit", response.pk),
        {"name": "", "country": "UG", "starts_on": days_ago(3).isoformat(), "status": "active"},
    )
    assert wrong.status_code == 400


def test_only_the_coordinating_organisation_changes_a_response(client_for, users, response, team):
    assert client_for(users["coordinator"]).get(_url("response_edit", response.pk)).status_code == 403
    assert client_for(users["host_member"]).get(_url("response_edit", response.pk)).status_code == 403
    assert client_for(users["outsider"]).get(_url("response_edit", response.pk)).status_code == 404


# The response's page --------------------------------------------------------------------------


def test_the_coordinating_organisation_sees_every_team(client_for, users, coordination, response):
    page = client_for(users["host_member"]).get(_url("response", response.pk))
    assert page.status_code == 200
    shown = {team.pk: sites for team, sites in page.context["teams"]}
    assert set(shown) == {coordination.mission_team.pk, coordination.red_cross.pk}
    assert [row.state for row in shown[coordination.red_cross.pk]] == ["open"]
    assert [row.state for row in shown[coordination.mission_team.pk]] == ["submitted"]
    assert dict(page.context["slots"])[19] == "Cholera"
    assert not page.context["can_coordinate"]
    assert _url("coordination", response.pk) in page.content.decode()


def test_a_reporting_team_sees_its_own_team_only(client_for, users, coordination, response):
    page = client_for(users["viewer"]).get(_url("response", response.pk))
    assert [team.pk for team, _sites in page.context["teams"]] == [coordination.mission_team.pk]
    assert _url("coordination", response.pk) not in page.content.decode()
    assert client_for(users["outsider"]).get(_url("response", response.pk)).status_code == 404


# Item labels -----------------------------------------------------------------------------------


def test_labels_of_items_19_to_22_and_a_replacement_label(client_for, users, response):
    client = client_for(users["host_admin"])
    assert len(client.get(_url("response_labels", response.pk)).context["form"].slots) == 4
    answer = client.post(
        _url("response_labels", response.pk),
        _labels_form(
            **{
                "item-19-label": "Cholera",
                "item-19-icd_code": "A00",
                "item-19-active": "on",
                "item-19-effective_from": days_ago(5).isoformat(),
                "item-20-label": "Hypertension",
                "override-0-item": "17",
                "override-0-label": "Tuberculosis, suspected or confirmed",
                "override-0-active": "on",
            }
        ),
    )
    assert answer.status_code == 302
    labels = {label.item: label for label in response.item_labels.all()}
    assert (labels[19].label, labels[19].icd_code, labels[19].effective_from) == (
        "Cholera",
        "A00",
        days_ago(5),
    )
    assert not labels[20].active  # left unticked: kept, not in use
    assert labels[17].label == "Tuberculosis, suspected or confirmed"
    in_use = responses.item_labels(response)
    assert (in_use[19], in_use[17]) == ("Cholera", "Tuberculosis, suspected or confirmed")
    assert in_use[20].startswith("Not used")
    # The page draws the saved replacement and an empty row; emptying a label removes it.
    form = client.get(_url("response_labels", response.pk)).context["form"]
    assert form.override_count == 2
    client.post(
        _url("response_labels", response.pk),
        _labels_form(
            **{"overrides": "2", "item-19-label": "Cholera", "item-19-active": "on", "override-0-item": "17"}
        ),
    )
    assert list(response.item_labels.values_list("item", flat=True)) == [19]


@pytest.mark.parametrize(
    "changes",
    [
        {
            "overrides": "2",
            "override-0-item": "17",
            "override-0-label": "TB",
            "override-1-item": "17",
            "override-1-label": "Tuberculosis",
        },
        {"override-0-label": "Tuberculosis"},
        {"item-19-label": "Cholera", "item-19-effective_from": "soon"},
        {"item-19-label": "x" * 121},
    ],
)
def test_wrong_labels_answer_400(client_for, users, response, changes):
    answer = client_for(users["host_admin"]).post(
        _url("response_labels", response.pk), _labels_form(**changes)
    )
    assert answer.status_code == 400
    assert not ItemLabel.objects.exists()


def test_members_may_not_set_labels(client_for, users, response):
    answer = client_for(users["host_member"]).post(
        _url("response_labels", response.pk), _labels_form(**{"item-19-label": "Cholera"})
    )
    assert answer.status_code == 403


# Registering a team ----------------------------------------------------------------------------


def test_the_coordination_cell_registers_a_team(client_for, users, response, kapchorwa, site):
    client = client_for(users["host_admin"])
    form = client.get(_url("response_team_register", response.pk)).context["form"]
    # Sites hosted by the coordinating organisation; its members may lead.
    assert set(form.fields["sites"].queryset) == {kapchorwa, site}
    assert set(form.fields["lead"].queryset) == {users["host_admin"], users["host_member"]}
    answer = client.post(
        _url("response_team_register", response.pk),
        _team_form(sites=[kapchorwa.pk], lead=users["host_member"].pk),
    )
    team = Team.objects.get(name="Uganda Red Cross EMT")
    assert answer.status_code == 302 and answer["Location"] == _url("team", team.pk)
    assert (team.response, team.mission, team.lead) == (response, None, users["host_member"])
    assert list(team.sites.all()) == [kapchorwa]


def test_a_registered_team_needs_its_organisation_and_a_site(client_for, users, response, kapchorwa):
    client = client_for(users["host_admin"])
    no_site = client.post(_url("response_team_register", response.pk), _team_form())
    assert no_site.status_code == 400 and "sites" in no_site.context["form"].errors
    nameless = client.post(
        _url("response_team_register", response.pk), _team_form(organization_name="", sites=[kapchorwa.pk])
    )
    assert nameless.status_code == 400
    other_site = Site.objects.create(
        name="Nairobi clinic",
        kind="clinic",
        host_organization=users["outsider"].memberships.get().organization,
        country="KE",
    )
    elsewhere = client.post(_url("response_team_register", response.pk), _team_form(sites=[other_site.pk]))
    assert elsewhere.status_code == 400
    assert not Team.objects.exists()


def test_a_team_name_is_unique_in_its_response(client_for, users, response, red_cross, kapchorwa):
    answer = client_for(users["host_admin"]).post(
        _url("response_team_register", response.pk), _team_form(sites=[kapchorwa.pk])
    )
    assert answer.status_code == 400
    assert "The response already has a team of that name." in answer.content.decode()


# Opening a mission's team ------------------------------------------------------------------------


def test_a_mission_coordinator_opens_its_team(client_for, users, field_mission, response, host, site):
    other_country = responses.create_response(
        actor=users["host_admin"],
        organization=host,
        data={"name": "Kenya drought", "country": "KE", "starts_on": days_ago(5)},
    )
    closed = responses.create_response(
        actor=users["host_admin"],
        organization=host,
        data={"name": "Old floods", "country": "UG", "starts_on": days_ago(500), "status": "closed"},
    )
    client = client_for(users["coordinator"])
    form = client.get(_url("mission_team_open", field_mission.pk)).context["form"]
    offered = list(form.fields["response"].queryset)
    assert offered == [response] and other_country not in offered and closed not in offered
    assert form.initial["lead"] == users["coordinator"].pk
    assert "organization_name" not in form.fields
    answer = client.post(
        _url("mission_team_open", field_mission.pk),
        _team_form(
            name="Bridge Health EMT", response=response.pk, sites=[site.pk], lead=users["coordinator"].pk
        ),
    )
    team = Team.objects.get(mission=field_mission)
    assert answer.status_code == 302 and answer["Location"] == _url("team", team.pk)
    assert (team.response, team.lead, team.organization_name) == (
        response,
        users["coordinator"],
        "Bridge Health UK",
    )
    # A second visit leads to the team.
    again = client.get(_url("mission_team_open", field_mission.pk))
    assert again.status_code == 302 and again["Location"] == _url("team", team.pk)


def test_a_team_without_a_response_reports_to_the_host(client_for, users, field_mission, site):
    answer = client_for(users["admin"]).post(
        _url("mission_team_open", field_mission.pk), _team_form(name="Bridge Health EMT")
    )
    assert answer.status_code == 302
    team = Team.objects.get(mission=field_mission)
    assert team.response is None and list(team.sites.all()) == [site]


def test_a_draft_mission_cannot_open_its_team(client_for, users, mission):
    answer = client_for(users["coordinator"]).post(
        _url("mission_team_open", mission.pk), _team_form(name="Too early")
    )
    assert answer.status_code == 400
    assert "recruiting, ready, in the field or closing" in answer.content.decode()


def test_members_may_not_open_a_team(client_for, users, field_mission):
    assert client_for(users["member"]).get(_url("mission_team_open", field_mission.pk)).status_code == 403
    assert client_for(users["outsider"]).get(_url("mission_team_open", field_mission.pk)).status_code == 404


# The team's page and changing it -------------------------------------------------------------------


def test_the_team_page(client_for, users, coordination):
    page = client_for(users["member"]).get(_url("team", coordination.mission_team.pk))
    assert page.status_code == 200
    content = page.content.decode()
    assert "Bridge Health EMT" in content and "Mbale outpatient clinic" in content
    assert [row.state for row in page.context["today"]] == ["submitted"]
    assert _url("team_period", coordination.mission_team.pk) in content
    assert _url("team_edit", coordination.mission_team.pk) not in content  # a member does not manage it
    lead_page = client_for(users["coordinator"]).get(_url("team", coordination.mission_team.pk))
    assert _url("team_edit", coordination.mission_team.pk) in lead_page.content.decode()


def test_the_lead_changes_the_team(client_for, users, team, response, site, host):
    second = Site.objects.create(name="Mbale field post", kind="clinic", host_organization=host, country="UG")
    client = client_for(users["coordinator"])
    form = client.get(_url("team_edit", team.pk)).context["form"]
    assert set(form.fields["sites"].queryset) >= {site, second}
    answer = client.post(
        _url("team_edit", team.pk),
        _team_form(
            name="Bridge Health EMT",
            organization_name="Bridge Health UK",
            response=response.pk,
            lead=users["coordinator"].pk,
            sites=[site.pk, second.pk],
        ),
    )
    assert answer.status_code == 302
    team.refresh_from_db()
    assert team.contact_name == "Sarah Achieng" and set(team.sites.all()) == {site, second}


def test_a_site_reported_from_stays_on_the_team(client_for, users, team, response, site, host):
    second = Site.objects.create(name="Mbale field post", kind="clinic", host_organization=host, country="UG")
    team.sites.add(second)
    record(team, users["coordinator"], site, days_ago(1))
    answer = client_for(users["coordinator"]).post(
        _url("team_edit", team.pk),
        _team_form(
            name="Bridge Health EMT",
            organization_name="Bridge Health UK",
            response=response.pk,
            sites=[second.pk],
        ),
    )
    assert answer.status_code == 400
    assert "A site the team has reported from stays on its list." in answer.content.decode()


def test_the_team_edit_is_for_its_managers(client_for, users, team):
    assert client_for(users["member"]).get(_url("team_edit", team.pk)).status_code == 403
    assert client_for(users["host_admin"]).get(_url("team_edit", team.pk)).status_code == 200
    assert client_for(users["outsider"]).get(_url("team_edit", team.pk)).status_code == 404


def test_a_closed_mission_keeps_its_team_page(client_for, users, team):
    Mission.objects.filter(pk=team.mission_id).update(status=MissionStatus.COMPLETED)
    assert client_for(users["viewer"]).get(_url("team", team.pk)).status_code == 200
