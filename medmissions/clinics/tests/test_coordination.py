"""The coordination view of a response and the periodic reports: the numbers by day, area and
team on a small hand-computed fixture (see test_coordination_support.py), who has not reported
today, reports being corrected, the indicators, the charts, and the pages and API endpoints that
show them, with their refusals."""

from __future__ import annotations

import datetime
import re
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from medmissions.clinics.tests.conftest import days_ago, today
from medmissions.clinics.tests.test_coordination_support import *  # noqa: F403
from medmissions.clinics.views.coordination import build_coordination, expected_today
from medmissions.missions.choices import MissionStatus
from medmissions.missions.models import Mission
from medmissions.testing import assert_api_error

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"


def _api(response_id: int, what: str = "coordination") -> str:
    return f"/api/v1/clinics/responses/{response_id}/{what}"


def _three_days(response):
    return build_coordination(response, days_ago(2), today())


# The numbers ---------------------------------------------------------------------------------------


def test_by_day_counts_submitted_reports_only(coordination, response):
    summary = _three_days(response)
    by_day = {date: figures.consultations for date, figures in summary.days}
    # The Red Cross team's open report of today (1 consultation) is not counted.
    assert by_day == {days_ago(2): 5, days_ago(1): 2, today(): 1}
    assert summary.period.totals.consultations == 8
    assert [figures.total(39) for _date, figures in summary.days] == [2, 0, 1]
    assert [figures.total(41) + figures.total(42) for _date, figures in summary.days] == [2, 0, 0]
    assert summary.period.active_reporting_days == 3
    assert summary.period.peak_day == (days_ago(2), 5)


def test_by_area_groups_sites_by_region_and_district(coordination, response):
    areas = _three_days(response).areas
    assert [(area.admin_level_1, area.admin_level_2) for area in areas] == [
        ("Eastern", "Kapchorwa"),
        ("Eastern", "Mbale"),
    ]
    kapchorwa, mbale = areas
    assert (kapchorwa.figures.consultations, mbale.figures.consultations) == (2, 6)
    assert kapchorwa.team_ids == {coordination.red_cross.pk}
    assert mbale.sites == ["Mbale outpatient clinic"]
    assert (kapchorwa.figures.total(39), mbale.figures.total(39)) == (1, 2)


def test_by_team_with_active_days_peak_and_missing_days(coordination, response):
    teams = {row.team.pk: row for row in _three_days(response).teams}
    mission_team = teams[coordination.mission_team.pk]
    red_cross = teams[coordination.red_cross.pk]
    assert mission_team.figures.consultations == 6
    assert mission_team.period.active_reporting_days == 3
    assert mission_team.period.peak_day == (days_ago(2), 3)
    assert mission_team.missing_days == []
    assert red_cross.figures.consultations == 2
    assert red_cross.period.active_reporting_days == 1
    # It joined today but reported two days ago: missing yesterday and (not yet submitted) today.
    assert red_cross.missing_days == [days_ago(1), today()]


def test_missing_days_start_when_the_team_joined(coordination, response):
    """Days before a team joined the response are not missing days of that team."""
    teams = {row.team.pk: row for row in build_coordination(response, days_ago(6), today()).teams}
    assert teams[coordination.red_cross.pk].missing_days == [days_ago(1), today()]
    assert teams[coordination.mission_team.pk].missing_days == []


def test_who_has_not_reported_today(coordination, response):
    summary = _three_days(response)
    missing = [(row.team.pk, row.site.pk, row.state) for row in summary.missing_today]
    assert missing == [(coordination.red_cross.pk, coordination.kapchorwa.pk, "open")]
    assert [report.pk for report in summary.correcting] == [coordination.corrected.pk]


def test_a_team_whose_mission_left_the_field_is_not_expected(coordination, response):
    Mission.objects.filter(pk=coordination.mission_team.mission_id).update(status=MissionStatus.CLOSING)
    coordination.mission_team.mission.refresh_from_db()
    assert not expected_today(coordination.mission_team, response, today())
    assert expected_today(coordination.red_cross, response, today())
    coordination.red_cross.departs_on = days_ago(1)
    assert not expected_today(coordination.red_cross, response, today())


def test_a_team_without_any_report_today_is_listed_per_site(coordination, response, users, kapchorwa, site):
    coordination.open_today.consultations.all().delete()
    coordination.open_today.delete()
    missing = [(row.team.pk, row.state) for row in _three_days(response).missing_today]
    assert missing == [(coordination.red_cross.pk, "none")]


def test_top_conditions_use_the_response_labels(coordination, response):
    rows = [(row.number, row.label, row.count) for row in _three_days(response).top_conditions]
    assert rows == [
        (9, "Acute respiratory infection", 3),
        (10, "Acute watery diarrhoea", 2),
        (19, "Cholera", 2),
        (8, "Minor injury", 1),
        (27, "Obstetric complications", 1),
    ]


def test_indicators_and_issues(coordination, response):
    summary = _three_days(response)
    indicators = summary.indicators
    assert indicators.consultations == 8
    assert (indicators.admissions, indicators.admission_rate) == (1, 1 / 8)
    assert (indicators.referrals, indicators.referral_rate) == (3, 3 / 8)
    assert indicators.deaths == 2
    assert indicators.procedures == 1
    assert indicators.protection_cases == 1
    assert indicators.under_five_share == 3 / 8
    supply = summary.period.issues[62]
    assert (supply.days_flagged, supply.latest_comment) == (2, "Short of ORS.")


def test_the_whole_summary_takes_a_fixed_number_of_queries(
    coordination, response, django_assert_max_num_queries
):
    """One aggregate query for the figures, whatever the number of teams and days."""
    with django_assert_max_num_queries(7):
        summary = build_coordination(response, days_ago(30), today())
        summary.areas, summary.missing_today, summary.top_conditions  # noqa: B018 - computed lazily


# The page ------------------------------------------------------------------------------------------


def _svgs(content: str) -> list[ET.Element]:
    return [ET.fromstring(svg) for svg in re.findall(r"<svg\b.*?</svg>", content, flags=re.DOTALL)]


def test_the_coordination_page(client_for, users, coordination, response):
    address = reverse("clinics:coordination", args=[response.pk])
    page = client_for(users["host_member"]).get(address, {"start": days_ago(2).isoformat()})
    assert page.status_code == 200
    content = page.content.decode()
    assert "Uganda Red Cross EMT" in content and "Kapchorwa" in content
    assert "Reports being corrected" in content
    assert page.context["summary"].period.totals.consultations == 8
    charts = _svgs(content)
    assert len(charts) == 4
    for chart in charts:
        assert chart.findtext(f"{SVG}title")
        assert chart.findtext(f"{SVG}desc")
        assert chart.get("role") == "img"
    consultations = charts[0]
    assert len(consultations.findall(f"{SVG}rect")) == 3  # one column per day
    assert "Cholera" in ET.tostring(charts[1], encoding="unicode")
    # The numbers are offered as a table too.
    assert "Consultations per day: the numbers as a table" in content


def test_the_page_defaults_to_the_last_fourteen_days(client_for, users, coordination, response):
    page = client_for(users["host_admin"]).get(reverse("clinics:coordination", args=[response.pk]))
    summary = page.context["summary"]
    assert (summary.start, summary.end) == (today() - datetime.timedelta(days=13), today())
    assert len(_svgs(page.content.decode())[0].findall(f"{SVG}rect")) == 14


@pytest.mark.parametrize(
    "query",
    [
        {"start": "2026-06-10", "end": "2026-06-01"},
        {"start": "2024-01-01", "end": "2026-06-15"},
        {"start": "last week"},
    ],
)
def test_a_wrong_period_answers_400(client_for, users, coordination, response, query):
    page = client_for(users["host_admin"]).get(reverse("clinics:coordination", args=[response.pk]), query)
    assert page.status_code == 400
    assert page.context["form"].errors


@pytest.mark.parametrize("persona", ["coordinator", "viewer", "outsider"])
def test_only_the_coordinating_organisation_sees_it(client_for, users, coordination, response, persona):
    page = client_for(users[persona]).get(reverse("clinics:coordination", args=[response.pk]))
    assert page.status_code == 404


def test_the_response_periodic_report(client_for, users, coordination, response):
    address = reverse("clinics:response_period", args=[response.pk])
    page = client_for(users["host_member"]).get(
        address, {"start": days_ago(2).isoformat(), "end": today().isoformat()}
    )
    assert page.status_code == 200
    layout = {section.key: section for section in page.context["layout"]}
    sex = {row.number: row for row in layout["sex"].rows}
    # Item 2 (female, not pregnant): <1, 1–4 and 18–64 once each; item 3 has no cell under 5.
    assert sex[2].cells == [1, 1, 0, 1, 0]
    assert sex[3].cells == [None, None, 1, 0, 0]
    infectious = {row.number: row for row in layout["infectious"].rows}
    assert (infectious[9].cells, infectious[9].total) == ([1, 2], 3)
    additional = {row.number: row for row in layout["additional"].rows}
    assert additional[19].label == "Cholera" and additional[20].label.startswith("Not used")
    protection = {row.number: row for row in layout["protection"].rows}
    assert protection[48].restricted and protection[48].total == 1
    content = page.content.decode()
    assert "Short of ORS." in content
    assert "Uganda Red Cross EMT" in content


def test_a_team_periodic_report(client_for, users, coordination):
    address = reverse("clinics:team_period", args=[coordination.red_cross.pk])
    client = client_for(users["host_member"])
    live = client.get(address, {"start": days_ago(2).isoformat()})
    assert live.status_code == 200
    assert live.context["period"].totals.consultations == 3  # today's open report included
    submitted = client.get(address, {"start": days_ago(2).isoformat(), "submitted_only": "on"})
    period = submitted.context["period"]
    assert period.totals.consultations == 2
    assert period.missing_days == [days_ago(1), today()]
    assert period.peak_day == (days_ago(2), 2)
    charts = _svgs(submitted.content.decode())
    columns = charts[0].findall(f"{SVG}rect")
    assert len(charts) == 1 and len(columns) == 3  # a column per day, two of them empty
    assert [float(column.get("height", "0")) > 0 for column in columns] == [True, False, False]
    assert client.get(address, {"end": "2020-01-01", "start": "2026-01-01"}).status_code == 400


def test_the_team_period_is_for_those_who_see_the_team(client_for, users, coordination):
    assert (
        client_for(users["viewer"])
        .get(reverse("clinics:team_period", args=[coordination.mission_team.pk]))
        .status_code
        == 200
    )
    assert (
        client_for(users["viewer"])
        .get(reverse("clinics:team_period", args=[coordination.red_cross.pk]))
        .status_code
        == 404
    )
    assert (
        client_for(users["outsider"])
        .get(reverse("clinics:team_period", args=[coordination.mission_team.pk]))
        .status_code
        == 404
    )


# The API ----------------------------------------------------------------------------------------


def test_the_coordination_endpoint(api_client_for, users, coordination, response):
    body = (
        api_client_for(users["host_member"]).get(_api(response.pk), {"start": days_ago(2).isoformat()}).json()
    )
    assert [
        (row["date"], row["consultations"], row["referrals"], row["deaths"]) for row in body["by_day"]
    ] == [
        (days_ago(2).isoformat(), 5, 2, 2),
        (days_ago(1).isoformat(), 2, 0, 0),
        (today().isoformat(), 1, 1, 0),
    ]
    assert [(row["admin_level_2"], row["consultations"], row["teams"]) for row in body["by_area"]] == [
        ("Kapchorwa", 2, 1),
        ("Mbale", 6, 1),
    ]
    teams = {row["team"]: row for row in body["by_team"]}
    assert teams[coordination.red_cross.pk]["missing_days"] == [days_ago(1).isoformat(), today().isoformat()]
    assert teams[coordination.mission_team.pk]["peak_day"] == {
        "date": days_ago(2).isoformat(),
        "consultations": 3,
    }
    assert body["missing_today"] == [
        {
            "team": coordination.red_cross.pk,
            "team_name": "Uganda Red Cross EMT",
            "site": coordination.kapchorwa.pk,
            "site_name": "Kapchorwa health centre IV",
            "date": today().isoformat(),
            "status": "open",
        }
    ]
    assert [row["report"] for row in body["correcting"]] == [coordination.corrected.pk]
    assert body["indicators"]["referral_rate"] == 3 / 8
    assert body["indicators"]["protection_cases"] == 1
    assert body["top_conditions"][2] == {"item": 19, "label": "Cholera", "count": 2}


def test_the_period_endpoint(api_client_for, users, coordination, response):
    body = (
        api_client_for(users["host_admin"])
        .get(_api(response.pk, "period"), {"start": days_ago(2).isoformat(), "end": today().isoformat()})
        .json()
    )
    assert (body["calendar_days"], body["active_reporting_days"], body["consultations"]) == (3, 3, 8)
    assert body["peak_day"] == {"date": days_ago(2).isoformat(), "consultations": 5}
    assert body["cells"]["9"] == {"u5": 1, "5p": 2}
    assert body["issues"]["62"]["days_flagged"] == 2
    assert body["issues"]["62"]["latest_comment"] == "Short of ORS."
    assert body["item_labels"]["19"] == "Cholera"
    teams = {row["team"]: row for row in body["teams"]}
    assert teams[coordination.red_cross.pk]["active_reporting_days"] == 1


def test_the_team_period_endpoint(api_client_for, users, coordination):
    client = api_client_for(users["coordinator"])
    address = f"/api/v1/clinics/teams/{coordination.mission_team.pk}/period"
    body = client.get(address, {"start": days_ago(2).isoformat()}).json()
    assert (body["consultations"], body["active_reporting_days"], body["missing_days"]) == (6, 3, [])
    assert body["submitted_only"] is False
    assert_api_error(client.get(address, {"start": "2026-06-20", "end": "2026-06-01"}), 400, fields=["end"])
    assert_api_error(
        client.get(f"/api/v1/clinics/teams/{coordination.red_cross.pk}/period"), 404, "not_found"
    )


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"start": "2026-06-20", "end": "2026-06-01"}, "end"),
        ({"start": "2024-01-01"}, "start"),
        ({"start": "soon"}, "start"),
    ],
)
def test_the_coordination_endpoint_refuses_wrong_periods(api_client_for, users, response, query, field):
    answer = api_client_for(users["host_admin"]).get(_api(response.pk), query)
    assert_api_error(answer, 400, fields=[field])


@pytest.mark.parametrize("what", ["coordination", "period"])
def test_the_coordination_endpoints_answer_404_outside_the_coordinating_organisation(
    api_client_for, users, team, response, what
):
    assert_api_error(api_client_for(users["coordinator"]).get(_api(response.pk, what)), 404, "not_found")
    assert_api_error(api_client_for(users["outsider"]).get(_api(response.pk, what)), 404, "not_found")
    assert_api_error(api_client_for(users["host_member"]).get(_api(response.pk + 1000, what)), 404)


def test_anonymous_callers_are_refused(client, response):
    assert_api_error(client.get(_api(response.pk)), 401, "unauthenticated")
