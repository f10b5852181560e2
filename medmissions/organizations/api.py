"""API: partner directory, organisations, memberships, invitations, audit trail, reference lists."""

import datetime
from typing import Any

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import PageNumberPagination, paginate

from medmissions.audit.models import AuditEntry
from medmissions.core.errors import NotAllowed, ValidationFailed
from medmissions.core.models import Language
from medmissions.organizations import services
from medmissions.organizations.access import CAPABILITY_MESSAGES, Capability, access_for, get_visible_or_404
from medmissions.organizations.models import Capability as CapabilityTerm
from medmissions.organizations.models import Invitation, Membership, Organization, ValueTag

router = Router()
reference_router = Router()


class OrganizationOut(Schema):
    slug: str
    name: str
    kind: str
    country: str
    area: str
    website: str
    contact_email: str
    description: str
    values_statement: str
    value_tags: list[str]
    capabilities: list[str]
    languages: list[str]
    is_verified: bool
    has_logo: bool
    matching_tags: int | None = None
    my_role: str | None = None

    # Resolvers (rather than a dict built per object) let list endpoints paginate the queryset
    # first, so a page costs one page of rows, not the whole directory.
    @staticmethod
    def resolve_country(organization: Organization) -> str:
        return organization.country.code

    @staticmethod
    def resolve_value_tags(organization: Organization) -> list[str]:
        return [tag.slug for tag in organization.value_tags.all()]

    @staticmethod
    def resolve_capabilities(organization: Organization) -> list[str]:
        return [capability.slug for capability in organization.capabilities.all()]

    @staticmethod
    def resolve_languages(organization: Organization) -> list[str]:
        return [language.code for language in organization.languages.all()]

    @staticmethod
    def resolve_has_logo(organization: Organization) -> bool:
        return bool(organization.logo)

    @staticmethod
    def resolve_matching_tags(organization: Organization) -> int | None:
        return getattr(organization, "matching_tags", None)

    @staticmethod
    def resolve_my_role(organization: Organization, context: dict[str, Any]) -> str | None:
        return access_for(context["request"].user).role_in(organization)


class OrganizationIn(Schema):
    name: str = Field(..., max_length=200)
    kind: str
    country: str = Field(..., min_length=2, max_length=2, description="ISO 3166-1 alpha-2 code")
    area: str = Field("", max_length=120)
    website: str = Field("", max_length=200)
    contact_email: str = Field("", max_length=254)
    description: str = ""
    values_statement: str = ""
    value_tags: list[str] = Field(default_factory=list, description="Value tag codes")
    capabilities: list[str] = Field(default_factory=list, description="Capability codes")
    languages: list[str] = Field(default_factory=list, description="ISO 639 language codes")


class OrganizationPatch(Schema):
    name: str | None = Field(None, max_length=200)
    kind: str | None = None
    country: str | None = Field(None, min_length=2, max_length=2)
    area: str | None = Field(None, max_length=120)
    website: str | None = Field(None, max_length=200)
    contact_email: str | None = Field(None, max_length=254)
    description: str | None = None
    values_statement: str | None = None
    value_tags: list[str] | None = None
    capabilities: list[str] | None = None
    languages: list[str] | None = None


class DirectoryFilters(Schema):
    q: str | None = None
    kind: str | None = None
    country: str | None = None
    capability: list[str] = Field(default_factory=list)
    value_tag: list[str] = Field(default_factory=list)
    language: list[str] = Field(default_factory=list)
    verified: bool = False
    for_organization: str | None = Field(
        None, description="Slug of one of your organisations; results rank by its value tags"
    )


def _resolve(model, field: str, values: list[str] | None, label: str) -> list[Any] | None:
    """Turn codes into objects; unknown codes are a 400 naming them."""
    if values is None:
        return None
    found = {getattr(obj, field): obj for obj in model.objects.filter(**{f"{field}__in": values})}
    unknown = [value for value in values if value not in found]
    if unknown:
        raise ValidationFailed(
            _("Unknown %(label)s: %(codes)s.") % {"label": label, "codes": ", ".join(unknown)},
            fields={label: ", ".join(unknown)},
        )
    return [found[value] for value in values]


def _resolve_m2m(data: dict[str, Any]) -> dict[str, Any]:
    if "value_tags" in data:
        data["value_tags"] = _resolve(ValueTag, "slug", data["value_tags"], "value_tags")
    if "capabilities" in data:
        data["capabilities"] = _resolve(CapabilityTerm, "slug", data["capabilities"], "capabilities")
    if "languages" in data:
        data["languages"] = _resolve(Language, "code", data["languages"], "languages")
    return data


def _prefetched(queryset):
    return queryset.prefetch_related("value_tags", "capabilities", "languages")


def _member_organization(request, slug: str, capability: Capability) -> Organization:
    organization = get_visible_or_404(Organization, request.user, slug=slug)
    access = access_for(request.user)
    if access.role_in(organization) is None:
        raise Http404
    if not access.can(organization, capability):
        raise NotAllowed(CAPABILITY_MESSAGES[capability])
    return organization


@router.get("", response=list[OrganizationOut], summary="Search the partner directory")
@paginate(PageNumberPagination, page_size=50)
def list_organizations(request, filters: Query[DirectoryFilters]):
    for_organization = None
    if filters.for_organization:
        for_organization = _member_organization(request, filters.for_organization, Capability.VIEW)
    queryset = services.search_directory(
        Organization.objects.visible_to(request.user),
        kind=filters.kind,
        country=filters.country,
        capabilities=_resolve(CapabilityTerm, "slug", filters.capability, "capability") or [],
        value_tags=_resolve(ValueTag, "slug", filters.value_tag, "value_tag") or [],
        languages=_resolve(Language, "code", filters.language, "language") or [],
        text=filters.q,
        verified_only=filters.verified,
        for_organization=for_organization,
    )
    return _prefetched(queryset)


@router.post("", response={201: OrganizationOut}, summary="Register an organisation (you become its admin)")
def create_organization(request, payload: OrganizationIn):
    data = _resolve_m2m(payload.dict())
    organization = services.create_organization(actor=request.user, data=data)
    return Status(201, _prefetched(Organization.objects.all()).get(pk=organization.pk))


@router.get("/{slug}", response=OrganizationOut)
def get_organization(request, slug: str):
    return get_visible_or_404(_prefetched(Organization.objects.all()), request.user, slug=slug)


@router.patch("/{slug}", response=OrganizationOut, summary="Edit an organisation (admins)")
def update_organization(request, slug: str, payload: OrganizationPatch):
    organization = get_visible_or_404(Organization, request.user, slug=slug)
    data = _resolve_m2m(payload.dict(exclude_unset=True))
    services.update_organization(organization, actor=request.user, data=data)
    organization = _prefetched(Organization.objects.all()).get(pk=organization.pk)
    return _prefetched(Organization.objects.all()).get(pk=organization.pk)


@router.post(
    "/{slug}/logo", response=OrganizationOut, summary="Upload a logo (PNG, JPEG or WebP, at most 2 MB)"
)
def upload_logo(request, slug: str, logo: File[UploadedFile]):
    organization = get_visible_or_404(Organization, request.user, slug=slug)
    services.update_organization(organization, actor=request.user, data={"logo": logo})
    return _prefetched(Organization.objects.all()).get(pk=organization.pk)


class VerifiedIn(Schema):
    verified: bool


@router.post(
    "/{slug}/verification", response=OrganizationOut, summary="Mark verified or not (platform staff)"
)
def set_verified(request, slug: str, payload: VerifiedIn):
    organization = get_visible_or_404(Organization, request.user, slug=slug)
    services.set_verified(organization, actor=request.user, verified=payload.verified)
    return _prefetched(Organization.objects.all()).get(pk=organization.pk)


class MembershipOut(Schema):
    id: int
    user_id: int
    email: str
    full_name: str
    role: str
    created_at: datetime.datetime

    @staticmethod
    def resolve_email(membership: Membership) -> str:
        return membership.user.email

    @staticmethod
    def resolve_full_name(membership: Membership) -> str:
        return membership.user.full_name


class RoleIn(Schema):
    role: str


@router.get(
    "/{slug}/memberships", response=list[MembershipOut], summary="Members (members of the organisation only)"
)
@paginate(PageNumberPagination, page_size=100)
def list_memberships(request, slug: str):
    organization = _member_organization(request, slug, Capability.VIEW)
    return organization.memberships.select_related("user").order_by("user__full_name")


@router.patch(
    "/{slug}/memberships/{membership_id}", response=MembershipOut, summary="Change a member's role (admins)"
)
def change_role(request, slug: str, membership_id: int, payload: RoleIn):
    organization = _member_organization(request, slug, Capability.VIEW)
    membership = get_object_or_404(
        Membership.objects.select_related("user"), pk=membership_id, organization=organization
    )
    return services.change_role(membership, actor=request.user, role=payload.role)


@router.delete(
    "/{slug}/memberships/{membership_id}", response={204: None}, summary="Remove a member (admins) or leave"
)
def remove_member(request, slug: str, membership_id: int):
    organization = _member_organization(request, slug, Capability.VIEW)
    membership = get_object_or_404(Membership, pk=membership_id, organization=organization)
    services.remove_member(membership, actor=request.user)
    return Status(204, None)


class InvitationIn(Schema):
    email: str
    role: str = "member"


class InvitationOut(Schema):
    id: int
    email: str
    role: str
    created_at: datetime.datetime
    expires_at: datetime.datetime
    accepted_at: datetime.datetime | None
    revoked_at: datetime.datetime | None


@router.get("/{slug}/invitations", response=list[InvitationOut], summary="Pending invitations (admins)")
def list_invitations(request, slug: str):
    organization = _member_organization(request, slug, Capability.MANAGE_MEMBERS)
    return list(organization.invitations.pending())


@router.post("/{slug}/invitations", response={201: InvitationOut}, summary="Invite someone by email (admins)")
def invite(request, slug: str, payload: InvitationIn):
    organization = _member_organization(request, slug, Capability.VIEW)
    invitation, _raw = services.invite_member(
        organization, actor=request.user, email=payload.email, role=payload.role
    )
    return Status(201, invitation)


@router.delete(
    "/{slug}/invitations/{invitation_id}", response={204: None}, summary="Withdraw an invitation (admins)"
)
def revoke_invitation(request, slug: str, invitation_id: int):
    organization = _member_organization(request, slug, Capability.VIEW)
    invitation = get_object_or_404(Invitation, pk=invitation_id, organization=organization)
    services.revoke_invitation(invitation, actor=request.user)
    return Status(204, None)


class AuditEntryOut(Schema):
    id: int
    created_at: datetime.datetime
    actor: str = Field(..., alias="actor_label")
    action: str
    object_type: str | None = None
    object_id: str
    object: str = Field(..., alias="object_repr")
    changes: dict
    data: dict

    @staticmethod
    def resolve_object_type(entry: AuditEntry) -> str | None:
        content_type = entry.content_type
        return f"{content_type.app_label}.{content_type.model}" if content_type is not None else None


@router.get("/{slug}/audit", response=list[AuditEntryOut], summary="The organisation's audit trail (admins)")
@paginate(PageNumberPagination, page_size=100)
def audit_trail(request, slug: str, action: str | None = None):
    organization = _member_organization(request, slug, Capability.VIEW_AUDIT)
    entries = AuditEntry.objects.for_organization(organization.pk).select_related("content_type")
    if action:
        entries = entries.filter(action__startswith=action)
    return entries


class TermOut(Schema):
    code: str
    name: str
    parent: str | None = None


@reference_router.get("/capabilities", response=list[TermOut], summary="The capability taxonomy")
def capabilities(request):
    return [
        {"code": c.slug, "name": _(c.name), "parent": c.parent.slug if c.parent is not None else None}
        for c in CapabilityTerm.objects.select_related("parent")
    ]


@reference_router.get("/value-tags", response=list[TermOut], summary="Value tags")
def value_tags(request):
    return [{"code": tag.slug, "name": str(tag)} for tag in ValueTag.objects.all()]


@reference_router.get("/languages", response=list[TermOut], summary="Languages")
def languages(request):
    return [{"code": language.code, "name": str(language)} for language in Language.objects.all()]
