"""The optimal team assignment (issue 5, item 4): a solver over a plain problem description.

Nothing here knows the Django models. The caller describes the places to fill (``Slot``), who
may fill them and how well (``Candidate`` arcs, already scored), what the coordinator pinned or
excluded and what each person is already committed to; ``solve`` answers with the assignment
that maximises the total score (``Solution``). ``greedy`` is the first-come baseline the
benchmark compares against, and ``explain_unfilled`` says why places stay empty.

Rules of a feasible assignment:

* a role takes at most ``capacity`` people (the places left);
* a person takes at most one role per mission (the ``assignment_one_active_per_mission``
  constraint of the missions app), and never two roles whose dates overlap by more than the
  hand-over tolerance: overlap in days = (min(end) - max(start)).days + 1 must stay
  <= ``tolerance_days``, the rule of ``missions.applications.overlapping_assignment``; the same
  rule against the person's existing commitments;
* a trainee takes a role that needs a supervisor for trainees only if a non-trainee who can
  supervise is assigned to a role of the same mission;
* pins are kept, exclusions are left out.

Which solver runs: with ``method="auto"`` the min-cost flow (source -> person, capacity 1 ->
role, capacity = places -> sink, cost = -score, plus a zero-cost bypass from source to sink so
that unprofitable flow is never forced) whenever that network is exact: every person's eligible
roles pairwise exclude each other (so "one role per person" is the real rule) and no supervisor
pairing is left to decide. Otherwise CP-SAT, with one boolean per arc, a capacity constraint per
role, an at-most-one per maximal clique of each person's conflicting roles (found by a sweep over
start dates) and the supervisor implications.

Before CP-SAT, two more flows: rounds of the one-role-per-person flow, each adding at most one
more compatible role per person, then dropping trainees left without a supervisor, give a
feasible answer (CP-SAT's hint, and the answer if CP-SAT finds nothing better in time); the
flow where each person may take as many roles as they could ever hold together gives an upper
bound. When the two meet the answer is proven optimal and CP-SAT is not run.

Ties: with ``prefer_filled`` (the default) each arc's weight is ``score * K + 1`` with K larger
than the number of places, so among assignments of the best total score the one filling the
most places wins; the total score itself is unchanged.

Scale: the candidates are turned once into numpy columns (or passed as ``CandidateColumns``);
the flow network goes to OR-Tools as arrays and the CP-SAT model is written into its protocol
buffer in bulk, so no Python object is created per arc beyond the input.
"""

from __future__ import annotations

import datetime
import itertools
import time
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from ortools.graph.python import min_cost_flow
from ortools.sat.python import cp_model, cp_model_helper

from medmissions.core.errors import Conflict

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
Method = Literal["auto", "min_cost_flow", "cp_sat"]

MIN_COST_FLOW = "min_cost_flow"
CP_SAT = "cp_sat"
GREEDY = "greedy"


# --- Input and output -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Slot:
    """A role to fill: its places left and the dates a person in it is away."""

    role_id: int
    mission_id: int
    capacity: int
    starts_on: datetime.date
    ends_on: datetime.date
    needs_supervisor_for_trainees: bool = False


@dataclass(frozen=True, slots=True)
class Candidate:
    """One person eligible for one role, with the weighted soft score of that pairing."""

    person_id: int
    role_id: int
    score: int
    is_trainee: bool = False
    can_supervise: bool = False


@dataclass(frozen=True, slots=True)
class Commitment:
    """Dates a person already serves (an active assignment). ``mission_id``, when given, also
    keeps the person out of every other role of that mission."""

    person_id: int
    starts_on: datetime.date
    ends_on: datetime.date
    mission_id: int | None = None


@dataclass(frozen=True)
class CandidateColumns:
    """The candidates as parallel arrays, for callers (the benchmark, bulk loaders) that have
    millions of arcs and should not build a ``Candidate`` object for each."""

    person_ids: IntArray
    role_ids: IntArray
    scores: IntArray
    is_trainee: BoolArray
    can_supervise: BoolArray

    @classmethod
    def of(
        cls,
        person_ids: Any,
        role_ids: Any,
        scores: Any,
        is_trainee: Any = None,
        can_supervise: Any = None,
    ) -> CandidateColumns:
        persons = np.asarray(person_ids, dtype=np.int64)
        size = len(persons)
        return cls(
            person_ids=persons,
            role_ids=np.asarray(role_ids, dtype=np.int64),
            scores=np.asarray(scores, dtype=np.int64),
            is_trainee=np.zeros(size, bool) if is_trainee is None else np.asarray(is_trainee, dtype=bool),
            can_supervise=(
                np.zeros(size, bool) if can_supervise is None else np.asarray(can_supervise, dtype=bool)
            ),
        )

    @classmethod
    def from_candidates(cls, candidates: Sequence[Candidate]) -> CandidateColumns:
        size = len(candidates)
        return cls(
            person_ids=np.fromiter((c.person_id for c in candidates), np.int64, size),
            role_ids=np.fromiter((c.role_id for c in candidates), np.int64, size),
            scores=np.fromiter((c.score for c in candidates), np.int64, size),
            is_trainee=np.fromiter((c.is_trainee for c in candidates), bool, size),
            can_supervise=np.fromiter((c.can_supervise for c in candidates), bool, size),
        )

    def __len__(self) -> int:
        return len(self.person_ids)

    def __iter__(self) -> Iterator[Candidate]:
        for person, role, score, trainee, supervise in zip(
            self.person_ids.tolist(),
            self.role_ids.tolist(),
            self.scores.tolist(),
            self.is_trainee.tolist(),
            self.can_supervise.tolist(),
            strict=True,
        ):
            yield Candidate(person, role, score, trainee, supervise)


@dataclass
class Problem:
    """Everything the optimiser needs; ``candidates`` in the order greedy should take them."""

    slots: Sequence[Slot]
    candidates: Sequence[Candidate] | CandidateColumns
    pins: Collection[tuple[int, int]] = frozenset()
    exclusions: Collection[tuple[int, int]] = frozenset()
    excluded_people: Collection[int] = frozenset()
    tolerance_days: int = 1
    commitments: Sequence[Commitment] = ()


@dataclass
class Solution:
    """An assignment and how it was found.

    ``assignments`` are (person_id, role_id) pairs, pins included, sorted by role then person.
    ``unfilled`` maps each role with empty places to their number. ``solver`` is
    "min_cost_flow", "cp_sat" or "greedy". ``bound`` is an upper bound on the best possible
    total score (equal to ``total_score`` when ``optimal``; None for greedy). ``status``:
    "optimal" (proven), "feasible" (CP-SAT stopped at its time limit with a better answer than
    the flows), "time_limit" (CP-SAT found nothing better than the flows in time; their answer is
    returned), "not_searched" (CP-SAT skipped by ``accept_gap`` or a zero time limit) or
    "greedy". ``timings`` in seconds: prepare (checks, masks, pins), then build and solve for the
    flow network, or seed, bound, build and solve (CP-SAT) on the CP-SAT path.
    """

    assignments: list[tuple[int, int]]
    total_score: int
    unfilled: dict[int, int]
    solver: str
    timings: dict[str, float]
    optimal: bool
    status: str = ""
    bound: int | None = None


class InfeasiblePin(Conflict):
    """A pin cannot be honoured. ``pin`` is the (person_id, role_id) pair at fault and ``reason``
    one of: unknown_role, not_candidate, excluded, committed, capacity, overlap, no_supervisor."""

    code = "infeasible_pin"

    def __init__(self, message: Any, *, pin: tuple[int, int], reason: str):
        super().__init__(message)
        self.pin = pin
        self.reason = reason


class NoSolutionInTime(Conflict):
    """CP-SAT found no assignment honouring the pins within its time limit."""

    code = "optimiser_time_limit"


class UnfilledReason(StrEnum):
    NO_CANDIDATES = "no_candidates"
    TOO_FEW_CANDIDATES = "too_few_candidates"
    EXCLUDED = "excluded"
    COMMITTED = "committed"
    TAKEN = "taken"
    NO_SUPERVISOR = "no_supervisor"
    NOT_SELECTED = "not_selected"


@dataclass(frozen=True)
class UnfilledRole:
    """Why a role keeps empty places. ``counts`` sorts the candidates not placed in it by why."""

    role_id: int
    empty_places: int
    code: UnfilledReason
    text: str
    counts: dict[str, int] = field(default_factory=dict)


# --- Preparation: columns, masks, pins --------------------------------------------------------


@dataclass
class _Roles:
    ids: IntArray
    sorter: IntArray  # argsort of ids, for searchsorted lookups
    mission: IntArray  # compact mission index
    start: IntArray  # date ordinals
    end: IntArray  # ends_on ordinal minus the tolerance: two roles conflict iff these intervals meet
    needs: BoolArray
    capacity: IntArray

    def __len__(self) -> int:
        return len(self.ids)

    def index_of(self, role_ids: IntArray) -> IntArray:
        """Index of each role id, -1 where unknown."""
        if not len(self.ids):
            return np.full(len(role_ids), -1, np.int64)
        position = np.searchsorted(self.ids, role_ids, sorter=self.sorter)
        position = np.minimum(position, len(self.ids) - 1)
        found = self.sorter[position]
        return np.where(self.ids[found] == role_ids, found, -1).astype(np.int64)


def _roles(problem: Problem) -> _Roles:
    tolerance = problem.tolerance_days
    if tolerance < 0:
        raise ValueError("tolerance_days must not be negative")
    slots = problem.slots
    ids = np.fromiter((s.role_id for s in slots), np.int64, len(slots))
    if len(np.unique(ids)) != len(ids):
        raise ValueError("role ids in slots must be unique")
    for slot in slots:
        if slot.capacity < 0:
            raise ValueError(f"role {slot.role_id}: capacity must not be negative")
        if slot.ends_on < slot.starts_on:
            raise ValueError(f"role {slot.role_id}: ends before it starts")
    missions = np.fromiter((s.mission_id for s in slots), np.int64, len(slots))
    mission_index = np.unique(missions, return_inverse=True)[1].astype(np.int64)
    return _Roles(
        ids=ids,
        sorter=np.argsort(ids, kind="stable").astype(np.int64),
        mission=mission_index,
        start=np.fromiter((s.starts_on.toordinal() for s in slots), np.int64, len(slots)),
        end=np.fromiter((s.ends_on.toordinal() - tolerance for s in slots), np.int64, len(slots)),
        needs=np.fromiter((s.needs_supervisor_for_trainees for s in slots), bool, len(slots)),
        capacity=np.fromiter((s.capacity for s in slots), np.int64, len(slots)),
    )


def _runs(values: IntArray) -> IntArray:
    """Where each run of equal values starts, in a sorted array."""
    if not len(values):
        return np.zeros(0, np.int64)
    return np.flatnonzero(np.r_[True, values[1:] != values[:-1]]).astype(np.int64)


def _ranges(starts: IntArray, counts: IntArray) -> IntArray:
    """arange(start, start + count) for each pair, concatenated."""
    total = int(counts.sum())
    offsets = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
    return np.repeat(starts, counts) + offsets


def _conflicting(
    persons: IntArray,
    starts: IntArray,
    ends: IntArray,
    missions: IntArray,
    block_persons: IntArray,
    block_starts: IntArray,
    block_ends: IntArray,
    block_missions: IntArray,
) -> BoolArray:
    """For each arc, whether one of the same person's blocks (commitments, pins, assignments)
    shares its mission or overlaps it beyond the tolerance.

    Ends are already shortened by the tolerance: (min(end) - max(start)).days + 1 > tolerance
    is max(start) <= min(end - tolerance), i.e. the closed intervals [start, end - tolerance]
    meet. (A role shorter than the tolerance has an empty interval and meets nothing.)"""
    result = np.zeros(len(persons), bool)
    if not len(persons) or not len(block_persons):
        return result
    order = np.argsort(block_persons, kind="stable")
    sorted_persons = block_persons[order]
    low = np.searchsorted(sorted_persons, persons, "left")
    counts = np.searchsorted(sorted_persons, persons, "right") - low
    total = int(counts.sum())
    if not total:
        return result
    arc = np.repeat(np.arange(len(persons)), counts)
    block = order[_ranges(low, counts)]
    clash = (missions[arc] == block_missions[block]) | (
        np.maximum(starts[arc], block_starts[block]) <= np.minimum(ends[arc], block_ends[block])
    )
    result[arc[clash]] = True
    return result


@dataclass
class _Arcs:
    """The candidates as columns plus each arc's role facts; index = position in the input."""

    person_ids: IntArray
    role: IntArray  # role index
    scores: IntArray
    trainee: BoolArray
    supervise: BoolArray  # can supervise and is not a trainee
    mission: IntArray
    start: IntArray
    end: IntArray
    keys: IntArray  # person_id * number of roles + role index, unique per arc
    key_sorter: IntArray

    def __len__(self) -> int:
        return len(self.person_ids)


def _pair_keys(person_ids: IntArray, role_index: IntArray, role_count: int) -> IntArray:
    return person_ids * max(role_count, 1) + role_index


def _find(keys: IntArray, sorter: IntArray, wanted: IntArray) -> IntArray:
    if not len(keys) or not len(wanted):
        return np.full(len(wanted), -1, np.int64)
    position = np.minimum(np.searchsorted(keys, wanted, sorter=sorter), len(keys) - 1)
    found = sorter[position]
    return np.where(keys[found] == wanted, found, -1).astype(np.int64)


def _columns(problem: Problem) -> CandidateColumns:
    candidates = problem.candidates
    if isinstance(candidates, CandidateColumns):
        return candidates
    return CandidateColumns.from_candidates(candidates)


def _arcs(problem: Problem, roles: _Roles) -> _Arcs:
    columns = _columns(problem)
    size = len(columns)
    for name in ("role_ids", "scores", "is_trainee", "can_supervise"):
        if len(getattr(columns, name)) != size:
            raise ValueError(f"candidate column {name} has the wrong length")
    role = roles.index_of(columns.role_ids)
    if size and role.min() < 0:
        unknown = int(columns.role_ids[np.flatnonzero(role < 0)[0]])
        raise ValueError(f"candidate for role {unknown}, which is not among the slots")
    if size and columns.scores.min() < 0:
        raise ValueError("candidate scores must not be negative")
    if size and columns.person_ids.min() < 0:
        raise ValueError("person ids must not be negative")
    if size and int(columns.person_ids.max()) >= (2**62) // max(len(roles), 1):
        raise ValueError("person ids are too large")
    keys = _pair_keys(columns.person_ids, role, len(roles))
    key_sorter = np.argsort(keys, kind="stable").astype(np.int64)
    sorted_keys = keys[key_sorter]
    if size > 1 and bool((sorted_keys[1:] == sorted_keys[:-1]).any()):
        duplicate = int(key_sorter[1:][sorted_keys[1:] == sorted_keys[:-1]][0])
        raise ValueError(
            f"person {int(columns.person_ids[duplicate])} is a candidate twice for role "
            f"{int(columns.role_ids[duplicate])}"
        )
    return _Arcs(
        person_ids=columns.person_ids,
        role=role,
        scores=columns.scores,
        trainee=columns.is_trainee,
        supervise=columns.can_supervise & ~columns.is_trainee,
        mission=roles.mission[role],
        start=roles.start[role],
        end=roles.end[role],
        keys=keys,
        key_sorter=key_sorter,
    )


def _excluded(problem: Problem, roles: _Roles, arcs: _Arcs) -> BoolArray:
    excluded = np.zeros(len(arcs), bool)
    if problem.excluded_people:
        excluded |= np.isin(arcs.person_ids, np.fromiter(problem.excluded_people, np.int64))
    if problem.exclusions:
        pairs = list(problem.exclusions)
        people = np.array([person for person, _role in pairs], np.int64)
        role_index = roles.index_of(np.array([role for _person, role in pairs], np.int64))
        known = role_index >= 0
        found = _find(arcs.keys, arcs.key_sorter, _pair_keys(people[known], role_index[known], len(roles)))
        excluded[found[found >= 0]] = True
    return excluded


def _committed(problem: Problem, roles: _Roles, arcs: _Arcs) -> BoolArray:
    commitments = problem.commitments
    if not commitments:
        return np.zeros(len(arcs), bool)
    size = len(commitments)
    mission_ids = np.array(sorted({s.mission_id for s in problem.slots}), np.int64)
    wanted = np.fromiter((-1 if c.mission_id is None else c.mission_id for c in commitments), np.int64, size)
    position = np.minimum(np.searchsorted(mission_ids, wanted), max(len(mission_ids) - 1, 0))
    block_missions = (
        np.where(mission_ids[position] == wanted, position, -1) if len(mission_ids) else np.full(size, -1)
    )
    return _conflicting(
        arcs.person_ids,
        arcs.start,
        arcs.end,
        arcs.mission,
        np.fromiter((c.person_id for c in commitments), np.int64, size),
        np.fromiter((c.starts_on.toordinal() for c in commitments), np.int64, size),
        np.fromiter((c.ends_on.toordinal() - problem.tolerance_days for c in commitments), np.int64, size),
        block_missions.astype(np.int64),
    )


@dataclass
class _Prepared:
    roles: _Roles
    arcs: _Arcs
    excluded: BoolArray
    committed: BoolArray
    pinned: IntArray  # arc indices of the pins
    free: IntArray  # arc indices left for the solver to decide, in input order
    capacity: IntArray  # places left per role once the pins are placed
    constrained: BoolArray  # over free: a trainee whose role needs a supervisor still to be found
    forced_missions: IntArray  # missions where a pinned trainee needs a supervisor found
    seconds: float = 0.0


def _pin_error(pin: tuple[int, int], reason: str, message: str) -> InfeasiblePin:
    return InfeasiblePin(message, pin=pin, reason=reason)


def _check_pins(
    problem: Problem, roles: _Roles, arcs: _Arcs, excluded: BoolArray, committed: BoolArray
) -> IntArray:
    pins = sorted(set(problem.pins))
    if not pins:
        return np.zeros(0, np.int64)
    people = np.array([person for person, _role in pins], np.int64)
    role_index = roles.index_of(np.array([role for _person, role in pins], np.int64))
    found = _find(arcs.keys, arcs.key_sorter, _pair_keys(people, role_index, len(roles)))
    taken: dict[int, int] = {}
    earlier: dict[int, list[tuple[int, tuple[int, int]]]] = {}
    for pin, role, arc in zip(pins, role_index.tolist(), found.tolist(), strict=True):
        person, role_id = pin
        values = {"person": person, "role": role_id}
        if role < 0:
            raise _pin_error(
                pin,
                "unknown_role",
                _("Person %(person)s cannot be pinned to role %(role)s: that role is not part of this run.")
                % values,
            )
        if arc < 0:
            raise _pin_error(
                pin,
                "not_candidate",
                _("Person %(person)s cannot be pinned to role %(role)s: they are not eligible for it.")
                % values,
            )
        if excluded[arc]:
            raise _pin_error(
                pin, "excluded", _("Person %(person)s is both pinned to role %(role)s and excluded.") % values
            )
        if committed[arc]:
            raise _pin_error(
                pin,
                "committed",
                _("Person %(person)s cannot be pinned to role %(role)s: they already serve at those dates.")
                % values,
            )
        taken[role] = taken.get(role, 0) + 1
        if taken[role] > roles.capacity[role]:
            raise _pin_error(
                pin,
                "capacity",
                _("Role %(role)s has fewer places left than people pinned to it (person %(person)s).")
                % values,
            )
        for other_arc, other_pin in earlier.get(person, []):
            same_mission = arcs.mission[arc] == arcs.mission[other_arc]
            overlap = max(arcs.start[arc], arcs.start[other_arc]) <= min(arcs.end[arc], arcs.end[other_arc])
            if same_mission or overlap:
                raise _pin_error(
                    pin,
                    "overlap",
                    _("Person %(person)s cannot be pinned to both role %(other)s and role %(role)s.")
                    % {**values, "other": other_pin[1]},
                )
        earlier.setdefault(person, []).append((arc, pin))
    return found


def _prepare(problem: Problem) -> _Prepared:
    began = time.perf_counter()
    roles = _roles(problem)
    arcs = _arcs(problem, roles)
    excluded = _excluded(problem, roles, arcs)
    committed = _committed(problem, roles, arcs)
    pinned = _check_pins(problem, roles, arcs, excluded, committed)

    capacity = roles.capacity - np.bincount(arcs.role[pinned], minlength=len(roles))
    usable = ~excluded & ~committed & (capacity[arcs.role] > 0)
    usable &= ~_conflicting(
        arcs.person_ids,
        arcs.start,
        arcs.end,
        arcs.mission,
        arcs.person_ids[pinned],
        arcs.start[pinned],
        arcs.end[pinned],
        arcs.mission[pinned],
    )
    usable[pinned] = False

    mission_count = int(roles.mission.max()) + 1 if len(roles) else 0
    supervised_by_pin = np.zeros(mission_count, bool)
    supervised_by_pin[arcs.mission[pinned[arcs.supervise[pinned]]]] = True
    supervisors_left = np.bincount(arcs.mission[usable & arcs.supervise], minlength=mission_count) > 0
    trainee_needs = arcs.trainee & roles.needs[arcs.role] & ~supervised_by_pin[arcs.mission]
    # A trainee on a mission nobody can supervise can never be placed.
    usable &= ~(trainee_needs & ~supervisors_left[arcs.mission])

    forced: list[int] = []
    for arc in pinned[trainee_needs[pinned]].tolist():
        mission = int(arcs.mission[arc])
        if not supervisors_left[mission]:
            pin = (int(arcs.person_ids[arc]), int(roles.ids[arcs.role[arc]]))
            raise _pin_error(
                pin,
                "no_supervisor",
                _(
                    "Trainee %(person)s cannot be pinned to role %(role)s: nobody who can supervise "
                    "them is available on that mission."
                )
                % {"person": pin[0], "role": pin[1]},
            )
        forced.append(mission)

    free = np.flatnonzero(usable).astype(np.int64)
    return _Prepared(
        roles=roles,
        arcs=arcs,
        excluded=excluded,
        committed=committed,
        pinned=pinned,
        free=free,
        capacity=capacity,
        constrained=trainee_needs[free],
        forced_missions=np.unique(np.array(forced, np.int64)),
        seconds=time.perf_counter() - began,
    )


# --- Structure: can the flow network solve it exactly? ----------------------------------------


@dataclass
class _People:
    """The free arcs grouped by person: ``order`` sorts them by (person, start), ``bounds`` are
    the group boundaries in that order."""

    order: IntArray
    bounds: IntArray
    complete: BoolArray  # per group: every two of the person's roles exclude each other


def _people(prep: _Prepared) -> _People:
    arcs, free = prep.arcs, prep.free
    persons = arcs.person_ids[free]
    starts = arcs.start[free]
    order = np.lexsort((starts, persons)).astype(np.int64)
    sorted_persons = persons[order]
    if not len(order):
        return _People(order, np.zeros(1, np.int64), np.zeros(0, bool))
    first = np.flatnonzero(np.r_[True, sorted_persons[1:] != sorted_persons[:-1]])
    bounds = np.r_[first, len(order)].astype(np.int64)
    sizes = np.diff(bounds)
    missions = arcs.mission[free][order]
    same_mission = np.minimum.reduceat(missions, first) == np.maximum.reduceat(missions, first)
    # Intervals that pairwise meet share a common point (Helly), so one comparison per person.
    common_point = np.maximum.reduceat(starts[order], first) <= np.minimum.reduceat(
        arcs.end[free][order], first
    )
    return _People(order, bounds, (sizes == 1) | same_mission | common_point)


def flow_is_exact(problem: Problem) -> bool:
    """Whether the min-cost flow network solves ``problem`` exactly (see the module docstring)."""
    prep = _prepare(problem)
    return _flow_is_exact(prep, _people(prep))


def _flow_is_exact(prep: _Prepared, people: _People) -> bool:
    return not prep.constrained.any() and not len(prep.forced_missions) and bool(people.complete.all())


# --- Solvers ----------------------------------------------------------------------------------


def _weights(prep: _Prepared, prefer_filled: bool) -> tuple[IntArray, int]:
    scores = prep.arcs.scores[prep.free]
    if not prefer_filled:
        return scores, 1
    places = int(prep.capacity[prep.capacity > 0].sum())
    multiplier = min(places, len(prep.free)) + 1
    return scores * multiplier + 1, multiplier


def _flow(
    persons: IntArray,
    roles: IntArray,
    capacity: IntArray,
    weights: IntArray,
    *,
    person_limits: IntArray | None = None,
    timings: dict[str, float] | None = None,
) -> BoolArray:
    """Max-weight choice of arcs with at most one per person (or ``person_limits``, aligned with
    the sorted person ids) and ``capacity[role]`` per role: source -> person (1) -> role (places)
    -> sink, cost -weight, and a zero-cost bypass from source to sink so that an unprofitable
    unit of flow is never forced through a role."""
    began = time.perf_counter()
    size = len(persons)
    chosen = np.zeros(size, bool)
    if not size:
        return chosen
    used_persons, person_index = np.unique(persons, return_inverse=True)
    used_roles, role_index = np.unique(roles, return_inverse=True)
    person_count, role_count = len(used_persons), len(used_roles)
    source, sink = 0, person_count + role_count + 1
    person_nodes = 1 + np.arange(person_count, dtype=np.int32)
    role_nodes = (1 + person_count + np.arange(role_count)).astype(np.int32)
    tails = np.concatenate(
        [
            np.zeros(person_count, np.int32),
            person_nodes[person_index],
            role_nodes,
            np.array([source], np.int32),
        ]
    ).astype(np.int32)
    heads = np.concatenate(
        [
            person_nodes,
            role_nodes[role_index],
            np.full(role_count, sink, np.int32),
            np.array([sink], np.int32),
        ]
    ).astype(np.int32)
    limits = np.ones(person_count, np.int64) if person_limits is None else person_limits.astype(np.int64)
    supply = int(limits.sum())
    capacities = np.concatenate(
        [limits, np.ones(size, np.int64), capacity[used_roles].astype(np.int64), np.array([supply], np.int64)]
    )
    costs = np.concatenate(
        [np.zeros(person_count, np.int64), -weights, np.zeros(role_count + 1, np.int64)]
    ).astype(np.int64)
    network = min_cost_flow.SimpleMinCostFlow()
    network.add_arcs_with_capacity_and_unit_cost(tails, heads, capacities, costs)
    network.set_nodes_supplies(np.array([source, sink], np.int32), np.array([supply, -supply], np.int64))
    built = time.perf_counter()
    status = network.solve()
    if status != network.OPTIMAL:
        raise RuntimeError(f"min-cost flow ended with status {status}")
    flows = np.asarray(network.flows(np.arange(person_count, person_count + size, dtype=np.int32)))
    chosen[:] = flows > 0
    if timings is not None:
        timings["build"] = built - began
        timings["solve"] = time.perf_counter() - built
    return chosen


def _upper_bound(prep: _Prepared, people: _People, weights: IntArray) -> int:
    """An upper bound on the total weight: the flow where each person may take as many roles as
    the most they could hold together (one when their roles all conflict; otherwise at most one
    per mission and no more than a largest set of date-disjoint roles), ignoring which ones."""
    arcs, free = prep.arcs, prep.free
    limits = np.ones(len(people.complete), np.int64)
    order, bounds = people.order.tolist(), people.bounds.tolist()
    starts, ends = arcs.start[free].tolist(), arcs.end[free].tolist()
    missions = arcs.mission[free].tolist()
    for group in np.flatnonzero(~people.complete).tolist():
        members = order[bounds[group] : bounds[group + 1]]
        # Roles too short to overlap anything count apart; the rest by earliest end first.
        count, last_end = 0, None
        for arc in sorted(members, key=lambda a: ends[a]):
            if starts[arc] > ends[arc]:
                count += 1
            elif last_end is None or starts[arc] > last_end:
                count += 1
                last_end = ends[arc]
        limits[group] = min(count, len({missions[arc] for arc in members}))
    chosen = _flow(arcs.person_ids[free], arcs.role[free], prep.capacity, weights, person_limits=limits)
    return int(weights[chosen].sum())


def _seed(prep: _Prepared, weights: IntArray, rounds: int = 4, repairs: int = 3) -> BoolArray:
    """A feasible assignment built from flows, for CP-SAT's hint and fallback: each round gives
    every person at most one more role that fits what they already hold, then trainees left
    without a supervisor are dropped. The places they free are filled again by further rounds,
    without the trainee arcs of those missions, so the seed usually meets the upper bound and
    CP-SAT is not needed."""
    arcs, free = prep.arcs, prep.free
    persons, role = arcs.person_ids[free], arcs.role[free]
    starts, ends, missions = arcs.start[free], arcs.end[free], arcs.mission[free]
    chosen = np.zeros(len(free), bool)
    banned = np.zeros(len(free), bool)

    def still_open(capacity: IntArray) -> BoolArray:
        open_ = ~chosen & ~banned & (capacity[role] > 0)
        holders = np.isin(persons, persons[chosen]) & open_
        open_[holders] = ~_conflicting(
            persons[holders],
            starts[holders],
            ends[holders],
            missions[holders],
            persons[chosen],
            starts[chosen],
            ends[chosen],
            missions[chosen],
        )
        return open_

    for _attempt in range(repairs + 1):
        capacity = prep.capacity - np.bincount(role[chosen], minlength=len(prep.capacity))
        open_ = still_open(capacity)
        for _round in range(rounds):
            subset = np.flatnonzero(open_)
            if not len(subset):
                break
            picked = subset[_flow(persons[subset], role[subset], capacity, weights[subset])]
            if not len(picked):
                break
            chosen[picked] = True
            capacity -= np.bincount(role[picked], minlength=len(capacity))
            # Only the new picks can close arcs: their people's clashing arcs, their full roles.
            open_ &= ~chosen & (capacity[role] > 0)
            holders = np.isin(persons, persons[picked]) & open_
            open_[holders] = ~_conflicting(
                persons[holders],
                starts[holders],
                ends[holders],
                missions[holders],
                persons[picked],
                starts[picked],
                ends[picked],
                missions[picked],
            )
        repaired = _repair_supervision(prep, chosen)
        dropped = chosen & ~repaired
        chosen = repaired
        if not dropped.any():
            break
        # Nobody could supervise on those missions: keep their trainees out and refill the places.
        banned |= prep.constrained & np.isin(missions, np.unique(missions[dropped]))
    return chosen


def _repair_supervision(prep: _Prepared, chosen: BoolArray) -> BoolArray:
    """Drop the trainees whose mission ends up without a supervisor: the flow ignores pairing."""
    arcs, free = prep.arcs, prep.free
    mission_count = int(prep.roles.mission.max()) + 1 if len(prep.roles) else 0
    supervised = np.bincount(arcs.mission[free[chosen & arcs.supervise[free]]], minlength=mission_count) > 0
    return chosen & ~(prep.constrained & ~supervised[arcs.mission[free]])


def _forced_met(prep: _Prepared, chosen: BoolArray) -> bool:
    arcs, free = prep.arcs, prep.free
    supervised_missions = set(arcs.mission[free[chosen & arcs.supervise[free]]].tolist())
    return all(mission in supervised_missions for mission in prep.forced_missions.tolist())


def _cliques(people: _People, prep: _Prepared, chunk: int = 2_000_000) -> tuple[list[int], list[int]]:
    """Sets of free arcs (by position in ``free``) of which a person takes at most one, as a flat
    list and its cut points: all of a person's arcs when they pairwise exclude each other;
    otherwise the maximal cliques of their date conflicts and the same-mission groups these miss.

    The date conflicts form an interval graph, whose maximal cliques are the sets of intervals
    alive at some start: for the arcs of a person sorted by start, the clique at arc i is every
    earlier arc still running at start(i), and it is maximal when the next arc starts after one
    of them has ended. That is computed for all people at once on (i, earlier arc) pairs, in
    chunks of about ``chunk`` pairs to bound memory."""
    free = prep.free
    starts, ends = prep.arcs.start[free], prep.arcs.end[free]
    persons, missions = prep.arcs.person_ids[free], prep.arcs.mission[free]
    order, bounds = people.order, people.bounds
    sizes = np.diff(bounds)
    flat: list[int] = []
    cuts: list[int] = [0]

    whole = np.flatnonzero(people.complete & (sizes >= 2))
    if len(whole):
        flat.extend(order[_ranges(bounds[whole], sizes[whole])].tolist())
        cuts.extend(np.cumsum(sizes[whole]).tolist())

    partial = order[~np.repeat(people.complete, sizes)]
    timed = partial[starts[partial] <= ends[partial]]
    owner = persons[timed]
    group_start = np.repeat(_runs(owner), np.diff(np.r_[_runs(owner), len(timed)]).astype(np.int64))
    earlier = np.arange(len(timed), dtype=np.int64) - group_start + 1
    is_last = np.r_[owner[1:] != owner[:-1], True] if len(timed) else np.zeros(0, bool)
    next_start = np.r_[starts[timed][1:], 0] if len(timed) else np.zeros(0, np.int64)
    pair_ends = np.cumsum(earlier)
    low = 0
    while low < len(timed):
        high = max(int(np.searchsorted(pair_ends, pair_ends[low] - earlier[low] + chunk, "right")), low + 1)
        arc = np.repeat(np.arange(low, high, dtype=np.int64), earlier[low:high])
        other = _ranges(group_start[low:high], earlier[low:high])
        alive = ends[timed[other]] >= starts[timed[arc]]
        arc, other = arc[alive], other[alive]
        first = _runs(arc)
        size = np.diff(np.r_[first, len(arc)]).astype(np.int64)
        at = arc[first]
        maximal = (is_last[at] | (next_start[at] > np.minimum.reduceat(ends[timed[other]], first))) & (
            size >= 2
        )
        flat.extend(timed[other[np.repeat(maximal, size)]].tolist())
        cuts.extend((cuts[-1] + np.cumsum(size[maximal])).tolist())
        low = high

    by_mission = partial[np.lexsort((missions[partial], persons[partial]))]
    key_change = np.r_[
        True,
        (persons[by_mission][1:] != persons[by_mission][:-1])
        | (missions[by_mission][1:] != missions[by_mission][:-1]),
    ]
    first = np.flatnonzero(key_change) if len(by_mission) else np.zeros(0, np.int64)
    if len(first):
        size = np.diff(np.r_[first, len(by_mission)]).astype(np.int64)
        apart = np.maximum.reduceat(starts[by_mission], first) > np.minimum.reduceat(ends[by_mission], first)
        keep = apart & (size >= 2)
        flat.extend(by_mission[np.repeat(keep, size)].tolist())
        cuts.extend((cuts[-1] + np.cumsum(size[keep])).tolist())
    return flat, cuts


@dataclass
class _CpResult:
    chosen: BoolArray
    status: str
    optimal: bool
    bound: int | None
    build: float
    solve: float


def _cp_sat(
    prep: _Prepared,
    people: _People,
    weights: IntArray,
    hint: BoolArray,
    time_limit: float,
    workers: int,
) -> _CpResult:
    began = time.perf_counter()
    arcs, free = prep.arcs, prep.free
    size = len(free)
    free_missions = arcs.mission[free]
    supervise = arcs.supervise[free]
    paired_missions = np.union1d(np.unique(free_missions[prep.constrained]), prep.forced_missions)

    model = cp_model.CpModel()
    proto = model.proto
    boolean = cp_model_helper.IntegerVariableProto()
    boolean.domain.extend((0, 1))
    proto.variables.extend([boolean] * (size + len(paired_missions)))
    constraints = proto.constraints

    role = arcs.role[free]
    by_role = np.argsort(role, kind="stable")
    sorted_roles = role[by_role]
    role_first = np.flatnonzero(np.r_[True, sorted_roles[1:] != sorted_roles[:-1]]) if size else by_role
    role_bounds = np.r_[role_first, size].astype(np.int64).tolist()
    by_role_list = by_role.tolist()
    for k in range(len(role_bounds) - 1):
        members = by_role_list[role_bounds[k] : role_bounds[k + 1]]
        places = int(prep.capacity[role[members[0]]])
        if len(members) <= places:
            continue
        constraint = constraints.add()
        if places == 1:
            constraint.at_most_one.literals.extend(members)
        else:
            constraint.linear.vars.extend(members)
            constraint.linear.coeffs.extend([1] * len(members))
            constraint.linear.domain.extend((0, places))

    flat, cuts = _cliques(people, prep)
    for low, high in itertools.pairwise(cuts):
        constraints.add().at_most_one.literals.extend(flat[low:high])

    if len(paired_missions):
        # One literal per mission that needs pairing, true only if a supervisor is placed there;
        # each trainee implies it.
        forced = np.isin(paired_missions, prep.forced_missions).tolist()
        supervisors = np.flatnonzero(supervise & np.isin(free_missions, paired_missions))
        supervisors = supervisors[np.argsort(free_missions[supervisors], kind="stable")]
        lows = np.searchsorted(free_missions[supervisors], paired_missions, "left").tolist()
        highs = np.searchsorted(free_missions[supervisors], paired_missions, "right").tolist()
        supervisor_list = supervisors.tolist()
        for k in range(len(paired_missions)):
            constraint = constraints.add()
            constraint.enforcement_literal.append(size + k)
            constraint.bool_or.literals.extend(supervisor_list[lows[k] : highs[k]])
            if forced[k]:
                constraints.add().bool_or.literals.append(size + k)
        trainees = np.flatnonzero(prep.constrained)
        literals = size + np.searchsorted(paired_missions, free_missions[trainees])
        for trainee, literal in zip(trainees.tolist(), literals.tolist(), strict=True):
            constraints.add().bool_or.literals.extend((-trainee - 1, literal))

    weighted = np.flatnonzero(weights)
    proto.objective.vars.extend(weighted.tolist())
    proto.objective.coeffs.extend((-weights[weighted]).tolist())
    proto.solution_hint.vars.extend(range(size))
    proto.solution_hint.values.extend(hint.astype(np.int64).tolist())
    built = time.perf_counter()

    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = workers
    status = solver.solve(model)
    solved = time.perf_counter()
    chosen = np.zeros(size, bool)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        chosen = np.array(list(solver.response_proto.solution)[:size], dtype=np.int64) > 0
    if status == cp_model.INFEASIBLE:
        status_name = "infeasible"
    elif status == cp_model.OPTIMAL:
        status_name = "optimal"
    elif status == cp_model.FEASIBLE:
        status_name = "feasible"
    else:
        status_name = "time_limit"
    bound = None
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        bound = int(np.floor(-solver.best_objective_bound + 1e-6))
    return _CpResult(chosen, status_name, status == cp_model.OPTIMAL, bound, built - began, solved - built)


def _solution(
    prep: _Prepared,
    chosen_free: BoolArray,
    *,
    solver: str,
    timings: dict[str, float],
    optimal: bool,
    status: str,
    bound: int | None,
) -> Solution:
    arcs, roles = prep.arcs, prep.roles
    taken = np.concatenate([prep.pinned, prep.free[chosen_free]]).astype(np.int64)
    person_ids = arcs.person_ids[taken]
    role_ids = roles.ids[arcs.role[taken]]
    order = np.lexsort((person_ids, role_ids))
    assignments = list(zip(person_ids[order].tolist(), role_ids[order].tolist(), strict=True))
    empty = roles.capacity - np.bincount(arcs.role[taken], minlength=len(roles))
    unfilled = {int(roles.ids[k]): int(empty[k]) for k in np.flatnonzero(empty > 0).tolist()}
    return Solution(
        assignments=assignments,
        total_score=int(arcs.scores[taken].sum()),
        unfilled=unfilled,
        solver=solver,
        timings=timings,
        optimal=optimal,
        status=status,
        bound=bound,
    )


def solve(
    problem: Problem,
    *,
    method: Method = "auto",
    time_limit: float = 30.0,
    workers: int = 2,
    prefer_filled: bool = True,
    accept_gap: float = 0.0,
) -> Solution:
    """The assignment of ``problem`` with the greatest total score.

    ``method`` forces a solver: "min_cost_flow" raises ValueError where the network would not be
    exact, "cp_sat" always runs CP-SAT. ``time_limit`` (seconds) and ``workers`` bound CP-SAT.

    Where CP-SAT is needed, flows first give a feasible answer and an upper bound (see
    ``_seed`` and ``_upper_bound``). With ``method="auto"`` CP-SAT is skipped, and the flow answer
    returned with solver "min_cost_flow", when the bound proves it optimal, when it is within
    ``accept_gap`` (a fraction, e.g. 0.01) of the bound, or when ``time_limit`` is 0.

    Raises ``InfeasiblePin`` when a pin cannot be honoured and ``NoSolutionInTime`` when nothing
    honouring the pins was found within the time limit; malformed input raises ValueError.
    """
    if method not in ("auto", "min_cost_flow", "cp_sat"):
        raise ValueError(f"unknown method {method!r}")
    if method == "cp_sat" and time_limit <= 0:
        raise ValueError("CP-SAT needs a positive time limit")
    prep = _prepare(problem)
    began = time.perf_counter()
    people = _people(prep)
    exact = _flow_is_exact(prep, people)
    weights, multiplier = _weights(prep, prefer_filled)
    pinned_score = int(prep.arcs.scores[prep.pinned].sum())
    timings = {"prepare": prep.seconds + time.perf_counter() - began}
    if method == "min_cost_flow" and not exact:
        raise ValueError("this problem needs CP-SAT: a person can take two roles, or trainees need pairing")

    if method == "min_cost_flow" or (method == "auto" and exact):
        free = prep.free
        chosen = _flow(
            prep.arcs.person_ids[free], prep.arcs.role[free], prep.capacity, weights, timings=timings
        )
        solution = _solution(
            prep, chosen, solver=MIN_COST_FLOW, timings=timings, optimal=True, status="optimal", bound=None
        )
        solution.bound = solution.total_score
        return solution

    began = time.perf_counter()
    seed = _seed(prep, weights)
    seed_weight = int(weights[seed].sum())
    timings["seed"] = time.perf_counter() - began
    began = time.perf_counter()
    upper = _upper_bound(prep, people, weights)
    timings["bound"] = time.perf_counter() - began
    proven = seed_weight >= upper
    if method == "auto" and (proven or seed_weight >= (1 - accept_gap) * upper or time_limit <= 0):
        if not _forced_met(prep, seed):
            if time_limit <= 0:
                raise NoSolutionInTime(
                    _("No assignment honouring the pins was found without a search. Allow the search time.")
                )
        else:
            timings["build"] = timings["solve"] = 0.0
            return _solution(
                prep,
                seed,
                solver=MIN_COST_FLOW,
                timings=timings,
                optimal=proven,
                status="optimal" if proven else "not_searched",
                bound=pinned_score + upper // multiplier,
            )
    result = _cp_sat(prep, people, weights, seed, time_limit, workers)
    timings["build"] = result.build
    timings["solve"] = result.solve
    if result.status == "infeasible":
        forced = set(prep.forced_missions.tolist())
        culprit = next(
            (a for a in prep.pinned.tolist() if int(prep.arcs.mission[a]) in forced and prep.arcs.trainee[a]),
            None,
        )
        if culprit is None:
            raise RuntimeError("CP-SAT found the problem infeasible without pinned trainees")
        pin = (int(prep.arcs.person_ids[culprit]), int(prep.roles.ids[prep.arcs.role[culprit]]))
        raise _pin_error(
            pin,
            "no_supervisor",
            _(
                "Trainee %(person)s cannot be pinned to role %(role)s: no one who can supervise "
                "them can be placed on that mission alongside the other pins."
            )
            % {"person": pin[0], "role": pin[1]},
        )
    chosen, status = result.chosen, result.status
    if status == "time_limit" or seed_weight > int(weights[chosen].sum()):
        if _forced_met(prep, seed):
            chosen = seed
        elif status == "time_limit":
            raise NoSolutionInTime(
                _("No assignment honouring the pins was found in time. Try again with fewer pins.")
            )
    if result.bound is not None:
        upper = min(upper, result.bound)
    reached = int(weights[chosen].sum()) >= upper
    return _solution(
        prep,
        chosen,
        solver=CP_SAT,
        timings=timings,
        optimal=result.optimal or reached,
        status="optimal" if result.optimal or reached else status,
        bound=pinned_score + upper // multiplier,
    )


def greedy(problem: Problem) -> Solution:
    """First come, first served: the pins, then each candidate in the order given, taken when the
    role has a place left, the person has no conflicting role and, for a trainee who needs one, a
    supervisor is already placed on the mission. A pinned trainee's mission first gets the first
    supervisor in the order given who fits, so the baseline honours pins as the optimiser does."""
    prep = _prepare(problem)
    began = time.perf_counter()
    arcs, free = prep.arcs, prep.free
    places = prep.capacity.tolist()
    mission_count = int(prep.roles.mission.max()) + 1 if len(prep.roles) else 0
    supervised = [False] * mission_count
    for arc in prep.pinned.tolist():
        if arcs.supervise[arc]:
            supervised[int(arcs.mission[arc])] = True
    persons = arcs.person_ids[free].tolist()
    role = arcs.role[free].tolist()
    mission = arcs.mission[free].tolist()
    start = arcs.start[free].tolist()
    end = arcs.end[free].tolist()
    supervise = arcs.supervise[free].tolist()
    needs_pairing = (arcs.trainee[free] & prep.roles.needs[arcs.role[free]]).tolist()
    busy: dict[int, list[tuple[int, int, int]]] = {}
    chosen = [False] * len(free)

    def take(k: int) -> bool:
        if chosen[k] or not places[role[k]]:
            return False
        if needs_pairing[k] and not supervised[mission[k]]:
            return False
        held = busy.get(persons[k])
        if held and any(m == mission[k] or max(s, start[k]) <= min(e, end[k]) for s, e, m in held):
            return False
        places[role[k]] -= 1
        busy.setdefault(persons[k], []).append((start[k], end[k], mission[k]))
        if supervise[k]:
            supervised[mission[k]] = True
        chosen[k] = True
        return True

    forced = set(prep.forced_missions.tolist())
    for k in range(len(free)):
        if supervise[k] and mission[k] in forced and not supervised[mission[k]]:
            take(k)
    for k in range(len(free)):
        take(k)
    timings = {"prepare": prep.seconds, "solve": time.perf_counter() - began}
    return _solution(
        prep, np.array(chosen, bool), solver=GREEDY, timings=timings, optimal=False, status=GREEDY, bound=None
    )


# --- Explanations -----------------------------------------------------------------------------


def _reason_text(code: UnfilledReason, count: int, optimal: bool) -> str:
    values = {"count": count}
    if code == UnfilledReason.NO_CANDIDATES:
        return _("Nobody is eligible for this role.")
    if code == UnfilledReason.TOO_FEW_CANDIDATES:
        return (
            ngettext(
                "Only %(count)d person is eligible, and they are already placed in this role.",
                "Only %(count)d people are eligible, and all are already placed in this role.",
                count,
            )
            % values
        )
    if code == UnfilledReason.EXCLUDED:
        return (
            ngettext(
                "The only other candidate was excluded from this run.",
                "All %(count)d other candidates were excluded from this run.",
                count,
            )
            % values
        )
    if code == UnfilledReason.COMMITTED:
        return (
            ngettext(
                "The candidate left already serves elsewhere at these dates.",
                "The %(count)d candidates left already serve elsewhere at these dates.",
                count,
            )
            % values
        )
    if code == UnfilledReason.TAKEN:
        return (
            ngettext(
                "The candidate left is placed in another role at the same time, where the team scores higher.",
                "The %(count)d candidates left are placed in other roles at the same time, where the team scores higher.",
                count,
            )
            % values
        )
    if code == UnfilledReason.NO_SUPERVISOR:
        return (
            ngettext(
                "The candidate left is a trainee, and no supervisor is placed on this mission.",
                "The %(count)d candidates left are trainees, and no supervisor is placed on this mission.",
                count,
            )
            % values
        )
    if optimal:
        return (
            ngettext(
                "Placing the candidate left would not raise the team's score.",
                "Placing any of the %(count)d candidates left would not raise the team's score.",
                count,
            )
            % values
        )
    return (
        ngettext(
            "The candidate left was not chosen, though they could still be placed.",
            "The %(count)d candidates left were not chosen, though they could still be placed.",
            count,
        )
        % values
    )


def explain_unfilled(problem: Problem, solution: Solution) -> dict[int, UnfilledRole]:
    """For each role of ``solution`` with empty places, the reason, as a code and a sentence.

    Each candidate not placed in the role counts under the first that applies: excluded,
    committed (serves elsewhere at those dates), taken (placed in a role that conflicts),
    no_supervisor (a trainee on a mission with no supervisor placed), not_selected. The code is
    no_candidates or too_few_candidates when no such candidate is left, excluded or committed
    when these are all there is, otherwise the most frequent of the other three.
    """
    roles = _roles(problem)
    arcs = _arcs(problem, roles)
    if not solution.unfilled:
        return {}
    excluded = _excluded(problem, roles, arcs)
    committed = _committed(problem, roles, arcs)

    pairs = solution.assignments
    assigned_people = np.array([person for person, _role in pairs], np.int64)
    assigned_roles = roles.index_of(np.array([role for _person, role in pairs], np.int64))
    assigned = _find(arcs.keys, arcs.key_sorter, _pair_keys(assigned_people, assigned_roles, len(roles)))
    assigned = assigned[assigned >= 0]
    placed = np.zeros(len(arcs), bool)
    placed[assigned] = True
    mission_count = int(roles.mission.max()) + 1 if len(roles) else 0
    supervised = np.zeros(mission_count, bool)
    supervised[arcs.mission[assigned[arcs.supervise[assigned]]]] = True

    unfilled_roles = roles.index_of(np.array(sorted(solution.unfilled), np.int64))
    in_unfilled = np.zeros(len(roles), bool)
    in_unfilled[unfilled_roles[unfilled_roles >= 0]] = True
    subject = np.flatnonzero(in_unfilled[arcs.role] & ~placed)
    taken = _conflicting(
        arcs.person_ids[subject],
        arcs.start[subject],
        arcs.end[subject],
        arcs.mission[subject],
        arcs.person_ids[assigned],
        arcs.start[assigned],
        arcs.end[assigned],
        arcs.mission[assigned],
    )
    unsupervised = (
        arcs.trainee[subject] & roles.needs[arcs.role[subject]] & ~supervised[arcs.mission[subject]]
    )
    category = np.full(len(subject), 4, np.int64)  # not selected
    category[unsupervised] = 3
    category[taken] = 2
    category[committed[subject]] = 1
    category[excluded[subject]] = 0
    names = ["excluded", "committed", "taken", "no_supervisor", "not_selected"]
    table = np.zeros((len(roles), len(names)), np.int64)
    np.add.at(table, (arcs.role[subject], category), 1)
    candidates_per_role = np.bincount(arcs.role, minlength=len(roles))

    result: dict[int, UnfilledRole] = {}
    for role_id, empty in sorted(solution.unfilled.items()):
        index = int(roles.index_of(np.array([role_id], np.int64))[0])
        if index < 0:
            continue
        counts = dict(zip(names, table[index].tolist(), strict=True))
        excluded_count, committed_count, taken_count, unsupervised_count, left = table[index].tolist()
        if not candidates_per_role[index]:
            code, count = UnfilledReason.NO_CANDIDATES, 0
        elif not table[index].sum():
            code, count = UnfilledReason.TOO_FEW_CANDIDATES, int(candidates_per_role[index])
        elif not taken_count + unsupervised_count + left:
            if committed_count:
                code, count = UnfilledReason.COMMITTED, committed_count
            else:
                code, count = UnfilledReason.EXCLUDED, excluded_count
        elif left:
            code, count = UnfilledReason.NOT_SELECTED, left
        elif unsupervised_count > taken_count:
            code, count = UnfilledReason.NO_SUPERVISOR, unsupervised_count
        else:
            code, count = UnfilledReason.TAKEN, taken_count
        result[role_id] = UnfilledRole(
            role_id=role_id,
            empty_places=empty,
            code=code,
            text=_reason_text(code, count, solution.optimal),
            counts=counts,
        )
    return result
