"""Matching services: optimisation runs (run, re-run with pins and exclusions, accept, discard) and
each organisation's weights. Views and the API call these; suggestions for one role are a read
(``candidates.suggestions_for_role``) and need no service.

A run reads the database once through ``bulk.load_problem``, solves with ``optimiser.solve`` and
stores everything needed to review it later: the inputs (missions, roles with their places left,
weights, pins, exclusions), the result (each proposed pairing with its score broken down, each
unfilled role with the reason) and the time each stage took.

Accepting a run goes through the missions services, so the same rules, audit entries and emails
apply as when a coordinator acts by hand: an open application is accepted (the person gets the
place), anyone else is invited (they get the place when they accept). Before anything is written,
the proposal is checked against the database as it is now; if someone is no longer eligible or a
role has fewer places, nothing is written and the error names every problem.
"""

from __future__ import annotations

import datetime
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from medmissions.accounts.models import User
from medmissions.audit.services import log_action, snapshot
from medmissions.core.errors import Conflict, DomainError, ValidationFailed
from medmissions.matching import bulk, optimiser
from medmissions.matching.access import MATCHABLE_STATUSES
from medmissions.matching.models import DEFAULT_WEIGHTS, MatchingWeights, OptimisationRun, RunStatus
from medmissions.missions import applications, invitations
from medmissions.missions.choices import ApplicationStatus, InvitationStatus
from medmissions.missions.models import Application, Invitation, Mission, Role
from medmissions.organizations.access import Capability, require
from medmissions.organizations.models import Organization
from medmissions.volunteers.models import Person

__all__ = [
    "MAX_MISSIONS_PER_RUN",
    "MAX_WEIGHT",
    "AcceptOutcome",
    "Proposal",
    "accept_run",
    "discard_run",
    "propose",
    "rerun_optimisation",
    "reset_weights",
    "run_optimisation",
    "set_weights",
]

# A call-out staffs hundreds of missions at once; beyond this the page and the stored result
# become unwieldy, and the API caller should split the batch.
MAX_MISSIONS_PER_RUN = 5_000
MAX_WEIGHT = 100
# Listed in an error message before "and N more".
MAX_PROBLEMS_LISTED = 10

OPEN_APPLICATION_STATUSES = (
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.SHORTLISTED,
    ApplicationStatus.WAITLISTED,
)


# Running -----------------------------------------------------------------------------------------


def _pairs(values: Iterable[Any], field: str) -> list[tuple[int, int]]:
    """(person_id, role_id) pairs from API or form input, with a clear error for anything else."""
    pairs = []
    for value in values:
        try:
            person_id, role_id = (int(part) for part in value)
        except (TypeError, ValueError) as error:
            raise ValidationFailed(
                _("Each pin or exclusion names a person and a role."),
                fields={field: _("Give pairs of a person id and a role id.")},
            ) from error
        pairs.append((person_id, role_id))
    return sorted(set(pairs))


def _check_missions(organization: Organization, missions: Sequence[Mission]) -> list[Mission]:
    unique = list({mission.pk: mission for mission in missions}.values())
    if not unique:
        raise ValidationFailed(
            _("Choose at least one mission."), fields={"missions": _("Choose at least one mission.")}
        )
    if len(unique) > MAX_MISSIONS_PER_RUN:
        message = _("A run covers at most %(limit)d missions; split the call-out into batches.") % {
            "limit": MAX_MISSIONS_PER_RUN
        }
        raise ValidationFailed(message, fields={"missions": message})
    party_of = set(
        Mission.objects.filter(
            pk__in=[mission.pk for mission in unique], partnership__parties__organization=organization
        ).values_list("pk", flat=True)
    )
    outside = [mission for mission in unique if mission.pk not in party_of]
    if outside:
        message = _("%(organization)s is not a party to “%(mission)s”.") % {
            "organization": organization,
            "mission": outside[0].title,
        }
        raise ValidationFailed(message, fields={"missions": message})
    closed = [mission for mission in unique if mission.status not in MATCHABLE_STATUSES]
    if closed:
        message = _("“%(mission)s” is %(status)s; only recruiting and ready missions are matched.") % {
            "mission": closed[0].title,
            "status": closed[0].get_status_display(),
        }
        raise ValidationFailed(message, fields={"missions": message})
    return sorted(unique, key=lambda mission: (mission.starts_on, mission.pk))


def _check_pairs(pairs: list[tuple[int, int]], role_ids: set[int], field: str) -> None:
    # People are not looked up here: a pin of someone who is not a candidate is refused by the
    # optimiser with the reason, and an exclusion of nobody changes nothing.
    unknown_roles = sorted({role_id for _person_id, role_id in pairs} - role_ids)
    if unknown_roles:
        message = _("Role %(role)d is not a role of the missions in this run.") % {"role": unknown_roles[0]}
        raise ValidationFailed(message, fields={field: message})


def _assignment_rows(loaded: bulk.LoadedProblem, solution: optimiser.Solution) -> list[dict[str, Any]]:
    """Each proposed pairing with its score broken down, read from the candidate columns."""
    columns = loaded.problem.candidates
    assert isinstance(columns, optimiser.CandidateColumns)
    if not solution.assignments:
        return []
    span = int(columns.role_ids.max(initial=0)) + 1
    keys = columns.person_ids * span + columns.role_ids
    chosen = np.array([person * span + role for person, role in solution.assignments], dtype=np.int64)
    indices = np.flatnonzero(np.isin(keys, chosen))
    components = {key: values[indices].tolist() for key, values in loaded.components.items()}
    rows: list[dict[str, Any]] = []
    for position, index in enumerate(indices.tolist()):
        rows.append(
            {
                "person": int(columns.person_ids[index]),
                "role": int(columns.role_ids[index]),
                "score": int(columns.scores[index]),
                "points": {key: int(values[position]) for key, values in components.items()},
                "interest": int(loaded.interest[index]),
                "needs_supervisor": bool(loaded.needs_supervisor[index]),
            }
        )
    rows.sort(key=lambda row: (int(row["role"]), -int(row["score"]), int(row["person"])))
    return rows


def _invited_elsewhere(loaded: bulk.LoadedProblem) -> frozenset[tuple[int, int]]:
    """People with a pending invitation on a mission of the batch already hold a place there
    (their invitation counts against the role's places): they are not proposed again for any role
    of that mission, which ``invitations.invite`` would refuse anyway."""
    roles_of: dict[int, list[int]] = defaultdict(list)
    for info in loaded.roles.values():
        roles_of[info.mission_id].append(info.role_id)
    pending = Invitation.objects.filter(
        role__mission_id__in=list(roles_of), status=InvitationStatus.PENDING
    ).values_list("person_id", "role__mission_id")
    return frozenset(
        (person_id, role_id) for person_id, mission_id in pending for role_id in roles_of[mission_id]
    )


@dataclass
class Proposal:
    """What the optimiser proposes for a batch of roles, before it is stored as a run."""

    loaded: bulk.LoadedProblem
    solution: optimiser.Solution
    result: dict[str, Any]  # as stored in OptimisationRun.result
    capacities: dict[int, int]  # role id → places left when the problem was loaded
    timings: dict[str, float]  # load, candidates, solve_* (the solver's own stages), explain
    time_limit: float
    accept_gap: float


def propose(
    roles: Sequence[Role | int],
    *,
    pins: Iterable[tuple[int, int]] = (),
    exclusions: Iterable[tuple[int, int]] = (),
    excluded_people: Iterable[int] = (),
    time_limit: float | None = None,
    accept_gap: float | None = None,
    today: datetime.date | None = None,
) -> Proposal:
    """Load the roles' problem from the database, solve it and describe the answer. No access
    checks and nothing written: ``run_optimisation`` checks and stores; the benchmark measures this.

    CP-SAT (needed only when trainees need supervisors) is skipped when the flows' answer is
    within ``accept_gap`` (``settings.MATCHING_ACCEPT_GAP``) of the upper bound; the result says
    how far from the bound the proposal may be.
    """
    loaded = bulk.load_problem(roles, today=today)
    problem = loaded.problem
    problem.pins = frozenset(pins)
    problem.exclusions = frozenset(exclusions) | _invited_elsewhere(loaded)
    problem.excluded_people = frozenset(excluded_people)
    limit = settings.MATCHING_TIME_LIMIT_SECONDS if time_limit is None else time_limit
    gap = settings.MATCHING_ACCEPT_GAP if accept_gap is None else accept_gap
    solution = optimiser.solve(problem, time_limit=limit, accept_gap=gap)
    began = time.perf_counter()
    unfilled = optimiser.explain_unfilled(problem, solution)
    capacities = {slot.role_id: slot.capacity for slot in problem.slots}
    result = {
        "assignments": _assignment_rows(loaded, solution),
        "unfilled": [
            {"role": role_id, "empty_places": item.empty_places, "code": str(item.code), "reason": item.text}
            for role_id, item in sorted(unfilled.items())
        ],
        "total_score": solution.total_score,
        "bound": solution.bound,
        "optimal": solution.optimal,
        "solver": solution.solver,
        "solver_status": solution.status,
        "candidates": len(problem.candidates),
        "places": sum(capacities.values()),
        "filled": len(solution.assignments),
    }
    timings = {
        "load": loaded.timings.get("load", 0.0),
        "candidates": loaded.timings.get("candidates", 0.0),
        **{f"solve_{name}": value for name, value in solution.timings.items()},
        "explain": time.perf_counter() - began,
    }
    return Proposal(loaded, solution, result, capacities, timings, limit, gap)


def run_optimisation(
    *,
    organization: Organization,
    missions: Sequence[Mission],
    actor: User,
    pins: Iterable[Any] = (),
    exclusions: Iterable[Any] = (),
    excluded_people: Iterable[int] = (),
    previous: OptimisationRun | None = None,
    time_limit: float | None = None,
) -> OptimisationRun:
    """Propose the best team for ``missions`` and store the run.

    ``pins`` are (person, role) pairs that must be in the proposal, ``exclusions`` pairs that must
    not, ``excluded_people`` people kept out of every role. A pin that cannot be honoured raises
    ``optimiser.InfeasiblePin`` (409) naming the pair and why; nothing is stored then.
    """
    require(actor, organization, Capability.MANAGE_MISSIONS)
    missions = _check_missions(organization, missions)
    pin_pairs = _pairs(pins, "pins")
    exclusion_pairs = _pairs(exclusions, "exclusions")
    try:
        people_out = sorted({int(person_id) for person_id in excluded_people})
    except (TypeError, ValueError) as error:
        raise ValidationFailed(
            _("Excluded people are given by their ids."), fields={"excluded_people": _("Give person ids.")}
        ) from error
    overlap = set(pin_pairs) & set(exclusion_pairs)
    if overlap:
        person_id, role_id = min(overlap)
        message = _("Person %(person)d is both pinned to and excluded from role %(role)d.") % {
            "person": person_id,
            "role": role_id,
        }
        raise ValidationFailed(message, fields={"pins": message})

    started = time.perf_counter()
    roles = list(Role.objects.filter(mission__in=missions).order_by("mission__starts_on", "mission_id", "pk"))
    role_ids = {role.pk for role in roles}
    _check_pairs(pin_pairs, role_ids, "pins")
    _check_pairs(exclusion_pairs, role_ids, "exclusions")
    if not roles:
        message = _("The chosen missions have no roles to fill.")
        raise ValidationFailed(message, fields={"missions": message})

    today = timezone.localdate()
    proposal = propose(
        roles,
        pins=pin_pairs,
        exclusions=exclusion_pairs,
        excluded_people=people_out,
        time_limit=time_limit,
        today=today,
    )
    solution, result, capacities = proposal.solution, proposal.result, proposal.capacities
    solved = time.perf_counter()
    inputs = {
        "missions": [mission.pk for mission in missions],
        "roles": [
            {"role": role.pk, "mission": role.mission_id, "places_left": capacities.get(role.pk, 0)}
            for role in roles
        ],
        "weights": {str(info.mission_id): info.weights for info in proposal.loaded.roles.values()},
        "pins": [list(pair) for pair in pin_pairs],
        "exclusions": [list(pair) for pair in exclusion_pairs],
        "excluded_people": people_out,
        "time_limit": proposal.time_limit,
        "accept_gap": proposal.accept_gap,
        "today": today.isoformat(),
        "previous_run": previous.pk if previous is not None else None,
    }
    timings = {
        **{name: round(value, 3) for name, value in proposal.timings.items()},
        "total_before_store": round(solved - started, 3),
    }
    with transaction.atomic():
        run = OptimisationRun.objects.create(
            organization=organization,
            created_by=actor,
            inputs=inputs,
            result=result,
            timings=timings,
            total_score=solution.total_score,
        )
        run.missions.set(missions)
        run.timings["store"] = round(time.perf_counter() - solved, 3)
        run.save(update_fields=["timings"])
        log_action(
            "matching.run.created",
            actor=actor,
            organization=organization,
            obj=run,
            data={
                "missions": inputs["missions"],
                "pins": inputs["pins"],
                "exclusions": inputs["exclusions"],
                "excluded_people": people_out,
                "total_score": solution.total_score,
                "filled": result["filled"],
                "places": result["places"],
                "previous_run": inputs["previous_run"],
            },
        )
    return run


def rerun_optimisation(
    previous: OptimisationRun,
    *,
    actor: User,
    pins: Iterable[Any] | None = None,
    exclusions: Iterable[Any] | None = None,
    excluded_people: Iterable[int] | None = None,
) -> OptimisationRun:
    """Run again over ``previous``'s missions. Pins, exclusions and excluded people replace the
    previous run's when given, and are kept otherwise; the new run links to ``previous``."""
    inputs = previous.inputs
    return run_optimisation(
        organization=previous.organization,
        missions=list(Mission.objects.filter(pk__in=inputs.get("missions", []))),
        actor=actor,
        pins=inputs.get("pins", []) if pins is None else pins,
        exclusions=inputs.get("exclusions", []) if exclusions is None else exclusions,
        excluded_people=inputs.get("excluded_people", []) if excluded_people is None else excluded_people,
        previous=previous,
    )


# Deciding ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AcceptOutcome:
    """What accepting a run did: places given to applicants, invitations sent."""

    run: OptimisationRun
    accepted_applications: int
    invitations: int


def _problem_text(problems: list[str]) -> str:
    shown = problems[:MAX_PROBLEMS_LISTED]
    text = " ".join(shown)
    if len(problems) > len(shown):
        text += " " + ngettext(
            "And %(count)d more problem.", "And %(count)d more problems.", len(problems) - len(shown)
        ) % {"count": len(problems) - len(shown)}
    return text


def _revalidate(run: OptimisationRun, proposal: list[dict[str, Any]]) -> None:
    """Refuse the proposal if the database no longer allows it: someone is no longer eligible
    (profile, credentials, another assignment, a declined invitation…) or a role has fewer places
    than the proposal fills."""
    role_ids = sorted({row["role"] for row in proposal})
    fresh = bulk.load_problem(role_ids)
    columns = fresh.problem.candidates
    assert isinstance(columns, optimiser.CandidateColumns)
    eligible = set(zip(columns.person_ids.tolist(), columns.role_ids.tolist(), strict=True))
    places = {slot.role_id: slot.capacity for slot in fresh.problem.slots}
    roles = Role.objects.in_bulk(role_ids)
    people = Person.objects.in_bulk({row["person"] for row in proposal})
    problems: list[str] = []
    wanted: dict[int, int] = defaultdict(int)
    for row in proposal:
        wanted[row["role"]] += 1
    for role_id in role_ids:
        role = roles.get(role_id)
        if role is None:
            problems.append(_("A role of this run has been deleted."))
        elif wanted[role_id] > places.get(role_id, 0):
            problems.append(
                ngettext(
                    "“%(role)s” now has %(left)d place left; the proposal fills %(wanted)d.",
                    "“%(role)s” now has %(left)d places left; the proposal fills %(wanted)d.",
                    places.get(role_id, 0),
                )
                % {"role": role.title, "left": places.get(role_id, 0), "wanted": wanted[role_id]}
            )
    for row in proposal:
        role = roles.get(row["role"])
        if role is None or (row["person"], row["role"]) in eligible:
            continue
        person = people.get(row["person"])
        problems.append(
            _("%(person)s is no longer eligible for “%(role)s”.")
            % {
                "person": person.full_name if person is not None else _("A deleted person"),
                "role": role.title,
            }
        )
    if problems:
        raise Conflict(
            _("Nothing was sent: the proposal no longer fits. %(problems)s Run the optimiser again.")
            % {"problems": _problem_text(problems)},
            code="proposal_stale",
        )


def _locked_run(run: OptimisationRun) -> OptimisationRun:
    locked = OptimisationRun.objects.select_for_update().get(pk=run.pk)
    if locked.status != RunStatus.PROPOSED:
        raise Conflict(
            _("This run was already %(status)s.") % {"status": locked.get_status_display().lower()},
            code="run_decided",
        )
    return locked


@transaction.atomic
def accept_run(run: OptimisationRun, *, actor: User, message: str = "") -> AcceptOutcome:
    """Act on the proposal: accept open applications, invite everyone else, all or nothing."""
    require(actor, run.organization_id, Capability.MANAGE_MISSIONS)
    run = _locked_run(run)
    proposal = list(run.result.get("assignments", []))
    if not proposal:
        raise Conflict(_("The proposal places nobody; there is nothing to accept."), code="empty_proposal")
    _revalidate(run, proposal)

    roles = Role.objects.select_related("mission").in_bulk({row["role"] for row in proposal})
    people = Person.objects.in_bulk({row["person"] for row in proposal})
    open_applications = {
        (application.person_id, application.role_id): application
        for application in Application.objects.filter(
            role_id__in=roles, person_id__in=people, status__in=OPEN_APPLICATION_STATUSES
        )
    }
    accepted = invited = 0
    # Applications first: they take places at once, and an invitation must not take a place an
    # applicant of the same proposal was given.
    ordered = sorted(
        proposal, key=lambda row: ((row["person"], row["role"]) not in open_applications, row["role"])
    )
    for row in ordered:
        role, person = roles[row["role"]], people[row["person"]]
        application = open_applications.get((person.pk, role.pk))
        try:
            if application is not None:
                applications.accept(application, actor=actor, message=message)
                accepted += 1
            else:
                invitations.invite(role, person, actor=actor, message=message, optimisation_run_id=run.pk)
                invited += 1
        except DomainError as error:
            raise Conflict(
                _("Nothing was sent: %(person)s for “%(role)s”: %(reason)s")
                % {"person": person.full_name, "role": role.title, "reason": error.message},
                code="proposal_stale",
            ) from error
    before = snapshot(run, ["status"])
    run.status, run.decided_by, run.decided_at = RunStatus.ACCEPTED, actor, timezone.now()
    run.result = {**run.result, "accepted": {"applications": accepted, "invitations": invited}}
    run.save(update_fields=["status", "decided_by", "decided_at", "result"])
    log_action(
        "matching.run.accepted",
        actor=actor,
        organization=run.organization,
        obj=run,
        before=before,
        after=snapshot(run, ["status"]),
        data={"applications_accepted": accepted, "invitations": invited},
    )
    return AcceptOutcome(run, accepted, invited)


@transaction.atomic
def discard_run(run: OptimisationRun, *, actor: User) -> OptimisationRun:
    """Set a proposal aside (it stays on record)."""
    require(actor, run.organization_id, Capability.MANAGE_MISSIONS)
    run = _locked_run(run)
    before = snapshot(run, ["status"])
    run.status, run.decided_by, run.decided_at = RunStatus.DISCARDED, actor, timezone.now()
    run.save(update_fields=["status", "decided_by", "decided_at"])
    log_action(
        "matching.run.discarded",
        actor=actor,
        organization=run.organization,
        obj=run,
        before=before,
        after=snapshot(run, ["status"]),
    )
    return run


# Weights -----------------------------------------------------------------------------------------


def _clean_weights(values: dict[str, Any]) -> dict[str, int]:
    unknown = sorted(set(values) - set(DEFAULT_WEIGHTS))
    if unknown:
        raise ValidationFailed(
            _("Unknown weight: %(name)s.") % {"name": unknown[0]}, fields={unknown[0]: _("Unknown weight.")}
        )
    cleaned: dict[str, int] = {}
    errors: dict[str, str] = {}
    for name in DEFAULT_WEIGHTS:
        value = values.get(name, DEFAULT_WEIGHTS[name])
        try:
            number = int(value)
            if isinstance(value, bool) or str(number) != str(value).strip():
                raise ValueError
        except (TypeError, ValueError):
            errors[name] = _("Enter a whole number.")
            continue
        if not 0 <= number <= MAX_WEIGHT:
            errors[name] = _("Enter a number from 0 to %(maximum)d.") % {"maximum": MAX_WEIGHT}
            continue
        cleaned[name] = number
    if errors:
        raise ValidationFailed(_("Some weights are not valid; see the fields."), fields=errors)
    if not any(cleaned.values()):
        message = _("At least one weight must be above zero, or every eligible person scores the same.")
        raise ValidationFailed(message, fields={"interest": message})
    return cleaned


def require_weights_editor(organization: Organization, actor: User) -> None:
    require(actor, organization, Capability.MANAGE_ORGANIZATION)


@transaction.atomic
def set_weights(organization: Organization, *, actor: User, values: dict[str, Any]) -> MatchingWeights:
    """Tune how much each soft preference counts when this organisation's missions are matched.
    Weights not given keep their default."""
    require_weights_editor(organization, actor)
    cleaned = _clean_weights(values)
    weights, _created = MatchingWeights.objects.select_for_update().get_or_create(organization=organization)
    before = weights.as_dict()
    for name, value in cleaned.items():
        setattr(weights, name, value)
    weights.save()
    log_action(
        "matching.weights.changed",
        actor=actor,
        organization=organization,
        obj=weights,
        before=before,
        after=weights.as_dict(),
    )
    return weights


@transaction.atomic
def reset_weights(organization: Organization, *, actor: User) -> None:
    """Go back to the defaults (the row is deleted, so later changes to the defaults apply)."""
    require_weights_editor(organization, actor)
    weights = MatchingWeights.objects.select_for_update().filter(organization=organization).first()
    if weights is None:
        return
    before = weights.as_dict()
    weights.delete()
    log_action(
        "matching.weights.reset",
        actor=actor,
        organization=organization,
        before=before,
        after=dict(DEFAULT_WEIGHTS),
    )


def weights_of(organization: Organization) -> tuple[dict[str, int], bool]:
    """The organisation's weights and whether they were tuned (False: the defaults)."""
    weights = MatchingWeights.objects.filter(organization=organization).first()
    if weights is None:
        return dict(DEFAULT_WEIGHTS), False
    return weights.as_dict(), True
