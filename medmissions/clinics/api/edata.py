"""API of the eDATA area: a daily report's and a team's eDATA file (text/csv, for those who see
restricted items in detail) and the import of an eDATA file into a team (a dry run by default;
``dry_run=false`` imports, all or nothing). ROUTES lists (prefix, router, tags) for medmissions/api.py.

Endpoints call clinics/edata.py, as the pages do, and load teams and reports through
clinics/access.py: what the caller may not see answers 404, a role too low 403. A file with any
invalid row answers 400 with every row's error and the summary, and nothing is written.
"""

import datetime
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from medmissions.clinics import edata
from medmissions.clinics.access import get_report_or_404, get_team_or_404
from medmissions.core.errors import ValidationFailed

router = Router()

CSV_RESPONSE = {"responses": {200: {"description": "eDATA CSV (UTF-8)", "content": {"text/csv": {}}}}}


# --- Schemas -----------------------------------------------------------------------------------


class RowProblemOut(Schema):
    row: int = Field(..., description="Row as a spreadsheet numbers it (the header is row 1)")
    column: str
    message: str


class DayOut(Schema):
    date: datetime.date
    site: int
    site_name: str
    consultations: int
    flags: list[int] = Field(..., description="Items 51–65 the file flags for this site and day")


class SummaryOut(Schema):
    file_name: str
    format: str = Field(..., description="WHO1.0, or JPN1.00 for a legacy file (renumbered on import)")
    file_sha256: str
    rows: int = Field(..., description="Data rows read (blank rows not counted)")
    consultations: int = Field(..., description="Rows without errors: what would be imported")
    days: int
    sites: list[str]
    warnings: int
    notes: list[str] = Field(..., description="About the whole file")
    ignored_columns: list[str]
    per_day: list[DayOut]


class AnalysisOut(Schema):
    summary: SummaryOut
    errors: list[RowProblemOut]
    warnings: list[RowProblemOut]
    token: str | None = Field(None, description="Send it back with dry_run=false to import this file")


class RejectedErrorOut(Schema):
    code: str
    message: str
    fields: dict[str, str] = Field(..., description="rows.<row>.<column> → message")
    rows: list[RowProblemOut]
    summary: SummaryOut


class RejectedOut(Schema):
    error: RejectedErrorOut


class ImportedOut(Schema):
    batch: int = Field(..., description="The import's id")
    format: str
    consultations: int
    days: int
    sites: int
    issues_flagged: int = Field(..., description="Items 51–65 newly flagged on the days' reports")


# --- Helpers -------------------------------------------------------------------------------------


def _problems(problems: list[edata.RowProblem]) -> list[dict[str, Any]]:
    return [
        {"row": problem.row, "column": problem.column, "message": problem.message} for problem in problems
    ]


def _summary(analysis: edata.Analysis) -> dict[str, Any]:
    return {
        "file_name": analysis.file_name,
        "format": analysis.file_format,
        "file_sha256": analysis.file_sha256,
        "rows": analysis.rows,
        "consultations": len(analysis.planned),
        "days": analysis.day_count,
        "sites": analysis.site_names,
        "warnings": analysis.warning_count,
        "notes": [str(note) for note in analysis.notes],
        "ignored_columns": analysis.ignored_columns,
        "per_day": [
            {
                "date": day.date,
                "site": day.site.pk,
                "site_name": day.site.name,
                "consultations": day.consultations,
                "flags": list(day.flags),
            }
            for day in analysis.days
        ],
    }


def _rejected(error: edata.ImportRejected) -> Status:
    return Status(
        400,
        {
            "error": {
                "code": error.code,
                "message": error.message,
                "fields": error.fields,
                "rows": _problems(error.analysis.errors),
                "summary": _summary(error.analysis),
            }
        },
    )


# --- Endpoints -----------------------------------------------------------------------------------


@router.get(
    "/reports/{report_id}",
    response={200: None},
    summary="A daily report's eDATA file, one row per consultation (team lead and health authority coordinators)",
    openapi_extra=CSV_RESPONSE,
)
def report_csv(request, report_id: int) -> HttpResponse:
    report = get_report_or_404(request.user, report_id)
    return edata.download(edata.report_export(report, user=request.user))


@router.get(
    "/teams/{team_id}",
    response={200: None},
    summary=(
        "A team's eDATA file over start..end (YYYY-MM-DD; default the last 30 days, at most 366) "
        "(team lead and health authority coordinators)"
    ),
    openapi_extra=CSV_RESPONSE,
)
def team_csv(request, team_id: int, start: str | None = None, end: str | None = None) -> HttpResponse:
    team = get_team_or_404(request.user, team_id)
    return edata.download(edata.team_export(team, user=request.user, start=start, end=end))


@router.post(
    "/teams/{team_id}/import",
    response={200: AnalysisOut, 201: ImportedOut, 400: RejectedOut},
    summary=(
        "Import an eDATA CSV file into a team: a dry run (200, or 400 with every row's error) or, "
        "with dry_run=false, the import, all or nothing (201) (team lead and coordinators)"
    ),
)
def import_file(
    request,
    team_id: int,
    file: File[UploadedFile | None] = None,
    dry_run: Form[bool] = True,
    token: Form[str | None] = None,
):
    team = get_team_or_404(request.user, team_id)
    if dry_run:
        if file is None:
            message = _("Send the eDATA file to check.")
            raise ValidationFailed(message, fields={"file": message})
        analysis = edata.dry_run(team, actor=request.user, upload=file)
        if analysis.errors:
            return _rejected(edata.ImportRejected(analysis))
        return {
            "summary": _summary(analysis),
            "errors": [],
            "warnings": _problems(analysis.warnings),
            "token": analysis.token,
        }
    if file is None and not token:
        message = _("Send the file, or the token of its dry run.")
        raise ValidationFailed(message, fields={"file": message})
    try:
        result = edata.commit_import(
            team, actor=request.user, upload=None if token else file, token=token or None
        )
    except edata.ImportRejected as error:
        return _rejected(error)
    return Status(
        201,
        {
            "batch": result.batch.pk,
            "format": result.batch.format_version,
            "consultations": result.consultations,
            "days": result.days,
            "sites": result.sites,
            "issues_flagged": result.issues_flagged,
        },
    )


ROUTES: list[tuple[str, Any, list[str]]] = [("/clinics/edata", router, ["Clinics: eDATA files"])]
