"""API of daily reports: list, open a day, read one with its live figures, checks, issues and
versions, set the issues of items 51–65, submit, start a correction, read a submitted version
with its differences from the previous one, and the restricted details of a day. ROUTES lists
(prefix, router, tags) for medmissions/api.py.

Endpoints call clinics/reports.py, as the pages do, and load teams and reports through
clinics/access.py: what one may not see answers 404, a role too low 403. Cells are
``{item: {bucket: count}}`` with the bucket keys of emt-mds.md §4; restricted items are counts,
except on ``/restricted``, which only the team lead and the health authority's coordinators read.
"""

import datetime
from typing import Any, Literal

from django.db.models import Count
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from medmissions.clinics import documents, mds, reports
from medmissions.clinics.access import TeamAccess, get_report_or_404, get_team_or_404
from medmissions.clinics.aggregation import Check, Figures, indicators
from medmissions.clinics.models import DailyReport, DailyReportVersion
from medmissions.clinics.responses import item_labels
from medmissions.core.errors import NotAllowed, ValidationFailed
from medmissions.lib.pagination import MappedQuerySet

router = Router()

Cells = dict[str, dict[str, int]]


# Schemas ----------------------------------------------------------------------------------------


class ReportListOut(Schema):
    id: int
    team: int
    team_name: str
    site: int
    site_name: str
    date: datetime.date = Field(..., description="Date of activity")
    status: str = Field(..., description="open, submitted or correcting")
    version: int | None = Field(..., description="Number of the official (last submitted) version")
    consultations: int = Field(..., description="Consultations recorded now")
    updated_at: datetime.datetime


class CheckOut(Schema):
    code: str
    severity: str = Field(..., description="error (blocks submission), warning (needs a reason) or info")
    message: str


class IndicatorsOut(Schema):
    consultations: int
    admissions: int
    admission_rate: float | None = Field(..., description="Fraction of consultations")
    referrals: int
    referral_rate: float | None
    deaths: int
    procedures: int
    protection_cases: int = Field(..., description="Items 47–50, counts only")
    under_five_share: float | None
    trauma: int
    infectious: int
    event_related_share: float | None


class IssueIO(Schema):
    flagged: bool = False
    comment: str = ""


class VersionSummaryOut(Schema):
    number: int
    consultations: int
    submitted_by: str | None
    submitted_at: datetime.datetime
    correction_reason: str


class ReportOut(ReportListOut):
    cells: Cells = Field(..., description="Live figures: item (1–50) → bucket → count")
    age_totals: dict[str, int] = Field(..., description="Consultations per age bucket")
    sex_total: int = Field(..., description="Sum of the sex and pregnancy codes (items 1–3)")
    checks: list[CheckOut]
    indicators: IndicatorsOut
    issues: dict[str, IssueIO] = Field(..., description="Items 51–65 flagged or commented")
    item_labels: dict[str, str] = Field(..., description="Labels of items 19–22 in this response")
    versions: list[VersionSummaryOut]


class ReportIn(Schema):
    team: int
    site: int = Field(..., description="Id of one of the team's sites")
    date: datetime.date = Field(..., description="Date of activity")


class ReportFilters(Schema):
    team: int | None = None
    site: int | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    status: Literal["open", "submitted", "correcting"] | None = None


class IssuesIn(Schema):
    issues: dict[str, IssueIO] = Field(
        ..., description='Item number (51–65) → {"flagged", "comment"}; items left out are cleared'
    )


class SubmitIn(Schema):
    warnings_reason: str = Field("", description="Required when the checks give warnings")
    correction_reason: str = Field("", description="Required when submitting a correction")


class DifferenceOut(Schema):
    item: int = Field(..., description="0 for the consultations")
    bucket: str = Field(..., description="A cell bucket, consultations, flagged or comment")
    before: Any
    after: Any


class VersionOut(Schema):
    number: int
    official: bool
    consultations: int
    cells: Cells
    checks: list[CheckOut]
    issues: dict[str, IssueIO]
    item_labels: dict[str, str] = Field(..., description="Labels the version was reported with")
    warnings: list[str]
    warnings_reason: str
    correction_reason: str
    submitted_by: str | None
    submitted_at: datetime.datetime
    previous: int | None = Field(..., description="Number of the version the differences are from")
    differences: list[DifferenceOut]


class RestrictedOut(Schema):
    id: int
    reference: str
    patient_reference: str = Field(..., description="Pseudonym for follow-up; never a name")
    age_group: int
    sex: int
    restricted_items: list[int]
    items: list[int] = Field(..., description="Every item ticked (4–50)")


# Helpers ----------------------------------------------------------------------------------------


def _queryset() -> Any:
    return DailyReport.objects.select_related("team", "site", "current_version").annotate(
        consultation_count=Count("consultations")
    )


def _list_out(report: DailyReport) -> dict[str, Any]:
    count = getattr(report, "consultation_count", None)
    return {
        "id": report.pk,
        "team": report.team_id,
        "team_name": report.team.name,
        "site": report.site_id,
        "site_name": report.site.name,
        "date": report.date,
        "status": report.status,
        "version": report.current_version.number if report.current_version else None,
        "consultations": count if count is not None else report.consultations.count(),
        "updated_at": report.updated_at,
    }


def _checks(found: list[Check]) -> list[dict[str, str]]:
    return [{"code": check.code, "severity": check.severity, "message": check.message} for check in found]


def _cells(figures: Figures) -> Cells:
    cells: Cells = figures.as_json()["cells"]
    return cells


def _report_out(report: DailyReport) -> dict[str, Any]:
    # Reloaded: a service may have changed it.
    report = _queryset().get(pk=report.pk)
    current = reports.preview(report)
    labels = item_labels(report.team.response)
    versions = report.versions.select_related("submitted_by").order_by("number")
    return {
        **_list_out(report),
        "cells": _cells(current.figures),
        "age_totals": current.figures.age_totals(),
        "sex_total": current.figures.sex_total(),
        "checks": _checks(current.checks),
        "indicators": vars(indicators(current.figures)),
        "issues": report.issues or {},
        "item_labels": {str(number): labels[number] for number in mds.CONTEXT_SLOTS},
        "versions": [
            {
                "number": version.number,
                "consultations": version.consultations,
                "submitted_by": version.submitted_by.full_name if version.submitted_by else None,
                "submitted_at": version.submitted_at,
                "correction_reason": version.correction_reason,
            }
            for version in versions
        ],
    }


def _version_out(report: DailyReport, version: DailyReportVersion) -> dict[str, Any]:
    previous = report.versions.filter(number=version.number - 1).first() if version.number > 1 else None
    sheet = documents.version_sheet(report, version)
    return {
        "number": version.number,
        "official": report.current_version_id == version.pk,
        "consultations": version.consultations,
        "cells": _cells(sheet.figures),
        "checks": _checks(sheet.checks),
        "issues": version.issues or {},
        "item_labels": {str(number): label for number, label in (version.item_labels or {}).items()},
        "warnings": list(version.warnings or []),
        "warnings_reason": version.warnings_reason,
        "correction_reason": version.correction_reason,
        "submitted_by": version.submitted_by.full_name if version.submitted_by else None,
        "submitted_at": version.submitted_at,
        "previous": previous.number if previous else None,
        "differences": [vars(difference) for difference in reports.differences(previous, version)]
        if previous
        else [],
    }


# Endpoints --------------------------------------------------------------------------------------


@router.get("", response=list[ReportListOut], summary="Daily reports of the teams you work with")
@paginate(PageNumberPagination, page_size=50)
def list_reports(request, filters: Query[ReportFilters]):
    queryset = _queryset().filter(pk__in=DailyReport.objects.visible_to(request.user).values("pk"))
    if filters.team is not None:
        queryset = queryset.filter(team_id=filters.team)
    if filters.site is not None:
        queryset = queryset.filter(site_id=filters.site)
    if filters.date_from is not None:
        queryset = queryset.filter(date__gte=filters.date_from)
    if filters.date_to is not None:
        queryset = queryset.filter(date__lte=filters.date_to)
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    return MappedQuerySet(queryset.order_by("-date", "team__name", "site__name", "pk"), _list_out)


@router.post(
    "",
    response={200: ReportOut, 201: ReportOut},
    summary="Open a site's report for a day (201), or answer the one already open (200); a day without patients is reported too",
)
def open_report(request, payload: ReportIn):
    team = get_team_or_404(request.user, payload.team)
    if not TeamAccess.of(request.user, team).can_capture:
        # Refused before the site is looked at, so a role too low is always a 403.
        raise NotAllowed(_("Only the team and its organisations' members record consultations."))
    site = team.sites.filter(pk=payload.site).first()
    if site is None:
        message = _("Choose one of the team's sites.")
        raise ValidationFailed(message, code="invalid_day", fields={"site": message})
    existed = DailyReport.objects.filter(team=team, site=site, date=payload.date).exists()
    report = reports.open_day(team, actor=request.user, site=site, date=payload.date)
    return Status(200 if existed else 201, _report_out(report))


@router.get(
    "/{report_id}",
    response=ReportOut,
    summary="One daily report: live figures, checks, indicators, issues and its submitted versions",
)
def get_report(request, report_id: int):
    return _report_out(get_report_or_404(request.user, report_id))


@router.put(
    "/{report_id}/issues",
    response=ReportOut,
    summary="Set the flags and comments of items 51–65 while the report is open or being corrected",
)
def set_issues(request, report_id: int, payload: IssuesIn):
    report = get_report_or_404(request.user, report_id)
    reports.set_issues(
        report, actor=request.user, issues={key: value.dict() for key, value in payload.issues.items()}
    )
    return _report_out(report)


@router.post(
    "/{report_id}/submit",
    response=ReportOut,
    summary="Submit the report as its next version and lock the day (team lead and mission coordinators)",
)
def submit_report(request, report_id: int, payload: SubmitIn):
    report = get_report_or_404(request.user, report_id)
    reports.submit(
        report,
        actor=request.user,
        warnings_reason=payload.warnings_reason,
        correction_reason=payload.correction_reason,
    )
    return _report_out(report)


@router.post(
    "/{report_id}/correct",
    response=ReportOut,
    summary="Re-open a submitted report for correction; its version stays official until the next is submitted",
)
def correct_report(request, report_id: int):
    report = get_report_or_404(request.user, report_id)
    reports.start_correction(report, actor=request.user)
    return _report_out(report)


@router.get(
    "/{report_id}/versions/{number}",
    response=VersionOut,
    summary="A submitted version as it was submitted, with the differences from the previous version",
)
def get_version(request, report_id: int, number: int):
    report = get_report_or_404(request.user, report_id)
    version = report.versions.select_related("submitted_by").filter(number=number).first()
    if version is None:
        raise Http404
    return _version_out(report, version)


@router.get(
    "/{report_id}/restricted",
    response=list[RestrictedOut],
    summary="The day's consultations with restricted items (team lead and the health authority's coordinators only)",
)
def restricted(request, report_id: int):
    report = get_report_or_404(request.user, report_id)
    return [
        {
            "id": consultation.pk,
            "reference": consultation.reference,
            "patient_reference": consultation.patient_reference,
            "age_group": consultation.age_group,
            "sex": consultation.sex,
            "restricted_items": [number for number in consultation.ticked() if number in mds.RESTRICTED],
            "items": consultation.ticked(),
        }
        for consultation in reports.restricted_details(report, request.user)
    ]


ROUTES = [("/clinics/reports", router, ["Clinics: daily reports"])]
