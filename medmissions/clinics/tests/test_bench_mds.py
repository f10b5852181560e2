"""bench/mds.py at a tiny scale, so that the benchmark cannot rot between recorded runs: the
generator writes consultations the application accepts, the hand-written floor gives exactly the
aggregation's figures (and the comparison fails loudly when it does not), and batch ingestion
through the API runs and is idempotent."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from medmissions.clinics import mds
from medmissions.clinics.choices import ReportStatus
from medmissions.clinics.models import Consultation, DailyReport, DailyReportVersion, Team

SCRIPT = Path(__file__).resolve().parents[3] / "bench" / "mds.py"


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_mds", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_drawn_consultations_follow_the_mds_rules_and_the_configured_shares():
    bench = load_script()
    age, sex, ticks = bench.draw_consultations(np.random.default_rng(3), 20_000)
    column = {number: position for position, number in enumerate(mds.TICK_ITEMS)}
    under_five = np.isin(age, mds.UNDER_FIVE_GROUPS)
    assert not (under_five & (sex == 3)).any()
    for number in mds.OBSTETRIC_PROCEDURES:
        assert not (under_five & ticks[:, column[number]]).any()
        assert not ((sex != 3) & ticks[:, column[number]]).any()
    assert 0.15 < under_five.mean() < 0.19
    assert 0 < (age == 0).sum() < 300  # a few legacy "5 and over, band unknown" rows
    relation = ticks[:, [column[number] for number in mds.RELATION_ITEMS]].sum(axis=1)
    outcomes = ticks[:, [column[number] for number in mds.OUTCOME_ITEMS]].sum(axis=1)
    assert 0.95 < (relation == 1).mean() < 0.99 and (relation == 0).any() and (relation == 2).any()
    assert 0.06 < (outcomes == 0).mean() < 0.10 and (outcomes > 1).any()
    assert 0.12 < ticks[:, column[9]].mean() < 0.22  # acute respiratory infection

    captured, _sex, _ticks = bench.draw_consultations(np.random.default_rng(3), 2_000, legacy_band=False)
    assert 0 not in set(captured.tolist())  # the API refuses the legacy band


@pytest.mark.django_db
def test_the_generator_the_floor_and_the_ingestion_run_at_a_tiny_scale():
    bench = load_script()
    world = bench.seed(consultations=900, teams=3, days=4, seed=7)

    assert Consultation.objects.count() == 900
    assert DailyReport.objects.count() == 12 == len(world.report_sizes)
    assert set(DailyReport.objects.values_list("status", flat=True)) == {ReportStatus.SUBMITTED}
    assert not DailyReport.objects.filter(current_version=None).exists()
    versions = dict(DailyReportVersion.objects.values_list("report_id", "consultations"))
    assert versions == world.report_sizes
    assert Team.objects.filter(response_id=world.response_id).count() == 3
    assert Consultation.objects.filter(age_group=0, source="import").exists()
    assert not Consultation.objects.filter(age_group__in=mds.UNDER_FIVE_GROUPS, sex=3).exists()
    # Rows of one day are interleaved between the teams, as recorded in the field.
    first_day = Consultation.objects.filter(report__date=world.start).order_by("pk")
    assert len(set(first_day.values_list("team_id", flat=True)[:30])) > 1

    daily = bench.measure_daily(world, rounds=1, sample=4)
    team = bench.measure_team(world, rounds=1, sample=2)
    response = bench.measure_response(world, rounds=1)
    assert (daily["calls"], daily["reports"]) == (4, 4)
    assert (team["calls"], team["teams"], team["days"]) == (2, 2, 4)
    assert (response["calls"], response["consultations"], response["daily_reports"]) == (1, 900, 12)
    for row in (daily, team, response):
        assert row["implementation"]["median_ms"] > 0 and row["floor"]["median_ms"] > 0
        assert row["ratio"] > 0 and row["pass"] == (row["ratio"] <= bench.TARGET_RATIO)

    ingestion = bench.measure_ingestion(world, count=60, batch_size=25, seed=7)
    for variant in ("server_references", "device_references"):
        row = ingestion[variant]
        assert row["batches"] == 3 and row["consultations_per_second"] > 0
        assert row["resend"] == {"created": 0, "already_recorded": 25, "ms": row["resend"]["ms"]}
    assert Consultation.objects.filter(source="api").count() == 120
    devices = Consultation.objects.filter(team__name="Ingestion team (device references)")
    assert devices.filter(reference__startswith="D").count() == 60

    entry = {
        "database": "test",
        "world": world.stats,
        "timings": {"daily_report": daily, "team_period": team, "coordination_view": response},
        "ingestion": ingestion,
    }
    text = bench.summary(entry)
    assert "| one daily report |" in text and "coordination view" in text and "consultations/s" in text


@pytest.mark.django_db
def test_a_floor_that_counts_differently_stops_the_benchmark(monkeypatch):
    bench = load_script()
    world = bench.seed(consultations=300, teams=2, days=2, seed=11)
    honest = bench.floor_columns

    def wrong(vendor):
        # Count "under five" as age groups 1–3: item 9's under-five cell must then disagree.
        return [
            (kind, number, bucket, sql.replace("IN (1, 2)", "IN (1, 2, 3)") if number == 9 else sql)
            for kind, number, bucket, sql in honest(vendor)
        ]

    monkeypatch.setattr(bench, "floor_columns", wrong)
    with pytest.raises(AssertionError, match="disagree"):
        bench.measure_daily(world, rounds=1, sample=2)
    with pytest.raises(AssertionError, match="disagree"):
        bench.measure_response(world, rounds=1)
