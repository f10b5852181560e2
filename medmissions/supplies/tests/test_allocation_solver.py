"""The supplies allocation solver over plain problem descriptions: no database needed."""

from __future__ import annotations

import datetime
import math
import random
import time
from collections.abc import Collection, Sequence
from fractions import Fraction

import numpy as np
import pytest
from ortools.graph.python import min_cost_flow

from medmissions.core.errors import ValidationFailed
from medmissions.supplies.allocation_solver import (
    DEFAULT_SITE_PENALTY,
    Allocation,
    InfeasiblePin,
    Line,
    Pick,
    Stock,
    UnmetReason,
    explain_unmet,
    greedy_fefo,
    solve,
    waste,
)

BASE = datetime.date(2027, 1, 1)


def day(offset: int) -> datetime.date:
    return BASE + datetime.timedelta(days=offset)


def line(
    line_id: int,
    item: int = 1,
    quantity: int = 1,
    weight: int = 3,
    *,
    request: int | None = None,
    arrival: int = 0,
    shelf: int = 365,
    needed_by: int | None = None,
) -> Line:
    return Line(
        line_id=line_id,
        request_id=line_id if request is None else request,
        item_id=item,
        quantity=quantity,
        priority_weight=weight,
        arrival_date=day(arrival),
        minimum_shelf_life_days=shelf,
        needed_by=day(arrival if needed_by is None else needed_by),
    )


def lot(lot_id: int, available: int, expiry: int | None, *, site: int = 1, item: int = 1) -> Stock:
    return Stock(lot_id, site, item, available, None if expiry is None else day(expiry))


# --- Independent reference implementations ----------------------------------------------------


def eligible(row: Stock, wanted: Line) -> bool:
    if row.item_id != wanted.item_id:
        return False
    needed = wanted.arrival_date + datetime.timedelta(days=wanted.minimum_shelf_life_days)
    return row.expiry_date is None or row.expiry_date >= needed


def fefo_ranks(stock: Sequence[Stock]) -> dict[tuple[int, int], int]:
    ranks: dict[tuple[int, int], int] = {}
    for item in {row.item_id for row in stock}:
        rows = sorted(
            (row for row in stock if row.item_id == item),
            key=lambda r: (
                r.expiry_date is None,
                r.expiry_date or datetime.date.max,
                r.available,
                r.lot_id,
                r.site_id,
            ),
        )
        for rank, row in enumerate(rows):
            ranks[(row.lot_id, row.site_id)] = rank
    return ranks


def primary(lines: Sequence[Line], allocated: dict[int, int]) -> Fraction:
    return sum(
        (Fraction(li.priority_weight * allocated.get(li.line_id, 0), li.quantity) for li in lines),
        Fraction(0),
    )


def secondary(
    stock: Sequence[Stock], lines: Sequence[Line], picks: Sequence[Pick], site_penalty: int
) -> tuple[int, int]:
    """(secondary cost, consignments) of picks, computed from scratch."""
    ranks = fefo_ranks(stock)
    request_of = {li.line_id: li.request_id for li in lines}
    pairs = {(request_of[p.line_id], p.site_id) for p in picks if p.quantity}
    fefo = sum(p.quantity * ranks[(p.lot_id, p.site_id)] for p in picks)
    return site_penalty * len(pairs) + fefo, len(pairs)


def violations(
    stock: Sequence[Stock],
    lines: Sequence[Line],
    allocation: Allocation,
    exclusions: Collection[tuple[int, int, int]] = frozenset(),
    excluded_stock: Collection[tuple[int, int]] = frozenset(),
    pins: Collection[tuple[int, int, int, int]] = (),
) -> list[str]:
    rows = {(r.lot_id, r.site_id): r for r in stock}
    wanted = {li.line_id: li for li in lines}
    problems: list[str] = []
    taken: dict[tuple[int, int], int] = {}
    given: dict[int, int] = {}
    seen: set[tuple[int, int, int]] = set()
    for pick in allocation.picks:
        key = (pick.lot_id, pick.site_id)
        if pick.quantity <= 0:
            problems.append(f"empty pick {pick}")
        if (pick.lot_id, pick.site_id, pick.line_id) in seen:
            problems.append(f"pick twice {pick}")
        seen.add((pick.lot_id, pick.site_id, pick.line_id))
        if not eligible(rows[key], wanted[pick.line_id]):
            problems.append(f"ineligible {pick}")
        if key in excluded_stock or (pick.lot_id, pick.site_id, pick.line_id) in exclusions:
            problems.append(f"excluded {pick}")
        taken[key] = taken.get(key, 0) + pick.quantity
        given[pick.line_id] = given.get(pick.line_id, 0) + pick.quantity
    for key, units in taken.items():
        if units > rows[key].available:
            problems.append(f"over available {key}")
    for line_id, units in given.items():
        if units > wanted[line_id].quantity:
            problems.append(f"over quantity {line_id}")
    for line_id, units in allocation.allocated.items():
        if units != given.get(line_id, 0):
            problems.append(f"allocated disagrees for {line_id}")
    for lot_id, site_id, line_id, units in pins:
        if (
            sum(
                p.quantity
                for p in allocation.picks
                if (p.lot_id, p.site_id, p.line_id) == (lot_id, site_id, line_id)
            )
            < units
        ):
            problems.append(f"pin lost {(lot_id, site_id, line_id)}")
    return problems


def brute_force(
    stock: Sequence[Stock],
    lines: Sequence[Line],
    site_penalty: int,
    exclusions: Collection[tuple[int, int, int]] = frozenset(),
    excluded_stock: Collection[tuple[int, int]] = frozenset(),
    pins: Collection[tuple[int, int, int, int]] = (),
) -> tuple[Fraction, int]:
    """(best primary, least secondary among allocations reaching it), over every feasible
    integer allocation."""
    pinned = {(lot_id, site_id, line_id): units for lot_id, site_id, line_id, units in pins}
    pairs = [
        (row, li)
        for row in stock
        for li in lines
        if eligible(row, li)
        and (row.lot_id, row.site_id) not in excluded_stock
        and (row.lot_id, row.site_id, li.line_id) not in exclusions
    ]
    row_left = {(r.lot_id, r.site_id): r.available for r in stock}
    line_left = {li.line_id: li.quantity for li in lines}
    best: list[tuple[Fraction, int]] = []
    chosen: list[int] = []

    def visit(k: int) -> None:
        if k == len(pairs):
            picks = [
                Pick(row.lot_id, row.site_id, li.line_id, units)
                for (row, li), units in zip(pairs, chosen, strict=True)
                if units
            ]
            allocated: dict[int, int] = {}
            for pick in picks:
                allocated[pick.line_id] = allocated.get(pick.line_id, 0) + pick.quantity
            value = (primary(lines, allocated), -secondary(stock, lines, picks, site_penalty)[0])
            if not best or value > best[0]:
                best[:] = [value]
            return
        row, li = pairs[k]
        key = (row.lot_id, row.site_id)
        low = pinned.get((row.lot_id, row.site_id, li.line_id), 0)
        for units in range(low, min(row_left[key], line_left[li.line_id]) + 1):
            row_left[key] -= units
            line_left[li.line_id] -= units
            chosen.append(units)
            visit(k + 1)
            chosen.pop()
            row_left[key] += units
            line_left[li.line_id] += units

    visit(0)
    return best[0][0], -best[0][1]


def random_instance(
    rng: random.Random,
) -> tuple[list[Stock], list[Line], set[tuple[int, int, int]], set[tuple[int, int]]]:
    # One item more often than not, and little stock, so that lines compete.
    items = 1 if rng.random() < 0.6 else 2
    stock = []
    for lot_id in range(1, rng.randint(1, 4) + 1):
        expiry = rng.choice([None, 300, 364, 365, 366, 400, 400, 500])
        stock.append(
            lot(lot_id, rng.randint(0, 3), expiry, site=rng.randint(1, 2), item=rng.randint(1, items))
        )
    lines = [
        line(
            line_id,
            item=rng.randint(1, items),
            quantity=rng.randint(1, 4),
            weight=rng.choice([1, 3, 3, 9, 27]),
            request=rng.randint(1, 2),
            arrival=rng.choice([0, 1, 35]),
            shelf=rng.choice([0, 365]),
        )
        for line_id in range(10, 10 + rng.choice([1, 2, 3, 3]))
    ]
    exclusions: set[tuple[int, int, int]] = set()
    excluded_stock: set[tuple[int, int]] = set()
    if rng.random() < 0.3:
        row, li = rng.choice(stock), rng.choice(lines)
        exclusions.add((row.lot_id, row.site_id, li.line_id))
    if rng.random() < 0.15:
        row = rng.choice(stock)
        excluded_stock.add((row.lot_id, row.site_id))
    return stock, lines, exclusions, excluded_stock


# --- Against a brute-force optimum ------------------------------------------------------------


@pytest.mark.parametrize("site_penalty", [0, 1, DEFAULT_SITE_PENALTY])
def test_auto_reaches_the_brute_force_lexicographic_optimum(site_penalty):
    methods_seen = set()
    for seed in range(100):
        stock, lines, exclusions, excluded_stock = random_instance(random.Random(seed))
        best_primary, best_secondary = brute_force(stock, lines, site_penalty, exclusions, excluded_stock)
        allocation = solve(
            stock, lines, exclusions=exclusions, excluded_stock=excluded_stock, site_penalty=site_penalty
        )
        methods_seen.add(allocation.method)
        assert violations(stock, lines, allocation, exclusions, excluded_stock) == [], seed
        assert primary(lines, allocation.allocated) == best_primary, seed
        assert allocation.fulfilment == best_primary, seed
        assert allocation.optimal, seed
        cost, pairs = secondary(stock, lines, allocation.picks, site_penalty)
        assert cost == best_secondary == allocation.secondary_cost, seed
        assert pairs == allocation.site_pairs
    assert methods_seen <= {"min_cost_flow", "cp_sat"}


def test_the_flow_alone_is_exact_on_the_primary_and_on_fefo_without_a_site_penalty():
    for seed in range(100):
        stock, lines, exclusions, excluded_stock = random_instance(random.Random(1000 + seed))
        for site_penalty in (0, DEFAULT_SITE_PENALTY):
            best_primary, best_secondary = brute_force(stock, lines, site_penalty, exclusions, excluded_stock)
            allocation = solve(
                stock,
                lines,
                exclusions=exclusions,
                excluded_stock=excluded_stock,
                site_penalty=site_penalty,
                method="min_cost_flow",
            )
            assert allocation.method == "min_cost_flow"
            assert violations(stock, lines, allocation, exclusions, excluded_stock) == [], seed
            assert allocation.fulfilment == best_primary, seed
            cost = secondary(stock, lines, allocation.picks, site_penalty)[0]
            assert cost >= best_secondary
            if site_penalty == 0:
                assert allocation.optimal and cost == best_secondary, seed


def test_pins_against_the_brute_force_optimum():
    checked = 0
    for seed in range(60):
        rng = random.Random(5000 + seed)
        stock, lines, exclusions, excluded_stock = random_instance(rng)
        candidates = [
            (row, li)
            for row in stock
            for li in lines
            if eligible(row, li)
            and row.available
            and (row.lot_id, row.site_id) not in excluded_stock
            and (row.lot_id, row.site_id, li.line_id) not in exclusions
        ]
        if not candidates:
            continue
        row, li = rng.choice(candidates)
        pins = {(row.lot_id, row.site_id, li.line_id, rng.randint(1, min(row.available, li.quantity)))}
        best_primary, best_secondary = brute_force(stock, lines, 50, exclusions, excluded_stock, pins)
        allocation = solve(
            stock, lines, exclusions=exclusions, excluded_stock=excluded_stock, pins=pins, site_penalty=50
        )
        assert violations(stock, lines, allocation, exclusions, excluded_stock, pins) == [], seed
        assert allocation.fulfilment == best_primary, seed
        assert allocation.optimal and allocation.secondary_cost == best_secondary, seed
        checked += 1
    assert checked >= 30


# --- The rules --------------------------------------------------------------------------------


def test_shelf_life_boundary_is_inclusive():
    wanted = [line(1, quantity=10, arrival=0, shelf=365)]
    exactly = solve([lot(1, 10, 365)], wanted)
    assert exactly.allocated == {1: 10}
    day_short = solve([lot(1, 10, 364)], wanted)
    assert day_short.allocated == {1: 0} and day_short.picks == []
    never = solve([lot(1, 10, None)], wanted)
    assert never.allocated == {1: 10}
    # A shorter shelf life (the WHO exception) lets the same lot through.
    shorter = solve([lot(1, 10, 364)], [line(1, quantity=10, arrival=0, shelf=364)])
    assert shorter.allocated == {1: 10}


def test_fefo_takes_the_earliest_eligible_lot_and_never_an_ineligible_one():
    stock = [lot(1, 10, 600), lot(2, 10, 400), lot(3, 10, 100), lot(4, 10, None)]
    allocation = solve(stock, [line(1, quantity=15)])
    assert [(p.lot_id, p.quantity) for p in allocation.picks] == [(1, 5), (2, 10)]
    assert allocation.optimal
    ranks = fefo_ranks(stock)
    assert allocation.fefo_cost == 10 * ranks[(2, 1)] + 5 * ranks[(1, 1)]


def test_fefo_ties_break_on_the_smaller_quantity_then_the_lot():
    stock = [lot(1, 9, 400), lot(2, 5, 400), lot(3, 5, 400, site=2)]
    allocation = solve(stock, [line(1, quantity=4)], site_penalty=0)
    assert allocation.picks == [Pick(2, 1, 1, 4)]


def test_scarce_stock_goes_to_the_higher_priority_line():
    stock = [lot(1, 5, 500)]
    allocation = solve(stock, [line(1, quantity=5, weight=3), line(2, quantity=5, weight=9)])
    assert allocation.allocated == {1: 0, 2: 5}
    assert allocation.fulfilment == 9
    assert allocation.fulfilment_percent == pytest.approx(75.0)


def test_fulfilment_is_weighted_by_the_fraction_of_each_line():
    stock = [lot(1, 1, 500)]
    allocation = solve(stock, [line(1, quantity=100, weight=3), line(2, quantity=1, weight=3)])
    assert allocation.allocated == {1: 0, 2: 1}
    assert allocation.fulfilment == 3
    # A critical line of 10 (2.7 per unit) still beats a low line of 1 (1 per unit).
    allocation = solve(stock, [line(1, quantity=10, weight=27), line(2, quantity=1, weight=1)])
    assert allocation.allocated == {1: 1, 2: 0}
    assert allocation.fulfilment == Fraction(27, 10)


def test_the_shorter_dated_lot_goes_to_the_line_that_can_use_it():
    # Line 1 accepts anything; line 2 needs the long-dated lot. Greedy by priority ruins it.
    stock = [lot(1, 5, 100), lot(2, 5, 600)]
    lines = [line(1, quantity=5, weight=9, shelf=0), line(2, quantity=5, weight=3)]
    allocation = solve(stock, lines)
    assert allocation.allocated == {1: 5, 2: 5}
    assert {(p.lot_id, p.line_id) for p in allocation.picks} == {(1, 1), (2, 2)}


@pytest.mark.parametrize("method", ["auto", "min_cost_flow", "cp_sat"])
def test_fewer_sites_when_fulfilment_allows(method):
    # Request 7 wants items 1 and 2. Site 2 has the earlier-expiring item 1, but only site 1
    # has item 2: with a site penalty both come from site 1.
    stock = [
        lot(1, 10, 400, site=2, item=1),
        lot(2, 10, 700, site=1, item=1),
        lot(3, 10, 700, site=1, item=2),
    ]
    lines = [line(1, item=1, quantity=6, request=7), line(2, item=2, quantity=6, request=7)]
    consolidated = solve(stock, lines, site_penalty=100, method=method)
    assert consolidated.fulfilment == 6
    assert consolidated.site_pairs == 1
    assert {p.site_id for p in consolidated.picks} == {1}
    fefo_only = solve(stock, lines, site_penalty=0, method=method)
    assert fefo_only.site_pairs == 2
    assert Pick(1, 2, 1, 6) in fefo_only.picks
    # Consolidation never costs fulfilment: with too little at site 1, site 2 still serves.
    short = [lot(1, 10, 400, site=2, item=1), lot(2, 2, 700, site=1, item=1), lot(3, 10, 700, site=1, item=2)]
    allocation = solve(short, lines, site_penalty=10_000, method=method)
    assert allocation.allocated == {1: 6, 2: 6}


def test_exclusions_and_excluded_stock_are_respected():
    stock = [lot(1, 10, 400), lot(2, 10, 500), lot(3, 10, 600, site=2)]
    lines = [line(1, quantity=10), line(2, quantity=10)]
    excluded = solve(stock, lines, exclusions={(1, 1, 1)}, excluded_stock={(2, 1)})
    assert violations(stock, lines, excluded, {(1, 1, 1)}, {(2, 1)}) == []
    assert excluded.fulfilment == 6
    assert {(p.lot_id, p.line_id) for p in excluded.picks} == {(1, 2), (3, 1)}
    # An exclusion inside a chain: lot 2 out for line 1 only, lots before and after still serve it.
    stock = [lot(1, 3, 400), lot(2, 3, 500), lot(3, 3, 600)]
    allocation = solve(stock, [line(1, quantity=9)], exclusions={(2, 1, 1)}, method="min_cost_flow")
    assert allocation.allocated == {1: 6}
    assert {p.lot_id for p in allocation.picks} == {1, 3}


def test_pins_are_kept_even_against_fefo():
    stock = [lot(1, 10, 400), lot(2, 10, 600)]
    allocation = solve(stock, [line(1, quantity=12)], pins={(2, 1, 1, 5)})
    assert sorted((p.lot_id, p.quantity) for p in allocation.picks) == [(1, 7), (2, 5)]
    allocation = solve(stock, [line(1, quantity=12)], pins=[Pick(2, 1, 1, 10)])
    assert allocation.picks == [Pick(1, 1, 1, 2), Pick(2, 1, 1, 10)]


@pytest.mark.parametrize(
    ("pins", "reason", "words"),
    [
        ({(9, 1, 1, 1)}, "unknown_stock", "Lot 9 at site 1"),
        ({(1, 1, 99, 1)}, "unknown_line", "line 99"),
        ({(1, 1, 1, 0)}, "quantity", "at least one unit"),
        ({(3, 1, 1, 1)}, "item", "another item"),
        ({(2, 1, 1, 1)}, "shelf_life", "1 January 2028"),
        ({(4, 1, 1, 1)}, "excluded_stock", "kept out"),
        ({(5, 1, 1, 1)}, "excluded", "excluded from it"),
        ({(1, 1, 1, 4), (1, 1, 2, 4)}, "available", "(8) than are available (5)"),
        ({(1, 1, 1, 4), (6, 1, 1, 4)}, "line_quantity", "(8) than it asks for (6)"),
    ],
)
def test_infeasible_pins_raise_a_clear_validation_error(pins, reason, words):
    stock = [
        lot(1, 5, 500),
        lot(2, 5, 364),
        lot(3, 5, 500, item=2),
        lot(4, 5, 500),
        lot(5, 5, 500),
        lot(6, 5, 500),
    ]
    lines = [line(1, quantity=6), line(2, quantity=6)]
    with pytest.raises(InfeasiblePin) as raised:
        solve(stock, lines, pins=pins, exclusions={(5, 1, 1)}, excluded_stock={(4, 1)})
    assert isinstance(raised.value, ValidationFailed)
    assert raised.value.code == "infeasible_pin"
    assert raised.value.reason == reason
    assert words in raised.value.message


def test_duplicate_pins_are_refused():
    with pytest.raises(InfeasiblePin) as raised:
        solve([lot(1, 5, 500)], [line(1, quantity=5)], pins=[(1, 1, 1, 1), Pick(1, 1, 1, 2)])
    assert raised.value.reason == "twice"


def test_malformed_input_raises_value_error():
    with pytest.raises(ValueError, match="twice"):
        solve([lot(1, 5, 500), lot(1, 5, 600)], [line(1)])
    with pytest.raises(ValueError, match="unique"):
        solve([lot(1, 5, 500)], [line(1), line(1)])
    with pytest.raises(ValueError, match="at least 1"):
        solve([lot(1, 5, 500)], [line(1, quantity=0)])
    with pytest.raises(ValueError, match="method"):
        solve([lot(1, 5, 500)], [line(1)], method="simplex")  # type: ignore[arg-type]


def test_weight_zero_lines_receive_only_their_pins():
    stock = [lot(1, 10, 500)]
    allocation = solve(stock, [line(1, quantity=5, weight=0)])
    assert allocation.allocated == {1: 0}
    assert allocation.fulfilment_percent == 100.0
    allocation = solve(stock, [line(1, quantity=5, weight=0)], pins={(1, 1, 1, 2)})
    assert allocation.allocated == {1: 2}


def test_empty_inputs():
    assert solve([], []).picks == []
    allocation = solve([], [line(1, quantity=3)])
    assert allocation.allocated == {1: 0} and allocation.fulfilment == 0
    assert allocation.optimal
    assert solve([lot(1, 5, 500)], []).picks == []


@pytest.mark.parametrize("method", ["min_cost_flow", "cp_sat"])
def test_same_input_same_output(method):
    # CP-SAT stops on its deterministic budget (a fifth of the limit); the wall-clock limit is
    # generous so that a busy machine (CI running other jobs) does not stop it first.
    stock, lines = medium_instance(random.Random(3), stock_rows=150, line_count=60)
    first = solve(stock, lines, method=method, time_limit_seconds=8)
    second = solve(list(reversed(stock)), list(reversed(lines)), method=method, time_limit_seconds=8)
    assert first.picks == second.picks
    assert first.method == second.method == method


def test_cp_sat_improves_on_the_flow_heuristic_without_losing_fulfilment():
    stock, lines = medium_instance(random.Random(3), stock_rows=150, line_count=60)
    flow = solve(stock, lines, method="min_cost_flow")
    exact = solve(stock, lines, method="cp_sat", time_limit_seconds=2)
    assert exact.fulfilment == flow.fulfilment
    assert exact.secondary_cost <= flow.secondary_cost
    assert violations(stock, lines, exact) == []


# --- Explanations -----------------------------------------------------------------------------


def test_explain_unmet_gives_each_reason():
    stock = [
        lot(1, 5, 200, item=2),  # item 2: all expires too soon (latest on day 300)
        lot(2, 5, 300, item=2),
        lot(3, 4, 500, item=3),  # item 3: only 4 usable units
        lot(4, 5, 500, item=4),  # item 4: excluded for line 4
        lot(5, 5, 500, item=5),  # item 5: taken by a higher priority line
        lot(6, 5, 500, item=6),  # item 6: weight-0 line, left in stock
        lot(7, 5, 500, item=7, site=3),  # item 7: the site is kept out
    ]
    lines = [
        line(1, item=1, quantity=3),
        line(2, item=2, quantity=3),
        line(3, item=3, quantity=10),
        line(4, item=4, quantity=3),
        line(5, item=5, quantity=5, weight=3),
        line(6, item=5, quantity=5, weight=27),
        line(7, item=6, quantity=5, weight=0),
        line(8, item=7, quantity=2),
    ]
    exclusions, excluded_stock = {(4, 1, 4)}, {(7, 3)}
    allocation = solve(stock, lines, exclusions=exclusions, excluded_stock=excluded_stock)
    unmet = explain_unmet(stock, lines, allocation, exclusions=exclusions, excluded_stock=excluded_stock)
    assert {k: v.code for k, v in unmet.items()} == {
        1: UnmetReason.NO_STOCK,
        2: UnmetReason.EXPIRES_TOO_SOON,
        3: UnmetReason.PARTLY_MET,
        4: UnmetReason.EXCLUDED,
        5: UnmetReason.TAKEN,
        7: UnmetReason.NOT_ALLOCATED,
        8: UnmetReason.EXCLUDED,
    }
    assert unmet[1].missing == 3 and unmet[1].text == "No stock of this item is available."
    assert "28 October 2027" in unmet[2].text and "1 January 2028" in unmet[2].text
    assert unmet[2].counts["too_short"] == 10
    assert unmet[3].missing == 6 and unmet[3].allocated == 4
    assert (
        unmet[3].text
        == "Only 4 units with enough shelf life are in stock, and all are allocated to this line."
    )
    assert unmet[4].text == "All 5 units with enough shelf life are excluded from this line."
    assert unmet[5].counts["taken"] == 5 and unmet[5].counts["taken_by_higher"] == 5
    assert unmet[5].text == "5 units this line could use went to requests of higher priority."
    assert unmet[7].text == "5 units with enough shelf life were left in stock."
    assert unmet[8].counts["excluded"] == 5


def test_explain_unmet_says_when_equal_or_lower_priority_took_the_stock():
    stock = [lot(1, 3, 500)]
    lines = [line(1, quantity=1, weight=3), line(2, quantity=100, weight=3), line(3, quantity=2, weight=1)]
    allocation = solve(stock, lines)
    assert allocation.allocated == {1: 1, 2: 0, 3: 2}
    unmet = explain_unmet(stock, lines, allocation)
    assert unmet[2].code == UnmetReason.TAKEN
    assert (
        unmet[2].text == "3 units this line could use went to other requests of the same or lower priority."
    )
    assert set(unmet) == {2}


def test_explain_unmet_counts_partly_higher_priority_takers():
    stock = [lot(1, 4, 500)]
    lines = [line(1, quantity=2, weight=9), line(2, quantity=2, weight=3), line(3, quantity=100, weight=3)]
    allocation = solve(stock, lines)
    unmet = explain_unmet(stock, lines, allocation)
    assert unmet[3].code == UnmetReason.TAKEN
    assert unmet[3].text == (
        "4 units this line could use went to other requests, 2 of them to requests of higher priority."
    )


# --- Baseline and waste -----------------------------------------------------------------------


def hand_example() -> tuple[list[Stock], list[Line]]:
    stock = [
        lot(1, 5, 500, site=1),  # 16 May 2028
        lot(2, 10, 365, site=2),  # 1 January 2028
        lot(3, 10, 150, site=1),  # 31 May 2027: only for line 12
        lot(4, 4, 200, site=2),  # 20 July 2027: only for line 12, which lot 3 serves first
    ]
    lines = [
        line(10, quantity=8, weight=3, needed_by=20),
        line(11, quantity=4, weight=9, needed_by=30),
        line(12, quantity=6, weight=3, shelf=0, needed_by=10),
    ]
    return stock, lines


def test_greedy_fefo_on_a_hand_computed_example():
    stock, lines = hand_example()
    allocation = greedy_fefo(stock, lines)
    # Line 11 (weight 9) first: 4 from lot 2. Then line 12 (needed earliest): 6 from lot 3, the
    # earliest lot it may take. Then line 10: the 6 left of lot 2, then 2 of lot 1.
    assert allocation.picks == [
        Pick(1, 1, 10, 2),
        Pick(2, 2, 10, 6),
        Pick(2, 2, 11, 4),
        Pick(3, 1, 12, 6),
    ]
    assert allocation.allocated == {10: 8, 11: 4, 12: 6}
    assert allocation.method == "greedy_fefo" and not allocation.optimal
    assert allocation.fulfilment == 15
    # Ranks of item 1: lot 3 (0), lot 4 (1), lot 2 (2), lot 1 (3).
    assert allocation.fefo_cost == 2 * 3 + 10 * 2 + 6 * 0
    assert allocation.site_pairs == 4  # (10, 1), (10, 2), (11, 2), (12, 1)
    # Waste before 1 January 2028: lot 3's 4 left and lot 4's 4.
    assert waste(stock, allocation, day(365)) == 8
    assert waste(stock, allocation, day(150)) == 0
    assert waste(stock, allocation, day(151)) == 4


def test_greedy_fefo_respects_exclusions_and_pins():
    stock, lines = hand_example()
    allocation = greedy_fefo(stock, lines, exclusions={(3, 1, 12)}, pins={(1, 1, 11, 1)})
    assert violations(stock, lines, allocation, {(3, 1, 12)}, pins={(1, 1, 11, 1)}) == []
    assert Pick(1, 1, 11, 1) in allocation.picks
    assert all(p.lot_id != 3 for p in allocation.picks)


def test_the_optimiser_beats_greedy_where_priority_order_misleads_it():
    # Line 1 is critical but huge (0.09 per unit), line 2 small (0.6 per unit) and needs the
    # longer-dated lot: greedy serves line 1 first and starves line 2.
    stock = [lot(1, 5, 400), lot(2, 5, 380)]
    lines = [line(1, quantity=100, weight=9, shelf=0), line(2, quantity=5, weight=3, shelf=390)]
    greedy = greedy_fefo(stock, lines)
    optimal = solve(stock, lines)
    assert greedy.allocated == {1: 10, 2: 0}
    assert optimal.allocated == {1: 5, 2: 5}
    assert optimal.fulfilment == Fraction(9 * 5, 100) + 3 > greedy.fulfilment == Fraction(9 * 10, 100)
    assert waste(stock, greedy, day(500)) == waste(stock, optimal, day(500)) == 0


# --- A medium instance on the flow path -------------------------------------------------------


def medium_instance(
    rng: random.Random, stock_rows: int = 2000, line_count: int = 500
) -> tuple[list[Stock], list[Line]]:
    stock = []
    for lot_id in range(1, stock_rows + 1):
        expiry = None if rng.random() < 0.05 else rng.randint(0, 3 * 365)
        stock.append(lot(lot_id, rng.randint(0, 40), expiry, site=rng.randint(1, 6), item=rng.randint(1, 20)))
    lines = [
        line(
            line_id,
            item=rng.randint(1, 20),
            quantity=rng.randint(1, 20),
            weight=rng.choice([1, 3, 9, 27]),
            request=rng.randint(1, 150),
            arrival=rng.randint(0, 90),
            shelf=rng.choice([180, 365]),
            needed_by=rng.randint(0, 120),
        )
        for line_id in range(1, line_count + 1)
    ]
    return stock, lines


def reference_primary(
    stock: Sequence[Stock], lines: Sequence[Line], exclusions: set[tuple[int, int, int]]
) -> Fraction:
    """The best weighted fulfilment by a plain bipartite flow with exact integer values
    weight * L / quantity, L the lcm of the quantities: independent of the solver's argument."""
    scale = math.lcm(*(li.quantity for li in lines))
    rows = len(stock)
    total = sum(r.available for r in stock)
    by_item: dict[int, list[int]] = {}
    for j, li in enumerate(lines):
        by_item.setdefault(li.item_id, []).append(j)
    arcs: list[tuple[int, int, int, int]] = [(0, 1, total, 0)]  # the bypass
    for k, row in enumerate(stock):
        arcs.append((0, 2 + k, row.available, 0))
        for j in by_item.get(row.item_id, []):
            li = lines[j]
            if eligible(row, li) and (row.lot_id, row.site_id, li.line_id) not in exclusions:
                arcs.append((2 + k, 2 + rows + j, li.quantity, 0))
    for j, li in enumerate(lines):
        arcs.append((2 + rows + j, 1, li.quantity, -li.priority_weight * scale // li.quantity))
    tails, heads, capacities, costs = (np.array(column, np.int64) for column in zip(*arcs, strict=True))
    network = min_cost_flow.SimpleMinCostFlow()
    network.add_arcs_with_capacity_and_unit_cost(
        tails.astype(np.int32), heads.astype(np.int32), capacities, costs
    )
    network.set_nodes_supplies(np.array([0, 1], np.int32), np.array([total, -total], np.int64))
    assert network.solve() == network.OPTIMAL
    return Fraction(-network.optimal_cost(), scale)


def test_medium_instance_on_the_flow_path_is_feasible_exact_and_beats_greedy():
    rng = random.Random(11)
    stock, lines = medium_instance(rng)
    # Exclusions inside lines' eligible stock, so that some chains are broken into direct arcs.
    exclusions = set()
    for li in rng.sample(lines, 60):
        usable = [row for row in stock if eligible(row, li) and row.available]
        for row in rng.sample(usable, min(2, len(usable))):
            exclusions.add((row.lot_id, row.site_id, li.line_id))
    began = time.perf_counter()
    allocation = solve(stock, lines, exclusions=exclusions)
    seconds = time.perf_counter() - began
    assert allocation.method == "min_cost_flow"
    assert seconds < 3
    assert violations(stock, lines, allocation, exclusions) == []
    assert allocation.fulfilment == primary(lines, allocation.allocated)
    assert allocation.fulfilment == reference_primary(stock, lines, exclusions)
    greedy = greedy_fefo(stock, lines, exclusions=exclusions)
    assert violations(stock, lines, greedy, exclusions) == []
    assert allocation.fulfilment >= greedy.fulfilment
    assert allocation.site_pairs <= greedy.site_pairs
    assert set(allocation.timings) >= {"prepare", "primary", "secondary", "picks"}
    cost, pairs = secondary(stock, lines, allocation.picks, allocation.site_penalty)
    assert (cost, pairs) == (allocation.secondary_cost, allocation.site_pairs)
    unmet = explain_unmet(stock, lines, allocation, exclusions=exclusions)
    assert set(unmet) == {li.line_id for li in lines if allocation.allocated[li.line_id] < li.quantity}
    assert UnmetReason.NOT_ALLOCATED not in {u.code for u in unmet.values()}
