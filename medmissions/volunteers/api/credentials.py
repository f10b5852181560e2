"""API: credentials (with their documents and verification), country requirements, and the specialty
and credential-type reference lists. ROUTES lists (prefix, router, tags) for medmissions/api.py.

The endpoints call the same services as the HTML pages (volunteers.credentials and
volunteers.requirements) and load objects through ``visible_to``, so another organisation's
people answer 404 and a role too low answers 403.
"""

import datetime
from collections.abc import Callable
from typing import Any

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import PageNumberPagination, paginate

from medmissions.core.errors import NotAllowed, ValidationFailed
from medmissions.lib.pagination import MappedQuerySet
from medmissions.organizations.access import CAPABILITY_MESSAGES, Capability, access_for, get_visible_or_404
from medmissions.organizations.models import Organization
from medmissions.volunteers import credentials as credential_services
from medmissions.volunteers import requirements as requirement_services
from medmissions.volunteers.access import is_owner
from medmissions.volunteers.models import CountryRequirement, Credential, CredentialType, Person, Specialty
from medmissions.volunteers.services import get_or_create_own_person, specialty_tree
from medmissions.volunteers.status import credential_status
from medmissions.volunteers.views.credentials import document_response

router = Router()
requirements_router = Router()
reference_router = Router()


# Credentials ------------------------------------------------------------------------------------


class VerificationOut(Schema):
    organization: str = Field(..., description="Slug of the organisation that checked it")
    organization_name: str
    outcome: str = Field(..., description="verified or rejected")
    verified_at: datetime.datetime
    notes: str | None = Field(
        None, description="Only for the person and members of the organisation that checked it"
    )


class CredentialOut(Schema):
    id: int
    person: int
    person_name: str
    credential_type: str
    credential_type_name: str
    issuing_body: str
    country: str
    state: str
    number: str
    issued_on: datetime.date | None
    expires_on: datetime.date | None
    has_document: bool
    document_url: str | None = Field(None, description="Only when the caller may open the document")
    status: str = Field(
        ...,
        description=(
            "Computed today: valid, renewal_due, grace, expired, unverified or rejected; for the "
            "organisation given as ?organization=, else across organisations"
        ),
    )
    counts: bool = Field(..., description="Whether it counts towards requirements today")
    counts_until: datetime.date | None
    verifications: list[VerificationOut]
    updated_at: datetime.datetime


class CredentialFields(Schema):
    credential_type: str | None = Field(None, description="Code of a credential type")
    issuing_body: str | None = Field(None, max_length=200)
    country: str | None = Field(None, max_length=2)
    state: str | None = Field(None, max_length=100)
    number: str | None = Field(None, max_length=100)
    issued_on: datetime.date | None = None
    expires_on: datetime.date | None = None


class CredentialIn(Schema):
    person: int | None = Field(
        None,
        description="Whose credential: yourself by default, or an unclaimed person your organisation vets",
    )
    credential_type: str = Field(
        ..., description="Code of a credential type (see /reference/credential-types)"
    )
    issuing_body: str = Field(..., max_length=200)
    country: str = Field("", max_length=2)
    state: str = Field("", max_length=100)
    number: str = Field("", max_length=100)
    issued_on: datetime.date | None = None
    expires_on: datetime.date | None = None


class CredentialFilters(Schema):
    person: int | None = Field(None, description="Only this person's credentials")
    organization: str | None = Field(
        None, description="Slug of one of your organisations: statuses as that organisation sees them"
    )
    credential_type: str | None = None


class VerificationIn(Schema):
    organization: str = Field(..., description="Slug of the organisation you check for")
    outcome: str = Field(..., description="verified or rejected")
    notes: str = Field("", description="Required when rejecting")
    seen_updated_at: datetime.datetime | None = Field(
        None,
        description="The credential's updated_at when you looked at it: a change since then refuses the check (409)",
    )


class QueueFilters(Schema):
    organization: str = Field(..., description="Slug of the organisation whose queue to read")


def _with_checks(queryset):
    return queryset.select_related("credential_type", "person").prefetch_related(
        "verifications__organization", "person__affiliations"
    )


def _presenter(request, organization_id: int | None = None) -> Callable[[Credential], dict[str, Any]]:
    """Turn credentials into API dicts for this caller, without a query per row (the page's
    verifications and the people's affiliations are prefetched)."""
    user = request.user
    access = access_for(user)
    vetting_ids = access.organization_ids(Capability.VET_VOLUNTEERS)
    today = timezone.localdate()

    def present(credential: Credential) -> dict[str, Any]:
        person = credential.person
        owner = is_owner(user, person)
        readable = owner or any(
            affiliation.organization_id in vetting_ids for affiliation in person.affiliations.all()
        )
        checks = sorted(credential.verifications.all(), key=lambda check: check.verified_at)
        status = credential_status(
            credential, on=today, verifications=checks, organization_id=organization_id
        )
        return {
            "id": credential.pk,
            "person": person.pk,
            "person_name": person.full_name,
            "credential_type": credential.credential_type.slug,
            "credential_type_name": str(credential.credential_type),
            "issuing_body": credential.issuing_body,
            "country": credential.country.code or "",
            "state": credential.state,
            "number": credential.number,
            "issued_on": credential.issued_on,
            "expires_on": credential.expires_on,
            "has_document": bool(credential.document),
            "document_url": (
                f"/api/v1/credentials/{credential.pk}/document" if readable and credential.document else None
            ),
            "status": str(status.status),
            "counts": status.counts,
            "counts_until": status.counts_until,
            "verifications": [
                {
                    "organization": check.organization.slug,
                    "organization_name": check.organization.name,
                    "outcome": check.outcome,
                    "verified_at": check.verified_at,
                    "notes": check.notes if owner or access.role_in(check.organization_id) else None,
                }
                for check in checks
            ],
            "updated_at": credential.updated_at,
        }

    return present


def _out(request, credential: Credential) -> dict[str, Any]:
    return _presenter(request)(_with_checks(Credential.objects.all()).get(pk=credential.pk))


def _get(request, credential_id: int) -> Credential:
    return get_visible_or_404(_with_checks(Credential.objects.all()), request.user, pk=credential_id)


def _member_organization(request, slug: str) -> Organization:
    """One of the caller's organisations; any other answers 404 (its queue is not theirs to see)."""
    organization = get_object_or_404(Organization, slug=slug)
    if access_for(request.user).role_in(organization) is None:
        raise Http404
    return organization


def _credential_type(slug: str | None) -> CredentialType | None:
    if slug is None:
        return None
    found = CredentialType.objects.filter(slug=slug).first()
    if found is None:
        message = _("Unknown credential type: %(code)s.") % {"code": slug}
        raise ValidationFailed(message, fields={"credential_type": message})
    return found


def _credential_data(payload: Schema, *, partial: bool) -> dict[str, Any]:
    data = payload.dict(exclude_unset=partial)
    data.pop("person", None)
    if "credential_type" in data:
        data["credential_type"] = _credential_type(data["credential_type"])
    return data


@router.get(
    "", response=list[CredentialOut], summary="Credentials of people you can see (yours, your organisations')"
)
@paginate(PageNumberPagination, page_size=50)
def list_credentials(request, filters: Query[CredentialFilters]):
    credentials = _with_checks(Credential.objects.visible_to(request.user))
    if filters.person is not None:
        person = get_visible_or_404(Person, request.user, pk=filters.person)
        credentials = credentials.filter(person=person)
    if filters.credential_type:
        credentials = credentials.filter(credential_type__slug=filters.credential_type)
    organization = _member_organization(request, filters.organization) if filters.organization else None
    return MappedQuerySet(
        credentials.order_by("person__full_name", "credential_type__name", "pk"),
        _presenter(request, organization.pk if organization else None),
    )


@router.post(
    "",
    response={201: CredentialOut},
    summary="Add a credential with its document (multipart; yours, or an unclaimed person's your organisation vets)",
)
def create_credential(request, payload: Form[CredentialIn], document: File[UploadedFile | None] = None):
    if payload.person is not None:
        person = get_visible_or_404(Person, request.user, pk=payload.person)
    else:
        person = get_or_create_own_person(request.user)
    credential = credential_services.add_credential(
        person, actor=request.user, data=_credential_data(payload, partial=False), document=document
    )
    return Status(201, _out(request, credential))


@router.get(
    "/queue",
    response=list[CredentialOut],
    summary="The verification queue of an organisation (its coordinators and admins), oldest first",
)
@paginate(PageNumberPagination, page_size=50)
def verification_queue(request, filters: Query[QueueFilters]):
    organization = _member_organization(request, filters.organization)
    if not access_for(request.user).can(organization, Capability.VET_VOLUNTEERS):
        raise NotAllowed(CAPABILITY_MESSAGES[Capability.VET_VOLUNTEERS])
    queue = credential_services.awaiting_verification(organization).prefetch_related(
        "verifications__organization", "person__affiliations"
    )
    return MappedQuerySet(queue, _presenter(request, organization.pk))


@router.get("/{credential_id}", response=CredentialOut, summary="One credential")
def get_credential(request, credential_id: int):
    return _presenter(request)(_get(request, credential_id))


@router.patch(
    "/{credential_id}",
    response=CredentialOut,
    summary="Change a credential (its owner); withdraws every verification",
)
def update_credential(request, credential_id: int, payload: CredentialFields):
    credential = _get(request, credential_id)
    credential_services.update_credential(
        credential, actor=request.user, data=_credential_data(payload, partial=True)
    )
    return _out(request, credential)


@router.delete("/{credential_id}", response={204: None}, summary="Delete a credential (its owner)")
def delete_credential(request, credential_id: int):
    credential = _get(request, credential_id)
    credential_services.delete_credential(credential, actor=request.user)
    return Status(204, None)


@router.post(
    "/{credential_id}/document",
    response=CredentialOut,
    summary="Replace the document (PDF or image, at most 10 MB); withdraws every verification",
)
def upload_document(request, credential_id: int, document: File[UploadedFile]):
    credential = _get(request, credential_id)
    credential_services.update_credential(credential, actor=request.user, data={}, document=document)
    return _out(request, credential)


@router.get(
    "/{credential_id}/document",
    summary="Download the document (its owner, and vetting admins of the person's organisations; audited)",
)
def download_document(request, credential_id: int):
    credential = _get(request, credential_id)
    if not credential.document:
        raise Http404
    handle = credential_services.open_document(credential, actor=request.user)
    response: FileResponse = document_response(credential, handle)
    return response


@router.post(
    "/{credential_id}/verification",
    response=CredentialOut,
    summary="Verify or reject for one of your organisations (its coordinators and admins)",
)
def verify_credential(request, credential_id: int, payload: VerificationIn):
    credential = _get(request, credential_id)
    organization = get_visible_or_404(Organization, request.user, slug=payload.organization)
    credential_services.verify_credential(
        credential,
        actor=request.user,
        organization=organization,
        outcome=payload.outcome,
        notes=payload.notes,
        seen_updated_at=payload.seen_updated_at,
    )
    return _out(request, credential)


# Country requirements ----------------------------------------------------------------------------


class RequirementOut(Schema):
    id: int
    country: str
    country_name: str
    specialty: str | None = Field(None, description="Code of the profession or specialty; null for everyone")
    specialty_name: str | None
    credential_type: str
    credential_type_name: str
    lead_time_days: int
    notes: str
    updated_at: datetime.datetime


class RequirementFields(Schema):
    country: str | None = Field(None, max_length=2)
    specialty: str | None = Field(None, description="Code of a profession or specialty; null for everyone")
    credential_type: str | None = None
    lead_time_days: int | None = None
    notes: str | None = None


class RequirementIn(RequirementFields):
    country: str = Field(..., max_length=2)
    credential_type: str


class RequirementFilters(Schema):
    country: str | None = None
    specialty: str | None = Field(
        None, description="Rules concerning this profession or specialty (and everyone's)"
    )


def _requirement_out(requirement: CountryRequirement) -> dict[str, Any]:
    return {
        "id": requirement.pk,
        "country": requirement.country.code,
        "country_name": str(requirement.country.name),
        "specialty": requirement.specialty.slug if requirement.specialty else None,
        "specialty_name": str(requirement.specialty) if requirement.specialty else None,
        "credential_type": requirement.credential_type.slug,
        "credential_type_name": str(requirement.credential_type),
        "lead_time_days": requirement.lead_time_days,
        "notes": requirement.notes,
        "updated_at": requirement.updated_at,
    }


def _specialty(slug: str | None) -> Specialty | None:
    if slug is None:
        return None
    found = Specialty.objects.filter(slug=slug).first()
    if found is None:
        message = _("Unknown profession or specialty: %(code)s.") % {"code": slug}
        raise ValidationFailed(message, fields={"specialty": message})
    return found


def _requirement_data(payload: Schema, *, partial: bool) -> dict[str, Any]:
    data = payload.dict(exclude_unset=partial)
    if "specialty" in data:
        data["specialty"] = _specialty(data["specialty"])
    if "credential_type" in data:
        data["credential_type"] = _credential_type(data["credential_type"])
    return data


def _requirements():
    return CountryRequirement.objects.select_related("specialty", "credential_type")


@requirements_router.get(
    "", response=list[RequirementOut], summary="What each country requires (every signed-in person)"
)
@paginate(PageNumberPagination, page_size=50)
def list_requirements(request, filters: Query[RequirementFilters]):
    rules = requirement_services.filter_requirements(
        _requirements(), country=filters.country or "", specialty=_specialty(filters.specialty)
    )
    return MappedQuerySet(
        rules.order_by("country", "specialty__name", "credential_type__name", "pk"), _requirement_out
    )


@requirements_router.post(
    "",
    response={201: RequirementOut},
    summary="Add a rule (platform staff; coordinators of a ministry of health for its country)",
)
def create_requirement(request, payload: RequirementIn):
    requirement = requirement_services.create_requirement(
        actor=request.user, data=_requirement_data(payload, partial=False)
    )
    return Status(201, _requirement_out(_requirements().get(pk=requirement.pk)))


@requirements_router.get("/{requirement_id}", response=RequirementOut, summary="One rule")
def get_requirement(request, requirement_id: int):
    return _requirement_out(get_object_or_404(_requirements(), pk=requirement_id))


@requirements_router.patch(
    "/{requirement_id}",
    response=RequirementOut,
    summary="Change a rule (platform staff; coordinators of a ministry of health for its country)",
)
def update_requirement(request, requirement_id: int, payload: RequirementFields):
    requirement = get_object_or_404(_requirements(), pk=requirement_id)
    requirement_services.update_requirement(
        requirement, actor=request.user, data=_requirement_data(payload, partial=True)
    )
    return _requirement_out(_requirements().get(pk=requirement.pk))


@requirements_router.delete(
    "/{requirement_id}",
    response={204: None},
    summary="Delete a rule (platform staff; coordinators of a ministry of health for its country)",
)
def delete_requirement(request, requirement_id: int):
    requirement = get_object_or_404(_requirements(), pk=requirement_id)
    requirement_services.delete_requirement(requirement, actor=request.user)
    return Status(204, None)


# Reference lists ----------------------------------------------------------------------------------


class SpecialtyNodeOut(Schema):
    code: str
    name: str
    children: list["SpecialtyNodeOut"]


SpecialtyNodeOut.model_rebuild()


class CredentialTypeOut(Schema):
    code: str
    name: str
    category: str
    grace_days: int = Field(..., description="How long after expiry it still counts")
    issued_by_host_country: bool = Field(..., description="Counts only in the country that issued it")
    has_expiry: bool


@reference_router.get(
    "/specialties",
    response=list[SpecialtyNodeOut],
    summary="The profession and specialty tree (professions at the top)",
)
def specialty_tree_reference(request):
    nodes: dict[int, dict[str, Any]] = {}
    roots: list[dict[str, Any]] = []
    for node in specialty_tree():  # depth first, so a parent always comes before its children
        item: dict[str, Any] = {"code": node.specialty.slug, "name": str(node.specialty), "children": []}
        nodes[node.specialty.pk] = item
        parent_id = node.specialty.parent_id
        (nodes[parent_id]["children"] if parent_id in nodes else roots).append(item)
    return roots


@reference_router.get("/credential-types", response=list[CredentialTypeOut], summary="Credential types")
def credential_types_reference(request):
    return [
        {
            "code": kind.slug,
            "name": str(kind),
            "category": kind.category,
            "grace_days": kind.grace_days,
            "issued_by_host_country": kind.issued_by_host_country,
            "has_expiry": kind.has_expiry,
        }
        for kind in CredentialType.objects.all()
    ]


ROUTES: list[tuple[str, Any, list[str]]] = [
    ("/credentials", router, ["Credentials"]),
    ("/country-requirements", requirements_router, ["Country requirements"]),
    ("/reference", reference_router, ["Reference lists"]),
]
