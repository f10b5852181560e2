"""The Daily Report as the official form (the sheet the page and the PDF share) and the printable
PDF: its header (eDATA columns a–n), the disaggregation with N/A cells, the labels a version was
reported with, the issues with their comments, DRAFT when nothing is submitted, and restricted
items as counts only. The PDFs are really rendered (WeasyPrint, Pango) and read back."""

from __future__ import annotations

import datetime

import pytest

from medmissions.clinics import capture, documents, reports, responses
from medmissions.clinics.models import Team
from medmissions.clinics.tests.conftest import consultation, days_ago, record
from medmissions.supplies.tests.shipments_support import pdf_text, require_pdf_rendering

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead(users):
    return users["coordinator"]


@pytest.fixture
def labelled(users, response):
    responses.set_item_labels(
        response, actor=users["host_admin"], labels={19: {"label": "Cholera, suspected"}, 20: {"label": ""}}
    )
    return response


@pytest.fixture
def day(lead, team, site, labelled):
    """A day with a child, a pregnant woman, an amputation (restricted) and a cholera case."""
    # Set directly: responses.update_team locks the team with an outer join PostgreSQL refuses
    # (reported to the core's owner); only the header's values matter here.
    Team.objects.filter(pk=team.pk).update(
        organization_name="Bridge Health UK",
        contact_name="Dr Ruth Achieng",
        contact_phone="+256 700 000 111",
        contact_email="ruth@example.org",
        departs_on=datetime.date(2027, 5, 17),
        working_hours="08:00–17:00",
    )
    site.admin_level_1 = "Eastern Region"
    site.admin_level_2 = "Mbale District"
    site.save(update_fields=["admin_level_1", "admin_level_2"])
    record(
        team, lead, site, days_ago(2), age_group=2, sex=1, items=(9, 19, 44, 36), patient_reference="PX-CHILD"
    )
    record(team, lead, site, days_ago(2), age_group=4, sex=3, items=(33, 44, 37))
    report = record(team, lead, site, days_ago(2), age_group=4, sex=1, items=(6, 31, 44, 40)).report
    reports.set_issues(
        report,
        actor=lead,
        issues={
            "62": {"flagged": True, "comment": "Oral rehydration salts ran out at noon."},
            "56": {"flagged": False, "comment": "Water trucking resumed."},
        },
    )
    report.refresh_from_db()
    return report


def _rows(sheet):
    return {row.number: row for section in sheet.sections for group in section.groups for row in group.rows}


# The sheet -----------------------------------------------------------------------------------------------


def test_the_sheet_has_the_official_disaggregation(day):
    sheet = documents.live_sheet(day)
    by_age, sex, totals = sheet.sections[1], sheet.sections[0], sheet.sections[2]
    assert [bucket for bucket, _label in sex.columns] == ["lt1", "1_4", "5_17", "18_64", "65p"]
    rows = _rows(sheet)
    assert rows[1].cells == [0, 1, 0, 1, 0]
    assert rows[3].cells == [None, None, 0, 1, 0]  # pregnancy has no under-5 cells: N/A
    assert sex.footer is not None and sex.footer.cells == [0, 1, 0, 2, 0] and sex.footer.total == 3
    assert [bucket for bucket, _label in by_age.columns] == ["u5", "5p"]
    assert rows[9].cells == [1, 0] and rows[31].cells == [0, 1]
    assert rows[33].cells == [None, 1]  # obstetric procedures: 5 and over only
    assert totals.columns == [] and rows[40].cells == [] and rows[40].total == 1
    assert rows[44].percent == 100.0 and round(rows[9].percent, 1) == 33.3
    assert rows[31].restricted and not rows[9].restricted
    assert sheet.restricted_count == 1
    assert (sheet.consultations, sheet.sex_total, sheet.age_total, sheet.totals_agree) == (3, 3, 3, True)
    assert [title for title, _rows in sheet.issues] == [
        "Immediate report",
        "Community risks",
        "Operational constraints",
    ]
    assert sheet.flagged_issues == 1
    assert sheet.draft and sheet.version is None


def test_the_band_unknown_column_appears_only_when_someone_is_in_it(lead, team, site, day):
    assert "5p_unknown" not in [bucket for bucket, _label in documents.live_sheet(day).sections[0].columns]
    capture.record_batch(
        team,
        actor=lead,
        consultations=[consultation(site, days_ago(2), age_group=0, sex=3, items=(34, 44))],
        allow_unknown_band=True,
    )
    sheet = documents.live_sheet(day)
    assert [bucket for bucket, _label in sheet.sections[0].columns][-1] == "5p_unknown"
    rows = _rows(sheet)
    assert rows[3].cells == [None, None, 0, 1, 0, 1]
    assert rows[34].cells == [None, 1]


def test_the_header_is_the_edata_columns_a_to_n(day):
    header = dict(documents.live_sheet(day).header)
    assert header["Organisation"] == "Bridge Health UK"
    assert header["Team"] == "Bridge Health EMT"
    assert header["Team type"] == "WHO EMT Type 1 fixed"
    assert header["Contact person"] == "Dr Ruth Achieng, +256 700 000 111, ruth@example.org"
    assert header["Estimated departure"] == "2027-05-17"
    assert header["Date of activity"] == days_ago(2).isoformat()
    assert header["Working hours"] == "08:00–17:00"
    assert (header["Admin level 1"], header["Admin level 2"], header["Admin level 3"]) == (
        "Eastern Region",
        "Mbale District",
        "Mbale",
    )
    assert header["Facility or site"] == "Mbale outpatient clinic"
    assert header["Geotag"] == "1.080000,34.175000"


def test_a_version_keeps_the_labels_it_was_reported_with(users, lead, day, labelled):
    version = reports.submit(day, actor=lead)
    assert version.item_labels["19"] == "Cholera, suspected"
    responses.set_item_labels(labelled, actor=users["host_admin"], labels={19: {"label": "Dengue"}})
    assert dict(documents.version_sheet(day, version).context_labels)[19] == "Cholera, suspected"
    assert dict(documents.live_sheet(day).context_labels)[19] == "Dengue"
    assert dict(documents.version_sheet(day, version).context_labels)[20] == "Not used (item 20)"


def test_the_printed_report_is_the_official_version(lead, team, site, day):
    assert documents.official_sheet(day).draft
    first = reports.submit(day, actor=lead)
    reports.start_correction(day, actor=lead)
    record(team, lead, site, days_ago(2))
    day.refresh_from_db()
    # While corrected, the print is still version 1 — the live figures are not official.
    sheet = documents.official_sheet(day)
    assert (sheet.version, sheet.consultations, sheet.draft) == (first, 3, False)
    second = reports.submit(
        day, actor=lead, warnings_reason="No outcome yet.", correction_reason="Late form."
    )
    day.refresh_from_db()
    assert documents.official_sheet(day).version == second
    assert documents.official_sheet(day, first).consultations == 3
    assert documents.filename(day).endswith(f"{days_ago(2).isoformat()}-v2.pdf")
    assert documents.filename(day, first).startswith(
        "daily-report-bridge-health-emt-mbale-outpatient-clinic-"
    )


# The PDF -------------------------------------------------------------------------------------------------


def test_the_pdf_prints_the_submitted_version(lead, day):
    require_pdf_rendering()
    reports.submit(day, actor=lead)
    day.refresh_from_db()
    text = pdf_text(documents.daily_report_pdf(day))
    for expected in (
        "EMT Minimum Data Set: Daily Report",
        "Version 1",
        "Bridge Health UK",
        "Bridge Health EMT",
        "WHO EMT Type 1 fixed",
        "Dr Ruth Achieng",
        "2027-05-17",
        days_ago(2).isoformat(),
        "08:00–17:00",
        "Eastern Region",
        "Mbale District",
        "Mbale outpatient clinic",
        "1.080000,34.175000",
        "Elgon floods 2026",
        "Cholera, suspected",  # the label of item 19 used
        "Not used (item 20)",
        "Limb amputation, excluding digits",
        "Female, pregnant",
        "N/A",
        "Oral rehydration salts ran out at noon.",
        "Water trucking resumed.",
        "Coordinator",  # the submitter
        "Sex codes = age groups = consultations = 3.",
    ):
        assert expected in text, expected
    assert "DRAFT" not in text
    # Restricted items are counts: no consultation reference or patient pseudonym is printed.
    assert "PX-CHILD" not in text
    assert not any(consultation.reference in text for consultation in day.consultations.all())


def test_the_pdf_of_an_unsubmitted_day_is_a_draft(day):
    require_pdf_rendering()
    text = pdf_text(documents.daily_report_pdf(day))
    assert "DRAFT" in text
    assert "Version 1" not in text


def test_without_weasyprint_the_pdf_is_unavailable(day, monkeypatch):
    def missing():
        raise documents.PdfUnavailable("WeasyPrint is not installed.")

    monkeypatch.setattr(documents, "_weasyprint", missing)
    with pytest.raises(documents.PdfUnavailable) as raised:
        documents.daily_report_pdf(day)
    assert raised.value.status == 503
