"""API: volunteer profiles (/people). ROUTES lists (prefix, router, tags) for medmissions/api.py to mount.

The same services as the HTML pages: people see their own profile, and the profiles of people
affiliated with their organisations (or shared with partners); only the person, or a home
organisation's vetting admins for a profile nobody has claimed, change one.
"""

import datetime
from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django_countries import countries
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from medmissions.core.errors import ValidationFailed
from medmissions.core.models import Language
from medmissions.lib.pagination import MappedQuerySet
from medmissions.missions import discovery
from medmissions.organizations.access import Capability, get_visible_or_404
from medmissions.organizations.api import _member_organization
from medmissions.organizations.models import Organization, ValueTag
from medmissions.volunteers import services
from medmissions.volunteers.access import is_owner
from medmissions.volunteers.choices import AffiliationKind
from medmissions.volunteers.models import Affiliation, AvailabilityWindow, Person, Specialty
from medmissions.volunteers.readiness import readiness

router = Router()

PERSONAL_FIELDS = [
    "email",
    "phone",
    "date_of_birth",
    "home_employer",
    "employer_leave_approved",
    "emergency_contact_name",
    "emergency_contact_relationship",
    "emergency_contact_phone",
    "emergency_contact_email",
]


# Schemas -----------------------------------------------------------------------------------------


class SpecialtyOut(Schema):
    specialty: str = Field(..., description="Code (slug) of the specialty")
    name: str = Field(..., description='Full path, e.g. "Medicine › Surgery › General surgery"')
    proficiency: int = Field(..., description="1 trainee, 2 competent, 3 experienced, 4 expert")


class LanguageOut(Schema):
    language: str = Field(..., description="ISO 639 code")
    name: str
    speaking: int
    reading: int
    writing: int


class AvailabilityOut(Schema):
    id: int
    kind: str
    starts_on: datetime.date
    ends_on: datetime.date
    note: str


class AffiliationOut(Schema):
    id: int
    organization: str = Field(..., description="Organisation slug")
    organization_name: str
    kind: str
    created_at: datetime.datetime


class PersonOut(Schema):
    id: int
    full_name: str
    has_account: bool
    closed: bool = Field(..., description="Erased or merged: the profile no longer changes")
    personal_details: bool = Field(
        ..., description="False when you see the profile as a partner: contact details are then null"
    )
    email: str | None
    phone: str | None
    date_of_birth: datetime.date | None
    nationality: str
    profession: str | None = Field(..., description="Code (slug) of a top-level profession")
    years_of_experience: int | None
    is_trainee: bool
    home_employer: str | None
    employer_leave_approved: bool | None
    emergency_contact_name: str | None
    emergency_contact_relationship: str | None
    emergency_contact_phone: str | None
    emergency_contact_email: str | None
    visibility: str
    specialties: list[SpecialtyOut]
    languages: list[LanguageOut]
    availability: list[AvailabilityOut]
    affiliations: list[AffiliationOut]
    value_tags: list[str] | None = Field(
        None, description="Codes of the values that matter to the person; only for the person themself"
    )


def _affiliation_out(affiliation: Affiliation) -> dict[str, Any]:
    return {
        "id": affiliation.pk,
        "organization": affiliation.organization.slug,
        "organization_name": affiliation.organization.name,
        "kind": affiliation.kind,
        "created_at": affiliation.created_at,
    }


def _window_out(window: AvailabilityWindow) -> dict[str, Any]:
    return {
        "id": window.pk,
        "kind": window.kind,
        "starts_on": window.starts_on,
        "ends_on": window.ends_on,
        "note": window.note,
    }


def _person_out(person: Person, user: Any, paths: dict[int, str]) -> dict[str, Any]:
    personal = services.sees_personal_details(user, person)
    out: dict[str, Any] = {
        "id": person.pk,
        "full_name": person.full_name,
        "has_account": person.user_id is not None,
        "closed": person.erased_at is not None or person.merged_into_id is not None,
        "personal_details": personal,
        "nationality": person.nationality.code or "",
        "profession": person.profession.slug if person.profession else None,
        "years_of_experience": person.years_of_experience,
        "is_trainee": person.is_trainee,
        "visibility": person.visibility,
        "specialties": [
            {
                "specialty": row.specialty.slug,
                "name": paths.get(row.specialty_id, str(row.specialty)),
                "proficiency": row.proficiency,
            }
            for row in person.specialties.all()
        ],
        "languages": [
            {
                "language": row.language.code,
                "name": str(row.language),
                "speaking": row.speaking,
                "reading": row.reading,
                "writing": row.writing,
            }
            for row in person.languages.all()
        ],
        "availability": [_window_out(window) for window in person.availability.all()],
        "affiliations": [_affiliation_out(row) for row in services.affiliations_seen_by(user, person)],
        # Values can reveal beliefs ("faith-based"): only the person sees their own.
        "value_tags": [tag.slug for tag in person.value_tags.all()] if is_owner(user, person) else None,
    }
    for name in PERSONAL_FIELDS:
        out[name] = getattr(person, name) if personal else None
    return out


def _loaded(queryset):
    return queryset.select_related("profession").prefetch_related(
        "specialties__specialty",
        "languages__language",
        "availability",
        "affiliations__organization",
        "value_tags",
    )


def _paths() -> dict[int, str]:
    return {node.specialty.pk: node.path for node in services.specialty_tree()}


def _out(request, person: Person) -> dict[str, Any]:
    return _person_out(_loaded(Person.objects.all()).get(pk=person.pk), request.user, _paths())


def _visible(request, person_id: int) -> Person:
    return get_visible_or_404(Person, request.user, pk=person_id)


class PersonFields(Schema):
    full_name: str | None = Field(None, max_length=150)
    email: str | None = Field(None, max_length=254, description="Only for profiles nobody has claimed")
    phone: str | None = Field(None, max_length=40)
    date_of_birth: datetime.date | None = None
    nationality: str | None = Field(None, max_length=2, description="ISO 3166 country code")
    profession: str | None = Field(None, description="Code (slug) of a top-level profession")
    years_of_experience: int | None = None
    is_trainee: bool | None = None
    home_employer: str | None = Field(None, max_length=200)
    employer_leave_approved: bool | None = None
    emergency_contact_name: str | None = Field(None, max_length=150)
    emergency_contact_relationship: str | None = Field(None, max_length=80)
    emergency_contact_phone: str | None = Field(None, max_length=40)
    emergency_contact_email: str | None = Field(None, max_length=254)
    visibility: str | None = Field(None, description="organisations or partners")


class PersonIn(PersonFields):
    organization: str = Field(
        ..., description="Slug of the organisation registering the person (its vetting admins)"
    )
    full_name: str = Field(..., max_length=150)


class PeopleFilters(Schema):
    q: str | None = Field(None, description="Part of the name or email address")
    specialty: str | None = Field(None, description="Profession or specialty code; nodes below it match too")
    language: str | None = Field(None, description="ISO 639 code")
    trainee: bool | None = None
    organization: str | None = Field(None, description="Only people affiliated with this organisation (slug)")
    kind: str | None = Field(None, description="Affiliation kind: home or vetting")


class SpecialtyEntry(Schema):
    specialty: str = Field(..., description="Code (slug) of a profession or specialty")
    proficiency: int = Field(..., description="1 trainee, 2 competent, 3 experienced, 4 expert")


class SpecialtiesIn(Schema):
    specialties: list[SpecialtyEntry] = Field(..., max_length=30)


class LanguageEntry(Schema):
    language: str = Field(..., description="ISO 639 code")
    speaking: int = Field(0, description="0 none, 1 basic, 2 working, 3 fluent, 4 native")
    reading: int = 0
    writing: int = 0


class LanguagesIn(Schema):
    languages: list[LanguageEntry] = Field(..., max_length=30)


class ValueTagsIn(Schema):
    value_tags: list[str] = Field(
        ..., max_length=50, description="Value-tag codes (see /reference/value-tags)"
    )


class AvailabilityIn(Schema):
    kind: str = Field(..., description="available or unavailable")
    starts_on: datetime.date
    ends_on: datetime.date
    note: str = Field("", max_length=200)


class AffiliationIn(Schema):
    organization: str = Field(..., description="Organisation slug (any organisation of the directory)")
    kind: str = Field(..., description="home (you belong to it) or vetting (share your profile with it)")


class ReadinessQuery(Schema):
    country: str = Field(..., description="ISO 3166 code of the country served in")
    start: datetime.date = Field(..., description="Arrival")
    end: datetime.date = Field(..., description="Departure")
    organization: str | None = Field(None, description="Count only this organisation's verifications (slug)")


class CheckOut(Schema):
    key: str
    label: str
    met: bool
    reason: str
    due_by: datetime.date | None
    credential_id: int | None


class ReadinessOut(Schema):
    person_id: int
    country: str
    start: datetime.date
    end: datetime.date
    organization: str | None
    ready: bool
    checks: list[CheckOut]


# Input to service arguments ----------------------------------------------------------------------


def _lookup(model, field: str, value: str, name: str, message: str, **extra) -> Any:
    found = model.objects.filter(**{field: value}, **extra).first()
    if found is None:
        raise ValidationFailed(message, fields={name: message})
    return found


def _profile_data(payload: Schema) -> dict[str, Any]:
    """Only the fields sent (an explicit null clears a field)."""
    data = payload.dict(exclude_unset=True)
    data.pop("organization", None)
    if data.get("profession"):
        data["profession"] = _lookup(
            Specialty,
            "slug",
            data["profession"],
            "profession",
            _("Choose a profession from the list."),
            parent__isnull=True,
        )
    elif "profession" in data:
        data["profession"] = None
    if data.get("nationality"):
        data["nationality"] = str(data["nationality"]).upper()
    return data


def _organization(slug: str, field: str = "organization") -> Organization:
    return _lookup(Organization, "slug", slug, field, _("Unknown organisation: %(slug)s.") % {"slug": slug})


# Endpoints ---------------------------------------------------------------------------------------


@router.get("", response=list[PersonOut], summary="People you can see, with filters")
@paginate(PageNumberPagination, page_size=50)
def list_people(request, filters: Query[PeopleFilters]):
    people: QuerySet[Person] = Person.objects.visible_to(request.user).active()
    specialty = (
        _lookup(Specialty, "slug", filters.specialty, "specialty", _("Unknown specialty."))
        if filters.specialty
        else None
    )
    language = (
        _lookup(Language, "code", filters.language, "language", _("Unknown language."))
        if filters.language
        else None
    )
    organization = _organization(filters.organization) if filters.organization else None
    if filters.kind and filters.kind not in AffiliationKind.values:
        raise ValidationFailed(_("Choose home or vetting."), fields={"kind": _("Choose home or vetting.")})
    people = services.filter_people(
        people,
        q=filters.q or "",
        specialty=specialty,
        language=language,
        trainee=filters.trainee,
        organization=organization,
        kind=filters.kind or "",
    )
    paths = _paths()
    user = request.user
    return MappedQuerySet(
        _loaded(people).order_by("full_name", "pk"), lambda person: _person_out(person, user, paths)
    )


@router.post(
    "",
    response={201: PersonOut},
    summary="Register a person without an account (coordinators and admins of the organisation)",
)
def register_person(request, payload: PersonIn):
    organization = _member_organization(request, payload.organization, Capability.VET_VOLUNTEERS)
    person = services.register_person(organization, actor=request.user, data=_profile_data(payload))
    return Status(201, _out(request, person))


@router.get("/me", response=PersonOut, summary="Your own profile (created on first use)")
def my_profile(request):
    return _out(request, services.get_or_create_own_person(request.user))


@router.post(
    "/me/affiliations",
    response={201: AffiliationOut},
    summary="Name a home organisation, or share your profile with one for vetting",
)
def add_affiliation(request, payload: AffiliationIn):
    person = services.get_or_create_own_person(request.user)
    organization = _organization(payload.organization)
    if payload.kind == AffiliationKind.HOME:
        affiliation = services.add_home_organization(person, actor=request.user, organization=organization)
    elif payload.kind == AffiliationKind.VETTING:
        affiliation = services.share_with_organization(person, actor=request.user, organization=organization)
    else:
        raise ValidationFailed(_("Choose home or vetting."), fields={"kind": _("Choose home or vetting.")})
    return Status(201, _affiliation_out(affiliation))


@router.delete(
    "/me/affiliations/{affiliation_id}",
    response={204: None},
    summary="Withdraw an organisation's access to your profile",
)
def remove_affiliation(request, affiliation_id: int):
    affiliation = get_object_or_404(
        Affiliation.objects.select_related("organization", "person"),
        pk=affiliation_id,
        person__user=request.user,
    )
    services.remove_affiliation(affiliation, actor=request.user)
    return Status(204, None)


@router.get("/{person_id}", response=PersonOut, summary="A profile you can see")
def get_person(request, person_id: int):
    return _out(request, _visible(request, person_id))


@router.patch(
    "/{person_id}",
    response=PersonOut,
    summary="Edit a profile (the person; a home organisation's vetting admins while nobody has claimed it)",
)
def update_person(request, person_id: int, payload: PersonFields):
    person = _visible(request, person_id)
    services.update_profile(person, actor=request.user, data=_profile_data(payload))
    return _out(request, person)


@router.put("/{person_id}/specialties", response=PersonOut, summary="Replace the specialties of a profile")
def set_specialties(request, person_id: int, payload: SpecialtiesIn):
    person = _visible(request, person_id)
    slugs = [entry.specialty for entry in payload.specialties]
    found = {node.slug: node for node in Specialty.objects.filter(slug__in=slugs)}
    unknown = [slug for slug in slugs if slug not in found]
    if unknown:
        message = _("Unknown specialties: %(codes)s.") % {"codes": ", ".join(unknown)}
        raise ValidationFailed(message, fields={"specialties": message})
    services.set_specialties(
        person,
        actor=request.user,
        entries=[(found[entry.specialty], entry.proficiency) for entry in payload.specialties],
    )
    return _out(request, person)


@router.put("/{person_id}/languages", response=PersonOut, summary="Replace the languages of a profile")
def set_languages(request, person_id: int, payload: LanguagesIn):
    person = _visible(request, person_id)
    codes = [entry.language for entry in payload.languages]
    found = {language.code: language for language in Language.objects.filter(code__in=codes)}
    unknown = [code for code in codes if code not in found]
    if unknown:
        message = _("Unknown languages: %(codes)s.") % {"codes": ", ".join(unknown)}
        raise ValidationFailed(message, fields={"languages": message})
    services.set_languages(
        person,
        actor=request.user,
        entries=[
            (found[entry.language], entry.speaking, entry.reading, entry.writing)
            for entry in payload.languages
        ],
    )
    return _out(request, person)


@router.put(
    "/{person_id}/value-tags",
    response=PersonOut,
    summary="Replace the values that matter to you (your own profile only)",
)
def set_value_tags(request, person_id: int, payload: ValueTagsIn):
    person = _visible(request, person_id)
    codes = list(dict.fromkeys(payload.value_tags))
    found = {tag.slug: tag for tag in ValueTag.objects.filter(slug__in=codes)}
    unknown = [code for code in codes if code not in found]
    if unknown:
        message = _("Unknown value tags: %(codes)s.") % {"codes": ", ".join(unknown)}
        raise ValidationFailed(message, fields={"value_tags": message})
    discovery.set_value_tags(person, actor=request.user, tags=[found[code] for code in codes])
    return _out(request, person)


@router.post(
    "/{person_id}/availability",
    response={201: AvailabilityOut},
    summary="Add dates when the person is available or unavailable",
)
def add_availability(request, person_id: int, payload: AvailabilityIn):
    person = _visible(request, person_id)
    window = services.add_availability(person, actor=request.user, **payload.dict())
    return Status(201, _window_out(window))


@router.delete(
    "/{person_id}/availability/{window_id}", response={204: None}, summary="Remove dates from a profile"
)
def remove_availability(request, person_id: int, window_id: int):
    person = _visible(request, person_id)
    window = get_object_or_404(
        AvailabilityWindow.objects.select_related("person"), pk=window_id, person=person
    )
    services.remove_availability(window, actor=request.user)
    return Status(204, None)


@router.get(
    "/{person_id}/readiness",
    response=ReadinessOut,
    summary="Is the person ready to serve in a country between two dates? Every requirement, met or not",
)
def get_readiness(request, person_id: int, query: Query[ReadinessQuery]):
    person = _visible(request, person_id)
    country = query.country.upper()
    errors = {}
    if country not in dict(countries):
        errors["country"] = _("Choose a country.")
    if query.end < query.start:
        errors["end"] = _("The departure is before the arrival.")
    if errors:
        raise ValidationFailed(_("Please correct the highlighted fields."), fields=errors)
    organization = _organization(query.organization) if query.organization else None
    result = readiness(
        person,
        country,
        query.start,
        query.end,
        organization_id=organization.pk if organization is not None else None,
    )
    return {
        "person_id": person.pk,
        "country": country,
        "start": query.start,
        "end": query.end,
        "organization": organization.slug if organization is not None else None,
        "ready": result.ready,
        "checks": [
            {
                "key": check.key,
                "label": check.label,
                "met": check.met,
                "reason": check.reason,
                "due_by": check.due_by,
                "credential_id": check.credential_id,
            }
            for check in result.checks
        ],
    }


ROUTES: list[tuple[str, Any, list[str]]] = [("/people", router, ["People"])]
