"""Benchmark: MDS reports from a million consultations, each against a hand-written SQL floor.

A seeded generator writes one emergency response into a throwaway database: a ministry of health
coordinating it, 50 teams registered for it (no missions), each working at one site of its own,
the sites spread over five provinces and their districts, 60 days of daily reports per team
(3,000), and 1,000,000 consultations spread over them along an epidemic curve (few on the first
days, a peak in the second and third weeks, a slow decline), busier and quieter teams, and a few
days without patients. Consultations of one day are recorded by every team at once, so they are
interleaved in the table as they would be in production. Each consultation has the MDS
distributions of a disaster response: age groups (about 17 % under five, a few legacy "5 and over,
band unknown" rows from imported files), sex and pregnancy (never under five), a few diagnoses
(respiratory infections, diarrhoea, minor injuries, skin disease, "other"…), deliveries only for
pregnant women, usually one outcome (sometimes none, rarely two) and usually exactly one relation
to the event (sometimes none or two, which the checks count), rare protection items. Rows go into
the real tables (``executemany`` on SQLite, ``COPY`` on PostgreSQL, within the model's check
constraints); every daily report is then submitted through ``reports.submit``, so the
coordination view sees all of them.

Timings are medians of repeated calls after a warm-up, implementation and floor alternating so
that a load spike hurts both alike; query logging is off (DEBUG False):

* **daily report**: ``aggregation.daily_figures(report)`` and ``aggregation.checks`` for a sample
  of reports, against the floor for the same report;
* **team period**: ``aggregation.team_period(team, start, end)`` over the 60 days, for a sample
  of teams;
* **coordination view**: what the view computes before rendering (``build_coordination`` in
  ``views/coordination.py``: ``aggregation.response_period`` over every team's submitted days,
  each team's share, the figures by day and by district, the indicators, the top conditions).

The **floor** is the same aggregation written by hand here, independently of ``aggregation.py``:
one SQL ``GROUP BY`` with a row per daily report computing every cell of the Daily Report and the
three row checks with ``COUNT(*) FILTER (WHERE …)`` (the fastest form on both databases), fetched,
plus the summing of those rows into the period's totals and the rollups by day, team and
district (numpy). Implementation and floor must give **identical numbers** for every report, day,
team and district, or the script stops. Ratio = implementation median / floor median (wall
clock; on SQLite the CPU-time medians are recorded too); the target is ≤ 1.5 on SQLite and on
PostgreSQL.

Then the **batch ingestion rate** through the API: ``POST /api/v1/clinics/consultations/batch``
with the Django test client and a personal API token of a member of the ministry, 20,000
consultations in batches of 500 for a fresh team over the same 60 days, once with references
numbered by the server (empty ``reference``) and once with the devices' own references; then one
batch sent again, which must record nothing.

    .venv/bin/python bench/mds.py                                  # SQLite file in /tmp
    .venv/bin/python bench/mds.py --database postgres              # creates, then drops, bench_mds
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/scratch .venv/bin/python bench/mds.py \\
        --database postgres                                        # creates, then drops, scratch_mds
    .venv/bin/python bench/mds.py --consultations 100000 --teams 10 --days 30

Results go to bench/results/mds.json (one entry per database, the others kept) and a summary is
printed; docs/benchmarks.md records the runs.
"""

from __future__ import annotations

import argparse
import datetime
import json
import logging
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CONSULTATIONS = 1_000_000
TEAMS = 50
DAYS = 60
INGEST = 20_000
BATCH_SIZE = 500
SEED = 20261121
TARGET_RATIO = 1.5
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/bench"
BATCH_PATH = "/api/v1/clinics/consultations/batch"

MINISTRY_SLUG = "bench-mds-ministry"
COORDINATOR_EMAIL = "coordinator@bench-mds.example.org"
CLERK_EMAIL = "clerk@bench-mds.example.org"

# Provinces and districts of a cyclone response (the sites' admin levels 1 and 2).
AREAS = {
    "Sofala": ["Beira", "Dondo", "Nhamatanda", "Buzi"],
    "Manica": ["Chimoio", "Sussundenga", "Gondola"],
    "Zambezia": ["Quelimane", "Nicoadala"],
    "Inhambane": ["Vilankulo", "Govuro"],
    "Tete": ["Moatize", "Changara"],
}
AREA_WEIGHTS = {"Sofala": 0.4, "Manica": 0.25, "Zambezia": 0.15, "Inhambane": 0.1, "Tete": 0.1}
SITE_KINDS = {"clinic": 0.4, "health_post": 0.25, "mobile_outreach": 0.2, "hospital": 0.15}

# Age group (MDSa code) shares; 0 is the legacy "5 and over, band unknown" of imported files.
AGE_MIX = {1: 0.05, 2: 0.12, 3: 0.21, 4: 0.50, 5: 0.115, 0: 0.005}
MALE_SHARE = 0.45
PREGNANT_SHARE = 0.10  # of women aged 5–64 (groups 3, 4 and the legacy band)
# Independent ticks: item → (share among patients of 5 and over, share among under-fives).
TICK_SHARES = {
    4: (0.004, 0.002),
    5: (0.003, 0.001),
    6: (0.010, 0.004),
    7: (0.040, 0.020),
    8: (0.090, 0.060),
    9: (0.150, 0.300),
    10: (0.050, 0.120),
    11: (0.010, 0.020),
    12: (0.003, 0.002),
    13: (0.001, 0.010),
    14: (0.001, 0.002),
    15: (0.0005, 0.0005),
    16: (0.0002, 0.001),
    17: (0.0005, 0.0005),
    18: (0.050, 0.090),
    19: (0.030, 0.050),
    20: (0.020, 0.010),
    21: (0.020, 0.005),
    22: (0.010, 0.010),
    23: (0.010, 0.003),
    24: (0.030, 0.010),
    25: (0.060, 0.090),
    26: (0.020, 0.002),
    27: (0.010, 0.0),
    28: (0.003, 0.030),
    29: (0.250, 0.150),
    30: (0.005, 0.001),
    31: (0.001, 0.0002),
    32: (0.030, 0.015),
    47: (0.001, 0.010),
    48: (0.005, 0.0),
    49: (0.002, 0.0005),
    50: (0.004, 0.001),
}
# Of pregnant women: no procedure, normal delivery, caesarean section, other obstetrics (33–35).
DELIVERY_MIX = (0.60, 0.25, 0.05, 0.10)
# One outcome (36–43) per consultation, or none (first share); a second one now and then.
OUTCOME_MIX = (0.08, 0.59, 0.20, 0.01, 0.06, 0.05, 0.002, 0.003, 0.005)
SECOND_OUTCOME = 0.01
# Directly, indirectly or not related to the event (44–46), or none ticked (first share).
RELATION_MIX = (0.02, 0.35, 0.25, 0.38)
SECOND_RELATION = 0.01
# Items 51–65 flagged on some days, with the comment the team wrote.
ISSUE_SHARES = {
    57: (0.02, "Cluster of acute watery diarrhoea in the camp by the river."),
    61: (0.03, "Road to the site cut by floodwater; patients came by boat."),
    62: (0.06, "Oral rehydration salts ran out at midday."),
    63: (0.02, "Two nurses off sick."),
}
EMPTY_DAY_SHARE = 0.005  # days a team saw no patient (site closed by weather), still reported


# --- Django -----------------------------------------------------------------------------------


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "medmissions.settings")
    os.environ.setdefault("DEBUG", "1")
    import django

    django.setup()


def _postgres_admin(url: str, *statements: str) -> None:
    import psycopg

    admin = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        for statement in statements:
            connection.execute(statement)


def fresh_database(kind: str, base_url: str | None, folder: Path) -> str:
    """A new SQLite file in ``folder``, or a new PostgreSQL database named after the one in
    ``base_url`` with ``_mds`` appended (the one named is never touched)."""
    if kind == "sqlite":
        return f"sqlite:///{folder / 'mds.sqlite3'}"
    parts = urlsplit(base_url or DEFAULT_POSTGRES)
    name = f"{parts.path.lstrip('/') or 'bench'}_mds"
    _postgres_admin(
        base_url or DEFAULT_POSTGRES, f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"'
    )
    return urlunsplit(parts._replace(path=f"/{name}"))


def drop_database(url: str) -> None:
    from django.db import connections

    connections.close_all()
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
        return
    name = urlsplit(url).path.lstrip("/")
    _postgres_admin(url, f'DROP DATABASE IF EXISTS "{name}"')


# --- Generator --------------------------------------------------------------------------------


@dataclass
class World:
    """What the generator wrote and the measurements need."""

    response_id: int
    start: datetime.date
    end: datetime.date
    team_ids: list[int]
    site_ids: list[int]
    coordinator_id: int
    report_sizes: dict[int, int]  # report id → consultations
    stats: dict[str, Any] = field(default_factory=dict)


def _columns() -> list[str]:
    """The consultation columns the generator writes, checked against the model so that a new
    column makes the script fail instead of writing rows the application would not."""
    from medmissions.clinics import mds
    from medmissions.clinics.models import Consultation

    columns = [
        "team_id",
        "report_id",
        "client_id",
        "reference",
        "patient_reference",
        "age_group",
        "age_value",
        "age_unit",
        "sex",
        "note",
        "source",
        "import_batch_id",
        "recorded_by_id",
        "recorded_at",
        *(f"mds_{number}" for number in mds.TICK_ITEMS),
    ]
    model = {f.column for f in Consultation._meta.concrete_fields if not f.primary_key}
    if model != set(columns):
        raise AssertionError(f"the Consultation table changed: {sorted(model ^ set(columns))}")
    return columns


def draw_consultations(
    rng: np.random.Generator, count: int, *, legacy_band: bool = True
) -> tuple[Any, Any, Any]:
    """Age groups, sex codes and the tick matrix (``count`` × items 4–50) of ``count``
    consultations, within the MDS rules (no pregnancy and no delivery under five)."""
    from medmissions.clinics import mds

    groups = list(AGE_MIX)
    shares = np.array([AGE_MIX[group] for group in groups])
    if not legacy_band:
        shares[groups.index(0)] = 0.0
    age = np.array(groups)[rng.choice(len(groups), size=count, p=shares / shares.sum())]
    under_five = np.isin(age, mds.UNDER_FIVE_GROUPS)
    sex = np.where(rng.random(count) < MALE_SHARE, 1, 2)
    pregnant = (sex == 2) & np.isin(age, (3, 4, 0)) & (rng.random(count) < PREGNANT_SHARE)
    sex[pregnant] = 3

    index = {number: position for position, number in enumerate(mds.TICK_ITEMS)}
    over = np.zeros(len(mds.TICK_ITEMS))
    under = np.zeros(len(mds.TICK_ITEMS))
    for number, (older, younger) in TICK_SHARES.items():
        over[index[number]], under[index[number]] = older, younger
    ticks = rng.random((count, len(mds.TICK_ITEMS))) < np.where(under_five[:, None], under, over)

    delivery = rng.choice(len(DELIVERY_MIX), size=count, p=DELIVERY_MIX)
    for choice, number in enumerate(mds.OBSTETRIC_PROCEDURES, start=1):
        ticks[:, index[number]] = pregnant & (delivery == choice)
    for mix, items, second_share in (
        (OUTCOME_MIX, mds.OUTCOME_ITEMS, SECOND_OUTCOME),
        (RELATION_MIX, mds.RELATION_ITEMS, SECOND_RELATION),
    ):
        chosen = rng.choice(len(mix), size=count, p=mix)
        second = rng.integers(1, len(mix), size=count)
        twice = (chosen > 0) & (rng.random(count) < second_share)
        for position, number in enumerate(items, start=1):
            ticks[:, index[number]] = (chosen == position) | (twice & (second == position))
    return age, sex, ticks


def _day_curve(days: int) -> np.ndarray:
    """Relative patients per day of a response: ramping up over the first week, peaking in the
    second and third, then declining to about 60 %."""
    day = np.arange(days, dtype=float)
    ramp = 0.3 + 0.7 * (1 - np.exp(-day / 4))
    decline = 1 - 0.4 * np.clip((day - 18) / max(days - 18, 1), 0, 1)
    return ramp * decline


def seed(*, consultations: int, teams: int, days: int, seed: int, progress: bool = False) -> World:
    """Write the response, its teams, sites, daily reports and consultations into the (migrated,
    empty) database, then submit every daily report; returns the world and the seed timings."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.utils import timezone

    from medmissions.clinics import reports
    from medmissions.clinics.choices import ConsultationSource
    from medmissions.clinics.models import Consultation, DailyReport, Response, Team
    from medmissions.organizations.choices import Role
    from medmissions.organizations.models import Membership, Organization
    from medmissions.sites.models import Site

    began = time.perf_counter()
    rng = np.random.default_rng(seed)
    today = timezone.localdate()
    end = today - datetime.timedelta(days=1)
    start = end - datetime.timedelta(days=days - 1)
    now = timezone.now()

    ministry = Organization.objects.create(
        name="Bench Ministry of Health", slug=MINISTRY_SLUG, country="MZ", kind="ministry"
    )
    users = get_user_model().objects
    coordinator = users.create_user(
        email=COORDINATOR_EMAIL, password=None, full_name="Bench Coordinator", email_verified_at=now
    )
    Membership.objects.create(user=coordinator, organization=ministry, role=Role.COORDINATOR)
    response = Response.objects.create(
        name="Cyclone bench response",
        country="MZ",
        coordinating_organization=ministry,
        starts_on=start,
        created_by=coordinator,
    )
    provinces = list(AREAS)
    area_shares = np.array([AREA_WEIGHTS[province] for province in provinces])
    kinds = list(SITE_KINDS)
    kind_shares = np.array(list(SITE_KINDS.values()))
    sites = []
    for k in range(teams):
        province = provinces[rng.choice(len(provinces), p=area_shares)]
        district = AREAS[province][int(rng.integers(len(AREAS[province])))]
        kind = kinds[rng.choice(len(kinds), p=kind_shares)]
        sites.append(
            Site(
                name=f"{district} {kind.replace('_', ' ')} {k + 1}",
                kind=kind,
                host_organization=ministry,
                country="MZ",
                admin_level_1=province,
                admin_level_2=district,
                town=district,
            )
        )
    Site.objects.bulk_create(sites)
    team_rows = Team.objects.bulk_create(
        [
            Team(
                response=response,
                name=f"EMT {k + 1:02d}",
                organization_name=f"Relief organisation {k % 17 + 1}",
                emt_type="type_1_fixed" if k % 5 else "type_2",
                contact_name=f"Team lead {k + 1}",
                created_by=coordinator,
            )
            for k in range(teams)
        ]
    )
    Team.sites.through.objects.bulk_create(
        [
            Team.sites.through(team_id=team.pk, site_id=site.pk)
            for team, site in zip(team_rows, sites, strict=True)
        ]
    )

    # Patients per daily report: team size × epidemic curve × day-to-day noise, a few empty days.
    weights = np.exp(rng.normal(0, 0.35, size=teams))[:, None] * _day_curve(days)[None, :]
    weights = weights * np.exp(rng.normal(0, 0.2, size=(teams, days)))
    weights[rng.random((teams, days)) < EMPTY_DAY_SHARE] = 0.0
    counts = rng.multinomial(consultations, (weights / weights.sum()).ravel()).reshape(teams, days)

    report_rows = []
    for k, team in enumerate(team_rows):
        for day in range(days):
            issues = {}
            for number, (share, comment) in ISSUE_SHARES.items():
                if rng.random() < share:
                    issues[str(number)] = {"flagged": True, "comment": comment}
            report_rows.append(
                DailyReport(
                    team=team,
                    site=sites[k],
                    date=start + datetime.timedelta(days=day),
                    issues=dict(sorted(issues.items(), key=lambda pair: int(pair[0]))),
                )
            )
    DailyReport.objects.bulk_create(report_rows, batch_size=1000)
    report_id = np.array([report.pk for report in report_rows]).reshape(teams, days)
    made = time.perf_counter()

    columns = _columns()
    table = connection.ops.quote_name(Consultation._meta.db_table)
    postgres = connection.vendor == "postgresql"
    python_random = random.Random(seed)
    capture, imported = str(ConsultationSource.CAPTURE.value), str(ConsultationSource.IMPORT.value)
    team_ids = np.array([team.pk for team in team_rows])
    site_ids = np.array([site.pk for site in sites])
    written = 0
    for day in range(days):
        date = start + datetime.timedelta(days=day)
        per_team = counts[:, day]
        total = int(per_team.sum())
        if not total:
            continue
        # Every team records through the day at once: rows of one day interleave.
        owner = rng.permutation(np.repeat(np.arange(teams), per_team))
        age, sex, ticks = draw_consultations(rng, total)
        pseudonym = rng.random(total) < 0.03
        numbers = np.zeros(teams, dtype=int)
        opening = datetime.datetime.combine(date, datetime.time(7, 0), tzinfo=datetime.UTC)
        step = 12 * 3600 / total
        rows = []
        for position, (k, group, code, ticked) in enumerate(
            zip(owner.tolist(), age.tolist(), sex.tolist(), ticks.tolist(), strict=True)
        ):
            numbers[k] += 1
            client_id = uuid.UUID(int=python_random.getrandbits(128), version=4)
            recorded_at = opening + datetime.timedelta(seconds=int(position * step))
            rows.append(
                (
                    int(team_ids[k]),
                    int(report_id[k, day]),
                    client_id if postgres else client_id.hex,
                    f"S{site_ids[k]}-{date:%y%m%d}-{numbers[k]:03d}",
                    f"P{seed % 997}-{python_random.getrandbits(24):07d}" if pseudonym[position] else "",
                    group,
                    None,
                    "",
                    code,
                    "",
                    imported if group == 0 else capture,
                    None,
                    coordinator.pk,
                    recorded_at if postgres else recorded_at.replace(tzinfo=None).isoformat(" "),
                    *ticked,
                )
            )
        with transaction.atomic(), connection.cursor() as cursor:
            if postgres:
                with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                placeholders = ", ".join(["%s"] * len(columns))
                cursor.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})", rows
                )
        written += total
        if progress and (day + 1) % 10 == 0:
            print(f"  day {day + 1}/{days}: {written:,} consultations", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # so that each submission reads its report through the index
    inserted = time.perf_counter()

    # Every day submitted by the coordination cell (teams without missions), with the reason the
    # relation-to-event warnings are accepted.
    for report in DailyReport.objects.filter(team__response=response).select_related(
        "team__response", "site"
    ):
        reports.submit(
            report,
            actor=coordinator,
            warnings_reason="Relation to the event not recorded for some patients during triage.",
        )
    # Statistics as autovacuum would leave them: every report now has its official version, and
    # a planner that still believes none has one picks a nested loop for the coordination view.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    submitted = time.perf_counter()
    sizes = {int(report_id[k, day]): int(counts[k, day]) for k in range(teams) for day in range(days)}
    stats = {
        "consultations": consultations,
        "teams": teams,
        "days": days,
        "daily_reports": len(report_rows),
        "empty_days": int((counts == 0).sum()),
        "largest_report": int(counts.max()),
        "provinces": len({site.admin_level_1 for site in sites}),
        "seed_seconds": {
            "organisations_teams_reports": round(made - began, 2),
            "consultations": round(inserted - made, 2),
            "submit": round(submitted - inserted, 2),
            "total": round(submitted - began, 2),
        },
        "insert_rate_per_second": round(consultations / max(inserted - made, 1e-9)),
    }
    return World(
        response_id=response.pk,
        start=start,
        end=end,
        team_ids=[int(pk) for pk in team_ids],
        site_ids=[int(pk) for pk in site_ids],
        coordinator_id=coordinator.pk,
        report_sizes=sizes,
        stats=stats,
    )


# --- The floor: the same figures, one hand-written GROUP BY -------------------------------------


def _count(condition: str) -> str:
    """How many rows of the group meet ``condition``. ``COUNT(*) FILTER`` (SQLite 3.30+,
    PostgreSQL 9.4+) steps the aggregate only for the rows that match, and most ticks are
    unticked: on both databases it runs about twice as fast as summing a CASE per row."""
    return f"COUNT(*) FILTER (WHERE {condition})"


def _number(column: str, vendor: str) -> str:
    return f"{column}::int" if vendor == "postgresql" else column


def floor_columns(vendor: str) -> list[tuple[str, int, str, str]]:
    """``(kind, item, bucket, SQL)`` of every figure of a Daily Report, from emt-mds.md §4: the
    consultations; items 1–3 per sex code and age group; for the items split at five years, the
    total and the under-fives (age groups 1 and 2; ≥5 is the difference); items 33–35 counted
    among patients of five and over; the totals of items 36–50; the three row checks."""
    from medmissions.clinics import mds

    group_of = {bucket: group for group, bucket in mds.AGE_GROUP_BUCKET.items()}
    young = ", ".join(str(group) for group in mds.UNDER_FIVE_GROUPS)
    columns = [("consultations", 0, "", "COUNT(*)")]
    for number in mds.SEX_ITEMS:
        for bucket in mds.buckets_for(number):
            columns.append(
                ("cell", number, bucket, _count(f"c.sex = {number} AND c.age_group = {group_of[bucket]}"))
            )
    for number in mds.TICK_ITEMS:
        tick = f"c.mds_{number}"
        buckets = mds.buckets_for(number)
        if "u5" in buckets:
            columns.append(("total", number, "", _count(tick)))
            columns.append(("cell", number, "u5", _count(f"{tick} AND c.age_group IN ({young})")))
        elif buckets == ("5p",):
            columns.append(("cell", number, "5p", _count(f"{tick} AND c.age_group NOT IN ({young})")))
        else:
            columns.append(("cell", number, "total", _count(tick)))
    relation = " + ".join(_number(f"c.mds_{number}", vendor) for number in mds.RELATION_ITEMS)
    outcomes = " + ".join(_number(f"c.mds_{number}", vendor) for number in mds.OUTCOME_ITEMS)
    for name, condition in (
        ("relation_not_one", f"{relation} <> 1"),
        ("outcomes_many", f"{outcomes} > 1"),
        ("outcomes_none", f"{outcomes} = 0"),
    ):
        columns.append(("check", 0, name, _count(condition)))
    return columns


def floor_sql(scope: str) -> str:
    """The floor's query for one daily report (``report``), one team's days (``team``) or every
    submitted day of a response (``response``): the figures grouped by report, then each row's
    keys (date; team and district) joined to the grouped rows, keys first."""
    from django.db import connection

    from medmissions.clinics.models import Consultation, DailyReport, Team
    from medmissions.sites.models import Site

    quote = connection.ops.quote_name
    consultation, report, team, site = (
        quote(model._meta.db_table) for model in (Consultation, DailyReport, Team, Site)
    )
    columns = floor_columns(connection.vendor)
    figures = ",\n       ".join(f"{sql} AS v{position}" for position, (*_key, sql) in enumerate(columns))
    values = ", ".join(f"f.v{position}" for position in range(len(columns)))
    if scope == "report":
        return (
            f"SELECT c.report_id,\n       {figures}\nFROM {consultation} c\n"
            "WHERE c.report_id = %s\nGROUP BY c.report_id"
        )
    if scope == "team":
        grouped = (
            f"SELECT c.report_id,\n       {figures}\nFROM {consultation} c\n"
            f"JOIN {report} r ON r.id = c.report_id\n"
            "WHERE r.team_id = %s AND r.date BETWEEN %s AND %s\nGROUP BY c.report_id"
        )
        return f"SELECT r.id, r.date, {values}\nFROM ({grouped}) f\nJOIN {report} r ON r.id = f.report_id"
    grouped = (
        f"SELECT c.report_id,\n       {figures}\nFROM {consultation} c\n"
        f"JOIN {report} r ON r.id = c.report_id\nJOIN {team} t ON t.id = r.team_id\n"
        "WHERE t.response_id = %s AND r.date BETWEEN %s AND %s AND r.current_version_id IS NOT NULL\n"
        "GROUP BY c.report_id"
    )
    return (
        f"SELECT r.id, r.date, r.team_id, s.admin_level_1, s.admin_level_2, {values}\n"
        f"FROM ({grouped}) f\nJOIN {report} r ON r.id = f.report_id\nJOIN {site} s ON s.id = r.site_id"
    )


def floor_figures(values: Sequence[int], columns: Sequence[tuple[str, int, str, str]]) -> dict[str, Any]:
    """The floor's figures in the shape of ``Figures.as_json()``, to compare them exactly."""
    from medmissions.clinics import mds

    figures: dict[str, Any] = {
        "consultations": 0,
        "cells": {str(number): {} for number in range(1, max(mds.TICK_ITEMS) + 1)},
        "checks": {},
    }
    totals = {}
    for (kind, number, bucket, _sql), value in zip(columns, values, strict=True):
        value = int(value or 0)
        if kind == "consultations":
            figures["consultations"] = value
        elif kind == "total":
            totals[number] = value
        elif kind == "cell":
            figures["cells"][str(number)][bucket] = value
        else:
            figures["checks"][bucket] = value
    for number, total in totals.items():
        figures["cells"][str(number)]["5p"] = total - figures["cells"][str(number)]["u5"]
    return figures


def floor_check_codes(figures: dict[str, Any]) -> list[str]:
    """The checks of emt-mds.md §8 rules 4, 6, 10 and 11, from the floor's figures."""
    from medmissions.clinics import mds

    count = figures["consultations"]
    by_sex = sum(sum(figures["cells"][str(number)].values()) for number in mds.SEX_ITEMS)
    codes = []
    if by_sex != count:
        codes.append("sex_total")
    if by_sex != count:  # every consultation has one sex code and one age bucket: the same sum
        codes.append("age_total")
    for name, code in (
        ("relation_not_one", "relation"),
        ("outcomes_many", "outcomes_many"),
        ("outcomes_none", "outcomes_none"),
    ):
        if figures["checks"][name]:
            codes.append(code)
    return codes


def _rollup(keys: Sequence[Any], values: np.ndarray) -> dict[Any, np.ndarray]:
    """Column sums of ``values`` per key (in the order keys first appear)."""
    index: dict[Any, int] = {}
    codes = [index.setdefault(key, len(index)) for key in keys]
    sums = np.zeros((len(index), values.shape[1]), dtype=np.int64)
    np.add.at(sums, codes, values)
    return {key: sums[code] for key, code in index.items()}


# --- Measurements ---------------------------------------------------------------------------------


def _timed(function: Callable[[Any], Any], case: Any) -> tuple[float, float]:
    """Wall-clock and this process's CPU seconds of one call."""
    began, cpu = time.perf_counter(), time.process_time()
    function(case)
    return time.perf_counter() - began, time.process_time() - cpu


def alternate(
    implementation: Callable[[Any], Any],
    floor: Callable[[Any], Any],
    cases: Sequence[Any],
    rounds: int,
    compare: Callable[[Any, Any, Any], None],
) -> dict[str, Any]:
    """Warm up, check that implementation and floor agree on every case, then time them
    alternately (which goes first swaps every round) and summarise.

    The ratio is of the wall-clock medians. On SQLite, which runs inside this process, the
    medians of the process's CPU time are given too: other work on a shared machine inflates
    them far less."""
    from django.db import connection

    for case in cases:
        compare(case, implementation(case), floor(case))
    wall: dict[str, list[float]] = {"implementation": [], "floor": []}
    cpu: dict[str, list[float]] = {"implementation": [], "floor": []}
    load = os.getloadavg()[0]
    for round_number in range(rounds):
        for case in cases:
            order = [("implementation", implementation), ("floor", floor)]
            for name, function in order if round_number % 2 == 0 else order[::-1]:
                seconds, processor = _timed(function, case)
                wall[name].append(seconds)
                cpu[name].append(processor)
    in_process = connection.vendor == "sqlite"
    summary: dict[str, Any] = {"calls": len(wall["floor"]), "load_average_before": round(load, 2)}
    for name, values in wall.items():
        summary[name] = {
            "min_ms": round(min(values) * 1000, 3),
            "median_ms": round(statistics.median(values) * 1000, 3),
        }
        if in_process:
            summary[name]["cpu_median_ms"] = round(statistics.median(cpu[name]) * 1000, 3)
    summary["ratio"] = round(summary["implementation"]["median_ms"] / summary["floor"]["median_ms"], 3)
    summary["ratio_of_minimums"] = round(summary["implementation"]["min_ms"] / summary["floor"]["min_ms"], 3)
    if in_process:
        summary["cpu_ratio"] = round(
            summary["implementation"]["cpu_median_ms"] / summary["floor"]["cpu_median_ms"], 3
        )
    summary["pass"] = summary["ratio"] <= TARGET_RATIO
    summary["load_average_after"] = round(os.getloadavg()[0], 2)
    return summary


def _disagree(what: str, implementation: Any, floor: Any) -> AssertionError:
    return AssertionError(
        f"implementation and floor disagree on {what}:\n  implementation {implementation}\n  floor          {floor}"
    )


def _evenly(items: Sequence[Any], count: int) -> list[Any]:
    if len(items) <= count:
        return list(items)
    step = len(items) / count
    return [items[int(position * step)] for position in range(count)]


def measure_daily(world: World, *, rounds: int, sample: int = 50) -> dict[str, Any]:
    """One daily report: its live figures and checks, for ``sample`` non-empty reports."""
    from django.db import connection

    from medmissions.clinics import aggregation
    from medmissions.clinics.models import DailyReport

    # A seeded draw over every team and day (an even step over ids could land on one weekday or
    # the first day of every team).
    candidates = sorted(pk for pk, size in world.report_sizes.items() if size)
    chosen = sorted(random.Random(SEED).sample(candidates, min(sample, len(candidates))))
    reports = list(DailyReport.objects.filter(pk__in=chosen).select_related("team", "site").order_by("pk"))
    columns = floor_columns(connection.vendor)
    sql = floor_sql("report")

    def implementation(report: Any) -> tuple[Any, Any]:
        figures = aggregation.daily_figures(report)
        return figures, aggregation.checks(figures)

    def floor(report: Any) -> list[Any]:
        with connection.cursor() as cursor:
            cursor.execute(sql, [report.pk])
            return cursor.fetchall()

    def compare(report: Any, done: Any, rows: list[Any]) -> None:
        figures, found = done
        expected = floor_figures(rows[0][1:], columns) if rows else floor_figures([0] * len(columns), columns)
        if figures.as_json() != expected:
            raise _disagree(f"daily report {report.pk}", figures.as_json(), expected)
        codes = [check.code for check in found]
        if codes != floor_check_codes(expected):
            raise _disagree(f"the checks of daily report {report.pk}", codes, floor_check_codes(expected))

    summary = alternate(implementation, floor, reports, rounds, compare)
    summary["reports"] = len(reports)
    summary["mean_consultations"] = round(
        statistics.mean(world.report_sizes[report.pk] for report in reports)
    )
    return summary


def measure_team(world: World, *, rounds: int, sample: int = 5) -> dict[str, Any]:
    """One team's periodic report over every day of the response, for ``sample`` teams."""
    from django.db import connection

    from medmissions.clinics import aggregation
    from medmissions.clinics.models import Team

    teams = list(Team.objects.filter(pk__in=_evenly(world.team_ids, sample)).order_by("pk"))
    columns = floor_columns(connection.vendor)
    sql = floor_sql("team")

    def implementation(team: Any) -> Any:
        return aggregation.team_period(team, world.start, world.end)

    def floor(team: Any) -> tuple[list[Any], np.ndarray, dict[Any, np.ndarray]]:
        with connection.cursor() as cursor:
            cursor.execute(sql, [team.pk, world.start, world.end])
            rows = cursor.fetchall()
        values = np.array([row[2:] for row in rows], dtype=np.int64).reshape(len(rows), len(columns))
        return rows, values.sum(axis=0), _rollup([row[1] for row in rows], values)

    def compare(team: Any, period: Any, answer: Any) -> None:
        rows, totals, by_date = answer
        _compare_days(f"team {team.pk}", period.days, rows, 2, columns)
        _compare_figures(f"the totals of team {team.pk}", period.totals, totals, columns)
        _compare_groups(f"team {team.pk} by day", period.by_date, by_date, columns)

    summary = alternate(implementation, floor, teams, rounds, compare)
    summary["teams"] = len(teams)
    summary["days"] = (world.end - world.start).days + 1
    summary["mean_consultations"] = round(
        statistics.mean(_team_consultations(world, team.pk) for team in teams)
    )
    return summary


def _team_consultations(world: World, team_id: int) -> int:
    from medmissions.clinics.models import DailyReport

    ids = DailyReport.objects.filter(team_id=team_id).values_list("pk", flat=True)
    return sum(world.report_sizes.get(pk, 0) for pk in ids)


def coordination_view(response: Any, start: datetime.date, end: datetime.date) -> Any:
    """What the coordination view computes before rendering (``views/coordination.py``): the
    response's period (one aggregate query), each team's share, the figures by day and by
    district, the indicators and the top conditions."""
    from medmissions.clinics.views.coordination import build_coordination

    summary = build_coordination(response, start, end)
    for rollup in ("days", "areas", "indicators", "top_conditions", "missing_today"):
        getattr(summary, rollup)
    return summary


def measure_response(world: World, *, rounds: int) -> dict[str, Any]:
    """The response-wide coordination view over every day."""
    from django.db import connection

    from medmissions.clinics import aggregation
    from medmissions.clinics.models import Response

    response = Response.objects.select_related("coordinating_organization").get(pk=world.response_id)
    columns = floor_columns(connection.vendor)
    sql = floor_sql("response")

    def implementation(response: Any) -> Any:
        return coordination_view(response, world.start, world.end)

    def floor(response: Any) -> dict[str, Any]:
        with connection.cursor() as cursor:
            cursor.execute(sql, [response.pk, world.start, world.end])
            rows = cursor.fetchall()
        values = np.array([row[5:] for row in rows], dtype=np.int64).reshape(len(rows), len(columns))
        return {
            "rows": rows,
            "totals": values.sum(axis=0),
            "by_date": _rollup([row[1] for row in rows], values),
            "by_team": _rollup([row[2] for row in rows], values),
            "by_area": _rollup([(row[3], row[4]) for row in rows], values),
        }

    def compare(_response: Any, summary: Any, answer: dict[str, Any]) -> None:
        period = summary.period
        _compare_days("the response", period.days, answer["rows"], 5, columns)
        _compare_figures("the response's totals", period.totals, answer["totals"], columns)
        _compare_groups("the response by day", dict(summary.days), answer["by_date"], columns)
        by_team = {team.team.pk: team.figures for team in summary.teams}
        _compare_groups("the response by team", by_team, answer["by_team"], columns)
        by_area = {(area.admin_level_1, area.admin_level_2): area.figures for area in summary.areas}
        _compare_groups("the response by district", by_area, answer["by_area"], columns)
        if period.totals.consultations != sum(world.report_sizes.values()):
            raise _disagree(
                "the consultations written", period.totals.consultations, sum(world.report_sizes.values())
            )

    result = alternate(implementation, floor, [response], rounds, compare)
    # Where the view's time goes: the aggregation module's part (aggregation.response_period)
    # and the rest of build_coordination (each team's period, the districts, today's reports).
    alone = [
        _timed(lambda _case: aggregation.response_period(response.pk, world.start, world.end), None)
        for _ in range(rounds)
    ]
    result["response_period_median_ms"] = round(statistics.median(wall for wall, _cpu in alone) * 1000, 3)
    result["response_period_cpu_median_ms"] = round(statistics.median(cpu for _wall, cpu in alone) * 1000, 3)
    result["consultations"] = sum(world.report_sizes.values())
    result["daily_reports"] = len(world.report_sizes)
    return result


def _compare_figures(what: str, figures: Any, values: np.ndarray, columns: Sequence[Any]) -> None:
    expected = floor_figures(values.tolist(), columns)
    if figures.as_json() != expected:
        raise _disagree(what, figures.as_json(), expected)


def _compare_days(
    what: str, days: Sequence[Any], rows: Sequence[Any], keys: int, columns: Sequence[Any]
) -> None:
    """Every day of the implementation against the floor's row of the same report; days without
    consultations have no row."""
    floor = {row[0]: floor_figures(row[keys:], columns) for row in rows}
    for day in days:
        got = day.figures.as_json()
        if day.figures.consultations == 0 and day.report.pk not in floor:
            continue
        if floor.get(day.report.pk) != got:
            raise _disagree(f"{what}, daily report {day.report.pk}", got, floor.get(day.report.pk))
    missing = set(floor) - {day.report.pk for day in days}
    if missing:
        raise _disagree(f"{what}: reports only the floor has", [], sorted(missing))


def _compare_groups(
    what: str, figures: dict[Any, Any], sums: dict[Any, np.ndarray], columns: Sequence[Any]
) -> None:
    got = {key: value.as_json() for key, value in figures.items() if value.consultations}
    expected = {key: floor_figures(value.tolist(), columns) for key, value in sums.items()}
    if got != expected:
        keys = sorted(set(got) | set(expected), key=str)
        first = next(key for key in keys if got.get(key) != expected.get(key))
        raise _disagree(f"{what}, {first}", got.get(first), expected.get(first))


def measure_all(world: World, *, rounds: int) -> dict[str, Any]:
    """The three reports, each against its floor."""
    return {
        "daily_report": measure_daily(world, rounds=rounds),
        "team_period": measure_team(world, rounds=rounds),
        "coordination_view": measure_response(world, rounds=rounds),
    }


# --- Ingestion through the API -------------------------------------------------------------------


def _ages(rng: np.random.Generator, groups: Sequence[int]) -> list[tuple[int, str]]:
    """An age with its unit inside each MDS age group (<1 in months)."""
    ranges = {1: (0, 11, "M"), 2: (1, 4, "Y"), 3: (5, 17, "Y"), 4: (18, 64, "Y"), 5: (65, 95, "Y")}
    ages = []
    for group in groups:
        low, high, unit = ranges[group]
        ages.append((int(rng.integers(low, high + 1)), unit))
    return ages


def ingestion_batches(
    rng: np.random.Generator,
    *,
    team_id: int,
    site_id: int,
    start: datetime.date,
    days: int,
    count: int,
    batch_size: int,
    device_references: bool,
) -> list[str]:
    """JSON bodies of ``POST /clinics/consultations/batch``: ``count`` consultations over
    ``days`` days from ``start``, in the order a device sends them (day by day); a fifth give
    the age with its unit instead of the age group."""
    from medmissions.clinics import mds

    per_day = rng.multinomial(count, _day_curve(days) / _day_curve(days).sum())
    age, sex, ticks = draw_consultations(rng, count, legacy_band=False)
    with_age = rng.random(count) < 0.2
    ages = _ages(rng, age.tolist())
    dates = np.repeat(np.arange(days), per_day)
    consultations = []
    for position in range(count):
        item = {
            "client_id": str(uuid.UUID(int=int.from_bytes(rng.bytes(16), "big"), version=4)),
            "site": site_id,
            "date": (start + datetime.timedelta(days=int(dates[position]))).isoformat(),
            "sex": int(sex[position]),
            "items": [
                number for number, ticked in zip(mds.TICK_ITEMS, ticks[position], strict=True) if ticked
            ],
            "reference": f"D{team_id}-{position + 1:06d}" if device_references else "",
            "patient_reference": "",
            "note": "",
        }
        if with_age[position]:
            item["age"], item["age_unit"] = ages[position]
        else:
            item["age_group"] = int(age[position])
        consultations.append(item)
    return [
        json.dumps({"team": team_id, "consultations": consultations[offset : offset + batch_size]})
        for offset in range(0, count, batch_size)
    ]


def measure_ingestion(world: World, *, count: int, batch_size: int, seed: int) -> dict[str, Any]:
    """Consultations per second through ``POST /api/v1/clinics/consultations/batch`` for fresh
    teams (server-numbered references, then the devices' own), and one batch sent again."""
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.utils import timezone

    from medmissions.accounts.services import create_api_token
    from medmissions.clinics.models import Consultation, DailyReport, Team
    from medmissions.organizations.choices import Role
    from medmissions.organizations.models import Membership, Organization
    from medmissions.sites.models import Site

    rng = np.random.default_rng(seed + 1)
    ministry = Organization.objects.get(slug=MINISTRY_SLUG)
    clerk = get_user_model().objects.create_user(
        email=CLERK_EMAIL, password=None, full_name="Bench Data Clerk", email_verified_at=timezone.now()
    )
    Membership.objects.create(user=clerk, organization=ministry, role=Role.MEMBER)
    _token, raw = create_api_token(clerk, actor=clerk, name="bench ingestion")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    days = (world.end - world.start).days + 1
    results: dict[str, Any] = {"consultations": count, "batch_size": batch_size}
    for variant, device_references in (("server_references", False), ("device_references", True)):
        site = Site.objects.create(
            name=f"Ingestion site ({variant.replace('_', ' ')})",
            kind="clinic",
            host_organization=ministry,
            country="MZ",
            admin_level_1="Sofala",
            admin_level_2="Beira",
        )
        team = Team.objects.create(
            response_id=world.response_id,
            name=f"Ingestion team ({variant.replace('_', ' ')})",
            organization_name="Bench relief",
            created_by_id=world.coordinator_id,
        )
        team.sites.add(site)
        bodies = ingestion_batches(
            rng,
            team_id=team.pk,
            site_id=site.pk,
            start=world.start,
            days=days,
            count=count,
            batch_size=batch_size,
            device_references=device_references,
        )
        # A refused (empty) batch first: loads the router and the token, records nothing.
        request_log = logging.getLogger("django.request")
        level = request_log.level
        request_log.setLevel(logging.ERROR)  # the 400 is expected; no "Bad Request" line
        try:
            refused = client.post(
                BATCH_PATH, data={"team": team.pk, "consultations": []}, content_type="application/json"
            )
        finally:
            request_log.setLevel(level)
        if refused.status_code != 400:
            raise AssertionError(f"an empty batch answered {refused.status_code}: {refused.content[:300]!r}")
        load = os.getloadavg()[0]
        seconds, created = [], 0
        for body in bodies:
            began = time.perf_counter()
            answer = client.post(BATCH_PATH, data=body, content_type="application/json")
            seconds.append(time.perf_counter() - began)
            if answer.status_code != 200:
                raise AssertionError(f"a batch answered {answer.status_code}: {answer.content[:500]!r}")
            created += answer.json()["created"]
        stored = Consultation.objects.filter(team=team).count()
        if created != count or stored != count:
            raise AssertionError(f"{count} consultations sent, {created} answered created, {stored} stored")
        began = time.perf_counter()
        again = client.post(BATCH_PATH, data=bodies[0], content_type="application/json")
        resend = time.perf_counter() - began
        body = again.json()
        if again.status_code != 200 or body["created"] != 0:
            raise AssertionError(f"sending a batch again recorded something: {again.status_code} {body}")
        if Consultation.objects.filter(team=team).count() != count:
            raise AssertionError("sending a batch again changed the consultations stored")
        total = sum(seconds)
        results[variant] = {
            "seconds": round(total, 2),
            "consultations_per_second": round(count / total),
            "batches": len(bodies),
            "batch_median_ms": round(statistics.median(seconds) * 1000, 1),
            "batch_max_ms": round(max(seconds) * 1000, 1),
            "daily_reports_opened": DailyReport.objects.filter(team=team).count(),
            "resend": {
                "created": body["created"],
                "already_recorded": body["already_recorded"],
                "ms": round(resend * 1000, 1),
            },
            "load_average_before": round(load, 2),
        }
    return results


# --- Report ---------------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    import django
    from django.db import connection

    model, memory = "", None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        memory = round(int(Path("/proc/meminfo").read_text().split()[1]) / 1048576)
    except (OSError, ValueError, IndexError):
        pass
    settings: dict[str, str] = {}
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            database = f"PostgreSQL {cursor.fetchone()[0]}"
            for name in ("jit", "max_parallel_workers_per_gather", "work_mem", "shared_buffers"):
                cursor.execute(f"SHOW {name}")
                settings[name] = cursor.fetchone()[0]
    else:
        import sqlite3

        database = f"SQLite {sqlite3.sqlite_version}"
    return {
        "cpu": model,
        "architecture": platform.machine(),
        "cores": os.cpu_count(),
        "memory_gib": memory,
        "python": platform.python_version(),
        "django": django.get_version(),
        "database": database,
        "database_settings": settings,
    }


def _commit() -> str | None:
    """The checked-out commit, read from .git without running git."""
    try:
        head = (ROOT / ".git" / "HEAD").read_text().strip()
        if not head.startswith("ref: "):
            return head
        ref = head.removeprefix("ref: ")
        path = ROOT / ".git" / ref
        if path.exists():
            return path.read_text().strip()
        for line in (ROOT / ".git" / "packed-refs").read_text().splitlines():
            if line.endswith(f" {ref}"):
                return line.split()[0]
    except OSError:
        pass
    return None


def summary(entry: dict[str, Any]) -> str:
    lines = [
        f"{entry['database']}: {entry['world']['consultations']:,} consultations, {entry['world']['teams']} teams × "
        f"{entry['world']['days']} days; seeded in {entry['world']['seed_seconds']['total']} s "
        f"({entry['world']['insert_rate_per_second']:,} rows/s inserted)",
        "| report | implementation median (min), ms | floor median (min), ms | ratio | target ≤ 1.5 |",
        "|---|---:|---:|---:|---|",
    ]
    for name, label in (
        ("daily_report", "one daily report"),
        ("team_period", "one team's period"),
        ("coordination_view", "coordination view"),
    ):
        row = entry["timings"][name]
        lines.append(
            f"| {label} | {row['implementation']['median_ms']:,} ({row['implementation']['min_ms']:,}) "
            f"| {row['floor']['median_ms']:,} ({row['floor']['min_ms']:,}) | {row['ratio']} "
            f"| {'pass' if row['pass'] else 'FAIL'} |"
        )
    view = entry["timings"]["coordination_view"]
    if "response_period_median_ms" in view:
        lines.append(
            f"aggregation.response_period alone: median {view['response_period_median_ms']:,} ms, "
            f"{view['response_period_cpu_median_ms']:,} ms of this process's CPU"
        )
    ingestion = entry.get("ingestion")
    if ingestion:
        for variant in ("server_references", "device_references"):
            row = ingestion[variant]
            lines.append(
                f"ingestion ({variant.replace('_', ' ')}): {ingestion['consultations']:,} in "
                f"{row['batches']} batches of {ingestion['batch_size']}: {row['consultations_per_second']:,} "
                f"consultations/s (batch median {row['batch_median_ms']} ms); resent batch: "
                f"{row['resend']['created']} created, {row['resend']['already_recorded']} already recorded"
            )
    return "\n".join(lines)


def write(out: Path, database: str, entry: dict[str, Any]) -> None:
    """Record this run under its database, keeping the runs recorded for other databases."""
    try:
        recorded = json.loads(out.read_text())
    except (OSError, ValueError):
        recorded = {}
    runs = recorded.get("runs", {}) if isinstance(recorded.get("runs"), dict) else {}
    runs[database] = entry
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"benchmark": "bench/mds.py", "runs": runs}, indent=2) + "\n")


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Seed, measure and ingest in the database Django is set up with."""
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import override_settings

    with override_settings(DEBUG=False):
        began = time.perf_counter()
        call_command("migrate", verbosity=0)
        migrated = time.perf_counter() - began
        print(f"migrated in {migrated:.1f} s; seeding…", flush=True)
        world = seed(
            consultations=args.consultations, teams=args.teams, days=args.days, seed=args.seed, progress=True
        )
        print(f"seeded: {json.dumps(world.stats['seed_seconds'])}", flush=True)
        timings = measure_all(world, rounds=args.rounds)
        print("timed; implementation and floor agree on every figure", flush=True)
        ingestion = (
            measure_ingestion(world, count=args.ingest, batch_size=args.batch_size, seed=args.seed)
            if args.ingest
            else None
        )
        return {
            "date": datetime.datetime.now(tz=datetime.UTC).date().isoformat(),
            "database": "postgresql" if connection.vendor == "postgresql" else "sqlite",
            "machine": machine(),
            "commit": _commit(),
            "seed": args.seed,
            "rounds": args.rounds,
            "migrate_seconds": round(migrated, 1),
            "world": {**world.stats, "start": world.start.isoformat(), "end": world.end.isoformat()},
            "timings": timings,
            "figures_identical": True,
            "target_ratio": TARGET_RATIO,
            "pass": all(row["pass"] for row in timings.values()),
            "ingestion": ingestion,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--consultations", type=int, default=CONSULTATIONS)
    parser.add_argument("--teams", type=int, default=TEAMS)
    parser.add_argument("--days", type=int, default=DAYS)
    parser.add_argument(
        "--database",
        choices=["sqlite", "postgres"],
        help="default: postgres when DATABASE_URL is a PostgreSQL URL, else sqlite",
    )
    parser.add_argument(
        "--database-url",
        help=f"PostgreSQL server and base name (default DATABASE_URL, else {DEFAULT_POSTGRES}); "
        "the run uses a fresh database named <name>_mds next to it",
    )
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument(
        "--rounds", type=int, default=7, help="timed rounds of every sample (after a warm-up)"
    )
    parser.add_argument(
        "--ingest", type=int, default=INGEST, help="consultations sent through the API (0: none)"
    )
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
    parser.add_argument("--keep", action="store_true", help="keep the generated database")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "mds.json")
    args = parser.parse_args()

    environment = os.environ.get("DATABASE_URL", "")
    kind = args.database or ("postgres" if environment.startswith("postgres") else "sqlite")
    base = args.database_url or (environment if environment.startswith("postgres") else None)
    folder = Path(tempfile.mkdtemp(prefix="medmissions-bench-mds-"))
    url = fresh_database(kind, base, folder)
    setup_django(url)
    try:
        entry = run(args)
    finally:
        if not args.keep:
            drop_database(url)
            shutil.rmtree(folder, ignore_errors=True)
    write(args.out, entry["database"], entry)
    print(f"\nwrote {args.out}\n")
    print(summary(entry))


if __name__ == "__main__":
    main()
