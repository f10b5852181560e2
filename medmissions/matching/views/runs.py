"""Pages: a mission's matching tab (suggested people per role), one role's full suggestions, and
optimisation runs (start, review with pins and exclusions, re-run, accept, discard). Every change
goes through matching/services.py; objects are loaded through matching/access.py."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from medmissions.core.errors import DomainError, NotAllowed, apply_to_form
from medmissions.lib.typing import AuthenticatedHttpRequest
from medmissions.matching import services
from medmissions.matching.access import (
    MATCHABLE_STATUSES,
    get_managed_mission_or_404,
    get_managed_role_or_404,
    get_run_or_404,
    managing_organizations,
    matchable_missions,
    runs_for,
)
from medmissions.matching.candidates import COMPONENT_LABELS, suggestions_for_role
from medmissions.matching.forms import AcceptForm, AdjustForm, RunForm
from medmissions.matching.models import DEFAULT_WEIGHTS, OptimisationRun, RunStatus
from medmissions.missions.models import Mission, Role
from medmissions.organizations.access import CAPABILITY_MESSAGES, Capability
from medmissions.volunteers.models import Person

# Suggestions shown per role on the mission's matching tab; the role's own page shows more.
TAB_SUGGESTIONS = 5
ROLE_SUGGESTIONS = 50
ROLE_NEAR_MISSES = 20
MISSIONS_PER_PAGE = 20

RUN_BADGES: dict[str, str] = {
    RunStatus.PROPOSED: "open",
    RunStatus.ACCEPTED: "ok",
    RunStatus.DISCARDED: "closed",
}
# Lazy: the module is imported once, the labels are shown in each viewer's language.
INTEREST_LABELS = {2: gettext_lazy("applied"), 1: gettext_lazy("invited"), 0: gettext_lazy("in the pool")}


@login_required
@require_GET
def mission(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The mission's matching tab: each role's places left and best suggestions."""
    mission, access = get_managed_mission_or_404(request.user, pk)
    rows = []
    for role in mission.roles.select_related("specialty").with_places().order_by("pk"):
        role.mission = mission
        rows.append(
            (role, role.places_left(), suggestions_for_role(role, limit=TAB_SUGGESTIONS, near_miss_limit=0))
        )
    organizations = [
        organization
        for organization in managing_organizations(request.user)
        if organization.pk in access.manager_organization_ids
    ]
    return render(
        request,
        "matching/mission.html",
        {
            "mission": mission,
            "mission_access": access,
            "tab": "matching",
            "rows": rows,
            "matchable": mission.status in MATCHABLE_STATUSES,
            "organizations": organizations,
        },
    )


@login_required
@require_GET
def role_suggestions(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Everyone eligible for one role, ranked with the score broken down, and the near misses."""
    role, access = get_managed_role_or_404(request.user, pk)
    suggestions = suggestions_for_role(role, limit=ROLE_SUGGESTIONS, near_miss_limit=ROLE_NEAR_MISSES)
    return render(
        request,
        "matching/role.html",
        {
            "mission": role.mission,
            "mission_access": access,
            "tab": "matching",
            "role": role,
            "places_left": role.places_left(),
            "suggestions": suggestions,
            "matchable": role.mission.status in MATCHABLE_STATUSES,
        },
    )


def _run_form(request: AuthenticatedHttpRequest, data: Any = None, initial: Any = None) -> RunForm:
    organizations = managing_organizations(request.user)
    chosen = None
    if data is not None:
        chosen = data.get("organization")
    elif initial and initial.get("organization"):
        chosen = initial["organization"]
    first = organizations.first()
    organization_id = chosen or (first.pk if first is not None else None)
    try:
        missions = (
            matchable_missions(int(organization_id))
            if organization_id is not None
            else Mission.objects.none()
        )
    except (TypeError, ValueError):
        missions = Mission.objects.none()
    return RunForm(data, initial=initial, organizations=organizations, missions=missions)


@login_required
@require_http_methods(["GET", "POST"])
def runs(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The organisation's runs, and the form to run the optimiser over one or many missions."""
    organizations = managing_organizations(request.user)
    if not organizations.exists():
        raise NotAllowed(CAPABILITY_MESSAGES[Capability.MANAGE_MISSIONS])
    initial: dict[str, Any] = {}
    if request.method == "GET":
        mission_ids = [value for value in request.GET.getlist("mission") if value.isdigit()]
        if request.GET.get("organization", "").isdigit():
            initial["organization"] = int(request.GET["organization"])
        if mission_ids:
            initial["missions"] = [int(value) for value in mission_ids]
        form = _run_form(request, initial=initial)
    else:
        form = _run_form(request, data=request.POST)
        if form.is_valid():
            try:
                run = services.run_optimisation(
                    organization=form.cleaned_data["organization"],
                    missions=list(form.cleaned_data["missions"]),
                    actor=request.user,
                )
            except DomainError as error:
                apply_to_form(form, error)
            else:
                messages.success(request, _("The optimiser proposed a team. Review it before accepting."))
                return redirect("matching:run", run.pk)
    page = Paginator(runs_for(request.user).order_by("-created_at", "-pk"), 25).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "matching/runs.html",
        {"form": form, "page_obj": page, "badges": RUN_BADGES},
    )


def _proposal(run: OptimisationRun, page_number: Any) -> dict[str, Any]:
    """The run's result grouped by mission and role, one page of missions at a time."""
    mission_ids = run.inputs.get("missions", [])
    paginator = Paginator(mission_ids, MISSIONS_PER_PAGE)
    page = paginator.get_page(page_number)
    shown = set(page.object_list)
    missions = Mission.objects.in_bulk(list(shown))
    places = {item["role"]: item["places_left"] for item in run.inputs.get("roles", [])}
    role_ids = [item["role"] for item in run.inputs.get("roles", []) if item["mission"] in shown]
    roles = Role.objects.in_bulk(role_ids)
    rows_by_role: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in run.result.get("assignments", []):
        if row["role"] in roles:
            rows_by_role[row["role"]].append(row)
    unfilled = {item["role"]: item for item in run.result.get("unfilled", []) if item["role"] in roles}
    people = Person.objects.in_bulk({row["person"] for rows in rows_by_role.values() for row in rows})
    labels = {key: str(label) for key, label in COMPONENT_LABELS.items()}
    pins = {tuple(pair) for pair in run.inputs.get("pins", [])}
    exclusions = {tuple(pair) for pair in run.inputs.get("exclusions", [])}
    groups = []
    for mission_id in page.object_list:
        mission = missions.get(mission_id)
        role_rows = []
        for item in run.inputs.get("roles", []):
            if item["mission"] != mission_id or item["role"] not in roles:
                continue
            role = roles[item["role"]]
            placed = []
            for row in rows_by_role.get(role.pk, []):
                person = people.get(row["person"])
                placed.append(
                    {
                        **row,
                        "key": f"{row['person']}:{row['role']}",
                        "name": person.full_name if person is not None else _("A deleted person"),
                        "interest_label": INTEREST_LABELS.get(row.get("interest", 0), ""),
                        "pinned": (row["person"], row["role"]) in pins,
                        "breakdown": [
                            (labels[key], row["points"].get(key, 0))
                            for key in DEFAULT_WEIGHTS
                            if key in labels
                        ],
                    }
                )
            role_rows.append(
                {
                    "role": role,
                    "places": places.get(role.pk, 0),
                    "placed": placed,
                    "unfilled": unfilled.get(role.pk),
                }
            )
        groups.append({"mission": mission, "mission_id": mission_id, "roles": role_rows})
    shown_exclusions = sorted(exclusions)[:200]
    shown_pins = sorted(pins)[:200]
    shown_pairs = shown_exclusions + shown_pins
    named = Person.objects.in_bulk(
        {person_id for person_id, _role_id in shown_pairs} | set(run.inputs.get("excluded_people", []))
    )
    titles = dict(
        Role.objects.filter(pk__in={role_id for _person_id, role_id in shown_pairs}).values_list(
            "pk", "title"
        )
    )

    def name_of(person_id: int) -> str:
        person = named.get(person_id)
        return person.full_name if person is not None else _("A deleted person")

    exclusion_rows = [
        {
            "key": f"{person_id}:{role_id}",
            "name": name_of(person_id),
            "role": titles.get(role_id, str(role_id)),
        }
        for person_id, role_id in shown_exclusions
    ]
    pin_rows = [
        {
            "key": f"{person_id}:{role_id}",
            "name": name_of(person_id),
            "role": titles.get(role_id, str(role_id)),
        }
        for person_id, role_id in shown_pins
    ]
    return {
        "groups": groups,
        "page_obj": page,
        "pins": pin_rows,
        "exclusion_rows": exclusion_rows,
        "excluded_people": [
            {"id": person_id, "name": name_of(person_id)}
            for person_id in run.inputs.get("excluded_people", [])
        ],
    }


def _render_run(
    request: AuthenticatedHttpRequest,
    run: OptimisationRun,
    *,
    accept_form: AcceptForm | None = None,
    failed: Any = None,
) -> HttpResponse:
    result = run.result
    gap = None
    if result.get("bound") is not None and not result.get("optimal") and result.get("bound"):
        # Never "within 0.0 %": a proposal short of the bound by a few points shows 0.01 %.
        gap = max(round(100 * (result["bound"] - result["total_score"]) / result["bound"], 2), 0.01)
    return render(
        request,
        "matching/run.html",
        {
            "run": run,
            "result": result,
            "badge": RUN_BADGES.get(run.status, ""),
            "gap": gap,
            "proposed": run.status == RunStatus.PROPOSED,
            "accept_form": accept_form or AcceptForm(),
            "failed": failed,
            **_proposal(run, request.GET.get("page")),
        },
        status=400 if failed is not None else 200,
    )


@login_required
@require_GET
def run(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _render_run(request, get_run_or_404(request.user, pk))


def _run_pairs(run: OptimisationRun) -> tuple[list[tuple[int, int]], list[int]]:
    pairs = {(row["person"], row["role"]) for row in run.result.get("assignments", [])}
    pairs |= {(int(pair[0]), int(pair[1])) for pair in run.inputs.get("pins", [])}
    pairs |= {(int(pair[0]), int(pair[1])) for pair in run.inputs.get("exclusions", [])}
    people = {person for person, _role in pairs} | set(run.inputs.get("excluded_people", []))
    return sorted(pairs), sorted(people)


@login_required
@require_POST
def rerun(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Run again over the same missions with the pins and exclusions chosen on the proposal."""
    previous = get_run_or_404(request.user, pk)
    pairs, people = _run_pairs(previous)
    form = AdjustForm(request.POST, pairs=pairs, people=people)
    if not form.is_valid():
        return _render_run(
            request, previous, failed=DomainError(" ".join(str(e) for e in form.errors.values()))
        )
    try:
        new_run = services.rerun_optimisation(
            previous,
            actor=request.user,
            pins=form.cleaned_data["pins"],
            exclusions=form.cleaned_data["exclusions"],
            excluded_people=form.cleaned_data["excluded_people"],
        )
    except DomainError as error:
        return _render_run(request, previous, failed=error)
    messages.success(request, _("The optimiser ran again with your pins and exclusions."))
    return redirect("matching:run", new_run.pk)


@login_required
@require_POST
def accept(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    run = get_run_or_404(request.user, pk)
    form = AcceptForm(request.POST)
    if not form.is_valid():
        return _render_run(request, run, accept_form=form, failed=DomainError(_("The message is too long.")))
    try:
        outcome = services.accept_run(run, actor=request.user, message=form.cleaned_data["message"])
    except DomainError as error:
        return _render_run(request, run, accept_form=form, failed=error)
    messages.success(
        request,
        ngettext(
            "Accepted: %(applications)d application accepted and %(count)d invitation sent.",
            "Accepted: %(applications)d applications accepted and %(count)d invitations sent.",
            outcome.invitations,
        )
        % {"applications": outcome.accepted_applications, "count": outcome.invitations},
    )
    return redirect("matching:run", run.pk)


@login_required
@require_POST
def discard(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    run = get_run_or_404(request.user, pk)
    try:
        services.discard_run(run, actor=request.user)
    except DomainError as error:
        return _render_run(request, run, failed=error)
    messages.success(request, _("The proposal was set aside; it stays on record."))
    return redirect(reverse("matching:runs"))
