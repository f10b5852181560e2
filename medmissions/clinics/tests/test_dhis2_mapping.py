"""A response's DHIS2 codes: the service (who, what is valid, what is stored, the audit trail) and
the mapping page; the downloads of the DHIS2 exports as pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from medmissions.audit.models import AuditEntry
from medmissions.clinics import dhis2, reports
from medmissions.clinics.models import Dhis2Mapping, Team
from medmissions.clinics.tests.conftest import days_ago, record, today
from medmissions.core.errors import NotAllowed, ValidationFailed


def test_coordinators_of_the_coordinating_organisation_save_codes_and_it_is_audited(
    response, users, site, team
):
    mapping = dhis2.save_dhis2_mapping(
        response,
        users["host_admin"],
        {
            "data_set": "  UG_EMT  ",
            "data_elements": {"9": "UG-ARI", "10": "MDS-10", "4": "   "},
            "org_units": {str(site.pk): "UG-MBALE"},
            "attribute_option_combos": {str(team.pk): "BRIDGE_HEALTH_EMT"},
        },
    )
    # Blank and default codes are not stored: the default keeps following the item or team.
    assert mapping.data_set == "UG_EMT"
    assert mapping.data_elements == {"9": "UG-ARI"}
    assert mapping.org_units == {str(site.pk): "UG-MBALE"}
    assert mapping.attribute_option_combos == {}
    assert mapping.updated_by == users["host_admin"]
    entry = AuditEntry.objects.get(action="clinics.dhis2_mapping.saved")
    assert entry.organization_id == response.coordinating_organization_id
    assert entry.actor_id == users["host_admin"].pk
    # Saving again replaces the codes (a section left out goes back to its defaults).
    again = dhis2.save_dhis2_mapping(response, users["host_admin"], {"data_elements": {"10": "UG-AWD"}})
    assert again.pk == mapping.pk
    assert (again.data_set, again.data_elements, again.org_units) == ("EMT_MDS_DAILY", {"10": "UG-AWD"}, {})
    assert AuditEntry.objects.filter(action="clinics.dhis2_mapping.saved").count() == 2


@pytest.mark.parametrize("name", ["host_member", "coordinator", "admin", "outsider"])
def test_others_cannot_save_codes(response, users, name):
    with pytest.raises(NotAllowed):
        dhis2.save_dhis2_mapping(response, users[name], {"data_set": "X"})
    assert not Dhis2Mapping.objects.exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"data_set": "D" * 51}, "data_set"),
        ({"data_elements": {"9": "E" * 51}}, "data_elements.9"),
        ({"data_elements": {"3": "MDS-03"}}, "data_elements.3"),
        ({"data_elements": {"66": "MDS-66"}}, "data_elements.66"),
        ({"data_elements": {"9": "MDS-10"}}, "data_elements.9"),
        ({"category_option_combos": {"5p": "LT5"}}, "category_option_combos.5p"),
        ({"category_option_combos": {"lt1_pregnant": "X"}}, "category_option_combos.lt1_pregnant"),
        ({"category_option_combos": {"lt1_male": "1_4_MALE"}}, "category_option_combos.lt1_male"),
        ({"org_units": {"999999": "OU"}}, "org_units.999999"),
        ({"attribute_option_combos": {"999999": "T"}}, "attribute_option_combos.999999"),
        ({"org_units": ["not", "a", "mapping"]}, "org_units"),
    ],
)
def test_invalid_codes_are_refused_naming_the_field(response, users, team, data, field):
    with pytest.raises(ValidationFailed) as raised:
        dhis2.save_dhis2_mapping(response, users["host_admin"], data)
    assert field in raised.value.fields
    assert raised.value.code == "invalid_mapping"
    assert not Dhis2Mapping.objects.exists()


def test_two_teams_cannot_share_a_code(response, users, team):
    second = Team.objects.create(response=response, name="Uganda Red Cross EMT", organization_name="URCS")
    with pytest.raises(ValidationFailed) as raised:
        dhis2.save_dhis2_mapping(
            response, users["host_admin"], {"attribute_option_combos": {str(second.pk): "BRIDGE_HEALTH_EMT"}}
        )
    assert raised.value.fields == {
        f"attribute_option_combos.{second.pk}": "BRIDGE_HEALTH_EMT is already the code of Bridge Health EMT."
    }


def test_the_layout_shows_every_item_cell_site_and_team_with_its_code(response, users, site, team):
    layout = dhis2.layout(response)
    assert [entry.key for entry in layout.data_elements] == dhis2.data_element_keys()
    assert len(layout.data_elements) == 1 + 62
    slot = next(entry for entry in layout.data_elements if entry.key == "19")
    assert slot.code == f"MDS-19-R{response.pk}"
    assert [entry.key for entry in layout.category_option_combos] == dhis2.category_option_combo_keys()
    assert [(entry.key, entry.code) for entry in layout.org_units] == [(str(site.pk), "")]
    assert [(entry.key, entry.code) for entry in layout.attribute_option_combos] == [
        (str(team.pk), "BRIDGE_HEALTH_EMT")
    ]
    assert layout.unmapped_sites == [site]


def test_a_team_name_without_latin_letters_gets_a_code_from_its_id(response, team):
    team.name = "Équipe — 救援"
    assert dhis2.default_attribute_option_combo(team) == "EQUIPE"
    team.name = "救援队"
    assert dhis2.default_attribute_option_combo(team) == f"TEAM_{team.pk}"


# --- The mapping page -----------------------------------------------------------------------------------


def _url(response):
    return reverse("clinics:response_dhis2", args=[response.pk])


def test_the_page_shows_the_codes_the_sites_to_map_and_how_to_push(client_for, users, response, site, team):
    page = client_for(users["host_admin"]).get(_url(response))
    assert page.status_code == 200
    text = page.content.decode()
    assert "MDS-CONSULTATIONS" in text and "LT1_MALE" in text and "BRIDGE_HEALTH_EMT" in text
    assert f"MDS-19-R{response.pk}" in text
    assert "Map Mbale outpatient clinic to an org unit code." in text
    assert "/api/dataValueSets?idScheme=code&amp;dryRun=true" in text
    assert reverse("clinics:response_dhis2_export", args=[response.pk]) in text


def test_saving_on_the_page(client_for, users, response, site, team):
    client = client_for(users["host_admin"])
    answer = client.post(
        _url(response), {"data_set": "UG_EMT", f"ou_{site.pk}": "UG-MBALE", "de_9": "UG-ARI", "coc_u5": ""}
    )
    assert answer.status_code == 302
    mapping = Dhis2Mapping.objects.get(response=response)
    assert (mapping.data_set, mapping.org_units, mapping.data_elements) == (
        "UG_EMT",
        {str(site.pk): "UG-MBALE"},
        {"9": "UG-ARI"},
    )
    page = client.get(_url(response))
    assert "Map Mbale outpatient clinic" not in page.content.decode()


def test_a_bad_code_comes_back_on_its_field(client_for, users, response, team):
    answer = client_for(users["host_admin"]).post(_url(response), {"de_9": "MDS-10"})
    assert answer.status_code == 400
    assert answer.context["form"].errors["de_9"] == [
        "MDS-10 is already the code of 10. Acute watery diarrhoea."
    ]
    assert not Dhis2Mapping.objects.exists()


def test_a_code_too_long_is_refused_by_the_form(client_for, users, response, team):
    answer = client_for(users["host_admin"]).post(_url(response), {"de_9": "X" * 51})
    assert answer.status_code == 400
    assert "de_9" in answer.context["form"].errors


def test_members_below_coordinator_get_403_and_others_404(client_for, users, response, team):
    assert client_for(users["host_member"]).get(_url(response)).status_code == 403
    assert client_for(users["host_member"]).post(_url(response), {"data_set": "X"}).status_code == 403
    # The team lead sees the response, but only the coordinating organisation maps it.
    assert client_for(users["coordinator"]).get(_url(response)).status_code == 404
    assert client_for(users["outsider"]).get(_url(response)).status_code == 404
    assert (
        client_for(users["host_admin"]).get(reverse("clinics:response_dhis2", args=[99999])).status_code
        == 404
    )


# --- The downloads as pages ----------------------------------------------------------------------------


@pytest.fixture
def submitted(team, users, site, response):
    lead = users["coordinator"]
    report = record(team, lead, site, items=(9, 44)).report
    reports.submit(report, actor=lead)
    dhis2.save_dhis2_mapping(response, users["host_admin"], {"org_units": {str(site.pk): "UG-MBALE"}})
    return report


def test_a_report_downloads_as_a_json_file(client_for, users, submitted):
    answer = client_for(users["member"]).get(reverse("clinics:report_dhis2", args=[submitted.pk]))
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("application/json")
    assert answer["Content-Disposition"].startswith('attachment; filename="mds-bridge-health-emt-mbale')
    assert answer.json()["orgUnit"] == "UG-MBALE"
    earlier = client_for(users["member"]).get(
        reverse("clinics:report_dhis2", args=[submitted.pk]) + "?version=1"
    )
    assert earlier.json() == answer.json()


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [("?version=x", 400, "invalid_version"), ("?version=4", 400, "no_such_version")],
)
def test_a_bad_version_is_a_json_error(client_for, users, submitted, query, status, code):
    answer = client_for(users["member"]).get(reverse("clinics:report_dhis2", args=[submitted.pk]) + query)
    assert answer.status_code == status
    assert answer.json()["error"]["code"] == code


def test_an_open_report_answers_409(client_for, users, team, site, response):
    report = record(team, users["coordinator"], site).report
    answer = client_for(users["coordinator"]).get(reverse("clinics:report_dhis2", args=[report.pk]))
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "not_submitted"


def test_an_unmapped_site_is_a_json_error_naming_it(client_for, users, team, site):
    lead = users["coordinator"]
    report = record(team, lead, site, items=(9, 44)).report
    reports.submit(report, actor=lead)
    answer = client_for(lead).get(reverse("clinics:report_dhis2", args=[report.pk]))
    assert answer.status_code == 400
    assert answer.json()["error"]["fields"] == {
        f"org_units.{site.pk}": "Map Mbale outpatient clinic to an org unit code."
    }


def test_the_response_export_downloads_for_the_coordinating_organisation(
    client_for, users, submitted, response
):
    url = reverse("clinics:response_dhis2_export", args=[response.pk])
    query = f"?start={days_ago(3).isoformat()}&end={today().isoformat()}"
    answer = client_for(users["host_member"]).get(url + query)
    assert answer.status_code == 200
    values = answer.json()["dataValues"]
    assert values and all(value["orgUnit"] == "UG-MBALE" for value in values)
    assert client_for(users["host_member"]).get(url + "?start=2026-13-01").status_code == 400
    # Without dates: this month to date.
    assert client_for(users["host_member"]).get(url).status_code == 200
    # Team members see the response but not the whole response's figures.
    assert client_for(users["coordinator"]).get(url + query).status_code == 404
    assert client_for(users["outsider"]).get(url + query).status_code == 404
