"""Benchmark: from the database to a stored allocation proposal, at 5k, 20k and 50k lots.

A seeded generator writes a synthetic stock and season of requests into a throwaway database with
bulk_create: one NGO owning the stock in ten warehouses in eight countries, supply donors, host
organisations with field sites (hospitals, clinics, health posts) in seven countries; lots of the
seeded catalogue (157 items) with a realistic spread (common medicines often; expiries from a few
months to three years, a few already expired, none for most equipment and some consumables;
quantities by unit of issue; donated or procured), each received at one warehouse (a receipt
``StockTransaction`` and ``LedgerEntry`` per lot, the ``StockBalance`` equal to the ledger), some
partly reserved (for open allocations of request lines or shipments being picked); submitted
requests from the host organisations (and some of the NGO's own for its partners' sites) with one
to ten lines each, quantities scaled per item so that demand is below, about, or well above the
stock, needed by dates over the next six months, mixed priorities, a few WHO article 6 exceptions
(shorter shelf life accepted); some drafts and closed requests that must be ignored.

Each size is generated in one process and measured in a fresh one (with ``--repeat N``, in N
fresh ones, keeping the fastest), so that the peak memory (``ru_maxrss``) is the measurement's
own. End to end is what the coordinator's "propose" does:
select the submitted requests, then ``supplies.allocation.propose`` (access checks, visibility
of the requests, ``load_problem``, ``allocation_solver.solve``, ``explain_unmet``, the stored
``AllocationRun`` with its picks and explanations, the audit entry), split into stages by timing
the calls inside it; query logging is off (DEBUG False), as in production. Then, on the same
input: ``greedy_fefo`` (first expired, first out, highest priority first), the exact optimum of
the primary objective (priority-weighted fulfilment) computed independently (a greedy over the
nested shelf-life constraints, with exact fractions, cross-checked per item by a GLOP linear
programme), and, per horizon (90, 180, 365 and 730 days), the expired waste (``waste``: units
left unallocated that expire before the horizon) of the proposal and of greedy against a lower
bound for any allocation of maximum fulfilment (per item, a GLOP linear programme that keeps the
optimum fulfilment and uses as many short-dated units as it can).

    .venv/bin/python bench/allocation.py                       # all sizes, SQLite files in /tmp
    .venv/bin/python bench/allocation.py --sizes small medium --repeat 3
    .venv/bin/python bench/allocation.py --sizes large \\
        --database-url postgres://postgres@127.0.0.1:5432/bench_allocation
        # one disposable database per size (bench_allocation_large), dropped afterwards

Targets (issue 6) for the largest size (50,000 lots × 5,000 requests) on a 2-core machine: end to
end under 10 s from the database; the proposal's weighted fulfilment is the optimum and at least
greedy FEFO's. Results go to bench/results/allocation.json (one entry per database, the others
kept); a Markdown table for docs/benchmarks.md is printed.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import math
import os
import platform
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SIZES: dict[str, tuple[int, int]] = {
    "tiny": (300, 30),  # for the test that keeps this script working
    "small": (5_000, 500),
    "medium": (20_000, 2_000),
    "large": (50_000, 5_000),
}
TARGET_SECONDS = 10.0
HORIZON_DAYS = (90, 180, 365, 730)
TABLE_HORIZONS = (180, 730)

OWNER_SLUG = "bench-relief-supplies"
COORDINATOR_EMAIL = "coordinator@bench-relief.example.org"

# Warehouses of the stock owner: town, country, share of the lots.
WAREHOUSES = [
    ("Leeds", "GB", 5),
    ("Felixstowe", "GB", 3),
    ("Rotterdam", "NL", 4),
    ("Nairobi", "KE", 4),
    ("Mombasa", "KE", 1),
    ("Kampala", "UG", 3),
    ("Lilongwe", "MW", 1),
    ("Freetown", "SL", 1),
    ("Kathmandu", "NP", 1),
    ("Port-au-Prince", "HT", 1),
]
FIELD_COUNTRIES = ["UG", "KE", "MW", "SL", "NP", "HT", "TZ"]
FIELD_SITE_KINDS = {"hospital": 3, "clinic": 4, "health_post": 2, "mobile_outreach": 1}
# What missions and field clinics ask for most: drawn several times as often as other items.
COMMON_ITEMS = {
    "paracetamol-500mg-tablet",
    "paracetamol-120mg-5ml-oral-liquid",
    "amoxicillin-500mg-capsule",
    "amoxicillin-250mg-dispersible-tablet",
    "oral-rehydration-salts-sachet",
    "zinc-sulfate-20mg-dispersible-tablet",
    "artemether-lumefantrine-20mg-120mg-tablet",
    "malaria-rapid-diagnostic-test",
    "ibuprofen-400mg-tablet",
    "metronidazole-250mg-tablet",
    "sulfamethoxazole-trimethoprim-400mg-80mg-tablet",
    "albendazole-400mg-chewable-tablet",
    "ferrous-sulfate-folic-acid-60mg-400micrograms-tablet",
    "ceftriaxone-1g-powder-for-injection",
    "oxytocin-10iu-ml-injection",
    "sodium-chloride-0-9-percent-1000ml-infusion",
    "examination-gloves-nitrile-m",
    "syringe-5ml",
    "auto-disable-syringe-0-5ml",
    "gauze-swabs-sterile-10x10cm",
    "alcohol-swab",
}
COMMON_WEIGHT = 12.0
CATEGORY_WEIGHT = {"medicine": 3.0, "consumable": 3.0, "vaccine": 1.5, "equipment": 1.0}
# Total demand of an item over its stock: below, about, above and well above.
DEMAND_RATIOS = {0.6: 15, 1.0: 35, 1.5: 25, 3.0: 25}
PRIORITY_MIX = {1: 15, 2: 50, 3: 25, 4: 10}  # low, normal, high, critical
MANUFACTURERS = ["Generic Pharma Ltd", "IDA Foundation", "MSF Supply", "Medopharm", "Cipla", "Sterimed"]


# --- Django -----------------------------------------------------------------------------------


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "medmissions.settings")
    os.environ.setdefault("DEBUG", "1")
    import django

    django.setup()


def _database_for(base_url: str | None, size: str, folder: Path) -> str:
    """A SQLite file per size, or a fresh PostgreSQL database per size next to the one given."""
    if not base_url:
        return f"sqlite:///{folder / f'allocation-{size}.sqlite3'}"
    parts = urlsplit(base_url)
    name = f"{parts.path.lstrip('/')}_{size}"
    _postgres_admin(base_url, f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}"))


def _drop_database(url: str) -> None:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
        return
    name = urlsplit(url).path.lstrip("/")
    _postgres_admin(url, f'DROP DATABASE IF EXISTS "{name}"')


def _postgres_admin(url: str, *statements: str) -> None:
    import psycopg

    admin = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        for statement in statements:
            connection.execute(statement)


# --- Generator --------------------------------------------------------------------------------


def _weighted(rng: random.Random, mix: Mapping[Any, float]) -> Any:
    return rng.choices(list(mix), weights=list(mix.values()))[0]


def _log_uniform(rng: random.Random, low: float, high: float) -> int:
    return max(1, round(math.exp(rng.uniform(math.log(low), math.log(high)))))


def _lot_range(category: str, unit: str) -> tuple[int, int]:
    """Units in one lot, by unit of issue: tins of tablets, cartons of vials, a few instruments."""
    if category == "equipment":
        return 2, 60
    if unit in ("tablet", "capsule", "dispersible tablet", "pessary", "sachet"):
        return 1_000, 50_000
    if unit in ("piece", "pair", "test"):
        return 200, 10_000
    if unit.startswith(("vial", "ampoule")):
        return 50, 3_000
    if unit.startswith(("box", "roll", "pack", "set")):
        return 10, 500
    return 50, 2_000  # bottles, bags, tubes, inhalers, blisters, strips


def _expiry(rng: random.Random, category: str, today: datetime.date) -> datetime.date | None:
    if category == "equipment" and rng.random() < 0.85:
        return None
    if category == "consumable" and rng.random() < 0.35:
        return None
    draw = rng.random()
    if draw < 0.01:
        days = rng.randint(-120, -1)  # expired, waiting to be written off
    elif draw < 0.10:
        days = rng.randint(30, 180)  # near-dated
    else:
        days = rng.randint(180, 730 if category == "vaccine" else 1095)
    return today + datetime.timedelta(days=days)


def _shelf_life_days(category: str, exception: int | None) -> int:
    from django.conf import settings

    rules: dict[str, int] = settings.SUPPLIES_MIN_SHELF_LIFE_DAYS
    days = int(rules.get(category, rules.get("medicine", 365)))
    return days if exception is None else min(days, exception)


def generate(size: str, seed: int) -> dict[str, Any]:
    """Write one synthetic stock and season of requests for ``size`` into the (migrated, empty)
    database; returns the counts."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from medmissions.organizations.choices import Role
    from medmissions.organizations.models import Membership, Organization
    from medmissions.sites.models import Site
    from medmissions.supplies import ledger
    from medmissions.supplies.models import (
        Allocation,
        Item,
        LedgerEntry,
        Lot,
        RequestLine,
        StockBalance,
        StockTransaction,
        SupplyRequest,
    )

    began = time.perf_counter()
    rng = random.Random(seed)
    lot_count, request_count = SIZES[size]
    batch = 5000
    today = timezone.localdate()
    now = timezone.now()

    # Organisations, people, sites.
    owner = Organization.objects.create(
        name="Bench Relief Supplies", slug=OWNER_SLUG, country="GB", kind="secular_ngo"
    )
    coordinator = get_user_model().objects.create_user(
        email=COORDINATOR_EMAIL, password=None, full_name="Bench Coordinator", email_verified_at=now
    )
    Membership.objects.create(user=coordinator, organization=owner, role=Role.COORDINATOR)
    donor_count = 2 if size == "tiny" else 8
    donors = Organization.objects.bulk_create(
        [
            Organization(name=f"Donor {k}", slug=f"bench-donor-{k}", country="US", kind="supply_donor")
            for k in range(donor_count)
        ]
    )
    host_count = max(3, min(60, request_count // 80))
    hosts = Organization.objects.bulk_create(
        [
            Organization(
                name=f"Host {k}",
                slug=f"bench-host-{k}",
                country=FIELD_COUNTRIES[k % len(FIELD_COUNTRIES)],
                kind=rng.choice(["hospital", "clinic", "ministry", "faith_based_ngo"]),
            )
            for k in range(host_count)
        ]
    )
    warehouses = Site.objects.bulk_create(
        [
            Site(
                name=f"{town} warehouse",
                kind="warehouse",
                host_organization=owner,
                country=country,
                town=town,
            )
            for town, country, _share in WAREHOUSES
        ]
    )
    warehouse_share = {k: share for k, (_town, _country, share) in enumerate(WAREHOUSES)}
    field_sites = Site.objects.bulk_create(
        [
            Site(
                name=f"{host.name} site {j}",
                kind=_weighted(rng, FIELD_SITE_KINDS),
                host_organization=host,
                country=host.country,
            )
            for host in hosts
            for j in range(rng.randint(1, 3))
        ]
    )
    sites_of: dict[int, list[Any]] = defaultdict(list)
    for site in field_sites:
        sites_of[site.host_organization_id].append(site)
    host_weight = {k: rng.uniform(0.5, 3.0) for k in range(host_count)}

    items = list(Item.objects.filter(active=True).order_by("code"))
    item_weight = {
        item.pk: COMMON_WEIGHT if item.code in COMMON_ITEMS else CATEGORY_WEIGHT[item.category]
        for item in items
    }
    by_pk = {item.pk: item for item in items}

    # Lots, each received at one warehouse: a receipt transaction and its ledger entry.
    lots, lot_sites, quantities = [], [], []
    for k in range(lot_count):
        item = by_pk[_weighted(rng, item_weight)]
        expiry = _expiry(rng, item.category, today)
        donated = rng.random() < 0.55
        equipment = item.category == "equipment"
        lots.append(
            Lot(
                item=item,
                lot_number=f"{item.code[:3].upper()}-{seed % 1000:03d}-{k:06d}",
                expiry_date=expiry,
                owner=owner,
                source="donated" if donated else "procured",
                donor=rng.choice(donors) if donated else None,
                manufacturer=rng.choice(MANUFACTURERS),
                unit_value=Decimal(
                    str(round(rng.uniform(5, 400) if equipment else rng.uniform(0.01, 3.0), 2))
                ),
                currency="USD",
                created_by=coordinator,
            )
        )
        lot_sites.append(warehouses[_weighted(rng, warehouse_share)])
        quantities.append(_log_uniform(rng, *_lot_range(item.category, item.unit)))
    Lot.objects.bulk_create(lots, batch_size=batch)
    receipts = []
    for lot in lots:
        occurred = today - datetime.timedelta(days=rng.randint(0, 540))
        if lot.expiry_date is not None and lot.expiry_date < occurred:
            occurred = lot.expiry_date - datetime.timedelta(days=rng.randint(30, 300))
        receipts.append(
            StockTransaction(kind="receipt", organization=owner, occurred_on=occurred, created_by=coordinator)
        )
    StockTransaction.objects.bulk_create(receipts, batch_size=batch)
    LedgerEntry.objects.bulk_create(
        [
            LedgerEntry(transaction=receipt, lot=lot, site=site, on_hand_change=quantity)
            for receipt, lot, site, quantity in zip(receipts, lots, lot_sites, quantities, strict=True)
        ],
        batch_size=batch,
    )
    balances = [
        StockBalance(lot=lot, site=site, on_hand=quantity)
        for lot, site, quantity in zip(lots, lot_sites, quantities, strict=True)
    ]

    # Requests: mostly of host organisations, open to donors (so the NGO's coordinator sees
    # them), some of the NGO itself for its partners' sites; a few drafts and closed ones.
    requests, request_facts = [], []  # facts: (submitted, shorter shelf life accepted)
    extra = max(2, request_count // 20)
    for k in range(request_count + extra):
        submitted = k < request_count
        host_index = _weighted(rng, host_weight)
        own = rng.random() < 0.2
        exception = rng.choice([90, 120, 180]) if rng.random() < 0.03 else None
        destination = rng.choice(sites_of[hosts[host_index].pk])
        requests.append(
            SupplyRequest(
                organization=owner if own else hosts[host_index],
                destination=destination,
                title=f"Supplies for {destination.name}, request {k}",
                needed_by=today + datetime.timedelta(days=rng.randint(14, 183)),
                priority=_weighted(rng, PRIORITY_MIX),
                open_to_donors=not own,
                shorter_shelf_life_days=exception,
                shelf_life_acknowledged_by=f"Pharmacist, {destination.name}" if exception else "",
                status="submitted" if submitted else rng.choice(["draft", "closed", "cancelled"]),
                submitted_at=now - datetime.timedelta(hours=rng.randint(1, 2000)) if submitted else None,
            )
        )
        request_facts.append((submitted, exception))
    SupplyRequest.objects.bulk_create(requests, batch_size=batch)
    lines, line_facts = [], []  # facts: (request index, base quantity)
    for k in range(len(requests)):
        count = rng.randint(1, 10)
        chosen: list[int] = []
        while len(chosen) < count:
            pk = _weighted(rng, item_weight)
            if pk not in chosen:
                chosen.append(pk)
        for pk in chosen:
            low, high = _lot_range(by_pk[pk].category, by_pk[pk].unit)
            lines.append(RequestLine(request=requests[k], item_id=pk, quantity=1))
            line_facts.append((k, _log_uniform(rng, max(1, low / 10), max(2, high / 3))))

    # Demand per item: scaled so that it is below, about or well above the item's stock.
    stock_of: dict[int, int] = defaultdict(int)
    for lot, quantity in zip(lots, quantities, strict=True):
        if lot.expiry_date is None or lot.expiry_date >= today:
            stock_of[lot.item_id] += quantity
    demand_of: dict[int, int] = defaultdict(int)
    for line, (k, base) in zip(lines, line_facts, strict=True):
        if request_facts[k][0]:
            demand_of[line.item_id] += base
    ratio = {pk: _weighted(rng, DEMAND_RATIOS) for pk in sorted(by_pk)}
    for line, (_k, base) in zip(lines, line_facts, strict=True):
        stocked, wanted = stock_of.get(line.item_id, 0), demand_of.get(line.item_id, 0)
        scale = ratio[line.item_id] * stocked / wanted if stocked and wanted else 1.0
        line.quantity = max(1, round(base * scale))
    RequestLine.objects.bulk_create(lines, batch_size=batch)

    # Part of some balances reserved: for open allocations of submitted lines (where the lot has
    # the shelf life the line needs) or for shipments being picked.
    lines_of: dict[int, list[int]] = defaultdict(list)
    for index, (line, (k, _base)) in enumerate(zip(lines, line_facts, strict=True)):
        if request_facts[k][0]:
            lines_of[line.item_id].append(index)
    left = [line.quantity for line in lines]
    reservations, entries, allocations = [], [], []
    for balance, lot in zip(balances, lots, strict=True):
        if rng.random() >= 0.08 or (lot.expiry_date is not None and lot.expiry_date < today):
            continue
        reserved = max(1, int(balance.on_hand * rng.uniform(0.1, 0.6)))
        line_index = None
        if lines_of.get(lot.item_id) and rng.random() < 0.6:
            candidate = rng.choice(lines_of[lot.item_id])
            line = lines[candidate]
            wanted_by = requests[line_facts[candidate][0]]
            days = _shelf_life_days(by_pk[lot.item_id].category, wanted_by.shorter_shelf_life_days)
            arrival = max(wanted_by.needed_by, today)
            fits = lot.expiry_date is None or lot.expiry_date >= arrival + datetime.timedelta(days=days)
            if fits and left[candidate] > 1:
                reserved = min(reserved, left[candidate] - 1)
                left[candidate] -= reserved
                line_index = candidate
        balance.reserved = reserved
        request = requests[line_facts[line_index][0]] if line_index is not None else None
        reservation = StockTransaction(
            kind="reservation",
            organization=owner,
            occurred_on=today,
            request=request,
            note="" if request else "Shipment being picked",
            created_by=coordinator,
        )
        reservations.append(reservation)
        entries.append(
            LedgerEntry(
                transaction=reservation,
                lot=lot,
                site=balance.site,
                on_hand_change=0,
                reserved_change=reserved,
            )
        )
        if line_index is not None:
            allocations.append(
                Allocation(
                    line=lines[line_index],
                    lot=lot,
                    site=balance.site,
                    quantity=reserved,
                    created_by=coordinator,
                )
            )
    StockTransaction.objects.bulk_create(reservations, batch_size=batch)
    LedgerEntry.objects.bulk_create(entries, batch_size=batch)
    StockBalance.objects.bulk_create(balances, batch_size=batch)
    Allocation.objects.bulk_create(allocations, batch_size=batch)

    checked = time.perf_counter()
    mismatched = ledger.mismatched_balances()
    if mismatched:
        raise AssertionError(f"the ledger does not equal the balances: {mismatched[:5]}")
    submitted_lines = [line for line, (k, _b) in zip(lines, line_facts, strict=True) if request_facts[k][0]]
    return {
        "generate_seconds": round(time.perf_counter() - began, 1),
        "ledger_check_seconds": round(time.perf_counter() - checked, 2),
        "ledger_matches_balances": True,
        "lots": lot_count,
        "requests": request_count,
        "other_requests": extra,
        "request_lines": len(submitted_lines),
        "items_stocked": len(stock_of),
        "items_requested": len({line.item_id for line in submitted_lines}),
        "warehouses": len(warehouses),
        "host_organisations": host_count,
        "field_sites": len(field_sites),
        "units_on_hand": sum(quantities),
        "units_requested": sum(line.quantity for line in submitted_lines),
        "reserved_balances": len(reservations),
        "open_allocations": len(allocations),
        "shelf_life_exceptions": sum(1 for submitted, exception in request_facts if submitted and exception),
        "expired_lots": sum(1 for lot in lots if lot.expiry_date is not None and lot.expiry_date < today),
        "lots_without_expiry": sum(1 for lot in lots if lot.expiry_date is None),
    }


# --- The optimum and the waste bound, independently of the solver ----------------------------


class _ItemProblem:
    """One item's stock and lines in the compact form of the shelf-life rule.

    A row serves a line when its expiry is at least the line's threshold (arrival + minimum shelf
    life). With the item's distinct thresholds T_1 < ... < T_k, row r falls in bucket j(r) = the
    number of thresholds at or before its expiry (0: it serves no line), and a line of threshold
    T_m may use exactly the buckets m..k. Sites play no part in either objective.
    """

    def __init__(self, expiry: np.ndarray, available: np.ndarray, lines: list[Any]):
        self.lines = lines
        self.threshold = np.array(
            [line.arrival_date.toordinal() + line.minimum_shelf_life_days for line in lines], np.int64
        )
        self.weight = np.array([line.priority_weight for line in lines], np.int64)
        self.quantity = np.array([line.quantity for line in lines], np.int64)
        self.levels = np.unique(self.threshold)
        self.k = len(self.levels)
        self.level = np.searchsorted(self.levels, self.threshold, "left") + 1  # m(l) in 1..k
        self.expiry = expiry
        self.available = available
        self.bucket = np.searchsorted(self.levels, expiry, "right")  # j(r) in 0..k

    def optimum(self) -> tuple[Fraction, np.ndarray]:
        """The greatest weighted fulfilment, exactly, and one allocation reaching it (units per line).

        The line totals x are feasible iff, for every m, the lines of level m or more take at most
        the stock of buckets m..k (the sets of usable buckets are nested, so Hall's condition
        reduces to these k constraints). Those constraints and x <= quantity form a laminar
        polymatroid, over which the greedy in decreasing order of weight / quantity is optimal.
        """
        supply = np.bincount(self.bucket, self.available, minlength=self.k + 1).astype(np.int64)
        slack = np.cumsum(supply[::-1])[::-1][1:].copy()  # slack[m - 1]: stock of buckets m..k
        taken = np.zeros(len(self.lines), np.int64)
        order = sorted(
            range(len(self.lines)),
            key=lambda i: Fraction(int(self.weight[i]), int(self.quantity[i])),
            reverse=True,
        )
        for i in order:
            m = int(self.level[i])
            units = min(int(self.quantity[i]), int(slack[:m].min()))
            if units > 0:
                taken[i] = units
                slack[:m] -= units
        value = sum(
            (
                Fraction(int(w * x), int(q))
                for w, x, q in zip(self.weight, taken, self.quantity, strict=True)
                if x
            ),
            Fraction(0),
        )
        return value, taken

    def linear_programme(self, *, horizon: int | None, floor: float | None) -> float | None:
        """GLOP on the chain network: buckets feed their node, node j passes stock down to node
        j - 1, a line draws from the node of its level. Without ``horizon``: the greatest weighted
        fulfilment. With it: the most units expiring before ``horizon`` that an allocation of at
        least ``floor`` weighted fulfilment can use. None if GLOP finds no optimum."""
        from ortools.linear_solver import pywraplp

        solver = pywraplp.Solver.CreateSolver("GLOP")
        infinity = solver.infinity()
        k = self.k
        short = self.expiry < horizon if horizon is not None else np.zeros(len(self.expiry), bool)
        short_supply = np.bincount(self.bucket[short], self.available[short], minlength=k + 1)
        long_supply = np.bincount(self.bucket[~short], self.available[~short], minlength=k + 1)
        inflow: list[list[Any]] = [[] for _ in range(k + 1)]
        outflow: list[list[Any]] = [[] for _ in range(k + 1)]
        used_short = []
        for j in range(1, k + 1):
            if short_supply[j]:
                variable = solver.NumVar(0, float(short_supply[j]), "")
                inflow[j].append(variable)
                used_short.append(variable)
            if long_supply[j]:
                inflow[j].append(solver.NumVar(0, float(long_supply[j]), ""))
            if j > 1:
                chain = solver.NumVar(0, infinity, "")
                outflow[j].append(chain)
                inflow[j - 1].append(chain)
        served = []
        for i in range(len(self.lines)):
            variable = solver.NumVar(0, float(self.quantity[i]), "")
            outflow[int(self.level[i])].append(variable)
            served.append((variable, float(self.weight[i]) / float(self.quantity[i])))
        for j in range(1, k + 1):
            solver.Add(sum(inflow[j]) - sum(outflow[j]) == 0)
        value = solver.Sum([coefficient * variable for variable, coefficient in served])
        if horizon is None:
            solver.Maximize(value)
        else:
            if floor is not None:
                solver.Add(value >= floor)
            solver.Maximize(solver.Sum(used_short) if used_short else 0)
        if solver.Solve() != pywraplp.Solver.OPTIMAL:
            return None
        return float(solver.Objective().Value())


def reference(stock: Sequence[Any], lines: Sequence[Any], horizons: dict[int, int]) -> dict[str, Any]:
    """The optimum of the primary objective (exact, with a GLOP cross-check) and, per horizon, a
    lower bound on the expired waste of any allocation that reaches it, and the short-dated
    units no line can use at all."""
    from medmissions.supplies.allocation_solver import NEVER

    began = time.perf_counter()
    rows_of: dict[int, list[Any]] = defaultdict(list)
    for row in stock:
        rows_of[row.item_id].append(row)
    lines_of: dict[int, list[Any]] = defaultdict(list)
    for line in sorted(lines, key=lambda line: line.line_id):
        lines_of[line.item_id].append(line)
    optimum = Fraction(0)
    per_line: dict[int, int] = {}
    worst_lp_gap = 0.0
    lp_failures = 0
    bound = dict.fromkeys(horizons, 0)
    unusable = dict.fromkeys(horizons, 0)
    for item_id in sorted(set(rows_of) | set(lines_of)):
        rows = rows_of.get(item_id, [])
        expiry = np.array(
            [NEVER if r.expiry_date is None else r.expiry_date.toordinal() for r in rows], np.int64
        )
        available = np.array([r.available for r in rows], np.int64)
        if item_id not in lines_of:
            for days, horizon in horizons.items():
                short = int(available[expiry < horizon].sum())
                bound[days] += short
                unusable[days] += short
            continue
        problem = _ItemProblem(expiry, available, lines_of[item_id])
        value, taken = problem.optimum()
        optimum += value
        per_line.update(zip((line.line_id for line in problem.lines), taken.tolist(), strict=True))
        if value:
            lp = problem.linear_programme(horizon=None, floor=None)
            if lp is None:
                lp_failures += 1
            else:
                worst_lp_gap = max(worst_lp_gap, abs(lp - float(value)) / max(1.0, float(value)))
        for days, horizon in horizons.items():
            is_short = expiry < horizon
            short_total = int(available[is_short].sum())
            idle = int(available[is_short & (problem.bucket == 0)].sum())  # no line may use them
            unusable[days] += idle
            if not value or short_total == idle:  # nothing short-dated can be sent
                bound[days] += short_total
                continue
            floor = float(value) * (1 - 1e-9) - 1e-9
            used = problem.linear_programme(horizon=horizon, floor=floor)
            if used is None:
                lp_failures += 1
                bound[days] += idle
                continue
            bound[days] += max(idle, math.ceil(short_total - used - 1e-6))
    return {
        "optimum": optimum,
        "per_line": per_line,
        "lp_relative_gap": worst_lp_gap,
        "lp_failures": lp_failures,
        "waste_bound": bound,
        "waste_unusable": unusable,
        "seconds": time.perf_counter() - began,
    }


# --- Measurement ------------------------------------------------------------------------------


@contextlib.contextmanager
def _instrumented() -> Iterator[dict[str, Any]]:
    """Time the stages inside ``allocation.propose`` and keep what they return, by wrapping the
    functions it calls (restored afterwards)."""
    from medmissions.supplies import allocation
    from medmissions.supplies import allocation_solver as solver

    marks: dict[str, Any] = {"slope_rounds": 0}
    originals = (allocation.load_problem, solver.solve, solver.explain_unmet)
    secondary = solver._Secondary.solve

    def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
        marks["slope_rounds"] += 1  # one flow per slope-scaling round of phase 2
        return secondary(self, *args, **kwargs)

    def wrap(name: str, function: Any) -> Any:
        def timed(*args: Any, **kwargs: Any) -> Any:
            marks[f"{name}_start"] = time.perf_counter()
            result = function(*args, **kwargs)
            marks[f"{name}_end"] = time.perf_counter()
            marks[name] = result
            return result

        return timed

    allocation.load_problem = wrap("load", originals[0])
    solver.solve = wrap("solve", originals[1])
    solver.explain_unmet = wrap("explain", originals[2])
    solver._Secondary.solve = counted  # type: ignore[method-assign]
    try:
        yield marks
    finally:
        allocation.load_problem, solver.solve, solver.explain_unmet = originals
        solver._Secondary.solve = secondary  # type: ignore[method-assign]


def _figures(
    answer: Any, lines: Sequence[Any], stock: Sequence[Any], horizons: dict[int, int]
) -> dict[str, Any]:
    from medmissions.supplies import allocation_solver as solver

    quantity = {line.line_id: line.quantity for line in lines}
    allocated = answer.allocated
    met = sum(1 for line_id, wanted in quantity.items() if allocated.get(line_id, 0) >= wanted)
    untouched = sum(1 for line_id in quantity if not allocated.get(line_id, 0))
    by_day = {day: datetime.date.fromordinal(ordinal) for day, ordinal in horizons.items()}
    return {
        "fulfilment_percent": round(answer.fulfilment_percent, 4),
        "units": sum(allocated.values()),
        "lines_met": met,
        "lines_partly_met": len(quantity) - met - untouched,
        "lines_without_units": untouched,
        "picks": len(answer.picks),
        "consignments": answer.site_pairs,
        "fefo_cost": answer.fefo_cost,
        "waste": {str(day): solver.waste(stock, answer, horizon) for day, horizon in by_day.items()},
    }


def measure() -> dict[str, Any]:
    """Propose an allocation of the NGO's stock to every submitted request, as the coordinator's
    "propose" does, from the database to the stored run; then greedy FEFO, the optimum and the
    waste bounds on the same input."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import override_settings
    from django.utils import timezone

    from medmissions.organizations.models import Organization
    from medmissions.supplies import allocation
    from medmissions.supplies import allocation_solver as solver
    from medmissions.supplies.choices import RequestStatus
    from medmissions.supplies.models import SupplyRequest

    owner = Organization.objects.get(slug=OWNER_SLUG)
    coordinator = get_user_model().objects.get(email=COORDINATOR_EMAIL)
    queries = [0]

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        queries[0] += 1
        return execute(sql, params, many, context)

    load_average = os.getloadavg()[0]
    with override_settings(DEBUG=False), _instrumented() as marks, connection.execute_wrapper(count):
        began, cpu_began = time.perf_counter(), time.process_time()
        requests = list(SupplyRequest.objects.filter(status=RequestStatus.SUBMITTED).order_by("pk"))
        proposing = time.perf_counter()
        run = allocation.propose(actor=coordinator, organization=owner, requests=requests)
        ended, cpu_ended = time.perf_counter(), time.process_time()
    stock, lines = marks["load"]
    answer = marks["solve"]
    unmet = marks["explain"]
    stages = {
        "requests": proposing - began,
        "checks": marks["load_start"] - proposing,
        "load": marks["load_end"] - marks["load_start"],
        "solve": marks["solve_end"] - marks["solve_start"],
        "explain": marks["explain_end"] - marks["explain_start"],
        "store": ended - marks["explain_end"],
    }
    end_to_end = ended - began
    if len(run.result["picks"]) != len(answer.picks) or run.inputs["lines"] != len(lines):
        raise AssertionError("the stored run is not the proposal that was measured")

    today = timezone.localdate()
    horizons = {days: (today + datetime.timedelta(days=days)).toordinal() for days in HORIZON_DAYS}
    began = time.perf_counter()
    baseline = solver.greedy_fefo(stock, lines)
    greedy_seconds = time.perf_counter() - began
    exact = reference(stock, lines, horizons)
    optimum = exact["optimum"]
    possible = sum(line.priority_weight for line in lines)
    proposal = _figures(answer, lines, stock, horizons)
    greedy = _figures(baseline, lines, stock, horizons)
    bound = {str(day): value for day, value in exact["waste_bound"].items()}
    optimum_percent = float(optimum * 100 / possible) if possible else 100.0
    return {
        "stock_rows": len(stock),
        "lines": len(lines),
        "requests": len(requests),
        "units_available": sum(row.available for row in stock),
        "units_wanted": sum(line.quantity for line in lines),
        "end_to_end_seconds": round(end_to_end, 2),
        "end_to_end_cpu_seconds": round(cpu_ended - cpu_began, 2),
        "load_average_before": round(load_average, 2),
        "stages_seconds": {name: round(value, 3) for name, value in stages.items()},
        "solver_timings": {name: round(value, 3) for name, value in answer.timings.items()},
        "run_timings": run.timings,
        "queries": queries[0],
        "slope_rounds": marks["slope_rounds"],
        "solver": answer.method,
        "solver_status": answer.status,
        "unmet_lines": len(unmet),
        "proposal": proposal,
        "greedy": {**greedy, "seconds": round(greedy_seconds, 3)},
        "optimum": {
            "fulfilment_percent": round(optimum_percent, 4),
            "units": sum(exact["per_line"].values()),
            "lines_met": sum(1 for line in lines if exact["per_line"].get(line.line_id, 0) >= line.quantity),
            "lp_relative_gap": exact["lp_relative_gap"],
            "lp_failures": exact["lp_failures"],
            "seconds": round(exact["seconds"], 2),
        },
        "fulfilment_equals_optimum": answer.fulfilment == optimum,
        "fulfilment_at_least_greedy": answer.fulfilment >= baseline.fulfilment,
        "greedy_share_of_optimum": round(float(baseline.fulfilment / optimum), 4) if optimum else None,
        "waste_bound": bound,
        "waste_unusable": {str(day): value for day, value in exact["waste_unusable"].items()},
        "peak_memory_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def _child(mode: str, size: str, database_url: str, seed: int) -> dict[str, Any]:
    command = [
        sys.executable,
        __file__,
        f"--{mode}",
        size,
        "--database-url",
        database_url,
        "--seed",
        str(seed),
    ]
    done = subprocess.run(command, check=False, capture_output=True, text=True, cwd=ROOT)
    if done.returncode:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"{mode} {size} failed (exit {done.returncode})")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_size(size: str, database_url: str, seed: int, repeat: int = 1) -> dict[str, Any]:
    """Generate and measure one size, each in a process of its own; with ``repeat``, measure in
    that many fresh processes and keep the fastest (the others were slowed by something else)."""
    generated = _child("generate", size, database_url, seed)
    runs = [_child("measure", size, database_url, seed) for _ in range(max(repeat, 1))]
    measured = min(runs, key=lambda run: run["end_to_end_seconds"])
    row = {
        "size": size,
        "generated": generated,
        **measured,
        "end_to_end_runs_seconds": [run["end_to_end_seconds"] for run in runs],
    }
    row["verdict"] = verdict(row)
    return row


def verdict(row: dict[str, Any]) -> dict[str, bool]:
    return {
        "under_10_seconds": row["end_to_end_seconds"] < TARGET_SECONDS,
        "fulfilment_is_the_optimum": bool(row["fulfilment_equals_optimum"]),
        "fulfilment_at_least_greedy": bool(row["fulfilment_at_least_greedy"]),
    }


def _machine() -> str:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        memory_kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {round(memory_kb / 1048576)} GiB"
    except OSError:
        memory = ""
    return (
        f"{platform.machine()}, {os.cpu_count()} cores, {model}{memory}, Python {platform.python_version()}"
    )


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


def table(rows: list[dict[str, Any]]) -> str:
    waste_columns = " | ".join(f"waste {days} d: proposal / greedy / bound" for days in TABLE_HORIZONS)
    lines = [
        "| size | lots × requests | stock rows / lines | end to end (s) | requests + checks (s) | load (s) "
        "| solve (s) | slope rounds | explain (s) | store (s) | queries | peak memory (MB) "
        "| fulfilment %: proposal / optimum / greedy | units: proposal / greedy | lines met: proposal / greedy "
        f"| consignments: proposal / greedy | {waste_columns} | greedy (s) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
        + "---:|" * len(TABLE_HORIZONS)
        + "---:|",
    ]
    for row in rows:
        lots, requests = SIZES[row["size"]]
        stages, proposal, greedy = row["stages_seconds"], row["proposal"], row["greedy"]
        wastes = " | ".join(
            f"{proposal['waste'][str(d)]:,} / {greedy['waste'][str(d)]:,} / {row['waste_bound'][str(d)]:,}"
            for d in TABLE_HORIZONS
        )
        lines.append(
            f"| {row['size']} | {lots:,} × {requests:,} | {row['stock_rows']:,} / {row['lines']:,} "
            f"| {row['end_to_end_seconds']} | {stages['requests'] + stages['checks']:.2f} | {stages['load']:.2f} "
            f"| {stages['solve']:.2f} | {row['slope_rounds']} | {stages['explain']:.2f} | {stages['store']:.2f} | {row['queries']} "
            f"| {row['peak_memory_mb']:,} "
            f"| {proposal['fulfilment_percent']:.2f} / {row['optimum']['fulfilment_percent']:.2f} "
            f"/ {greedy['fulfilment_percent']:.2f} | {proposal['units']:,} / {greedy['units']:,} "
            f"| {proposal['lines_met']:,} / {greedy['lines_met']:,} "
            f"| {proposal['consignments']:,} / {greedy['consignments']:,} | {wastes} | {greedy['seconds']:.2f} |"
        )
    return "\n".join(lines)


def _write(out: Path, database: str, entry: dict[str, Any]) -> None:
    """Record this run under its database, keeping the runs recorded for other databases."""
    try:
        recorded = json.loads(out.read_text())
    except (OSError, ValueError):
        recorded = {}
    runs = recorded.get("runs", {}) if isinstance(recorded.get("runs"), dict) else {}
    runs[database] = entry
    out.write_text(json.dumps({"benchmark": "bench/allocation.py", "runs": runs}, indent=2) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", choices=list(SIZES), default=["small", "medium", "large"])
    parser.add_argument("--seed", type=int, default=20261121)
    parser.add_argument(
        "--database-url", help="PostgreSQL URL; a fresh database per size is created next to it"
    )
    parser.add_argument("--keep", action="store_true", help="keep the generated databases")
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="measure each size this many times (fresh processes), keep the fastest",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "allocation.json")
    parser.add_argument("--generate", metavar="SIZE", help=argparse.SUPPRESS)
    parser.add_argument("--measure", metavar="SIZE", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.generate or args.measure:
        setup_django(args.database_url)
        if args.generate:
            from django.core.management import call_command

            call_command("migrate", verbosity=0)
            result = generate(args.generate, args.seed)
        else:
            result = measure()
        print(json.dumps(result))
        return

    folder = Path(tempfile.mkdtemp(prefix="medmissions-bench-allocation-"))
    database = "postgresql" if args.database_url else "sqlite"
    rows = []
    try:
        for size in args.sizes:
            url = _database_for(args.database_url, size, folder)
            try:
                row = run_size(size, url, args.seed, args.repeat)
            finally:
                if not args.keep:
                    _drop_database(url)
            row["database"] = database
            rows.append(row)
            stages = row["stages_seconds"]
            print(
                f"{size}: {row['stock_rows']:,} stock rows, {row['lines']:,} lines, end to end "
                f"{row['end_to_end_seconds']} s ("
                + ", ".join(f"{name} {value}" for name, value in stages.items())
                + f"), {row['peak_memory_mb']} MB; fulfilment {row['proposal']['fulfilment_percent']:.2f} % "
                f"(optimum {row['optimum']['fulfilment_percent']:.2f}, greedy "
                f"{row['greedy']['fulfilment_percent']:.2f})",
                flush=True,
            )
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    largest = max(rows, key=lambda row: SIZES[row["size"]][0])
    checks = largest["verdict"]
    _write(
        args.out,
        database,
        {
            "date": datetime.datetime.now(tz=datetime.UTC).date().isoformat(),
            "machine": _machine(),
            "commit": _commit(),
            "database": database,
            "seed": args.seed,
            "repeat": args.repeat,
            "horizons_days": list(HORIZON_DAYS),
            "targets": {
                "size": largest["size"],
                "end_to_end_under_seconds": TARGET_SECONDS,
                **checks,
                "pass": all(checks.values()),
            },
            "results": rows,
        },
    )
    print(f"\nwrote {args.out}\n")
    print(table(rows))
    print(
        f"\ntargets for {largest['size']}: "
        + ", ".join(f"{name} {'PASS' if ok else 'FAIL'}" for name, ok in checks.items())
    )


if __name__ == "__main__":
    main()
