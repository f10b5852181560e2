"""API of daily reports: listing with filters, opening a day, reading the live figures with checks,
issues and versions, setting issues, submitting, correcting, reading a version with its
differences and the restricted details, with the error shape of every refusal (400, 403, 404,
409, 401)."""

from __future__ import annotations

import pytest

from medmissions.clinics import reports
from medmissions.clinics.tests.conftest import days_ago, record
from medmissions.testing import assert_api_error, post_json, put_json

pytestmark = pytest.mark.django_db

BASE = "/api/v1/clinics/reports"


@pytest.fixture
def lead(users):
    return users["coordinator"]


@pytest.fixture
def day(lead, team, site):
    record(team, lead, site, days_ago(2), age_group=4, sex=2, items=(9, 44, 36))
    return record(team, lead, site, days_ago(2), age_group=2, sex=1, items=(10, 28, 44, 39)).report


@pytest.fixture
def submitted(lead, team, site):
    report = record(team, lead, site, days_ago(4), age_group=5, sex=1, items=(24, 46, 40)).report
    reports.submit(report, actor=lead)
    report.refresh_from_db()
    return report


# Listing ---------------------------------------------------------------------------------------------


def test_the_list_with_its_filters(api_client_for, users, team, site, day, submitted):
    client = api_client_for(users["viewer"])
    body = client.get(BASE).json()
    assert body["count"] == 2
    assert [row["id"] for row in body["items"]] == [day.pk, submitted.pk]  # newest first
    first = body["items"][0]
    assert first["team"] == team.pk and first["site"] == site.pk and first["site_name"] == site.name
    assert (first["status"], first["version"], first["consultations"]) == ("open", None, 2)
    assert body["items"][1]["version"] == 1
    assert [row["id"] for row in client.get(BASE, {"status": "submitted"}).json()["items"]] == [submitted.pk]
    assert client.get(BASE, {"date_from": days_ago(3).isoformat()}).json()["count"] == 1
    assert client.get(BASE, {"date_to": days_ago(3).isoformat()}).json()["count"] == 1
    assert client.get(BASE, {"team": team.pk, "site": site.pk}).json()["count"] == 2
    assert client.get(BASE, {"team": team.pk + 1}).json()["count"] == 0
    assert_api_error(client.get(BASE, {"status": "lost"}), 400, "invalid")
    assert_api_error(client.get(BASE, {"date_from": "yesterday"}), 400, "invalid")


def test_others_list_nothing(api_client_for, users, day):
    assert api_client_for(users["outsider"]).get(BASE).json()["count"] == 0


def test_anonymous_callers_are_refused(client, day):
    assert_api_error(client.get(BASE), 401, "unauthenticated")
    assert_api_error(client.get(f"{BASE}/{day.pk}"), 401, "unauthenticated")


# Opening a day ---------------------------------------------------------------------------------------


def test_opening_a_day(api_client_for, users, team, site):
    client = api_client_for(users["member"])
    payload = {"team": team.pk, "site": site.pk, "date": days_ago(1).isoformat()}
    response = post_json(client, BASE, payload)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["consultations"], body["date"]) == ("open", 0, days_ago(1).isoformat())
    assert body["versions"] == [] and body["checks"] == []
    again = post_json(client, BASE, payload)
    assert again.status_code == 200 and again.json()["id"] == body["id"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"date": "2026-02-30"}, "date"),
        ({"date": None}, "date"),
        ({"site": 999999}, "site"),
    ],
)
def test_opening_an_invalid_day(api_client_for, users, team, site, change, field):
    payload = {"team": team.pk, "site": site.pk, "date": days_ago(1).isoformat(), **change}
    assert_api_error(post_json(api_client_for(users["coordinator"]), BASE, payload), 400, fields=[field])


def test_opening_a_day_in_the_future(api_client_for, users, team, site):
    payload = {"team": team.pk, "site": site.pk, "date": days_ago(-5).isoformat()}
    assert_api_error(
        post_json(api_client_for(users["coordinator"]), BASE, payload), 400, "invalid_day", ["date"]
    )


def test_viewers_cannot_open_a_day(api_client_for, users, team, site):
    payload = {"team": team.pk, "site": site.pk, "date": days_ago(1).isoformat()}
    assert_api_error(post_json(api_client_for(users["viewer"]), BASE, payload), 403, "forbidden")
    assert not team.daily_reports.exists()


def test_others_cannot_open_a_day_for_the_team(api_client_for, users, team, site):
    payload = {"team": team.pk, "site": site.pk, "date": days_ago(1).isoformat()}
    assert_api_error(post_json(api_client_for(users["outsider"]), BASE, payload), 404, "not_found")


# Reading -------------------------------------------------------------------------------------------------


def test_a_report_with_live_figures_checks_and_issues(api_client_for, users, lead, team, site, day):
    reports.set_issues(day, actor=lead, issues={"62": {"flagged": True, "comment": "ORS ran out."}})
    record(team, lead, site, days_ago(2), age_group=3, sex=3, items=(33,))  # no relation, no outcome
    body = api_client_for(users["host_member"]).get(f"{BASE}/{day.pk}").json()
    assert body["consultations"] == 3
    assert body["cells"]["1"] == {"lt1": 0, "1_4": 1, "5_17": 0, "18_64": 0, "65p": 0, "5p_unknown": 0}
    assert body["cells"]["3"] == {"5_17": 1, "18_64": 0, "65p": 0, "5p_unknown": 0}
    assert body["cells"]["9"] == {"u5": 0, "5p": 1}
    assert body["cells"]["28"] == {"u5": 1, "5p": 0}  # restricted: a count
    assert body["cells"]["33"] == {"5p": 1}
    assert body["cells"]["44"] == {"total": 2}
    assert body["sex_total"] == 3 and sum(body["age_totals"].values()) == 3
    assert {check["code"]: check["severity"] for check in body["checks"]} == {
        "relation": "warning",
        "outcomes_none": "info",
    }
    assert body["indicators"]["referrals"] == 1 and body["indicators"]["referral_rate"] == pytest.approx(
        1 / 3
    )
    assert body["issues"] == {"62": {"flagged": True, "comment": "ORS ran out."}}
    assert body["item_labels"]["19"] == "Not used (item 19)"


def test_a_report_of_another_team_is_not_found(api_client_for, users, day):
    assert_api_error(api_client_for(users["outsider"]).get(f"{BASE}/{day.pk}"), 404, "not_found")
    assert_api_error(api_client_for(users["coordinator"]).get(f"{BASE}/999999"), 404, "not_found")


# Issues ----------------------------------------------------------------------------------------------------


def test_setting_the_issues(api_client_for, users, day):
    payload = {"issues": {"62": {"flagged": True, "comment": "ORS ran out."}, "57": {"comment": "Rumours."}}}
    response = put_json(api_client_for(users["member"]), f"{BASE}/{day.pk}/issues", payload)
    assert response.status_code == 200, response.content
    assert response.json()["issues"] == {
        "57": {"flagged": False, "comment": "Rumours."},
        "62": {"flagged": True, "comment": "ORS ran out."},
    }


@pytest.mark.parametrize(
    ("issues", "field"),
    [
        ({"62": {"flagged": True}}, "issue_62"),
        ({"12": {"flagged": True, "comment": "Not a daily issue."}}, "issue_12"),
    ],
)
def test_invalid_issues(api_client_for, users, day, issues, field):
    response = put_json(api_client_for(users["member"]), f"{BASE}/{day.pk}/issues", {"issues": issues})
    assert_api_error(response, 400, "invalid_issues", [field])


def test_issues_need_the_issues_object(api_client_for, users, day):
    assert_api_error(put_json(api_client_for(users["member"]), f"{BASE}/{day.pk}/issues", {}), 400, "invalid")


def test_issues_of_a_locked_report_conflict(api_client_for, users, submitted):
    response = put_json(api_client_for(users["coordinator"]), f"{BASE}/{submitted.pk}/issues", {"issues": {}})
    assert_api_error(response, 409, "report_locked")


def test_viewers_cannot_set_issues(api_client_for, users, day):
    response = put_json(api_client_for(users["viewer"]), f"{BASE}/{day.pk}/issues", {"issues": {}})
    assert_api_error(response, 403, "forbidden")


# Submission and corrections ----------------------------------------------------------------------------------


def test_submitting_and_correcting(api_client_for, users, lead, team, site, day):
    client = api_client_for(lead)
    response = post_json(client, f"{BASE}/{day.pk}/submit", {})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["version"]) == ("submitted", 1)
    assert [version["number"] for version in body["versions"]] == [1]
    assert_api_error(post_json(client, f"{BASE}/{day.pk}/submit", {}), 409, "already_submitted")

    response = post_json(client, f"{BASE}/{day.pk}/correct", {})
    assert response.status_code == 200 and response.json()["status"] == "correcting"
    assert response.json()["version"] == 1
    assert_api_error(post_json(client, f"{BASE}/{day.pk}/correct", {}), 409, "not_submitted")
    record(team, lead, site, days_ago(2), age_group=5, sex=2, items=(8, 44, 37))
    assert_api_error(
        post_json(client, f"{BASE}/{day.pk}/submit", {}),
        400,
        "correction_needs_reason",
        ["correction_reason"],
    )
    response = post_json(client, f"{BASE}/{day.pk}/submit", {"correction_reason": "A paper form was found."})
    assert response.status_code == 200
    assert response.json()["version"] == 2
    assert response.json()["versions"][1]["correction_reason"] == "A paper form was found."

    version = client.get(f"{BASE}/{day.pk}/versions/2").json()
    assert (version["number"], version["official"], version["previous"], version["consultations"]) == (
        2,
        True,
        1,
        3,
    )
    assert version["submitted_by"] == "Coordinator"
    assert {
        (change["item"], change["bucket"]): (change["before"], change["after"])
        for change in version["differences"]
    } == {
        (0, "consultations"): (2, 3),
        (2, "65p"): (0, 1),
        (8, "5p"): (0, 1),
        (37, "total"): (0, 1),
        (44, "total"): (2, 3),
    }
    first = client.get(f"{BASE}/{day.pk}/versions/1").json()
    assert (first["official"], first["previous"], first["differences"]) == (False, None, [])
    assert first["cells"]["28"] == {"u5": 1, "5p": 0}
    assert first["item_labels"]["19"] == "Not used (item 19)"


def test_warnings_need_a_reason(api_client_for, users, lead, team, site):
    report = record(team, lead, site, days_ago(1), items=(9,)).report
    client = api_client_for(lead)
    assert_api_error(
        post_json(client, f"{BASE}/{report.pk}/submit", {}), 400, "warnings_need_reason", ["warnings_reason"]
    )
    response = post_json(client, f"{BASE}/{report.pk}/submit", {"warnings_reason": "A vaccination session."})
    assert response.status_code == 200
    assert client.get(f"{BASE}/{report.pk}/versions/1").json()["warnings_reason"] == "A vaccination session."


@pytest.mark.parametrize("persona", ["member", "viewer", "host_member"])
def test_only_the_lead_and_coordinators_submit_and_correct(api_client_for, users, day, submitted, persona):
    client = api_client_for(users[persona])
    assert_api_error(post_json(client, f"{BASE}/{day.pk}/submit", {}), 403, "forbidden")
    assert_api_error(post_json(client, f"{BASE}/{submitted.pk}/correct", {}), 403, "forbidden")


def test_others_cannot_submit(api_client_for, users, day):
    assert_api_error(post_json(api_client_for(users["outsider"]), f"{BASE}/{day.pk}/submit", {}), 404)


def test_an_unknown_version_is_not_found(api_client_for, users, day, submitted):
    client = api_client_for(users["viewer"])
    assert_api_error(client.get(f"{BASE}/{day.pk}/versions/1"), 404, "not_found")
    assert client.get(f"{BASE}/{submitted.pk}/versions/1").status_code == 200
    assert_api_error(api_client_for(users["outsider"]).get(f"{BASE}/{submitted.pk}/versions/1"), 404)


# Restricted details ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["coordinator", "host_admin"])
def test_restricted_details_for_the_lead_and_the_health_authority(api_client_for, users, day, persona):
    response = api_client_for(users[persona]).get(f"{BASE}/{day.pk}/restricted")
    assert response.status_code == 200
    [row] = response.json()
    assert row["restricted_items"] == [28] and row["items"] == [10, 28, 39, 44]
    assert row["reference"] == day.consultations.get(mds_28=True).reference


@pytest.mark.parametrize(
    ("persona", "status"),
    [("admin", 403), ("member", 403), ("viewer", 403), ("host_member", 403), ("outsider", 404)],
)
def test_restricted_details_are_refused_to_others(api_client_for, users, day, persona, status):
    assert_api_error(api_client_for(users[persona]).get(f"{BASE}/{day.pk}/restricted"), status)
