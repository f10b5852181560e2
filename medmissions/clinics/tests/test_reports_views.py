"""Pages of daily reports: a team's reports and opening a day, the Daily Report laid out as the
official form (disaggregation, labels, percentages, checks, indicators), the issues form,
submission with its reasons, corrections, versions with their differences, the restricted
details and the printable PDF, with what each refusal answers."""

from __future__ import annotations

import pytest
from django.urls import reverse

from medmissions.clinics import capture, documents, reports, responses
from medmissions.clinics.choices import ReportStatus
from medmissions.clinics.tests.conftest import consultation, days_ago, record
from medmissions.core.errors import Conflict
from medmissions.supplies.tests.shipments_support import pdf_text, require_pdf_rendering

pytestmark = pytest.mark.django_db


def _url(name, *args):
    return reverse(f"clinics:{name}", args=args)


def _messages(response):
    return [str(message) for message in response.wsgi_request._messages]


@pytest.fixture
def lead(users):
    return users["coordinator"]


@pytest.fixture
def day(lead, team, site):
    """Two clean consultations two days ago, one of them with a restricted item (SAM, 28)."""
    record(team, lead, site, days_ago(2), age_group=4, sex=2, items=(9, 44, 36))
    return record(team, lead, site, days_ago(2), age_group=2, sex=1, items=(10, 28, 44, 39)).report


# A team's reports --------------------------------------------------------------------------------------


def test_the_team_reports_newest_first_with_status_and_consultations(client_for, lead, team, site, day):
    reports.submit(day, actor=lead)
    reports.start_correction(day, actor=lead)
    reports.submit(day, actor=lead, correction_reason="Typo in the age group.")
    older = reports.open_day(team, actor=lead, site=site, date=days_ago(5))
    newest = record(team, lead, site, days_ago(1)).report
    response = client_for(lead).get(_url("team_reports", team.pk))
    assert response.status_code == 200
    content = response.content.decode()
    positions = [content.index(_url("report", report.pk)) for report in (newest, day, older)]
    assert positions == sorted(positions)
    assert "submitted v2" in content
    assert "Open a day" in content


def test_a_report_being_corrected_is_marked(client_for, lead, team, day):
    reports.submit(day, actor=lead)
    reports.start_correction(day, actor=lead)
    content = client_for(lead).get(_url("team_reports", team.pk)).content.decode()
    assert "being corrected" in content and "v1 official" in content


def test_viewers_see_the_reports_but_cannot_open_a_day(client_for, users, team, day):
    response = client_for(users["viewer"]).get(_url("team_reports", team.pk))
    assert response.status_code == 200
    assert "Open a day" not in response.content.decode()


def test_others_do_not_see_the_team(client_for, users, team):
    assert client_for(users["outsider"]).get(_url("team_reports", team.pk)).status_code == 404


def test_opening_a_day_without_patients(client_for, users, team, site):
    response = client_for(users["member"]).post(
        _url("report_open", team.pk), {"site": site.pk, "date": days_ago(1).isoformat()}
    )
    report = team.daily_reports.get()
    assert response.status_code == 302 and response["Location"] == _url("report", report.pk)
    assert (report.date, report.status, report.consultations.count()) == (days_ago(1), ReportStatus.OPEN, 0)
    assert _messages(response) == [f"The daily report of {site.name} for {days_ago(1).isoformat()} is open."]
    again = client_for(users["member"]).post(
        _url("report_open", team.pk), {"site": site.pk, "date": days_ago(1).isoformat()}
    )
    assert again["Location"] == _url("report", report.pk)
    assert _messages(again) == [
        f"The daily report of {site.name} for {days_ago(1).isoformat()} already exists."
    ]


def test_opening_a_day_in_the_future_is_refused_on_the_form(client_for, lead, team, site):
    response = client_for(lead).post(
        _url("report_open", team.pk), {"site": site.pk, "date": days_ago(-2).isoformat()}
    )
    assert response.status_code == 400
    assert "cannot be in the future" in response.content.decode()
    assert not team.daily_reports.exists()


def test_viewers_cannot_open_a_day(client_for, users, team, site):
    response = client_for(users["viewer"]).post(
        _url("report_open", team.pk), {"site": site.pk, "date": days_ago(1).isoformat()}
    )
    assert response.status_code == 403
    assert not team.daily_reports.exists()


# The report ---------------------------------------------------------------------------------------------


def test_the_report_is_laid_out_as_the_official_form(client_for, users, lead, team, site, day, response):
    responses.set_item_labels(
        response, actor=users["host_admin"], labels={19: {"label": "Cholera, suspected"}}
    )
    page = client_for(users["viewer"]).get(_url("report", day.pk))
    assert page.status_code == 200
    content = page.content.decode()
    for expected in (
        "1. Male",
        "3. Female, pregnant",
        "N/A",  # pregnancy under 5 and obstetric procedures under 5
        "19. Cholera, suspected",
        "28. Severe acute malnutrition",
        "50.0&nbsp;%",  # item 9: one of two consultations
        "Sex codes = age groups = consultations = 2.",
        "Admissions (item 40)",
        "Issues to report (items 51–65)",
        "Not submitted yet.",
    ):
        assert expected in content, expected
    assert "band unknown" not in content  # nobody is in the legacy band
    # The viewer sees restricted items as counts, without the link to the details, and no buttons.
    assert _url("report_restricted", day.pk) not in content
    assert _url("report_submit", day.pk) not in content
    assert 'name="flagged_51"' not in content


def test_the_band_unknown_column_shows_when_legacy_consultations_exist(client_for, lead, team, site, day):
    capture.record_batch(
        team,
        actor=lead,
        consultations=[consultation(site, days_ago(2), age_group=0, sex=1, items=(9, 44))],
        allow_unknown_band=True,
    )
    assert "≥5, band unknown" in client_for(lead).get(_url("report", day.pk)).content.decode()


def test_the_lead_gets_the_actions_and_the_restricted_link(client_for, lead, day):
    content = client_for(lead).get(_url("report", day.pk)).content.decode()
    assert _url("report_submit", day.pk) in content
    assert _url("report_restricted", day.pk) in content
    assert _url("report_pdf", day.pk) in content
    assert 'name="flagged_62"' in content


def test_others_do_not_see_the_report(client_for, users, day):
    assert client_for(users["outsider"]).get(_url("report", day.pk)).status_code == 404


# Issues -------------------------------------------------------------------------------------------------


def test_setting_the_issues(client_for, users, day):
    response = client_for(users["member"]).post(
        _url("report_issues", day.pk),
        {"flagged_62": "on", "comment_62": "ORS ran out.", "comment_57": "Rumours upstream."},
    )
    assert response.status_code == 302
    day.refresh_from_db()
    assert day.issues == {
        "57": {"flagged": False, "comment": "Rumours upstream."},
        "62": {"flagged": True, "comment": "ORS ran out."},
    }


def test_a_flag_without_a_comment_is_shown_on_the_form(client_for, lead, day):
    response = client_for(lead).post(_url("report_issues", day.pk), {"flagged_53": "on"})
    assert response.status_code == 400
    assert "a flagged item needs a comment" in response.content.decode()
    day.refresh_from_db()
    assert day.issues == {}


def test_issues_of_a_locked_report_are_refused(client_for, lead, day):
    reports.submit(day, actor=lead)
    response = client_for(lead).post(
        _url("report_issues", day.pk), {"flagged_62": "on", "comment_62": "Late."}
    )
    assert response.status_code == 302
    assert any("locked" in message for message in _messages(response))
    day.refresh_from_db()
    assert day.issues == {}


def test_viewers_cannot_set_issues(client_for, users, day):
    response = client_for(users["viewer"]).post(
        _url("report_issues", day.pk), {"flagged_62": "on", "comment_62": "x"}
    )
    assert response.status_code == 403


# Submission ----------------------------------------------------------------------------------------------


def test_the_submit_page_shows_the_checks(client_for, lead, team, site, day):
    response = client_for(lead).get(_url("report_submit", day.pk))
    content = response.content.decode()
    assert response.status_code == 200
    assert "Sum of the age groups" in content and "No warnings." in content
    assert 'name="warnings_reason"' not in content and 'name="correction_reason"' not in content
    record(team, lead, site, days_ago(2), items=(9,))  # no relation to the event: a warning
    content = client_for(lead).get(_url("report_submit", day.pk)).content.decode()
    assert "no relation to the event" in content and 'name="warnings_reason"' in content


def test_submitting(client_for, lead, team, site, day):
    response = client_for(lead).post(_url("report_submit", day.pk), {})
    assert response.status_code == 302 and response["Location"] == _url("report", day.pk)
    day.refresh_from_db()
    assert day.status == ReportStatus.SUBMITTED and day.current_version.number == 1
    content = client_for(lead).get(_url("report", day.pk)).content.decode()
    assert "is the official report; the day is locked" in content
    assert _url("report_version", day.pk, 1) in content
    assert 'name="flagged_62"' not in content  # read-only once submitted
    with pytest.raises(Conflict) as raised:
        record(team, lead, site, days_ago(2))
    assert raised.value.code == "report_locked"


def test_warnings_need_a_reason_on_the_form(client_for, lead, team, site, day):
    record(team, lead, site, days_ago(2), items=(9,))
    response = client_for(lead).post(_url("report_submit", day.pk), {"warnings_reason": ""})
    assert response.status_code == 400
    assert "Explain why the report can be submitted with its warnings" in response.content.decode()
    day.refresh_from_db()
    assert day.status == ReportStatus.OPEN
    response = client_for(lead).post(
        _url("report_submit", day.pk), {"warnings_reason": "A vaccination session."}
    )
    assert response.status_code == 302
    day.refresh_from_db()
    assert day.current_version.warnings_reason == "A vaccination session."


def test_members_cannot_submit(client_for, users, day):
    client = client_for(users["member"])
    assert client.get(_url("report_submit", day.pk)).status_code == 403
    assert client.post(_url("report_submit", day.pk), {}).status_code == 403


def test_a_submitted_report_is_not_submitted_again(client_for, lead, day):
    reports.submit(day, actor=lead)
    response = client_for(lead).get(_url("report_submit", day.pk))
    assert response.status_code == 302
    assert _messages(response) == ["This daily report is already submitted."]


# Corrections and versions ---------------------------------------------------------------------------------


def test_a_correction_with_its_reason_and_differences(client_for, lead, team, site, day):
    client = client_for(lead)
    reports.submit(day, actor=lead)
    response = client.post(_url("report_correct", day.pk))
    assert response.status_code == 302
    day.refresh_from_db()
    assert day.status == ReportStatus.CORRECTING
    record(team, lead, site, days_ago(2), age_group=5, sex=2, items=(8, 44, 37))
    content = client.get(_url("report_submit", day.pk)).content.decode()
    assert 'name="correction_reason"' in content and "Version 1 is official now" in content
    response = client.post(_url("report_submit", day.pk), {"correction_reason": ""})
    assert response.status_code == 400 and "Say why the report is corrected" in response.content.decode()
    response = client.post(_url("report_submit", day.pk), {"correction_reason": "A paper form was found."})
    assert response.status_code == 302
    day.refresh_from_db()
    assert day.current_version.number == 2

    page = client.get(_url("report_version", day.pk, 2))
    content = page.content.decode()
    assert page.status_code == 200
    for expected in (
        "Changes from version 1",
        "A paper form was found.",
        "Consultations",
        "8. Minor injury",
        "44. Directly related to the event",
        "Submitted on",
        "Coordinator",
        "official",
    ):
        assert expected in content, expected
    first = client.get(_url("report_version", day.pk, 1)).content.decode()
    assert "superseded" in first and "Changes from version" not in first
    assert client.get(_url("report_version", day.pk, 3)).status_code == 404


def test_members_cannot_start_corrections(client_for, users, lead, day):
    reports.submit(day, actor=lead)
    assert client_for(users["member"]).post(_url("report_correct", day.pk)).status_code == 403
    day.refresh_from_db()
    assert day.status == ReportStatus.SUBMITTED


def test_an_open_report_cannot_be_corrected(client_for, lead, day):
    response = client_for(lead).post(_url("report_correct", day.pk))
    assert response.status_code == 302
    assert any("still open" in message for message in _messages(response))


# Restricted details ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("coordinator", 200),
        ("host_admin", 200),
        ("admin", 403),
        ("member", 403),
        ("viewer", 403),
        ("host_member", 403),
        ("outsider", 404),
    ],
)
def test_restricted_details_are_for_the_lead_and_the_health_authority(
    client_for, users, day, persona, status
):
    response = client_for(users[persona]).get(_url("report_restricted", day.pk))
    assert response.status_code == status
    if status == 200:
        content = response.content.decode()
        restricted = day.consultations.get(mds_28=True)
        assert restricted.reference in content
        assert "28. Severe acute malnutrition" in content
        unrestricted = day.consultations.get(mds_28=False)
        assert unrestricted.reference not in content


# The printable report --------------------------------------------------------------------------------------


def test_the_pdf_of_a_version(client_for, users, lead, day):
    require_pdf_rendering()
    reports.submit(day, actor=lead)
    response = client_for(users["viewer"]).get(_url("report_pdf", day.pk) + "?version=1")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].endswith('-v1.pdf"')
    text = pdf_text(response.content)
    assert "Version 1" in text and "Severe acute malnutrition" in text


def test_the_pdf_of_a_draft(client_for, lead, day):
    require_pdf_rendering()
    response = client_for(lead).get(_url("report_pdf", day.pk))
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('-draft.pdf"')
    assert "DRAFT" in pdf_text(response.content)


def test_an_unknown_version_is_not_found(client_for, lead, day):
    client = client_for(lead)
    assert client.get(_url("report_pdf", day.pk) + "?version=4").status_code == 404
    assert client.get(_url("report_pdf", day.pk) + "?version=one").status_code == 404


def test_without_weasyprint_the_page_says_so(client_for, lead, day, monkeypatch):
    def missing():
        raise documents.PdfUnavailable("PDF documents are unavailable on this server.")

    monkeypatch.setattr(documents, "_weasyprint", missing)
    response = client_for(lead).get(_url("report_pdf", day.pk))
    assert response.status_code == 503
    assert "PDF documents are unavailable on this server." in response.content.decode()
