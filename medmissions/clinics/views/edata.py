"""Pages of the eDATA area: the eDATA file of a daily report and of a team over a period (only for
those who see restricted items in detail), and the import of an eDATA file into a team (a dry run
listing every error, then the confirmed import, all or nothing).

Everything goes through clinics/edata.py; teams and reports load through clinics/access.py, so
what one may not see answers 404, and a role too low answers 403 with the reason.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from medmissions.clinics import edata
from medmissions.clinics.access import TeamAccess, get_report_or_404, get_team_or_404
from medmissions.clinics.forms.edata import ImportCommitForm, ImportUploadForm, PeriodForm
from medmissions.clinics.models import Team
from medmissions.clinics.responses import today_for
from medmissions.core.errors import DomainError, NotAllowed, apply_to_form, refuse_if_not_allowed
from medmissions.lib.typing import AuthenticatedHttpRequest

RECENT_IMPORTS = 10


@login_required
@require_GET
def report_csv(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    report = get_report_or_404(request.user, pk)
    return edata.download(edata.report_export(report, user=request.user))


@login_required
@require_GET
def team_csv(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    team = get_team_or_404(request.user, pk)
    export = edata.team_export(
        team, user=request.user, start=request.GET.get("start"), end=request.GET.get("end")
    )
    return edata.download(export)


def _require_manage(request: AuthenticatedHttpRequest, team: Team) -> TeamAccess:
    access = TeamAccess.of(request.user, team)
    if not access.can_manage:
        raise NotAllowed(_("Only the team lead and the team's coordinators import eDATA files."))
    return access


def _render_analysis(request: AuthenticatedHttpRequest, team: Team, analysis: edata.Analysis) -> HttpResponse:
    return render(
        request,
        "clinics/edata/dry_run.html",
        {
            "team": team,
            "analysis": analysis,
            "commit_form": ImportCommitForm(initial={"token": analysis.token}) if analysis.token else None,
        },
        status=400 if analysis.errors else 200,
    )


def _commit(request: AuthenticatedHttpRequest, team: Team) -> HttpResponse:
    form = ImportCommitForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("This import has expired or its link is damaged. Upload the file again."))
        return redirect("clinics:team_import", pk=team.pk)
    try:
        result = edata.commit_import(team, actor=request.user, token=form.cleaned_data["token"])
    except edata.ImportRejected as error:
        messages.error(request, error.message)
        return _render_analysis(request, team, error.analysis)
    except DomainError as error:
        refuse_if_not_allowed(error)
        messages.error(request, error.message)
        return redirect("clinics:team_import", pk=team.pk)
    messages.success(
        request,
        ngettext(
            "Imported %(count)d consultation from %(file)s.",
            "Imported %(count)d consultations from %(file)s.",
            result.consultations,
        )
        % {"count": result.consultations, "file": result.batch.file_name},
    )
    return redirect("clinics:team_import", pk=team.pk)


@login_required
@require_http_methods(["GET", "POST"])
def team_import(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Upload a file for a dry run; a POST carrying a dry run's token imports it."""
    team = get_team_or_404(request.user, pk)
    access = _require_manage(request, team)
    if request.method == "POST" and "token" in request.POST:
        return _commit(request, team)
    # Bound on every POST: a submission without a file must say so, not show an empty form.
    form = ImportUploadForm(*((request.POST, request.FILES) if request.method == "POST" else ()))
    if request.method == "POST" and form.is_valid():
        try:
            analysis = edata.dry_run(team, actor=request.user, upload=form.cleaned_data["file"])
        except DomainError as error:
            refuse_if_not_allowed(error)
            apply_to_form(form, error)
        else:
            return _render_analysis(request, team, analysis)
    end = today_for(team)
    return render(
        request,
        "clinics/edata/import.html",
        {
            "team": team,
            "form": form,
            "sites": team.sites.order_by("name"),
            "columns": edata.COLUMNS,
            "max_rows": edata.max_import_rows(),
            "max_megabytes": f"{edata.max_import_bytes() / 1_048_576:g}",
            "can_export": access.can_see_restricted,
            "period_form": PeriodForm(
                initial={
                    "start": end - datetime.timedelta(days=edata.DEFAULT_PERIOD_DAYS - 1),
                    "end": end,
                }
            ),
            "imports": team.import_batches.select_related("imported_by")[:RECENT_IMPORTS],
        },
        status=400 if form.errors else 200,
    )
