"""The DHIS2 data value sets (clinics/dhis2.py): a hand-checked day in the one-form layout, the
bulk layout of a response over a period, default and mapped codes, and what is refused."""

from __future__ import annotations

import datetime
import json
import re

import pytest

from medmissions.clinics import dhis2, reports
from medmissions.clinics.choices import ReportStatus
from medmissions.clinics.tests.conftest import days_ago, record, today
from medmissions.core.errors import Conflict, ValidationFailed
from medmissions.sites.models import Site

PERIOD = re.compile(r"^\d{8}$")


@pytest.fixture
def mapped(response, users, site):
    """The response's site mapped to an org unit; every other code is a default."""
    return dhis2.save_dhis2_mapping(response, users["host_admin"], {"org_units": {str(site.pk): "OU_MBALE"}})


@pytest.fixture
def day(team, users, site):
    """Three consultations and two issues, submitted: the hand-checked day."""
    lead = users["coordinator"]
    record(team, lead, site, age_group=1, sex=2, items=(9, 44, 36), patient_reference="PX-001", note="Cough")
    record(team, lead, site, age_group=4, sex=3, items=(33, 44, 40))
    last = record(team, lead, site, age_group=5, sex=1, items=(8, 28, 45, 39, 47), reference="MB-777")
    report = last.report
    reports.set_issues(
        report,
        actor=lead,
        issues={
            "52": {"flagged": True, "comment": "Suspected cholera cluster in Namisindwa."},
            "62": {"flagged": False, "comment": "Oral rehydration salts running low."},
        },
    )
    reports.submit(report, actor=lead)
    report.refresh_from_db()
    return report


def test_a_day_is_exported_exactly_as_counted_by_hand(day, mapped, team):
    version = day.current_version
    exported = dhis2.report_data_value_set(day)
    assert exported == {
        "idScheme": "code",
        "dataSet": "EMT_MDS_DAILY",
        "completeDate": version.submitted_at.date().isoformat(),
        "period": today().strftime("%Y%m%d"),
        "orgUnit": "OU_MBALE",
        "attributeOptionCombo": "BRIDGE_HEALTH_EMT",
        "dataValues": [
            {"dataElement": "MDS-CONSULTATIONS", "categoryOptionCombo": "GE65_MALE", "value": "1"},
            {"dataElement": "MDS-CONSULTATIONS", "categoryOptionCombo": "LT1_FEMALE", "value": "1"},
            {"dataElement": "MDS-CONSULTATIONS", "categoryOptionCombo": "18_64_PREGNANT", "value": "1"},
            {"dataElement": "MDS-08", "categoryOptionCombo": "GE5", "value": "1"},
            {"dataElement": "MDS-09", "categoryOptionCombo": "LT5", "value": "1"},
            {"dataElement": "MDS-28", "categoryOptionCombo": "GE5", "value": "1"},
            {"dataElement": "MDS-33", "categoryOptionCombo": "GE5", "value": "1"},
            {"dataElement": "MDS-36", "categoryOptionCombo": "default", "value": "1"},
            {"dataElement": "MDS-39", "categoryOptionCombo": "default", "value": "1"},
            {"dataElement": "MDS-40", "categoryOptionCombo": "default", "value": "1"},
            {"dataElement": "MDS-44", "categoryOptionCombo": "default", "value": "2"},
            {"dataElement": "MDS-45", "categoryOptionCombo": "default", "value": "1"},
            {"dataElement": "MDS-47", "categoryOptionCombo": "default", "value": "1"},
            {
                "dataElement": "MDS-52",
                "categoryOptionCombo": "default",
                "value": "true",
                "comment": "Suspected cholera cluster in Namisindwa.",
            },
            {
                "dataElement": "MDS-62",
                "categoryOptionCombo": "default",
                "value": "false",
                "comment": "Oral rehydration salts running low.",
            },
        ],
    }


def test_the_export_is_well_formed_and_carries_no_zero_and_no_line_level_data(day, mapped):
    exported = dhis2.report_data_value_set(day)
    assert PERIOD.match(exported["period"])
    for value in exported["dataValues"]:
        assert all(isinstance(text, str) for text in value.values())
        assert value["value"] not in ("0", "")
    text = json.dumps(exported)
    # Restricted items travel as counts; nothing names or describes a consultation.
    for detail in ("PX-001", "MB-777", "Cough", "patient", "reference"):
        assert detail not in text


def test_mapped_codes_replace_the_defaults(day, response, users, site, team):
    dhis2.save_dhis2_mapping(
        response,
        users["host_admin"],
        {
            "data_set": "UG_EMT_DAILY",
            "data_elements": {"consultations": "UG-CONS", "9": "UG-ARI", "52": "UG-NOTIFIABLE"},
            "category_option_combos": {"u5": "AGE_0_4", "lt1_female": "F_0", "total": "DEFAULT_COC"},
            "org_units": {str(site.pk): "UG-MBALE-OPD"},
            "attribute_option_combos": {str(team.pk): "PARTNER_BRIDGE"},
        },
    )
    exported = dhis2.report_data_value_set(day)
    assert (exported["dataSet"], exported["orgUnit"], exported["attributeOptionCombo"]) == (
        "UG_EMT_DAILY",
        "UG-MBALE-OPD",
        "PARTNER_BRIDGE",
    )
    pairs = {(value["dataElement"], value["categoryOptionCombo"]) for value in exported["dataValues"]}
    assert {
        ("UG-CONS", "F_0"),
        ("UG-ARI", "AGE_0_4"),
        ("UG-NOTIFIABLE", "DEFAULT_COC"),
        ("MDS-08", "GE5"),
    } <= pairs
    assert ("MDS-CONSULTATIONS", "LT1_FEMALE") not in pairs


def test_context_diseases_get_data_elements_of_their_own_response(team, users, site, response, mapped):
    lead = users["coordinator"]
    report = record(team, lead, site, items=(19, 21, 44)).report
    reports.submit(report, actor=lead)
    report.refresh_from_db()
    elements = [value["dataElement"] for value in dhis2.report_data_value_set(report)["dataValues"]]
    assert f"MDS-19-R{response.pk}" in elements
    assert f"MDS-21-R{response.pk}" in elements
    assert "MDS-19" not in elements


def test_an_unmapped_site_is_refused_naming_it(day, response, site):
    with pytest.raises(ValidationFailed) as raised:
        dhis2.report_data_value_set(day)
    assert raised.value.code == "unmapped_sites"
    assert raised.value.fields == {f"org_units.{site.pk}": "Map Mbale outpatient clinic to an org unit code."}
    assert dhis2.layout(response).unmapped_sites == [site]


def test_an_open_report_is_not_exported(team, users, site, mapped):
    report = record(team, users["coordinator"], site).report
    with pytest.raises(Conflict) as raised:
        dhis2.report_data_value_set(report)
    assert raised.value.code == "not_submitted"


def test_a_correction_is_exported_once_submitted_and_earlier_versions_on_request(
    day, users, site, team, mapped
):
    lead = users["coordinator"]
    reports.start_correction(day, actor=lead)
    record(team, lead, site, age_group=4, sex=1, items=(9, 46))
    day.refresh_from_db()
    assert day.status == ReportStatus.CORRECTING
    # While the correction is open, the submitted version stays the official one.
    official = dhis2.report_data_value_set(day)
    assert official["dataValues"][0] == {
        "dataElement": "MDS-CONSULTATIONS",
        "categoryOptionCombo": "GE65_MALE",
        "value": "1",
    }
    reports.submit(day, actor=lead, correction_reason="A consultation was missed.")
    day.refresh_from_db()
    corrected = dhis2.report_data_value_set(day)
    assert {
        "dataElement": "MDS-CONSULTATIONS",
        "categoryOptionCombo": "18_64_MALE",
        "value": "1",
    } in corrected["dataValues"]
    assert dhis2.report_data_value_set(day, version=1) == official
    with pytest.raises(ValidationFailed) as raised:
        dhis2.report_data_value_set(day, version=3)
    assert raised.value.code == "no_such_version"


@pytest.fixture
def second_site(host, team):
    clinic = Site.objects.create(
        name="Bududa health centre", kind="clinic", host_organization=host, country="UG", town="Bududa"
    )
    team.sites.add(clinic)
    return clinic


def test_a_response_is_exported_in_the_bulk_layout_from_submitted_reports_only(
    team, users, site, second_site, response, django_assert_max_num_queries
):
    lead = users["coordinator"]
    first = record(team, lead, site, date=days_ago(2), age_group=3, sex=2, items=(25, 44)).report
    second = record(team, lead, second_site, date=days_ago(1), age_group=2, sex=1, items=(10, 10, 44)).report
    record(team, lead, site, date=days_ago(1), items=(9, 44))  # still open: not exported
    outside = record(team, lead, site, date=days_ago(9), items=(9, 44)).report
    for report in (first, second, outside):
        reports.submit(report, actor=lead)
    dhis2.save_dhis2_mapping(
        response,
        users["host_admin"],
        {"org_units": {str(site.pk): "OU_MBALE", str(second_site.pk): "OU_BUDUDA"}},
    )
    with django_assert_max_num_queries(6):
        exported = dhis2.response_data_value_set(response, days_ago(3), today())
    assert set(exported) == {"idScheme", "dataValues"}
    common = {"attributeOptionCombo": "BRIDGE_HEALTH_EMT"}
    first_day = {**common, "period": days_ago(2).strftime("%Y%m%d"), "orgUnit": "OU_MBALE"}
    second_day = {**common, "period": days_ago(1).strftime("%Y%m%d"), "orgUnit": "OU_BUDUDA"}
    assert exported["dataValues"] == [
        {"dataElement": "MDS-CONSULTATIONS", **first_day, "categoryOptionCombo": "5_17_FEMALE", "value": "1"},
        {"dataElement": "MDS-25", **first_day, "categoryOptionCombo": "GE5", "value": "1"},
        {"dataElement": "MDS-44", **first_day, "categoryOptionCombo": "default", "value": "1"},
        {"dataElement": "MDS-CONSULTATIONS", **second_day, "categoryOptionCombo": "1_4_MALE", "value": "1"},
        {"dataElement": "MDS-10", **second_day, "categoryOptionCombo": "LT5", "value": "1"},
        {"dataElement": "MDS-44", **second_day, "categoryOptionCombo": "default", "value": "1"},
    ]


def test_the_figures_come_from_the_submitted_versions(team, users, site, response, mapped):
    lead = users["coordinator"]
    report = record(team, lead, site, items=(9, 44)).report
    reports.submit(report, actor=lead)
    # A correction under way does not change what is exported until it is submitted.
    reports.start_correction(report, actor=lead)
    record(team, lead, site, items=(9, 44))
    values = dhis2.response_data_value_set(response, today(), today())["dataValues"]
    assert {"dataElement": "MDS-09", "period": today().strftime("%Y%m%d"), "orgUnit": "OU_MBALE"} | {
        "categoryOptionCombo": "GE5",
        "attributeOptionCombo": "BRIDGE_HEALTH_EMT",
        "value": "1",
    } in values


def test_the_response_export_lists_every_unmapped_site(team, users, site, second_site, response):
    lead = users["coordinator"]
    for where in (site, second_site):
        reports.submit(record(team, lead, where, items=(9, 44)).report, actor=lead)
    with pytest.raises(ValidationFailed) as raised:
        dhis2.response_data_value_set(response, days_ago(1), today())
    assert set(raised.value.fields) == {f"org_units.{site.pk}", f"org_units.{second_site.pk}"}
    assert "Bududa health centre" in raised.value.message


def test_an_empty_period_exports_no_values(response, mapped):
    assert dhis2.response_data_value_set(response, days_ago(5), today()) == {
        "idScheme": "code",
        "dataValues": [],
    }


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        ("x", "2026-01-02", "start"),
        ("2026-01-02", "2026-13-01", "end"),
        ("2026-02-01", "2026-01-01", "end"),
        ("2025-01-01", "2026-01-02", "end"),
        ("2024-01-01", "", "end"),
    ],
)
def test_the_period_must_be_real_dates_in_order_and_at_most_a_year(response, start, end, field):
    with pytest.raises(ValidationFailed) as raised:
        dhis2.clean_range(response, start, end, today=datetime.date(2026, 11, 22))
    assert field in raised.value.fields


def test_a_period_left_out_is_this_month_to_date_within_the_response(response):
    response.starts_on = datetime.date(2026, 10, 20)
    response.ends_on = None
    on = datetime.date(2026, 11, 22)
    assert dhis2.clean_range(response, today=on) == (datetime.date(2026, 11, 1), on)
    # Early in the month of the response's start, it starts with the response.
    assert dhis2.clean_range(response, today=datetime.date(2026, 10, 25)) == (
        datetime.date(2026, 10, 20),
        datetime.date(2026, 10, 25),
    )
    # A response that has ended: its last month.
    response.ends_on = datetime.date(2026, 11, 10)
    assert dhis2.clean_range(response, today=on) == (datetime.date(2026, 11, 1), datetime.date(2026, 11, 10))
    # Only the end given: from the first of its month; only the start given: up to today.
    assert dhis2.clean_range(response, end="2026-11-05", today=on)[0] == datetime.date(2026, 11, 1)
    assert dhis2.clean_range(response, start="2026-10-21", today=on) == (
        datetime.date(2026, 10, 21),
        datetime.date(2026, 11, 10),
    )


def test_a_report_of_a_team_outside_any_response_cannot_be_mapped(team, users, site, mapped):
    lead = users["coordinator"]
    report = record(team, lead, site, items=(9, 44)).report
    reports.submit(report, actor=lead)
    report.refresh_from_db()
    report.team.response = None
    with pytest.raises(ValidationFailed) as raised:
        dhis2.report_data_value_set(report)
    assert raised.value.code == "no_response"


def test_default_codes():
    assert dhis2.default_category_option_combo("5_17_pregnant") == "5_17_PREGNANT"
    assert dhis2.default_category_option_combo("lt1_male") == "LT1_MALE"
    assert dhis2.default_category_option_combo("5p_unknown_female") == "GE5_UNKNOWN_FEMALE"
    assert dhis2.default_category_option_combo("u5") == "LT5"
    assert dhis2.default_category_option_combo("total") == "default"
    assert len(dhis2.category_option_combo_keys()) == 16 + 3
    assert dhis2.data_element_keys()[:2] == ["consultations", "4"]
    assert dhis2.period(today().replace(year=2026, month=3, day=5)) == "20260305"
