"""Candidates: each hard constraint excludes what it should, scores explain themselves, near misses
say what is missing, and the number of queries does not grow with the number of people."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from medmissions.core.models import Language
from medmissions.matching import bulk
from medmissions.matching.candidates import suggestions_for_role
from medmissions.matching.models import DEFAULT_WEIGHTS, MatchingWeights
from medmissions.missions.models import Application, Completion, Course, Invitation, Mission, Role
from medmissions.partnerships.models import Partnership, PartnershipParty
from medmissions.volunteers.models import AvailabilityWindow, CountryRequirement, CredentialType, Person

from .conftest import END, START, add_credential, assign, make_person, speaks, specialty

pytestmark = pytest.mark.django_db

# The temporary licence is due 60 days before START (4 March 2027).
TODAY = datetime.date(2027, 1, 11)
LICENCE = "Host-country temporary licence (Uganda)"


@pytest.fixture(autouse=True)
def uganda_rules(db):
    """One rule instead of the seeded ones: clinicians need a Ugandan temporary licence, 60 days ahead."""
    CountryRequirement.objects.filter(country="UG").delete()
    CountryRequirement.objects.create(
        country="UG",
        specialty=specialty("medicine"),
        credential_type=CredentialType.objects.get(slug="host-temporary-licence"),
        lead_time_days=60,
    )


@pytest.fixture(autouse=True)
def tolerance(settings):
    settings.ASSIGNMENT_HANDOVER_TOLERANCE_DAYS = 1


@pytest.fixture
def ready(sending):
    """A surgeon affiliated with the sending party, holding a verified Ugandan licence."""

    def make(name: str, **fields) -> Person:
        fields.setdefault("organizations", (sending,))
        person = make_person(name, **fields)
        add_credential(person, "host-temporary-licence", country="UG", verified_by=sending)
        return person

    return make


def ranked_names(role, **kwargs) -> list[str]:
    return [s.person.full_name for s in suggestions_for_role(role, today=TODAY, **kwargs).ranked]


def near_miss_summaries(role) -> dict[str, str]:
    return {n.person.full_name: n.summary for n in suggestions_for_role(role, today=TODAY).near_misses}


def other_mission(active_partnership, site, starts_on, ends_on, *, title="Earlier camp") -> Mission:
    earlier = Mission.objects.create(
        partnership=active_partnership,
        site=site,
        title=title,
        starts_on=starts_on,
        ends_on=ends_on,
        capacity=4,
        status="completed",
    )
    Role.objects.create(
        mission=earlier,
        title="Surgeon",
        specialty=specialty("surgery"),
        people_needed=2,
        scope_of_practice="Surgery.",
    )
    return earlier


# Hard constraints --------------------------------------------------------------------------------


def test_a_surgery_role_takes_every_kind_of_surgeon_at_the_minimum_level_or_above(role, ready):
    ready("Ada General")
    ready("Ben Orthopaedic", specialty_slug="orthopaedic-surgery", proficiency=4)
    ready("Cai Anaesthetist", specialty_slug="anaesthesia")
    ready("Dee Junior", proficiency=1)  # below the role's minimum (competent)
    ready("Eve Physician", specialty_slug="medicine")  # the parent of surgery, not below it
    assert sorted(ranked_names(role)) == ["Ada General", "Ben Orthopaedic"]
    assert near_miss_summaries(role) == {}


def test_readiness_runs_only_for_people_of_the_specialty(role, ready, monkeypatch):
    from medmissions.matching import candidates

    evaluated: list[int] = []
    original = candidates.readiness_for_people

    def spy(people, *args, **kwargs):
        evaluated.extend(people)
        return original(people, *args, **kwargs)

    monkeypatch.setattr(candidates, "readiness_for_people", spy)
    surgeon = ready("Ada General")
    ready("Cai Anaesthetist", specialty_slug="anaesthesia")
    ready("Dee Junior", proficiency=1)
    suggestions_for_role(role, today=TODAY)
    assert evaluated == [surgeon.pk]


def test_the_pool_is_the_parties_people_and_the_applicants(role, ready, host, other):
    ready("Ada Sending")
    ready("Ben Host", organizations=(host,))
    ready("Cai Unrelated", organizations=(other,))
    applicant = ready("Dee Applicant", organizations=(other,))
    Application.objects.create(role=role, person=applicant, motivation="Hernia repair.")
    withdrawn = ready("Eve Withdrew")
    Application.objects.create(role=role, person=withdrawn, motivation="Surgery.", status="withdrawn")
    assert sorted(ranked_names(role)) == ["Ada Sending", "Ben Host", "Dee Applicant"]


def test_erased_merged_and_already_assigned_people_are_not_candidates(role, ready):
    keeper = ready("Ada Kept")
    ready("Ben Erased", erased_at=timezone.now())
    ready("Cai Merged", merged_into=keeper)
    on_team = ready("Dee On Team")
    assign(on_team, role)
    removed = ready("Eve Removed")
    assign(removed, role, status="removed", removed_reason="Left the team.")
    assert ranked_names(role) == ["Ada Kept"]


def test_credentials_must_be_verified_and_valid_through_the_last_day(role, sending, ready):
    ready("Ada Verified")
    unverified = make_person("Ben Unverified", organizations=(sending,))
    add_credential(unverified, "host-temporary-licence", country="UG")
    expiring = make_person("Cai Expiring", organizations=(sending,))
    add_credential(
        expiring,
        "host-temporary-licence",
        country="UG",
        expires_on=END - datetime.timedelta(days=3),
        verified_by=sending,
    )
    wrong_country = make_person("Dee Kenyan Licence", organizations=(sending,))
    add_credential(wrong_country, "host-temporary-licence", country="KE", verified_by=sending)
    rejected = make_person("Eve Rejected", organizations=(sending,))
    add_credential(rejected, "host-temporary-licence", country="UG", rejected_by=sending)

    assert ranked_names(role) == ["Ada Verified"]
    assert near_miss_summaries(role) == {
        "Ben Unverified": f"Would fit if {LICENCE} were verified.",
        "Cai Expiring": f"Would fit if {LICENCE} were renewed by 4 March 2027.",
        "Dee Kenyan Licence": f"Would fit if {LICENCE} were obtained by 4 March 2027.",
    }


def test_a_missing_credential_is_a_near_miss_only_while_its_lead_time_allows(role, sending):
    make_person("Ada Missing", organizations=(sending,))
    assert list(near_miss_summaries(role)) == ["Ada Missing"]
    late = suggestions_for_role(role, today=datetime.date(2027, 4, 1))
    assert late.ranked == [] and late.near_misses == []


def test_declared_unavailability_excludes(role, ready):
    ready("Ada Free")
    away = ready("Ben Away")
    AvailabilityWindow.objects.create(
        person=away, kind="unavailable", starts_on=END, ends_on=END + datetime.timedelta(days=10)
    )
    assert ranked_names(role) == ["Ada Free"]
    assert near_miss_summaries(role) == {}


def test_other_assignments_exclude_beyond_the_hand_over_tolerance(role, ready, active_partnership, site):
    before = other_mission(
        active_partnership, site, START - datetime.timedelta(days=14), START, title="Before"
    )
    clash = other_mission(
        active_partnership, site, START - datetime.timedelta(days=14), START + datetime.timedelta(days=1)
    )
    handover = ready("Ada Handover")
    assign(handover, before)  # one day of overlap: within the tolerance
    busy = ready("Ben Busy")
    assign(busy, clash)  # two days of overlap
    gone = ready("Cai Withdrawn")
    assign(gone, clash, status="withdrawn")

    result = suggestions_for_role(role, today=TODAY)
    assert sorted(s.person.full_name for s in result.ranked) == ["Ada Handover", "Cai Withdrawn"]
    overlap = next(c for c in result.ranked[0].checks if c.key == "overlap")
    assert overlap.met and "within the hand-over tolerance" in overlap.reason
    assert result.near_misses == []


def test_required_languages_exclude(role, ready):
    role.languages.add(Language.objects.get(code="lg"))
    speaker = ready("Ada Luganda")
    speaks(speaker, "lg", level=2)
    basic = ready("Ben Basic")
    speaks(basic, "lg", level=1)
    ready("Cai None")
    assert ranked_names(role) == ["Ada Luganda"]
    assert near_miss_summaries(role) == {}


def test_required_courses_must_be_completed_and_still_valid(role, ready):
    course = Course.objects.create(slug="pre-departure", title="Pre-departure safety", valid_for_days=365)
    role.required_courses.add(course)
    done = ready("Ada Done")
    Completion.objects.create(person=done, course=course, completed_on=datetime.date(2026, 12, 1))
    lapsing = ready("Ben Lapsing")
    Completion.objects.create(person=lapsing, course=course, completed_on=datetime.date(2026, 1, 5))
    ready("Cai Not Yet")
    assert ranked_names(role) == ["Ada Done"]
    assert near_miss_summaries(role) == {
        "Ben Lapsing": "Would fit if the course “Pre-departure safety” were completed.",
        "Cai Not Yet": "Would fit if the course “Pre-departure safety” were completed.",
    }


def test_trainees_are_eligible_and_flagged_for_a_supervisor(role, ready):
    trainee = ready("Ada Trainee", is_trainee=True)
    senior = ready("Ben Senior")
    result = suggestions_for_role(role, today=TODAY)
    by_name = {s.person.full_name: s for s in result.ranked}
    assert by_name["Ada Trainee"].needs_supervisor
    assert not by_name["Ben Senior"].needs_supervisor
    supervisor = next(c for c in by_name["Ada Trainee"].checks if c.key == "supervisor")
    assert supervisor.met and "nobody fully qualified is on the team yet" in supervisor.reason
    assert {trainee, senior} == {s.person for s in result.ranked}

    Role.objects.filter(pk=role.pk).update(supervisor_required_for_trainees=False)
    assert not any(s.needs_supervisor for s in suggestions_for_role(role, today=TODAY).ranked)


# Scores ------------------------------------------------------------------------------------------


def test_every_component_shows_its_weight_value_points_and_reason(role, ready, site):
    site.languages.add(*Language.objects.filter(code__in=["en", "lg", "sw"]))
    Role.objects.filter(pk=role.pk).update(prefers_local_health_workers=True)
    person = ready("Ada Nakato", proficiency=4, years_of_experience=12, nationality="UG")
    speaks(person, "en", "lg")
    speaks(person, "sw", level=1)  # basic does not count

    [suggestion] = suggestions_for_role(role, today=TODAY).ranked
    components = {c.key: c for c in suggestion.score.components}
    assert list(components) == list(DEFAULT_WEIGHTS)
    assert {key: (c.weight, c.value, c.points) for key, c in components.items()} == {
        "interest": (40, 0.2, 8),
        "language": (20, 2 / 3, 13),
        "continuity": (15, 0.0, 0),
        "experience": (10, 0.6, 6),
        "proficiency": (10, 1.0, 10),
        "local": (15, 1.0, 15),
        "first_timer": (5, 1.0, 5),
    }
    assert suggestion.score.total == 57
    assert components["language"].detail == "Speaks 2 of the site's 3 languages at working level or better."
    assert components["local"].detail == "A national of Uganda, the site's country."
    assert components["proficiency"].detail == "Expert: 2 levels above the role's minimum (Competent)."
    assert components["language"].label == "Languages of the site"


def test_continuity_counts_the_partnership_over_the_site_and_ends_first_timer_status(
    role, ready, active_partnership, site, sending, host
):
    earlier = other_mission(active_partnership, site, datetime.date(2026, 5, 1), datetime.date(2026, 5, 10))
    other_partnership = Partnership.objects.create(title="Other", shared_goals="Care.", status="active")
    PartnershipParty.objects.create(partnership=other_partnership, organization=sending, role="sending")
    PartnershipParty.objects.create(partnership=other_partnership, organization=host, role="host")
    same_site = other_mission(other_partnership, site, datetime.date(2026, 8, 1), datetime.date(2026, 8, 10))
    returning = ready("Ada Returning")
    assign(returning, earlier)
    site_only = ready("Ben Site Only")
    assign(site_only, same_site)
    ready("Cai New")

    scores = {s.person.full_name: s.score for s in suggestions_for_role(role, today=TODAY).ranked}
    assert scores["Ada Returning"].component("continuity").points == 15
    assert scores["Ben Site Only"].component("continuity").value == 0.6
    assert scores["Ben Site Only"].component("continuity").points == 9
    assert scores["Cai New"].component("continuity").points == 0
    assert [
        scores[name].component("first_timer").points for name in ("Ada Returning", "Ben Site Only", "Cai New")
    ] == [
        0,
        0,
        5,
    ]


def test_applicants_rank_above_the_pool(role, ready):
    ready("Ada Pool")
    applicant = ready("Zed Applicant")
    Application.objects.create(role=role, person=applicant, motivation="Hernia repair.")
    result = suggestions_for_role(role, today=TODAY)
    assert [(s.person.full_name, s.applied) for s in result.ranked] == [
        ("Zed Applicant", True),
        ("Ada Pool", False),
    ]
    assert result.ranked[0].score.component("interest").value == 1.0
    assert result.ranked[1].score.component("interest").value == 0.2


def test_invited_people_rank_between_applicants_and_the_pool(role, ready, other):
    ready("Ada Pool")
    applicant = ready("Ben Applicant")
    Application.objects.create(role=role, person=applicant, motivation="Keen.")
    invitee = ready("Cai Invited", organizations=(other,))  # invited from outside the parties
    Invitation.objects.create(role=role, person=invitee)
    result = suggestions_for_role(role, today=TODAY)
    assert [(s.person.full_name, s.applied, s.invited) for s in result.ranked] == [
        ("Ben Applicant", True, False),
        ("Cai Invited", False, True),
        ("Ada Pool", False, False),
    ]
    interest = result.ranked[1].score.component("interest")
    assert (interest.value, interest.points, interest.detail) == (0.6, 24, "Invited to this role.")


def test_people_who_declined_an_invitation_are_not_candidates(role, ready):
    ready("Ada Pool")
    Invitation.objects.create(role=role, person=ready("Ben Declined"), status="declined")
    Invitation.objects.create(role=role, person=ready("Cai Withdrawn Invitation"), status="withdrawn")
    assert ranked_names(role) == ["Ada Pool", "Cai Withdrawn Invitation"]


def test_the_sending_organisations_weights_change_the_ranking(role, ready, sending, host, mission):
    applicant = ready("Ada Applicant", proficiency=2, years_of_experience=0)
    Application.objects.create(role=role, person=applicant, motivation="Keen.")
    ready("Ben Veteran", proficiency=4, years_of_experience=25)
    assert ranked_names(role) == ["Ada Applicant", "Ben Veteran"]  # 45 against 33

    MatchingWeights.objects.create(
        organization=host, interest=100, experience=0
    )  # hosts' weights never count
    assert ranked_names(role) == ["Ada Applicant", "Ben Veteran"]
    MatchingWeights.objects.create(organization=sending, interest=5, experience=60)
    assert bulk.load_problem([role], today=TODAY).roles[role.pk].weights["experience"] == 60
    result = suggestions_for_role(role, today=TODAY)
    assert [(s.person.full_name, s.score.total) for s in result.ranked] == [
        ("Ben Veteran", 1 + 60 + 10 + 5),
        ("Ada Applicant", 5 + 5),
    ]


# Near misses and limits --------------------------------------------------------------------------


def test_near_misses_fail_one_or_two_things_that_can_still_be_fixed(role, sending):
    course = Course.objects.create(slug="pre-departure", title="Pre-departure safety")
    role.required_courses.add(course)
    two = make_person("Ada Two Gaps", organizations=(sending,))
    add_credential(two, "host-temporary-licence", country="UG", document=False)
    three = make_person("Ben Three Gaps", organizations=(sending,))
    add_credential(three, "host-temporary-licence", country="UG")
    role.languages.add(Language.objects.get(code="lg"))
    speaks(two, "lg")

    [near] = suggestions_for_role(role, today=TODAY).near_misses
    assert near.person == two
    assert near.summary == (
        f"Would fit if {LICENCE} were uploaded and verified and the course “Pre-departure safety” were completed."
    )
    assert [check.key for check in near.unmet] == [
        "credential:host-temporary-licence",
        "course:pre-departure",
    ]


def test_limits_cut_the_lists_but_not_the_counts(role, ready, sending):
    for index in range(3):
        ready(f"Person {index}")
        make_person(f"Unverified {index}", organizations=(sending,))
    result = suggestions_for_role(role, today=TODAY, limit=2, near_miss_limit=1)
    assert (len(result.ranked), result.eligible_count) == (2, 3)
    assert (len(result.near_misses), result.near_miss_count) == (1, 3)


# Queries -----------------------------------------------------------------------------------------


def _world(count: int, sending, host, role, active_partnership, site) -> None:
    """``count`` people of every kind: ready, applicants, trainees, near misses, busy elsewhere."""
    earlier = other_mission(active_partnership, site, datetime.date(2026, 5, 1), datetime.date(2026, 5, 10))
    course = Course.objects.get_or_create(slug="pre-departure", defaults={"title": "Pre-departure safety"})[0]
    for index in range(count):
        person = make_person(f"Ready {index}", organizations=(sending, host), years_of_experience=index)
        add_credential(person, "host-temporary-licence", country="UG", verified_by=sending)
        speaks(person, "en", "lg")
        Completion.objects.create(person=person, course=course, completed_on=datetime.date(2026, 12, 1))
        assign(person, earlier)
        if index % 2:
            Application.objects.create(role=role, person=person, motivation="Keen.")
        trainee = make_person(f"Trainee {index}", organizations=(sending,), is_trainee=True)
        add_credential(trainee, "host-temporary-licence", country="UG")


def test_queries_do_not_grow_with_the_number_of_people(role, sending, host, active_partnership, site):
    site.languages.add(*Language.objects.filter(code__in=["en", "lg"]))
    role.required_courses.add(Course.objects.create(slug="pre-departure", title="Pre-departure safety"))
    counts = []
    for added in (1, 9):  # 1 person of each kind, then 10
        _world(added, sending, host, role, active_partnership, site)
        with CaptureQueriesContext(connection) as suggestions:
            result = suggestions_for_role(role, today=TODAY)
        counts.append(len(suggestions))
        assert result.ranked and result.near_misses
    assert (result.eligible_count, result.near_miss_count) == (10, 10)
    assert counts[0] == counts[1]
