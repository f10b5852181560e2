"""Candidates for roles: who may fill a role, how well, and what a near miss still lacks.

* **Eligibility** (hard constraints) comes from the volunteers app's ``readiness_for_people``
  (country rules with lead times, the role's extra credentials, specialty and proficiency,
  languages, declared unavailability), evaluated in one batch per role, plus the mission's own
  rules: required courses (``board.course_checks``, so suggestions and the readiness board
  cannot disagree), no other active assignment overlapping by more than
  ``settings.ASSIGNMENT_HANDOVER_TOLERANCE_DAYS`` (as ``applications.accept`` checks), and
  trainees only under a supervisor, reported as eligible with ``needs_supervisor`` so the
  optimiser can pair them with a fully qualified member of the same mission.
* **Score** (soft preferences): seven components scaled to 0..1, each multiplied by its weight
  (``DEFAULT_WEIGHTS`` or the sending organisation's ``MatchingWeights``) and rounded to whole
  points, because the optimiser works on integers. Every component carries a sentence that
  explains its value.
* **Suggestions** for one role: the eligible people ranked by score, and the near misses, people
  who fail one or two requirements that can still be met ("Would fit if Host-country temporary
  licence (Uganda) were verified.").

The optimiser does not come through here: ``bulk.load_problem`` evaluates the same constraints
and scores for thousands of roles at once with numpy, and its equivalence tests hold it to what
this module answers, person by person and point by point.

The pool for a role is everyone affiliated with an organisation party to the mission's
partnership (home or vetting), everyone who applied to the role and everyone with a pending
invitation to it, narrowed in the database to people holding the role's specialty (or one below
it) at the minimum proficiency or above, so readiness is never run for people who cannot qualify.
Erased and merged profiles, people already on the mission (or taken off it by a coordinator) and
people whose application to the role was withdrawn or declined, or who declined an invitation to
it, are not candidates.

Queries are per role, not per person: a role costs the same dozen-odd queries (readiness adds
its own per 5,000 people) whether its pool holds ten people or ten thousand.
"""

from __future__ import annotations

import contextvars
import datetime
import functools
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language, gettext, gettext_lazy, ngettext

from medmissions.core.models import Language
from medmissions.matching.models import DEFAULT_WEIGHTS, MatchingWeights
from medmissions.missions.board import course_checks
from medmissions.missions.choices import ApplicationStatus, AssignmentStatus, InvitationStatus, MissionStatus
from medmissions.missions.models import Application, Assignment, Completion, Course, Invitation, Mission, Role
from medmissions.partnerships.choices import PartyRole
from medmissions.volunteers.choices import LanguageLevel, Proficiency, VerificationOutcome
from medmissions.volunteers.models import (
    Affiliation,
    Credential,
    CredentialVerification,
    Person,
    PersonLanguage,
    PersonSpecialty,
)
from medmissions.volunteers.readiness import (
    CHUNK_SIZE,
    RequirementCheck,
    RoleRequirements,
    SpecialtyTree,
    readiness_for_people,
)

__all__ = [
    "CLOSED_APPLICATION_STATUSES",
    "COMPONENT_LABELS",
    "CONTINUITY_PARTNERSHIP",
    "CONTINUITY_SITE",
    "EXPERIENCE_CAP_YEARS",
    "INTEREST_APPLIED",
    "INTEREST_INVITED",
    "INTEREST_POOL",
    "OPEN_APPLICATION_STATUSES",
    "Component",
    "NearMiss",
    "RoleSuggestions",
    "Score",
    "Suggestion",
    "suggestions_for_role",
    "weights_from_parties",
]

# Interest, in the order allReady#43 asked for: people who raised their hand, then people the
# coordinators invited, then the rest of the pool.
INTEREST_APPLIED = 1.0
INTEREST_INVITED = 0.6  # a pending invitation to the role
INTEREST_POOL = 0.2

CONTINUITY_PARTNERSHIP = 1.0
CONTINUITY_SITE = 0.6

EXPERIENCE_CAP_YEARS = 20

# A near miss fails at most this many requirements, all of which can still be met.
NEAR_MISS_MAX_UNMET = 2

COMPONENT_LABELS = {
    "interest": gettext_lazy("Interest"),
    "language": gettext_lazy("Languages of the site"),
    "continuity": gettext_lazy("Continuity"),
    "experience": gettext_lazy("Experience"),
    "proficiency": gettext_lazy("Proficiency above the minimum"),
    "local": gettext_lazy("Local health worker"),
    "first_timer": gettext_lazy("First mission"),
}

OPEN_APPLICATION_STATUSES = (
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.SHORTLISTED,
    ApplicationStatus.WAITLISTED,
    ApplicationStatus.ACCEPTED,
)
CLOSED_APPLICATION_STATUSES = (ApplicationStatus.WITHDRAWN, ApplicationStatus.DECLINED)


# Public results ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Component:
    """One soft preference: its weight, its value on 0..1, the points it gives and why."""

    key: str  # a key of DEFAULT_WEIGHTS
    label: str
    weight: int
    value: float
    points: int
    detail: str


@dataclass(frozen=True, slots=True)
class Score:
    """Whole points (the optimiser takes integers): the sum of the components' rounded points."""

    total: int
    components: list[Component]

    def component(self, key: str) -> Component:
        return next(component for component in self.components if component.key == key)

    def as_dict(self) -> dict[str, Any]:
        """Plain data, e.g. for an optimisation run's stored result or an API response."""
        return {
            "total": self.total,
            "components": [
                {
                    "key": c.key,
                    "label": c.label,
                    "weight": c.weight,
                    "value": c.value,
                    "points": c.points,
                    "detail": c.detail,
                }
                for c in self.components
            ],
        }


@dataclass(frozen=True, slots=True)
class Suggestion:
    """An eligible person, with the score broken down and every requirement checked."""

    person: Person
    score: Score
    checks: list[RequirementCheck]
    needs_supervisor: bool = False
    applied: bool = False
    invited: bool = False  # a pending invitation to the role (``applied`` wins when both hold)


@dataclass(frozen=True, slots=True)
class NearMiss:
    """Someone who fails one or two requirements that can still be met in time."""

    person: Person
    score: Score
    unmet: list[RequirementCheck]
    summary: str  # "Would fit if Host-country temporary licence (Uganda) were verified."


@dataclass(frozen=True, slots=True)
class RoleSuggestions:
    ranked: list[Suggestion]
    near_misses: list[NearMiss]
    eligible_count: int = 0  # before ``limit``
    near_miss_count: int = 0  # before ``near_miss_limit``


# Weights -----------------------------------------------------------------------------------------


def weights_from_parties(
    parties: Sequence[tuple[int, str]], tuned: dict[int, dict[str, int]]
) -> dict[str, int]:
    """The weights of the first non-host party (sending parties first, then by id) that tuned
    them, or ``DEFAULT_WEIGHTS``; ``parties`` are (organisation id, party role) pairs."""
    ordered = sorted(
        ((organization_id, role) for organization_id, role in parties if role != PartyRole.HOST),
        key=lambda party: (party[1] != PartyRole.SENDING, party[0]),
    )
    for organization_id, _role in ordered:
        if organization_id in tuned:
            return dict(tuned[organization_id])
    return dict(DEFAULT_WEIGHTS)


# Loading roles -----------------------------------------------------------------------------------


@dataclass
class _RoleContext:
    """Everything about a role that evaluation reads, loaded once per batch of roles."""

    role: Role
    mission: Mission
    country: str
    subtree: frozenset[int]
    requirements: RoleRequirements
    courses: list[Course]
    site_languages: list[Language]
    party_ids: list[int]
    weights: dict[str, int]
    supervisors_on_team: int


def _load_contexts(roles: Iterable[Role | int], tree: SpecialtyTree) -> list[_RoleContext]:
    """The roles with their mission, site, rules and weights: a fixed number of queries for any
    number of roles."""
    role_ids = list(dict.fromkeys(role if isinstance(role, int) else role.pk for role in roles))
    loaded = {
        role.pk: role
        for role in Role.objects.filter(pk__in=role_ids)
        .select_related("specialty", "mission__site", "mission__partnership")
        .prefetch_related(
            "extra_credentials",
            "languages",
            "required_courses",
            "mission__site__languages",
            "mission__partnership__parties",
        )
    }
    organization_ids = {
        party.organization_id for role in loaded.values() for party in role.mission.partnership.parties.all()
    }
    tuned = {
        weights.organization_id: weights.as_dict()
        for weights in MatchingWeights.objects.filter(organization_id__in=organization_ids)
    }
    supervisors = dict(
        Assignment.objects.filter(
            mission_id__in={role.mission_id for role in loaded.values()},
            status=AssignmentStatus.ACTIVE,
            person__is_trainee=False,
        )
        .values("mission_id")
        .annotate(count=Count("pk"))
        .values_list("mission_id", "count")
        .order_by()
    )
    children: dict[int | None, list[int]] = defaultdict(list)
    for specialty_id, parent_id in tree.parent.items():
        children[parent_id].append(specialty_id)

    contexts = []
    for role_id in role_ids:
        role = loaded.get(role_id)
        if role is None:
            continue
        mission = role.mission
        parties = [(party.organization_id, party.role) for party in mission.partnership.parties.all()]
        contexts.append(
            _RoleContext(
                role=role,
                mission=mission,
                country=mission.site.country.code,
                subtree=_subtree(role.specialty_id, children),
                requirements=RoleRequirements(
                    credential_types=list(role.extra_credentials.all()),
                    specialty=role.specialty,
                    minimum_proficiency=role.minimum_proficiency,
                    languages=list(role.languages.all()),
                ),
                courses=list(role.required_courses.all()),
                site_languages=list(mission.site.languages.all()),
                party_ids=[organization_id for organization_id, _role in parties],
                weights=weights_from_parties(parties, tuned),
                supervisors_on_team=supervisors.get(mission.pk, 0),
            )
        )
    return contexts


def _subtree(root: int, children: dict[int | None, list[int]]) -> frozenset[int]:
    found: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if node not in found:
            found.add(node)
            stack.extend(children.get(node, []))
    return frozenset(found)


# Evaluating one role -----------------------------------------------------------------------------


@dataclass(slots=True)
class _PoolRow:
    person_id: int
    full_name: str
    is_trainee: bool
    nationality: str
    years_of_experience: int | None
    best_level: int


@dataclass(slots=True)
class _Evaluation:
    row: _PoolRow
    checks: list[RequirementCheck]
    score: Score
    applied: bool
    invited: bool
    needs_supervisor: bool

    @property
    def unmet(self) -> list[RequirementCheck]:
        return [check for check in self.checks if not check.met]

    @property
    def eligible(self) -> bool:
        return all(check.met for check in self.checks)


@dataclass(slots=True)
class _History:
    """A person's other assignments, as far as eligibility and the score care."""

    clash: tuple[str, datetime.date, datetime.date] | None = None  # mission title, dates
    handover_days: int = 0  # largest overlap within the tolerance
    served_partnership: int = 0
    served_site: int = 0
    held_any: bool = False


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    # Bounded IN lists (SQLite's bind-parameter limit), as readiness does.
    for offset in range(0, len(ids), CHUNK_SIZE):
        yield ids[offset : offset + CHUNK_SIZE]


def _pool(context: _RoleContext) -> list[_PoolRow]:
    """People who may be considered, already narrowed to the specialty subtree and proficiency."""
    role, mission = context.role, context.mission
    affiliated = Affiliation.objects.filter(organization_id__in=context.party_ids).values("person_id")
    role_applications = Application.objects.filter(role_id=role.pk)
    applicants = role_applications.filter(status__in=OPEN_APPLICATION_STATUSES).values("person_id")
    closed = role_applications.filter(status__in=CLOSED_APPLICATION_STATUSES).values("person_id")
    role_invitations = Invitation.objects.filter(role_id=role.pk)
    invitees = role_invitations.filter(status=InvitationStatus.PENDING).values("person_id")
    declined = role_invitations.filter(status=InvitationStatus.DECLINED).values("person_id")
    # On the mission already, or taken off it by a coordinator (a removal is a decision to respect).
    on_mission = Assignment.objects.filter(
        mission_id=mission.pk, status__in=[AssignmentStatus.ACTIVE, AssignmentStatus.REMOVED]
    ).values("person_id")
    rows = (
        PersonSpecialty.objects.filter(
            specialty_id__in=context.subtree,
            proficiency__gte=role.minimum_proficiency or Proficiency.TRAINEE,
            person__merged_into__isnull=True,
            person__erased_at__isnull=True,
        )
        .filter(Q(person_id__in=affiliated) | Q(person_id__in=applicants) | Q(person_id__in=invitees))
        .exclude(person_id__in=on_mission)
        .exclude(person_id__in=closed)
        .exclude(person_id__in=declined)
        .values(
            "person_id",
            "person__full_name",
            "person__is_trainee",
            "person__nationality",
            "person__years_of_experience",
        )
        .annotate(best_level=Max("proficiency"))
        .order_by()
    )
    return [
        _PoolRow(
            row["person_id"],
            row["person__full_name"],
            row["person__is_trainee"],
            str(row["person__nationality"] or ""),
            row["person__years_of_experience"],
            row["best_level"],
        )
        for row in rows
    ]


def _histories(context: _RoleContext, person_ids: list[int]) -> dict[int, _History]:
    mission = context.mission
    start, end = mission.starts_on, mission.ends_on
    tolerance = settings.ASSIGNMENT_HANDOVER_TOLERANCE_DAYS
    histories: dict[int, _History] = defaultdict(_History)
    rows = (
        Assignment.objects.filter(person_id__in=person_ids)
        .exclude(mission_id=mission.pk)
        .exclude(status=AssignmentStatus.WITHDRAWN)
        .values_list(
            "person_id",
            "status",
            "starts_on",
            "ends_on",
            "mission__title",
            "mission__status",
            "mission__partnership_id",
            "mission__site_id",
        )
        .order_by("starts_on", "pk")
    )
    for person_id, status, starts_on, ends_on, title, mission_status, partnership_id, site_id in rows:
        history = histories[person_id]
        # Overlap is judged exactly as applications.overlapping_assignment does, so that a
        # proposal accepted through the missions services is not refused for it.
        live = mission_status != MissionStatus.CANCELLED
        if live and status == AssignmentStatus.ACTIVE and starts_on <= end and ends_on >= start:
            overlap = (min(end, ends_on) - max(start, starts_on)).days + 1
            if overlap > tolerance:
                if history.clash is None:
                    history.clash = (title, starts_on, ends_on)
            else:
                history.handover_days = max(history.handover_days, overlap)
        if mission_status == MissionStatus.CANCELLED:
            continue
        history.held_any = True
        if status == AssignmentStatus.ACTIVE and starts_on < start:
            if partnership_id == mission.partnership_id:
                history.served_partnership += 1
            if site_id == mission.site_id:
                history.served_site += 1
    return histories


@functools.lru_cache(maxsize=256)
def _translated(message: str, language: str) -> str:
    return gettext(message)


# The language of the call being evaluated, read once: get_language() goes through a thread-local
# that costs more than scoring a person (as in volunteers.readiness).
_CALL_LANGUAGE: contextvars.ContextVar[str | None] = contextvars.ContextVar("matching_language", default=None)


def _(message: str) -> str:
    """gettext, memoised per language: a role repeats the same few messages for every person."""
    language = _CALL_LANGUAGE.get()
    return _translated(message, language if language is not None else (get_language() or ""))


def _day(value: datetime.date) -> str:
    return date_format(value, "j F Y")


def _overlap_check(history: _History | None) -> RequirementCheck:
    label = _("Other assignments")
    if history is not None and history.clash is not None:
        title, starts_on, ends_on = history.clash
        return RequirementCheck(
            "overlap",
            label,
            False,
            gettext("Already assigned to “%(mission)s” from %(start)s to %(end)s.")
            % {"mission": title, "start": _day(starts_on), "end": _day(ends_on)},
        )
    if history is not None and history.handover_days:
        return RequirementCheck(
            "overlap",
            label,
            True,
            ngettext(
                "Overlaps another assignment by %(days)d day, within the hand-over tolerance.",
                "Overlaps another assignment by %(days)d days, within the hand-over tolerance.",
                history.handover_days,
            )
            % {"days": history.handover_days},
        )
    return RequirementCheck("overlap", label, True, _("No other assignment during these dates."))


def _supervisor_check(context: _RoleContext) -> RequirementCheck:
    # Met: a trainee is eligible; the optimiser (or the reviewer) pairs them with a supervisor.
    count = context.supervisors_on_team
    if count:
        reason = ngettext(
            "A trainee serves under a named supervisor; %(count)d fully qualified person on the team can supervise.",
            "A trainee serves under a named supervisor; %(count)d fully qualified people on the team can supervise.",
            count,
        ) % {"count": count}
    else:
        reason = gettext(
            "A trainee serves under a named supervisor; nobody fully qualified is on the team yet, so accept one too."
        )
    return RequirementCheck("supervisor", gettext("Supervisor for a trainee"), True, reason)


class _Scorer:
    """Scores people for one role. Labels are translated once per role and messages memoised, since
    the optimiser scores every eligible (person, role) pair of a call-out."""

    def __init__(self, context: _RoleContext) -> None:
        self.context = context
        self.labels = {key: str(label) for key, label in COMPONENT_LABELS.items()}
        self.site_country = context.country
        self.country_name = str(context.mission.site.country.name)
        self.minimum = context.role.minimum_proficiency or Proficiency.TRAINEE
        self.minimum_label = str(Proficiency(self.minimum).label)
        self.level_labels = {level: str(label) for level, label in Proficiency.choices}

    def _component(self, key: str, value: float, detail: str) -> Component:
        weight = self.context.weights.get(key, 0)
        value = min(max(value, 0.0), 1.0)
        # Half up (round() is banker's rounding); values and weights are never negative.
        return Component(key, self.labels[key], weight, value, int(weight * value + 0.5), detail)

    def score(self, row: _PoolRow, *, interest: float, spoken: int, history: _History | None) -> Score:
        # Components depend on a few small values each, so they are built once per distinct value
        # and shared (they are immutable): scoring a person is then seven dictionary look-ups.
        served = (history.served_partnership, history.served_site) if history is not None else (0, 0)
        components = [
            self._interest(interest),
            self._language(spoken),
            self._continuity(*served),
            self._experience(row.years_of_experience),
            self._proficiency(row.best_level),
            self._local(row.nationality == self.site_country if row.nationality else False),
            self._first_timer(history is not None and history.held_any),
        ]
        return Score(sum(component.points for component in components), components)

    @functools.cache  # noqa: B019 - one scorer per role, discarded with it
    def _interest(self, interest: float) -> Component:
        if interest >= INTEREST_APPLIED:
            detail = _("Applied to this role.")
        elif interest >= INTEREST_INVITED:
            detail = _("Invited to this role.")
        else:
            detail = _("In the pool of the partnership's organisations; has not applied.")
        return self._component("interest", interest, detail)

    @functools.cache  # noqa: B019 - one scorer per role, discarded with it
    def _language(self, spoken: int) -> Component:
        total = len(self.context.site_languages)
        if not total:
            return self._component("language", 0.0, _("The site lists no languages."))
        detail = ngettext(
            "Speaks %(count)d of the site's %(total)d language at working level or better.",
            "Speaks %(count)d of the site's %(total)d languages at working level or better.",
            total,
        ) % {"count": spoken, "total": total}
        return self._component("language", spoken / total, detail)

    @functools.cache  # noqa: B019 - one scorer per role, discarded with it
    def _continuity(self, served_partnership: int, served_site: int) -> Component:
        if served_partnership:
            detail = ngettext(
                "Served on %(count)d earlier mission of this partnership.",
                "Served on %(count)d earlier missions of this partnership.",
                served_partnership,
            ) % {"count": served_partnership}
            return self._component("continuity", CONTINUITY_PARTNERSHIP, detail)
        if served_site:
            detail = ngettext(
                "Served at this site on %(count)d earlier mission.",
                "Served at this site on %(count)d earlier missions.",
                served_site,
            ) % {"count": served_site}
            return self._component("continuity", CONTINUITY_SITE, detail)
        return self._component("continuity", 0.0, _("Has not served this partnership or this site before."))

    @functools.cache  # noqa: B019 - one scorer per role, discarded with it
    def _experience(self, years: int | None) -> Component:
        if years is None:
            return self._component("experience", 0.0, _("Years of experience not given."))
        if years >= EXPERIENCE_CAP_YEARS:
            detail = _("%(years)d years of experience (counted up to %(cap)d).") % {
                "years": years,
                "cap": EXPERIENCE_CAP_YEARS,
            }
        else:
            detail = ngettext("%(years)d year of experience.", "%(years)d years of experience.", years) % {
                "years": years
            }
        return self._component("experience", min(years, EXPERIENCE_CAP_YEARS) / EXPERIENCE_CAP_YEARS, detail)

    @functools.cache  # noqa: B019 - one scorer per role, discarded with it
    def _proficiency(self, level: int) -> Component:
        room = Proficiency.EXPERT - self.minimum
        above = max(level - self.minimum, 0)
        if room <= 0:
            detail = _("The role asks for the highest level, %(minimum)s.") % {"minimum": self.minimum_label}
            return self._component("proficiency", 0.0, detail)
        detail = ngettext(
            "%(level)s: %(count)d level above the role's minimum (%(minimum)s).",
            "%(level)s: %(count)d levels above the role's minimum (%(minimum)s).",
            above,
        ) % {"level": self.level_labels.get(level, level), "count": above, "minimum": self.minimum_label}
        return self._component("proficiency", above / room, detail)

    @functools.cache  # noqa: B019 - one scorer per role, discarded with it
    def _local(self, national: bool) -> Component:
        if not self.context.role.prefers_local_health_workers:
            return self._component("local", 0.0, _("The role does not ask for local health workers."))
        if national:
            detail = _("A national of %(country)s, the site's country.") % {"country": self.country_name}
            return self._component("local", 1.0, detail)
        detail = _("Not a national of %(country)s, the site's country.") % {"country": self.country_name}
        return self._component("local", 0.0, detail)

    @functools.cache  # noqa: B019 - one scorer per role, discarded with it
    def _first_timer(self, held_before: bool) -> Component:
        if held_before:
            return self._component("first_timer", 0.0, _("Has held an assignment before."))
        return self._component("first_timer", 1.0, _("Has never held an assignment."))


def _evaluate_role(context: _RoleContext, today: datetime.date) -> list[_Evaluation]:
    """The people of the role's pool who are eligible or fail at most two checks, with their
    checks and score, in a bounded number of queries."""
    role, mission = context.role, context.mission
    applications = dict(Application.objects.filter(role_id=role.pk).values_list("person_id", "status"))
    invitations = dict(Invitation.objects.filter(role_id=role.pk).values_list("person_id", "status"))
    pool = _pool(context)
    if not pool:
        return []
    scorer = _Scorer(context)
    site_language_ids = [language.pk for language in context.site_languages]
    course_ids = [course.pk for course in context.courses]
    needs_supervisor_if_trainee = role.supervisor_required_for_trainees
    supervisor_check = _supervisor_check(context) if needs_supervisor_if_trainee else None

    evaluations: list[_Evaluation] = []
    ids = [row.person_id for row in pool]
    rows_by_id = {row.person_id: row for row in pool}
    for chunk in _chunks(ids):
        readiness = readiness_for_people(
            chunk, context.country, mission.starts_on, mission.ends_on, context.requirements, today=today
        )
        spoken: dict[int, int] = defaultdict(int)
        if site_language_ids:
            for person_id in _language_rows(chunk, site_language_ids):
                spoken[person_id] += 1
        histories = _histories(context, chunk)
        completions: dict[int, dict[int, list[datetime.date]]] = defaultdict(lambda: defaultdict(list))
        if course_ids:
            for person_id, course_id, completed_on in Completion.objects.filter(
                person_id__in=chunk, course_id__in=course_ids
            ).values_list("person_id", "course_id", "completed_on"):
                completions[person_id][course_id].append(completed_on)

        for person_id in chunk:
            result = readiness.get(person_id)
            if result is None:
                continue
            row = rows_by_id[person_id]
            history = histories.get(person_id)
            checks = [
                *result.checks,
                *(
                    course_checks(context.courses, completions[person_id], mission.ends_on)
                    if course_ids
                    else []
                ),
                _overlap_check(history),
            ]
            if sum(not check.met for check in checks) > NEAR_MISS_MAX_UNMET:
                continue  # neither a candidate nor a near miss: not worth scoring
            needs_supervisor = row.is_trainee and needs_supervisor_if_trainee
            if needs_supervisor and supervisor_check is not None:
                checks.append(supervisor_check)
            status = applications.get(person_id)
            applied = status in OPEN_APPLICATION_STATUSES
            invited = invitations.get(person_id) == InvitationStatus.PENDING
            score = scorer.score(
                row,
                interest=INTEREST_APPLIED if applied else INTEREST_INVITED if invited else INTEREST_POOL,
                spoken=spoken.get(person_id, 0),
                history=history,
            )
            evaluations.append(_Evaluation(row, checks, score, applied, invited, needs_supervisor))
    return evaluations


def _language_rows(person_ids: list[int], language_ids: list[int]) -> Iterable[int]:
    return PersonLanguage.objects.filter(
        person_id__in=person_ids, language_id__in=language_ids, speaking__gte=LanguageLevel.WORKING
    ).values_list("person_id", flat=True)


def _rank_key(evaluation: _Evaluation) -> tuple[int, str, int]:
    return (-evaluation.score.total, evaluation.row.full_name, evaluation.row.person_id)


# Near misses -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _CredentialFacts:
    expires_on: datetime.date | None
    grace_days: int
    has_document: bool
    verified: bool
    rejected: bool


def _credential_facts(credential_ids: set[int]) -> dict[int, _CredentialFacts]:
    if not credential_ids:
        return {}
    outcomes: dict[int, set[str]] = defaultdict(set)
    for credential_id, outcome in CredentialVerification.objects.filter(
        credential_id__in=credential_ids
    ).values_list("credential_id", "outcome"):
        outcomes[credential_id].add(outcome)
    facts = {}
    for pk, expires_on, document, grace_days in Credential.objects.filter(pk__in=credential_ids).values_list(
        "pk", "expires_on", "document", "credential_type__grace_days"
    ):
        verified = VerificationOutcome.VERIFIED in outcomes[pk]
        # As credential_status without an organisation: a rejection counts unless someone verified it.
        rejected = VerificationOutcome.REJECTED in outcomes[pk] and not verified
        facts[pk] = _CredentialFacts(expires_on, grace_days, bool(document), verified, rejected)
    return facts


def _fix_for(
    check: RequirementCheck,
    context: _RoleContext,
    facts: dict[int, _CredentialFacts],
    courses: dict[str, Course],
    today: datetime.date,
) -> str | None:
    """What would meet ``check`` in time, as the end of "Would fit if …", or None if nothing can.

    Only paperwork can still be fixed: a credential to verify, to obtain or renew before its
    lead-time date, or a course to take before the mission. Specialty, languages, availability
    and other assignments are the person's own circumstances.
    """
    end = context.mission.ends_on
    if check.key.startswith("course:"):
        course = courses.get(check.key)
        if course is None or today >= context.mission.starts_on:
            return None
        return gettext("the course “%(course)s” were completed") % {"course": course.title}
    if not check.key.startswith("credential:"):
        return None
    due_by = check.due_by or context.mission.starts_on
    if check.credential_id is None:
        if today > due_by:
            return None
        return gettext("%(requirement)s were obtained by %(date)s") % {
            "requirement": check.label,
            "date": _day(due_by),
        }
    credential = facts.get(check.credential_id)
    if credential is None or credential.rejected:
        return None
    lasts = credential.expires_on is None or (
        credential.expires_on + datetime.timedelta(days=credential.grace_days) >= end
    )
    if lasts and not credential.verified:
        if credential.has_document:
            return gettext("%(requirement)s were verified") % {"requirement": check.label}
        return gettext("%(requirement)s were uploaded and verified") % {"requirement": check.label}
    if lasts or today > due_by:
        return None
    return gettext("%(requirement)s were renewed by %(date)s") % {
        "requirement": check.label,
        "date": _day(due_by),
    }


def _summary(fixes: list[str]) -> str:
    if len(fixes) == 1:
        return gettext("Would fit if %(condition)s.") % {"condition": fixes[0]}
    return gettext("Would fit if %(first)s and %(second)s.") % {"first": fixes[0], "second": fixes[1]}


def _near_misses(
    context: _RoleContext, evaluations: list[_Evaluation], today: datetime.date
) -> list[tuple[_Evaluation, list[RequirementCheck], str]]:
    prospects = [
        evaluation
        for evaluation in evaluations
        if not evaluation.eligible and len(evaluation.unmet) <= NEAR_MISS_MAX_UNMET
    ]
    facts = _credential_facts(
        {
            check.credential_id
            for evaluation in prospects
            for check in evaluation.unmet
            if check.credential_id is not None
        }
    )
    courses = {f"course:{course.slug}": course for course in context.courses}
    found = []
    for evaluation in prospects:
        unmet = evaluation.unmet
        fixes = [_fix_for(check, context, facts, courses, today) for check in unmet]
        if all(fix is not None for fix in fixes):
            found.append((evaluation, unmet, _summary([fix for fix in fixes if fix is not None])))
    found.sort(key=lambda item: (len(item[1]), *_rank_key(item[0])))
    return found


# Public entry points -----------------------------------------------------------------------------


def suggestions_for_role(
    role: Role, *, limit: int = 20, near_miss_limit: int = 10, today: datetime.date | None = None
) -> RoleSuggestions:
    """The eligible people for ``role``, best first, and the near misses with what they lack.

    Callers scope access themselves (only the mission's parties should see this): the pool is
    every person affiliated with a party of the partnership, which no single user may see in full.
    """
    today = today or timezone.localdate()
    tree = SpecialtyTree()
    contexts = _load_contexts([role], tree)
    if not contexts:
        return RoleSuggestions([], [])
    context = contexts[0]
    token = _CALL_LANGUAGE.set(get_language() or "")
    try:
        evaluations = _evaluate_role(context, today)
    finally:
        _CALL_LANGUAGE.reset(token)
    eligible = sorted((e for e in evaluations if e.eligible), key=_rank_key)
    near = _near_misses(context, evaluations, today)
    shown_eligible = eligible[:limit]
    shown_near = near[:near_miss_limit]
    people = Person.objects.in_bulk(
        [e.row.person_id for e in shown_eligible] + [e.row.person_id for e, _unmet, _summary in shown_near]
    )
    return RoleSuggestions(
        ranked=[
            Suggestion(people[e.row.person_id], e.score, e.checks, e.needs_supervisor, e.applied, e.invited)
            for e in shown_eligible
        ],
        near_misses=[
            NearMiss(people[e.row.person_id], e.score, unmet, summary) for e, unmet, summary in shown_near
        ],
        eligible_count=len(eligible),
        near_miss_count=len(near),
    )
