"""The optimiser's input for many roles at once: eligibility and scores evaluated with numpy.

``candidates.suggestions_for_role`` explains one role person by person (sentences, near misses);
the optimiser needs the same answer, without the sentences, for thousands of roles and a hundred
thousand people in a few seconds. ``load_problem`` reads each table once for all the roles, then
evaluates every (person, role) pair of the batch with array operations:

* **Pairs**: a person affiliated with a party of the role's partnership, or with an open
  application or a pending invitation to the role, who holds the role's specialty or one below it
  at the minimum proficiency or above (the best such level is kept for the score). Erased and
  merged profiles, people already on the mission or taken off it, closed applications and
  declined invitations are left out.
* **Hard constraints**, as ``volunteers.readiness`` and ``candidates`` judge them:

  - each credential the country requires of the person (rules for everyone, or for a specialty
    or profession the person holds at or below the rule's node) and each of the role's extra
    credentials: met by a credential of that type (issued by the site's country when the type
    says so) that an organisation verified and that still counts on the mission's last day,
    i.e. never expires or ``expires_on + grace_days >= ends_on``. That is what
    ``readiness._credential_check`` rates as met (``status.credential_status`` both today and on
    the last day): lead times and documents only change the reasons and the near misses, never
    who is eligible;
  - the role's languages spoken at working level or better;
  - no declared unavailability overlapping the mission's dates;
  - the role's courses completed, and still valid on the mission's last day when they lapse
    (``board.course_checks``);
  - no active assignment on a mission that is not cancelled overlapping the mission by more
    than ``settings.ASSIGNMENT_HANDOVER_TOLERANCE_DAYS`` days.

* **Score**: the seven components of ``candidates._Scorer``, with the same values, the same
  weights (the mission's sending organisation's or ``DEFAULT_WEIGHTS``) and the same rounding.

The rules are restated here, vectorised, rather than shared: the per-person code builds a
reason for every check. ``tests/test_bulk.py`` keeps the two in step: on many small worlds (and
the demo data) the set of (person, role, score, points) must equal what ``suggestions_for_role``
ranks as eligible. Change a rule in readiness, candidates or here, and those tests say where the
others must follow.

Queries: a fixed number for any number of roles and people (about twenty), plus one per
``CHUNK_SIZE`` roles for the tables read by role id. People are never listed in a query: the
per-person tables are filtered with a subquery on the batch's party organisations, applications
and invitations.
"""

from __future__ import annotations

import datetime
import itertools
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Case, Count, F, Func, IntegerField, Max, Q, QuerySet, Value, When

from medmissions.matching import optimiser
from medmissions.matching.candidates import (
    CLOSED_APPLICATION_STATUSES,
    CONTINUITY_PARTNERSHIP,
    CONTINUITY_SITE,
    EXPERIENCE_CAP_YEARS,
    INTEREST_APPLIED,
    INTEREST_INVITED,
    INTEREST_POOL,
    OPEN_APPLICATION_STATUSES,
    weights_from_parties,
)
from medmissions.matching.models import DEFAULT_WEIGHTS, MatchingWeights
from medmissions.missions.choices import AssignmentStatus, InvitationStatus, MissionStatus
from medmissions.missions.models import Application, Assignment, Completion, Course, Invitation, Mission, Role
from medmissions.partnerships.models import PartnershipParty
from medmissions.sites.models import Site
from medmissions.volunteers.choices import AvailabilityKind, LanguageLevel, Proficiency, VerificationOutcome
from medmissions.volunteers.models import (
    Affiliation,
    AvailabilityWindow,
    CountryRequirement,
    CredentialType,
    CredentialVerification,
    Person,
    PersonLanguage,
    PersonSpecialty,
    Specialty,
)

__all__ = [
    "CHUNK_SIZE",
    "INTEREST_CODE_APPLIED",
    "INTEREST_CODE_INVITED",
    "INTEREST_CODE_POOL",
    "BoolArray",
    "IntArray",
    "LoadedProblem",
    "RoleInfo",
    "load_problem",
]

IntArray = optimiser.IntArray
BoolArray = optimiser.BoolArray

# Role ids per query on the tables read by role: well under SQLite's 32,766 and PostgreSQL's
# 65,535 bind parameters.
CHUNK_SIZE = 10_000

# "Never expires" / "no credential" as date ordinals.
_FOREVER = 10**8
_NEVER = -1

# LoadedProblem.interest: an open application, a pending invitation, the rest of the pool.
INTEREST_CODE_APPLIED, INTEREST_CODE_INVITED, INTEREST_CODE_POOL = 2, 1, 0


@dataclass(frozen=True, slots=True)
class RoleInfo:
    """The few facts about a role of the batch that callers show next to a proposal."""

    role_id: int
    mission_id: int
    title: str
    mission_title: str
    people_needed: int
    active: int  # active assignments
    pending_invitations: int
    places_left: int  # people_needed - active - pending invitations, never below 0
    starts_on: datetime.date
    ends_on: datetime.date
    weights: dict[str, int]  # the mission's (its sending organisation's, or DEFAULT_WEIGHTS)


@dataclass
class LoadedProblem:
    """The optimiser's problem for a batch of roles, with what explains each candidate.

    ``components``, ``interest`` and ``needs_supervisor`` are aligned with
    ``problem.candidates`` (a ``CandidateColumns``): the points of each ``DEFAULT_WEIGHTS`` key,
    2 for an open application / 1 for a pending invitation / 0 for the rest of the pool, and
    whether the candidate is a trainee on a role that requires a supervisor. Candidates come in
    first-come order (see ``load_problem``). ``timings``: "load" (database reads) and
    "candidates" (evaluation in memory), in seconds.
    """

    problem: optimiser.Problem
    components: dict[str, IntArray]
    interest: IntArray
    needs_supervisor: BoolArray
    timings: dict[str, float]
    roles: dict[int, RoleInfo]

    @property
    def columns(self) -> optimiser.CandidateColumns:
        """``problem.candidates``, typed as the columns it always is here."""
        candidates = self.problem.candidates
        assert isinstance(candidates, optimiser.CandidateColumns)
        return candidates


# --- Small array helpers ------------------------------------------------------------------------


def _chunks(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    for offset in range(0, len(ids), CHUNK_SIZE):
        yield ids[offset : offset + CHUNK_SIZE]


def _ranges(starts: IntArray, counts: IntArray) -> IntArray:
    """arange(start, start + count) for each pair, concatenated."""
    counts = counts.astype(np.int64)
    total = int(counts.sum())
    if not total:
        return np.zeros(0, np.int64)
    offsets = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
    return np.repeat(starts.astype(np.int64), counts) + offsets


class _Index:
    """Positions of ids in a sorted id array (-1 for unknown ids)."""

    def __init__(self, ids: IntArray) -> None:
        self.ids = ids

    def __call__(self, wanted: Any) -> IntArray:
        wanted = np.asarray(wanted, dtype=np.int64)
        if not len(self.ids) or not len(wanted):
            return np.full(len(wanted), -1, np.int64)
        position = np.minimum(np.searchsorted(self.ids, wanted), len(self.ids) - 1)
        return np.where(self.ids[position] == wanted, position, -1).astype(np.int64)


class _Grouped:
    """Rows grouped by an owner index (e.g. a person): for owner k, rows ``order[start[k]:start[k]+count[k]]``."""

    def __init__(self, owner: IntArray, size: int) -> None:
        self.order = np.argsort(owner, kind="stable").astype(np.int64)
        self.count = np.bincount(owner, minlength=size).astype(np.int64)
        self.start = (np.cumsum(self.count) - self.count).astype(np.int64)

    def expand(self, owners: IntArray) -> tuple[IntArray, IntArray]:
        """For each of ``owners`` (by position), its rows: (position, row) pairs."""
        counts = self.count[owners]
        position = np.repeat(np.arange(len(owners), dtype=np.int64), counts)
        return position, self.order[_ranges(self.start[owners], counts)]


def _any_by(position: IntArray, hit: BoolArray, size: int) -> BoolArray:
    result = np.zeros(size, bool)
    result[position[hit]] = True
    return result


def _points(weight: IntArray, value: Any) -> IntArray:
    # As candidates._Scorer._component: whole points, half up; values and weights are >= 0.
    return np.floor(weight * np.clip(value, 0.0, 1.0) + 0.5).astype(np.int64)


# --- Reading the database -----------------------------------------------------------------------


@dataclass
class _Data:
    """Everything the evaluation reads, as arrays (ids are database ids unless named *_index)."""

    # Roles, in the order asked for.
    role_ids: IntArray
    role_mission: IntArray  # mission index
    role_specialty: IntArray  # specialty index
    role_minimum: IntArray
    role_needed: IntArray
    role_supervisor: BoolArray
    role_local: BoolArray
    role_titles: list[str]
    role_languages: list[tuple[int, int]]  # (role index, language id)
    role_extras: list[tuple[int, int]]  # (role index, credential type id)
    role_courses: list[tuple[int, int]]  # (role index, course id)
    role_active: IntArray
    # Missions.
    mission_ids: IntArray
    mission_titles: list[str]
    mission_start: IntArray
    mission_end: IntArray
    mission_dates: list[tuple[datetime.date, datetime.date]]
    mission_partnership: IntArray
    mission_site: IntArray
    mission_country: list[str]
    mission_weights: list[dict[str, int]]
    mission_orgs: list[list[int]]  # party organisation ids
    site_languages: dict[int, list[int]]
    # Reference tables.
    specialty_ids: IntArray
    specialty_parent: dict[int, int | None]
    credential_types: dict[int, tuple[int, bool]]  # id -> (grace days, issued by the host country)
    country_rules: dict[str, list[tuple[int | None, int]]]  # country -> (specialty id, type id)
    course_validity: dict[int, int]  # course id -> valid_for_days (0: never lapses)
    # People.
    person_ids: IntArray  # sorted
    person_trainee: BoolArray
    person_nationality: list[str]
    person_years: IntArray  # -1: not given
    person_profession: IntArray  # specialty id, -1: none
    specialties: tuple[IntArray, IntArray, IntArray]  # person id, specialty id, level
    affiliations: tuple[IntArray, IntArray]  # person id, organisation id
    # person, type, place of issue (position in the sorted batch countries; -1: any), last day
    credentials: tuple[IntArray, IntArray, IntArray, IntArray]
    languages: tuple[IntArray, IntArray]  # person id, language id (working or better)
    unavailable: tuple[IntArray, IntArray, IntArray]  # person id, start, end ordinals
    completions: tuple[IntArray, IntArray, IntArray]  # person id, course id, ordinal
    # person, mission id, active, live (mission not cancelled), start, end, partnership, site
    assignments: tuple[IntArray, IntArray, BoolArray, BoolArray, IntArray, IntArray, IntArray, IntArray]
    # role id, person id, open (or pending), closed (or declined), created_at timestamp
    applications: tuple[IntArray, IntArray, BoolArray, BoolArray, Any]
    invitations: tuple[IntArray, IntArray, BoolArray, BoolArray, Any]


def _columns(rows: list[tuple[Any, ...]], width: int) -> list[Sequence[Any]]:
    return list(zip(*rows, strict=True)) if rows else [() for _ in range(width)]


def _table(rows: list[tuple[Any, ...]], width: int) -> IntArray:
    """Rows of integers (no NULLs) as a (len(rows), width) array, without a tuple per column."""
    flat = np.fromiter(itertools.chain.from_iterable(rows), np.int64, len(rows) * width)
    return flat.reshape(len(rows), width)


def _fetch(queryset: QuerySet[Any, Any]) -> list[tuple[Any, ...]]:
    """The rows of a ``values_list`` queryset straight from the cursor: Django's per-row
    converters (SQLite dates parsed one at a time) cost more than the query on 100k-row tables."""
    try:
        sql, params = queryset.query.get_compiler(using=queryset.db).as_sql()
    except EmptyResultSet:  # e.g. an empty IN list: Django would not query either
        return []
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


_EPOCH = datetime.date(1970, 1, 1).toordinal()


class _EpochDay(Func):
    """A date column as days since 1970-01-01, computed by the database: building a date object
    per row (and on SQLite parsing its text) costs more than reading it."""

    output_field = IntegerField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        template = "CAST(julianday(%(expressions)s) - 2440587.5 AS INTEGER)"
        return self.as_sql(compiler, connection, template=template, **extra)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        template = "(%(expressions)s - DATE '1970-01-01')"
        return self.as_sql(compiler, connection, template=template, **extra)


def _days(values: Sequence[Any], missing: int) -> IntArray:
    """Date ordinals from ``_EpochDay`` values (``missing`` for NULL)."""
    return np.fromiter((missing if v is None else v + _EPOCH for v in values), np.int64, len(values))


def _int(values: Sequence[Any]) -> IntArray:
    return np.fromiter(values, np.int64, len(values))


def _stamps(values: Sequence[datetime.datetime]) -> Any:
    return np.fromiter((value.timestamp() for value in values), np.float64, len(values))


def _people_in_batch(org_ids: list[int], partnership_ids: list[int]) -> QuerySet[Person]:
    """The people a batch may consider, as a subquery (never a list of ids): affiliated with a
    party organisation, or with an open application or pending invitation to a role of one of
    the batch's partnerships; neither erased nor merged."""
    affiliated = Affiliation.objects.filter(organization_id__in=org_ids).values("person_id")
    applied = Application.objects.filter(
        role__mission__partnership_id__in=partnership_ids, status__in=OPEN_APPLICATION_STATUSES
    ).values("person_id")
    invited = Invitation.objects.filter(
        role__mission__partnership_id__in=partnership_ids, status=InvitationStatus.PENDING
    ).values("person_id")
    return Person.objects.filter(
        Q(pk__in=affiliated) | Q(pk__in=applied) | Q(pk__in=invited),
        merged_into__isnull=True,
        erased_at__isnull=True,
    )


def _read(role_ids: list[int]) -> _Data | None:
    role_rows: dict[int, tuple[Any, ...]] = {}
    languages: list[tuple[int, int]] = []
    extras: list[tuple[int, int]] = []
    courses: list[tuple[int, int]] = []
    active: dict[int, int] = {}
    applications: list[tuple[Any, ...]] = []
    invitations: list[tuple[Any, ...]] = []
    for chunk in _chunks(role_ids):
        for row in Role.objects.filter(pk__in=chunk).values_list(
            "pk",
            "mission_id",
            "title",
            "specialty_id",
            "minimum_proficiency",
            "people_needed",
            "supervisor_required_for_trainees",
            "prefers_local_health_workers",
        ):
            role_rows[row[0]] = row
        languages += Role.languages.through.objects.filter(role_id__in=chunk).values_list(
            "role_id", "language_id"
        )
        extras += Role.extra_credentials.through.objects.filter(role_id__in=chunk).values_list(
            "role_id", "credentialtype_id"
        )
        courses += Role.required_courses.through.objects.filter(role_id__in=chunk).values_list(
            "role_id", "course_id"
        )
        active.update(
            Assignment.objects.filter(role_id__in=chunk, status=AssignmentStatus.ACTIVE)
            .values("role_id")
            .annotate(count=Count("pk"))
            .values_list("role_id", "count")
            .order_by()
        )
        applications += Application.objects.filter(role_id__in=chunk).values_list(
            "role_id", "person_id", "status", "created_at"
        )
        invitations += Invitation.objects.filter(role_id__in=chunk).values_list(
            "role_id", "person_id", "status", "created_at"
        )
    ordered = [role_rows[pk] for pk in role_ids if pk in role_rows]
    if not ordered:
        return None

    mission_ids = sorted({row[1] for row in ordered})
    mission_rows: dict[int, tuple[Any, ...]] = {}
    for chunk in _chunks(mission_ids):
        for mission_row in Mission.objects.filter(pk__in=chunk).values_list(
            "pk", "title", "starts_on", "ends_on", "partnership_id", "site_id", "site__country"
        ):
            mission_rows[mission_row[0]] = mission_row
    missions = [mission_rows[pk] for pk in mission_ids]
    partnership_ids = sorted({row[4] for row in missions})
    site_ids = sorted({row[5] for row in missions})
    parties: dict[int, list[tuple[int, str]]] = {}
    for partnership_id, organization_id, party_role in PartnershipParty.objects.filter(
        partnership_id__in=partnership_ids
    ).values_list("partnership_id", "organization_id", "role"):
        parties.setdefault(partnership_id, []).append((organization_id, party_role))
    org_ids = sorted({org for found in parties.values() for org, _role in found})
    tuned = {
        weights.organization_id: weights.as_dict()
        for weights in MatchingWeights.objects.filter(organization_id__in=org_ids)
    }
    site_languages: dict[int, list[int]] = {}
    for site_id, language_id in Site.languages.through.objects.filter(site_id__in=site_ids).values_list(
        "site_id", "language_id"
    ):
        site_languages.setdefault(site_id, []).append(language_id)
    countries = sorted({str(row[6]) for row in missions})
    country_rules: dict[str, list[tuple[int | None, int]]] = {country: [] for country in countries}
    for country, specialty_id, type_id in CountryRequirement.objects.filter(
        country__in=countries
    ).values_list("country", "specialty_id", "credential_type_id"):
        country_rules[str(country)].append((specialty_id, type_id))
    credential_types = {
        pk: (grace, host)
        for pk, grace, host in CredentialType.objects.values_list(
            "pk", "grace_days", "issued_by_host_country"
        )
    }
    wanted_types = sorted(
        {t for rules in country_rules.values() for _s, t in rules} | {t for _r, t in extras}
    )
    course_ids = sorted({course for _role, course in courses})
    course_validity = {
        pk: days or 0
        for pk, days in Course.objects.filter(pk__in=course_ids).values_list("pk", "valid_for_days")
    }
    specialty_parent: dict[int, int | None] = dict(Specialty.objects.values_list("pk", "parent_id"))
    language_ids = sorted(
        {lang for _r, lang in languages} | {lang for found in site_languages.values() for lang in found}
    )

    people = _people_in_batch(org_ids, partnership_ids)
    people_subquery = people.values("pk")
    person_rows = sorted(
        _fetch(people.values_list("pk", "is_trainee", "nationality", "years_of_experience", "profession_id"))
    )
    pid, trainee, nationality, years, profession = _columns(person_rows, 5)
    specialties = _table(
        _fetch(
            PersonSpecialty.objects.filter(person_id__in=people_subquery).values_list(
                "person_id", "specialty_id", "proficiency"
            )
        ),
        3,
    )
    affiliations = _table(
        _fetch(
            # Every affiliation with a party is in the batch by definition; people erased or
            # merged since are not in person_rows and drop out when indexed.
            Affiliation.objects.filter(organization_id__in=org_ids).values_list(
                "person_id", "organization_id"
            )
        ),
        2,
    )
    # Only verified credentials can meet a requirement. The database keeps, per person, type and
    # place of issue (the position of a batch country for types the host country issues, -1 for
    # any), the last day the type still counts (expiry plus grace days): a join and a GROUP BY
    # are much cheaper than reading every credential, and licences of other countries are
    # never read.
    country_position = Case(
        *[When(credential__country=code, then=Value(index)) for index, code in enumerate(countries)],
        default=Value(-1),
        output_field=IntegerField(),
    )
    credential_rows = _fetch(
        CredentialVerification.objects.filter(
            Q(credential__credential_type__issued_by_host_country=False)
            | Q(credential__country__in=countries),
            outcome=VerificationOutcome.VERIFIED,
            credential__person_id__in=people_subquery,
            credential__credential_type_id__in=wanted_types,
        )
        .annotate(
            place=Case(
                When(credential__credential_type__issued_by_host_country=True, then=country_position),
                default=Value(-1),
                output_field=IntegerField(),
            ),
            expires_day=_EpochDay(F("credential__expires_on")),
        )
        .values("credential__person_id", "credential__credential_type_id", "place")
        .annotate(
            last=Max(
                Case(
                    When(credential__expires_on__isnull=True, then=Value(_FOREVER - _EPOCH)),
                    default=F("expires_day") + F("credential__credential_type__grace_days"),
                    output_field=IntegerField(),
                )
            )
        )
        .values_list("credential__person_id", "credential__credential_type_id", "place", "last")
        .order_by()
    )
    credential_table = _table(credential_rows, 4)
    c_until = credential_table[:, 3] + _EPOCH
    spoken = _table(
        _fetch(
            PersonLanguage.objects.filter(
                person_id__in=people_subquery,
                language_id__in=language_ids,
                speaking__gte=LanguageLevel.WORKING,
            ).values_list("person_id", "language_id")
        ),
        2,
    )
    first_day = min(row[2] for row in missions)
    last_day = max(row[3] for row in missions)
    windows = _table(
        _fetch(
            AvailabilityWindow.objects.filter(
                person_id__in=people_subquery,
                kind=AvailabilityKind.UNAVAILABLE,
                starts_on__lte=last_day,
                ends_on__gte=first_day,
            )
            .annotate(first=_EpochDay(F("starts_on")), last=_EpochDay(F("ends_on")))
            .values_list("person_id", "first", "last")
        ),
        3,
    )
    completions = _table(
        _fetch(
            Completion.objects.filter(person_id__in=people_subquery, course_id__in=course_ids)
            .annotate(day=_EpochDay(F("completed_on")))
            .values_list("person_id", "course_id", "day")
        ),
        3,
    )
    held = _columns(
        _fetch(
            Assignment.objects.filter(person_id__in=people_subquery)
            .exclude(status=AssignmentStatus.WITHDRAWN)
            .annotate(first=_EpochDay(F("starts_on")), last=_EpochDay(F("ends_on")))
            .values_list(
                "person_id",
                "mission_id",
                "status",
                "mission__status",
                "first",
                "last",
                "mission__partnership_id",
                "mission__site_id",
            )
        ),
        8,
    )

    a_role, a_person, a_status, a_created = _columns(applications, 4)
    i_role, i_person, i_status, i_created = _columns(invitations, 4)
    mission_index = {pk: k for k, pk in enumerate(mission_ids)}
    role_count = len(ordered)
    return _Data(
        role_ids=_int([row[0] for row in ordered]),
        role_mission=_int([mission_index[row[1]] for row in ordered]),
        role_specialty=_int([row[3] for row in ordered]),  # ids for now; indexed in _evaluate
        role_minimum=_int([row[4] or Proficiency.TRAINEE for row in ordered]),
        role_needed=_int([row[5] for row in ordered]),
        role_supervisor=np.fromiter((row[6] for row in ordered), bool, role_count),
        role_local=np.fromiter((row[7] for row in ordered), bool, role_count),
        role_titles=[row[2] for row in ordered],
        role_languages=languages,
        role_extras=extras,
        role_courses=courses,
        role_active=_int([active.get(row[0], 0) for row in ordered]),
        mission_ids=_int(mission_ids),
        mission_titles=[row[1] for row in missions],
        mission_start=_int([row[2].toordinal() for row in missions]),
        mission_end=_int([row[3].toordinal() for row in missions]),
        mission_dates=[(row[2], row[3]) for row in missions],
        mission_partnership=_int([row[4] for row in missions]),
        mission_site=_int([row[5] for row in missions]),
        mission_country=[str(row[6]) for row in missions],
        mission_weights=[weights_from_parties(parties.get(row[4], []), tuned) for row in missions],
        mission_orgs=[[org for org, _role in parties.get(row[4], [])] for row in missions],
        site_languages=site_languages,
        specialty_ids=_int(sorted(specialty_parent)),
        specialty_parent=specialty_parent,
        credential_types=credential_types,
        country_rules=country_rules,
        course_validity=course_validity,
        person_ids=_int(pid),
        person_trainee=np.array(trainee, dtype=bool).reshape(-1),
        person_nationality=[str(code or "") for code in nationality],
        person_years=_int([-1 if value is None else value for value in years]),
        person_profession=_int([-1 if value is None else value for value in profession]),
        specialties=(specialties[:, 0], specialties[:, 1], specialties[:, 2]),
        affiliations=(affiliations[:, 0], affiliations[:, 1]),
        credentials=(credential_table[:, 0], credential_table[:, 1], credential_table[:, 2], c_until),
        languages=(spoken[:, 0], spoken[:, 1]),
        unavailable=(windows[:, 0], windows[:, 1] + _EPOCH, windows[:, 2] + _EPOCH),
        completions=(completions[:, 0], completions[:, 1], completions[:, 2] + _EPOCH),
        assignments=(
            _int(held[0]),
            _int(held[1]),
            np.fromiter((status == AssignmentStatus.ACTIVE for status in held[2]), bool, len(held[2])),
            np.fromiter((status != MissionStatus.CANCELLED for status in held[3]), bool, len(held[3])),
            _days(held[4], 0),
            _days(held[5], 0),
            _int(held[6]),
            _int(held[7]),
        ),
        applications=(
            _int(a_role),
            _int(a_person),
            np.fromiter((s in OPEN_APPLICATION_STATUSES for s in a_status), bool, len(a_status)),
            np.fromiter((s in CLOSED_APPLICATION_STATUSES for s in a_status), bool, len(a_status)),
            _stamps(a_created),
        ),
        invitations=(
            _int(i_role),
            _int(i_person),
            np.fromiter((s == InvitationStatus.PENDING for s in i_status), bool, len(i_status)),
            np.fromiter((s == InvitationStatus.DECLINED for s in i_status), bool, len(i_status)),
            _stamps(i_created),
        ),
    )


# --- Evaluation ---------------------------------------------------------------------------------


class _Tree:
    """The specialty tree as a boolean matrix: ``below[a, b]`` when b is a or under a."""

    def __init__(self, ids: IntArray, parent: dict[int, int | None]) -> None:
        self.index = _Index(ids)
        size = len(ids)
        self.below = np.zeros((size, max(size, 1)), bool)
        for position, specialty_id in enumerate(ids.tolist()):
            # Walk up as SpecialtyTree.ancestors_and_self does (a cycle stops the walk).
            seen: set[int] = set()
            node: int | None = specialty_id
            while node is not None and node not in seen:
                seen.add(node)
                ancestor = int(self.index([node])[0])
                if ancestor >= 0:
                    self.below[ancestor, position] = True
                node = parent.get(node)


def _bitmasks(owner: IntArray, bit: IntArray, size: int, words: int) -> Any:
    """One row of ``words`` uint64 per owner with the given bits set."""
    masks = np.zeros((size, max(words, 1)), np.uint64)
    if len(owner):
        np.bitwise_or.at(masks, (owner, bit // 64), np.left_shift(np.uint64(1), (bit % 64).astype(np.uint64)))
    return masks


def _day_masks(owner: IntArray, first: IntArray, last: IntArray, size: int, origin: int, words: int) -> Any:
    """Per owner, ``words`` uint64 with a bit set for each day (from ``origin``) of its spans."""
    masks = np.zeros((size, words), np.uint64)
    full = np.uint64(0xFFFFFFFFFFFFFFFF)

    def ones(count: IntArray) -> Any:  # the lowest ``count`` bits, 0 <= count <= 64
        shifted = np.left_shift(np.uint64(1), np.minimum(count, 63).astype(np.uint64)) - np.uint64(1)
        return np.where(count >= 64, full, shifted).astype(np.uint64)

    low, high = first - origin, last - origin + 1  # [low, high) in days
    for word in range(words):
        lo = np.clip(low - 64 * word, 0, 64)
        hi = np.clip(high - 64 * word, 0, 64)
        bits = ones(hi) & ~ones(lo)
        if len(owner):
            np.bitwise_or.at(masks[:, word], owner, bits)
    return masks


def _pairs(data: _Data, tree: _Tree, person: _Index) -> tuple[IntArray, IntArray, IntArray]:
    """(role index, person index, best level in the role's subtree) for every pair that passes
    the pool rules (affiliation with a party, or an open application or pending invitation; the
    specialty at the minimum level) and declared availability; unique, sorted by role then person.

    Availability comes first, per mission over its parties' people, as day bitmasks: a person
    can take the mission when none of its days is in one of their unavailability windows
    (``readiness``: a window overlaps when it starts by the last day and ends on or after the
    first). It is the most selective rule in a season, so most pairs are never formed."""
    people = len(data.person_ids)
    mission_count = len(data.mission_ids)
    origin = int(data.mission_start.min())
    words = max((int(data.mission_end.max()) - origin) // 64 + 1, 1)
    u_who = person(data.unavailable[0])
    valid = u_who >= 0
    busy = _day_masks(
        u_who[valid],
        np.maximum(data.unavailable[1][valid], origin),
        data.unavailable[2][valid],
        people,
        origin,
        words,
    )
    needed = _day_masks(
        np.arange(mission_count, dtype=np.int64),
        data.mission_start,
        data.mission_end,
        mission_count,
        origin,
        words,
    )

    def free(who: IntArray, missions: IntArray | int) -> BoolArray:
        clash = np.zeros(len(who), bool)
        for word in range(words):
            clash |= (busy[who, word] & needed[missions, word]) != 0
        return ~clash

    # The best level of each person in each role specialty's subtree (0: none).
    s_who, s_node = person(data.specialties[0]), tree.index(data.specialties[1])
    known = (s_who >= 0) & (s_node >= 0)
    s_who, s_node, s_level = s_who[known], s_node[known], data.specialties[2][known]
    role_node = tree.index(data.role_specialty)
    columns, role_column = np.unique(role_node, return_inverse=True)
    best = np.zeros((people, max(len(columns), 1)), np.int64)
    for column, node in enumerate(columns.tolist()):
        if node >= 0:
            under = tree.below[node, s_node]
            np.maximum.at(best[:, column], s_who[under], s_level[under])
    role_column = role_column.reshape(-1).astype(np.int64)
    minimum = data.role_minimum

    # Affiliated people, by organisation.
    a_who = person(data.affiliations[0])
    keep = a_who >= 0
    a_who, a_org = a_who[keep], data.affiliations[1][keep]
    order = np.argsort(a_org, kind="stable")
    a_who, a_org = a_who[order], a_org[order]
    roles_of_mission: list[list[int]] = [[] for _ in range(mission_count)]
    for role, mission in enumerate(data.role_mission.tolist()):
        roles_of_mission[mission].append(role)

    found_role, found_person, found_level = [], [], []
    for mission in range(mission_count):
        orgs = _int(sorted(set(data.mission_orgs[mission])))
        low = np.searchsorted(a_org, orgs, "left")
        high = np.searchsorted(a_org, orgs, "right")
        # Someone affiliated with two parties comes twice; the pairs are made unique at the end.
        pool = a_who[_ranges(low, high - low)]
        pool = pool[free(pool, mission)]
        if not len(pool):
            continue
        levels = best[pool]
        for role in roles_of_mission[mission]:
            level = levels[:, role_column[role]]
            hit = level >= max(int(minimum[role]), 1)
            found_role.append(np.full(int(hit.sum()), role, np.int64))
            found_person.append(pool[hit])
            found_level.append(level[hit])

    # Applicants and invitees, whatever their affiliation.
    role_index = _Index(np.sort(data.role_ids))
    role_sorter = np.argsort(data.role_ids, kind="stable")
    for table in (data.applications, data.invitations):
        wanted = table[2]
        at = role_index(table[0][wanted])
        who = person(table[1][wanted])
        keep = (at >= 0) & (who >= 0)
        asked = role_sorter[at[keep]].astype(np.int64)
        who = who[keep]
        level = best[who, role_column[asked]] if len(who) else np.zeros(0, np.int64)
        hit = (level >= np.maximum(minimum[asked], 1)) & free(who, data.role_mission[asked])
        found_role.append(asked[hit])
        found_person.append(who[hit])
        found_level.append(level[hit])

    pair_role = np.concatenate(found_role) if found_role else np.zeros(0, np.int64)
    pair_person = np.concatenate(found_person) if found_person else np.zeros(0, np.int64)
    pair_level = np.concatenate(found_level) if found_level else np.zeros(0, np.int64)
    key = pair_role * max(people, 1) + pair_person
    unique, first = np.unique(key, return_index=True)
    return unique // max(people, 1), unique % max(people, 1), pair_level[first].astype(np.int64)


def _keys(first: IntArray, second: IntArray, span: int) -> IntArray:
    return first.astype(np.int64) * max(span, 1) + second


def _evaluate(data: _Data) -> LoadedProblem:
    tolerance = settings.ASSIGNMENT_HANDOVER_TOLERANCE_DAYS
    people = len(data.person_ids)
    person = _Index(data.person_ids)
    tree = _Tree(data.specialty_ids, data.specialty_parent)
    role_count, mission_count = len(data.role_ids), len(data.mission_ids)
    role_index = _Index(np.sort(data.role_ids))
    role_sorter = np.argsort(data.role_ids, kind="stable")

    def roles_of(ids: IntArray) -> IntArray:
        found = role_index(ids)
        return np.where(found >= 0, role_sorter[np.maximum(found, 0)], -1)

    role, who, level = _pairs(data, tree, person)
    mission = data.role_mission[role]
    start, end = data.mission_start[mission], data.mission_end[mission]
    size = len(role)
    keep = np.ones(size, bool)

    # Closed applications, declined invitations, people on the mission already (or removed).
    pair_keys = _keys(role, who, people)
    for table in (data.applications, data.invitations):
        closed = table[3]
        at, by = roles_of(table[0][closed]), person(table[1][closed])
        valid = (at >= 0) & (by >= 0)
        keep &= ~np.isin(pair_keys, _keys(at[valid], by[valid], people))
    h_person, h_mission_id, h_active, h_live, h_start, h_end, h_partnership, h_site = data.assignments
    h_who = person(h_person)
    h_mission = _Index(data.mission_ids)(h_mission_id)
    on_batch = (h_who >= 0) & (h_mission >= 0)
    keep &= ~np.isin(_keys(mission, who, people), _keys(h_mission[on_batch], h_who[on_batch], people))

    # Languages: the role's required ones, and the site's for the score.
    language_ids = np.unique(
        np.concatenate(
            [
                _int([lang for _r, lang in data.role_languages]),
                _int([lang for found in data.site_languages.values() for lang in found]),
            ]
        )
    )
    language = _Index(language_ids)
    words = max((len(language_ids) + 63) // 64, 1)
    l_person, l_lang = person(data.languages[0]), language(data.languages[1])
    valid = (l_person >= 0) & (l_lang >= 0)
    spoken = _bitmasks(l_person[valid], l_lang[valid], people, words)
    r_role = roles_of(_int([r for r, _lang in data.role_languages]))
    r_lang = language(_int([lang for _r, lang in data.role_languages]))
    required = _bitmasks(r_role, r_lang, role_count, words)
    s_mission, s_lang = [], []
    for k, site_id in enumerate(data.mission_site.tolist()):
        for language_id in data.site_languages.get(site_id, []):
            s_mission.append(k)
            s_lang.append(language_id)
    site = _bitmasks(_int(s_mission), language(_int(s_lang)), mission_count, words)
    site_total = np.bitwise_count(site).sum(axis=1).astype(np.int64)
    shared = np.zeros(size, np.int64)
    for word in range(words):
        keep &= (required[role, word] & ~spoken[who, word]) == 0
        shared += np.bitwise_count(site[mission, word] & spoken[who, word]).astype(np.int64)

    # Credentials: per (type, country or "" for types any country issues) the last day each
    # person holds a verified one that still counts, then the country's rules and the extras.
    c_who = person(data.credentials[0])
    until: dict[tuple[int, int], IntArray] = {}
    host_types = {pk for pk, (_grace, host) in data.credential_types.items() if host}
    positions = {code: index for index, code in enumerate(sorted(set(data.mission_country)))}
    c_types, c_places, c_until = data.credentials[1], data.credentials[2], data.credentials[3]
    known = np.flatnonzero(c_who >= 0)
    keys = c_types[known] * (len(positions) + 1) + (c_places[known] + 1)
    order = known[np.argsort(keys, kind="stable")]
    sorted_keys = np.sort(keys, kind="stable")
    cuts = np.flatnonzero(np.diff(sorted_keys)) + 1
    for rows in np.split(order, cuts) if len(order) else []:
        best = np.full(people, _NEVER, np.int64)
        np.maximum.at(best, c_who[rows], c_until[rows])
        until[(int(c_types[rows[0]]), int(c_places[rows[0]]))] = best
    none = np.full(people, _NEVER, np.int64)

    def holds(type_id: int, country: str, subset: IntArray) -> BoolArray:
        table = until.get((type_id, positions[country] if type_id in host_types else -1), none)
        return table[who[subset]] >= end[subset]

    profession = tree.index(data.person_profession)
    s_who = person(data.specialties[0])
    s_node = tree.index(data.specialties[1])
    s_valid = (s_who >= 0) & (s_node >= 0)
    has_node: dict[int, BoolArray] = {}

    def holds_node(specialty_id: int) -> BoolArray:
        # The person holds (at any level) the specialty or one under it, or is of that profession.
        if specialty_id not in has_node:
            node = int(tree.index([specialty_id])[0])
            mask = np.zeros(people, bool)
            if node >= 0:
                under = tree.below[node]
                mask[s_who[s_valid & under[np.maximum(s_node, 0)]]] = True
                mask |= (profession >= 0) & under[np.maximum(profession, 0)]
            has_node[specialty_id] = mask
        return has_node[specialty_id]

    pair_country = np.array(data.mission_country, dtype=object)[mission] if size else np.zeros(0, object)
    country_codes = sorted(set(data.mission_country))
    extras_by_type: dict[int, list[int]] = {}
    for role_id, type_id in data.role_extras:
        extras_by_type.setdefault(type_id, []).append(role_id)
    for country in country_codes:
        subset = np.flatnonzero(pair_country == country)
        if not len(subset):
            continue
        applies: dict[int, BoolArray] = {}
        for specialty_id, type_id in data.country_rules.get(country, []):
            rule = (
                np.ones(len(subset), bool) if specialty_id is None else holds_node(specialty_id)[who[subset]]
            )
            applies[type_id] = applies.get(type_id, np.zeros(len(subset), bool)) | rule
        for type_id, role_ids in extras_by_type.items():
            wanted = np.zeros(role_count, bool)
            at = roles_of(_int(role_ids))
            wanted[at[at >= 0]] = True
            applies[type_id] = applies.get(type_id, np.zeros(len(subset), bool)) | wanted[role[subset]]
        for type_id, needed in applies.items():
            keep[subset[needed & ~holds(type_id, country, subset)]] = False

    # Courses: completed, and still valid on the last day for those that lapse.
    course_roles: dict[int, list[int]] = {}
    for role_id, course_id in data.role_courses:
        course_roles.setdefault(course_id, []).append(role_id)
    k_who = person(data.completions[0])
    for course_id, role_ids in course_roles.items():
        wanted = np.zeros(role_count, bool)
        at = roles_of(_int(role_ids))
        wanted[at[at >= 0]] = True
        rows = np.flatnonzero((data.completions[1] == course_id) & (k_who >= 0))
        latest = np.full(people, _NEVER, np.int64)
        np.maximum.at(latest, k_who[rows], data.completions[2][rows])
        days = data.course_validity.get(course_id, 0)
        valid_until = (
            np.where(latest == _NEVER, _NEVER, latest + days)
            if days
            else np.where(latest == _NEVER, _NEVER, _FOREVER)
        )
        subset = np.flatnonzero(wanted[role])
        keep[subset[valid_until[who[subset]] < end[subset]]] = False

    # Other assignments: a clash beyond the hand-over tolerance; continuity; first-timers.
    live = (h_who >= 0) & h_live
    held_any = np.zeros(people, bool)
    held_any[h_who[live]] = True
    serving = live & h_active
    history = _Grouped(h_who[serving], people)
    hs_mission, hs_start, hs_end = h_mission_id[serving], h_start[serving], h_end[serving]
    hs_partnership, hs_site = h_partnership[serving], h_site[serving]
    position, rows = history.expand(who)
    other = hs_mission[rows] != data.mission_ids[mission[position]]
    overlap = np.minimum(end[position], hs_end[rows]) - np.maximum(start[position], hs_start[rows]) + 1
    keep &= ~_any_by(position, other & (overlap > tolerance), size)
    earlier = other & (hs_start[rows] < start[position])
    served_partnership = _any_by(
        position, earlier & (hs_partnership[rows] == data.mission_partnership[mission[position]]), size
    )
    served_site = _any_by(position, earlier & (hs_site[rows] == data.mission_site[mission[position]]), size)

    eligible = np.flatnonzero(keep)
    role, who, level, mission = role[eligible], who[eligible], level[eligible], mission[eligible]
    shared, served_partnership, served_site = (
        shared[eligible],
        served_partnership[eligible],
        served_site[eligible],
    )
    size = len(role)

    # Interest and first-come order.
    pair_keys = _keys(role, who, people)
    interest = np.zeros(size, np.int64)
    arrived = np.zeros(size, np.float64)
    for code, table in (
        (INTEREST_CODE_INVITED, data.invitations),
        (INTEREST_CODE_APPLIED, data.applications),
    ):
        wanted = table[2]
        at, by = roles_of(table[0][wanted]), person(table[1][wanted])
        valid = (at >= 0) & (by >= 0)
        keys, stamps = _keys(at[valid], by[valid], people), table[4][wanted][valid]
        sorter = np.argsort(keys, kind="stable")
        if len(keys):
            position = np.minimum(np.searchsorted(keys, pair_keys, sorter=sorter), len(keys) - 1)
            found = keys[sorter[position]] == pair_keys
            interest[found] = code
            arrived[found] = stamps[sorter[position]][found]

    # Scores, component by component, as candidates._Scorer computes them.
    weights = {
        key: _int([weights.get(key, 0) for weights in data.mission_weights])[mission]
        for key in DEFAULT_WEIGHTS
    }
    interest_value = np.select(
        [interest == INTEREST_CODE_APPLIED, interest == INTEREST_CODE_INVITED],
        [INTEREST_APPLIED, INTEREST_INVITED],
        INTEREST_POOL,
    )
    total = site_total[mission]
    language_value = np.divide(shared, total, out=np.zeros(size, np.float64), where=total > 0)
    continuity_value = np.where(
        served_partnership, CONTINUITY_PARTNERSHIP, np.where(served_site, CONTINUITY_SITE, 0.0)
    )
    years = data.person_years[who]
    experience_value = np.where(
        years < 0, 0.0, np.minimum(years, EXPERIENCE_CAP_YEARS) / EXPERIENCE_CAP_YEARS
    )
    minimum = data.role_minimum[role]
    room = Proficiency.EXPERT - minimum
    proficiency_value = np.divide(
        np.maximum(level - minimum, 0), room, out=np.zeros(size, np.float64), where=room > 0
    )
    nationality = np.array(data.person_nationality, dtype=object)
    countries = np.array(data.mission_country, dtype=object)
    national = (
        (nationality[who] == countries[mission]) & (nationality[who] != "") if size else np.zeros(0, bool)
    )
    local_value = (data.role_local[role] & national).astype(np.float64)
    first_timer_value = (~held_any[who]).astype(np.float64)
    values = {
        "interest": interest_value,
        "language": language_value,
        "continuity": continuity_value,
        "experience": experience_value,
        "proficiency": proficiency_value,
        "local": local_value,
        "first_timer": first_timer_value,
    }
    components = {key: _points(weights[key], values[key]) for key in DEFAULT_WEIGHTS}
    scores = np.zeros(size, np.int64)
    for points in components.values():
        scores += points

    # First come, first served: applications by date, then invitations by date, then the pool
    # by person id; ties by person id, then by the role's place in the batch.
    person_ids = data.person_ids[who]
    order = np.lexsort((role, person_ids, arrived, -interest))
    trainee = data.person_trainee[who]
    columns = optimiser.CandidateColumns(
        person_ids=person_ids[order],
        role_ids=data.role_ids[role][order],
        scores=scores[order],
        is_trainee=trainee[order],
        can_supervise=~trainee[order],
    )

    pending = np.zeros(role_count, np.int64)
    at = roles_of(data.invitations[0][data.invitations[2]])
    np.add.at(pending, at[at >= 0], 1)
    places = np.maximum(data.role_needed - data.role_active - pending, 0)
    slots = []
    infos = {}
    for k in range(role_count):
        m = int(data.role_mission[k])
        starts_on, ends_on = data.mission_dates[m]
        role_id = int(data.role_ids[k])
        slots.append(
            optimiser.Slot(
                role_id=role_id,
                mission_id=int(data.mission_ids[m]),
                capacity=int(places[k]),
                starts_on=starts_on,
                ends_on=ends_on,
                needs_supervisor_for_trainees=bool(data.role_supervisor[k]),
            )
        )
        infos[role_id] = RoleInfo(
            role_id=role_id,
            mission_id=int(data.mission_ids[m]),
            title=data.role_titles[k],
            mission_title=data.mission_titles[m],
            people_needed=int(data.role_needed[k]),
            active=int(data.role_active[k]),
            pending_invitations=int(pending[k]),
            places_left=int(places[k]),
            starts_on=starts_on,
            ends_on=ends_on,
            weights=data.mission_weights[m],
        )
    return LoadedProblem(
        problem=optimiser.Problem(slots=slots, candidates=columns, tolerance_days=tolerance),
        components={key: points[order] for key, points in components.items()},
        interest=interest[order],
        needs_supervisor=(trainee & data.role_supervisor[role])[order],
        timings={},
        roles=infos,
    )


def _empty() -> LoadedProblem:
    return LoadedProblem(
        problem=optimiser.Problem(
            slots=[],
            candidates=optimiser.CandidateColumns.of([], [], []),
            tolerance_days=settings.ASSIGNMENT_HANDOVER_TOLERANCE_DAYS,
        ),
        components={key: np.zeros(0, np.int64) for key in DEFAULT_WEIGHTS},
        interest=np.zeros(0, np.int64),
        needs_supervisor=np.zeros(0, bool),
        timings={"load": 0.0, "candidates": 0.0},
        roles={},
    )


def load_problem(roles: Iterable[Role | int], *, today: datetime.date | None = None) -> LoadedProblem:
    """The optimiser's problem for ``roles`` (objects or ids; unknown ids are left out).

    One slot per role, in the order given: its places left (people needed, less the active
    assignments and the pending invitations, never below 0), the mission's dates, and whether
    trainees need a supervisor. The candidates are exactly the people ``suggestions_for_role``
    ranks as eligible, with the same scores, in first-come order: open applications to the role
    by date, then pending invitations by date, then the rest of the pool by person id (the order
    ``optimiser.greedy`` takes them in).

    ``today`` is accepted for symmetry with ``suggestions_for_role``: eligibility does not
    depend on it (lead times only decide near misses, which the optimiser does not see).
    Callers scope access themselves, as for ``suggestions_for_role``.
    """
    del today  # see the docstring
    role_ids = list(dict.fromkeys(role if isinstance(role, int) else role.pk for role in roles))
    began = time.perf_counter()
    data = _read(role_ids) if role_ids else None
    read = time.perf_counter()
    if data is None:
        loaded = _empty()
        loaded.timings["load"] = read - began
        return loaded
    loaded = _evaluate(data)
    loaded.timings = {"load": read - began, "candidates": time.perf_counter() - read}
    return loaded
