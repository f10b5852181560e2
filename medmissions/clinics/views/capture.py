"""Pages of the capture area: the capture page where a clinic records consultations one after the
other (keyboard first, saved with htmx, and a plain form without JavaScript), the day's list of
consultations, and one consultation with its correction and deletion.

Every change goes through clinics/capture.py; teams, reports and consultations load through
clinics/access.py, so what one may not see answers 404. Those who may see a team but not record
for it (viewers) get 403. Restricted items (mds.RESTRICTED) are named only to the team lead and
the health authority's coordinators (``TeamAccess.can_see_restricted``); everyone else sees how
many there are.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from medmissions.clinics import capture, mds
from medmissions.clinics.access import (
    TeamAccess,
    get_consultation_or_404,
    get_report_or_404,
    get_team_or_404,
)
from medmissions.clinics.choices import AgeGroup, SexCode
from medmissions.clinics.forms.capture import ConsultationForm, DayForm, DeleteForm, tick_items
from medmissions.clinics.models import Consultation, DailyReport, ItemLabel, Team
from medmissions.clinics.responses import item_labels, today_for
from medmissions.core.errors import (
    DomainError,
    NotAllowed,
    ValidationFailed,
    apply_to_form,
    refuse_if_not_allowed,
)
from medmissions.lib.typing import AuthenticatedHttpRequest
from medmissions.sites.models import Site

PAGE_SIZE = 50
RECENT = 5
SESSION_SITE = "clinics.capture.site.%s"
# Keys the capture page gives to age groups and sex codes, and to the find box; an item whose
# shortcut (mds.Item.key) is one of them gets no shortcut on the page.
AGE_KEYS = {1: "1", 2: "2", 3: "3", 4: "4", 5: "5"}
SEX_KEYS = {SexCode.MALE: "m", SexCode.FEMALE: "f", SexCode.PREGNANT: "p"}
RESERVED_KEYS = frozenset({*AGE_KEYS.values(), *SEX_KEYS.values(), "/"})
ITEM_KEYS = {
    number: item.key
    for number, item in mds.ITEMS.items()
    if item.key and item.per_patient and item.key not in RESERVED_KEYS
}
UNDO_REASON = gettext_lazy("Undone on the capture page right after recording.")


# Helpers ----------------------------------------------------------------------------------------


def _require_capture(access: TeamAccess) -> None:
    access.require_view()
    if not access.can_capture:
        raise NotAllowed(
            _("Only the team lead, the mission's team and members of its organisations record consultations.")
        )


def _htmx(request: AuthenticatedHttpRequest) -> bool:
    return bool(request.headers.get("HX-Request"))


def _zone(team: Team) -> str:
    """The time zone recording times are shown in: where the team works."""
    return team.mission.time_zone if team.mission is not None else "UTC"


def _used_slots(team: Team) -> set[int]:
    if team.response_id is None:
        return set()
    return set(
        ItemLabel.objects.filter(
            response_id=team.response_id, active=True, item__in=mds.CONTEXT_SLOTS
        ).values_list("item", flat=True)
    )


def _safe_next(request: AuthenticatedHttpRequest) -> str | None:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


@dataclass
class Shown:
    """A consultation as one reader may see it: its ticked items with their labels, restricted
    ones left out (and counted) unless the reader may see them."""

    consultation: Consultation
    items: list[tuple[int, str]]
    restricted: int

    @property
    def age_group(self) -> str:
        return str(AgeGroup(self.consultation.age_group).label)

    @property
    def sex(self) -> str:
        return str(SexCode(self.consultation.sex).label)


def shown(consultation: Consultation, labels: Mapping[int, str], see_restricted: bool) -> Shown:
    ticked = consultation.ticked()
    visible = [number for number in ticked if see_restricted or number not in mds.RESTRICTED]
    return Shown(
        consultation=consultation,
        items=[(number, labels[number]) for number in visible],
        restricted=len(ticked) - len(visible),
    )


@dataclass
class Tick:
    number: int
    label: str
    key: str
    restricted: bool
    checked: bool


def _tick_groups(form: ConsultationForm, labels: Mapping[int, str]) -> list[tuple[str, list[Tick]]]:
    """The form's items in the groups of mds.tick_groups(), as the capture and edit pages lay them out."""
    offered = {int(value) for value, _label in form.fields["items"].choices}  # type: ignore[attr-defined]
    checked = form.checked_items()
    groups = []
    for group, items in mds.tick_groups():
        ticks = [
            Tick(
                number=item.number,
                label=labels[item.number],
                key=ITEM_KEYS.get(item.number, ""),
                restricted=item.restricted,
                checked=item.number in checked,
            )
            for item in items
            if item.number in offered
        ]
        if ticks:
            groups.append((str(mds.GROUP_LABELS[group]), ticks))
    return groups


def _choice_buttons(form: ConsultationForm) -> dict[str, Any]:
    age = form.chosen("age_group")
    sex = form.chosen("sex")
    return {
        "age_buttons": [
            {"value": value, "label": label, "key": AGE_KEYS.get(value, ""), "checked": value == age}
            for value, label in form.fields["age_group"].choices  # type: ignore[attr-defined]
        ],
        "sex_buttons": [
            {"value": value, "label": label, "key": SEX_KEYS.get(SexCode(value), ""), "checked": value == sex}
            for value, label in SexCode.choices
        ],
    }


def _keys_legend(labels: Mapping[int, str]) -> list[tuple[str, str]]:
    return [(key, labels[number]) for number, key in sorted(ITEM_KEYS.items())]


# The capture page -----------------------------------------------------------------------------


def _sites(team: Team) -> list[Site]:
    return list(team.sites.order_by("name", "pk"))


def _capture_url(team: Team, site: Site | None = None, date: datetime.date | None = None) -> str:
    url = reverse("clinics:team_capture", args=[team.pk])
    if site is not None and date is not None:
        url += "?" + urlencode({"site": site.pk, "date": date.isoformat()})
    return url


def _default_site(request: AuthenticatedHttpRequest, team: Team, sites: list[Site]) -> Site | None:
    """The site last recorded for in this session, or the team's first."""
    remembered = request.session.get(SESSION_SITE % team.pk)
    for site in sites:
        if site.pk == remembered:
            return site
    return sites[0] if sites else None


def _day(
    team: Team, sites: list[Site], data: Mapping[str, Any]
) -> tuple[DayForm, Site | None, datetime.date | None]:
    """The day chosen (site and date), checked as a consultation's would be: one of the team's
    sites, no future date, not more than a year ago."""
    form = DayForm(data, sites=sites)
    if not form.is_valid():
        return form, None, None
    site = next(site for site in sites if site.pk == form.cleaned_data["site"])
    date = form.cleaned_data["date"]
    try:
        capture.clean_consultation(
            team, {"site": site, "date": date, "age_group": 4, "sex": 1}, sites={site.pk: site}
        )
    except ValidationFailed as error:
        for name in ("site", "date"):
            if name in error.fields:
                form.add_error(name, error.fields[name])
        return form, None, None
    return form, site, date


def _new_form(sites: list[Site], site: Site, date: datetime.date, offered: list[int]) -> ConsultationForm:
    # A server-made client id keeps a form posted twice without JavaScript from recording twice;
    # capture.js replaces it with one made by the browser.
    return ConsultationForm(
        items=offered,
        sites=sites,
        initial={"site": site.pk, "date": date, "client_id": uuid.uuid4()},
    )


@dataclass
class Status:
    """What the last action did, shown above the form: recorded (or already recorded), deleted,
    or refused."""

    kind: str
    reference: str = ""
    warnings: list[str] = field(default_factory=list)
    consultation: Shown | None = None
    message: str = ""


def _capture_context(
    team: Team,
    access: TeamAccess,
    sites: list[Site],
    day_form: DayForm,
    site: Site | None,
    date: datetime.date | None,
    *,
    form: ConsultationForm | None = None,
    status: Status | None = None,
) -> dict[str, Any]:
    labels = item_labels(team.response)
    offered = tick_items(_used_slots(team))
    context: dict[str, Any] = {
        "team": team,
        "access": access,
        "sites": sites,
        "day_form": day_form,
        "site": site,
        "date": date,
        "zone": _zone(team),
        "status": status,
        "report": None,
        "locked": False,
        "count": 0,
        "recent": [],
        "keys": _keys_legend(labels),
        "undo_reason": UNDO_REASON,
    }
    if site is None or date is None:
        return context
    report = DailyReport.objects.filter(team=team, site=site, date=date).first()
    context["report"] = report
    context["capture_url"] = _capture_url(team, site, date)
    if report is not None:
        context["locked"] = report.status not in capture.CAPTURE_STATUSES
        consultations = report.consultations.select_related("recorded_by")
        context["count"] = consultations.count()
        context["recent"] = [
            shown(consultation, labels, access.can_see_restricted)
            for consultation in consultations.order_by("-recorded_at", "-pk")[:RECENT]
        ]
    if form is None:
        form = _new_form(sites, site, date, offered)
    context["form"] = form
    context["groups"] = _tick_groups(form, labels)
    context.update(_choice_buttons(form))
    return context


def _render_capture(
    request: AuthenticatedHttpRequest, context: dict[str, Any], *, status: int = 200
) -> HttpResponse:
    template = "clinics/capture/_capture.html" if _htmx(request) else "clinics/capture/page.html"
    response = render(request, template, context, status=status)
    # The fragment and the full page share a URL; caches must keep them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response


def _recorded_message(recorded: capture.Recorded) -> str:
    reference = recorded.consultation.reference
    if recorded.created:
        return _("Recorded %(reference)s.") % {"reference": reference}
    return _("%(reference)s was already recorded (the form was sent twice); nothing was recorded again.") % {
        "reference": reference
    }


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def team_capture(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    team = get_team_or_404(request.user, pk)
    access = TeamAccess.of(request.user, team)
    _require_capture(access)
    sites = _sites(team)
    source = request.POST if request.method == "POST" else request.GET
    default_site = _default_site(request, team, sites)
    day_form, site, date = _day(
        team,
        sites,
        {
            "site": source.get("site") or (default_site.pk if default_site else ""),
            "date": source.get("date") or today_for(team).isoformat(),
        },
    )
    if request.method == "GET" or not sites:
        return _render_capture(request, _capture_context(team, access, sites, day_form, site, date))

    htmx = _htmx(request)
    form = ConsultationForm(request.POST, items=tick_items(_used_slots(team)), sites=sites)
    if form.is_valid():
        try:
            recorded = capture.record_consultation(team, actor=request.user, data=form.service_data())
        except DomainError as error:
            refuse_if_not_allowed(error)
            apply_to_form(form, error)
        else:
            consultation = recorded.consultation
            report = DailyReport.objects.select_related("site").get(pk=consultation.report_id)
            request.session[SESSION_SITE % team.pk] = report.site_id
            if not htmx:
                if recorded.created:
                    messages.success(request, _recorded_message(recorded))
                else:
                    messages.info(request, _recorded_message(recorded))
                for warning in recorded.warnings:
                    messages.warning(request, warning)
                return redirect(_capture_url(team, report.site, report.date))
            status = Status(
                kind="recorded" if recorded.created else "already",
                reference=consultation.reference,
                warnings=recorded.warnings,
                consultation=shown(consultation, item_labels(team.response), access.can_see_restricted),
                message=_recorded_message(recorded),
            )
            day_form = DayForm(initial={"site": report.site_id, "date": report.date}, sites=sites)
            # No form given: a fresh one for the next patient, on the day just recorded for.
            context = _capture_context(team, access, sites, day_form, report.site, report.date, status=status)
            return _render_capture(request, context)
    context = _capture_context(team, access, sites, day_form, site, date, form=form)
    # htmx swaps only successful answers: a refused post comes back as 200 with the errors shown;
    # without JavaScript it is a 400.
    return _render_capture(request, context, status=200 if htmx else 400)


# The day's consultations ----------------------------------------------------------------------


@login_required
@require_GET
def report_consultations(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    report = get_report_or_404(request.user, pk)
    team = report.team
    access = TeamAccess.of(request.user, team)
    access.require_view()
    labels = item_labels(team.response)
    queryset = report.consultations.select_related("recorded_by").order_by("recorded_at", "pk")
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    editable = access.can_capture and report.status in capture.CAPTURE_STATUSES
    return render(
        request,
        "clinics/capture/consultations.html",
        {
            "report": report,
            "team": team,
            "access": access,
            "page_obj": page,
            "rows": [
                shown(consultation, labels, access.can_see_restricted) for consultation in page.object_list
            ],
            "editable": editable,
            "zone": _zone(team),
            "capture_url": _capture_url(team, report.site, report.date) if editable else None,
        },
    )


# One consultation -----------------------------------------------------------------------------


def _consultation(request: AuthenticatedHttpRequest, pk: int) -> tuple[Consultation, DailyReport, TeamAccess]:
    consultation = get_consultation_or_404(request.user, pk)
    access = TeamAccess.of(request.user, consultation.team)
    access.require_view()
    return consultation, consultation.report, access


def _locked_reason(report: DailyReport) -> str | None:
    if report.status in capture.CAPTURE_STATUSES:
        return None
    return _(
        "The daily report of %(site)s for %(date)s is submitted and locked. Its team lead or "
        "coordinator can start a correction to change it."
    ) % {"site": report.site.name, "date": report.date.isoformat()}


@login_required
@require_GET
def consultation_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    consultation, report, access = _consultation(request, pk)
    team = consultation.team
    labels = item_labels(team.response)
    view = shown(consultation, labels, access.can_see_restricted)
    ticked = {number for number, _label in view.items}
    groups = [
        (
            str(mds.GROUP_LABELS[group]),
            [(item.number, labels[item.number]) for item in items if item.number in ticked],
        )
        for group, items in mds.tick_groups()
    ]
    return render(
        request,
        "clinics/capture/consultation.html",
        {
            "consultation": consultation,
            "shown": view,
            "groups": [(label, items) for label, items in groups if items],
            "report": report,
            "team": team,
            "access": access,
            "can_change": access.can_capture and report.status in capture.CAPTURE_STATUSES,
            "locked_reason": _locked_reason(report) if access.can_capture else None,
            "recorded_by": consultation.recorded_by.full_name if consultation.recorded_by else None,
            "zone": _zone(team),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def consultation_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    consultation, report, access = _consultation(request, pk)
    team = consultation.team
    _require_capture(access)
    see_restricted = access.can_see_restricted
    ticked = consultation.ticked()
    # Restricted items the reader may not see stay as they are; the form neither shows nor changes them.
    kept_restricted = [] if see_restricted else [number for number in ticked if number in mds.RESTRICTED]
    visible = [number for number in ticked if number not in kept_restricted]
    form = ConsultationForm(
        request.POST if request.method == "POST" else None,
        items=tick_items(_used_slots(team), restricted=see_restricted, keep=visible),
        initial={
            "age_group": consultation.age_group,
            "age": consultation.age_value,
            "age_unit": consultation.age_unit or "Y",
            "sex": consultation.sex,
            "items": visible,
            "patient_reference": consultation.patient_reference,
            "note": consultation.note,
        },
    )
    if consultation.age_group == 0:
        # An imported legacy consultation keeps its "5 and over, band unknown" until corrected.
        form.fields["age_group"].choices = [  # type: ignore[attr-defined]
            (0, AgeGroup.FIVE_AND_OVER_UNKNOWN.label),
            *form.fields["age_group"].choices,  # type: ignore[attr-defined]
        ]
    if request.method == "POST" and form.is_valid():
        data = form.service_data()
        data["items"] = sorted({*data["items"], *kept_restricted})
        try:
            recorded = capture.update_consultation(consultation, actor=request.user, data=data)
        except DomainError as error:
            refuse_if_not_allowed(error)
            apply_to_form(form, error)
        else:
            messages.success(
                request, _("Consultation %(reference)s corrected.") % {"reference": consultation.reference}
            )
            for warning in recorded.warnings:
                messages.warning(request, warning)
            return redirect("clinics:consultation", consultation.pk)
    labels = item_labels(team.response)
    return render(
        request,
        "clinics/capture/edit.html",
        {
            "consultation": consultation,
            "report": report,
            "team": team,
            "form": form,
            "groups": _tick_groups(form, labels),
            "hidden_restricted": len(kept_restricted),
            "locked_reason": _locked_reason(report),
            **_choice_buttons(form),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def consultation_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    consultation, report, access = _consultation(request, pk)
    team = consultation.team
    _require_capture(access)
    next_url = _safe_next(request)
    from_capture = request.method == "POST" and _htmx(request) and request.POST.get("return") == "capture"
    form = DeleteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        reference = consultation.reference
        try:
            capture.delete_consultation(consultation, actor=request.user, reason=form.cleaned_data["reason"])
        except DomainError as error:
            refuse_if_not_allowed(error)
            if from_capture:
                return _capture_after_delete(
                    request, team, access, report, Status(kind="error", message=error.message)
                )
            apply_to_form(form, error)
        else:
            message = _("Consultation %(reference)s deleted.") % {"reference": reference}
            if from_capture:
                return _capture_after_delete(
                    request,
                    team,
                    access,
                    report,
                    Status(kind="deleted", reference=reference, message=message),
                )
            messages.success(request, message)
            return redirect(next_url or reverse("clinics:report_consultations", args=[report.pk]))
    labels = item_labels(team.response)
    return render(
        request,
        "clinics/capture/delete.html",
        {
            "consultation": consultation,
            "shown": shown(consultation, labels, access.can_see_restricted),
            "report": report,
            "team": team,
            "form": form,
            "next": next_url or "",
            "cancel_url": next_url or reverse("clinics:consultation", args=[consultation.pk]),
            "locked_reason": _locked_reason(report),
            "zone": _zone(team),
        },
        status=400 if form.errors else 200,
    )


def _capture_after_delete(
    request: AuthenticatedHttpRequest, team: Team, access: TeamAccess, report: DailyReport, status: Status
) -> HttpResponse:
    """The capture page's fragment for the deleted consultation's day (the undo button's answer)."""
    sites = _sites(team)
    day_form = DayForm(initial={"site": report.site_id, "date": report.date}, sites=sites)
    site = next((site for site in sites if site.pk == report.site_id), report.site)
    context = _capture_context(team, access, sites, day_form, site, report.date, status=status)
    return _render_capture(request, context)
