"""bench/matching.py at a tiny size, so that the benchmark cannot rot between recorded runs."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from medmissions.missions.models import Mission, Role
from medmissions.volunteers.models import Person

pytestmark = pytest.mark.django_db

SCRIPT = Path(__file__).resolve().parents[3] / "bench" / "matching.py"


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_matching", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_generator_and_the_pipeline_run_at_a_tiny_size():
    bench = load_script()
    people, roles = bench.SIZES["tiny"]
    generated = bench.generate("tiny", seed=7)
    assert (generated["people"], generated["roles"]) == (people, roles)
    assert Person.objects.count() == people
    assert Role.objects.filter(mission__status__in=["recruiting", "ready"]).count() == roles
    assert Mission.objects.filter(status__in=["completed", "cancelled"]).exists()  # the history

    row = bench.measure(time_limit=5.0)
    assert row["roles"] == roles and row["arcs"] > 0
    assert row["optimal"] and row["bound"] == row["total_score"]
    assert row["total_score"] >= row["greedy_score"]
    assert row["filled"] + row["unfilled_places"] == row["places"]
    assert row["peak_memory_mb"] > 0
    assert set(bench.verdict(row)) == {"under_20_seconds", "within_4x_raw_or_tools", "under_2_gb"}
    assert "| tiny |" in bench.table([{"size": "tiny", **row}])
