"""Pages of the daily reports area: a team's reports (and opening a day), the Daily Report laid out
as the official form with its checks and the issues of items 51–65, submission and corrections,
each submitted version with its differences from the previous one, the restricted details of a
day, and the printable PDF.

Every change goes through clinics/reports.py; teams and reports load through clinics/access.py,
so what one may not see answers 404. Buttons only the team lead and the mission's coordinators
may use answer 403 to everyone else; a refusal by the rules (a locked report, a missing reason)
comes back on the form (400) or as a message on the report's page.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from medmissions.clinics import documents, mds, reports
from medmissions.clinics.access import TeamAccess, get_report_or_404, get_team_or_404
from medmissions.clinics.capture import CAPTURE_STATUSES
from medmissions.clinics.choices import AgeGroup, ReportStatus, SexCode
from medmissions.clinics.forms.reports import IssuesForm, OpenDayForm, SubmitForm
from medmissions.clinics.models import DailyReport, DailyReportVersion, Team
from medmissions.clinics.responses import item_labels, today_for
from medmissions.core.errors import DomainError, NotAllowed, apply_to_form, refuse_if_not_allowed
from medmissions.lib.typing import AuthenticatedHttpRequest

PAGE_SIZE = 30
BADGES = {
    ReportStatus.OPEN: "open",
    ReportStatus.SUBMITTED: "submitted",
    ReportStatus.CORRECTING: "warn",
}
MANAGE_MESSAGE = gettext_lazy(
    "Only the team lead and the mission's coordinators submit and correct daily reports."
)


def _report_url(report: DailyReport) -> str:
    return reverse("clinics:report", args=[report.pk])


def _require_manage(access: TeamAccess) -> None:
    if not access.can_manage:
        raise NotAllowed(MANAGE_MESSAGE)


# A team's reports --------------------------------------------------------------------------------


def _team_reports(
    request: AuthenticatedHttpRequest, team: Team, *, form: OpenDayForm | None = None, status: int = 200
) -> HttpResponse:
    access = TeamAccess.of(request.user, team)
    queryset = (
        team.daily_reports.select_related("site", "current_version")
        .annotate(consultation_count=Count("consultations"))
        .order_by("-date", "site__name", "pk")
    )
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    if access.can_capture and form is None:
        form = OpenDayForm(team=team, initial={"date": today_for(team)})
    return render(
        request,
        "clinics/reports/team.html",
        {
            "team": team,
            "page_obj": page,
            "rows": [(report, BADGES[ReportStatus(report.status)]) for report in page.object_list],
            "form": form if access.can_capture else None,
            "can_capture": access.can_capture,
        },
        status=status,
    )


@login_required
@require_GET
def team_reports(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _team_reports(request, get_team_or_404(request.user, pk))


@login_required
@require_POST
def report_open(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    team = get_team_or_404(request.user, pk)
    if not TeamAccess.of(request.user, team).can_capture:
        raise NotAllowed(_("Only the team and its organisations' members record consultations."))
    form = OpenDayForm(request.POST, team=team)
    if form.is_valid():
        site, date = form.cleaned_data["site"], form.cleaned_data["date"]
        existed = team.daily_reports.filter(site=site, date=date).exists()
        try:
            report = reports.open_day(team, actor=request.user, site=site, date=date)
        except DomainError as error:
            refuse_if_not_allowed(error)
            apply_to_form(form, error)
        else:
            values = {"site": site.name, "date": date.isoformat()}
            if existed:
                messages.info(
                    request, _("The daily report of %(site)s for %(date)s already exists.") % values
                )
            else:
                messages.success(request, _("The daily report of %(site)s for %(date)s is open.") % values)
            return redirect(_report_url(report))
    return _team_reports(request, team, form=form, status=400)


# The report -------------------------------------------------------------------------------------


def _report_page(
    request: AuthenticatedHttpRequest,
    report: DailyReport,
    *,
    issues_form: IssuesForm | None = None,
    status: int = 200,
) -> HttpResponse:
    access = TeamAccess.of(request.user, report.team)
    is_open = report.status in CAPTURE_STATUSES
    if is_open or report.current_version is None:
        sheet = documents.live_sheet(report)
    else:
        sheet = documents.version_sheet(report, report.current_version)
    editable = is_open and access.can_capture
    if editable and issues_form is None:
        issues_form = IssuesForm(initial=IssuesForm.initial_from(report.issues or {}), labels=sheet.labels)
    return render(
        request,
        "clinics/reports/detail.html",
        {
            "report": report,
            "team": report.team,
            "sheet": sheet,
            "badge": BADGES[ReportStatus(report.status)],
            "is_open": is_open,
            "issues_form": issues_form if editable else None,
            "can_capture": editable,
            "can_submit": is_open and access.can_manage,
            "can_correct": report.status == ReportStatus.SUBMITTED and access.can_manage,
            "can_see_restricted": access.can_see_restricted,
            "versions": list(report.versions.select_related("submitted_by").order_by("-number")),
        },
        status=status,
    )


@login_required
@require_GET
def report_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _report_page(request, get_report_or_404(request.user, pk))


@login_required
@require_POST
def report_issues(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    report = get_report_or_404(request.user, pk)
    if not TeamAccess.of(request.user, report.team).can_capture:
        raise NotAllowed(_("Only the team and its organisations' members record the day's issues."))
    if report.status not in CAPTURE_STATUSES:
        messages.error(
            request, _("The daily report is submitted and locked; start a correction to change it.")
        )
        return redirect(_report_url(report))
    form = IssuesForm(request.POST, labels=item_labels(report.team.response))
    if form.is_valid():
        try:
            reports.set_issues(report, actor=request.user, issues=form.service_data())
        except DomainError as error:
            refuse_if_not_allowed(error)
            if error.status == 409:
                messages.error(request, error.message)
                return redirect(_report_url(report))
            form.apply_error(error)
        else:
            messages.success(request, _("The day's issues are saved."))
            return redirect(_report_url(report) + "#issues")
    return _report_page(request, report, issues_form=form, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def report_submit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    report = get_report_or_404(request.user, pk)
    _require_manage(TeamAccess.of(request.user, report.team))
    if report.status not in CAPTURE_STATUSES:
        messages.info(request, _("This daily report is already submitted."))
        return redirect(_report_url(report))
    sheet = documents.live_sheet(report)
    correcting = report.status == ReportStatus.CORRECTING
    form = SubmitForm(
        request.POST if request.method == "POST" else None,
        warnings=bool(sheet.warnings),
        correcting=correcting,
    )
    if request.method == "POST" and form.is_valid():
        try:
            version = reports.submit(report, actor=request.user, **form.service_data())
        except DomainError as error:
            refuse_if_not_allowed(error)
            apply_to_form(form, error)
        else:
            messages.success(
                request,
                _("Version %(number)s of the daily report is submitted; the day is locked.")
                % {"number": version.number},
            )
            return redirect(_report_url(report))
    return render(
        request,
        "clinics/reports/submit.html",
        {
            "report": report,
            "team": report.team,
            "sheet": sheet,
            "form": form,
            "correcting": correcting,
            "official": report.current_version,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def report_correct(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    report = get_report_or_404(request.user, pk)
    _require_manage(TeamAccess.of(request.user, report.team))
    try:
        reports.start_correction(report, actor=request.user)
    except DomainError as error:
        refuse_if_not_allowed(error)
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _(
                "Correction started: the day is open again. The submitted version stays official until "
                "the correction is submitted with its reason."
            ),
        )
    return redirect(_report_url(report))


# Versions -----------------------------------------------------------------------------------------


def _version_or_404(report: DailyReport, number: int) -> DailyReportVersion:
    version = report.versions.select_related("submitted_by").filter(number=number).first()
    if version is None:
        raise Http404
    return version


def difference_rows(differences: list[reports.Difference], labels: dict[int, str]) -> list[dict[str, Any]]:
    """The differences of two versions in words: what changed, from what, to what."""
    rows = []
    for difference in differences:
        if difference.item == 0:
            what, where = _("Consultations"), ""
        else:
            what = f"{difference.item}. {labels.get(difference.item, '')}"
            if difference.bucket == "flagged":
                where = _("Flag")
            elif difference.bucket == "comment":
                where = _("Comment")
            else:
                where = str(mds.BUCKET_LABELS.get(difference.bucket, difference.bucket))
        rows.append(
            {
                "item": difference.item,
                "what": what,
                "where": where,
                "before": _value(difference.bucket, difference.before),
                "after": _value(difference.bucket, difference.after),
            }
        )
    return rows


def _value(bucket: str, value: Any) -> str:
    if bucket == "flagged":
        return _("yes") if value else _("no")
    if value is None:
        return "—"
    return str(value)


@login_required
@require_GET
def report_version(request: AuthenticatedHttpRequest, pk: int, number: int) -> HttpResponse:
    report = get_report_or_404(request.user, pk)
    version = _version_or_404(report, number)
    previous = report.versions.filter(number=number - 1).first() if number > 1 else None
    sheet = documents.version_sheet(report, version)
    differences = reports.differences(previous, version) if previous is not None else []
    return render(
        request,
        "clinics/reports/version.html",
        {
            "report": report,
            "team": report.team,
            "version": version,
            "previous": previous,
            "sheet": sheet,
            "differences": difference_rows(differences, sheet.labels),
            "is_official": report.current_version_id == version.pk,
            "can_see_restricted": TeamAccess.of(request.user, report.team).can_see_restricted,
        },
    )


# Restricted details --------------------------------------------------------------------------------


@login_required
@require_GET
def report_restricted(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    report = get_report_or_404(request.user, pk)
    consultations = reports.restricted_details(report, request.user)
    labels = item_labels(report.team.response)
    ages, sexes = dict(AgeGroup.choices), dict(SexCode.choices)
    rows = [
        {
            "consultation": consultation,
            "age_group": ages.get(consultation.age_group, consultation.age_group),
            "sex": sexes.get(consultation.sex, consultation.sex),
            "restricted": [
                (number, labels[number]) for number in consultation.ticked() if number in mds.RESTRICTED
            ],
            "other_items": [number for number in consultation.ticked() if number not in mds.RESTRICTED],
        }
        for consultation in consultations
    ]
    return render(
        request,
        "clinics/reports/restricted.html",
        {"report": report, "team": report.team, "rows": rows},
    )


# The printable report ------------------------------------------------------------------------------


@login_required
@require_GET
def report_pdf(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    report = get_report_or_404(request.user, pk)
    wanted = request.GET.get("version", "")
    version = None
    if wanted:
        if not wanted.isdigit():
            raise Http404
        version = _version_or_404(report, int(wanted))
    try:
        pdf = documents.daily_report_pdf(report, version)
    except DomainError as error:
        return render(
            request,
            "clinics/reports/document_unavailable.html",
            {"report": report, "team": report.team, "error": error},
            status=error.status,
        )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{documents.filename(report, version)}"'
    return response
