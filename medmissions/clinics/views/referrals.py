"""Pages: referrals (list with tabs, filters and completion rates; referring a consultation's
patient; the referral page with its follow-ups and the forms each role may use), follow-ups (mine,
one follow-up's page, handing one over) and the referrals panel of a mission's close-out tab.

Every change goes through clinics/referrals.py; referrals, follow-ups and consultations load
through clinics/access.py, so what one may not see answers 404. A role too low answers 403 with
the reason; a form refused by the rules comes back with its errors (400); a refusal because of
the referral's state (already answered, already handed over) is a message on the page it came from.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from medmissions.clinics import follow_ups, referrals
from medmissions.clinics.access import (
    get_consultation_or_404,
    get_follow_up_or_404,
    get_referral_or_404,
)
from medmissions.clinics.capture import CAPTURE_STATUSES
from medmissions.clinics.choices import FollowUpStatus, ReferralStatus, ReferralUrgency
from medmissions.clinics.forms.referrals import (
    CloseForm,
    FollowUpForm,
    FollowUpUpdateForm,
    ReferralFilterForm,
    ReferralForm,
    RespondForm,
)
from medmissions.clinics.models import FollowUp, Referral, Team
from medmissions.core.errors import (
    DomainError,
    NotAllowed,
    ValidationFailed,
    apply_to_form,
    refuse_if_not_allowed,
)
from medmissions.lib.typing import AuthenticatedHttpRequest
from medmissions.missions.access import MissionAccess, get_mission_or_404
from medmissions.organizations.access import Capability, access_for

PAGE_SIZE = 25
# Badge classes of core/static/core/app.css.
REFERRAL_BADGES = {
    ReferralStatus.SENT: "submitted",
    ReferralStatus.ACCEPTED: "accepted",
    ReferralStatus.COMPLETED: "completed",
    ReferralStatus.DECLINED: "declined",
    ReferralStatus.LOST: "bad",
    ReferralStatus.CANCELLED: "cancelled",
}
URGENCY_BADGES = {
    ReferralUrgency.ROUTINE: "closed",
    ReferralUrgency.URGENT: "warn",
    ReferralUrgency.EMERGENCY: "bad",
}
FOLLOW_UP_BADGES = {
    FollowUpStatus.OPEN: "open",
    FollowUpStatus.DONE: "done",
    FollowUpStatus.MISSED: "bad",
    FollowUpStatus.CANCELLED: "cancelled",
}
REFERRAL_TABS = {
    "sent": gettext_lazy("Referred by my teams"),
    "received": gettext_lazy("To my facilities"),
    "all": gettext_lazy("All I can see"),
}
FOLLOW_UP_TABS = {
    "mine": gettext_lazy("Assigned to me"),
    "facilities": gettext_lazy("At the facilities I coordinate"),
}


def _tab(value: str | None, tabs: dict[str, Any], default: str) -> str:
    return value if value in tabs else default


def _follow_up_row(
    follow_up: FollowUp, access: referrals.ReferralAccess | None, today: Any
) -> dict[str, Any]:
    return {
        "follow_up": follow_up,
        "badge": FOLLOW_UP_BADGES[FollowUpStatus(follow_up.status)],
        "overdue": follow_ups.is_overdue(follow_up, today),
        "can_update": access is not None and access.can_update(follow_up),
        "can_hand_over": access is not None and access.can_hand_over(follow_up),
    }


# The list -----------------------------------------------------------------------------------------------


@login_required
@require_GET
def referral_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    tab = _tab(request.GET.get("show"), REFERRAL_TABS, "all")
    queryset = referrals.referrals_for(request.user, tab)
    rates = referrals.completion_rates_by_team(queryset)
    form = ReferralFilterForm(request.GET or None)
    if form.is_valid():
        status, urgency = form.cleaned_data["status"], form.cleaned_data["urgency"]
        if status == "open":
            queryset = queryset.filter(status__in=referrals.OPEN_REFERRAL_STATUSES)
        elif status:
            queryset = queryset.filter(status=status)
        if urgency:
            queryset = queryset.filter(urgency=urgency)
    page = Paginator(queryset.order_by("-referred_at", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    teams = Team.objects.filter(pk__in=list(rates)).order_by("name", "pk")
    return render(
        request,
        "clinics/referrals/list.html",
        {
            "form": form,
            "page_obj": page,
            "rows": [
                {
                    "referral": referral,
                    "badge": REFERRAL_BADGES[ReferralStatus(referral.status)],
                    "urgency_badge": URGENCY_BADGES[ReferralUrgency(referral.urgency)],
                    "patient": referrals.patient_label(referral.consultation),
                }
                for referral in page.object_list
            ],
            "rates": [(team, rates[team.pk]) for team in teams],
            "tab": tab,
            "tabs": REFERRAL_TABS,
            "filtered": any(request.GET.get(name) for name in ("status", "urgency")),
        },
    )


# Referring ------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def referral_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    consultation = get_consultation_or_404(request.user, pk)
    team = consultation.team
    referrals.check_may_refer(request.user, team)
    form = ReferralForm(
        request.POST if request.method == "POST" else None, facilities=referrals.facilities_for(team)
    )
    ticked_before = referrals.has_referral_item(consultation)
    if request.method == "POST" and form.is_valid():
        try:
            referral = referrals.refer(
                consultation,
                actor=request.user,
                facility=form.cleaned_data["facility"],
                reason=form.cleaned_data["reason"],
                urgency=form.cleaned_data["urgency"],
            )
        except DomainError as error:
            refuse_if_not_allowed(error)
            apply_to_form(form, error)
        else:
            text = _("Referral sent to %(facility)s; its coordinators have been emailed.") % {
                "facility": referral.facility.name
            }
            if not ticked_before:
                text += " " + _(
                    "Item 39 (referral) was not ticked on consultation %(reference)s: it is ticked now."
                ) % {"reference": consultation.reference}
            messages.success(request, text)
            return redirect("clinics:referral", referral.pk)
    return render(
        request,
        "clinics/referrals/form.html",
        {
            "form": form,
            "consultation": consultation,
            "team": team,
            "patient": referrals.patient_label(consultation),
            "item_ticked": referrals.has_referral_item(consultation),
            "report_open": consultation.report.status in CAPTURE_STATUSES,
        },
        status=400 if form.errors else 200,
    )


# The referral page --------------------------------------------------------------------------------------


def _detail(
    request: AuthenticatedHttpRequest, referral: Referral, *, status: int = 200, **forms: Any
) -> HttpResponse:
    access = referrals.ReferralAccess(request.user, referral)
    today = timezone.localdate()
    referral_follow_ups = referral.follow_ups.select_related("assignee", "handover_task").order_by(
        "due_on", "pk"
    )
    closing = access.closing_statuses
    context: dict[str, Any] = {
        "referral": referral,
        "access": access,
        "summary": referrals.consultation_summary(referral, request.user),
        "patient": referrals.patient_label(referral.consultation),
        "badge": REFERRAL_BADGES[ReferralStatus(referral.status)],
        "urgency_badge": URGENCY_BADGES[ReferralUrgency(referral.urgency)],
        "follow_ups": [_follow_up_row(follow_up, access, today) for follow_up in referral_follow_ups],
        "team_view": access.team.can_view,
        "respond_form": forms.get("respond_form") or (RespondForm() if access.can_respond else None),
        "close_form": forms.get("close_form") or (CloseForm(statuses=closing) if closing else None),
        "follow_up_form": forms.get("follow_up_form")
        or (
            FollowUpForm(staff=follow_ups.facility_staff(referral.facility))
            if access.can_add_follow_up
            else None
        ),
    }
    return render(request, "clinics/referrals/detail.html", context, status=status)


@login_required
@require_GET
def referral_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _detail(request, get_referral_or_404(request.user, pk))


@login_required
@require_POST
def referral_respond(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    referral = get_referral_or_404(request.user, pk)
    referrals.check_may_respond(request.user, referral)
    form = RespondForm(request.POST)
    if form.is_valid():
        accept = form.cleaned_data["decision"] == "accept"
        try:
            referrals.respond(referral, actor=request.user, accept=accept, note=form.cleaned_data["note"])
        except ValidationFailed as error:
            apply_to_form(form, error)
        except DomainError as error:
            refuse_if_not_allowed(error)
            messages.error(request, error.message)
            return redirect("clinics:referral", referral.pk)
        else:
            messages.success(
                request,
                _("Referral accepted. The team lead has been emailed.")
                if accept
                else _("Referral declined. The team lead has been emailed your reason."),
            )
            return redirect("clinics:referral", referral.pk)
    return _detail(request, referral, status=400, respond_form=form)


@login_required
@require_POST
def referral_close(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    referral = get_referral_or_404(request.user, pk)
    access = referrals.ReferralAccess(request.user, referral)
    if not (access.is_facility_member or access.team.can_capture):
        raise NotAllowed(_("Only the facility and the referring team close a referral."))
    # The choices offered are what this person may do now; anything else is checked by the service.
    form = CloseForm(request.POST, statuses=sorted(referrals.CLOSING_STATUSES))
    if form.is_valid():
        try:
            referrals.close(
                referral,
                actor=request.user,
                status=form.cleaned_data["status"],
                outcome=form.cleaned_data["outcome"],
            )
        except ValidationFailed as error:
            apply_to_form(form, error)
        except DomainError as error:
            refuse_if_not_allowed(error)
            messages.error(request, error.message)
            return redirect("clinics:referral", referral.pk)
        else:
            messages.success(request, _("Referral closed."))
            return redirect("clinics:referral", referral.pk)
    form.offer(access.closing_statuses or sorted(referrals.CLOSING_STATUSES))
    return _detail(request, referral, status=400, close_form=form)


# Follow-ups ----------------------------------------------------------------------------------------------


@login_required
@require_POST
def follow_up_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    referral = get_referral_or_404(request.user, pk)
    follow_ups.check_may_add(request.user, referral)
    form = FollowUpForm(request.POST, staff=follow_ups.facility_staff(referral.facility))
    if form.is_valid():
        try:
            follow_up = follow_ups.add_follow_up(
                referral,
                actor=request.user,
                description=form.cleaned_data["description"],
                assignee=form.cleaned_data["assignee"],
                due_on=form.cleaned_data["due_on"],
            )
        except ValidationFailed as error:
            apply_to_form(form, error)
        except DomainError as error:
            refuse_if_not_allowed(error)
            messages.error(request, error.message)
            return redirect("clinics:referral", referral.pk)
        else:
            messages.success(
                request,
                _("Follow-up assigned to %(name)s, who has been emailed.")
                % {"name": follow_up.assignee.full_name},
            )
            return redirect(reverse("clinics:referral", args=[referral.pk]) + "#follow-ups")
    return _detail(request, referral, status=400, follow_up_form=form)


@login_required
@require_GET
def follow_up_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    coordinates = bool(access_for(request.user).organization_ids(Capability.COORDINATE_RESPONSES))
    tabs = FOLLOW_UP_TABS if coordinates else {"mine": FOLLOW_UP_TABS["mine"]}
    tab = _tab(request.GET.get("show"), tabs, "mine")
    today = timezone.localdate()
    page = Paginator(follow_ups.follow_ups_for(request.user, tab, today), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "clinics/referrals/follow_ups.html",
        {
            "page_obj": page,
            "rows": [
                {
                    **_follow_up_row(follow_up, None, today),
                    "patient": referrals.patient_label(follow_up.referral.consultation),
                }
                for follow_up in page.object_list
            ],
            "tab": tab,
            "tabs": tabs,
        },
    )


def _follow_up_page(
    request: AuthenticatedHttpRequest, follow_up: FollowUp, *, status: int = 200, form: Any = None
) -> HttpResponse:
    referral = get_referral_or_404(request.user, follow_up.referral_id)
    access = referrals.ReferralAccess(request.user, referral)
    can_update = access.can_update(follow_up)
    if form is None and can_update:
        form = FollowUpUpdateForm(initial={"status": follow_up.status, "outcome": follow_up.outcome})
    return render(
        request,
        "clinics/referrals/follow_up.html",
        {
            "follow_up": follow_up,
            "referral": referral,
            "patient": referrals.patient_label(referral.consultation),
            "row": _follow_up_row(follow_up, access, timezone.localdate()),
            "form": form if can_update else None,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def follow_up_update(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    follow_up = get_follow_up_or_404(request.user, pk)
    if request.method == "GET":
        return _follow_up_page(request, follow_up)
    follow_ups.check_may_update(request.user, follow_up)
    form = FollowUpUpdateForm(request.POST)
    if form.is_valid():
        try:
            follow_ups.update_follow_up(
                follow_up,
                actor=request.user,
                status=form.cleaned_data["status"],
                outcome=form.cleaned_data["outcome"],
            )
        except ValidationFailed as error:
            apply_to_form(form, error)
        except DomainError as error:
            refuse_if_not_allowed(error)
            messages.error(request, error.message)
            return redirect("clinics:follow_up_update", follow_up.pk)
        else:
            messages.success(request, _("Follow-up updated."))
            return redirect("clinics:follow_up_update", follow_up.pk)
    return _follow_up_page(request, follow_up, status=400, form=form)


@login_required
@require_POST
def follow_up_handover(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    follow_up = get_follow_up_or_404(request.user, pk)
    # The close-out tab hands follow-ups over too and asks to come back to itself.
    back = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("clinics:referral", args=[follow_up.referral_id])
    try:
        follow_ups.hand_over(follow_up, actor=request.user)
    except DomainError as error:
        refuse_if_not_allowed(error)
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Follow-up handed over: it is now a follow-up task of the mission's handover plan."),
        )
    return redirect(back)


# The close-out panel of a mission --------------------------------------------------------------------------


@login_required
@require_GET
def mission_referrals(request: AuthenticatedHttpRequest, mission_pk: int) -> HttpResponse:
    """The mission's referral completion rate and the follow-ups that block its completion: a
    panel of the close-out tab (loaded by htmx), or a page of its own without JavaScript."""
    mission = get_mission_or_404(request.user, mission_pk)
    mission_access = MissionAccess.of(request.user, mission)
    mission_access.require_team()
    team = Team.objects.filter(mission=mission).first()
    today = timezone.localdate()
    blockers = list(follow_ups.completion_blockers(mission)) if team is not None else []
    context = {
        "mission": mission,
        "team": team,
        "rate": referrals.mission_completion_rate(mission) if team is not None else None,
        "blockers": [
            {
                **_follow_up_row(follow_up, None, today),
                "patient": referrals.patient_label(follow_up.referral.consultation),
                "can_hand_over": mission_access.can_manage,
            }
            for follow_up in blockers
        ],
        "next": reverse("missions:closeout", args=[mission.pk]) + "#referrals",
    }
    template = (
        "clinics/referrals/_mission_panel.html"
        if request.headers.get("HX-Request")
        else "clinics/referrals/mission.html"
    )
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response
