"""The eDATA import (clinics/edata.py): the lossless round trip of our own export, legacy JPN1.00
files, row-by-row validation, the dry run, all-or-nothing commits, items 51–65, locked days and
the file checks."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.storage import default_storage

from medmissions.audit.models import AuditEntry
from medmissions.clinics import capture, edata, mds, reports, responses
from medmissions.clinics.choices import ConsultationSource
from medmissions.clinics.models import Consultation, DailyReport, ImportBatch
from medmissions.clinics.tests.conftest import consultation, days_ago, record
from medmissions.clinics.tests.edata_support import MINIMAL_COLUMNS, csv_text, row, upload
from medmissions.core.errors import NotAllowed, ValidationFailed
from medmissions.sites.models import Site

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def lead(users):
    return users["coordinator"]


@pytest.fixture
def health_post(host):
    return Site.objects.create(
        name="Namatala health post", kind="health_post", host_organization=host, country="UG", town="Namatala"
    )


@pytest.fixture
def second_team(users, response, site, health_post):
    """A team the health authority registered, at the same two sites (its data come as files)."""
    return responses.register_team(
        response,
        actor=users["host_admin"],
        data={"name": "Elgon Relief EMT", "organization_name": "Elgon Relief"},
        sites=[site, health_post],
    )


def problems(analysis: edata.Analysis) -> dict[tuple[int, str], str]:
    return {(error.row, error.column): error.message for error in analysis.errors}


def snapshot(team) -> dict[str, dict]:
    """Every field the eDATA row carries, per consultation reference."""
    return {
        item.reference: {
            "date": item.report.date,
            "site": item.report.site.name,
            "age_group": item.age_group,
            "age_value": item.age_value,
            "age_unit": item.age_unit,
            "sex": item.sex,
            "items": item.ticked(),
        }
        for item in Consultation.objects.filter(team=team).select_related("report__site")
    }


def flags(team) -> dict[tuple[str, datetime.date], set[int]]:
    return {
        (report.site.name, report.date): set(edata.flagged_items(report))
        for report in DailyReport.objects.filter(team=team).select_related("site")
    }


# --- Round trip ----------------------------------------------------------------------------------


def test_export_then_import_loses_nothing(team, second_team, users, lead, site, health_post):
    team.sites.add(health_post)
    first, second = days_ago(3), days_ago(1)
    made = [
        record(
            team, lead, site, first, age_group=1, sex=1, items=(*range(4, 19), 36, 44), age=7, age_unit="M"
        ),
        record(team, lead, site, first, age_group=2, sex=2, items=(*range(19, 33), 45), age=3, age_unit="Y"),
        record(team, lead, site, first, age_group=3, sex=3, items=(33, 34, 35, 37, 38, 46)),
        record(team, lead, site, first, age_group=4, sex=2, items=(39, 40, 41, 42, 43, 44)),
        record(
            team,
            lead,
            health_post,
            second,
            age_group=5,
            sex=1,
            items=(47, 48, 49, 50, 44),
            age=70,
            age_unit="Y",
        ),
        record(team, lead, health_post, second, age_group=4, sex=3, items=(33, 45)),
    ]
    # A legacy consultation in the band "5 and over, band unknown", as a JPN1.00 import leaves it.
    capture.record_batch(
        team,
        actor=lead,
        consultations=[consultation(site, first, age_group=0, sex=2, items=(9, 27, 44), reference="JPN-7")],
        source=ConsultationSource.IMPORT,
        allow_unknown_band=True,
    )
    reports.set_issues(
        made[0].report,
        actor=lead,
        issues={str(number): {"flagged": True, "comment": "Seen today."} for number in (51, 57, 62)},
    )
    reports.set_issues(made[4].report, actor=lead, issues={"65": {"flagged": True, "comment": "Fuel."}})
    covered = {number for item in Consultation.objects.filter(team=team) for number in item.ticked()}
    assert covered == set(mds.TICK_ITEMS)
    assert {item.sex for item in Consultation.objects.filter(team=team)} == {1, 2, 3}
    assert {item.age_group for item in Consultation.objects.filter(team=team)} == {0, 1, 2, 3, 4, 5}

    export = edata.team_export(team, user=lead, start=days_ago(5).isoformat())
    result = edata.commit_import(
        second_team, actor=users["host_admin"], upload=upload(export.content, export.filename)
    )

    assert result.consultations == 7 and result.days == 2 and result.sites == 2
    assert snapshot(second_team) == snapshot(team)
    assert (
        flags(second_team)
        == flags(team)
        == {
            (site.name, first): {51, 57, 62},
            (health_post.name, second): {65},
        }
    )
    imported = Consultation.objects.filter(team=second_team)
    assert {item.source for item in imported} == {ConsultationSource.IMPORT}
    assert {item.import_batch_id for item in imported} == {result.batch.pk}
    assert result.batch.format_version == edata.WHO_VERSION
    assert result.batch.original == export.content.decode("utf-8-sig")
    assert result.batch.rows == 7 and result.batch.imported_by == users["host_admin"]


def test_a_reimported_export_is_read_back_exactly_after_deleting_the_day(team, lead, site):
    made = record(team, lead, site, days_ago(2), age_group=5, sex=2, items=(8, 44, 37), age=80, age_unit="Y")
    before = snapshot(team)
    export = edata.report_export(made.report, user=lead)
    capture.delete_consultation(made, actor=lead, reason="Re-imported from the eDATA file.")
    edata.commit_import(team, actor=lead, upload=upload(export.content))
    assert snapshot(team) == before


def test_the_escaped_names_of_our_own_export_are_read_back(team, lead, site):
    Site.objects.filter(pk=site.pk).update(name="-Mbale night clinic")
    made = record(team, lead, site, days_ago(1))
    export = edata.report_export(made.report, user=lead)
    assert "'-Mbale night clinic" in export.content.decode("utf-8")
    capture.delete_consultation(made, actor=lead)
    analysis = edata.analyse(team, text=export.content.decode("utf-8-sig"), file_name="x.csv", file_sha256="")
    assert not analysis.errors
    assert analysis.planned[0].site.pk == site.pk


# --- Legacy JPN1.00 ---------------------------------------------------------------------------------

JPN_COLUMNS = [
    "ID",
    "h",
    "m",
    "MDSa",
    "Age",
    "M/Y",
    "MDS1-3",
    *[f"MDS{n}" for n in range(4, 47)],
    "ToolVer",
    "Ver",
]


def jpn_row(reference: str, band: str, sex: str, ticks: tuple[int, ...], site: Site, **cells) -> dict:
    values = {"ID": reference, "h": days_ago(1).isoformat(), "m": site.name, "MDSa": band, "MDS1-3": sex}
    values.update({f"MDS{number}": "1" for number in ticks})
    values.update(cells)
    return values


def test_a_jpn_file_is_renumbered_and_its_bands_mapped(team, lead, site):
    rows = [
        jpn_row("J1", "1", "1", (9, 19, 27, 28, 40), site),
        jpn_row("J2", "2", "2", (34, 35, 36, 41), site),
        jpn_row("J3", "3", "3", (29, 30, 31, 42, 43), site),
        jpn_row("J4", "4", "1", (37, 38, 39, 40, 44, 45, 46), site),
        jpn_row("J5", "3", "2", (21, 22, 23, 24, 25, 26, 32, 33, 40), site, Age="30", **{"M/Y": "Y"}),
        jpn_row("J6", "3", "1", (20, 40), site, Age="10", **{"M/Y": "Y"}),
    ]
    for values in rows:
        values["Ver"] = "JPN1.00"
    analysis = edata.dry_run(team, actor=lead, upload=upload(csv_text(rows, JPN_COLUMNS)))
    assert analysis.file_format == edata.LEGACY_VERSION and not analysis.errors
    assert any("JPN1.00" in note for note in analysis.notes)
    result = edata.commit_import(team, actor=lead, token=analysis.token)
    assert result.batch.format_version == "JPN1.00"
    got = {item.reference: item for item in Consultation.objects.filter(team=team)}
    assert got["J1"].ticked() == [9, 23, 31, 32, 44]  # 19 → 23, 27 → 32, 28 → 31, 40 → 44
    assert got["J2"].ticked() == [38, 39, 40, 45]  # 34 → 40, 35 → 39, 36 → 38
    assert got["J3"].ticked() == [33, 34, 35, 46, 47]
    assert got["J4"].ticked() == [41, 42, 43, 44, 48, 49, 50]
    assert got["J5"].ticked() == [25, 26, 27, 28, 29, 30, 36, 37, 44]
    assert got["J6"].ticked() == [24, 44]
    # No JPN1.00 item lands on the context-specific slots.
    assert not any(set(item.ticked()) & set(mds.CONTEXT_SLOTS) for item in got.values())
    bands = {reference: item.age_group for reference, item in got.items()}
    assert bands == {"J1": 1, "J2": 2, "J3": 0, "J4": 5, "J5": 4, "J6": 3}
    assert (got["J5"].age_value, got["J5"].age_unit) == (30, "Y")


def test_a_jpn_file_is_recognised_by_its_46_items_without_a_version(team, lead, site):
    columns = [column for column in JPN_COLUMNS if column not in ("ToolVer", "Ver")]
    analysis = edata.dry_run(
        team, actor=lead, upload=upload(csv_text([jpn_row("J1", "3", "2", (19, 40), site)], columns))
    )
    assert analysis.file_format == edata.LEGACY_VERSION and not analysis.errors
    assert analysis.planned[0].data["items"] == [23, 44]
    assert analysis.planned[0].data["age_group"] == 0


def test_a_jpn_file_names_its_own_age_bands(team, lead, site):
    rows = [
        jpn_row("J1", "5", "1", (40,), site, Ver="JPN1.00"),
        jpn_row("J2", "3", "1", (40,), site, Ver="JPN1.00", Age="2", **{"M/Y": "Y"}),
    ]
    analysis = edata.dry_run(team, actor=lead, upload=upload(csv_text(rows, JPN_COLUMNS)))
    found = problems(analysis)
    assert "JPN1.00 age band" in found[(2, "MDSa")]
    assert "band 3" in found[(3, "Age")]


def test_a_file_mixing_versions_is_refused(team, lead, site):
    rows = [
        jpn_row("J1", "1", "1", (40,), site, Ver="JPN1.00"),
        jpn_row("J2", "1", "1", (40,), site, Ver="WHO1.0"),
    ]
    with pytest.raises(ValidationFailed) as error:
        edata.dry_run(team, actor=lead, upload=upload(csv_text(rows, JPN_COLUMNS)))
    assert error.value.code == "mixed_versions"


# --- Row validation ------------------------------------------------------------------------------


def test_every_row_error_is_listed_with_its_row_and_column(team, lead, site):
    taken = record(team, lead, site, days_ago(3), reference="USED-1")
    columns = ["ID", "h", "m", "MDSa", "Age", "M/Y", "MDS1-3", "MDS9", "MDS33", "MDS44"]
    rows = [
        row("R2", days_ago(1), site.name, **{"MDS1-3": "4"}),  # bad sex code
        row("R3", days_ago(1), site.name, MDSa=""),  # no age at all
        row("R4", days_ago(1), site.name, MDSa="2", **{"MDS1-3": "3"}),  # pregnant under 5
        row("R2", days_ago(1), site.name),  # duplicate in the file
        row(taken.reference, days_ago(1), site.name),  # duplicate of the team's
        row("R7", days_ago(1), "Nowhere clinic"),  # unknown facility
        row("R8", days_ago(1), site.name, h="21/11/2026"),  # bad date
        row("R9", days_ago(1), site.name, MDS9="x"),  # not a tick
        row("R10", days_ago(1), site.name, MDSa="1", MDS33="1"),  # a delivery under 5
        row("", days_ago(1), site.name),  # no ID
        row("R12", days_ago(1), site.name, MDSa="", Age="14", **{"M/Y": "M"}),  # valid: 14 months
    ]
    analysis = edata.dry_run(team, actor=lead, upload=upload(csv_text(rows, columns)))
    found = problems(analysis)
    assert "items 1–3" in found[(2, "MDS1-3")]
    assert "age group" in found[(3, "MDSa")]
    assert "Pregnancy" in found[(4, "MDS1-3")]
    assert "duplicate" in found[(5, "ID")] and "row 2" in found[(5, "ID")]
    assert "duplicate" in found[(6, "ID")] and "already used" in found[(6, "ID")]
    assert "Nowhere clinic" in found[(7, "m")] and site.name in found[(7, "m")]
    assert "YYYY-MM-DD" in found[(8, "h")]
    assert "Write 1" in found[(9, "MDS9")]
    assert "33–35" in found[(10, "MDS33")]
    assert "ID" in found[(11, "ID")]
    assert {error.row for error in analysis.errors} == set(range(2, 12))
    assert [plan.reference for plan in analysis.planned] == ["R12"]
    assert analysis.planned[0].data["age_group"] is None  # derived at capture from 14 months
    assert analysis.token is None


def test_future_and_old_dates_are_refused(team, lead, site):
    rows = [row("F1", days_ago(-3), site.name), row("F2", days_ago(400), site.name)]
    found = problems(edata.dry_run(team, actor=lead, upload=upload(csv_text(rows))))
    assert "future" in found[(2, "h")]
    assert "year" in found[(3, "h")]


def test_a_row_with_more_cells_than_columns_is_refused(team, lead, site):
    text = (
        csv_text([row("A1", days_ago(1), site.name)])
        + f"A2,{days_ago(1).isoformat()},{site.name},4,,,1,1,1,WHO1.0,1.08,34.1\r\n"
    )
    found = problems(edata.dry_run(team, actor=lead, upload=upload(text)))
    assert "separator" in found[(3, "Ver")]


def test_capture_warnings_are_shown_by_row(team, lead, site):
    text = csv_text([row("W1", days_ago(1), site.name, MDS44="")])
    analysis = edata.dry_run(team, actor=lead, upload=upload(text))
    assert not analysis.errors
    assert [(warning.row, warning.column) for warning in analysis.warnings] == [(2, "MDS44–46")]
    assert analysis.warning_count == 1


def test_missing_optional_columns_are_accepted(team, lead, site):
    text = csv_text(
        [{"ID": "M1", "h": days_ago(1).isoformat(), "MDSa": "3", "MDS1-3": "2"}],
        ["ID", "h", "MDSa", "MDS1-3"],
    )
    analysis = edata.dry_run(team, actor=lead, upload=upload(text))
    assert not analysis.errors
    assert analysis.planned[0].site == site  # a single-site team may leave the facility out
    edata.commit_import(team, actor=lead, token=analysis.token)
    assert Consultation.objects.get(team=team, reference="M1").ticked() == []


def test_separate_sex_columns_and_unknown_columns(team, lead, site):
    columns = ["ID", "h", "MDSa", "MDS1", "MDS2", "MDS3", "Comments"]
    rows = [
        {"ID": "S1", "h": days_ago(1).isoformat(), "MDSa": "4", "MDS2": "1", "Comments": "fine"},
        {"ID": "S2", "h": days_ago(1).isoformat(), "MDSa": "4", "MDS1": "1", "MDS2": "1"},
    ]
    analysis = edata.dry_run(team, actor=lead, upload=upload(csv_text(rows, columns)))
    assert analysis.planned[0].data["sex"] == 2
    assert "exactly one" in problems(analysis)[(3, "MDS1")]
    assert analysis.ignored_columns == ["Comments"]


def test_a_file_without_the_required_columns_is_refused(team, lead):
    with pytest.raises(ValidationFailed) as error:
        edata.dry_run(team, actor=lead, upload=upload("ID,m,MDS9\r\nA1,x,1\r\n"))
    assert error.value.code == "missing_columns"
    assert "h" in error.value.message and "MDSa" in error.value.message and "MDS1-3" in error.value.message


def test_a_multi_site_team_must_name_the_facility(team, lead, site, health_post):
    team.sites.add(health_post)
    text = csv_text([row("A1", days_ago(1), "")])
    message = problems(edata.dry_run(team, actor=lead, upload=upload(text)))[(2, "m")]
    assert site.name in message and health_post.name in message


def test_facility_names_ignore_case_and_spaces(team, lead, site):
    text = csv_text([row("A1", days_ago(1), "  MBALE   outpatient CLINIC ")])
    analysis = edata.dry_run(team, actor=lead, upload=upload(text))
    assert not analysis.errors and analysis.planned[0].site == site


# --- Dry run and commit -------------------------------------------------------------------------


def counts() -> tuple[int, ...]:
    return tuple(model.objects.count() for model in (Consultation, DailyReport, ImportBatch, AuditEntry))


def test_a_dry_run_writes_nothing(team, lead, site):
    before = counts()
    rows = [row("D1", days_ago(2), site.name), row("D2", days_ago(1), site.name, MDS51="1")]
    analysis = edata.dry_run(team, actor=lead, upload=upload(csv_text(rows, [*MINIMAL_COLUMNS, "MDS51"])))
    assert analysis.is_committable and analysis.token
    assert (analysis.rows, analysis.day_count, analysis.site_names) == (2, 2, [site.name])
    assert [day.flags for day in analysis.days] == [(), (51,)]
    assert counts() == before
    # Only the file is kept, outside the database, for the commit.
    assert default_storage.exists(edata.read_token(analysis.token).path)


def test_a_file_with_one_bad_row_writes_nothing(team, lead, site):
    rows = [row(f"B{number}", days_ago(1), site.name) for number in range(1, 6)]
    rows[3]["MDS1-3"] = ""
    with pytest.raises(edata.ImportRejected) as error:
        edata.commit_import(team, actor=lead, upload=upload(csv_text(rows)))
    assert error.value.fields == {
        "rows.5.MDS1-3": "Choose exactly one of male, female, or female and pregnant (items 1–3)."
    }
    assert (
        not Consultation.objects.exists()
        and not ImportBatch.objects.exists()
        and not DailyReport.objects.exists()
    )


def test_a_commit_goes_through_capture_in_chunks(team, lead, site, monkeypatch):
    monkeypatch.setattr(capture, "MAX_BATCH", 2)
    calls = []
    original = capture.record_batch

    def spy(*args, **kwargs):
        calls.append(len(kwargs["consultations"]))
        assert kwargs["allow_unknown_band"] is True and kwargs["source"] == ConsultationSource.IMPORT
        return original(*args, **kwargs)

    monkeypatch.setattr(capture, "record_batch", spy)
    text = csv_text([row(f"C{number}", days_ago(1), site.name) for number in range(5)])
    result = edata.commit_import(team, actor=lead, upload=upload(text, "clinic-day.csv"))
    assert calls == [2, 2, 1]
    assert result.consultations == 5 and Consultation.objects.filter(import_batch=result.batch).count() == 5
    entry = AuditEntry.objects.get(action="clinics.edata.imported")
    assert entry.data["consultations"] == 5 and entry.data["file_name"] == "clinic-day.csv"


def test_a_late_failure_rolls_back_the_earlier_chunks(team, lead, site, monkeypatch):
    monkeypatch.setattr(capture, "MAX_BATCH", 2)
    text = csv_text([row(f"C{number}", days_ago(1), site.name) for number in range(5)])
    original = capture.record_batch

    def taken_meanwhile(*args, **kwargs):
        if kwargs["consultations"][0]["reference"] == "C4":
            raise ValidationFailed("Nothing was recorded.", fields={"0.reference": "A duplicate."})
        return original(*args, **kwargs)

    monkeypatch.setattr(capture, "record_batch", taken_meanwhile)
    with pytest.raises(edata.ImportRejected) as error:
        edata.commit_import(team, actor=lead, upload=upload(text))
    assert error.value.analysis.errors == [edata.RowProblem(6, "reference", "A duplicate.")]
    assert not Consultation.objects.exists() and not ImportBatch.objects.exists()


def test_the_token_imports_once(team, lead, site, django_capture_on_commit_callbacks):
    token = edata.dry_run(
        team, actor=lead, upload=upload(csv_text([row("T1", days_ago(1), site.name)]))
    ).token
    assert token
    with django_capture_on_commit_callbacks(execute=True):
        edata.commit_import(team, actor=lead, token=token)
    assert not default_storage.exists(edata.read_token(token).path)
    with pytest.raises(ValidationFailed) as error:
        edata.commit_import(team, actor=lead, token=token)
    assert error.value.code == "import_token_invalid"
    assert Consultation.objects.filter(team=team).count() == 1


def test_a_token_is_for_its_own_team(team, second_team, users, site):
    token = edata.dry_run(
        team, actor=users["coordinator"], upload=upload(csv_text([row("T1", days_ago(1), site.name)]))
    ).token
    assert token
    with pytest.raises(ValidationFailed) as error:
        edata.commit_import(second_team, actor=users["host_admin"], token=token)
    assert "another team" in error.value.message
    with pytest.raises(ValidationFailed):
        edata.commit_import(team, actor=users["coordinator"], token=token + "x")


@pytest.mark.parametrize("persona", ["member", "viewer", "host_member"])
def test_only_those_who_manage_the_team_import(team, users, site, persona):
    text = csv_text([row("P1", days_ago(1), site.name)])
    with pytest.raises(NotAllowed):
        edata.dry_run(team, actor=users[persona], upload=upload(text))
    with pytest.raises(NotAllowed):
        edata.commit_import(team, actor=users[persona], upload=upload(text))


# --- Items 51–65 and locked days -------------------------------------------------------------------


def test_flags_are_added_only_where_the_report_has_none(team, lead, site):
    made = record(team, lead, site, days_ago(1))
    reports.set_issues(
        made.report,
        actor=lead,
        issues={
            "51": {"flagged": True, "comment": "Reported by phone."},
            "56": {"flagged": False, "comment": "Latrines full."},
        },
    )
    columns = ["ID", "h", "m", "MDSa", "MDS1-3", "MDS9", "MDS44", "MDS51", "MDS52", "MDS56"]
    rows = [
        row("I1", days_ago(1), site.name, MDS51="1", MDS52="1"),
        row("I2", days_ago(1), site.name, MDS56="1"),
    ]
    result = edata.commit_import(team, actor=lead, upload=upload(csv_text(rows, columns), "day-3.csv"))
    made.report.refresh_from_db()
    assert made.report.issues == {
        "51": {"flagged": True, "comment": "Reported by phone."},
        "52": {"flagged": True, "comment": "Flagged in imported file day-3.csv"},
        "56": {"flagged": True, "comment": "Latrines full."},
    }
    assert result.issues_flagged == 2


def test_a_submitted_day_is_refused_until_it_is_corrected(team, lead, site):
    made = record(team, lead, site, days_ago(1))
    reports.submit(made.report, actor=lead)
    text = csv_text([row("L1", days_ago(1), site.name), row("L2", days_ago(2), site.name)])
    found = problems(edata.dry_run(team, actor=lead, upload=upload(text)))
    assert list(found) == [(2, "h")]
    assert "start a correction" in found[(2, "h")].lower()
    reports.start_correction(made.report, actor=lead)
    result = edata.commit_import(team, actor=lead, upload=upload(text))
    assert result.consultations == 2


# --- The file ------------------------------------------------------------------------------------


def test_semicolons_and_a_byte_order_mark_are_read(team, lead, site):
    text = "\ufeff" + csv_text(
        [row("E1", days_ago(1), site.name, m="Mbale outpatient clinic")], delimiter=";"
    )
    analysis = edata.dry_run(team, actor=lead, upload=upload(text))
    assert analysis.delimiter == ";" and not analysis.errors and len(analysis.planned) == 1


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (PDF_BYTES, "file_type_not_allowed"),
        ("ID,h\r\n".encode("utf-16"), "file_type_not_allowed"),
        ("ID,h,m\r\n1,2026-11-01,Mbalé\r\n".encode("latin-1"), "file_type_not_allowed"),
        (b"", "empty_file"),
        (b"\r\n\r\n", "empty_file"),
    ],
)
def test_files_that_are_not_utf8_csv_are_refused(team, lead, content, code):
    with pytest.raises(ValidationFailed) as error:
        edata.dry_run(team, actor=lead, upload=upload(content))
    assert error.value.code == code
    assert "file" in error.value.fields


def test_a_file_over_the_size_limit_is_refused(team, lead, site, settings):
    settings.MAX_IMPORT_UPLOAD_BYTES = 200
    text = csv_text([row(f"Z{number}", days_ago(1), site.name) for number in range(10)])
    assert len(text) > 200
    with pytest.raises(ValidationFailed) as error:
        edata.dry_run(team, actor=lead, upload=upload(text))
    assert error.value.code == "file_too_large"


def test_a_file_over_the_row_limit_is_refused(team, lead, site, settings):
    settings.MAX_EDATA_IMPORT_ROWS = 3
    text = csv_text([row(f"Z{number}", days_ago(1), site.name) for number in range(4)])
    with pytest.raises(ValidationFailed) as error:
        edata.dry_run(team, actor=lead, upload=upload(text))
    assert error.value.code == "too_many_rows"
