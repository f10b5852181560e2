"""The bulk engine: for every role, exactly the eligible people, scores and points of
``suggestions_for_role`` (on hand-built, randomly generated and demo worlds), the slots' places,
the first-come order, and a number of queries that does not grow with roles or people."""

from __future__ import annotations

import datetime
import io
import random

import pytest
from django.core.management import call_command
from django.utils import timezone

from medmissions.conftest import make_organization
from medmissions.core.models import Language
from medmissions.matching import bulk
from medmissions.matching.candidates import suggestions_for_role
from medmissions.matching.models import DEFAULT_WEIGHTS, MatchingWeights
from medmissions.missions.choices import MissionStatus
from medmissions.missions.models import Application, Assignment, Completion, Course, Invitation, Mission, Role
from medmissions.partnerships.models import Partnership, PartnershipParty
from medmissions.sites.models import Site
from medmissions.volunteers.models import (
    Affiliation,
    AvailabilityWindow,
    CountryRequirement,
    CredentialType,
    Person,
    PersonLanguage,
    PersonSpecialty,
)

from .conftest import END, START, add_credential, assign, make_person, specialty

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2027, 1, 11)
KEYS = list(DEFAULT_WEIGHTS)


@pytest.fixture(autouse=True)
def tolerance(settings):
    settings.ASSIGNMENT_HANDOVER_TOLERANCE_DAYS = 1


def bulk_rows(roles) -> set[tuple[int, int, int, tuple[int, ...]]]:
    loaded = bulk.load_problem(roles, today=TODAY)
    columns = loaded.columns
    rows = set()
    for index, (person_id, role_id, score) in enumerate(
        zip(columns.person_ids.tolist(), columns.role_ids.tolist(), columns.scores.tolist(), strict=True)
    ):
        points = tuple(int(loaded.components[key][index]) for key in KEYS)
        assert sum(points) == score
        rows.add((person_id, role_id, score, points))
    assert len(rows) == len(columns)  # no pair twice
    return rows


def suggested_rows(roles) -> set[tuple[int, int, int, tuple[int, ...]]]:
    rows = set()
    for role in roles:
        for suggestion in suggestions_for_role(role, limit=10**6, today=TODAY).ranked:
            points = tuple(suggestion.score.component(key).points for key in KEYS)
            rows.add((suggestion.person.pk, role.pk, suggestion.score.total, points))
    return rows


def assert_equivalent(roles) -> set[tuple[int, int, int, tuple[int, ...]]]:
    expected = suggested_rows(roles)
    found = bulk_rows(roles)
    assert found == expected, {"only in bulk": found - expected, "only in suggestions": expected - found}
    return found


# A small hand-built world ------------------------------------------------------------------------


@pytest.fixture
def uganda_rules(db):
    CountryRequirement.objects.filter(country="UG").delete()
    CountryRequirement.objects.create(
        country="UG",
        specialty=specialty("medicine"),
        credential_type=CredentialType.objects.get(slug="host-temporary-licence"),
        lead_time_days=60,
    )


@pytest.fixture
def ready(sending, uganda_rules):
    def make(name: str, **fields) -> Person:
        fields.setdefault("organizations", (sending,))
        person = make_person(name, **fields)
        add_credential(person, "host-temporary-licence", country="UG", verified_by=sending)
        return person

    return make


def loaded_by_person(role) -> dict[int, int]:
    """Person id -> position among the candidates of ``role`` in the loaded problem."""
    loaded = bulk.load_problem([role], today=TODAY)
    return {person_id: index for index, person_id in enumerate(loaded.columns.person_ids.tolist())}


def test_erased_merged_and_already_assigned_people_are_not_candidates(role, ready):
    keeper = ready("Ada Kept")
    ready("Ben Erased", erased_at=timezone.now())
    ready("Cai Merged", merged_into=keeper)
    assign(ready("Dee On Team"), role)
    assign(ready("Eve Removed"), role, status="removed", removed_reason="Left the team.")
    assert {row[0] for row in assert_equivalent([role])} == {keeper.pk}


def test_trainees_are_flagged_and_cannot_supervise(role, ready):
    trainee = ready("Ada Trainee", is_trainee=True)
    senior = ready("Ben Senior")
    loaded = bulk.load_problem([role], today=TODAY)
    columns = loaded.columns
    facts = {
        person_id: (is_trainee, can_supervise, needs)
        for person_id, is_trainee, can_supervise, needs in zip(
            columns.person_ids.tolist(),
            columns.is_trainee.tolist(),
            columns.can_supervise.tolist(),
            loaded.needs_supervisor.tolist(),
            strict=True,
        )
    }
    assert facts == {trainee.pk: (True, False, True), senior.pk: (False, True, False)}
    assert loaded.problem.slots[0].needs_supervisor_for_trainees

    Role.objects.filter(pk=role.pk).update(supervisor_required_for_trainees=False)
    loaded = bulk.load_problem([role], today=TODAY)
    assert not loaded.needs_supervisor.any()
    assert not loaded.problem.slots[0].needs_supervisor_for_trainees


def test_interest_and_first_come_order(role, ready, sending):
    pool_late = ready("Ada Pool")
    pool_early = ready("Ben Pool")
    applied_second = ready("Cai Applied Second")
    applied_first = ready("Dee Applied First")
    invited = ready("Eve Invited")
    declined = ready("Fay Declined Invitation")
    withdrawn = ready("Gus Withdrew Invitation")
    first = Application.objects.create(role=role, person=applied_first, motivation="Keen.")
    second = Application.objects.create(role=role, person=applied_second, motivation="Keen too.")
    Application.objects.filter(pk=first.pk).update(created_at=timezone.now() - datetime.timedelta(days=2))
    Application.objects.filter(pk=second.pk).update(created_at=timezone.now() - datetime.timedelta(days=1))
    Invitation.objects.create(role=role, person=invited)
    Invitation.objects.create(role=role, person=declined, status="declined")
    Invitation.objects.create(role=role, person=withdrawn, status="withdrawn")
    assert pool_early.pk > pool_late.pk

    loaded = bulk.load_problem([role], today=TODAY)
    order = loaded.columns.person_ids.tolist()
    assert order == [
        applied_first.pk,
        applied_second.pk,
        invited.pk,
        pool_late.pk,
        pool_early.pk,
        withdrawn.pk,
    ]
    assert loaded.interest.tolist() == [2, 2, 1, 0, 0, 0]
    assert loaded.components["interest"].tolist() == [40, 40, 24, 8, 8, 8]
    rows = assert_equivalent([role])
    assert declined.pk not in {row[0] for row in rows}


def test_an_invitee_outside_the_partnership_is_in_the_pool(role, ready, other):
    outsider = ready("Ada Outsider", organizations=(other,))
    assert outsider.pk not in loaded_by_person(role)
    Invitation.objects.create(role=role, person=outsider)
    assert outsider.pk in loaded_by_person(role)
    [suggestion] = suggestions_for_role(role, today=TODAY).ranked
    assert (suggestion.person, suggestion.invited, suggestion.applied) == (outsider, True, False)
    assert_equivalent([role])


def test_slots_count_places_left_after_active_assignments_and_pending_invitations(role, ready, mission):
    Role.objects.filter(pk=role.pk).update(people_needed=3)
    assign(ready("Ada Active"), role)
    assign(ready("Ben Withdrawn"), role, status="withdrawn")
    Invitation.objects.create(role=role, person=ready("Cai Pending"))
    Invitation.objects.create(role=role, person=ready("Dee Declined"), status="declined")
    full = Role.objects.create(
        mission=mission, title="Anaesthetist", specialty=specialty("anaesthesia"), people_needed=1
    )
    assign(ready("Eve Anaesthetist", specialty_slug="anaesthesia"), full)
    Invitation.objects.create(role=full, person=ready("Fay Anaesthetist", specialty_slug="anaesthesia"))

    loaded = bulk.load_problem([role, full.pk, 10**9], today=TODAY)
    assert [(slot.role_id, slot.capacity) for slot in loaded.problem.slots] == [(role.pk, 1), (full.pk, 0)]
    slot = loaded.problem.slots[0]
    assert (slot.mission_id, slot.starts_on, slot.ends_on) == (mission.pk, START, END)
    info = loaded.roles[role.pk]
    assert (info.people_needed, info.active, info.pending_invitations, info.places_left) == (3, 1, 1, 1)
    assert info.mission_id == mission.pk and info.title == "General surgeon"
    assert loaded.problem.tolerance_days == 1
    assert set(loaded.timings) == {"load", "candidates"}


def test_nothing_to_load():
    loaded = bulk.load_problem([])
    assert loaded.problem.slots == [] and len(loaded.problem.candidates) == 0
    assert bulk.load_problem([10**9]).roles == {}


def test_grace_days_extend_a_credential_to_the_last_day(role, sending, uganda_rules):
    CredentialType.objects.filter(slug="host-temporary-licence").update(grace_days=5)
    inside = make_person("Ada Inside Grace", organizations=(sending,))
    add_credential(
        inside,
        "host-temporary-licence",
        country="UG",
        expires_on=END - datetime.timedelta(days=5),
        verified_by=sending,
    )
    outside = make_person("Ben Beyond Grace", organizations=(sending,))
    add_credential(
        outside,
        "host-temporary-licence",
        country="UG",
        expires_on=END - datetime.timedelta(days=6),
        verified_by=sending,
    )
    assert {row[0] for row in assert_equivalent([role])} == {inside.pk}


def test_a_credential_is_judged_on_the_missions_last_day_whatever_today_is(role, sending, uganda_rules):
    # Expired by the time the lists are read, yet valid through the mission's last day: readiness
    # counts it (the mission is judged on its own dates), and so must bulk.
    person = make_person("Ada Past", organizations=(sending,))
    add_credential(person, "host-temporary-licence", country="UG", expires_on=END, verified_by=sending)
    later = END + datetime.timedelta(days=20)
    assert [s.person for s in suggestions_for_role(role, today=later).ranked] == [person]
    assert {row[0] for row in assert_equivalent([role])} == {person.pk}
    assert {row[0] for row in bulk_rows([role])} == {row[0] for row in bulk_rows_on([role], later)}


def bulk_rows_on(roles, today: datetime.date) -> set[tuple[int, int]]:
    columns = bulk.load_problem(roles, today=today).columns
    return set(zip(columns.person_ids.tolist(), columns.role_ids.tolist(), strict=True))


# Randomly generated worlds -----------------------------------------------------------------------

SPECIALTIES = [
    "medicine",
    "surgery",
    "general-surgery",
    "orthopaedic-surgery",
    "anaesthesia",
    "paediatrics",
    "nursing",
    "midwifery",
    "theatre-nursing",
]
TYPES = [
    "passport",
    "professional-licence",
    "host-temporary-licence",
    "visa-work-permit",
    "bls",
    "yellow-fever-vaccination",
]
LANGUAGES = ["en", "fr", "lg", "sw"]


def day(rng: random.Random, low: datetime.date, high: datetime.date) -> datetime.date:
    return low + datetime.timedelta(days=rng.randint(0, (high - low).days))


def random_world(rng: random.Random, users) -> list[Role]:
    """Two countries, three partnerships, missions past, cancelled and open, and people with every
    kind of credential, language, availability, assignment, application and invitation."""
    suffix = rng.randint(0, 10**9)
    organizations = [
        make_organization(f"Sender {k} {suffix}", f"sender-{k}-{suffix}", "GB") for k in range(2)
    ] + [
        make_organization(f"Host {k} {suffix}", f"host-{k}-{suffix}", code, "hospital")
        for k, code in enumerate(["UG", "KE"])
    ]
    sites = [
        Site.objects.create(
            name=f"Site {code}", kind="clinic", host_organization=organizations[2 + k], country=code
        )
        for k, code in enumerate(["UG", "KE"])
    ]
    languages = {code: Language.objects.get(code=code) for code in LANGUAGES}
    for site in sites:
        site.languages.add(*rng.sample(list(languages.values()), rng.randint(0, 3)))
    partnerships = []
    for sender, host_index in ((0, 2), (1, 3), (0, 3)):
        partnership = Partnership.objects.create(
            title=f"P {sender}-{host_index}", shared_goals="Care.", status="active"
        )
        PartnershipParty.objects.create(
            partnership=partnership, organization=organizations[sender], role="sending"
        )
        PartnershipParty.objects.create(
            partnership=partnership, organization=organizations[host_index], role="host"
        )
        partnerships.append((partnership, sites[host_index - 2]))
    if rng.random() < 0.5:
        MatchingWeights.objects.create(
            organization=organizations[0], **{key: rng.randint(0, 60) for key in DEFAULT_WEIGHTS}
        )

    types = {slug: CredentialType.objects.get(slug=slug) for slug in TYPES}
    for slug in rng.sample(TYPES, 2):
        CredentialType.objects.filter(slug=slug).update(grace_days=rng.choice([0, 3, 30]))
    CountryRequirement.objects.filter(country__in=["UG", "KE"]).delete()
    for code in ("UG", "KE"):
        for _rule in range(rng.randint(0, 2)):
            CountryRequirement.objects.get_or_create(
                country=code,
                specialty=rng.choice(
                    [None, specialty("medicine"), specialty("surgery"), specialty("nursing")]
                ),
                credential_type=types[rng.choice(TYPES)],
                defaults={"lead_time_days": rng.choice([0, 30, 60])},
            )
    courses = [
        Course.objects.create(
            slug=f"course-{k}-{suffix}", title=f"Course {k}", valid_for_days=rng.choice([None, 365])
        )
        for k in range(2)
    ]

    season = (datetime.date(2027, 3, 1), datetime.date(2027, 8, 31))
    missions = []
    for k in range(rng.randint(2, 4)):
        partnership, site = rng.choice(partnerships)
        starts_on = day(rng, *season)
        missions.append(
            Mission.objects.create(
                partnership=partnership,
                site=site,
                title=f"Mission {k}",
                starts_on=starts_on,
                ends_on=starts_on + datetime.timedelta(days=rng.randint(3, 21)),
                capacity=10,
                status=rng.choice([MissionStatus.RECRUITING, MissionStatus.READY, MissionStatus.DRAFT]),
            )
        )
    history = []
    # Past missions (continuity, first-timers), and a cancelled and a ready one around the first
    # mission's dates (clashes, and overlaps a cancellation frees).
    for k, status in enumerate([MissionStatus.COMPLETED, MissionStatus.CANCELLED, MissionStatus.READY]):
        partnership, site = rng.choice(partnerships)
        starts_on = day(rng, datetime.date(2026, 1, 1), datetime.date(2026, 12, 31))
        if k:
            starts_on = missions[0].starts_on + datetime.timedelta(days=rng.randint(-10, 10))
        history.append(
            Mission.objects.create(
                partnership=partnership,
                site=site,
                title=f"Other {k}",
                starts_on=starts_on,
                ends_on=starts_on + datetime.timedelta(days=rng.randint(3, 30)),
                capacity=10,
                status=status,
            )
        )
    roles = []
    for mission_ in missions + history:
        for k in range(rng.randint(1, 3)):
            role = Role.objects.create(
                mission=mission_,
                title=f"Role {k}",
                specialty=specialty(rng.choice(SPECIALTIES[:4] + SPECIALTIES)),
                minimum_proficiency=rng.choice([1, 2, 2, 3, 4]),
                people_needed=rng.randint(1, 3),
                supervisor_required_for_trainees=rng.random() < 0.7,
                prefers_local_health_workers=rng.random() < 0.4,
                scope_of_practice="As agreed.",
            )
            if rng.random() < 0.3:
                role.languages.add(languages[rng.choice(LANGUAGES)])
            if rng.random() < 0.3:
                role.extra_credentials.add(types[rng.choice(TYPES)])
            if rng.random() < 0.3:
                role.required_courses.add(rng.choice(courses))
            if mission_ in missions:
                roles.append(role)
    other_roles = list(Role.objects.filter(mission__in=history))

    people: list[Person] = []
    for k in range(rng.randint(30, 45)):
        person = Person.objects.create(
            full_name=f"Person {k}",
            profession=rng.choice([None, specialty("medicine"), specialty("nursing")]),
            is_trainee=rng.random() < 0.15,
            nationality=rng.choice(["UG", "KE", "GB", ""]),
            years_of_experience=rng.choice([None, 0, 3, 12, 25]),
            erased_at=timezone.now() if rng.random() < 0.05 else None,
            merged_into=rng.choice(people) if people and rng.random() < 0.05 else None,
        )
        people.append(person)
        for slug in rng.sample(SPECIALTIES, rng.choice([0, 1, 2, 2, 3])):
            PersonSpecialty.objects.create(
                person=person, specialty=specialty(slug), proficiency=rng.randint(1, 4)
            )
        for organization in rng.sample(organizations, rng.choice([0, 1, 2, 2, 3])):
            Affiliation.objects.create(
                person=person, organization=organization, kind=rng.choice(["home", "vetting"])
            )
        for code in rng.sample(LANGUAGES, rng.randint(0, 3)):
            PersonLanguage.objects.create(person=person, language=languages[code], speaking=rng.randint(0, 4))
        for slug in TYPES:
            for _copy in range(rng.choice([0, 1, 1, 1, 2])):
                add_credential(
                    person,
                    slug,
                    country=rng.choice(["UG", "UG", "KE", ""]) if types[slug].issued_by_host_country else "",
                    expires_on=rng.choice(
                        [
                            None,
                            datetime.date(2029, 1, 1),
                            day(rng, datetime.date(2027, 1, 1), datetime.date(2027, 12, 31)),
                        ]
                    ),
                    verified_by=organizations[0] if rng.random() < 0.8 else None,
                    rejected_by=organizations[1] if rng.random() < 0.15 else None,
                    document=rng.random() < 0.9,
                )
        if rng.random() < 0.25:
            starts_on = day(rng, *season)
            AvailabilityWindow.objects.create(
                person=person,
                kind=rng.choice(["unavailable", "unavailable", "available"]),
                starts_on=starts_on,
                ends_on=starts_on + datetime.timedelta(days=rng.randint(0, 40)),
            )
        for course in courses:
            if rng.random() < 0.4:
                Completion.objects.create(
                    person=person, course=course, completed_on=day(rng, datetime.date(2025, 6, 1), TODAY)
                )
        for target in rng.sample(missions + history, rng.choice([0, 0, 1, 2])):
            target_role = rng.choice(list(target.roles.all()))
            assignment_status = rng.choice(["active", "active", "withdrawn", "removed"])
            starts_on = target.starts_on + datetime.timedelta(days=rng.choice([0, 0, 1, 3]))
            Assignment.objects.create(
                mission=target,
                role=target_role,
                person=person,
                starts_on=starts_on,
                ends_on=max(starts_on, target.ends_on - datetime.timedelta(days=rng.choice([0, 0, 2]))),
                status=assignment_status,
                removed_reason="Left." if assignment_status == "removed" else "",
            )
        for target_role in rng.sample(roles + other_roles, rng.choice([0, 0, 1, 2])):
            Application.objects.create(
                role=target_role,
                person=person,
                motivation="Keen.",
                status=rng.choice(
                    ["submitted", "shortlisted", "waitlisted", "accepted", "declined", "withdrawn"]
                ),
            )
        for target_role in rng.sample(roles, rng.choice([0, 0, 0, 1])):
            Invitation.objects.get_or_create(
                role=target_role,
                person=person,
                defaults={
                    "invited_by": users["coordinator"],
                    "status": rng.choice(["pending", "pending", "accepted", "declined", "withdrawn"]),
                },
            )
    return roles


@pytest.mark.parametrize("seed", range(12))
def test_random_worlds_agree_with_the_suggestions(seed, users):
    roles = random_world(random.Random(seed), users)
    rows = assert_equivalent(roles)
    # One role at a time gives the same rows as the batch.
    assert set().union(*(bulk_rows([role]) for role in roles)) == rows


def test_the_random_worlds_exercise_every_rule(users):
    """The generator is only useful if each hard constraint, on its own, keeps someone out, and
    enough people stay eligible for the scores to be compared."""
    from medmissions.matching import candidates

    eligible = 0
    alone: set[str] = set()
    for seed in range(12):
        roles = random_world(random.Random(seed), users)
        eligible += len(bulk_rows(roles))
        tree = candidates.SpecialtyTree()
        for context in candidates._load_contexts(roles, tree):
            for evaluation in candidates._evaluate_role(context, TODAY):
                if len(evaluation.unmet) == 1:
                    alone.add(evaluation.unmet[0].key.split(":")[0])
    assert eligible >= 40
    assert alone >= {"credential", "language", "availability", "overlap", "course"}


# The demo network --------------------------------------------------------------------------------


def test_the_demo_network_agrees_with_the_suggestions(db):
    call_command("seed_demo", stdout=io.StringIO())
    roles = list(
        Role.objects.filter(mission__status__in=[MissionStatus.RECRUITING, MissionStatus.READY]).order_by(
            "pk"
        )
    )
    assert len(roles) >= 3
    today = timezone.localdate()
    expected = set()
    for role in roles:
        for suggestion in suggestions_for_role(role, limit=10**6, today=today).ranked:
            points = tuple(suggestion.score.component(key).points for key in KEYS)
            expected.add((suggestion.person.pk, role.pk, suggestion.score.total, points))
    assert expected
    assert bulk_rows(roles) == expected


# Queries -----------------------------------------------------------------------------------------


# Seven tables read by role id (in chunks), eight reference tables, eight tables of people.
QUERIES = 23


def test_queries_do_not_grow_with_roles_or_people(users, django_assert_max_num_queries):
    rng = random.Random(99)
    first = random_world(rng, users)
    with django_assert_max_num_queries(QUERIES):
        bulk.load_problem(first[:1], today=TODAY)
    more = first + random_world(rng, users) + random_world(rng, users)
    with django_assert_max_num_queries(QUERIES):
        bulk.load_problem(more, today=TODAY)


def test_role_ids_are_read_in_chunks(role, ready, mission, monkeypatch, django_assert_max_num_queries):
    second = Role.objects.create(
        mission=mission,
        title="Orthopaedic surgeon",
        specialty=specialty("orthopaedic-surgery"),
        people_needed=1,
    )
    ready("Ada General")
    ready("Ben Orthopaedic", specialty_slug="orthopaedic-surgery")
    with django_assert_max_num_queries(QUERIES):
        expected = bulk_rows([role, second])
    monkeypatch.setattr(bulk, "CHUNK_SIZE", 1)
    with django_assert_max_num_queries(QUERIES + 7 + 1):  # the role tables twice, missions alike
        assert bulk_rows([role, second]) == expected
    assert {row[1] for row in expected} == {role.pk, second.pk}
