"""API: the DHIS2 data value sets of a report and of a response, and the response's DHIS2 codes."""

from __future__ import annotations

import json

import pytest

from medmissions.clinics import dhis2, reports
from medmissions.clinics.models import Dhis2Mapping
from medmissions.clinics.tests.conftest import days_ago, record, today

BASE = "/api/v1/clinics/interop"


@pytest.fixture
def submitted(team, users, site, response):
    lead = users["coordinator"]
    report = record(team, lead, site, age_group=2, sex=2, items=(10, 44, 37)).report
    reports.set_issues(
        report, actor=lead, issues={"57": {"flagged": True, "comment": "Three more cases nearby."}}
    )
    reports.submit(report, actor=lead)
    dhis2.save_dhis2_mapping(response, users["host_admin"], {"org_units": {str(site.pk): "UG-MBALE"}})
    report.refresh_from_db()
    return report


def _put(client, url, payload):
    return client.put(url, data=json.dumps(payload), content_type="application/json")


# --- A report -----------------------------------------------------------------------------------------


def test_a_report_as_a_data_value_set(api_client_for, users, submitted):
    answer = api_client_for(users["viewer"]).get(f"{BASE}/reports/{submitted.pk}/dhis2")
    assert answer.status_code == 200
    body = answer.json()
    assert body == dhis2.report_data_value_set(submitted)
    # Nothing that does not apply is sent as null.
    assert "comment" not in body["dataValues"][0] and "period" not in body["dataValues"][0]
    assert body["dataValues"][-1] == {
        "dataElement": "MDS-57",
        "categoryOptionCombo": "default",
        "value": "true",
        "comment": "Three more cases nearby.",
    }


def test_a_report_version_must_exist(api_client_for, users, submitted):
    client = api_client_for(users["coordinator"])
    assert client.get(f"{BASE}/reports/{submitted.pk}/dhis2?version=1").status_code == 200
    for query, status in (("?version=2", 400), ("?version=0", 400), ("?version=x", 400)):
        answer = client.get(f"{BASE}/reports/{submitted.pk}/dhis2{query}")
        assert answer.status_code == status, query
        assert set(answer.json()) == {"error"}


def test_an_open_report_is_a_conflict(api_client_for, users, team, site):
    report = record(team, users["coordinator"], site).report
    answer = api_client_for(users["coordinator"]).get(f"{BASE}/reports/{report.pk}/dhis2")
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "not_submitted"


def test_a_report_of_an_unmapped_site_is_refused(api_client_for, users, team, site):
    lead = users["coordinator"]
    report = record(team, lead, site, items=(9, 44)).report
    reports.submit(report, actor=lead)
    answer = api_client_for(lead).get(f"{BASE}/reports/{report.pk}/dhis2")
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "unmapped_sites"


def test_others_reports_are_not_found(api_client_for, users, submitted):
    assert api_client_for(users["outsider"]).get(f"{BASE}/reports/{submitted.pk}/dhis2").status_code == 404
    assert api_client_for(users["coordinator"]).get(f"{BASE}/reports/99999/dhis2").status_code == 404
    assert api_client_for(None).get(f"{BASE}/reports/{submitted.pk}/dhis2").status_code == 401


# --- A response ---------------------------------------------------------------------------------------


def test_a_response_in_the_bulk_layout(api_client_for, users, submitted, response):
    url = f"{BASE}/responses/{response.pk}/dhis2?start={days_ago(7).isoformat()}&end={today().isoformat()}"
    answer = api_client_for(users["host_member"]).get(url)
    assert answer.status_code == 200
    values = answer.json()["dataValues"]
    assert values[0] == {
        "dataElement": "MDS-CONSULTATIONS",
        "period": today().strftime("%Y%m%d"),
        "orgUnit": "UG-MBALE",
        "categoryOptionCombo": "1_4_FEMALE",
        "attributeOptionCombo": "BRIDGE_HEALTH_EMT",
        "value": "1",
    }
    assert "dataSet" not in answer.json()


@pytest.mark.parametrize(
    "query",
    [
        "?start=2026-13-01",
        "?end=yesterday",
        "?start=2026-02-01&end=2026-01-01",
        "?start=2024-01-01&end=2026-01-01",
        "?start=x&end=y",
    ],
)
def test_the_response_period_is_checked(api_client_for, users, response, query):
    answer = api_client_for(users["host_member"]).get(f"{BASE}/responses/{response.pk}/dhis2{query}")
    assert answer.status_code == 400
    assert set(answer.json()["error"]) == {"code", "message", "fields"}


def test_without_dates_the_response_export_covers_this_month_to_date(
    api_client_for, users, response, submitted
):
    answer = api_client_for(users["host_member"]).get(f"{BASE}/responses/{response.pk}/dhis2")
    assert answer.status_code == 200
    # The fixture's response is in UTC, like the test's "today"; its report was recorded today.
    assert dhis2.default_period(response) == (max(response.starts_on, today().replace(day=1)), today())
    periods = {value["period"] for value in answer.json()["dataValues"]}
    assert periods == {submitted.date.strftime("%Y%m%d")}


@pytest.mark.parametrize("name", ["coordinator", "member", "outsider"])
def test_only_the_coordinating_organisation_exports_a_response(api_client_for, users, response, team, name):
    url = f"{BASE}/responses/{response.pk}/dhis2?start={today().isoformat()}&end={today().isoformat()}"
    assert api_client_for(users[name]).get(url).status_code == 404


# --- The codes ----------------------------------------------------------------------------------------


def test_reading_the_codes(api_client_for, users, response, site, team):
    answer = api_client_for(users["host_member"]).get(f"{BASE}/responses/{response.pk}/dhis2-mapping")
    assert answer.status_code == 200
    body = answer.json()
    assert body["data_set"] == "EMT_MDS_DAILY"
    assert body["data_elements"][0] == {
        "key": "consultations",
        "label": "Consultations (items 1–3, by age band and sex or pregnancy)",
        "code": "MDS-CONSULTATIONS",
        "default": "MDS-CONSULTATIONS",
        "saved": False,
    }
    assert body["org_units"] == [
        {"key": str(site.pk), "label": "Mbale outpatient clinic", "code": "", "default": "", "saved": False}
    ]
    assert body["unmapped_sites"] == [{"id": site.pk, "name": "Mbale outpatient clinic"}]
    assert "dryRun=true" in body["push_command"]
    assert body["updated_by"] is None


def test_replacing_the_codes(api_client_for, users, response, site, team):
    client = api_client_for(users["host_admin"])
    url = f"{BASE}/responses/{response.pk}/dhis2-mapping"
    answer = _put(client, url, {"data_elements": {"9": "UG-ARI"}, "org_units": {str(site.pk): "UG-MBALE"}})
    assert answer.status_code == 200
    body = answer.json()
    assert body["unmapped_sites"] == []
    assert next(entry for entry in body["data_elements"] if entry["key"] == "9")["saved"] is True
    assert body["updated_by"] == users["host_admin"].full_name
    # The codes read back can be sent back as they are.
    codes = {section: {entry["key"]: entry["code"] for entry in body[section]} for section in dhis2.SECTIONS}
    assert _put(client, url, {"data_set": body["data_set"], **codes}).status_code == 200
    mapping = Dhis2Mapping.objects.get(response=response)
    assert (mapping.data_elements, mapping.org_units) == ({"9": "UG-ARI"}, {str(site.pk): "UG-MBALE"})


def test_invalid_codes_are_a_400_naming_them(api_client_for, users, response, team):
    url = f"{BASE}/responses/{response.pk}/dhis2-mapping"
    answer = _put(api_client_for(users["host_admin"]), url, {"data_elements": {"9": "X" * 51, "70": "Y"}})
    assert answer.status_code == 400
    assert set(answer.json()["error"]["fields"]) == {"data_elements.9", "data_elements.70"}
    too_long = _put(api_client_for(users["host_admin"]), url, {"data_set": "D" * 51})
    assert too_long.status_code == 400


def test_members_below_coordinator_cannot_change_the_codes(api_client_for, users, response):
    url = f"{BASE}/responses/{response.pk}/dhis2-mapping"
    assert _put(api_client_for(users["host_member"]), url, {}).status_code == 403
    assert _put(api_client_for(users["coordinator"]), url, {}).status_code == 404
    assert api_client_for(users["coordinator"]).get(url).status_code == 404
    assert _put(api_client_for(None), url, {}).status_code == 401
    assert not Dhis2Mapping.objects.exists()
