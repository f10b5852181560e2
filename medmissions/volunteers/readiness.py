"""Readiness: does a person meet everything needed to serve in a country between two dates?

:func:`readiness` answers for one person, :func:`readiness_for_people` for many at once with a
fixed number of queries whatever the number of people (missions and matching evaluate tens of
thousands of candidates). Every requirement comes back met or unmet with a reason the person can
act on, e.g. "Host-country temporary licence (Kenya): expires 3 days before the mission ends".
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
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


class _SpecialtyTree:
    """The whole specialty tree in memory (a few dozen rows) to answer ancestor questions."""

    def __init__(self) -> None:
        self.parent: dict[int, int | None] = dict(Specialty.objects.values_list("pk", "parent_id"))

    def ancestors_and_self(self, specialty_id: int | None) -> set[int]:
        found: set[int] = set()
        while specialty_id is not None and specialty_id not in found:
            found.add(specialty_id)
            specialty_id = self.parent.get(specialty_id)
        return found


def _day(value: datetime.date | None) -> str:
    return date_format(value, "j F Y") if value is not None else "—"


def _country_name(code: str) -> str:
    return str(dict(countries).get(code, code))


def _credential_check(
    label: str,
    key: str,
    credential_type: CredentialType,
    candidates: list[Credential],
    verifications: dict[int, list[CredentialVerification]],
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
        candidates = [c for c in candidates if c.country.code == country]
    if not candidates:
        if lead_days and today > due_by:
            reason = _(
                "Missing. It was needed by %(date)s (%(days)d days before arrival); ask the host whether it can still be obtained."
            ) % {
                "date": _day(due_by),
                "days": lead_days,
            }
        elif lead_days:
            reason = _("Missing. Apply now: it is needed by %(date)s, %(days)d days before arrival.") % {
                "date": _day(due_by),
                "days": lead_days,
            }
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
        elif now.status == CredentialStatus.UNVERIFIED:
            check = RequirementCheck(
                key,
                label,
                False,
                _("Uploaded, but not yet verified. Vetting admins have been asked to check it."),
                due_by,
                credential.pk,
            )
            rank = 2
        elif not at_end.counts:
            last_day = at_end.counts_until or credential.expires_on
            if last_day is not None and last_day < start:
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
    role = role_requirements or RoleRequirements()
    today = today or timezone.localdate()
    person_ids = [p if isinstance(p, int) else p.pk for p in people]
    tree = _SpecialtyTree()

    people_by_id = {
        p.pk: p for p in Person.objects.filter(pk__in=person_ids).only("pk", "profession_id", "is_trainee")
    }
    specialties: dict[int, list[PersonSpecialty]] = defaultdict(list)
    for specialty_row in PersonSpecialty.objects.filter(person_id__in=person_ids):
        specialties[specialty_row.person_id].append(specialty_row)
    credentials: dict[int, dict[int, list[Credential]]] = defaultdict(lambda: defaultdict(list))
    credential_ids = []
    for credential in Credential.objects.filter(person_id__in=person_ids).select_related("credential_type"):
        credentials[credential.person_id][credential.credential_type_id].append(credential)
        credential_ids.append(credential.pk)
    verifications: dict[int, list[CredentialVerification]] = defaultdict(list)
    for verification in CredentialVerification.objects.filter(credential__person_id__in=person_ids):
        verifications[verification.credential_id].append(verification)
    languages: dict[int, dict[int, PersonLanguage]] = defaultdict(dict)
    if role.languages:
        for language_row in PersonLanguage.objects.filter(person_id__in=person_ids):
            languages[language_row.person_id][language_row.language_id] = language_row
    unavailable: dict[int, list[AvailabilityWindow]] = defaultdict(list)
    for window in AvailabilityWindow.objects.filter(
        person_id__in=person_ids, kind=AvailabilityKind.UNAVAILABLE, starts_on__lte=end, ends_on__gte=start
    ):
        unavailable[window.person_id].append(window)
    rules = list(
        CountryRequirement.objects.for_country(country).select_related("credential_type", "specialty")
    )
    country_name = _country_name(country)

    results: dict[int, ReadinessResult] = {}
    for person_id in person_ids:
        person = people_by_id.get(person_id)
        if person is None:
            continue
        result = ReadinessResult(person_id)
        own_nodes: set[int] = set()
        for held in specialties[person_id]:
            own_nodes |= tree.ancestors_and_self(held.specialty_id)
        own_nodes |= tree.ancestors_and_self(person.profession_id)

        # Credentials: the country's rules that apply to this person, then the role's extras.
        wanted: dict[int, tuple[CredentialType, int]] = {}
        for rule in rules:
            if rule.specialty_id is None or rule.specialty_id in own_nodes:
                current = wanted.get(rule.credential_type_id)
                if current is None or rule.lead_time_days > current[1]:
                    wanted[rule.credential_type_id] = (rule.credential_type, rule.lead_time_days)
        for credential_type in role.credential_types:
            wanted.setdefault(credential_type.pk, (credential_type, 0))
        for credential_type, lead_days in sorted(wanted.values(), key=lambda item: str(item[0])):
            label = str(credential_type)
            if credential_type.issued_by_host_country:
                label = _("%(credential)s (%(country)s)") % {"credential": label, "country": country_name}
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
            matching = [
                row
                for row in specialties[person_id]
                if role.specialty.pk in tree.ancestors_and_self(row.specialty_id)
            ]
            best_level = max((row.proficiency for row in matching), default=None)
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
