"""Volunteer profiles: the person, their affiliations, specialties, languages and availability.

Credentials live in credentials.py, country requirements in requirements.py.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_countries import countries

from medmissions.accounts.models import User
from medmissions.audit.services import log_action, snapshot
from medmissions.core.errors import Conflict, NotAllowed, ValidationFailed
from medmissions.core.models import Language
from medmissions.organizations.access import Capability, require
from medmissions.organizations.models import Organization
from medmissions.volunteers.access import require_edit
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
    if errors:
        raise ValidationFailed(next(iter(errors.values())), fields=errors)
    window = AvailabilityWindow.objects.create(
        person=person, kind=kind, starts_on=starts_on, ends_on=ends_on, note=(note or "").strip()
    )
    log_action(
        "volunteers.availability.created",
        actor=actor,
        obj=person,
        after={"kind": kind, "starts_on": starts_on, "ends_on": ends_on, "note": window.note},
    )
    return window


@transaction.atomic
def remove_availability(window: AvailabilityWindow, *, actor: User) -> None:
    require_edit(actor, window.person)
    log_action(
        "volunteers.availability.deleted",
        actor=actor,
        obj=window.person,
        before={"kind": window.kind, "starts_on": window.starts_on, "ends_on": window.ends_on},
    )
    window.delete()


@transaction.atomic
def share_with_organization(person: Person, *, actor: User, organization: Organization) -> Affiliation:
    """The person shares their profile (and credential documents) with an organisation for vetting."""
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
