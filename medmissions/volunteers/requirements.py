"""Country requirements: platform staff, and a ministry of health or district health office for its
own country, say which credentials people need to serve there."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django_countries import countries

from medmissions.accounts.models import User
from medmissions.audit.services import log_action, snapshot
from medmissions.core.errors import Conflict, NotAllowed, ValidationFailed
from medmissions.organizations.access import Capability, access_for
from medmissions.organizations.choices import OrganizationKind
from medmissions.organizations.models import Organization
from medmissions.volunteers.models import CountryRequirement, CredentialType, Specialty

FIELDS = ["country", "specialty", "credential_type", "lead_time_days", "notes"]


def concerning(specialty: Specialty) -> Q:
    """Rules that concern a profession or specialty: for everyone, for it or a node above it (which
    cover it), or for a node below it (which cover part of it)."""
    parents = dict(Specialty.objects.values_list("pk", "parent_id"))
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in parents.items():
        children.setdefault(parent_id, []).append(pk)
    related: set[int] = set()
    node: int | None = specialty.pk
    while node is not None and node not in related:
        related.add(node)
        node = parents.get(node)
    pending = list(children.get(specialty.pk, []))
    while pending:
        node = pending.pop()
        if node not in related:
            related.add(node)
            pending.extend(children.get(node, []))
    return Q(specialty__isnull=True) | Q(specialty_id__in=related)


def filter_requirements(
    requirements: QuerySet[CountryRequirement], *, country: str = "", specialty: Specialty | None = None
) -> QuerySet[CountryRequirement]:
    """The list pages' and the API's filters: a country, and rules concerning a specialty."""
    if country:
        requirements = requirements.filter(country=country.upper())
    if specialty is not None:
        requirements = requirements.filter(concerning(specialty))
    return requirements


def editable_countries(user: Any) -> set[str]:
    """Countries whose requirements ``user`` may edit ("*" meaning all, for platform staff)."""
    if user is None or not user.is_authenticated:
        return set()
    if user.is_staff:
        return {"*"}
    ids = access_for(user).organization_ids(Capability.EDIT_COUNTRY_REQUIREMENTS)
    return {
        str(code)
        for code in Organization.objects.filter(pk__in=ids, kind=OrganizationKind.MINISTRY).values_list(
            "country", flat=True
        )
    }


def can_edit_country(user: Any, country: str) -> bool:
    allowed = editable_countries(user)
    return "*" in allowed or country in allowed


def _refuse() -> NotAllowed:
    return NotAllowed(
        _(
            "Only platform staff and coordinators of a ministry of health or district health office in that country edit its requirements."
        ),
        code="cannot_edit_country",
    )


def _require(user: Any, country: str) -> None:
    if not can_edit_country(user, country):
        raise _refuse()


def require_editor(user: Any) -> None:
    """Refuse at once someone who may edit no country at all (before looking at what they sent)."""
    if not editable_countries(user):
        raise _refuse()


def _ministry_of(user: Any, country: str) -> Organization | None:
    """The ministry through which ``user`` edits ``country`` (whose audit trail records it); None for staff."""
    ids = access_for(user).organization_ids(Capability.EDIT_COUNTRY_REQUIREMENTS)
    return (
        Organization.objects.filter(pk__in=ids, kind=OrganizationKind.MINISTRY, country=country)
        .order_by("pk")
        .first()
    )


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    country = str(data.get("country") or "").upper()
    if country not in dict(countries):
        errors["country"] = _("Choose a country.")
    specialty = data.get("specialty")
    if specialty is not None and not isinstance(specialty, Specialty):
        errors["specialty"] = _("Choose a profession or specialty, or leave it empty for everyone.")
    credential_type = data.get("credential_type")
    if not isinstance(credential_type, CredentialType):
        errors["credential_type"] = _("Choose the required credential.")
    lead = data.get("lead_time_days")
    if lead in (None, ""):
        lead = 0
    if not isinstance(lead, int) or isinstance(lead, bool) or not 0 <= lead <= 365:
        errors["lead_time_days"] = _("Enter a number of days between 0 and 365.")
    if errors:
        raise ValidationFailed(_("Please correct the highlighted fields."), fields=errors)
    return {
        "country": country,
        "specialty": specialty,
        "credential_type": credential_type,
        "lead_time_days": lead,
        "notes": (data.get("notes") or "").strip(),
    }


def _duplicate(cleaned: dict[str, Any], exclude_pk: int | None = None) -> bool:
    clash = CountryRequirement.objects.filter(
        country=cleaned["country"], specialty=cleaned["specialty"], credential_type=cleaned["credential_type"]
    )
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    return clash.exists()


@transaction.atomic
def create_requirement(*, actor: User, data: dict[str, Any]) -> CountryRequirement:
    require_editor(actor)
    cleaned = _clean(data)
    _require(actor, cleaned["country"])
    if _duplicate(cleaned):
        raise Conflict(_("This rule already exists; edit it instead."), code="duplicate_requirement")
    try:
        with transaction.atomic():
            requirement = CountryRequirement.objects.create(updated_by=actor, **cleaned)
    except IntegrityError as error:
        raise Conflict(
            _("This rule already exists; edit it instead."), code="duplicate_requirement"
        ) from error
    log_action(
        "volunteers.country_requirement.created",
        actor=actor,
        organization=_ministry_of(actor, requirement.country.code),
        obj=requirement,
        after=snapshot(requirement, FIELDS),
    )
    return requirement


@transaction.atomic
def update_requirement(
    requirement: CountryRequirement, *, actor: User, data: dict[str, Any]
) -> CountryRequirement:
    _require(actor, requirement.country.code)
    merged = {name: data.get(name, getattr(requirement, name)) for name in FIELDS}
    merged["country"] = str(merged["country"])
    cleaned = _clean(merged)
    _require(actor, cleaned["country"])
    if _duplicate(cleaned, exclude_pk=requirement.pk):
        raise Conflict(_("This rule already exists."), code="duplicate_requirement")
    before = snapshot(requirement, FIELDS)
    for name, value in cleaned.items():
        setattr(requirement, name, value)
    requirement.updated_by = actor
    requirement.save()
    log_action(
        "volunteers.country_requirement.updated",
        actor=actor,
        organization=_ministry_of(actor, requirement.country.code),
        obj=requirement,
        before=before,
        after=snapshot(requirement, FIELDS),
    )
    return requirement


@transaction.atomic
def delete_requirement(requirement: CountryRequirement, *, actor: User) -> None:
    _require(actor, requirement.country.code)
    log_action(
        "volunteers.country_requirement.deleted",
        actor=actor,
        organization=_ministry_of(actor, requirement.country.code),
        obj=requirement,
        before=snapshot(requirement, FIELDS),
    )
    requirement.delete()
