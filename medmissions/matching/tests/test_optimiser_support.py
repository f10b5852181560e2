"""Helpers for the optimiser tests: a brute-force optimum, an independent feasibility check and
seeded random instances. The rules are written out again here from their definitions (dates,
not the optimiser's shortened intervals) so that the two implementations check each other."""

from __future__ import annotations

import datetime
import itertools
import random
from collections import Counter

from medmissions.matching.optimiser import Candidate, Commitment, Problem, Slot

DAY0 = datetime.date(2026, 3, 2)


def day(offset: int) -> datetime.date:
    return DAY0 + datetime.timedelta(days=offset)


def overlaps(
    start: datetime.date,
    end: datetime.date,
    other_start: datetime.date,
    other_end: datetime.date,
    tolerance: int,
) -> bool:
    """The rule of missions.applications.overlapping_assignment."""
    return (min(end, other_end) - max(start, other_start)).days + 1 > tolerance


def _usable(problem: Problem) -> list[Candidate]:
    slots = {slot.role_id: slot for slot in problem.slots}
    usable = []
    for candidate in problem.candidates:
        if candidate.person_id in problem.excluded_people:
            continue
        if (candidate.person_id, candidate.role_id) in problem.exclusions:
            continue
        slot = slots[candidate.role_id]
        if any(
            c.person_id == candidate.person_id
            and (
                c.mission_id == slot.mission_id
                or overlaps(slot.starts_on, slot.ends_on, c.starts_on, c.ends_on, problem.tolerance_days)
            )
            for c in problem.commitments
        ):
            continue
        usable.append(candidate)
    return usable


def violations(problem: Problem, assignments: list[tuple[int, int]]) -> list[str]:
    """Every rule ``assignments`` breaks (empty when feasible)."""
    slots = {slot.role_id: slot for slot in problem.slots}
    arcs = {(c.person_id, c.role_id): c for c in problem.candidates}
    usable = {(c.person_id, c.role_id) for c in _usable(problem)}
    problems = []
    if len(set(assignments)) != len(assignments):
        problems.append("duplicate assignment")
    for pair in assignments:
        if pair not in arcs:
            problems.append(f"{pair} is not a candidate")
        elif pair not in usable:
            problems.append(f"{pair} is excluded or committed elsewhere")
    for role, count in Counter(role for _person, role in assignments).items():
        if count > slots[role].capacity:
            problems.append(f"role {role} over capacity")
    for (person, role), (other_person, other_role) in itertools.combinations(assignments, 2):
        if person != other_person:
            continue
        a, b = slots[role], slots[other_role]
        if a.mission_id == b.mission_id:
            problems.append(f"person {person} twice on mission {a.mission_id}")
        elif overlaps(a.starts_on, a.ends_on, b.starts_on, b.ends_on, problem.tolerance_days):
            problems.append(f"person {person} in overlapping roles {role} and {other_role}")
    for pair in assignments:
        candidate = arcs.get(pair)
        slot = slots[pair[1]]
        if candidate is None or not candidate.is_trainee or not slot.needs_supervisor_for_trainees:
            continue
        if not any(
            slots[other_role].mission_id == slot.mission_id
            and arcs[(other_person, other_role)].can_supervise
            and not arcs[(other_person, other_role)].is_trainee
            for other_person, other_role in assignments
            if (other_person, other_role) in arcs
        ):
            problems.append(f"trainee {pair} without a supervisor")
    for pin in problem.pins:
        if pin not in assignments:
            problems.append(f"pin {pin} missing")
    return problems


def brute_force(problem: Problem) -> int | None:
    """The best total score by trying every combination, or None if the pins make it infeasible."""
    slots = {slot.role_id: slot for slot in problem.slots}
    usable = {(c.person_id, c.role_id): c for c in _usable(problem)}
    if any(pin not in usable for pin in problem.pins):
        return None
    by_person: dict[int, list[Candidate]] = {}
    for candidate in usable.values():
        by_person.setdefault(candidate.person_id, []).append(candidate)

    def compatible(a: Candidate, b: Candidate) -> bool:
        x, y = slots[a.role_id], slots[b.role_id]
        if x.mission_id == y.mission_id:
            return False
        return not overlaps(x.starts_on, x.ends_on, y.starts_on, y.ends_on, problem.tolerance_days)

    options: list[list[tuple[Candidate, ...]]] = []
    for person, arcs in by_person.items():
        pinned = {(person, c.role_id) for c in arcs} & set(problem.pins)
        choices = []
        for size in range(len(arcs) + 1):
            for subset in itertools.combinations(arcs, size):
                if not all(compatible(a, b) for a, b in itertools.combinations(subset, 2)):
                    continue
                if not pinned <= {(person, c.role_id) for c in subset}:
                    continue
                choices.append(subset)
        options.append(choices)

    best: int | None = None
    capacity = {role: slot.capacity for role, slot in slots.items()}

    def supervised(chosen: list[Candidate]) -> bool:
        for candidate in chosen:
            slot = slots[candidate.role_id]
            if not (candidate.is_trainee and slot.needs_supervisor_for_trainees):
                continue
            if not any(
                other.can_supervise
                and not other.is_trainee
                and slots[other.role_id].mission_id == slot.mission_id
                for other in chosen
            ):
                return False
        return True

    def walk(index: int, chosen: list[Candidate]) -> None:
        nonlocal best
        if index == len(options):
            if supervised(chosen):
                total = sum(c.score for c in chosen)
                if best is None or total > best:
                    best = total
            return
        for subset in options[index]:
            if any(capacity[c.role_id] == 0 for c in subset):
                continue
            for c in subset:
                capacity[c.role_id] -= 1
            walk(index + 1, chosen + list(subset))
            for c in subset:
                capacity[c.role_id] += 1

    walk(0, [])
    return best


def random_problem(
    rng: random.Random,
    *,
    people: int = 6,
    roles: int = 4,
    missions: int = 3,
    overlapping: bool = False,
    supervision: bool = True,
    extras: bool = True,
) -> Problem:
    """A small random instance. ``overlapping`` puts every mission on the same long dates (so the
    flow network is exact when ``supervision`` is off); ``extras`` adds exclusions, commitments
    and pins."""
    tolerance = rng.randint(0, 2)
    dates = []
    for mission in range(rng.randint(1, missions)):
        if overlapping:
            dates.append((100 + mission, day(0), day(12)))
        else:
            start = rng.randint(0, 8)
            dates.append((100 + mission, day(start), day(start + rng.randint(0, 5))))
    slots = []
    for role in range(1, rng.randint(1, roles) + 1):
        mission_id, starts_on, ends_on = rng.choice(dates)
        if not overlapping and rng.random() < 0.2:
            starts_on = starts_on + datetime.timedelta(days=rng.randint(0, (ends_on - starts_on).days))
        slots.append(
            Slot(
                role_id=role,
                mission_id=mission_id,
                capacity=rng.choice([0, 1, 1, 1, 2, 2]),
                starts_on=starts_on,
                ends_on=ends_on,
                needs_supervisor_for_trainees=supervision and rng.random() < 0.6,
            )
        )
    candidates = []
    for person in range(1, rng.randint(1, people) + 1):
        trainee = supervision and rng.random() < 0.3
        for slot in slots:
            if rng.random() < 0.6:
                candidates.append(
                    Candidate(
                        person_id=person,
                        role_id=slot.role_id,
                        score=rng.randint(0, 10),
                        is_trainee=trainee,
                        can_supervise=rng.random() < 0.4,
                    )
                )
    rng.shuffle(candidates)
    pins: set[tuple[int, int]] = set()
    exclusions: set[tuple[int, int]] = set()
    excluded_people: set[int] = set()
    commitments: list[Commitment] = []
    if extras and candidates:
        for candidate in candidates:
            if rng.random() < 0.08:
                exclusions.add((candidate.person_id, candidate.role_id))
        if rng.random() < 0.15:
            excluded_people.add(rng.choice(candidates).person_id)
        if rng.random() < 0.3:
            person = rng.choice(candidates).person_id
            start = rng.randint(-2, 10)
            mission_id = rng.choice([None, *(m[0] for m in dates)])
            commitments.append(Commitment(person, day(start), day(start + rng.randint(0, 4)), mission_id))
        if rng.random() < 0.35:
            for _ in range(rng.randint(1, 2)):
                pick = rng.choice(candidates)
                pins.add((pick.person_id, pick.role_id))
    return Problem(
        slots=slots,
        candidates=candidates,
        pins=pins,
        exclusions=exclusions,
        excluded_people=excluded_people,
        tolerance_days=tolerance,
        commitments=commitments,
    )


def large_problem(seed: int, *, people: int, roles: int, overlapping: bool, per_person: int = 20) -> Problem:
    """A moderately large instance: each person is a candidate for ``per_person`` roles."""
    rng = random.Random(seed)
    missions = max(roles // 8, 1)
    mission_dates = []
    for _mission in range(missions):
        start = 0 if overlapping else rng.randint(0, 120)
        mission_dates.append((day(start), day(start + (20 if overlapping else rng.randint(6, 20)))))
    slots = []
    for role in range(roles):
        mission = role % missions
        starts_on, ends_on = mission_dates[mission]
        slots.append(
            Slot(
                role_id=10_000 + role,
                mission_id=500 + mission,
                capacity=rng.randint(1, 6),
                starts_on=starts_on,
                ends_on=ends_on,
                needs_supervisor_for_trainees=not overlapping and rng.random() < 0.5,
            )
        )
    candidates = []
    for person in range(people):
        trainee = not overlapping and rng.random() < 0.15
        for slot in rng.sample(slots, min(per_person, len(slots))):
            candidates.append(
                Candidate(
                    person_id=1 + person,
                    role_id=slot.role_id,
                    score=rng.randint(0, 115),
                    is_trainee=trainee,
                    can_supervise=not trainee and rng.random() < 0.3,
                )
            )
    return Problem(slots=slots, candidates=candidates, tolerance_days=1)
