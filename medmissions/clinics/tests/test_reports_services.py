"""The life of a daily report through the services: opening a day, the issues of items 51–65,
submission (locking the day, warnings that need a reason), corrections (a reason, the next
version and its differences) and who may see restricted details."""

from __future__ import annotations

import pytest

from medmissions.audit.models import AuditEntry
from medmissions.clinics import capture, reports
from medmissions.clinics.choices import ReportStatus
from medmissions.clinics.tests.conftest import consultation, days_ago, record
from medmissions.core.errors import Conflict, NotAllowed, ValidationFailed

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead(users):
    return users["coordinator"]


@pytest.fixture
def day(lead, team, site):
    """Two clean consultations two days ago (one relation, one outcome each)."""
    record(team, lead, site, days_ago(2), age_group=4, sex=2, items=(9, 44, 36))
    return record(team, lead, site, days_ago(2), age_group=2, sex=1, items=(10, 28, 44, 39)).report


# Opening a day ---------------------------------------------------------------------------------------


def test_a_day_without_patients_is_opened(lead, team, site):
    report = reports.open_day(team, actor=lead, site=site, date=days_ago(1))
    assert (report.status, report.consultations.count()) == (ReportStatus.OPEN, 0)
    # Opening it again answers the same report.
    assert reports.open_day(team, actor=lead, site=site, date=days_ago(1)).pk == report.pk
    version = reports.submit(report, actor=lead)
    assert (version.number, version.consultations) == (1, 0)


def test_a_day_in_the_future_or_elsewhere_is_refused(lead, team, site, host):
    from medmissions.sites.models import Site

    with pytest.raises(ValidationFailed) as raised:
        reports.open_day(team, actor=lead, site=site, date=days_ago(-3))
    assert set(raised.value.fields) == {"date"}
    elsewhere = Site.objects.create(name="Tororo clinic", kind="clinic", host_organization=host, country="UG")
    with pytest.raises(ValidationFailed) as raised:
        reports.open_day(team, actor=lead, site=elsewhere, date=days_ago(1))
    assert set(raised.value.fields) == {"site"}


def test_viewers_cannot_open_a_day(users, team, site):
    with pytest.raises(NotAllowed):
        reports.open_day(team, actor=users["viewer"], site=site, date=days_ago(1))


# Issues --------------------------------------------------------------------------------------------------


def test_issues_are_kept_with_their_comments(users, day):
    reports.set_issues(
        day,
        actor=users["member"],
        issues={
            "62": {"flagged": True, "comment": "  ORS ran out.  "},
            "57": {"flagged": False, "comment": "Rumours of cholera upstream, not confirmed."},
            "51": {"flagged": False, "comment": ""},
        },
    )
    day.refresh_from_db()
    assert day.issues == {
        "57": {"flagged": False, "comment": "Rumours of cholera upstream, not confirmed."},
        "62": {"flagged": True, "comment": "ORS ran out."},
    }


@pytest.mark.parametrize(
    ("issues", "field"),
    [
        ({"62": {"flagged": True, "comment": ""}}, "issue_62"),
        ({"12": {"flagged": True, "comment": "Not a daily issue."}}, "issue_12"),
        ({"55": {"flagged": True, "comment": "x" * 2001}}, "issue_55"),
    ],
)
def test_invalid_issues_are_refused(lead, day, issues, field):
    with pytest.raises(ValidationFailed) as raised:
        reports.set_issues(day, actor=lead, issues=issues)
    assert set(raised.value.fields) == {field}
    day.refresh_from_db()
    assert day.issues == {}


def test_viewers_cannot_set_issues(users, day):
    with pytest.raises(NotAllowed):
        reports.set_issues(day, actor=users["viewer"], issues={"62": {"flagged": True, "comment": "ORS."}})


# Submission ----------------------------------------------------------------------------------------------


def test_submitting_stores_a_version_and_locks_the_day(lead, team, site, day):
    reports.set_issues(day, actor=lead, issues={"62": {"flagged": True, "comment": "ORS ran out."}})
    version = reports.submit(day, actor=lead)
    day.refresh_from_db()
    assert day.status == ReportStatus.SUBMITTED
    assert day.current_version == version
    assert (version.number, version.consultations, version.submitted_by) == (1, 2, lead)
    assert version.cells["cells"]["28"] == {"u5": 1, "5p": 0}  # restricted, a count
    assert version.issues == {"62": {"flagged": True, "comment": "ORS ran out."}}
    assert version.item_labels["19"].startswith("Not used")
    assert AuditEntry.objects.filter(action="clinics.report.submitted", object_id=str(day.pk)).exists()

    # The day is locked: capture, batches, corrections and issues are refused with a conflict.
    with pytest.raises(Conflict) as raised:
        record(team, lead, site, days_ago(2))
    assert raised.value.code == "report_locked"
    with pytest.raises(Conflict):
        capture.record_batch(team, actor=lead, consultations=[consultation(site, days_ago(2))])
    first = day.consultations.first()
    with pytest.raises(Conflict):
        capture.update_consultation(first, actor=lead, data={"sex": 2})
    with pytest.raises(Conflict):
        capture.delete_consultation(first, actor=lead)
    with pytest.raises(Conflict):
        reports.set_issues(day, actor=lead, issues={})
    with pytest.raises(Conflict) as raised:
        reports.submit(day, actor=lead)
    assert raised.value.code == "already_submitted"
    assert day.consultations.count() == 2
    # Other days stay open.
    assert record(team, lead, site, days_ago(1)).report.status == ReportStatus.OPEN


def test_warnings_need_a_reason(lead, team, site):
    report = record(team, lead, site, days_ago(1), items=(9,)).report  # no relation to the event
    with pytest.raises(ValidationFailed) as raised:
        reports.submit(report, actor=lead)
    assert raised.value.code == "warnings_need_reason"
    assert set(raised.value.fields) == {"warnings_reason"}
    report.refresh_from_db()
    assert report.status == ReportStatus.OPEN and not report.versions.exists()
    with pytest.raises(ValidationFailed):
        reports.submit(report, actor=lead, warnings_reason="   ")
    version = reports.submit(report, actor=lead, warnings_reason="Walk-in vaccinations, not event related.")
    assert version.warnings == ["1 consultation has no relation to the event ticked, or more than one."]
    assert version.warnings_reason == "Walk-in vaccinations, not event related."


def test_informational_checks_need_no_reason(lead, team, site):
    report = record(team, lead, site, days_ago(1), items=(9, 44)).report  # no outcome: informational
    version = reports.submit(report, actor=lead)
    assert version.warnings == [] and version.warnings_reason == ""


@pytest.mark.parametrize("persona", ["member", "viewer", "host_member"])
def test_only_the_lead_and_coordinators_submit(users, day, persona):
    with pytest.raises(NotAllowed):
        reports.submit(day, actor=users[persona])


@pytest.mark.parametrize("persona", ["coordinator", "admin", "host_admin"])
def test_the_lead_and_the_parties_coordinators_submit(users, day, persona):
    assert reports.submit(day, actor=users[persona]).submitted_by == users[persona]


# Corrections ---------------------------------------------------------------------------------------------


def test_a_correction_needs_a_reason_and_becomes_version_2(lead, team, site, day):
    first = reports.submit(day, actor=lead)
    with pytest.raises(Conflict) as raised:
        reports.start_correction(record(team, lead, site, days_ago(1)).report, actor=lead)
    assert raised.value.code == "not_submitted"

    reports.start_correction(day, actor=lead)
    day.refresh_from_db()
    assert day.status == ReportStatus.CORRECTING
    assert day.current_version == first  # still official while being corrected
    with pytest.raises(Conflict):
        reports.start_correction(day, actor=lead)

    added = record(team, lead, site, days_ago(2), age_group=5, sex=2, items=(8, 44, 37))
    reports.set_issues(day, actor=lead, issues={"61": {"flagged": True, "comment": "The car broke down."}})
    with pytest.raises(ValidationFailed) as refused:
        reports.submit(day, actor=lead)
    assert refused.value.code == "correction_needs_reason"
    assert set(refused.value.fields) == {"correction_reason"}

    second = reports.submit(day, actor=lead, correction_reason="A paper form was found in the triage tent.")
    day.refresh_from_db()
    assert (second.number, second.consultations) == (2, 3)
    assert second.correction_reason == "A paper form was found in the triage tent."
    assert day.current_version == second and day.status == ReportStatus.SUBMITTED
    assert first.correction_reason == "" and day.versions.count() == 2
    found = {
        (difference.item, difference.bucket): (difference.before, difference.after)
        for difference in reports.differences(first, second)
    }
    assert found == {
        (0, "consultations"): (2, 3),
        (2, "65p"): (0, 1),
        (8, "5p"): (0, 1),
        (37, "total"): (0, 1),
        (44, "total"): (2, 3),
        (61, "flagged"): (None, True),
        (61, "comment"): (None, "The car broke down."),
    }
    assert added.report_id == day.pk
    entry = AuditEntry.objects.get(action="clinics.report.corrected", object_id=str(day.pk))
    assert entry.data["reason"] == "A paper form was found in the triage tent."
    assert entry.data["changes"] == 7


@pytest.mark.parametrize("persona", ["member", "viewer", "host_member"])
def test_only_the_lead_and_coordinators_start_corrections(users, lead, day, persona):
    reports.submit(day, actor=lead)
    with pytest.raises(NotAllowed):
        reports.start_correction(day, actor=users[persona])


# Restricted details --------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["coordinator", "host_admin"])
def test_the_lead_and_the_health_authority_see_restricted_details(users, day, persona):
    details = list(reports.restricted_details(day, users[persona]))
    assert [consultation.ticked() for consultation in details] == [[10, 28, 39, 44]]


@pytest.mark.parametrize("persona", ["admin", "member", "viewer", "host_member"])
def test_others_see_restricted_items_as_counts_only(users, day, persona):
    with pytest.raises(NotAllowed):
        reports.restricted_details(day, users[persona])
