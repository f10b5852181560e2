"""Pages: needs (list, detail, write or propose, edit, confirm, withdraw), missions (list, plan,
edit, the overview tab, lifecycle transitions) and their roles. Every change goes through
missions/services.py; missions, needs and roles are loaded through missions/access.py.

Pages that ask before acting answer 403 up front to people who could not act on the answer;
a refusal by the rules of the domain (a transition out of order, a role still held) comes back
to the mission or need page as an error message with the service's reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import ProtectedError, Q, QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from medmissions.core.errors import Conflict, DomainError, NotAllowed, ValidationFailed, apply_to_form
from medmissions.lib.typing import AuthenticatedHttpRequest
from medmissions.missions import services
from medmissions.missions.access import (
    MissionAccess,
    get_mission_or_404,
    get_need_or_404,
    get_role_or_404,
    visible_missions,
)
from medmissions.missions.choices import AssignmentStatus, MissionStatus, NeedStatus
from medmissions.missions.forms.planning import (
    MissionFilterForm,
    MissionForm,
    NeedFilterForm,
    NeedForm,
    NeedLineFormSet,
    ReasonForm,
    RoleForm,
    WithdrawNeedForm,
)
from medmissions.missions.models import Mission, Need, Role
from medmissions.organizations.access import CAPABILITY_MESSAGES, Capability, access_for, can
from medmissions.organizations.current import current_organization
from medmissions.organizations.models import Organization
from medmissions.partnerships.choices import PartnershipStatus, PartyRole
from medmissions.partnerships.models import Partnership, PartnershipParty
from medmissions.sites.models import Site
from medmissions.volunteers.services import specialty_tree

PAGE_SIZE = 25

# Badge classes of core/static/core/app.css for the derived need statuses and mission statuses.
NEED_BADGES = {
    NeedStatus.AWAITING_HOST: "warn",
    NeedStatus.OPEN: "open",
    NeedStatus.PARTLY_MET: "warn",
    NeedStatus.MET: "ok",
    NeedStatus.WITHDRAWN: "closed",
}
MISSION_BADGES: dict[str, str] = {
    MissionStatus.DRAFT: "closed",
    MissionStatus.AWAITING_HOST: "warn",
    MissionStatus.RECRUITING: "open",
    MissionStatus.READY: "ok",
    MissionStatus.IN_FIELD: "active",
    MissionStatus.CLOSING: "warn",
    MissionStatus.COMPLETED: "completed",
    MissionStatus.EVALUATED: "completed",
    MissionStatus.CANCELLED: "bad",
}
ROLE_STATUSES = {MissionStatus.DRAFT, MissionStatus.AWAITING_HOST, MissionStatus.RECRUITING}
ROLE_KEPT = gettext_lazy("People have held this role before; it stays for the record.")


@dataclass(frozen=True)
class NeedRow:
    need: Need
    status: NeedStatus

    @property
    def badge(self) -> str:
        return NEED_BADGES[self.status]


def _need_rows(needs: list[Need]) -> list[NeedRow]:
    statuses = services.need_statuses(needs)
    return [NeedRow(need, statuses[need.pk]) for need in needs]


# Needs ------------------------------------------------------------------------------------------


def _can_edit_need(request: AuthenticatedHttpRequest, need: Need) -> bool:
    access = access_for(request.user)
    return access.can(need.host_organization_id, Capability.MANAGE_MISSIONS) or access.can(
        need.authored_by_id, Capability.MANAGE_MISSIONS
    )


def _require_need_editor(request: AuthenticatedHttpRequest, need: Need) -> None:
    if not _can_edit_need(request, need):
        raise NotAllowed(_("Only coordinators and admins of the host or of the author change a need."))
    if need.withdrawn_at is not None:
        raise Conflict(_("This need was withdrawn and can no longer change."), code="need_withdrawn")


def _need_url(need: Need) -> str:
    return reverse("missions:need", args=[need.pk])


@login_required
def needs(request: AuthenticatedHttpRequest) -> HttpResponse:
    visible = Need.objects.visible_to(request.user)
    form = NeedFilterForm(
        request.GET or None,
        hosts=Organization.objects.filter(pk__in=visible.values("host_organization_id")).order_by("name"),
        # Any site the person sees, so that a link from a site's page filters even when it has no need.
        sites=Site.objects.visible_to(request.user).order_by("name"),
    )
    queryset = visible.select_related("site", "host_organization", "authored_by").prefetch_related(
        "lines__specialty"
    )
    if form.is_valid():
        data = form.cleaned_data
        queryset = services.filter_needs(
            queryset, status=data["status"], host=data["host"], site=data["site"]
        )
    page = Paginator(queryset.order_by("-priority", "earliest_start", "pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    organization, _memberships = current_organization(request)
    return render(
        request,
        "missions/planning/needs.html",
        {
            "form": form,
            "page_obj": page,
            "rows": _need_rows(list(page.object_list)),
            "filtered": bool(request.GET.get("status") or request.GET.get("host") or request.GET.get("site")),
            "can_add": organization is not None
            and can(request.user, organization, Capability.MANAGE_MISSIONS),
        },
    )


@login_required
def need_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    need = get_need_or_404(request.user, pk)
    status = services.need_status(need)
    missions = (
        visible_missions(request.user).filter(needs=need).select_related("site").order_by("starts_on", "pk")
    )
    access = access_for(request.user)
    open_need = status not in (NeedStatus.WITHDRAWN, NeedStatus.AWAITING_HOST)
    return render(
        request,
        "missions/planning/need_detail.html",
        {
            "need": need,
            "status": status,
            "badge": NEED_BADGES[status],
            "lines": need.lines.select_related("specialty").order_by("pk"),
            "languages": need.languages.all(),
            "missions": [(mission, MISSION_BADGES.get(mission.status, "closed")) for mission in missions],
            "can_edit": need.withdrawn_at is None and _can_edit_need(request, need),
            "can_confirm": status == NeedStatus.AWAITING_HOST
            and access.can(need.host_organization_id, Capability.CONFIRM_AS_HOST),
            "can_plan": open_need
            and _plannable_partnerships(request.user, host=need.host_organization).exists(),
        },
    )


def _author(request: AuthenticatedHttpRequest) -> Organization:
    """The organisation the person acts for writes (as host) or proposes (as a partner) the need."""
    organization, _memberships = current_organization(request)
    if organization is None:
        raise NotAllowed(_("Join an organisation to write or propose needs."))
    if not can(request.user, organization, Capability.MANAGE_MISSIONS):
        raise NotAllowed(CAPABILITY_MESSAGES[Capability.MANAGE_MISSIONS])
    return organization


def _author_sites(author: Organization) -> QuerySet[Site]:
    """The author's own sites and those of hosts it is in an active partnership with."""
    hosts = PartnershipParty.objects.filter(
        role=PartyRole.HOST,
        partnership__status=PartnershipStatus.ACTIVE,
        partnership__parties__organization=author,
    ).values("organization_id")
    return (
        Site.objects.filter(Q(host_organization=author) | Q(host_organization_id__in=hosts))
        .select_related("host_organization")
        .order_by("host_organization__name", "name")
    )


def _render_need_form(
    request: AuthenticatedHttpRequest, form: NeedForm, formset: Any, **context: Any
) -> HttpResponse:
    invalid = bool(form.errors) or any(formset.errors) or bool(formset.non_form_errors())
    return render(
        request,
        "missions/planning/need_form.html",
        {"form": form, "formset": formset, **context},
        status=400 if invalid else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def need_add(request: AuthenticatedHttpRequest) -> HttpResponse:
    author = _author(request)
    sites = _author_sites(author)
    tree = specialty_tree()
    data = request.POST if request.method == "POST" else None
    # "Write a need" on a site's page names the site; only one the author may write for is used.
    wanted = request.GET.get("site", "")
    chosen = next((site.pk for site in sites if str(site.pk) == wanted), None)
    form = NeedForm(data, sites=sites, initial={"site": chosen or (sites[0].pk if len(sites) == 1 else None)})
    formset = NeedLineFormSet(data, prefix="lines", form_kwargs={"tree": tree})
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            need = services.create_need(
                actor=request.user,
                author=author,
                site=form.cleaned_data["site"],
                data=form.service_data(),
                lines=formset.lines(),
                languages=list(form.cleaned_data["languages"]),
            )
        except (ValidationFailed, Conflict) as error:
            apply_to_form(form, error)
        else:
            if need.host_confirmed_at is None:
                messages.success(
                    request,
                    _("Need proposed. The host's admins are asked to confirm it; they have been emailed."),
                )
            else:
                messages.success(request, _("Need added. Partners can now plan missions answering it."))
            return redirect(_need_url(need))
    return _render_need_form(
        request, form, formset, author=author, has_sites=sites.exists(), cancel_url=reverse("missions:needs")
    )


@login_required
@require_http_methods(["GET", "POST"])
def need_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    need = get_need_or_404(request.user, pk)
    _require_need_editor(request, need)
    sites = Site.objects.filter(host_organization_id=need.host_organization_id).select_related(
        "host_organization"
    )
    lines = list(need.lines.order_by("pk"))
    initial = {name: getattr(need, name) for name in services.NEED_FIELDS}
    initial.update(site=need.site_id, languages=need.languages.all())
    data = request.POST if request.method == "POST" else None
    form = NeedForm(data, sites=sites, initial=initial)
    formset = NeedLineFormSet(
        data,
        prefix="lines",
        initial=[{"specialty": str(line.specialty_id), "people": line.people} for line in lines],
        form_kwargs={"tree": specialty_tree()},
    )
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        confirmed = need.host_confirmed_at is not None
        try:
            need = services.update_need(
                need,
                actor=request.user,
                data=form.service_data(),
                site=form.cleaned_data["site"],
                lines=formset.lines(),
                languages=list(form.cleaned_data["languages"]),
            )
        except (ValidationFailed, Conflict) as error:
            apply_to_form(form, error)
        else:
            if confirmed and need.host_confirmed_at is None:
                messages.success(
                    request, _("Changes saved. The host's admins are asked to confirm the need again.")
                )
            else:
                messages.success(request, _("Changes saved."))
            return redirect(_need_url(need))
    return _render_need_form(request, form, formset, need=need, has_sites=True, cancel_url=_need_url(need))


@login_required
@require_POST
def need_confirm(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    need = get_need_or_404(request.user, pk)
    if not can(request.user, need.host_organization_id, Capability.CONFIRM_AS_HOST):
        raise NotAllowed(_("Only an admin of the host organisation confirms its needs."))
    try:
        services.confirm_need(need, actor=request.user)
    except (ValidationFailed, Conflict) as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Need confirmed. Missions can now answer it."))
    return redirect(_need_url(need))


@login_required
@require_http_methods(["GET", "POST"])
def need_withdraw(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    need = get_need_or_404(request.user, pk)
    _require_need_editor(request, need)
    form = WithdrawNeedForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.withdraw_need(need, actor=request.user, reason=form.cleaned_data["reason"])
        except (ValidationFailed, Conflict) as error:
            apply_to_form(form, error)
        else:
            messages.success(request, _("Need withdrawn."))
            return redirect(_need_url(need))
    return render(
        request,
        "core/confirm.html",
        {
            "title": _("Withdraw need"),
            "question": _("Withdraw “%(title)s”?") % {"title": need.title},
            "consequence": _(
                "No new mission can answer it. Missions already answering it go on; tell their coordinators why."
            ),
            "confirm_label": _("Withdraw"),
            "danger": True,
            "form": form,
            "cancel_url": _need_url(need),
        },
        status=400 if form.errors else 200,
    )


# Missions ---------------------------------------------------------------------------------------


def _plannable_partnerships(user: Any, *, host: Organization | None = None) -> QuerySet[Partnership]:
    """Active partnerships of the organisations where the person plans missions (coordinator+)."""
    manager_ids = access_for(user).organization_ids(Capability.MANAGE_MISSIONS)
    partnerships = Partnership.objects.filter(
        status=PartnershipStatus.ACTIVE, parties__organization_id__in=manager_ids
    )
    if host is not None:
        partnerships = partnerships.filter(
            pk__in=PartnershipParty.objects.filter(organization=host, role=PartyRole.HOST).values(
                "partnership_id"
            )
        )
    return partnerships.distinct().order_by("title")


def _open_needs(host_ids: Any, *, answered: Any = None) -> QuerySet[Need]:
    """Needs a mission may answer: host-confirmed and not withdrawn (plus those it already answers)."""
    condition = Q(
        host_organization_id__in=host_ids, host_confirmed_at__isnull=False, withdrawn_at__isnull=True
    )
    if answered is not None:
        condition |= Q(pk__in=answered)
    return (
        Need.objects.filter(condition)
        .select_related("host_organization", "site")
        .order_by("host_organization__name", "-priority", "earliest_start", "pk")
    )


def _host_ids(partnerships: Any) -> QuerySet[PartnershipParty, Any]:
    return PartnershipParty.objects.filter(partnership__in=partnerships, role=PartyRole.HOST).values(
        "organization_id"
    )


def _mission_url(mission: Mission) -> str:
    return reverse("missions:detail", args=[mission.pk])


@login_required
def mission_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = MissionFilterForm(request.GET or None)
    missions = visible_missions(request.user).select_related("partnership", "site", "site__host_organization")
    if form.is_valid() and form.cleaned_data["status"]:
        missions = missions.filter(status=form.cleaned_data["status"])
    page = Paginator(missions.order_by("-starts_on", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "missions/planning/list.html",
        {
            "form": form,
            "page_obj": page,
            "rows": [(mission, MISSION_BADGES.get(mission.status, "closed")) for mission in page.object_list],
            "filtered": bool(request.GET.get("status")),
            "can_plan": _plannable_partnerships(request.user).exists(),
            "can_manage_somewhere": bool(
                access_for(request.user).organization_ids(Capability.MANAGE_MISSIONS)
            ),
        },
    )


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@login_required
@require_http_methods(["GET", "POST"])
def mission_add(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not access_for(request.user).organization_ids(Capability.MANAGE_MISSIONS):
        raise NotAllowed(CAPABILITY_MESSAGES[Capability.MANAGE_MISSIONS])
    partnerships = _plannable_partnerships(request.user)
    initial: dict[str, Any] = {}
    # From a partnership's page (?partnership=) or a need's (?need=), offer only what fits.
    chosen = partnerships
    need = None
    if request.method == "GET":
        need_pk = _int(request.GET.get("need"))
        need = Need.objects.visible_to(request.user).filter(pk=need_pk).first() if need_pk else None
        if need is not None:
            chosen = _plannable_partnerships(request.user, host=need.host_organization)
            initial.update(needs=[need.pk], site=need.site_id)
        partnership_pk = _int(request.GET.get("partnership"))
        if partnership_pk is not None and chosen.filter(pk=partnership_pk).exists():
            chosen = chosen.filter(pk=partnership_pk)
    if len(chosen) == 1:
        initial["partnership"] = chosen[0].pk
    host_ids = _host_ids(chosen)
    form = MissionForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        partnerships=partnerships,
        sites=Site.objects.filter(host_organization_id__in=host_ids)
        .select_related("host_organization")
        .order_by("host_organization__name", "name"),
        needs=_open_needs(host_ids),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            mission = services.create_mission(
                actor=request.user,
                partnership=data["partnership"],
                site=data["site"],
                data=form.service_data(),
                needs=list(data["needs"]),
                services=list(data["services"]),
            )
        except (ValidationFailed, Conflict) as error:
            apply_to_form(form, error)
        else:
            messages.success(
                request, _("Mission drafted. Add its roles, then send it to the host for confirmation.")
            )
            return redirect(_mission_url(mission))
    return render(
        request,
        "missions/planning/mission_form.html",
        {
            "form": form,
            "has_partnerships": partnerships.exists(),
            "cancel_url": reverse("missions:list"),
        },
        status=400 if form.errors else 200,
    )


def _managed_mission(request: AuthenticatedHttpRequest, pk: int) -> tuple[Mission, MissionAccess]:
    mission = get_mission_or_404(request.user, pk)
    access = MissionAccess.of(request.user, mission)
    if not access.can_manage:
        raise NotAllowed(CAPABILITY_MESSAGES[Capability.MANAGE_MISSIONS])
    return mission, access


@login_required
@require_http_methods(["GET", "POST"])
def mission_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    mission, access = _managed_mission(request, pk)
    if mission.status not in services.EDITABLE_MISSION_STATUSES:
        raise Conflict(
            _("Only a mission being planned or recruiting can be edited; this one is %(status)s.")
            % {"status": mission.get_status_display().lower()},
            code="invalid_transition",
        )
    answered = mission.needs.all()
    needs = _open_needs(_host_ids([mission.partnership_id]), answered=answered.values("pk"))
    initial: dict[str, Any] = {name: getattr(mission, name) for name in services.MISSION_FIELDS}
    initial.update(needs=answered, services=mission.services.all())
    form = MissionForm(request.POST if request.method == "POST" else None, initial=initial, needs=needs)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_mission(
                mission,
                actor=request.user,
                data=form.service_data(),
                needs=list(form.cleaned_data["needs"]),
                services=list(form.cleaned_data["services"]),
            )
        except (ValidationFailed, Conflict) as error:
            apply_to_form(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect(_mission_url(mission))
    return render(
        request,
        "missions/planning/mission_form.html",
        {
            "form": form,
            "mission": mission,
            "mission_access": access,
            "has_assignments": mission.assignments.filter(status=AssignmentStatus.ACTIVE).exists(),
            "cancel_url": _mission_url(mission),
        },
        status=400 if form.errors else 200,
    )


@dataclass(frozen=True)
class TransitionText:
    button: str | Promise
    title: str | Promise
    question: str | Promise
    consequence: str | Promise
    done: str | Promise
    danger: bool = False


TRANSITION_TEXT = {
    "submit": TransitionText(
        gettext_lazy("Send to the host"),
        gettext_lazy("Send to the host for confirmation"),
        gettext_lazy("Ask the host to confirm “%(title)s”?"),
        gettext_lazy(
            "The host's admins are emailed. The mission recruits only once one of them confirms it."
        ),
        gettext_lazy("Sent to the host. Its admins have been emailed."),
    ),
    "confirm": TransitionText(
        gettext_lazy("Confirm as host"),
        gettext_lazy("Confirm the mission"),
        gettext_lazy("Confirm “%(title)s” for your organisation?"),
        gettext_lazy("The mission starts recruiting: volunteers can find it and apply."),
        gettext_lazy("Mission confirmed. It is now recruiting."),
    ),
    "return": TransitionText(
        gettext_lazy("Send back for changes"),
        gettext_lazy("Send the mission back"),
        gettext_lazy("Send “%(title)s” back to the sending team as a draft?"),
        gettext_lazy("Tell them what to change; they can send it to you again."),
        gettext_lazy("Mission sent back as a draft."),
    ),
    "ready": TransitionText(
        gettext_lazy("Mark ready"),
        gettext_lazy("Mark the mission ready"),
        gettext_lazy("Mark “%(title)s” ready?"),
        gettext_lazy("Every assignment must be ready, or its gaps waived by the host."),
        gettext_lazy("The mission is ready."),
    ),
    "field": TransitionText(
        gettext_lazy("Start field work"),
        gettext_lazy("Start field work"),
        gettext_lazy("Mark “%(title)s” as in the field?"),
        gettext_lazy("The team is on site."),
        gettext_lazy("The mission is in the field."),
    ),
    "closing": TransitionText(
        gettext_lazy("Start closing"),
        gettext_lazy("Start close-out"),
        gettext_lazy("Start closing “%(title)s”?"),
        gettext_lazy("Field work is over: write the handover plan and log hours."),
        gettext_lazy("The mission is closing."),
    ),
    "complete": TransitionText(
        gettext_lazy("Complete"),
        gettext_lazy("Complete the mission"),
        gettext_lazy("Mark “%(title)s” completed?"),
        gettext_lazy("It needs a handover plan: the local lead, referral pathways and follow-up tasks."),
        gettext_lazy("The mission is completed."),
    ),
    "evaluated": TransitionText(
        gettext_lazy("Mark evaluated"),
        gettext_lazy("Mark the mission evaluated"),
        gettext_lazy("Mark “%(title)s” evaluated?"),
        gettext_lazy("Both the host and the visiting team must have written their evaluation."),
        gettext_lazy("The mission is evaluated."),
    ),
    "cancel": TransitionText(
        gettext_lazy("Cancel mission"),
        gettext_lazy("Cancel the mission"),
        gettext_lazy("Cancel “%(title)s”?"),
        gettext_lazy(
            "Everyone affected is emailed with your reason: applicants, the team and the parties' coordinators. This cannot be undone."
        ),
        gettext_lazy("Mission cancelled. Everyone affected has been emailed."),
        danger=True,
    ),
}


@dataclass(frozen=True)
class TransitionAction:
    slug: str
    text: TransitionText
    needs_reason: bool


@login_required
def mission_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    mission = get_mission_or_404(request.user, pk)
    access = MissionAccess.of(request.user, mission)
    answered = list(mission.needs.select_related("site", "host_organization").order_by("pk"))
    readable = set(
        Need.objects.visible_to(request.user)
        .filter(pk__in=[need.pk for need in answered])
        .values_list("pk", flat=True)
    )
    roles = list(
        Role.objects.filter(mission=mission)
        .select_related("specialty")
        .prefetch_related("languages", "extra_credentials", "required_courses")
        .with_places()
        .order_by("title", "pk")
    )
    transitions = [
        TransitionAction(slug, TRANSITION_TEXT[slug], services.MISSION_TRANSITIONS[slug].needs_reason)
        for slug in services.allowed_transitions(
            mission, can_manage=access.can_manage, is_host_admin=access.is_host_admin
        )
    ]
    return render(
        request,
        "missions/planning/detail.html",
        {
            "mission": mission,
            "mission_access": access,
            "tab": "overview",
            "needs": [(row, row.need.pk in readable) for row in _need_rows(answered)],
            "services": mission.services.select_related("parent"),
            "roles": roles,
            "places": sum(role.people_needed for role in roles),
            "filled": sum(role.places_taken() for role in roles),
            "transitions": transitions,
            "can_edit": access.can_manage and mission.status in services.EDITABLE_MISSION_STATUSES,
            "can_edit_roles": access.can_manage and mission.status in ROLE_STATUSES,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def mission_transition(request: AuthenticatedHttpRequest, pk: int, transition: str) -> HttpResponse:
    found = services.MISSION_TRANSITIONS.get(transition)
    if found is None:
        raise Http404(_("Not found."))
    mission = get_mission_or_404(request.user, pk)
    access = MissionAccess.of(request.user, mission)
    if found.host_admin_only and not access.is_host_admin:
        raise NotAllowed(_("Only an admin of the host organisation can do this."), code="not_host_admin")
    if not found.host_admin_only and not access.can_manage:
        raise NotAllowed(CAPABILITY_MESSAGES[Capability.MANAGE_MISSIONS])
    text = TRANSITION_TEXT[transition]
    form = ReasonForm(request.POST if request.method == "POST" else None) if found.needs_reason else None
    if request.method == "POST":
        reason = form.cleaned_data["reason"] if form is not None and form.is_valid() else ""
        try:
            services.run_transition(mission, transition, actor=request.user, reason=reason)
        except NotAllowed:
            raise
        except DomainError as error:
            if form is None or "reason" not in error.fields:
                messages.error(request, error.message)
                return redirect(_mission_url(mission))
            apply_to_form(form, error)
        else:
            messages.success(request, str(text.done))
            return redirect(_mission_url(mission))
    elif mission.status not in found.sources:
        messages.error(
            request,
            _("This cannot be done while the mission is %(status)s.")
            % {"status": mission.get_status_display().lower()},
        )
        return redirect(_mission_url(mission))
    return render(
        request,
        "core/confirm.html",
        {
            "title": text.title,
            "question": str(text.question) % {"title": mission.title},
            "consequence": text.consequence,
            "confirm_label": text.button,
            "danger": text.danger,
            "form": form,
            "cancel_url": _mission_url(mission),
        },
        status=400 if form is not None and form.errors else 200,
    )


# Roles ------------------------------------------------------------------------------------------


def _require_role_statuses(mission: Mission) -> None:
    if mission.status not in ROLE_STATUSES:
        raise Conflict(
            _("Roles can no longer change: the mission is %(status)s.")
            % {"status": mission.get_status_display().lower()},
            code="invalid_transition",
        )


def _role_relations(form: RoleForm) -> dict[str, Any]:
    data = form.cleaned_data
    return {
        "extra_credentials": list(data["extra_credentials"]),
        "courses": list(data["required_courses"]),
        "languages": list(data["languages"]),
    }


def _render_role_form(
    request: AuthenticatedHttpRequest, form: RoleForm, mission: Mission, access: MissionAccess, **context: Any
) -> HttpResponse:
    return render(
        request,
        "missions/planning/role_form.html",
        {"form": form, "mission": mission, "mission_access": access, **context},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def role_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    mission, access = _managed_mission(request, pk)
    _require_role_statuses(mission)
    form = RoleForm(request.POST if request.method == "POST" else None, tree=specialty_tree())
    if request.method == "POST" and form.is_valid():
        try:
            services.add_role(mission, actor=request.user, data=form.service_data(), **_role_relations(form))
        except (ValidationFailed, Conflict) as error:
            apply_to_form(form, error)
        else:
            messages.success(request, _("Role added."))
            return redirect(_mission_url(mission) + "#roles")
    return _render_role_form(request, form, mission, access)


def _managed_role(request: AuthenticatedHttpRequest, pk: int) -> tuple[Role, Mission, MissionAccess]:
    role = get_role_or_404(request.user, pk)
    mission, access = _managed_mission(request, role.mission_id)
    return role, mission, access


@login_required
@require_http_methods(["GET", "POST"])
def role_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    role, mission, access = _managed_role(request, pk)
    _require_role_statuses(mission)
    initial: dict[str, Any] = {name: getattr(role, name) for name in services.ROLE_FIELDS}
    initial.update(
        specialty=str(role.specialty_id),
        languages=role.languages.all(),
        extra_credentials=role.extra_credentials.all(),
        required_courses=role.required_courses.all(),
    )
    form = RoleForm(
        request.POST if request.method == "POST" else None, initial=initial, tree=specialty_tree()
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_role(role, actor=request.user, data=form.service_data(), **_role_relations(form))
        except (ValidationFailed, Conflict) as error:
            apply_to_form(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect(_mission_url(mission) + "#roles")
    held = role.assignments.filter(status=AssignmentStatus.ACTIVE).count()
    return _render_role_form(request, form, mission, access, role=role, held=held)


@login_required
@require_http_methods(["GET", "POST"])
def role_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    role, mission, _access = _managed_role(request, pk)
    if request.method == "POST":
        try:
            services.delete_role(role, actor=request.user)
        except (ValidationFailed, Conflict) as error:
            messages.error(request, error.message)
        except ProtectedError:
            # Assignments people left or were removed from still point at the role.
            messages.error(request, str(ROLE_KEPT))
        else:
            messages.success(request, _("Role deleted."))
        return redirect(_mission_url(mission) + "#roles")
    return render(
        request,
        "core/confirm.html",
        {
            "title": _("Delete role"),
            "question": _("Delete the role “%(title)s”?") % {"title": role.title},
            "consequence": _(
                "Its applications are deleted with it. A role that people hold cannot be deleted."
            ),
            "confirm_label": _("Delete"),
            "danger": True,
            "cancel_url": _mission_url(mission),
        },
    )
