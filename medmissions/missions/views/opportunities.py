"""Pages: finding opportunities, an opportunity and applying to it, my missions, the Applications
tab of a mission (coordinator review) and saved searches.

Every change goes through missions.applications or missions.discovery; missions are loaded through
missions.access, so a mission one may not see answers 404 and an action one's role does not allow
answers 403.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from medmissions.core.errors import DomainError, NotAllowed, ValidationFailed, apply_to_form
from medmissions.lib.typing import AuthenticatedHttpRequest
from medmissions.missions import applications, discovery, invitations
from medmissions.missions.access import (
    MissionAccess,
    get_application_or_404,
    get_mission_or_404,
)
from medmissions.missions.choices import ApplicationStatus, AssignmentStatus, InvitationStatus, MissionStatus
from medmissions.missions.forms.invitations import RespondForm
from medmissions.missions.forms.opportunities import (
    AcceptForm,
    ApplicationFilterForm,
    ApplyForm,
    OpportunitySearchForm,
    ReviewForm,
    SavedSearchForm,
)
from medmissions.missions.models import Application, Assignment, Invitation, Mission, Role
from medmissions.missions.views.invitations import STATUS_BADGES as INVITATION_BADGES
from medmissions.volunteers.models import Person
from medmissions.volunteers.readiness import RoleRequirements, readiness_for_people

# Applications that can still be reviewed or accepted, and those the applicant can still withdraw.
OPEN_APPLICATION_STATUSES = {
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.SHORTLISTED,
    ApplicationStatus.WAITLISTED,
}
WITHDRAWABLE_STATUSES = OPEN_APPLICATION_STATUSES | {ApplicationStatus.ACCEPTED}
STATUS_BADGES = {
    ApplicationStatus.SUBMITTED: "open",
    ApplicationStatus.SHORTLISTED: "match",
    ApplicationStatus.WAITLISTED: "warn",
    ApplicationStatus.ACCEPTED: "ok",
    ApplicationStatus.DECLINED: "bad",
    ApplicationStatus.WITHDRAWN: "closed",
}


def _next_or(request: AuthenticatedHttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


def _filter_items(filters: discovery.SearchFilters) -> list[tuple[str, str]]:
    """The filters as (name, value) pairs, for the hidden fields of the "save this search" form."""
    items: list[tuple[str, str]] = []
    for name, value in filters.as_dict().items():
        for item in value if isinstance(value, list) else [value]:
            items.append((name, str(item)))
    return items


# Search ------------------------------------------------------------------------------------------


@login_required
@require_GET
def opportunities(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Recruiting missions anyone signed in may apply to, with the viewer's fit for each."""
    form = OpportunitySearchForm(request.GET or None)
    filters = discovery.SearchFilters()
    failed = False
    if form.is_bound:
        if form.is_valid():
            try:
                filters = discovery.clean_filters(form.filter_data())
            except ValidationFailed as error:
                apply_to_form(form, error)
                failed = True
        else:
            failed = True
    missions = Mission.objects.none() if failed else discovery.search_opportunities(filters)
    page = Paginator(discovery.with_details(missions), discovery.PAGE_SIZE).get_page(request.GET.get("page"))
    viewer = discovery.viewer_for(request.user)
    context = {
        "form": form,
        "page_obj": page,
        "results": discovery.build_results(list(page.object_list), viewer),
        "viewer": viewer,
        "filters": filters,
        "filter_items": _filter_items(filters),
        "save_form": SavedSearchForm(initial={"email_alerts": True}),
    }
    template = (
        "missions/opportunities/_results.html"
        if request.headers.get("HX-Request")
        else "missions/opportunities/search.html"
    )
    response = render(request, template, context, status=400 if failed else 200)
    # The partial and the full page share a URL (hx-push-url); caches must keep them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response


# One opportunity ---------------------------------------------------------------------------------


def _apply_form(role_id: int, data: Any = None) -> ApplyForm:
    # One form per role on the page: ids must differ.
    return ApplyForm(data, auto_id=f"id_role{role_id}_%s")


def _opportunity_context(
    request: AuthenticatedHttpRequest, mission_id: int, bound: dict[int, ApplyForm] | None = None
) -> dict[str, Any]:
    mission = discovery.get_opportunity_or_404(request.user, mission_id)
    mission = discovery.with_details(Mission.objects.filter(pk=mission.pk)).get()
    mission_access = MissionAccess.of(request.user, mission)
    viewer = discovery.viewer_for(request.user)
    result = discovery.build_results([mission], viewer)[0]
    own = sorted(mission_access.own_applications, key=lambda application: application.created_at)
    by_role = {application.role_id: application for application in own}
    # A pending invitation is answered here too (applying to that role is refused meanwhile).
    invited = {
        invitation.role_id: invitation
        for invitation in Invitation.objects.filter(
            role__mission=mission, person__user=request.user, status=InvitationStatus.PENDING
        ).select_related("role__mission", "organization")
    }
    bound = bound or {}
    recruiting = mission.status == MissionStatus.RECRUITING and mission.host_confirmed_at is not None
    return {
        "mission": mission,
        "mission_access": mission_access,
        "result": result,
        "viewer": viewer,
        "recruiting": recruiting,
        "roles": [
            {
                "fit": fit,
                "application": by_role.get(fit.role.pk),
                "invitation": invited.get(fit.role.pk),
                "form": bound.get(fit.role.pk) or _apply_form(fit.role.pk),
            }
            for fit in result.roles
        ],
        "own_applications": own,
        "invitations": list(invited.values()),
        "invitation_open": mission.status in invitations.INVITING_STATUSES,
        "respond_form": RespondForm(),
        "withdrawable": WITHDRAWABLE_STATUSES,
        "status_badges": STATUS_BADGES,
        # Security notes are for the host and its partners, and the team they send.
        "show_security": mission_access.can_see_team,
    }


@login_required
@require_GET
def opportunity(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return render(request, "missions/opportunities/detail.html", _opportunity_context(request, pk))


def _opportunity_role_or_404(user: Any, pk: int) -> Role:
    """A role of a mission the user may see or discover."""
    mission_id = Role.objects.filter(pk=pk).values_list("mission_id", flat=True).first()
    if mission_id is None:
        raise Http404
    mission = discovery.get_opportunity_or_404(user, mission_id)
    return Role.objects.select_related("mission").get(pk=pk, mission=mission)


@login_required
@require_POST
def apply(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    role = _opportunity_role_or_404(request.user, pk)
    form = _apply_form(role.pk, request.POST)
    status = 400
    if form.is_valid():
        try:
            applications.apply(role, actor=request.user, motivation=form.cleaned_data["motivation"])
        except DomainError as error:
            apply_to_form(form, error)
            status = error.status
        else:
            messages.success(
                request,
                _("You applied for “%(role)s”. The coordinators will be in touch.") % {"role": role.title},
            )
            return redirect(reverse("missions:opportunity", args=[role.mission_id]) + "#my-applications")
    context = _opportunity_context(request, role.mission_id, {role.pk: form})
    return render(request, "missions/opportunities/detail.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def application_withdraw(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    application = get_application_or_404(request.user, pk)
    if application.person.user_id != request.user.pk:
        # Party members see the application; only the applicant withdraws it.
        raise NotAllowed(_("Only the applicant can withdraw an application."), code="not_applicant")
    back = _next_or(request, reverse("missions:mine"))
    if request.method == "POST":
        try:
            applications.withdraw(application, actor=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Your application is withdrawn."))
        return redirect(back)
    consequence = (
        _("Your place on the team is freed and the coordinators are told.")
        if application.status == ApplicationStatus.ACCEPTED
        else _("The coordinators are told. You cannot apply to this role again.")
    )
    return render(
        request,
        "core/confirm.html",
        {
            "title": _("Withdraw application"),
            "question": _("Withdraw your application for “%(role)s” on “%(mission)s”?")
            % {"role": application.role.title, "mission": application.role.mission.title},
            "consequence": consequence,
            "confirm_label": _("Withdraw"),
            "danger": True,
            "cancel_url": back,
        },
    )


# My missions -------------------------------------------------------------------------------------


@login_required
@require_GET
def mine(request: AuthenticatedHttpRequest) -> HttpResponse:
    own_applications = list(
        Application.objects.filter(person__user=request.user)
        .select_related("role__mission__site")
        .order_by("-created_at", "-pk")
    )
    assignments = list(
        Assignment.objects.filter(person__user=request.user)
        .select_related("mission__site", "role", "supervisor")
        .order_by("-starts_on", "-pk")
    )
    return render(
        request,
        "missions/opportunities/mine.html",
        {
            "applications": own_applications,
            "assignments": assignments,
            "withdrawable": WITHDRAWABLE_STATUSES,
            "status_badges": STATUS_BADGES,
            "active": AssignmentStatus.ACTIVE,
        },
    )


# The Applications tab of a mission ---------------------------------------------------------------


def _party_mission_or_404(user: Any, pk: int) -> tuple[Mission, MissionAccess]:
    mission = get_mission_or_404(user, pk)
    mission_access = MissionAccess.of(user, mission)
    if not mission_access.is_party_member:
        raise Http404
    return mission, mission_access


@login_required
@require_GET
def applications_tab(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Applications grouped by role, with each applicant's readiness (one batch per role)."""
    mission, mission_access = _party_mission_or_404(request.user, pk)
    form = ApplicationFilterForm(request.GET or None)
    status = form.cleaned_data["status"] if form.is_valid() else ""
    roles = list(
        mission.roles.select_related("specialty")
        .with_places()
        .prefetch_related("languages", "extra_credentials")
        .order_by("title", "pk")
    )
    found = Application.objects.filter(role__mission=mission).select_related("person", "decided_by")
    if status:
        found = found.filter(status=status)
    by_role: dict[int, list[Application]] = defaultdict(list)
    for application in found.order_by("created_at", "pk"):
        by_role[application.role_id].append(application)
    can_manage = mission_access.can_manage
    supervisors = list(applications.supervisor_candidates(mission)) if can_manage else []
    invited_by_role: dict[int, list[Invitation]] = defaultdict(list)
    for invitation in invitations.mission_invitations(mission):
        invited_by_role[invitation.role_id].append(invitation)
    groups = []
    total = 0
    for role in roles:
        rows = by_role.get(role.pk, [])
        total += len(rows)
        results = (
            readiness_for_people(
                [application.person_id for application in rows],
                mission.site.country.code,
                mission.starts_on,
                mission.ends_on,
                RoleRequirements(
                    credential_types=list(role.extra_credentials.all()),
                    specialty=role.specialty,
                    minimum_proficiency=role.minimum_proficiency,
                    languages=list(role.languages.all()),
                ),
            )
            if rows
            else {}
        )
        role_invitations = invited_by_role.get(role.pk, [])
        groups.append(
            {
                "role": role,
                # Pending invitations hold places: what is left to offer excludes them.
                "places_left": role.places_left(),
                "held": role.places_held(),
                "invitations": role_invitations,
                "rows": [
                    {
                        "application": application,
                        "readiness": results.get(application.person_id),
                        "is_open": application.status in OPEN_APPLICATION_STATUSES,
                        "review_form": ReviewForm(auto_id=f"id_review{application.pk}_%s"),
                        "accept_form": AcceptForm(
                            supervisors=[p for p in supervisors if p.pk != application.person_id],
                            auto_id=f"id_accept{application.pk}_%s",
                        ),
                    }
                    for application in rows
                ],
            }
        )
    role_applications_filter = Q(applications__role__mission=mission)
    return render(
        request,
        "missions/opportunities/applications.html",
        {
            "mission": mission,
            "mission_access": mission_access,
            "tab": "applications",
            "form": form,
            "groups": groups,
            "total": total,
            "can_manage": can_manage,
            "status_badges": STATUS_BADGES,
            "invitation_badges": INVITATION_BADGES,
            "invitation_count": sum(len(rows) for rows in invited_by_role.values()),
            # Host members see applications but not every applicant's profile (applying shares
            # it with the vetting partners only): link only the profiles the viewer may open.
            "visible_people": set(
                Person.objects.visible_to(request.user)
                .filter(role_applications_filter | Q(invitations__role__mission=mission))
                .values_list("pk", flat=True)
            ),
        },
    )


def _managed_application_or_404(request: AuthenticatedHttpRequest, pk: int) -> Application:
    """The application, for coordinators and admins of a party (members and viewers: 403)."""
    application = get_application_or_404(request.user, pk)
    if not MissionAccess.of(request.user, application.role.mission).can_manage:
        raise NotAllowed(
            _("Only coordinators and admins of a party to the partnership review applications."),
            code="not_party_manager",
        )
    return application


def _form_error(form: Any) -> str:
    for errors in form.errors.values():
        return str(errors[0])
    return _("Please correct the form.")


@login_required
@require_POST
def application_review(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    application = _managed_application_or_404(request, pk)
    back = reverse("missions:applications", args=[application.role.mission_id])
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_error(form))
        return redirect(back)
    try:
        reviewed = applications.review(
            application,
            actor=request.user,
            decision=form.cleaned_data["decision"],
            message=form.cleaned_data["message"],
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(name)s: %(status)s. The applicant is told by email.")
            % {"name": reviewed.person.full_name, "status": reviewed.get_status_display()},
        )
    return redirect(back)


@login_required
@require_POST
def application_accept(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    application = _managed_application_or_404(request, pk)
    mission = application.role.mission
    back = reverse("missions:applications", args=[mission.pk])
    supervisors = list(applications.supervisor_candidates(mission, exclude_person_id=application.person_id))
    form = AcceptForm(request.POST, supervisors=supervisors)
    if not form.is_valid():
        messages.error(request, _form_error(form))
        return redirect(back)
    try:
        assignment = applications.accept(
            application,
            actor=request.user,
            message=form.cleaned_data["message"],
            supervisor=form.chosen_supervisor(),
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(name)s is accepted as %(role)s and joins the team.")
            % {"name": assignment.person.full_name, "role": assignment.role.title},
        )
    return redirect(back)


# Saved searches ----------------------------------------------------------------------------------


@login_required
@require_GET
def saved_searches(request: AuthenticatedHttpRequest) -> HttpResponse:
    saved = list(discovery.saved_searches_of(request.user))
    descriptions = discovery.describe_filters(saved)
    search_url = reverse("missions:opportunities")
    rows = [
        {
            "saved": item,
            "description": descriptions[item.pk],
            "url": f"{search_url}?{discovery.query_string(item.filters or {})}",
        }
        for item in saved
    ]
    return render(
        request,
        "missions/opportunities/saved_searches.html",
        {"rows": rows, "limit": discovery.MAX_SAVED_SEARCHES},
    )


@login_required
@require_POST
def saved_search_add(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Save the filters posted with the search page's "save this search" form."""
    form = SavedSearchForm(request.POST)
    search = OpportunitySearchForm(request.POST)
    back = reverse("missions:opportunities")
    if not (form.is_valid() and search.is_valid()):
        messages.error(request, _form_error(form if form.errors else search))
        return redirect(back)
    try:
        saved = discovery.create_saved_search(
            actor=request.user,
            name=form.cleaned_data["name"],
            filters=search.filter_data(),
            email_alerts=form.cleaned_data["email_alerts"],
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(back)
    messages.success(
        request,
        _("Search “%(name)s” saved. New opportunities that match it will be emailed to you.")
        % {"name": saved.name}
        if saved.email_alerts
        else _("Search “%(name)s” saved.") % {"name": saved.name},
    )
    return redirect("missions:saved_searches")


@login_required
@require_http_methods(["GET", "POST"])
def saved_search_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    saved = discovery.get_saved_search_or_404(request.user, pk)
    form = SavedSearchForm(
        request.POST or None, initial={"name": saved.name, "email_alerts": saved.email_alerts}
    )
    if request.method == "POST" and form.is_valid():
        try:
            discovery.update_saved_search(
                saved,
                actor=request.user,
                name=form.cleaned_data["name"],
                email_alerts=form.cleaned_data["email_alerts"],
            )
        except DomainError as error:
            apply_to_form(form, error)
        else:
            messages.success(request, _("Saved search updated."))
            return redirect("missions:saved_searches")
    return render(
        request,
        "missions/opportunities/saved_search_form.html",
        {"form": form, "saved": saved},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def saved_search_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    saved = discovery.get_saved_search_or_404(request.user, pk)
    if request.method == "POST":
        discovery.delete_saved_search(saved, actor=request.user)
        messages.success(request, _("Saved search deleted."))
        return redirect("missions:saved_searches")
    return render(
        request,
        "core/confirm.html",
        {
            "title": _("Delete saved search"),
            "question": _("Delete the saved search “%(name)s”?") % {"name": saved.name},
            "consequence": _("Its email alerts stop."),
            "confirm_label": _("Delete"),
            "danger": True,
            "cancel_url": reverse("missions:saved_searches"),
        },
    )
