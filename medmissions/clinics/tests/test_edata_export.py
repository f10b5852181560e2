"""The eDATA export (clinics/edata.py): columns and their order, every kind of cell, the legacy
band, items 51–65, formula escaping, the period of a team's file and who may download it."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

import pytest

from medmissions.audit.models import AuditEntry
from medmissions.clinics import capture, edata, mds, reports
from medmissions.clinics.choices import ConsultationSource
from medmissions.clinics.models import Team
from medmissions.clinics.tests.conftest import consultation, days_ago, record, today
from medmissions.core.errors import NotAllowed, ValidationFailed
from medmissions.sites.models import Site


def read(export: edata.Export) -> list[dict[str, str]]:
    text = export.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def header_of(export: edata.Export) -> list[str]:
    return next(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))


def set_team(team: Team, **fields) -> None:
    """The team's header details, set directly: changing a team is tested with its service."""
    Team.objects.filter(pk=team.pk).update(**fields)


@pytest.fixture
def lead(users):
    return users["coordinator"]


def test_columns_follow_the_mds_layout(team, lead):
    export = edata.team_export(team, user=lead)
    columns = header_of(export)
    assert columns[:14] == list("abcdefghijklmn")
    assert columns[14:19] == ["ID", "MDSa", "Age", "M/Y", "MDS1-3"]
    assert columns[19:-2] == [f"MDS{number}" for number in range(4, 66)]
    assert columns[-2:] == ["ToolVer", "Ver"]
    assert export.rows == 0


def test_a_row_carries_the_header_the_codes_and_every_tick(team, lead, site):
    set_team(
        team,
        contact_phone="+256 700 000000",
        contact_email="clinic@example.org",
        working_hours="08:00-17:00",
        departs_on=datetime.date(2026, 12, 20),
    )
    Site.objects.filter(pk=site.pk).update(admin_level_1="Eastern", admin_level_2="Mbale district")
    made = record(team, lead, site, days_ago(1), age_group=1, sex=2, items=(9, 44, 36), age=7, age_unit="M")
    team.refresh_from_db()
    [line] = read(edata.team_export(team, user=lead))
    assert line["a"] == team.organization_name == "Bridge Health UK"
    assert line["b"] == team.name
    assert line["c"] == team.emt_type
    assert line["d"] == lead.full_name  # no contact person: the lead
    # A leading + could start a formula: even a phone number is protected (lib/csv.py).
    assert (line["e"], line["f"], line["i"]) == ("'+256 700 000000", "clinic@example.org", "08:00-17:00")
    assert line["g"] == "2026-12-20"
    assert line["h"] == days_ago(1).isoformat()
    assert (line["j"], line["k"], line["l"], line["m"]) == ("Eastern", "Mbale district", "Mbale", site.name)
    assert line["n"] == "1.08,34.175"
    assert line["ID"] == made.reference
    assert (line["MDSa"], line["Age"], line["M/Y"], line["MDS1-3"]) == ("1", "7", "M", "2")
    ticked = {number for number in range(4, 51) if line[f"MDS{number}"] == "1"}
    assert ticked == {9, 36, 44}
    assert all(line[f"MDS{number}"] == "0" for number in range(4, 66) if number not in ticked)
    assert line["ToolVer"].startswith("medmissions ")
    assert line["Ver"] == "WHO1.0"


def test_the_contact_person_is_preferred_to_the_lead(team, lead, site):
    set_team(team, contact_name="Dr Achieng Otieno")
    record(team, lead, site)
    team.refresh_from_db()
    assert read(edata.team_export(team, user=lead))[0]["d"] == "Dr Achieng Otieno"


def test_a_legacy_band_is_written_with_its_marker_and_no_who_code(team, lead, site):
    capture.record_batch(
        team,
        actor=lead,
        consultations=[consultation(site, age_group=0, sex=2, items=(9, 44), reference="JPN-1")],
        source=ConsultationSource.IMPORT,
        allow_unknown_band=True,
    )
    [line] = read(edata.team_export(team, user=lead))
    assert (line["MDSa"], line["Age"], line["M/Y"]) == ("", "", edata.UNKNOWN_BAND_MARKER)


def test_flagged_issues_are_1_on_every_row_of_the_day_and_comments_stay_out(team, lead, site):
    first = record(team, lead, site, days_ago(2))
    record(team, lead, site, days_ago(2))
    record(team, lead, site, days_ago(1))
    reports.set_issues(
        first.report,
        actor=lead,
        issues={
            "51": {"flagged": True, "comment": "A child died on arrival."},
            "62": {"flagged": True, "comment": "No more ORS."},
            "53": {"flagged": False, "comment": "Watch the camp at night."},
        },
    )
    lines = read(edata.team_export(team, user=lead))
    flagged_day = [line for line in lines if line["h"] == days_ago(2).isoformat()]
    other_day = [line for line in lines if line["h"] == days_ago(1).isoformat()]
    assert len(flagged_day) == 2 and len(other_day) == 1
    for line in flagged_day:
        assert {number for number in mds.ISSUE_ITEMS if line[f"MDS{number}"] == "1"} == {51, 62}
    assert all(other_day[0][f"MDS{number}"] == "0" for number in mds.ISSUE_ITEMS)
    text = edata.team_export(team, user=lead).content.decode("utf-8")
    assert "ORS" not in text and "night" not in text


def test_text_that_could_start_a_formula_is_escaped(team, lead, site):
    set_team(team, organization_name='=HYPERLINK("http://evil.example","Click")', working_hours="+24h")
    Site.objects.filter(pk=site.pk).update(name="@Mbale clinic", latitude=Decimal("-1.250000"))
    record(team, lead, site)
    team.refresh_from_db()
    [line] = read(edata.team_export(team, user=lead))
    assert line["a"] == '\'=HYPERLINK("http://evil.example","Click")'
    assert line["i"] == "'+24h"
    assert line["m"] == "'@Mbale clinic"
    # The geotag comes from the site's coordinates, not from typed text: a number stays a number.
    assert line["n"] == "-1.25,34.175"


def test_the_report_file_has_only_that_day_and_site(team, lead, site):
    kept = record(team, lead, site, days_ago(1))
    record(team, lead, site, days_ago(2))
    export = edata.report_export(kept.report, user=lead)
    assert [line["ID"] for line in read(export)] == [kept.reference]
    assert export.filename == f"edata-bridge-health-emt-mbale-outpatient-clinic-{days_ago(1).isoformat()}.csv"


def test_the_team_file_covers_the_period_asked(team, lead, site):
    record(team, lead, site, days_ago(40))
    inside = record(team, lead, site, days_ago(10))
    record(team, lead, site, today())
    export = edata.team_export(team, user=lead, start=days_ago(20).isoformat(), end=days_ago(5).isoformat())
    assert [line["ID"] for line in read(export)] == [inside.reference]
    assert export.filename.endswith(f"-{days_ago(20).isoformat()}-{days_ago(5).isoformat()}.csv")


def test_the_default_period_is_the_last_30_days(team, lead, site):
    # Today where the team works (Kampala), which may already be tomorrow in UTC.
    start, end = edata.clean_period(team)
    assert (end - start).days == 29
    record(team, lead, site, start - datetime.timedelta(days=1))
    recent = record(team, lead, site, start)
    assert [line["ID"] for line in read(edata.team_export(team, user=lead))] == [recent.reference]


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        ("21/11/2026", None, "start"),
        ("2026-02-30", None, "start"),
        ("2026-11-10", "2026-11-01", "end"),
        ("2025-01-01", "2026-01-02", "start"),
    ],
)
def test_a_bad_period_is_refused(team, lead, start, end, field):
    with pytest.raises(ValidationFailed) as error:
        edata.team_export(team, user=lead, start=start, end=end)
    assert field in error.value.fields


def test_366_days_is_the_longest_period(team):
    start, end = edata.clean_period(team, "2025-01-01", "2026-01-01")
    assert (end - start).days + 1 == 366


@pytest.mark.parametrize("persona", ["admin", "member", "viewer", "host_member"])
def test_only_those_who_see_restricted_items_download_the_file(team, users, site, persona):
    made = record(team, users["coordinator"], site)
    with pytest.raises(NotAllowed) as error:
        edata.report_export(made.report, user=users[persona])
    assert "restricted" in error.value.message
    with pytest.raises(NotAllowed):
        edata.team_export(team, user=users[persona])


def test_the_health_authority_downloads_it_and_the_download_is_audited(team, users, site):
    made = record(team, users["coordinator"], site, items=(9, 44, 49))
    export = edata.report_export(made.report, user=users["host_admin"])
    assert read(export)[0]["MDS49"] == "1"
    entry = AuditEntry.objects.filter(action="clinics.edata.exported").latest("pk")
    assert entry.actor_id == users["host_admin"].pk
    assert entry.data["rows"] == 1 and entry.data["report"] == made.report.pk
