"""Benchmark: from the database to an optimal team proposal, at 1k, 20k and 100k people.

A seeded generator writes a synthetic season into a throwaway database with bulk_create: sending
organisations partnered with host hospitals in six countries, missions of about four roles with
several places each over a season, people with a realistic mix of professions and specialties
(the tree the migrations seed), languages, credentials in every state (valid, expiring, unverified,
missing, host-country licences and visas for the countries their organisation works in), a leave
window each (declared unavailability before and after it), past and current assignments,
applications and invitations, courses and trainees. Some roles are contested (many candidates for
few places), some cannot be filled (rare specialties, high minimum levels, a local language).

Each size is generated in one process and measured in a fresh one, so that the peak memory
(``ru_maxrss``) is the measurement's own: ``bulk.load_problem`` for every role of the season
(time split into database reads and candidate evaluation), then ``optimiser.solve`` (method
auto), the same problem solved again to time OR-Tools alone (the solver's own build and solve
timings), and ``optimiser.greedy`` as the first-come baseline.

    .venv/bin/python bench/matching.py                       # all sizes, SQLite files in /tmp
    .venv/bin/python bench/matching.py --sizes small medium
    .venv/bin/python bench/matching.py --database-url postgres://postgres@127.0.0.1:5432/scratch
        # one disposable database per size: scratch_small, scratch_medium, scratch_large

Targets (issue 5) for the largest size on a 2-core machine: end to end under 20 s and within 4x
the raw OR-Tools time of the same graph, peak memory under 2 GB. Results go to
bench/results/matching.json; a Markdown table for docs/benchmarks.md is printed.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SIZES: dict[str, tuple[int, int]] = {
    "tiny": (200, 24),  # for the test that keeps this script working
    "small": (1_000, 100),
    "medium": (20_000, 2_000),
    "large": (100_000, 10_000),
}
TARGET_SECONDS = 20.0
TARGET_RATIO = 4.0
TARGET_MEMORY_MB = 2048.0

SEASON_START = datetime.date(2027, 2, 1)
COUNTRIES = {
    "UG": ["en", "lg", "sw"],
    "KE": ["en", "sw"],
    "MW": ["en", "ny"],
    "NP": ["ne", "en"],
    "SL": ["en", "kri"],
    "HT": ["fr", "ht"],
}
# People's specialties and roles' specialties, with relative weights.
PEOPLE_MIX = {
    "general-surgery": 8,
    "orthopaedic-surgery": 4,
    "plastic-surgery": 1,
    "anaesthesia": 6,
    "paediatrics": 6,
    "obstetrics-gynaecology": 5,
    "family-medicine": 8,
    "emergency-medicine": 6,
    "nursing": 20,
    "theatre-nursing": 6,
    "midwifery": 7,
    "dentistry": 3,
    "pharmacy": 4,
    "laboratory": 4,
    "physiotherapy": 3,
    "optometry": 2,
    "public-health": 3,
    "logistics": 4,
}
ROLE_MIX = {
    "surgery": 8,
    "general-surgery": 4,
    "orthopaedic-surgery": 3,
    "plastic-surgery": 1,
    "anaesthesia": 6,
    "paediatrics": 5,
    "obstetrics-gynaecology": 4,
    "medicine": 8,
    "emergency-medicine": 4,
    "nursing": 18,
    "theatre-nursing": 5,
    "midwifery": 6,
    "dentistry": 3,
    "pharmacy": 3,
    "laboratory": 3,
    "rehabilitation": 2,
    "optometry": 1,
    "public-health": 2,
    "logistics": 3,
}
BASE_CREDENTIALS = [
    "passport",
    "professional-licence",
    "malpractice-insurance",
    "hepatitis-b-vaccination",
    "yellow-fever-vaccination",
]
COUNTRY_CREDENTIALS = ["host-temporary-licence", "visa-work-permit"]


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
        return f"sqlite:///{folder / f'matching-{size}.sqlite3'}"
    parts = urlsplit(base_url)
    name = f"{parts.path.lstrip('/')}_{size}"
    import psycopg

    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}"))


# --- Generator --------------------------------------------------------------------------------


def _weighted(rng: random.Random, mix: dict[str, int]) -> str:
    return rng.choices(list(mix), weights=list(mix.values()))[0]


def generate(size: str, seed: int) -> dict[str, Any]:
    """Write one synthetic season for ``size`` into the (migrated, empty) database."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from medmissions.core.models import Language
    from medmissions.matching.models import MatchingWeights
    from medmissions.missions.models import (
        Application,
        Assignment,
        Completion,
        Course,
        Invitation,
        Mission,
        Role,
    )
    from medmissions.organizations.models import Organization
    from medmissions.partnerships.models import Partnership, PartnershipParty
    from medmissions.sites.models import Site
    from medmissions.volunteers.models import (
        Affiliation,
        AvailabilityWindow,
        Credential,
        CredentialType,
        CredentialVerification,
        Person,
        PersonLanguage,
        PersonSpecialty,
        Specialty,
    )

    began = time.perf_counter()
    rng = random.Random(seed)
    people_count, role_count = SIZES[size]
    batch = 5000
    specialties = {s.slug: s for s in Specialty.objects.all()}
    roots = {slug: _root(specialty, specialties) for slug, specialty in specialties.items()}
    subtree = {
        slug: {other for other in specialties if _is_under(other, slug, specialties)} for slug in specialties
    }
    types = {t.slug: t for t in CredentialType.objects.all()}
    languages = {language.code: language for language in Language.objects.all()}
    country_languages = {code: [c for c in codes if c in languages] for code, codes in COUNTRIES.items()}

    # Organisations, sites, partnerships.
    sending_count = max(2, people_count // 8000)
    senders = Organization.objects.bulk_create(
        [
            Organization(name=f"Sending {k}", slug=f"sending-{k}", country="GB", kind="secular_ngo")
            for k in range(sending_count)
        ]
    )
    hosts: list[tuple[Any, str]] = []
    for code in COUNTRIES:
        for k in range(1 + sending_count // 3):
            hosts.append(
                (
                    Organization(
                        name=f"Host {code} {k}", slug=f"host-{code}-{k}", country=code, kind="hospital"
                    ),
                    code,
                )
            )
    Organization.objects.bulk_create([organization for organization, _code in hosts])
    sites = Site.objects.bulk_create(
        [
            Site(
                name=f"Site {organization.name}",
                kind="hospital",
                host_organization=organization,
                country=code,
            )
            for organization, code in hosts
        ]
    )
    Site.languages.through.objects.bulk_create(
        [
            Site.languages.through(site_id=site.pk, language_id=languages[code].pk)
            for site, (_organization, country) in zip(sites, hosts, strict=True)
            for code in country_languages[country]
        ]
    )
    partnerships: list[tuple[Any, int, Any, str]] = []  # partnership, sender index, site, country
    party_rows = []
    for k in range(sending_count):
        for j in range(3):
            host_index = (k * 3 + j * 7) % len(hosts)
            partnership = Partnership(title=f"Partnership {k}-{j}", shared_goals="Care.", status="active")
            partnerships.append((partnership, k, sites[host_index], hosts[host_index][1]))
    Partnership.objects.bulk_create([p[0] for p in partnerships])
    for partnership, k, site, _country in partnerships:
        party_rows.append(PartnershipParty(partnership=partnership, organization=senders[k], role="sending"))
        party_rows.append(
            PartnershipParty(partnership=partnership, organization=site.host_organization, role="host")
        )
    PartnershipParty.objects.bulk_create(party_rows)
    MatchingWeights.objects.create(organization=senders[0], interest=50, language=25, experience=5)
    org_countries = {
        k: sorted({c for _p, s, _site, c in partnerships if s == k}) for k in range(sending_count)
    }

    # Missions of the season (about four roles each) and past missions.
    mission_count = max(1, role_count // 4)
    per_org_missions = mission_count / sending_count
    # Short enough that a leave window of three weeks or so holds several missions of its organisation.
    season_days = int(max(21, min(90, per_org_missions / 6)))
    missions = []
    for k in range(mission_count):
        partnership, _sender, site, _country = partnerships[k % len(partnerships)]
        starts_on = SEASON_START + datetime.timedelta(days=rng.randrange(season_days))
        missions.append(
            Mission(
                partnership=partnership,
                site=site,
                title=f"Mission {k}",
                starts_on=starts_on,
                ends_on=starts_on + datetime.timedelta(days=rng.randint(13, 20)),
                capacity=30,
                status=rng.choice(["recruiting", "recruiting", "ready"]),
            )
        )
    past = []
    for k in range(max(1, mission_count // 5)):
        partnership, _sender, site, _country = partnerships[k % len(partnerships)]
        starts_on = datetime.date(2026, 1, 1) + datetime.timedelta(days=rng.randrange(300))
        past.append(
            Mission(
                partnership=partnership,
                site=site,
                title=f"Past mission {k}",
                starts_on=starts_on,
                ends_on=starts_on + datetime.timedelta(days=14),
                capacity=30,
                status="cancelled" if rng.random() < 0.1 else "completed",
            )
        )
    Mission.objects.bulk_create(missions + past, batch_size=batch)
    courses = [
        Course.objects.create(slug="security-briefing", title="Security briefing", valid_for_days=365),
        Course.objects.create(slug="infection-control", title="Infection control"),
    ]
    roles = []
    role_facts = []  # (mission index, specialty slug)
    for k, mission in enumerate(missions):
        for _j in range(4):
            slug = _weighted(rng, ROLE_MIX)
            roles.append(
                Role(
                    mission=mission,
                    title=slug.replace("-", " ").capitalize(),
                    specialty=specialties[slug],
                    minimum_proficiency=rng.choices([1, 2, 3, 4], weights=[5, 55, 30, 10])[0],
                    people_needed=rng.choice([2, 3, 4, 4, 5, 6]),
                    scope_of_practice="As agreed with the host.",
                    supervisor_required_for_trainees=rng.random() < 0.7,
                    prefers_local_health_workers=rng.random() < 0.3,
                )
            )
            role_facts.append((k, slug))
    past_roles = [
        Role(
            mission=mission,
            title="Team member",
            specialty=specialties["medicine"],
            people_needed=6,
            scope_of_practice="-",
        )
        for mission in past
    ]
    Role.objects.bulk_create(roles + past_roles, batch_size=batch)
    role_languages, role_extras, role_courses = [], [], []
    for role, (k, _slug) in zip(roles, role_facts, strict=True):
        if rng.random() < 0.12:
            country = missions[k].site.country.code
            role_languages.append(
                Role.languages.through(
                    role_id=role.pk, language_id=languages[rng.choice(country_languages[country])].pk
                )
            )
        if rng.random() < 0.12:
            role_extras.append(
                Role.extra_credentials.through(
                    role_id=role.pk, credentialtype_id=types[rng.choice(["bls", "acls"])].pk
                )
            )
        if rng.random() < 0.1:
            role_courses.append(
                Role.required_courses.through(role_id=role.pk, course_id=rng.choice(courses).pk)
            )
    Role.languages.through.objects.bulk_create(role_languages, batch_size=batch)
    Role.extra_credentials.through.objects.bulk_create(role_extras, batch_size=batch)
    Role.required_courses.through.objects.bulk_create(role_courses, batch_size=batch)

    # People.
    people = []
    facts = []  # (sending org index or None, local country or None, specialty slug, trainee)
    for n in range(people_count):
        local = rng.random() < 0.1
        country = rng.choice(list(COUNTRIES)) if local else None
        slug = _weighted(rng, PEOPLE_MIX)
        trainee = rng.random() < 0.07
        sender = None if local and rng.random() < 0.5 else rng.randrange(sending_count)
        people.append(
            Person(
                full_name=f"Person {n}",
                profession=specialties[roots[slug]],
                is_trainee=trainee,
                nationality=country or rng.choice(["GB", "GB", "IE", "US", "DE", ""]),
                years_of_experience=None if rng.random() < 0.1 else rng.randint(0, 35),
            )
        )
        facts.append((sender, country, slug, trainee))
    Person.objects.bulk_create(people, batch_size=batch)
    host_by_country: dict[str, list[Any]] = {}
    for organization, code in hosts:
        host_by_country.setdefault(code, []).append(organization)

    links, affiliations, spoken, credentials, verified_flags, windows, completions = (
        [],
        [],
        [],
        [],
        [],
        [],
        [],
    )
    by_org_specialty: dict[tuple[int, str], list[int]] = {}
    for n, (person, (sender, country, slug, trainee)) in enumerate(zip(people, facts, strict=True)):
        level = rng.choice([1, 2]) if trainee else rng.choices([1, 2, 3, 4], weights=[5, 35, 40, 20])[0]
        links.append(PersonSpecialty(person=person, specialty=specialties[slug], proficiency=level))
        if rng.random() < 0.15:
            second = _weighted(rng, PEOPLE_MIX)
            if second != slug:
                links.append(
                    PersonSpecialty(
                        person=person, specialty=specialties[second], proficiency=max(1, level - 1)
                    )
                )
        if sender is not None:
            affiliations.append(Affiliation(person=person, organization=senders[sender], kind="home"))
            by_org_specialty.setdefault((sender, slug), []).append(n)
            if rng.random() < 0.08:
                other = rng.randrange(sending_count)
                if other != sender:
                    affiliations.append(
                        Affiliation(person=person, organization=senders[other], kind="vetting")
                    )
        if country is not None:
            affiliations.append(
                Affiliation(person=person, organization=rng.choice(host_by_country[country]), kind="home")
            )
        # Languages.
        if country is not None:
            for code in country_languages[country]:
                spoken.append(
                    PersonLanguage(person=person, language=languages[code], speaking=4 if code != "en" else 3)
                )
        else:
            if rng.random() < 0.9:
                spoken.append(
                    PersonLanguage(person=person, language=languages["en"], speaking=rng.choice([3, 4]))
                )
            if rng.random() < 0.15:
                spoken.append(
                    PersonLanguage(person=person, language=languages["fr"], speaking=rng.choice([1, 2, 3]))
                )
            if rng.random() < 0.06:
                spoken.append(
                    PersonLanguage(person=person, language=languages["sw"], speaking=rng.choice([1, 2, 3]))
                )
        # Credentials: most people are in order; the others have one thing wrong.
        targets = (
            [country]
            if country
            else rng.sample(org_countries[sender or 0], k=min(2, len(org_countries[sender or 0])))
        )
        wanted = [(slug_, "") for slug_ in BASE_CREDENTIALS] + [
            (slug_, code) for code in targets for slug_ in COUNTRY_CREDENTIALS
        ]
        if rng.random() < 0.15:
            wanted.append((rng.choice(["bls", "acls"]), ""))
        broken = rng.randrange(len(wanted)) if rng.random() < 0.3 else -1
        for k, (type_slug, code) in enumerate(wanted):
            problem = (
                rng.choice(["missing", "expired", "expiring", "unverified", "no-document"])
                if k == broken
                else ""
            )
            if problem == "missing":
                continue
            credential_type = types[type_slug]
            if not credential_type.has_expiry:
                expires_on = None
            elif problem == "expired":
                expires_on = SEASON_START - datetime.timedelta(days=rng.randint(1, 300))
            elif problem == "expiring":
                expires_on = SEASON_START + datetime.timedelta(days=rng.randint(0, season_days + 20))
            else:
                expires_on = SEASON_START + datetime.timedelta(days=rng.randint(season_days + 30, 1500))
            credentials.append(
                Credential(
                    person=person,
                    credential_type=credential_type,
                    issuing_body="Bench",
                    country=code,
                    expires_on=expires_on,
                    document="" if problem == "no-document" else "credentials/bench.pdf",
                )
            )
            verified_flags.append(problem not in ("unverified", "no-document"))
        # A leave window in the season (or none this season), declared as unavailability around it.
        if rng.random() < 0.12:
            windows.append(
                AvailabilityWindow(
                    person=person,
                    kind="unavailable",
                    starts_on=SEASON_START - datetime.timedelta(days=30),
                    ends_on=SEASON_START + datetime.timedelta(days=season_days + 30),
                )
            )
        else:
            leave_start = SEASON_START + datetime.timedelta(days=rng.randint(-5, max(season_days - 10, 0)))
            leave_end = leave_start + datetime.timedelta(days=rng.randint(17, 25))
            windows.append(
                AvailabilityWindow(
                    person=person,
                    kind="unavailable",
                    starts_on=SEASON_START - datetime.timedelta(days=30),
                    ends_on=leave_start - datetime.timedelta(days=1),
                )
            )
            windows.append(
                AvailabilityWindow(
                    person=person,
                    kind="unavailable",
                    starts_on=leave_end + datetime.timedelta(days=1),
                    ends_on=SEASON_START + datetime.timedelta(days=season_days + 60),
                )
            )
        for course in courses:
            if rng.random() < 0.6:
                completions.append(
                    Completion(
                        person=person,
                        course=course,
                        completed_on=SEASON_START - datetime.timedelta(days=rng.randint(1, 500)),
                    )
                )
    PersonSpecialty.objects.bulk_create(links, batch_size=batch)
    Affiliation.objects.bulk_create(affiliations, batch_size=batch)
    PersonLanguage.objects.bulk_create(spoken, batch_size=batch)
    Credential.objects.bulk_create(credentials, batch_size=batch)
    organization = senders[0]
    now = timezone.now()
    CredentialVerification.objects.bulk_create(
        [
            CredentialVerification(
                credential=credential, organization=organization, outcome="verified", verified_at=now
            )
            for credential, verified in zip(credentials, verified_flags, strict=True)
            if verified
        ],
        batch_size=batch,
    )
    AvailabilityWindow.objects.bulk_create(windows, batch_size=batch)
    Completion.objects.bulk_create(completions, batch_size=batch)

    # Assignments: past missions (continuity, first-timers) and a few places already taken.
    assignments = []
    taken: set[tuple[int, int]] = set()
    for mission, role in zip(past, past_roles, strict=True):
        sender = next(s for p, s, _site, _c in partnerships if p.pk == mission.partnership_id)
        pool = [n for (org, _slug), found in by_org_specialty.items() if org == sender for n in found[:50]]
        for n in rng.sample(pool, k=min(len(pool), 6)):
            if (n, mission.pk) not in taken:
                taken.add((n, mission.pk))
                assignments.append(
                    Assignment(
                        mission=mission,
                        role=role,
                        person=people[n],
                        starts_on=mission.starts_on,
                        ends_on=mission.ends_on,
                    )
                )
    applications, invitations = [], []
    User = get_user_model()
    inviter = User.objects.create_user(
        email="bench@example.org", password="bench-password", full_name="Bench"
    )
    for role, (k, slug) in zip(roles, role_facts, strict=True):
        mission = missions[k]
        sender = next(s for p, s, _site, _c in partnerships if p.pk == mission.partnership_id)
        pool = [n for under in subtree[slug] for n in by_org_specialty.get((sender, under), [])]
        if not pool:
            continue
        chosen = rng.sample(pool, k=min(len(pool), rng.choice([0, 0, 1, 1, 2, 3, 4])))
        for n in chosen:
            applications.append(
                Application(
                    role=role,
                    person=people[n],
                    motivation="Keen.",
                    status=rng.choices(
                        ["submitted", "shortlisted", "waitlisted", "declined", "withdrawn"],
                        weights=[60, 15, 5, 10, 10],
                    )[0],
                )
            )
        if rng.random() < 0.15:
            n = rng.choice(pool)
            if n not in chosen:
                invitations.append(Invitation(role=role, person=people[n], invited_by=inviter))
        if rng.random() < 0.05 and (pool[0], mission.pk) not in taken:
            taken.add((pool[0], mission.pk))
            assignments.append(
                Assignment(
                    mission=mission,
                    role=role,
                    person=people[pool[0]],
                    starts_on=mission.starts_on,
                    ends_on=mission.ends_on,
                )
            )
    Assignment.objects.bulk_create(assignments, batch_size=batch)
    Application.objects.bulk_create(applications, batch_size=batch)
    Invitation.objects.bulk_create(invitations, batch_size=batch)
    return {
        "generate_seconds": round(time.perf_counter() - began, 1),
        "people": people_count,
        "roles": len(roles),
        "missions": len(missions),
        "places": sum(role.people_needed for role in roles),
        "credentials": len(credentials),
        "applications": len(applications),
        "invitations": len(invitations),
        "assignments": len(assignments),
        "sending_organisations": sending_count,
        "season_days": season_days,
    }


def _root(specialty: Any, specialties: dict[str, Any]) -> str:
    by_id = {s.pk: s for s in specialties.values()}
    while specialty.parent_id is not None:
        specialty = by_id[specialty.parent_id]
    return specialty.slug


def _is_under(slug: str, ancestor: str, specialties: dict[str, Any]) -> bool:
    by_id = {s.pk: s for s in specialties.values()}
    node = specialties[slug]
    while node is not None:
        if node.slug == ancestor:
            return True
        node = by_id.get(node.parent_id) if node.parent_id is not None else None
    return False


# --- Measurement ------------------------------------------------------------------------------


def measure(time_limit: float) -> dict[str, Any]:
    """Propose a team for every role of the season's open missions, as a run does
    (``matching.services.propose``: load, evaluate, solve, explain the unfilled places and build
    the stored result); greedy on the same problem for comparison."""
    from medmissions.matching import optimiser, services
    from medmissions.missions.models import Role

    began = time.perf_counter()
    role_ids = list(
        Role.objects.filter(mission__status__in=["recruiting", "ready"])
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    proposal = services.propose(role_ids, time_limit=time_limit)
    end_to_end = time.perf_counter() - began
    loaded, solution = proposal.loaded, proposal.solution
    problem = loaded.problem
    # OR-Tools on the same graph: the solver's own flows (and CP-SAT, when it runs), without our
    # preparation of the arrays, our reading of the database or our explanation of the answer.
    raw = sum(solution.timings.get(key, 0.0) for key in ("build", "solve", "seed", "bound"))
    solve_seconds = sum(solution.timings.values())
    baseline = optimiser.greedy(problem)
    places = sum(slot.capacity for slot in problem.slots)
    return {
        "roles": len(problem.slots),
        "places": places,
        "arcs": len(problem.candidates),
        "people_with_arcs": len(set(loaded.columns.person_ids.tolist())),
        "load_seconds": round(loaded.timings["load"], 2),
        "candidates_seconds": round(loaded.timings["candidates"], 2),
        "solve_seconds": round(solve_seconds, 2),
        "explain_seconds": round(proposal.timings["explain"], 2),
        "end_to_end_seconds": round(end_to_end, 2),
        "raw_or_tools_seconds": round(raw, 2),
        "solver": solution.solver,
        "solver_status": solution.status,
        "solver_timings": {key: round(value, 2) for key, value in solution.timings.items()},
        "total_score": solution.total_score,
        "bound": solution.bound,
        "optimal": solution.optimal,
        "filled": len(solution.assignments),
        "unfilled_places": sum(solution.unfilled.values()),
        "unfilled_roles": len(solution.unfilled),
        "greedy_score": baseline.total_score,
        "greedy_filled": len(baseline.assignments),
        "greedy_unfilled_places": sum(baseline.unfilled.values()),
        "greedy_vs_optimum": round(baseline.total_score / solution.total_score, 3)
        if solution.total_score
        else None,
        "peak_memory_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def _child(mode: str, size: str, database_url: str, seed: int, time_limit: float) -> dict[str, Any]:
    command = [
        sys.executable,
        __file__,
        f"--{mode}",
        size,
        "--database-url",
        database_url,
        "--seed",
        str(seed),
        "--time-limit",
        str(time_limit),
    ]
    done = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT)
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_size(size: str, database_url: str, seed: int, time_limit: float) -> dict[str, Any]:
    """Generate and measure one size, each in a process of its own."""
    generated = _child("generate", size, database_url, seed, time_limit)
    measured = _child("measure", size, database_url, seed, time_limit)
    return {"size": size, "generated": generated, **measured}


def verdict(row: dict[str, Any]) -> dict[str, bool]:
    return {
        "under_20_seconds": row["end_to_end_seconds"] < TARGET_SECONDS,
        "within_4x_raw_or_tools": row["end_to_end_seconds"] <= TARGET_RATIO * row["raw_or_tools_seconds"],
        "under_2_gb": row["peak_memory_mb"] < TARGET_MEMORY_MB,
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


def table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| size | people × roles | places | arcs | load (s) | candidates (s) | solve (s) | end to end (s) "
        "| raw OR-Tools (s) | peak memory (MB) | solver | score / bound | greedy score (share) | filled / greedy "
        "| unfilled places |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|",
    ]
    for row in rows:
        people, roles = SIZES[row["size"]]
        lines.append(
            f"| {row['size']} | {people:,} × {roles:,} | {row['places']:,} | {row['arcs']:,} | {row['load_seconds']} "
            f"| {row['candidates_seconds']} | {row['solve_seconds']} | {row['end_to_end_seconds']} "
            f"| {row['raw_or_tools_seconds']} | {row['peak_memory_mb']:,} | {row['solver']} ({row['solver_status']}) "
            f"| {row['total_score']:,} / {row['bound']:,} | {row['greedy_score']:,} ({row['greedy_vs_optimum']}) "
            f"| {row['filled']:,} / {row['greedy_filled']:,} | {row['unfilled_places']:,} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", choices=list(SIZES), default=["small", "medium", "large"])
    parser.add_argument("--seed", type=int, default=20261121)
    parser.add_argument(
        "--database-url", help="PostgreSQL URL; a fresh database per size is created next to it"
    )
    parser.add_argument("--time-limit", type=float, default=10.0, help="CP-SAT time limit (s), if it runs")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "matching.json")
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
            result = measure(args.time_limit)
        print(json.dumps(result))
        return

    folder = Path(tempfile.mkdtemp(prefix="medmissions-bench-matching-"))
    rows = []
    for size in args.sizes:
        url = _database_for(args.database_url, size, folder)
        row = run_size(size, url, args.seed, args.time_limit)
        row["database"] = "postgresql" if args.database_url else "sqlite"
        rows.append(row)
        print(
            f"{size}: {row['arcs']:,} arcs, end to end {row['end_to_end_seconds']} s "
            f"(load {row['load_seconds']}, candidates {row['candidates_seconds']}, solve {row['solve_seconds']}), "
            f"raw OR-Tools {row['raw_or_tools_seconds']} s, {row['peak_memory_mb']} MB",
            flush=True,
        )
    largest = max(rows, key=lambda row: SIZES[row["size"]][0])
    checks = verdict(largest)
    result = {
        "date": datetime.datetime.now(tz=datetime.UTC).date().isoformat(),
        "machine": _machine(),
        "database": rows[0]["database"],
        "targets": {
            "size": largest["size"],
            "end_to_end_under_seconds": TARGET_SECONDS,
            "within_times_raw_or_tools": TARGET_RATIO,
            "peak_memory_under_mb": TARGET_MEMORY_MB,
            **checks,
            "pass": all(checks.values()),
        },
        "results": rows,
    }
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nwrote {args.out}\n")
    print(table(rows))
    print(
        f"\ntargets for {largest['size']}: "
        + ", ".join(f"{name} {'PASS' if ok else 'FAIL'}" for name, ok in checks.items())
    )


if __name__ == "__main__":
    main()
