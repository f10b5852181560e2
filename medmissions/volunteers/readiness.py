"""Readiness: does a person meet everything needed to serve in a country between two dates?

:func:`readiness` answers for one person, :func:`readiness_for_people` for many at once with a
fixed number of queries whatever the number of people (missions and matching evaluate tens of
thousands of candidates). Every requirement comes back met or unmet with a reason the person can
act on, e.g. "Host-country temporary licence (Kenya): expires 3 days before the mission ends".
"""

from __future__ import annotations

import contextvars
import datetime
import functools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language, gettext, ngettext
from django_countries import countries

from medmissions.volunteers.choices import AvailabilityKind, CredentialStatus, Proficiency
from medmissions.volunteers.models import (
    AvailabilityWindow,
    CountryRequirement,
    Credential,
    CredentialType,
    CredentialVerification,
    Person,
    PersonLanguage,
    PersonSpecialty,
    Specialty,
)
from medmissions.volunteers.status import credential_status


@functools.lru_cache(maxsize=512)
def _translated(message: str, language: str) -> str:
    return gettext(message)


# The language of the batch being evaluated, read once per call: Django's get_language() goes
# through a thread-local that costs more than the rest of a readiness check.
_BATCH_LANGUAGE: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "readiness_language", default=None
)


def _language() -> str:
    language = _BATCH_LANGUAGE.get()
    return language if language is not None else (get_language() or "")


def _(message: str) -> str:
    """gettext, memoised per language: a 100k-person batch asks for the same few dozen messages."""
    return _translated(message, _language())


@dataclass(frozen=True)
class RoleRequirements:
    """What a role adds to the country's rules: credentials, a specialty and languages."""

    credential_types: Sequence[CredentialType] = ()
    specialty: Specialty | None = None
    minimum_proficiency: int | None = None
    languages: Sequence[Any] = ()  # core.Language objects; "working" speaking level or better


@dataclass
class RequirementCheck:
    key: str  # stable machine name, e.g. "credential:host-temporary-licence"
    label: str
    met: bool
    reason: str
    due_by: datetime.date | None = None
    credential_id: int | None = None


@dataclass
class ReadinessResult:
    person_id: int
    checks: list[RequirementCheck] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return all(check.met for check in self.checks)

    @property
    def unmet(self) -> list[RequirementCheck]:
        return [check for check in self.checks if not check.met]


@dataclass(slots=True, frozen=True)
class _TypeRow:
    """A credential type's rules as plain data (model attribute access is slow in tight loops)."""

    pk: int
    slug: str
    grace_days: int
    issued_by_host_country: bool


@dataclass(slots=True)
class _CredentialRow:
    """The fields readiness needs of a credential, read as a tuple (model instances cost ~10x more
    to build, which dominates a 100k-person batch). Duck-types what status.credential_status reads."""

    pk: int
    person_id: int
    credential_type: _TypeRow
    country_code: str
    expires_on: datetime.date | None
    has_document: bool


@dataclass(slots=True, frozen=True)
class _VerificationRow:
    organization_id: int
    outcome: str


class SpecialtyTree:
    """The whole specialty tree in memory (a few dozen rows) to answer ancestor questions."""

    def __init__(self) -> None:
        self.parent: dict[int, int | None] = dict(Specialty.objects.values_list("pk", "parent_id"))

    @functools.cache  # noqa: B019 - one tree per batch call, discarded with it
    def ancestors_and_self(self, specialty_id: int | None) -> frozenset[int]:
        found: set[int] = set()
        while specialty_id is not None and specialty_id not in found:
            found.add(specialty_id)
            specialty_id = self.parent.get(specialty_id)
        return frozenset(found)


@functools.lru_cache(maxsize=4096)
def _day_cached(value: datetime.date, language: str) -> str:
    return date_format(value, "j F Y")


def _day(value: datetime.date | None) -> str:
    # Formatting dates is slow and a batch repeats the same few hundred dates.
    return _day_cached(value, _language()) if value is not None else "—"


def _country_name(code: str) -> str:
    return str(dict(countries).get(code, code))


def _credential_check(
    label: str,
    key: str,
    credential_type: _TypeRow,
    candidates: list[_CredentialRow],
    verifications: dict[int, list[_VerificationRow]],
    *,
    country: str,
    start: datetime.date,
    end: datetime.date,
    lead_days: int,
    today: datetime.date,
    organization_id: int | None,
) -> RequirementCheck:
    due_by = start - datetime.timedelta(days=lead_days)
    if credential_type.issued_by_host_country:
        candidates = [c for c in candidates if c.country_code == country]
    if not candidates:
        if lead_days and today > due_by:
            reason = ngettext(
                "Missing. It was needed by %(date)s (%(days)d day before arrival); ask the host whether it can still be obtained.",
                "Missing. It was needed by %(date)s (%(days)d days before arrival); ask the host whether it can still be obtained.",
                lead_days,
            ) % {"date": _day(due_by), "days": lead_days}
        elif lead_days:
            reason = ngettext(
                "Missing. Apply now: it is needed by %(date)s, %(days)d day before arrival.",
                "Missing. Apply now: it is needed by %(date)s, %(days)d days before arrival.",
                lead_days,
            ) % {"date": _day(due_by), "days": lead_days}
        else:
            reason = _("Missing. Add it to your profile with a copy of the document.")
        return RequirementCheck(key, label, False, reason, due_by=due_by)

    # Judge each candidate on the mission's last day (it must still count then) and on today
    # (verification and rejection); keep the most useful one to report.
    best: tuple[int, RequirementCheck] | None = None
    for credential in candidates:
        rows = verifications.get(credential.pk, [])
        now = credential_status(credential, on=today, verifications=rows, organization_id=organization_id)
        at_end = credential_status(credential, on=end, verifications=rows, organization_id=organization_id)
        if now.status == CredentialStatus.REJECTED:
            check = RequirementCheck(
                key,
                label,
                False,
                _("Rejected at verification; upload a corrected document."),
                due_by,
                credential.pk,
            )
            rank = 1
        elif now.status == CredentialStatus.UNVERIFIED and not credential.has_document:
            check = RequirementCheck(
                key,
                label,
                False,
                _("No document uploaded: add a copy so that it can be verified."),
                due_by,
                credential.pk,
            )
            rank = 2
        elif now.status == CredentialStatus.UNVERIFIED:
            check = RequirementCheck(
                key,
                label,
                False,
                _(
                    "Uploaded, but not yet verified. It counts once an organisation you share your profile with has checked it."
                ),
                due_by,
                credential.pk,
            )
            rank = 2
        elif not at_end.counts:
            last_day = at_end.counts_until or credential.expires_on
            if (
                last_day is not None
                and last_day < start
                and credential.expires_on is not None
                and credential.expires_on >= today
            ):
                reason = _("Expires on %(date)s, before the mission starts; renew it first.") % {
                    "date": _day(credential.expires_on)
                }
            elif last_day is not None and last_day < start:
                reason = _("Expired on %(date)s; renew it before the mission.") % {
                    "date": _day(credential.expires_on)
                }
            else:
                days = (end - last_day).days if last_day else 0
                reason = ngettext(
                    "Expires %(days)d day before the mission ends (%(date)s); renew it first.",
                    "Expires %(days)d days before the mission ends (%(date)s); renew it first.",
                    days,
                ) % {"days": days, "date": _day(credential.expires_on)}
            check = RequirementCheck(key, label, False, reason, due_by, credential.pk)
            rank = 3
        else:
            if credential.expires_on is None:
                reason = _("Valid and verified.")
            else:
                reason = _("Valid and verified until %(date)s.") % {"date": _day(credential.expires_on)}
            check = RequirementCheck(key, label, True, reason, due_by, credential.pk)
            rank = 4
        if best is None or rank > best[0]:
            best = (rank, check)
    assert best is not None
    return best[1]


def readiness_for_people(
    people: Iterable[Person] | Iterable[int],
    country: str,
    start: datetime.date,
    end: datetime.date,
    role_requirements: RoleRequirements | None = None,
    *,
    organization_id: int | None = None,
    today: datetime.date | None = None,
) -> dict[int, ReadinessResult]:
    """Readiness of many people at once, keyed by person id, in a fixed number of queries.

    Requirements: the country's rules for everyone and for each of the person's professions and
    specialties (a rule on "Medicine" applies to a surgeon), the role's extra credentials, its
    specialty and proficiency, its languages, and availability (no declared unavailability
    overlapping the dates). With ``organization_id`` only that organisation's verifications count.
    """
    person_ids = [p if isinstance(p, int) else p.pk for p in people]
    role = role_requirements or RoleRequirements()
    token = _BATCH_LANGUAGE.set(get_language() or "")
    try:
        results: dict[int, ReadinessResult] = {}
        # Chunks keep each IN list under the databases' bind-parameter limits (SQLite about 32k,
        # PostgreSQL 65k) and bound the memory held at once; each chunk costs the same few queries.
        for offset in range(0, len(person_ids), CHUNK_SIZE):
            chunk = person_ids[offset : offset + CHUNK_SIZE]
            results.update(_evaluate(chunk, country, start, end, role, organization_id, today))
        return results
    finally:
        _BATCH_LANGUAGE.reset(token)


CHUNK_SIZE = 5000


def _evaluate(
    person_ids: list[int],
    country: str,
    start: datetime.date,
    end: datetime.date,
    role: RoleRequirements,
    organization_id: int | None,
    today: datetime.date | None,
) -> dict[int, ReadinessResult]:
    today = today or timezone.localdate()
    tree = SpecialtyTree()

    people_by_id = {
        p.pk: p for p in Person.objects.filter(pk__in=person_ids).only("pk", "profession_id", "is_trainee")
    }
    # (specialty id, proficiency) per person
    specialties: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for person_id, specialty_id, proficiency in PersonSpecialty.objects.filter(
        person_id__in=person_ids
    ).values_list("person_id", "specialty_id", "proficiency"):
        specialties[person_id].append((specialty_id, proficiency))
    type_models = {credential_type.pk: credential_type for credential_type in CredentialType.objects.all()}
    types = {
        pk: _TypeRow(pk, model.slug, model.grace_days, model.issued_by_host_country)
        for pk, model in type_models.items()
    }
    credentials: dict[int, dict[int, list[_CredentialRow]]] = defaultdict(lambda: defaultdict(list))
    for pk, person_id, type_id, country_code, expires_on, document in Credential.objects.filter(
        person_id__in=person_ids
    ).values_list("pk", "person_id", "credential_type_id", "country", "expires_on", "document"):
        credentials[person_id][type_id].append(
            _CredentialRow(pk, person_id, types[type_id], country_code or "", expires_on, bool(document))
        )
    verifications: dict[int, list[_VerificationRow]] = defaultdict(list)
    for credential_id, verifier_id, outcome in CredentialVerification.objects.filter(
        credential__person_id__in=person_ids
    ).values_list("credential_id", "organization_id", "outcome"):
        verifications[credential_id].append(_VerificationRow(verifier_id, outcome))
    languages: dict[int, dict[int, PersonLanguage]] = defaultdict(dict)
    if role.languages:
        for language_row in PersonLanguage.objects.filter(person_id__in=person_ids):
            languages[language_row.person_id][language_row.language_id] = language_row
    unavailable: dict[int, list[AvailabilityWindow]] = defaultdict(list)
    for window in AvailabilityWindow.objects.filter(
        person_id__in=person_ids, kind=AvailabilityKind.UNAVAILABLE, starts_on__lte=end, ends_on__gte=start
    ):
        unavailable[window.person_id].append(window)
    # (specialty id or None, credential type id, lead days): plain tuples, read once per person.
    rules = list(
        CountryRequirement.objects.for_country(country).values_list(
            "specialty_id", "credential_type_id", "lead_time_days"
        )
    )
    country_name = _country_name(country)
    # Labels are translated once per batch, not once per person.
    type_labels = {
        pk: (
            _("%(credential)s (%(country)s)") % {"credential": credential_type, "country": country_name}
            if credential_type.issued_by_host_country
            else str(credential_type)
        )
        for pk, credential_type in type_models.items()
    }

    results: dict[int, ReadinessResult] = {}
    for person_id in person_ids:
        person = people_by_id.get(person_id)
        if person is None:
            continue
        result = ReadinessResult(person_id)
        own_nodes: set[int] = set()
        for specialty_id, _level in specialties[person_id]:
            own_nodes |= tree.ancestors_and_self(specialty_id)
        own_nodes |= tree.ancestors_and_self(person.profession_id)

        # Credentials: the country's rules that apply to this person, then the role's extras.
        wanted: dict[int, tuple[_TypeRow, int]] = {}
        for rule_specialty_id, rule_type_id, rule_lead_days in rules:
            if rule_specialty_id is None or rule_specialty_id in own_nodes:
                current = wanted.get(rule_type_id)
                if current is None or rule_lead_days > current[1]:
                    wanted[rule_type_id] = (types[rule_type_id], rule_lead_days)
        for extra_type in role.credential_types:
            wanted.setdefault(extra_type.pk, (types[extra_type.pk], 0))
        for credential_type, lead_days in sorted(wanted.values(), key=lambda item: type_labels[item[0].pk]):
            label = type_labels[credential_type.pk]
            result.checks.append(
                _credential_check(
                    label,
                    f"credential:{credential_type.slug}",
                    credential_type,
                    credentials[person_id].get(credential_type.pk, []),
                    verifications,
                    country=country,
                    start=start,
                    end=end,
                    lead_days=lead_days,
                    today=today,
                    organization_id=organization_id,
                )
            )

        if role.specialty is not None:
            minimum = role.minimum_proficiency or Proficiency.TRAINEE
            best_level = max(
                (
                    level
                    for specialty_id, level in specialties[person_id]
                    if role.specialty.pk in tree.ancestors_and_self(specialty_id)
                ),
                default=None,
            )
            label = _("Specialty: %(specialty)s") % {"specialty": role.specialty}
            if best_level is None:
                result.checks.append(RequirementCheck("specialty", label, False, _("Not in your profile.")))
            elif best_level < minimum:
                result.checks.append(
                    RequirementCheck(
                        "specialty",
                        label,
                        False,
                        _("Your level is %(level)s; the role needs %(minimum)s or above.")
                        % {"level": Proficiency(best_level).label, "minimum": Proficiency(minimum).label},
                    )
                )
            else:
                result.checks.append(
                    RequirementCheck(
                        "specialty",
                        label,
                        True,
                        _("In your profile at %(level)s.") % {"level": Proficiency(best_level).label},
                    )
                )

        for language in role.languages:
            spoken = languages[person_id].get(language.pk)
            label = _("Language: %(language)s") % {"language": language}
            if spoken is None or spoken.speaking < 2:
                result.checks.append(
                    RequirementCheck(
                        f"language:{language.code}",
                        label,
                        False,
                        _("Working speaking level or better needed."),
                    )
                )
            else:
                result.checks.append(
                    RequirementCheck(
                        f"language:{language.code}",
                        label,
                        True,
                        _("Spoken at %(level)s level.") % {"level": spoken.get_speaking_display()},
                    )
                )

        clashes = unavailable[person_id]
        if clashes:
            window = clashes[0]
            result.checks.append(
                RequirementCheck(
                    "availability",
                    _("Availability"),
                    False,
                    _("You marked yourself unavailable from %(start)s to %(end)s.")
                    % {"start": _day(window.starts_on), "end": _day(window.ends_on)},
                )
            )
        else:
            result.checks.append(
                RequirementCheck(
                    "availability", _("Availability"), True, _("No unavailability declared for these dates.")
                )
            )
        results[person_id] = result
    return results


def readiness(
    person: Person,
    country: str,
    start: datetime.date,
    end: datetime.date,
    role_requirements: RoleRequirements | None = None,
    *,
    organization_id: int | None = None,
    today: datetime.date | None = None,
) -> ReadinessResult:
    """Readiness of one person; see :func:`readiness_for_people`."""
    return readiness_for_people(
        [person.pk], country, start, end, role_requirements, organization_id=organization_id, today=today
    )[person.pk]
