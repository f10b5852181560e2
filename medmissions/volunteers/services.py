"""Volunteer profiles: the person, their affiliations, specialties, languages and availability.

Credentials live in credentials.py, country requirements in requirements.py.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django_countries import countries

from medmissions.accounts.models import User
from medmissions.audit.services import log_action, snapshot
from medmissions.core.errors import Conflict, NotAllowed, ValidationFailed
from medmissions.core.models import Language
from medmissions.organizations.access import Capability, access_for, require
from medmissions.organizations.models import Organization
from medmissions.volunteers.access import is_owner, require_edit
from medmissions.volunteers.choices import (
    AffiliationKind,
    AvailabilityKind,
    LanguageLevel,
    Proficiency,
    ProfileVisibility,
)
from medmissions.volunteers.models import (
    Affiliation,
    AvailabilityWindow,
    Person,
    PersonLanguage,
    PersonSpecialty,
    Specialty,
)

PROFILE_FIELDS = [
    "full_name",
    "email",
    "phone",
    "date_of_birth",
    "nationality",
    "profession",
    "years_of_experience",
    "is_trainee",
    "home_employer",
    "employer_leave_approved",
    "emergency_contact_name",
    "emergency_contact_relationship",
    "emergency_contact_phone",
    "emergency_contact_email",
    "visibility",
]


def _clean_profile(data: dict[str, Any]) -> dict[str, Any]:
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    errors: dict[str, str] = {}
    cleaned = {name: data[name] for name in PROFILE_FIELDS if name in data}
    for name, value in list(cleaned.items()):
        if isinstance(value, str):
            cleaned[name] = value.strip()
        elif value is None and name not in ("date_of_birth", "profession", "years_of_experience"):
            cleaned[name] = "" if name not in ("is_trainee", "employer_leave_approved") else False
    if "full_name" in cleaned and not cleaned["full_name"]:
        errors["full_name"] = _("Enter the person's full name.")
    for name, value in cleaned.items():
        # The API can send anything; PostgreSQL would refuse an over-long value with an error 500.
        limit = getattr(Person._meta.get_field(name), "max_length", None)
        if limit and isinstance(value, str) and len(value) > limit:
            errors[name] = _("Use at most %(limit)d characters.") % {"limit": limit}
    for name in ("email", "emergency_contact_email"):
        if cleaned.get(name):
            try:
                validate_email(cleaned[name])
            except ValidationError:
                errors[name] = _("Enter a valid email address.")
            else:
                cleaned[name] = cleaned[name].lower() if name == "email" else cleaned[name]
    if cleaned.get("nationality") and str(cleaned["nationality"]) not in dict(countries):
        errors["nationality"] = _("Choose a country.")
    birth = cleaned.get("date_of_birth")
    if birth is not None:
        if not isinstance(birth, datetime.date):
            errors["date_of_birth"] = _("Enter a valid date.")
        elif birth >= timezone.localdate() or birth.year < 1900:
            errors["date_of_birth"] = _("Enter a real date of birth.")
    profession = cleaned.get("profession")
    if profession is not None and (not isinstance(profession, Specialty) or profession.parent_id is not None):
        errors["profession"] = _("Choose a profession from the list.")
    years = cleaned.get("years_of_experience")
    if years is not None and (not isinstance(years, int) or not 0 <= years <= 70):
        errors["years_of_experience"] = _("Enter a number of years between 0 and 70.")
    if "visibility" in cleaned and cleaned["visibility"] not in ProfileVisibility.values:
        errors["visibility"] = _("Choose who can see the profile.")
    if errors:
        raise ValidationFailed(_("Please correct the highlighted fields."), fields=errors)
    return cleaned


@transaction.atomic
def get_or_create_own_person(user: User) -> Person:
    """The signed-in person's profile, created on first use.

    A profile an organisation registered earlier under the same (verified) email address is
    claimed instead of duplicated.
    """
    existing = Person.objects.filter(user=user).first()
    if existing is not None:
        return existing
    unclaimed = (
        Person.objects.active()
        .select_for_update()
        .filter(user__isnull=True, email__iexact=user.email)
        .first()
        if user.email_verified
        else None
    )
    if unclaimed is not None:
        unclaimed.user = user
        unclaimed.save(update_fields=["user", "updated_at"])
        log_action("volunteers.person.claimed", actor=user, obj=unclaimed, data={"email": user.email})
        return unclaimed
    person = Person.objects.create(user=user, full_name=user.full_name, email=user.email, created_by=user)
    log_action(
        "volunteers.person.created", actor=user, obj=person, after=snapshot(person, ["full_name", "email"])
    )
    return person


@transaction.atomic
def register_person(organization: Organization, *, actor: User, data: dict[str, Any]) -> Person:
    """An organisation registers someone who has no account (e.g. a local health worker)."""
    require(actor, organization, Capability.VET_VOLUNTEERS)
    cleaned = _clean_profile(data)
    if not cleaned.get("full_name"):
        raise ValidationFailed(
            _("Enter the person's full name."), fields={"full_name": _("Enter the person's full name.")}
        )
    person = Person.objects.create(created_by=actor, **cleaned)
    Affiliation.objects.create(person=person, organization=organization, kind=AffiliationKind.HOME)
    log_action(
        "volunteers.person.registered",
        actor=actor,
        organization=organization,
        obj=person,
        after=snapshot(person, PROFILE_FIELDS),
    )
    return person


@transaction.atomic
def update_profile(person: Person, *, actor: User, data: dict[str, Any]) -> Person:
    require_edit(actor, person)
    cleaned = _clean_profile(data)
    if person.user_id and "email" in cleaned and cleaned["email"] != person.email:
        # The sign-in address is the account's; the profile follows it.
        cleaned["email"] = person.email
    before = snapshot(person, PROFILE_FIELDS)
    for name, value in cleaned.items():
        setattr(person, name, value)
    person.save()
    log_action(
        "volunteers.person.updated",
        actor=actor,
        obj=person,
        before=before,
        after=snapshot(person, PROFILE_FIELDS),
    )
    return person


@transaction.atomic
def set_specialties(
    person: Person, *, actor: User, entries: list[tuple[Specialty, int]]
) -> list[PersonSpecialty]:
    """Replace the person's specialties with ``(specialty, proficiency)`` pairs."""
    require_edit(actor, person)
    seen: set[int] = set()
    for specialty, proficiency in entries:
        if proficiency not in Proficiency.values:
            raise ValidationFailed(
                _("Choose a proficiency level for %(specialty)s.") % {"specialty": specialty},
                fields={"specialties": str(specialty)},
            )
        if specialty.pk in seen:
            raise ValidationFailed(
                _("%(specialty)s is listed twice.") % {"specialty": specialty},
                fields={"specialties": str(specialty)},
            )
        seen.add(specialty.pk)
    before = {
        "specialties": sorted(
            f"{row.specialty.slug}:{row.proficiency}"
            for row in person.specialties.select_related("specialty")
        )
    }
    person.specialties.all().delete()
    rows = PersonSpecialty.objects.bulk_create(
        [
            PersonSpecialty(person=person, specialty=specialty, proficiency=level)
            for specialty, level in entries
        ]
    )
    log_action(
        "volunteers.person.specialties_set",
        actor=actor,
        obj=person,
        before=before,
        after={"specialties": sorted(f"{specialty.slug}:{level}" for specialty, level in entries)},
    )
    return rows


@transaction.atomic
def set_languages(
    person: Person, *, actor: User, entries: list[tuple[Language, int, int, int]]
) -> list[PersonLanguage]:
    """Replace the person's languages with ``(language, speaking, reading, writing)`` levels."""
    require_edit(actor, person)
    seen: set[int] = set()
    for language, *levels in entries:
        if any(level not in LanguageLevel.values for level in levels):
            raise ValidationFailed(
                _("Choose levels for %(language)s.") % {"language": language},
                fields={"languages": str(language)},
            )
        if language.pk in seen:
            raise ValidationFailed(
                _("%(language)s is listed twice.") % {"language": language},
                fields={"languages": str(language)},
            )
        seen.add(language.pk)
    before = {
        "languages": sorted(
            f"{row.language.code}:{row.speaking}{row.reading}{row.writing}"
            for row in person.languages.select_related("language")
        )
    }
    person.languages.all().delete()
    rows = PersonLanguage.objects.bulk_create(
        [
            PersonLanguage(
                person=person, language=language, speaking=speaking, reading=reading, writing=writing
            )
            for language, speaking, reading, writing in entries
        ]
    )
    log_action(
        "volunteers.person.languages_set",
        actor=actor,
        obj=person,
        before=before,
        after={"languages": sorted(f"{language.code}:{s}{r}{w}" for language, s, r, w in entries)},
    )
    return rows


@transaction.atomic
def add_availability(
    person: Person,
    *,
    actor: User,
    kind: str,
    starts_on: datetime.date,
    ends_on: datetime.date,
    note: str = "",
) -> AvailabilityWindow:
    require_edit(actor, person)
    errors = {}
    if kind not in AvailabilityKind.values:
        errors["kind"] = _("Choose available or unavailable.")
    if not isinstance(starts_on, datetime.date):
        errors["starts_on"] = _("Enter a valid date.")
    if not isinstance(ends_on, datetime.date):
        errors["ends_on"] = _("Enter a valid date.")
    elif isinstance(starts_on, datetime.date) and ends_on < starts_on:
        errors["ends_on"] = _("The end is before the start.")
    if len((note or "").strip()) > 200:
        errors["note"] = _("Use at most %(limit)d characters.") % {"limit": 200}
    if errors:
        raise ValidationFailed(next(iter(errors.values())), fields=errors)
    window = AvailabilityWindow.objects.create(
        person=person, kind=kind, starts_on=starts_on, ends_on=ends_on, note=(note or "").strip()
    )
    log_action(
        "volunteers.availability.created",
        actor=actor,
        obj=person,
        after={
            "kind": kind,
            "starts_on": starts_on.isoformat(),
            "ends_on": ends_on.isoformat(),
            "note": window.note,
        },
    )
    return window


@transaction.atomic
def remove_availability(window: AvailabilityWindow, *, actor: User) -> None:
    require_edit(actor, window.person)
    log_action(
        "volunteers.availability.deleted",
        actor=actor,
        obj=window.person,
        before={
            "kind": window.kind,
            "starts_on": window.starts_on.isoformat(),
            "ends_on": window.ends_on.isoformat(),
        },
    )
    window.delete()


def _require_open(person: Person) -> None:
    if person.erased_at is not None or person.merged_into_id is not None:
        raise NotAllowed(_("This profile was erased or merged and cannot change."), code="profile_closed")


@transaction.atomic
def share_with_organization(person: Person, *, actor: User, organization: Organization) -> Affiliation:
    """The person shares their profile (and credential documents) with an organisation for vetting."""
    _require_open(person)
    if person.user_id != actor.pk:
        raise NotAllowed(_("Only the person themself can share their profile."), code="not_profile_owner")
    if person.affiliations.filter(organization=organization).exists():
        raise Conflict(
            _("%(organization)s can already see your profile.") % {"organization": organization},
            code="already_shared",
        )
    try:
        with transaction.atomic():
            affiliation = Affiliation.objects.create(
                person=person, organization=organization, kind=AffiliationKind.VETTING
            )
    except IntegrityError as error:
        raise Conflict(
            _("%(organization)s can already see your profile.") % {"organization": organization},
            code="already_shared",
        ) from error
    log_action(
        "volunteers.person.shared",
        actor=actor,
        organization=organization,
        obj=person,
        data={"organization": organization.pk},
    )
    return affiliation


@transaction.atomic
def add_home_organization(person: Person, *, actor: User, organization: Organization) -> Affiliation:
    """The person names an organisation they belong to; its vetting admins then see the profile."""
    _require_open(person)
    if person.user_id != actor.pk:
        raise NotAllowed(
            _("Only the person themself can change their home organisations."), code="not_profile_owner"
        )
    affiliation, created = Affiliation.objects.get_or_create(
        person=person, organization=organization, kind=AffiliationKind.HOME
    )
    if not created:
        raise Conflict(
            _("%(organization)s is already one of your home organisations.") % {"organization": organization},
            code="already_home",
        )
    log_action(
        "volunteers.affiliation.created",
        actor=actor,
        organization=organization,
        obj=person,
        data={"kind": AffiliationKind.HOME},
    )
    return affiliation


@transaction.atomic
def remove_affiliation(affiliation: Affiliation, *, actor: User) -> None:
    """The person withdraws an organisation's access to their profile."""
    if affiliation.person.user_id != actor.pk:
        raise NotAllowed(
            _("Only the person themself can withdraw access to their profile."), code="not_profile_owner"
        )
    log_action(
        "volunteers.affiliation.deleted",
        actor=actor,
        organization=affiliation.organization,
        obj=affiliation.person,
        data={"organization": affiliation.organization_id, "kind": affiliation.kind},
    )
    affiliation.delete()


# Reading helpers shared by the profile pages and the API ----------------------------------------


@dataclass(frozen=True)
class SpecialtyNode:
    """A node of the specialty tree with its full path, e.g. "Medicine › Surgery › General surgery"."""

    specialty: Specialty
    path: str
    depth: int


def specialty_tree() -> list[SpecialtyNode]:
    """Every profession and specialty, depth first, siblings by their (translated) name."""
    children: dict[int | None, list[Specialty]] = defaultdict(list)
    for node in Specialty.objects.all():
        children[node.parent_id].append(node)
    ordered: list[SpecialtyNode] = []

    def walk(parent_id: int | None, prefix: str, depth: int) -> None:
        for node in sorted(children.get(parent_id, []), key=lambda item: str(item).casefold()):
            path = f"{prefix} › {node}" if prefix else str(node)
            ordered.append(SpecialtyNode(node, path, depth))
            walk(node.pk, path, depth + 1)

    walk(None, "", 0)
    return ordered


def specialty_subtree_ids(specialty: Specialty) -> set[int]:
    """The node and every node below it (a search for "Surgery" finds general surgeons)."""
    children: dict[int | None, list[int]] = defaultdict(list)
    for pk, parent_id in Specialty.objects.values_list("pk", "parent_id"):
        children[parent_id].append(pk)
    found: set[int] = set()
    pending = [specialty.pk]
    while pending:
        pk = pending.pop()
        if pk not in found:
            found.add(pk)
            pending.extend(children.get(pk, []))
    return found


def filter_people(
    people: QuerySet[Person],
    *,
    q: str = "",
    specialty: Specialty | None = None,
    language: Language | None = None,
    trainee: bool | None = None,
    organization: Organization | None = None,
    kind: str = "",
) -> QuerySet[Person]:
    """Narrow a list of people; the people pages and the API share it.

    ``specialty`` matches the profession or a specialty at or below the node; ``kind`` (home or
    vetting) applies to the affiliation with ``organization``, or to any affiliation without it.
    """
    q = (q or "").strip()
    if q:
        people = people.filter(Q(full_name__icontains=q) | Q(email__icontains=q))
    if specialty is not None:
        nodes = specialty_subtree_ids(specialty)
        people = people.filter(
            Q(profession_id__in=nodes)
            | Q(pk__in=PersonSpecialty.objects.filter(specialty_id__in=nodes).values("person_id"))
        )
    if language is not None:
        people = people.filter(pk__in=PersonLanguage.objects.filter(language=language).values("person_id"))
    if trainee is not None:
        people = people.filter(is_trainee=trainee)
    if organization is not None or kind:
        affiliations = Affiliation.objects.all()
        if organization is not None:
            affiliations = affiliations.filter(organization=organization)
        if kind:
            affiliations = affiliations.filter(kind=kind)
        people = people.filter(pk__in=affiliations.values("person_id"))
    return people


def sees_personal_details(user: Any, person: Person) -> bool:
    """Contact details, date of birth and emergency contact: the person and the organisations they
    are affiliated with. Partners who see a profile through its visibility setting see only the
    professional part (profession, specialties, languages, availability, organisations)."""
    if is_owner(user, person):
        return True
    mine = access_for(user).organization_ids()
    # Reads the prefetched affiliations when the caller loaded them (lists of people).
    return bool(mine) and any(row.organization_id in mine for row in person.affiliations.all())


def affiliations_seen_by(user: Any, person: Person) -> list[Affiliation]:
    """The person's home organisations, and the organisations they shared their profile with that
    are ``user``'s own; the person sees all of theirs."""
    rows = list(person.affiliations.all())
    if is_owner(user, person):
        return rows
    mine = access_for(user).organization_ids()
    return [row for row in rows if row.kind == AffiliationKind.HOME or row.organization_id in mine]


@dataclass(frozen=True)
class ChecklistItem:
    key: str
    label: str
    step: str  # the wizard step that fills it in ("" when it is done elsewhere)
    done: bool


def completion_checklist(person: Person, *, today: datetime.date | None = None) -> list[ChecklistItem]:
    """What a complete profile has, each item done or still missing."""
    today = today or timezone.localdate()
    items = [
        ChecklistItem("phone", _("Phone number"), "basics", bool(person.phone)),
        ChecklistItem("nationality", _("Nationality"), "basics", bool(person.nationality)),
        ChecklistItem("date_of_birth", _("Date of birth"), "basics", person.date_of_birth is not None),
        ChecklistItem("profession", _("Profession"), "specialties", person.profession_id is not None),
        ChecklistItem(
            "specialties",
            _("At least one specialty, with its proficiency"),
            "specialties",
            person.specialties.exists(),
        ),
        ChecklistItem(
            "languages",
            _("Languages, with speaking, reading and writing levels"),
            "languages",
            person.languages.exists(),
        ),
        ChecklistItem(
            "availability",
            _("Dates of availability ahead"),
            "availability",
            person.availability.filter(kind=AvailabilityKind.AVAILABLE, ends_on__gte=today).exists(),
        ),
        ChecklistItem("home_employer", _("Home employer"), "employer", bool(person.home_employer)),
    ]
    if person.home_employer:
        items.append(
            ChecklistItem(
                "employer_leave_approved",
                _("Employer's approval of leave"),
                "employer",
                person.employer_leave_approved,
            )
        )
    items += [
        ChecklistItem(
            "emergency_contact",
            _("An emergency contact with a phone number"),
            "employer",
            bool(person.emergency_contact_name and person.emergency_contact_phone),
        ),
        ChecklistItem(
            "organizations",
            _("A home organisation, or one the profile is shared with for vetting"),
            "visibility",
            person.affiliations.exists(),
        ),
        ChecklistItem("credentials", _("At least one credential"), "", person.credentials.exists()),
    ]
    return items
