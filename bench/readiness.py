"""Benchmark: readiness_for_people() on 1k, 10k and 100k people.

Seeds a throwaway database (SQLite in a temporary folder, or the database in DATABASE_URL, which
must be disposable) with synthetic people — a mix of professions, specialties, credentials in every
state, verifications and unavailability — then times one batch readiness evaluation per size.
Records wall time, queries and peak Python memory (tracemalloc) in
bench/results/readiness-<database>.json and prints a Markdown table for docs/benchmarks.md.

    .venv/bin/python bench/readiness.py            # all sizes
    .venv/bin/python bench/readiness.py --sizes 1000 10000
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import random
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "medmissions.settings")
    os.environ.setdefault("DEBUG", "1")
    if not os.environ.get("DATABASE_URL"):
        os.environ["MEDMISSIONS_VAR_DIR"] = tempfile.mkdtemp(prefix="medmissions-bench-")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def seed(count: int, rng: random.Random) -> list[int]:
    """Create ``count`` people with credentials; returns their ids."""
    from django.utils import timezone

    from medmissions.organizations.models import Organization
    from medmissions.volunteers.choices import AvailabilityKind, VerificationOutcome
    from medmissions.volunteers.models import (
        AvailabilityWindow,
        Credential,
        CredentialType,
        CredentialVerification,
        Person,
        PersonSpecialty,
        Specialty,
    )

    organization, _ = Organization.objects.get_or_create(
        slug="bench-org", defaults={"name": "Bench", "country": "GB", "kind": "secular_ngo"}
    )
    specialties = list(Specialty.objects.filter(parent__isnull=False))
    professions = list(Specialty.objects.filter(parent__isnull=True))
    types = {t.slug: t for t in CredentialType.objects.all()}
    today = timezone.localdate()
    people = Person.objects.bulk_create(
        [Person(full_name=f"Person {n}", profession=rng.choice(professions)) for n in range(count)],
        batch_size=5000,
    )
    links, credentials, windows = [], [], []
    for person in people:
        links.append(
            PersonSpecialty(person=person, specialty=rng.choice(specialties), proficiency=rng.randint(1, 4))
        )
        for slug in (
            "passport",
            "professional-licence",
            "malpractice-insurance",
            "host-temporary-licence",
            "visa-work-permit",
            "yellow-fever-vaccination",
            "hepatitis-b-vaccination",
        ):
            if rng.random() < 0.9:
                credentials.append(
                    Credential(
                        person=person,
                        credential_type=types[slug],
                        issuing_body="Bench",
                        country="KE" if types[slug].issued_by_host_country else "GB",
                        expires_on=(
                            today + datetime.timedelta(days=rng.randint(-200, 900))
                            if types[slug].has_expiry
                            else None
                        ),
                        document="credentials/bench.pdf",
                    )
                )
        if rng.random() < 0.1:
            start = today + datetime.timedelta(days=rng.randint(0, 200))
            windows.append(
                AvailabilityWindow(
                    person=person,
                    kind=AvailabilityKind.UNAVAILABLE,
                    starts_on=start,
                    ends_on=start + datetime.timedelta(days=20),
                )
            )
    PersonSpecialty.objects.bulk_create(links, batch_size=5000)
    created = Credential.objects.bulk_create(credentials, batch_size=5000)
    AvailabilityWindow.objects.bulk_create(windows, batch_size=5000)
    now = timezone.now()
    CredentialVerification.objects.bulk_create(
        [
            CredentialVerification(
                credential=c, organization=organization, outcome=VerificationOutcome.VERIFIED, verified_at=now
            )
            for c in created
            if rng.random() < 0.85
        ],
        batch_size=5000,
    )
    return [p.pk for p in people]


def measure(person_ids: list[int]) -> dict:
    from django.db import connection, reset_queries
    from django.utils import timezone

    from medmissions.volunteers.readiness import readiness_for_people

    start = timezone.localdate() + datetime.timedelta(days=90)
    end = start + datetime.timedelta(days=14)
    # Timed without tracemalloc, which slows allocation-heavy Python several times over;
    # peak memory comes from a second, traced run of the same batch.
    reset_queries()
    began = time.perf_counter()
    results = readiness_for_people(person_ids, "KE", start, end)
    elapsed = time.perf_counter() - began
    queries = len(connection.queries)
    tracemalloc.start()
    readiness_for_people(person_ids, "KE", start, end)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "people": len(person_ids),
        "seconds": round(elapsed, 3),
        "people_per_second": round(len(person_ids) / elapsed),
        "queries": queries,
        "peak_python_mb": round(peak / 1_048_576, 1),
        "ready": sum(1 for r in results.values() if r.ready),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", type=int, default=[1000, 10000, 100000])
    parser.add_argument("--seed", type=int, default=20261121)
    args = parser.parse_args()
    setup_django()
    from django.conf import settings
    from django.db import connection

    settings.DEBUG = True  # count queries
    rng = random.Random(args.seed)
    ids: list[int] = []
    rows = []
    for size in sorted(args.sizes):
        ids += seed(size - len(ids), rng)
        row = measure(ids[:size])
        rows.append(row)
        print(
            f"{row['people']:>7} people: {row['seconds']:.2f} s, {row['queries']} queries, {row['peak_python_mb']} MB peak",
            flush=True,
        )
    result = {
        "date": datetime.datetime.now(tz=datetime.UTC).date().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "database": connection.vendor,
        "results": rows,
    }
    out = ROOT / "bench" / "results" / f"readiness-{connection.vendor}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nwrote {out.relative_to(ROOT)}\n")
    print("| people | seconds | people/s | queries | peak Python memory (MB) |")
    print("|---:|---:|---:|---:|---:|")
    for row in rows:
        print(
            f"| {row['people']:,} | {row['seconds']} | {row['people_per_second']:,} | {row['queries']} | {row['peak_python_mb']} |"
        )


if __name__ == "__main__":
    main()
