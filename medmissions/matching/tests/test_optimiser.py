"""The optimiser over plain problem descriptions: no database needed."""

from __future__ import annotations

import dataclasses
import random

import pytest

from medmissions.matching.optimiser import (
    Candidate,
    CandidateColumns,
    Commitment,
    InfeasiblePin,
    Problem,
    Slot,
    UnfilledReason,
    explain_unfilled,
    flow_is_exact,
    greedy,
    solve,
)
from medmissions.matching.tests.test_optimiser_support import (
    brute_force,
    day,
    large_problem,
    random_problem,
    violations,
)


def slot(role_id: int, mission_id: int, start: int, end: int, capacity: int = 1, needs: bool = False) -> Slot:
    return Slot(role_id, mission_id, capacity, day(start), day(end), needs_supervisor_for_trainees=needs)


def arc(
    person_id: int, role_id: int, score: int, trainee: bool = False, supervise: bool = False
) -> Candidate:
    return Candidate(person_id, role_id, score, is_trainee=trainee, can_supervise=supervise)


def assigned(problem: Problem, **options) -> set[tuple[int, int]]:
    solution = solve(problem, **options)
    assert violations(problem, solution.assignments) == []
    return set(solution.assignments)


# --- Against a brute-force optimum ------------------------------------------------------------


def test_cp_sat_and_auto_equal_the_brute_force_optimum_on_random_instances():
    solvers_seen = set()
    for seed in range(200):
        problem = random_problem(random.Random(seed))
        best = brute_force(problem)
        for method in ("cp_sat", "auto"):
            if best is None:
                with pytest.raises(InfeasiblePin):
                    solve(problem, method=method, time_limit=10)
                continue
            solution = solve(problem, method=method, time_limit=10)
            solvers_seen.add(solution.solver)
            assert solution.total_score == best, (seed, method)
            assert solution.optimal and solution.bound == best, (seed, method)
            assert violations(problem, solution.assignments) == [], (seed, method)
            assert solution.solver == "cp_sat" or method == "auto"
        if best is not None:
            unweighted = solve(problem, method="cp_sat", prefer_filled=False, time_limit=10)
            assert unweighted.total_score == best, seed
    assert solvers_seen == {"cp_sat", "min_cost_flow"}


def test_min_cost_flow_equals_the_brute_force_optimum_where_it_is_exact():
    for seed in range(200):
        problem = random_problem(random.Random(seed), overlapping=True, supervision=False)
        best = brute_force(problem)
        if best is None:
            with pytest.raises(InfeasiblePin):
                solve(problem, method="min_cost_flow")
            continue
        assert flow_is_exact(problem), seed
        for method in ("min_cost_flow", "auto", "cp_sat"):
            solution = solve(problem, method=method, time_limit=10)
            assert solution.total_score == best, (seed, method)
            assert violations(problem, solution.assignments) == [], (seed, method)
        assert solve(problem, method="min_cost_flow", prefer_filled=False).total_score == best, seed
        assert solve(problem).solver == "min_cost_flow"


def test_greedy_never_beats_the_optimum_and_stays_feasible():
    for seed in range(200):
        problem = random_problem(random.Random(seed))
        best = brute_force(problem)
        if best is None:
            continue
        baseline = greedy(problem)
        assert baseline.total_score <= best, seed
        assert baseline.solver == "greedy" and not baseline.optimal
        assert violations(problem, baseline.assignments) == [], seed


def test_greedy_takes_candidates_first_come():
    problem = Problem(
        slots=[slot(1, 100, 0, 9)],
        candidates=[arc(1, 1, 1), arc(2, 1, 10)],
    )
    assert greedy(problem).assignments == [(1, 1)]
    assert solve(problem).assignments == [(2, 1)]


# --- Each rule --------------------------------------------------------------------------------


def test_capacity_takes_the_best_candidates():
    problem = Problem(
        slots=[slot(1, 100, 0, 9, capacity=2)], candidates=[arc(1, 1, 5), arc(2, 1, 9), arc(3, 1, 7)]
    )
    solution = solve(problem)
    assert solution.assignments == [(2, 1), (3, 1)]
    assert solution.total_score == 16
    assert solution.unfilled == {}
    assert solution.solver == "min_cost_flow"


def test_maximises_weight_not_the_number_of_places_filled():
    problem = Problem(
        slots=[slot(1, 100, 0, 9), slot(2, 100, 0, 9)],
        candidates=[arc(1, 1, 10), arc(1, 2, 1), arc(2, 1, 1)],
    )
    for method in ("min_cost_flow", "cp_sat"):
        solution = solve(problem, method=method)
        assert solution.assignments == [(1, 1)]
        assert solution.total_score == 10
        assert solution.unfilled == {2: 1}


def test_a_candidate_scoring_zero_still_fills_an_empty_place():
    problem = Problem(slots=[slot(1, 100, 0, 9)], candidates=[arc(1, 1, 0)])
    assert solve(problem).assignments == [(1, 1)]


def test_overlap_beyond_the_tolerance_allows_one_role():
    slots = [slot(1, 100, 0, 9), slot(2, 200, 8, 15)]  # two days in common
    problem = Problem(slots=slots, candidates=[arc(1, 1, 5), arc(1, 2, 6)], tolerance_days=1)
    assert assigned(problem) == {(1, 2)}
    assert solve(problem).solver == "min_cost_flow"
    assert assigned(problem, method="cp_sat") == {(1, 2)}


def test_overlap_within_the_tolerance_allows_both_roles():
    slots = [slot(1, 100, 0, 9), slot(2, 200, 9, 15)]  # the hand-over day
    problem = Problem(slots=slots, candidates=[arc(1, 1, 5), arc(1, 2, 6)], tolerance_days=1)
    assert assigned(problem) == {(1, 1), (1, 2)}
    assert assigned(dataclasses.replace(problem, tolerance_days=0)) == {(1, 2)}


def test_missions_at_different_times_can_both_be_served():
    slots = [slot(1, 100, 0, 9), slot(2, 200, 20, 30), slot(3, 300, 25, 40)]
    problem = Problem(slots=slots, candidates=[arc(1, 1, 5), arc(1, 2, 6), arc(1, 3, 7)])
    assert not flow_is_exact(problem)
    assert assigned(problem, method="cp_sat") == {(1, 1), (1, 3)}
    assert assigned(problem) == {(1, 1), (1, 3)}


def test_one_role_per_mission_even_when_the_dates_would_allow_two():
    # A one-day mission overlaps itself by one day, within the tolerance; the missions app still
    # allows one active assignment per person and mission.
    problem = Problem(
        slots=[slot(1, 100, 3, 3), slot(2, 100, 3, 3)],
        candidates=[arc(1, 1, 5), arc(1, 2, 6)],
        tolerance_days=1,
    )
    assert assigned(problem) == {(1, 2)}
    assert assigned(problem, method="cp_sat") == {(1, 2)}


def test_trainee_is_placed_with_a_supervisor_on_the_same_mission():
    problem = Problem(
        slots=[slot(1, 100, 0, 9, needs=True), slot(2, 100, 0, 9)],
        candidates=[arc(1, 1, 10, trainee=True), arc(2, 2, 1, supervise=True), arc(3, 2, 5)],
    )
    solution = solve(problem)
    assert solution.solver == "cp_sat"
    assert set(solution.assignments) == {(1, 1), (2, 2)}
    assert solution.total_score == 11


def test_trainee_is_left_out_when_the_supervisor_is_worth_more_elsewhere():
    problem = Problem(
        slots=[slot(1, 100, 0, 9, needs=True), slot(2, 100, 0, 9), slot(3, 200, 0, 9)],
        candidates=[arc(1, 1, 10, trainee=True), arc(2, 2, 1, supervise=True), arc(2, 3, 20, supervise=True)],
    )
    assert assigned(problem) == {(2, 3)}
    assert explain_unfilled(problem, solve(problem))[1].code == UnfilledReason.NO_SUPERVISOR


def test_supervisor_rules():
    def team(needs: bool, supervisor: Candidate) -> set[tuple[int, int]]:
        slots = [slot(1, 100, 0, 9, needs=needs), slot(2, 100, 0, 9), slot(3, 200, 0, 9)]
        return assigned(Problem(slots=slots, candidates=[arc(1, 1, 10, trainee=True), supervisor]))

    # No supervision needed: the trainee goes alone.
    assert team(False, arc(2, 3, 1, supervise=True)) == {(1, 1), (2, 3)}
    # A supervisor on another mission does not count.
    assert team(True, arc(2, 3, 1, supervise=True)) == {(2, 3)}
    # Someone on the mission who cannot supervise does not count.
    assert team(True, arc(2, 2, 1)) == {(2, 2)}
    # Nor does another trainee, even one marked as able to supervise.
    assert team(True, arc(2, 2, 1, trainee=True, supervise=True)) == {(2, 2)}
    # A supervisor on the mission does.
    assert team(True, arc(2, 2, 1, supervise=True)) == {(1, 1), (2, 2)}


def test_exclusions_remove_pairs_and_people():
    problem = Problem(slots=[slot(1, 100, 0, 9)], candidates=[arc(1, 1, 9), arc(2, 1, 5), arc(3, 1, 1)])
    assert assigned(dataclasses.replace(problem, exclusions={(1, 1)})) == {(2, 1)}
    assert assigned(dataclasses.replace(problem, excluded_people={1, 2})) == {(3, 1)}
    assert assigned(dataclasses.replace(problem, exclusions={(1, 99)})) == {(1, 1)}  # unknown role ignored


def test_existing_commitments_block_overlapping_roles():
    problem = Problem(slots=[slot(1, 100, 10, 19)], candidates=[arc(1, 1, 9), arc(2, 1, 5)], tolerance_days=1)

    def with_commitment(start: int, end: int, mission_id: int | None = None) -> set[tuple[int, int]]:
        return assigned(
            dataclasses.replace(problem, commitments=[Commitment(1, day(start), day(end), mission_id)])
        )

    assert with_commitment(0, 11) == {(2, 1)}  # two days in common
    assert with_commitment(0, 10) == {(1, 1)}  # the hand-over day
    assert with_commitment(25, 30) == {(1, 1)}
    assert with_commitment(25, 30, mission_id=100) == {(2, 1)}  # already on this mission


# --- Pins -------------------------------------------------------------------------------------


def test_pins_are_kept_even_when_worse():
    problem = Problem(
        slots=[slot(1, 100, 0, 9), slot(2, 100, 0, 9)],
        candidates=[arc(1, 1, 9), arc(2, 1, 1), arc(1, 2, 2)],
        pins={(2, 1)},
    )
    for method in ("auto", "cp_sat", "min_cost_flow"):
        solution = solve(problem, method=method)
        assert set(solution.assignments) == {(2, 1), (1, 2)}
        assert solution.total_score == 3
    assert set(greedy(problem).assignments) == {(2, 1), (1, 2)}


def test_pinned_trainee_brings_a_supervisor():
    problem = Problem(
        slots=[slot(1, 100, 0, 9, needs=True), slot(2, 100, 0, 9), slot(3, 200, 0, 9)],
        candidates=[arc(1, 1, 1, trainee=True), arc(2, 2, 1, supervise=True), arc(2, 3, 20, supervise=True)],
        pins={(1, 1)},
    )
    assert assigned(problem) == {(1, 1), (2, 2)}
    assert set(greedy(problem).assignments) == {(1, 1), (2, 2)}


INFEASIBLE_PINS = {
    "unknown_role": ({(1, 99)}, {}),
    "not_candidate": ({(3, 1)}, {}),
    "excluded": ({(1, 1)}, {"exclusions": {(1, 1)}}),
    "excluded person": ({(1, 1)}, {"excluded_people": {1}}),
    "committed": ({(1, 1)}, {"commitments": [Commitment(1, day(5), day(12))]}),
    "capacity": ({(1, 1), (2, 1)}, {}),
    "overlap": ({(1, 1), (1, 2)}, {}),
    "no_supervisor": ({(2, 3)}, {}),
}


@pytest.mark.parametrize("case", INFEASIBLE_PINS)
def test_an_infeasible_pin_is_named(case):
    pins, extra = INFEASIBLE_PINS[case]
    problem = Problem(
        slots=[slot(1, 100, 0, 9), slot(2, 200, 5, 15), slot(3, 300, 0, 9, needs=True)],
        candidates=[arc(1, 1, 5), arc(2, 1, 5), arc(1, 2, 5), arc(2, 3, 5, trainee=True), arc(3, 2, 1)],
        pins=pins,
        **extra,
    )
    with pytest.raises(InfeasiblePin) as raised:
        solve(problem)
    error = raised.value
    assert error.reason == case.split()[0]
    assert error.pin in pins
    assert str(error.pin[0]) in error.message and str(error.pin[1]) in error.message
    assert error.status == 409 and error.code == "infeasible_pin"
    with pytest.raises(InfeasiblePin):
        greedy(problem)


def test_pinned_trainees_competing_for_one_supervisor_are_reported():
    problem = Problem(
        slots=[
            slot(1, 100, 0, 9, needs=True),
            slot(2, 200, 0, 9, needs=True),
            slot(3, 100, 0, 9),
            slot(4, 200, 0, 9),
        ],
        candidates=[
            arc(1, 1, 5, trainee=True),
            arc(2, 2, 5, trainee=True),
            arc(3, 3, 5, supervise=True),
            arc(3, 4, 5, supervise=True),
        ],
        pins={(1, 1), (2, 2)},
    )
    with pytest.raises(InfeasiblePin) as raised:
        solve(problem)
    assert raised.value.reason == "no_supervisor"
    assert raised.value.pin in {(1, 1), (2, 2)}


# --- Explanations -----------------------------------------------------------------------------


def test_explain_unfilled_gives_the_reason_for_each_role():
    problem = Problem(
        slots=[
            slot(1, 100, 0, 9),  # nobody
            slot(2, 100, 0, 9, capacity=3),  # one candidate, placed
            slot(3, 100, 0, 9),  # the only candidate excluded
            slot(4, 200, 0, 9),  # the only candidate serves elsewhere
            slot(5, 300, 0, 9),  # the candidate scores more in role 6
            slot(6, 400, 0, 9),
            slot(7, 500, 0, 9, needs=True),  # a trainee with nobody to supervise
        ],
        candidates=[
            arc(1, 2, 5),
            arc(2, 3, 5),
            arc(3, 4, 5),
            arc(4, 5, 1),
            arc(4, 6, 9),
            arc(5, 7, 9, trainee=True),
        ],
        exclusions={(2, 3)},
        commitments=[Commitment(3, day(5), day(20))],
    )
    solution = solve(problem)
    assert set(solution.assignments) == {(1, 2), (4, 6)}
    reasons = explain_unfilled(problem, solution)
    assert {role: reason.code for role, reason in reasons.items()} == {
        1: UnfilledReason.NO_CANDIDATES,
        2: UnfilledReason.TOO_FEW_CANDIDATES,
        3: UnfilledReason.EXCLUDED,
        4: UnfilledReason.COMMITTED,
        5: UnfilledReason.TAKEN,
        7: UnfilledReason.NO_SUPERVISOR,
    }
    assert reasons[2].empty_places == 2
    assert reasons[5].counts["taken"] == 1
    assert all(reason.text for reason in reasons.values())


def test_explain_unfilled_for_greedy_names_candidates_left_unchosen():
    problem = Problem(
        slots=[slot(1, 100, 0, 9, needs=True), slot(2, 100, 0, 9)],
        candidates=[arc(1, 1, 9, trainee=True), arc(2, 2, 1, supervise=True)],
    )
    baseline = greedy(problem)
    assert baseline.assignments == [(2, 2)]  # the trainee came before any supervisor
    assert explain_unfilled(problem, baseline)[1].code == UnfilledReason.NOT_SELECTED
    assert explain_unfilled(problem, solve(problem)) == {}


# --- Inputs, options and scale ----------------------------------------------------------------


def test_candidate_columns_give_the_same_answer():
    problem = random_problem(random.Random(7), people=6, roles=4, extras=False)
    columns = CandidateColumns.from_candidates(list(problem.candidates))
    assert list(columns) == list(problem.candidates)
    built = CandidateColumns.of(
        [c.person_id for c in problem.candidates],
        [c.role_id for c in problem.candidates],
        [c.score for c in problem.candidates],
        [c.is_trainee for c in problem.candidates],
        [c.can_supervise for c in problem.candidates],
    )
    assert list(built) == list(problem.candidates)
    as_columns = dataclasses.replace(problem, candidates=columns)
    assert solve(as_columns).total_score == solve(problem).total_score
    assert greedy(as_columns).assignments == greedy(problem).assignments


@pytest.mark.parametrize(
    "change, message",
    [
        ({"candidates": [arc(1, 1, 1), arc(1, 1, 2)]}, "twice"),
        ({"candidates": [arc(1, 9, 1)]}, "not among the slots"),
        ({"candidates": [arc(1, 1, -1)]}, "negative"),
        ({"tolerance_days": -1}, "negative"),
        ({"slots": [slot(1, 100, 0, 9, capacity=-1)]}, "negative"),
        ({"slots": [slot(1, 100, 9, 0)]}, "ends before"),
        ({"slots": [slot(1, 100, 0, 9), slot(1, 200, 0, 9)]}, "unique"),
    ],
)
def test_malformed_input_is_refused(change, message):
    problem = dataclasses.replace(Problem(slots=[slot(1, 100, 0, 9)], candidates=[arc(1, 1, 1)]), **change)
    with pytest.raises(ValueError, match=message):
        solve(problem)


def test_forcing_the_flow_where_it_is_not_exact_is_refused():
    problem = Problem(
        slots=[slot(1, 100, 0, 9), slot(2, 200, 20, 30)], candidates=[arc(1, 1, 1), arc(1, 2, 1)]
    )
    with pytest.raises(ValueError, match="CP-SAT"):
        solve(problem, method="min_cost_flow")
    with pytest.raises(ValueError, match="time limit"):
        solve(problem, method="cp_sat", time_limit=0)


def test_auto_skips_cp_sat_when_the_flows_prove_their_answer():
    problem = Problem(
        slots=[slot(1, 100, 0, 9), slot(2, 200, 20, 30)], candidates=[arc(1, 1, 3), arc(1, 2, 4)]
    )
    solution = solve(problem)
    assert solution.solver == "min_cost_flow" and solution.optimal and solution.status == "optimal"
    assert solution.total_score == 7
    forced = solve(problem, method="cp_sat")
    assert forced.solver == "cp_sat" and forced.total_score == 7


def test_time_limit_zero_returns_the_flow_answer_with_its_bound():
    problem = large_problem(3, people=300, roles=40, overlapping=False)
    solution = solve(problem, time_limit=0)
    assert solution.solver == "min_cost_flow"
    assert solution.status in ("optimal", "not_searched")
    assert solution.bound is not None and solution.total_score <= solution.bound
    assert violations(problem, solution.assignments) == []
    close_enough = solve(problem, accept_gap=0.5)
    assert close_enough.solver == "min_cost_flow"
    assert close_enough.total_score == solution.total_score


@pytest.mark.parametrize("overlapping", [True, False])
def test_a_moderately_large_instance_runs(overlapping):
    problem = large_problem(1, people=2000, roles=200, overlapping=overlapping)
    # Where people can serve twice, force CP-SAT: the flows might prove their answer first.
    solution = solve(problem, method="auto" if overlapping else "cp_sat", time_limit=3)
    assert solution.solver == ("min_cost_flow" if overlapping else "cp_sat")
    assert solution.bound is not None and solution.total_score <= solution.bound
    assert set(solution.timings) >= {"prepare", "build", "solve"}
    assert violations(problem, solution.assignments) == []
    baseline = greedy(problem)
    assert baseline.total_score <= solution.bound
    assert violations(problem, baseline.assignments) == []
    reasons = explain_unfilled(problem, solution)
    assert set(reasons) == set(solution.unfilled)
