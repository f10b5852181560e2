"""Pages: the field clinics home, emergency responses (list, create, read, change, the labels of
items 19–22 and other items, registering a team not on medmissions) and clinic teams (opening a
mission's team, reading and changing a team).

Every change goes through clinics/responses.py; responses and teams load through
clinics/access.py, so what one may not see answers 404. Pages and buttons only coordinators and
admins may use answer 403 with the reason; a refusal by the rules of the domain (a closed
response, a site the team may not work at) comes back as an error on the form (400).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from medmissions.accounts.models import User
from medmissions.clinics import access, mds, responses
from medmissions.clinics.choices import ResponseStatus
from medmissions.clinics.forms.coordination import ItemLabelsForm, ResponseForm, TeamForm
from medmissions.clinics.models import Response, Team
from medmissions.clinics.views.coordination import teams_with_sites, today_by_site
from medmissions.core.errors import DomainError, NotAllowed, apply_to_form, refuse_if_not_allowed
from medmissions.lib.typing import AuthenticatedHttpRequest
from medmissions.missions.access import MissionAccess, get_mission_or_404
from medmissions.missions.choices import TeamType
from medmissions.missions.models import Mission
from medmissions.organizations.access import CAPABILITY_MESSAGES, Capability, access_for, can
from medmissions.organizations.current import current_organization
from medmissions.organizations.models import Organization
from medmissions.sites.models import Site

PAGE_SIZE = 25
HOME_TEAMS = 50
RESPONSE_BADGES = {ResponseStatus.ACTIVE: "active", ResponseStatus.CLOSED: "closed"}


def _coordinating_organizations(user: User) -> Any:
    ids = access_for(user).organization_ids(Capability.COORDINATE_RESPONSES)
    return Organization.objects.filter(pk__in=ids).order_by("name")


def _require_coordinator(user: User, response: Response) -> None:
    if not can(user, response.coordinating_organization_id, Capability.COORDINATE_RESPONSES):
        raise NotAllowed(CAPABILITY_MESSAGES[Capability.COORDINATE_RESPONSES])


def _my_teams(user: User) -> Any:
    """Teams the person works with: those they lead and those of missions they see (as a party
    or on the team) — not every team of the responses their organisation coordinates."""
    return access.teams(user).filter(
        Q(lead=user) | Q(mission__in=Mission.objects.visible_to(user).values("pk"))
    )


# --- Home ---------------------------------------------------------------------------------------------


@login_required
@require_GET
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    own = access_for(user).organization_ids()
    teams = teams_with_sites(_my_teams(user))[:HOME_TEAMS]
    today = today_by_site(teams)
    visible = access.responses(user).annotate(team_count=Count("teams", distinct=True))
    coordinated = list(visible.filter(coordinating_organization_id__in=own).order_by("-starts_on", "name"))
    reported_to = list(
        visible.filter(teams__in=[team.pk for team in teams])
        .exclude(coordinating_organization_id__in=own)
        .order_by("-starts_on", "name")
    )
    return render(
        request,
        "clinics/home.html",
        {
            "teams": [(team, today[team.pk]) for team in teams],
            "coordinated": coordinated,
            "reported_to": reported_to,
            "can_create_response": bool(access_for(user).organization_ids(Capability.COORDINATE_RESPONSES)),
        },
    )


# --- Responses -------------------------------------------------------------------------------------


@login_required
@require_GET
def response_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    queryset = access.responses(request.user).annotate(team_count=Count("teams", distinct=True))
    status = request.GET.get("status", "")
    if status in ResponseStatus.values:
        queryset = queryset.filter(status=status)
    page = Paginator(queryset.order_by("-starts_on", "name", "pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    own = access_for(request.user).organization_ids()
    return render(
        request,
        "clinics/coordination/responses.html",
        {
            "page_obj": page,
            "rows": [
                (row, RESPONSE_BADGES[ResponseStatus(row.status)], row.coordinating_organization_id in own)
                for row in page
            ],
            "status": status,
            "statuses": ResponseStatus.choices,
            "can_create": bool(access_for(request.user).organization_ids(Capability.COORDINATE_RESPONSES)),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def response_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    organizations = _coordinating_organizations(request.user)
    if not organizations.exists():
        raise NotAllowed(CAPABILITY_MESSAGES[Capability.COORDINATE_RESPONSES])
    current, _memberships = current_organization(request)
    ids = list(organizations.values_list("pk", flat=True))
    chosen = current if current is not None and current.pk in ids else organizations.first()
    assert chosen is not None  # organizations is not empty
    form = ResponseForm(
        request.POST if request.method == "POST" else None,
        organizations=organizations,
        initial={"organization": chosen.pk, "country": chosen.country},
    )
    if request.method == "POST" and form.is_valid():
        try:
            response = responses.create_response(
                actor=request.user, organization=form.cleaned_data["organization"], data=form.service_data()
            )
        except DomainError as error:
            refuse_if_not_allowed(error)
            apply_to_form(form, error)
        else:
            messages.success(
                request,
                _("Response created. Set the labels of items 19–22, then invite teams to report to it."),
            )
            return redirect("clinics:response", response.pk)
    return render(
        request,
        "clinics/coordination/response_form.html",
        {"form": form, "response": None},
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
def response_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    response = access.get_response_or_404(request.user, pk)
    is_coordinating = access.is_coordinating_member(request.user, response)
    # Members of the coordinating organisation see every team; others, the teams they work with.
    queryset = (
        response.teams.all() if is_coordinating else access.teams(request.user).filter(response=response)
    )
    teams = teams_with_sites(queryset)
    today = today_by_site(teams)
    labels = list(response.item_labels.all())
    in_use = responses.item_labels(response)
    return render(
        request,
        "clinics/coordination/response.html",
        {
            "response": response,
            "badge": RESPONSE_BADGES[ResponseStatus(response.status)],
            "teams": [(team, today[team.pk]) for team in teams],
            "slots": [(number, in_use[number]) for number in mds.CONTEXT_SLOTS],
            "labels": labels,
            "overrides": [label for label in labels if label.item not in mds.CONTEXT_SLOTS],
            "is_coordinating": is_coordinating,
            "can_coordinate": access.is_coordinating_member(
                request.user, response, Capability.COORDINATE_RESPONSES
            ),
            "tab": "overview",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def response_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    response = access.get_response_or_404(request.user, pk)
    _require_coordinator(request.user, response)
    initial = {name: getattr(response, name) for name in responses.RESPONSE_FIELDS}
    initial["country"] = response.country.code
    form = ResponseForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            responses.update_response(response, actor=request.user, data=form.service_data())
        except DomainError as error:
            refuse_if_not_allowed(error)
            apply_to_form(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("clinics:response", response.pk)
    return render(
        request,
        "clinics/coordination/response_form.html",
        {"form": form, "response": response},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def response_labels(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    response = access.get_response_or_404(request.user, pk)
    _require_coordinator(request.user, response)
    form = ItemLabelsForm(
        request.POST if request.method == "POST" else None, labels=list(response.item_labels.all())
    )
    if request.method == "POST" and form.is_valid():
        try:
            responses.set_item_labels(response, actor=request.user, labels=form.labels())
        except DomainError as error:
            refuse_if_not_allowed(error)
            form.apply_error(error.fields, error.message)
        else:
            messages.success(request, _("Labels saved. Daily reports submitted from now on carry them."))
            return redirect("clinics:response", response.pk)
    return render(
        request,
        "clinics/coordination/labels.html",
        {"form": form, "response": response},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def response_team_register(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    response = access.get_response_or_404(request.user, pk)
    _require_coordinator(request.user, response)
    form = TeamForm(
        request.POST if request.method == "POST" else None,
        leads=responses.eligible_leads(None, response),
        sites=responses.sites_for_team(None, response=response),
        require_sites=True,
    )
    if request.method == "POST" and form.is_valid():
        try:
            team = responses.register_team(
                response, actor=request.user, data=form.service_data(), sites=list(form.cleaned_data["sites"])
            )
        except DomainError as error:
            refuse_if_not_allowed(error)
            apply_to_form(form, error)
        else:
            messages.success(
                request, _("Team registered. Import its eDATA files or record its consultations here.")
            )
            return redirect("clinics:team", team.pk)
    return render(
        request,
        "clinics/coordination/team_form.html",
        {"form": form, "response": response, "team": None, "mission": None},
        status=400 if form.errors else 200,
    )


# --- Teams -------------------------------------------------------------------------------------------


def _joinable_responses(country: Any, current: Response | None = None) -> Any:
    """Active responses in a country (any may be joined), and the team's current one."""
    condition = Q(status=ResponseStatus.ACTIVE, country=country)
    if current is not None:
        condition |= Q(pk=current.pk)
    return (
        Response.objects.filter(condition).select_related("coordinating_organization").order_by("name", "pk")
    )


def _sites_for_mission(mission: Mission, joinable: Any) -> Any:
    """Sites a mission's team may work at, with or without one of the joinable responses: the
    service checks the sites against the response chosen."""
    condition = Q(pk__in=responses.sites_for_team(None, mission=mission).values("pk"))
    condition |= Q(host_organization_id__in=joinable.values("coordinating_organization_id"))
    return Site.objects.filter(condition).select_related("host_organization").order_by("name", "pk")


@login_required
@require_http_methods(["GET", "POST"])
def mission_team_open(request: AuthenticatedHttpRequest, mission_pk: int) -> HttpResponse:
    mission = get_mission_or_404(request.user, mission_pk)
    mission_access = MissionAccess.of(request.user, mission)
    if not mission_access.can_manage:
        raise NotAllowed(CAPABILITY_MESSAGES[Capability.MANAGE_MISSIONS])
    existing = responses.team_for_mission(mission)
    if existing is not None:
        messages.info(request, _("This mission already has its clinic team."))
        return redirect("clinics:team", existing.pk)
    joinable = _joinable_responses(mission.site.country)
    leads = responses.eligible_leads(mission, None)
    form = TeamForm(
        request.POST if request.method == "POST" else None,
        leads=leads,
        sites=_sites_for_mission(mission, joinable),
        responses=joinable,
        ask_organization=False,
        initial={
            "name": mission.title,
            "emt_type": mission.team_type
            if mission.team_type != TeamType.NOT_EMERGENCY
            else TeamType.TYPE_1_FIXED,
            "departs_on": mission.ends_on,
            "sites": [mission.site_id],
            "lead": request.user.pk if leads.filter(pk=request.user.pk).exists() else None,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            team = responses.open_mission_team(
                mission,
                actor=request.user,
                data=form.service_data(),
                sites=list(form.cleaned_data["sites"]) or None,
            )
        except DomainError as error:
            refuse_if_not_allowed(error)
            apply_to_form(form, error)
        else:
            messages.success(request, _("Clinic team opened. Record consultations from the team's page."))
            return redirect("clinics:team", team.pk)
    return render(
        request,
        "clinics/coordination/team_form.html",
        {"form": form, "mission": mission, "team": None, "response": None},
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
def team_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    team = access.get_team_or_404(request.user, pk)
    team_access = access.TeamAccess.of(request.user, team)
    teams = teams_with_sites(Team.objects.filter(pk=team.pk))
    return render(
        request,
        "clinics/coordination/team.html",
        {
            "team": teams[0],
            "team_access": team_access,
            "today": today_by_site(teams)[team.pk],
            "is_coordinating": team.response is not None
            and access.is_coordinating_member(request.user, team.response),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def team_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    team = access.get_team_or_404(request.user, pk)
    if not access.TeamAccess.of(request.user, team).can_manage:
        raise NotAllowed(_("Only the team lead and the mission's coordinators change the team."))
    mission, response = team.mission, team.response
    # A registered team has no mission; it always has its response.
    country = mission.site.country if mission is not None else response.country  # type: ignore[union-attr]
    joinable = _joinable_responses(country, response)
    leads = User.objects.filter(
        Q(pk__in=responses.eligible_leads(mission, response).values("pk")) | Q(pk=team.lead_id)
    ).order_by("full_name", "email")
    offered = Q(pk__in=responses.sites_for_team(team).values("pk")) | Q(pk__in=team.sites.values("pk"))
    if mission is not None:
        offered |= Q(pk__in=_sites_for_mission(mission, joinable).values("pk"))
    sites = Site.objects.filter(offered).select_related("host_organization").order_by("name", "pk")
    initial: dict[str, Any] = {name: getattr(team, name) for name in responses.TEAM_FIELDS}
    initial.update(
        lead=team.lead_id, response=team.response_id, sites=list(team.sites.values_list("pk", flat=True))
    )
    form = TeamForm(
        request.POST if request.method == "POST" else None,
        leads=leads,
        sites=sites,
        responses=joinable if mission is not None else None,
        ask_organization=True,
        require_sites=True,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        try:
            responses.update_team(
                team, actor=request.user, data=form.service_data(), sites=list(form.cleaned_data["sites"])
            )
        except DomainError as error:
            refuse_if_not_allowed(error)
            apply_to_form(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("clinics:team", team.pk)
    return render(
        request,
        "clinics/coordination/team_form.html",
        {"form": form, "team": team, "mission": mission, "response": response},
        status=400 if form.errors else 200,
    )
