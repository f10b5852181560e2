"""API: suggestions for a role, optimisation runs (run, review, accept, discard) and each
organisation's matching weights. ROUTES lists (prefix, router, tags) for medmissions/api.py.

Endpoints call matching/services.py, as the pages do, and load roles, missions and runs through
matching/access.py: objects of other organisations answer 404, a role too low 403.
"""

import datetime
from typing import Any

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from medmissions.core.errors import NotAllowed, ValidationFailed
from medmissions.lib.pagination import MappedQuerySet
from medmissions.matching import services
from medmissions.matching.access import (
    get_managed_role_or_404,
    get_member_organization_or_404,
    get_run_or_404,
    managing_organizations,
    runs_for,
)
from medmissions.matching.candidates import suggestions_for_role
from medmissions.matching.models import DEFAULT_WEIGHTS, OptimisationRun
from medmissions.missions.access import visible_missions
from medmissions.organizations.access import CAPABILITY_MESSAGES, Capability

roles_router = Router()
runs_router = Router()
weights_router = Router()

MAX_SUGGESTIONS = 200


# Schemas ------------------------------------------------------------------------------------------


class ComponentOut(Schema):
    key: str = Field(
        ..., description="interest, language, continuity, experience, proficiency, local or first_timer"
    )
    label: str
    weight: int
    value: float = Field(..., description="How far the preference holds, 0 to 1")
    points: int = Field(..., description="weight × value, rounded")
    detail: str = Field(..., description="Why, in a sentence")


class ScoreOut(Schema):
    total: int
    components: list[ComponentOut]


class RequirementOut(Schema):
    key: str
    label: str
    met: bool
    reason: str
    due_by: datetime.date | None = None


class SuggestionOut(Schema):
    person: int
    person_name: str
    score: ScoreOut
    applied: bool
    invited: bool
    needs_supervisor: bool = Field(..., description="A trainee: needs a supervisor on the same mission")


class NearMissOut(Schema):
    person: int
    person_name: str
    score: ScoreOut
    summary: str = Field(..., description='e.g. "Would fit if the Uganda licence were verified."')
    unmet: list[RequirementOut]


class SuggestionsOut(Schema):
    role: int
    mission: int
    eligible_count: int
    near_miss_count: int
    ranked: list[SuggestionOut]
    near_misses: list[NearMissOut]


class PairIn(Schema):
    person: int
    role: int


class RunIn(Schema):
    organization: str = Field(
        ..., description="Slug of the organisation running the optimiser (you coordinate its missions)"
    )
    missions: list[int] = Field(..., description="Recruiting or ready missions of its partnerships")
    pins: list[PairIn] = Field(default_factory=list, description="Pairs that must be in the proposal")
    exclusions: list[PairIn] = Field(default_factory=list, description="Pairs that must not")
    excluded_people: list[int] = Field(default_factory=list, description="People kept out of every role")


class RerunIn(Schema):
    pins: list[PairIn] | None = Field(None, description="Replace the run's pins (omit to keep them)")
    exclusions: list[PairIn] | None = Field(
        None, description="Replace the run's exclusions (omit to keep them)"
    )
    excluded_people: list[int] | None = Field(
        None, description="Replace the people kept out (omit to keep them)"
    )


class ProposedOut(Schema):
    person: int
    role: int
    score: int
    points: dict[str, int] = Field(..., description="Points per preference")
    interest: int = Field(..., description="2 applied, 1 invited, 0 in the pool")
    needs_supervisor: bool


class UnfilledOut(Schema):
    role: int
    empty_places: int
    code: str = Field(
        ...,
        description="no_candidates, too_few_candidates, excluded, committed, taken, no_supervisor or not_selected",
    )
    reason: str


class RunSummaryOut(Schema):
    id: int
    organization: str
    status: str = Field(..., description="proposed, accepted or discarded")
    created_at: datetime.datetime
    created_by: str | None
    decided_by: str | None
    decided_at: datetime.datetime | None
    missions: list[int]
    total_score: int
    places: int
    filled: int


class RunOut(RunSummaryOut):
    optimal: bool
    bound: int | None = Field(None, description="Upper bound on the best possible total score")
    solver: str
    candidates: int = Field(..., description="Eligible (person, role) pairings considered")
    inputs: dict[str, Any] = Field(..., description="Roles with places left, weights, pins, exclusions, date")
    timings: dict[str, float] = Field(..., description="Seconds per stage: load, candidates, solve_*, store")
    assignments: list[ProposedOut]
    unfilled: list[UnfilledOut]
    accepted: dict[str, int] | None = Field(
        None, description="After acceptance: applications accepted, invitations sent"
    )


class AcceptIn(Schema):
    message: str = Field("", max_length=2000, description="Added to the emails")


class AcceptOut(Schema):
    run: int
    applications_accepted: int
    invitations_sent: int


class WeightsOut(Schema):
    organization: str
    tuned: bool = Field(..., description="False: the defaults apply")
    weights: dict[str, int]
    defaults: dict[str, int]


class WeightsIn(Schema):
    interest: int | None = None
    language: int | None = None
    continuity: int | None = None
    experience: int | None = None
    proficiency: int | None = None
    local: int | None = None
    first_timer: int | None = None


# Helpers ------------------------------------------------------------------------------------------


def _summary(run: OptimisationRun) -> dict[str, Any]:
    return {
        "id": run.pk,
        "organization": run.organization.slug,
        "status": run.status,
        "created_at": run.created_at,
        "created_by": run.created_by.full_name if run.created_by else None,
        "decided_by": run.decided_by.full_name if run.decided_by else None,
        "decided_at": run.decided_at,
        "missions": list(run.inputs.get("missions", [])),
        "total_score": run.total_score,
        "places": run.result.get("places", 0),
        "filled": run.result.get("filled", 0),
    }


def _run_out(run: OptimisationRun) -> dict[str, Any]:
    result = run.result
    return {
        **_summary(run),
        "optimal": bool(result.get("optimal")),
        "bound": result.get("bound"),
        "solver": result.get("solver", ""),
        "candidates": result.get("candidates", 0),
        "inputs": run.inputs,
        "timings": run.timings,
        "assignments": result.get("assignments", []),
        "unfilled": result.get("unfilled", []),
        "accepted": result.get("accepted"),
    }


def _pairs(pairs: list[PairIn]) -> list[tuple[int, int]]:
    return [(pair.person, pair.role) for pair in pairs]


# Suggestions ---------------------------------------------------------------------------------------


@roles_router.get(
    "/{role_id}/suggestions",
    response=SuggestionsOut,
    summary="Eligible people for a role, best first, with the score broken down, and the near misses (coordinators)",
)
def role_suggestions(request, role_id: int, limit: int = 20, near_misses: int = 10):
    if not 1 <= limit <= MAX_SUGGESTIONS or not 0 <= near_misses <= MAX_SUGGESTIONS:
        message = _("Ask for 1 to %(maximum)d suggestions and 0 to %(maximum)d near misses.") % {
            "maximum": MAX_SUGGESTIONS
        }
        raise ValidationFailed(message, fields={"limit": message})
    role, _access = get_managed_role_or_404(request.user, role_id)
    found = suggestions_for_role(role, limit=limit, near_miss_limit=near_misses)
    return {
        "role": role.pk,
        "mission": role.mission_id,
        "eligible_count": found.eligible_count,
        "near_miss_count": found.near_miss_count,
        "ranked": [
            {
                "person": item.person.pk,
                "person_name": item.person.full_name,
                "score": item.score.as_dict(),
                "applied": item.applied,
                "invited": item.invited,
                "needs_supervisor": item.needs_supervisor,
            }
            for item in found.ranked
        ],
        "near_misses": [
            {
                "person": item.person.pk,
                "person_name": item.person.full_name,
                "score": item.score.as_dict(),
                "summary": item.summary,
                "unmet": [
                    {"key": c.key, "label": c.label, "met": c.met, "reason": c.reason, "due_by": c.due_by}
                    for c in item.unmet
                ],
            }
            for item in found.near_misses
        ],
    }


# Runs ---------------------------------------------------------------------------------------------


@runs_router.get(
    "",
    response=list[RunSummaryOut],
    summary="Runs of the organisations whose missions you coordinate, newest first",
)
@paginate(PageNumberPagination, page_size=50)
def list_runs(request):
    return MappedQuerySet(runs_for(request.user).order_by("-created_at", "-pk"), _summary)


@runs_router.post(
    "",
    response={201: RunOut},
    summary="Run the optimiser over one or many missions and store the proposal (coordinators)",
)
def create_run(request, payload: RunIn):
    organization = managing_organizations(request.user).filter(slug=payload.organization).first()
    if organization is None:
        # Members who do not coordinate get 403, everyone else 404, as for other organisation objects.
        get_member_organization_or_404(request.user, payload.organization)
        raise NotAllowed(CAPABILITY_MESSAGES[Capability.MANAGE_MISSIONS])
    # Missions the caller cannot see answer as missing, so their titles are never revealed.
    missions = list(visible_missions(request.user).filter(pk__in=payload.missions))
    missing = sorted(set(payload.missions) - {mission.pk for mission in missions})
    if missing:
        message = _("Mission %(mission)d does not exist.") % {"mission": missing[0]}
        raise ValidationFailed(message, fields={"missions": message})
    run = services.run_optimisation(
        organization=organization,
        missions=missions,
        actor=request.user,
        pins=_pairs(payload.pins),
        exclusions=_pairs(payload.exclusions),
        excluded_people=payload.excluded_people,
    )
    return Status(201, _run_out(run))


@runs_router.get("/{run_id}", response=RunOut, summary="A run: inputs, proposal, unfilled roles and timings")
def get_run(request, run_id: int):
    return _run_out(get_run_or_404(request.user, run_id))


@runs_router.post(
    "/{run_id}/rerun",
    response={201: RunOut},
    summary="Run again over the same missions, with new pins and exclusions (coordinators)",
)
def rerun(request, run_id: int, payload: RerunIn):
    run = services.rerun_optimisation(
        get_run_or_404(request.user, run_id),
        actor=request.user,
        pins=_pairs(payload.pins) if payload.pins is not None else None,
        exclusions=_pairs(payload.exclusions) if payload.exclusions is not None else None,
        excluded_people=payload.excluded_people,
    )
    return Status(201, _run_out(run))


@runs_router.post(
    "/{run_id}/accept",
    response=AcceptOut,
    summary="Accept the proposal: applicants get their place, everyone else an invitation (all or nothing)",
)
def accept_run(request, run_id: int, payload: AcceptIn):
    run = get_run_or_404(request.user, run_id)
    outcome = services.accept_run(run, actor=request.user, message=payload.message)
    return {
        "run": run.pk,
        "applications_accepted": outcome.accepted_applications,
        "invitations_sent": outcome.invitations,
    }


@runs_router.post(
    "/{run_id}/discard", response=RunSummaryOut, summary="Set the proposal aside (it stays on record)"
)
def discard_run(request, run_id: int):
    run = services.discard_run(get_run_or_404(request.user, run_id), actor=request.user)
    return _summary(run)


# Weights ------------------------------------------------------------------------------------------


def _weights_out(organization: Any) -> dict[str, Any]:
    weights, tuned = services.weights_of(organization)
    return {
        "organization": organization.slug,
        "tuned": tuned,
        "weights": weights,
        "defaults": dict(DEFAULT_WEIGHTS),
    }


@weights_router.get("/{slug}", response=WeightsOut, summary="The organisation's matching weights (members)")
def get_weights(request, slug: str):
    return _weights_out(get_member_organization_or_404(request.user, slug))


@weights_router.put(
    "/{slug}",
    response=WeightsOut,
    summary="Change the matching weights, 0 to 100 each; weights not sent keep their current value (admins)",
)
def put_weights(request, slug: str, payload: WeightsIn):
    organization = get_member_organization_or_404(request.user, slug)
    current, _tuned = services.weights_of(organization)
    given = {name: value for name, value in payload.dict().items() if value is not None}
    services.set_weights(organization, actor=request.user, values={**current, **given})
    return _weights_out(organization)


@weights_router.delete("/{slug}", response={204: None}, summary="Go back to the default weights (admins)")
def delete_weights(request, slug: str):
    services.reset_weights(get_member_organization_or_404(request.user, slug), actor=request.user)
    return Status(204, None)


ROUTES: list[tuple[str, Any, list[str]]] = [
    ("/matching/roles", roles_router, ["Matching"]),
    ("/matching/runs", runs_router, ["Matching"]),
    ("/matching/weights", weights_router, ["Matching"]),
]
