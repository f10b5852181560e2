"""bench/allocation.py at a tiny size, so that the benchmark cannot rot between recorded runs, and
its independent optimum and waste bound checked against the solver on small random problems."""

from __future__ import annotations

import datetime
import importlib.util
import json
import random
from pathlib import Path
from types import ModuleType

import pytest

from medmissions.supplies import ledger
from medmissions.supplies.allocation_solver import Line, Stock, solve, waste
from medmissions.supplies.models import AllocationRun, Lot, SupplyRequest

SCRIPT = Path(__file__).resolve().parents[3] / "bench" / "allocation.py"


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_allocation", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.django_db
def test_the_generator_and_the_measurement_run_at_a_tiny_size(settings):
    # At this size the run polishes consignments with CP-SAT, which may search to its limit.
    settings.SUPPLIES_ALLOCATION_TIME_LIMIT_SECONDS = 0.5
    bench = load_script()
    lots, requests = bench.SIZES["tiny"]
    generated = bench.generate("tiny", seed=7)
    assert (generated["lots"], generated["requests"]) == (lots, requests)
    assert Lot.objects.count() == lots
    assert SupplyRequest.objects.filter(status="submitted").count() == requests
    assert SupplyRequest.objects.exclude(status="submitted").exists()  # ignored by the run
    assert generated["open_allocations"] and generated["shelf_life_exceptions"] >= 0
    assert ledger.mismatched_balances() == []

    row = bench.measure()
    assert AllocationRun.objects.count() == 1
    assert row["requests"] == requests and row["lines"] > 0 and row["stock_rows"] > 0
    stages = row["stages_seconds"]
    assert set(stages) == {"requests", "checks", "load", "solve", "explain", "store"}
    assert sum(stages.values()) <= row["end_to_end_seconds"] + 0.02
    assert row["queries"] > 0 and row["peak_memory_mb"] > 0 and row["slope_rounds"] >= 1

    proposal, greedy, optimum = row["proposal"], row["greedy"], row["optimum"]
    assert row["fulfilment_equals_optimum"] and row["fulfilment_at_least_greedy"]
    assert proposal["fulfilment_percent"] == optimum["fulfilment_percent"]
    assert greedy["fulfilment_percent"] <= proposal["fulfilment_percent"]
    assert 0 < row["greedy_share_of_optimum"] <= 1
    assert optimum["lp_failures"] == 0 and optimum["lp_relative_gap"] < 1e-6
    assert (
        proposal["lines_met"] + proposal["lines_partly_met"] + proposal["lines_without_units"] == row["lines"]
    )
    assert 0 < proposal["units"] <= row["units_available"]
    for days in map(str, bench.HORIZON_DAYS):
        assert 0 <= row["waste_unusable"][days] <= row["waste_bound"][days] <= proposal["waste"][days]
        assert greedy["waste"][days] >= 0
    assert proposal["consignments"] > 0 and greedy["consignments"] > 0

    row = json.loads(json.dumps({"size": "tiny", **row}))
    assert set(bench.verdict(row)) == {
        "under_10_seconds",
        "fulfilment_is_the_optimum",
        "fulfilment_at_least_greedy",
    }
    assert all(
        bench.verdict(row)[name] for name in ("fulfilment_is_the_optimum", "fulfilment_at_least_greedy")
    )
    assert "| tiny |" in bench.table([row])


def test_the_independent_optimum_and_waste_bound_agree_with_the_solver():
    """On small random problems: the benchmark's optimum is the solver's fulfilment, and no
    allocation of that fulfilment (the solver's, with or without consignments) wastes less
    than the bound."""
    bench = load_script()
    rng = random.Random(11)
    today = datetime.date(2027, 1, 1)
    horizons = {days: (today + datetime.timedelta(days=days)).toordinal() for days in (90, 400)}
    for _case in range(25):
        stock = [
            Stock(
                lot_id=k,
                site_id=rng.randint(1, 3),
                item_id=rng.randint(1, 3),
                available=rng.randint(1, 40),
                expiry_date=None
                if rng.random() < 0.1
                else today + datetime.timedelta(days=rng.randint(20, 900)),
            )
            for k in range(rng.randint(0, 12))
        ]
        lines = [
            Line(
                line_id=k,
                request_id=rng.randint(1, 4),
                item_id=rng.randint(1, 3),
                quantity=rng.randint(1, 50),
                priority_weight=rng.choice([1, 3, 9, 27]),
                arrival_date=today + datetime.timedelta(days=rng.randint(0, 60)),
                minimum_shelf_life_days=rng.choice([0, 90, 180, 365]),
                needed_by=today + datetime.timedelta(days=60),
            )
            for k in range(rng.randint(1, 10))
        ]
        exact = bench.reference(stock, lines, horizons)
        assert exact["lp_failures"] == 0
        for site_penalty in (0, 200):
            answer = solve(stock, lines, site_penalty=site_penalty)
            assert answer.fulfilment == exact["optimum"]
            for days, horizon in horizons.items():
                bound = exact["waste_bound"][days]
                assert exact["waste_unusable"][days] <= bound
                assert bound <= waste(stock, answer, datetime.date.fromordinal(horizon))
