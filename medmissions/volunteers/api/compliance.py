"""API: compliance. ROUTES lists (prefix, router, tags) for medmissions/api.py to mount.

An organisation's compliance report, section by section, for its coordinators and admins
(the same service as the compliance page): non-members get 404, other members 403.
"""

import datetime
from typing import Any

from django.http import Http404
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from medmissions.lib.pagination import MappedQuerySet
from medmissions.organizations.access import access_for, get_visible_or_404
from medmissions.organizations.models import Organization
from medmissions.volunteers import compliance
from medmissions.volunteers.compliance import MissingCredential
from medmissions.volunteers.models import Credential

router = Router()


class PersonRef(Schema):
    id: int
    full_name: str


class ExpiringCredentialOut(Schema):
    id: int
    person: PersonRef
    credential_type: str
    credential_type_name: str
    country: str
    number: str
    issuing_body: str
    expires_on: datetime.date
    days_left: int
    status: str


class AwaitingDocumentOut(Schema):
    id: int
    person: PersonRef
    credential_type: str
    credential_type_name: str
    country: str
    number: str
    expires_on: datetime.date | None
    waiting_since: datetime.datetime


class MissingCredentialOut(Schema):
    person: PersonRef
    requirement: str
    label: str
    reason: str
    due_by: datetime.date | None
    credential_id: int | None


class ExpiringFilters(Schema):
    days: int | None = None


class MissingFilters(Schema):
    country: str | None = None
    start: datetime.date | None = None
    end: datetime.date | None = None


def _organization(request, slug: str) -> Organization:
    """The organisation at ``slug`` for one of its members (404 for anyone else, as if absent)."""
    organization = get_visible_or_404(Organization, request.user, slug=slug)
    if access_for(request.user).role_in(organization) is None:
        raise Http404
    return organization


def _person(person) -> dict[str, Any]:
    return {"id": person.pk, "full_name": person.full_name}


def _expiring(credential: Credential, organization_id: int, today: datetime.date) -> dict[str, Any]:
    assert credential.expires_on is not None  # the section only holds credentials that expire
    return {
        "id": credential.pk,
        "person": _person(credential.person),
        "credential_type": credential.credential_type.slug,
        "credential_type_name": str(credential.credential_type),
        "country": credential.country.code or "",
        "number": credential.number,
        "issuing_body": credential.issuing_body,
        "expires_on": credential.expires_on,
        "days_left": (credential.expires_on - today).days,
        "status": compliance.organization_status(credential, organization_id, today).status.value,
    }


def _awaiting(credential: Credential) -> dict[str, Any]:
    return {
        "id": credential.pk,
        "person": _person(credential.person),
        "credential_type": credential.credential_type.slug,
        "credential_type_name": str(credential.credential_type),
        "country": credential.country.code or "",
        "number": credential.number,
        "expires_on": credential.expires_on,
        "waiting_since": credential.updated_at,
    }


def _missing(item: MissingCredential) -> dict[str, Any]:
    return {
        "person": _person(item.person),
        "requirement": item.requirement,
        "label": item.label,
        "reason": item.reason,
        "due_by": item.due_by,
        "credential_id": item.credential_id,
    }


@router.get(
    "/{organization_slug}/expiring",
    response=list[ExpiringCredentialOut],
    summary="Credentials of the organisation's people expiring within N days (coordinators and admins)",
)
@paginate(PageNumberPagination, page_size=50)
def expiring(request, organization_slug: str, filters: Query[ExpiringFilters]):
    organization = _organization(request, organization_slug)
    today = timezone.localdate()
    credentials = compliance.expiring_credentials(
        organization, actor=request.user, days=filters.days, today=today
    )
    return MappedQuerySet(credentials, lambda credential: _expiring(credential, organization.pk, today))


@router.get(
    "/{organization_slug}/awaiting-verification",
    response=list[AwaitingDocumentOut],
    summary="Documents awaiting the organisation's verification, oldest first (coordinators and admins)",
)
@paginate(PageNumberPagination, page_size=50)
def awaiting_verification(request, organization_slug: str):
    organization = _organization(request, organization_slug)
    return MappedQuerySet(compliance.awaiting_verification(organization, actor=request.user), _awaiting)


@router.get(
    "/{organization_slug}/missing",
    response=list[MissingCredentialOut],
    summary="People missing a credential a country requires for given dates (coordinators and admins)",
)
@paginate(PageNumberPagination, page_size=50)
def missing(request, organization_slug: str, filters: Query[MissingFilters]):
    organization = _organization(request, organization_slug)
    items = compliance.missing_credentials(
        organization, actor=request.user, country=filters.country, start=filters.start, end=filters.end
    )
    return [_missing(item) for item in items]


ROUTES: list[tuple[str, Any, list[str]]] = [("/compliance", router, ["Compliance"])]
