"""Daily reports: the flags and comments of items 51–65, the checks shown before submission,
submission (an immutable version), corrections (the next version, with a reason and the
differences shown) and what each reader may see of them.

Who may do what (``access.TeamAccess``): those who capture flag items 51–65 while the report is
open; the team lead and the mission's coordinators submit and start corrections. Submitting
refuses a report with warnings unless a reason is given (emt-mds.md §8: warnings are shown and
the report can be submitted with a reason), and a correction without its reason.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from medmissions.accounts.models import User
from medmissions.audit.services import log_action
from medmissions.clinics import mds
from medmissions.clinics.access import TeamAccess, audit_organization
from medmissions.clinics.aggregation import Check, Figures, checks, daily_figures
from medmissions.clinics.capture import CAPTURE_STATUSES
from medmissions.clinics.choices import ReportStatus
from medmissions.clinics.models import DailyReport, DailyReportVersion, Team
from medmissions.clinics.responses import item_labels
from medmissions.core.errors import Conflict, NotAllowed, ValidationFailed
from medmissions.sites.models import Site

COMMENT_LENGTH = 2000
REASON_LENGTH = 2000


def _lock(report: DailyReport) -> DailyReport:
    return (
        DailyReport.objects.select_for_update(of=("self",)).select_related("team", "site").get(pk=report.pk)
    )


def _require_manage(report: DailyReport, actor: User) -> None:
    if not TeamAccess.of(actor, report.team).can_manage:
        raise NotAllowed(
            _("Only the team lead and the mission's coordinators submit and correct daily reports.")
        )


def clean_issues(data: dict[Any, Any]) -> dict[str, dict[str, Any]]:
    """``{number: {"flagged": bool, "comment": str}}`` for items 51–65; a flagged item needs a
    comment (the coordination cell must know what to act on)."""
    cleaned: dict[str, dict[str, Any]] = {}
    errors: dict[str, str] = {}
    for raw_number, value in data.items():
        try:
            number = int(raw_number)
        except (TypeError, ValueError):
            number = 0
        if number not in mds.ISSUE_ITEMS:
            errors[f"issue_{raw_number}"] = _("Only items 51–65 are flagged per day.")
            continue
        value = value or {}
        flagged = bool(value.get("flagged"))
        comment = str(value.get("comment") or "").strip()
        if len(comment) > COMMENT_LENGTH:
            errors[f"issue_{number}"] = _("At most %(count)s characters.") % {"count": COMMENT_LENGTH}
        elif flagged and not comment:
            errors[f"issue_{number}"] = _("Say what happened: a flagged item needs a comment.")
        elif flagged or comment:
            cleaned[str(number)] = {"flagged": flagged, "comment": comment}
    if errors:
        raise ValidationFailed(
            _("The issues were not saved: %(problem)s") % {"problem": next(iter(errors.values()))},
            code="invalid_issues",
            fields=errors,
        )
    return dict(sorted(cleaned.items(), key=lambda pair: int(pair[0])))


@transaction.atomic
def open_day(team: Team, *, actor: User, site: Site, date: datetime.date) -> DailyReport:
    """The daily report of a site and day, opened (empty) if the team has none yet: a day without
    patients is reported too."""
    from medmissions.clinics.capture import clean_day, open_report

    if not TeamAccess.of(actor, team).can_capture:
        raise NotAllowed(_("Only the team and its organisations' members record consultations."))
    _site, _date, errors = clean_day(team, {"site": site, "date": date})
    if errors:
        raise ValidationFailed(next(iter(errors.values())), code="invalid_day", fields=errors)
    existed = DailyReport.objects.filter(team=team, site=site, date=date).exists()
    report = open_report(team, site, date)
    if not existed:
        log_action(
            "clinics.report.opened",
            actor=actor,
            organization=audit_organization(team),
            obj=report,
            data={"team": team.pk, "site": site.pk, "date": date},
        )
    return report


@transaction.atomic
def set_issues(report: DailyReport, *, actor: User, issues: dict[Any, Any]) -> DailyReport:
    if not TeamAccess.of(actor, report.team).can_capture:
        raise NotAllowed(_("Only the team and its organisations' members record the day's issues."))
    report = _lock(report)
    if report.status not in CAPTURE_STATUSES:
        raise Conflict(
            _("The daily report is submitted and locked; start a correction to change it."),
            code="report_locked",
        )
    cleaned = clean_issues(issues)
    before = report.issues
    report.issues = cleaned
    report.save(update_fields=["issues", "updated_at"])
    log_action(
        "clinics.report.issues_set",
        actor=actor,
        organization=audit_organization(report.team),
        obj=report,
        before={"issues": before},
        after={"issues": cleaned},
    )
    return report


@dataclass
class Preview:
    """What the submitter sees: the live figures, the checks and the issues."""

    figures: Figures
    checks: list[Check]

    @property
    def warnings(self) -> list[Check]:
        return [check for check in self.checks if check.severity == "warning"]

    @property
    def errors(self) -> list[Check]:
        return [check for check in self.checks if check.severity == "error"]


def preview(report: DailyReport) -> Preview:
    figures = daily_figures(report)
    return Preview(figures=figures, checks=checks(figures))


@transaction.atomic
def submit(
    report: DailyReport, *, actor: User, warnings_reason: str = "", correction_reason: str = ""
) -> DailyReportVersion:
    """Submit the report as its next version, locking it."""
    _require_manage(report, actor)
    report = _lock(report)
    if report.status not in CAPTURE_STATUSES:
        raise Conflict(_("This daily report is already submitted."), code="already_submitted")
    warnings_reason = warnings_reason.strip()[:REASON_LENGTH]
    correction_reason = correction_reason.strip()[:REASON_LENGTH]
    current = preview(report)
    if current.errors:
        raise ValidationFailed(current.errors[0].message, code="report_errors")
    if current.warnings and not warnings_reason:
        message = _("Explain why the report can be submitted with its warnings: %(warning)s") % {
            "warning": current.warnings[0].message
        }
        raise ValidationFailed(message, code="warnings_need_reason", fields={"warnings_reason": message})
    if report.status == ReportStatus.CORRECTING and not correction_reason:
        message = _(
            "Say why the report is corrected: the coordination cell sees the reason with the changes."
        )
        raise ValidationFailed(message, code="correction_needs_reason", fields={"correction_reason": message})
    number = (report.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    labels = item_labels(report.team.response)
    # The labels this report is read with: the context slots, and any item the response renamed.
    relabelled = {number for number in range(4, 51) if labels[number] != str(mds.ITEMS[number].label)}
    version = DailyReportVersion.objects.create(
        report=report,
        number=number,
        consultations=current.figures.consultations,
        cells=current.figures.as_json(),
        issues=report.issues,
        item_labels={str(number): labels[number] for number in sorted(set(mds.CONTEXT_SLOTS) | relabelled)},
        warnings=[check.message for check in current.warnings],
        warnings_reason=warnings_reason if current.warnings else "",
        correction_reason=correction_reason if number > 1 else "",
        submitted_by=actor,
        submitted_at=timezone.now(),
    )
    previous = report.current_version
    report.current_version = version
    report.status = ReportStatus.SUBMITTED
    report.save(update_fields=["current_version", "status", "updated_at"])
    data: dict[str, Any] = {"version": number, "consultations": version.consultations}
    if previous is not None:
        data["changes"] = len(differences(previous, version))
        data["reason"] = correction_reason
    log_action(
        "clinics.report.submitted" if previous is None else "clinics.report.corrected",
        actor=actor,
        organization=audit_organization(report.team),
        obj=report,
        data=data,
    )
    return version


@transaction.atomic
def start_correction(report: DailyReport, *, actor: User) -> DailyReport:
    """Re-open a submitted report so its consultations and issues can be corrected; the submitted
    version stays the official one until the correction is submitted."""
    _require_manage(report, actor)
    report = _lock(report)
    if report.status != ReportStatus.SUBMITTED:
        raise Conflict(
            _("Only a submitted report can be corrected; this one is still open."), code="not_submitted"
        )
    report.status = ReportStatus.CORRECTING
    report.save(update_fields=["status", "updated_at"])
    log_action(
        "clinics.report.correction_started",
        actor=actor,
        organization=audit_organization(report.team),
        obj=report,
        data={"version": report.current_version.number if report.current_version else None},
    )
    return report


@dataclass(frozen=True)
class Difference:
    """One cell or issue that changed between two versions."""

    item: int
    bucket: str  # a cell bucket, "flagged" or "comment"
    before: Any
    after: Any


def differences(older: DailyReportVersion, newer: DailyReportVersion) -> list[Difference]:
    found = []
    if older.consultations != newer.consultations:
        found.append(Difference(0, "consultations", older.consultations, newer.consultations))
    old_cells = older.cells.get("cells", {})
    new_cells = newer.cells.get("cells", {})
    for number in range(1, 51):
        old = old_cells.get(str(number), {})
        new = new_cells.get(str(number), {})
        for bucket in mds.buckets_for(number):
            if old.get(bucket, 0) != new.get(bucket, 0):
                found.append(Difference(number, bucket, old.get(bucket, 0), new.get(bucket, 0)))
    for number in mds.ISSUE_ITEMS:
        old = older.issues.get(str(number), {})
        new = newer.issues.get(str(number), {})
        for key in ("flagged", "comment"):
            if old.get(key, False if key == "flagged" else "") != new.get(
                key, False if key == "flagged" else ""
            ):
                found.append(Difference(number, key, old.get(key), new.get(key)))
    return found


def restricted_details(report: DailyReport, user: User):
    """The consultations of the day with a restricted item ticked, for those who may see them
    (``TeamAccess.can_see_restricted``); raises NotAllowed for everyone else."""
    from django.db.models import Q

    if not TeamAccess.of(user, report.team).can_see_restricted:
        raise NotAllowed(_("Only the team lead and the health authority see restricted items in detail."))
    condition = Q()
    for number in sorted(mds.RESTRICTED):
        condition |= Q(**{f"mds_{number}": True})
    return report.consultations.filter(condition).order_by("reference")
