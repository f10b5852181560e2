"""Organisation operations: creation, profile, verification, members and invitations, discovery."""

from __future__ import annotations

import datetime
import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django_countries import countries

from medmissions.accounts.models import User, hash_token
from medmissions.audit.services import log_action, snapshot
from medmissions.core.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from medmissions.core.mail import send_on_commit
from medmissions.lib.uploads import check_image
from medmissions.organizations.access import Capability, forget_access, require
from medmissions.organizations.choices import OrganizationKind, Role
from medmissions.organizations.models import Capability as CapabilityTerm
from medmissions.organizations.models import Invitation, Membership, Organization

PROFILE_FIELDS = [
    "name",
    "kind",
    "country",
    "area",
    "website",
    "contact_email",
    "description",
    "values_statement",
]
M2M_FIELDS = ["value_tags", "capabilities", "languages"]
AUDITED_FIELDS = [*PROFILE_FIELDS, *M2M_FIELDS, "logo"]


def _validate_profile(data: dict[str, Any], *, instance: Organization | None = None) -> None:
    errors: dict[str, str] = {}
    name = (data.get("name") or "").strip()
    if not name:
        errors["name"] = _("Enter the organisation's name.")
    if data.get("kind") not in OrganizationKind.values:
        errors["kind"] = _("Choose a kind of organisation.")
    country = str(data.get("country") or "")
    if country not in dict(countries):
        errors["country"] = _("Choose a country.")
    # The API reaches this without a form, and the website becomes a link on the profile page.
    website = (data.get("website") or "").strip()
    if website:
        try:
            URLValidator(schemes=["http", "https"])(website)
        except ValidationError:
            errors["website"] = _("Enter a web address starting with https:// or http://.")
    contact_email = (data.get("contact_email") or "").strip()
    if contact_email:
        try:
            validate_email(contact_email)
        except ValidationError:
            errors["contact_email"] = _("Enter a valid email address.")
    if not errors:
        clash = Organization.objects.filter(name__iexact=name, country=country)
        if instance is not None:
            clash = clash.exclude(pk=instance.pk)
        if clash.exists():
            errors["name"] = _("An organisation with this name already exists in this country.")
    if errors:
        raise ValidationFailed(_("Please correct the highlighted fields."), fields=errors)


def _unique_slug(name: str) -> str:
    base = slugify(name)[:60] or "organisation"
    slug, counter = base, 2
    while Organization.objects.filter(slug=slug).exists():
        slug = f"{base}-{counter}"
        counter += 1
    return slug


def _set_logo(organization: Organization, logo: Any) -> None:
    if logo is None:
        return
    if logo is False:  # an explicit "clear"
        organization.logo.delete(save=False)
        organization.logo = ""
        return
    detected = check_image(logo, max_bytes=settings.MAX_LOGO_UPLOAD_BYTES, label=_("logo"))
    organization.logo.save(
        f"{organization.slug}-{secrets.token_hex(4)}.{detected.extension}", logo, save=False
    )


def _apply_m2m(organization: Organization, data: dict[str, Any]) -> None:
    for field in M2M_FIELDS:
        if field in data and data[field] is not None:
            getattr(organization, field).set(data[field])


@transaction.atomic
def create_organization(*, actor: User, data: dict[str, Any]) -> Organization:
    """Create an organisation; its creator becomes its first admin."""
    if not actor.is_authenticated:
        raise NotAllowed(_("Sign in to create an organisation."))
    _validate_profile(data)
    organization = Organization(**{field: data.get(field) or "" for field in PROFILE_FIELDS})
    organization.name = organization.name.strip()
    organization.slug = _unique_slug(organization.name)
    _set_logo(organization, data.get("logo"))
    organization.save()
    _apply_m2m(organization, data)
    Membership.objects.create(user=actor, organization=organization, role=Role.ADMIN)
    forget_access(actor)
    log_action(
        "organizations.organization.created",
        actor=actor,
        organization=organization,
        obj=organization,
        after=snapshot(organization, AUDITED_FIELDS),
    )
    return organization


@transaction.atomic
def update_organization(organization: Organization, *, actor: User, data: dict[str, Any]) -> Organization:
    require(actor, organization, Capability.MANAGE_ORGANIZATION)
    merged = {field: data.get(field, getattr(organization, field)) for field in PROFILE_FIELDS}
    _validate_profile(merged, instance=organization)
    before = snapshot(organization, AUDITED_FIELDS)
    for field, value in merged.items():
        setattr(organization, field, value.strip() if isinstance(value, str) else (value or ""))
    _set_logo(organization, data.get("logo"))
    organization.save()
    _apply_m2m(organization, data)
    log_action(
        "organizations.organization.updated",
        actor=actor,
        organization=organization,
        obj=organization,
        before=before,
        after=snapshot(organization, AUDITED_FIELDS),
    )
    return organization


@transaction.atomic
def set_verified(organization: Organization, *, actor: User, verified: bool) -> Organization:
    """Platform staff vouch that an organisation is genuine (or withdraw that)."""
    if not actor.is_staff:
        raise NotAllowed(_("Only platform staff verify organisations."))
    before = snapshot(organization, ["is_verified"])
    organization.is_verified = verified
    organization.verified_at = timezone.now() if verified else None
    organization.save(update_fields=["is_verified", "verified_at"])
    log_action(
        "organizations.organization.verified" if verified else "organizations.organization.unverified",
        actor=actor,
        organization=organization,
        obj=organization,
        before=before,
        after=snapshot(organization, ["is_verified"]),
    )
    return organization


def _admin_count(organization: Organization) -> int:
    return Membership.objects.filter(organization=organization, role=Role.ADMIN).count()


def _lock_memberships(organization_id: int) -> None:
    """Serialise role changes and removals in one organisation.

    Without it two admins stepping down at the same time would each still see the other and
    leave the organisation with none. ``no_key`` keeps new memberships (foreign keys) unblocked.
    """
    list(Organization.objects.select_for_update(no_key=True).filter(pk=organization_id).values_list("pk"))


@transaction.atomic
def add_member(organization: Organization, *, actor: User | None, user: User, role: str) -> Membership:
    """Add an existing account directly (used by invitations and demo data)."""
    if role not in Role.values:
        raise ValidationFailed(_("Choose a role."), fields={"role": _("Choose a role.")})
    if Membership.objects.filter(organization=organization, user=user).exists():
        raise Conflict(
            _("%(person)s is already a member of %(organization)s.")
            % {"person": user, "organization": organization},
            code="duplicate_membership",
        )
    try:
        with transaction.atomic():
            membership = Membership.objects.create(organization=organization, user=user, role=role)
    except IntegrityError as error:  # a concurrent request added them first
        raise Conflict(
            _("%(person)s is already a member.") % {"person": user}, code="duplicate_membership"
        ) from error
    forget_access(user)
    log_action(
        "organizations.membership.created",
        actor=actor,
        organization=organization,
        obj=membership,
        after={"user": user.pk, "role": role},
    )
    return membership


@transaction.atomic
def change_role(membership: Membership, *, actor: User, role: str) -> Membership:
    require(actor, membership.organization_id, Capability.MANAGE_MEMBERS)
    if role not in Role.values:
        raise ValidationFailed(_("Choose a role."), fields={"role": _("Choose a role.")})
    _lock_memberships(membership.organization_id)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.role == role:
        return membership
    if membership.role == Role.ADMIN and _admin_count(membership.organization) <= 1:
        raise Conflict(
            _("An organisation needs at least one admin. Make someone else admin first."), code="last_admin"
        )
    before = {"role": membership.role}
    membership.role = role
    membership.save(update_fields=["role"])
    forget_access(membership.user)
    forget_access(actor)
    log_action(
        "organizations.membership.role_changed",
        actor=actor,
        organization=membership.organization,
        obj=membership,
        before=before,
        after={"role": role},
    )
    return membership


@transaction.atomic
def remove_member(membership: Membership, *, actor: User) -> None:
    """Remove someone (admins), or leave an organisation (anyone, for themselves)."""
    if membership.user_id != actor.pk:
        require(actor, membership.organization_id, Capability.MANAGE_MEMBERS)
    _lock_memberships(membership.organization_id)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.role == Role.ADMIN and _admin_count(membership.organization) <= 1:
        raise Conflict(
            _("An organisation needs at least one admin. Make someone else admin first."), code="last_admin"
        )
    organization = membership.organization
    log_action(
        "organizations.membership.deleted",
        actor=actor,
        organization=organization,
        obj=membership,
        before={"user": membership.user_id, "role": membership.role},
    )
    membership.delete()
    forget_access(membership.user)
    forget_access(actor)


def invitation_link(raw_token: str) -> str:
    return settings.SITE_URL + reverse("organizations:accept_invitation", args=[raw_token])


@transaction.atomic
def invite_member(
    organization: Organization, *, actor: User, email: str, role: str
) -> tuple[Invitation, str]:
    """Email an invitation; returns it with the raw token (for the link; only its hash is stored)."""
    require(actor, organization, Capability.MANAGE_MEMBERS)
    from medmissions.accounts.services import _check_email

    email = _check_email(email)
    if role not in Role.values:
        raise ValidationFailed(_("Choose a role."), fields={"role": _("Choose a role.")})
    if Membership.objects.filter(organization=organization, user__email__iexact=email).exists():
        raise Conflict(
            _("%(email)s is already a member of %(organization)s.")
            % {"email": email, "organization": organization},
            code="duplicate_membership",
            fields={"email": _("Already a member.")},
        )
    if Invitation.objects.pending().filter(organization=organization, email__iexact=email).exists():
        raise Conflict(
            _("An invitation to %(email)s is already waiting. Withdraw it to send a new one.")
            % {"email": email},
            code="duplicate_invitation",
            fields={"email": _("Already invited.")},
        )
    raw = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        organization=organization,
        email=email,
        role=role,
        token_hash=hash_token(raw),
        invited_by=actor,
        expires_at=timezone.now() + datetime.timedelta(days=settings.INVITATION_MAX_AGE_DAYS),
    )
    log_action(
        "organizations.invitation.created",
        actor=actor,
        organization=organization,
        obj=invitation,
        after={"email": email, "role": role},
    )
    existing = User.objects.filter(email__iexact=email).first()
    send_on_commit(
        "invitation",
        {
            "invitation": invitation,
            "inviter": actor,
            "link": invitation_link(raw),
            "role": invitation.get_role_display(),
        },
        [(email, existing.language if existing else None)],
    )
    return invitation, raw


def pending_invitation(raw_token: str) -> Invitation:
    invitation = (
        Invitation.objects.select_related("organization")
        .filter(token_hash=hash_token(raw_token or ""))
        .first()
    )
    if invitation is None:
        raise NotFound(_("This invitation link is not valid."))
    if invitation.revoked_at is not None:
        raise Conflict(_("This invitation was withdrawn."), code="invitation_withdrawn")
    if invitation.accepted_at is not None:
        raise Conflict(_("This invitation has already been used."), code="invitation_used")
    if invitation.expires_at <= timezone.now():
        raise Conflict(_("This invitation has expired. Ask for a new one."), code="invitation_expired")
    return invitation


@transaction.atomic
def accept_invitation(raw_token: str, *, actor: User) -> Membership:
    # Lock first, then check: a withdrawal or acceptance committed meanwhile must be seen.
    list(Invitation.objects.select_for_update().filter(token_hash=hash_token(raw_token or "")))
    invitation = pending_invitation(raw_token)
    if invitation.email.lower() != actor.email.lower():
        raise NotAllowed(
            _("This invitation was sent to %(email)s. Sign in with that address to accept it.")
            % {"email": invitation.email},
            code="invitation_other_email",
        )
    membership = add_member(invitation.organization, actor=actor, user=actor, role=invitation.role)
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = actor
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    log_action(
        "organizations.invitation.accepted", actor=actor, organization=invitation.organization, obj=invitation
    )
    return membership


@transaction.atomic
def revoke_invitation(invitation: Invitation, *, actor: User) -> Invitation:
    require(actor, invitation.organization_id, Capability.MANAGE_MEMBERS)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        raise Conflict(_("This invitation is no longer pending."))
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    log_action(
        "organizations.invitation.revoked", actor=actor, organization=invitation.organization, obj=invitation
    )
    return invitation


def search_directory(
    queryset: QuerySet[Organization],
    *,
    kind: str | None = None,
    country: str | None = None,
    capabilities: list[Any] | None = None,
    value_tags: list[Any] | None = None,
    languages: list[Any] | None = None,
    text: str | None = None,
    verified_only: bool = False,
    for_organization: Organization | None = None,
) -> QuerySet[Organization]:
    """Filter the partner directory and rank it by how many of ``for_organization``'s value tags match.

    Results carry ``matching_tags`` (the count shown as "N of your tags match"). Capability filters
    include everything below the chosen terms in the taxonomy. Multi-valued filters match any of
    the chosen values; different filters must all hold.
    """
    if kind:
        queryset = queryset.filter(kind=kind)
    if country:
        queryset = queryset.filter(country=country)
    if verified_only:
        queryset = queryset.filter(is_verified=True)
    # Sub-queries on primary keys keep the join free of duplicate rows before counting.
    if capabilities:
        wanted = CapabilityTerm.objects.filter(
            pk__in=[getattr(c, "pk", c) for c in capabilities]
        ).with_descendants()
        queryset = queryset.filter(
            pk__in=Organization.capabilities.through.objects.filter(capability_id__in=wanted).values(
                "organization_id"
            )
        )
    if value_tags:
        ids = [getattr(tag, "pk", tag) for tag in value_tags]
        queryset = queryset.filter(
            pk__in=Organization.value_tags.through.objects.filter(valuetag_id__in=ids).values(
                "organization_id"
            )
        )
    if languages:
        ids = [getattr(language, "pk", language) for language in languages]
        queryset = queryset.filter(
            pk__in=Organization.languages.through.objects.filter(language_id__in=ids).values(
                "organization_id"
            )
        )
    if text and text.strip():
        for word in text.split()[:8]:
            queryset = queryset.filter(
                Q(name__icontains=word)
                | Q(description__icontains=word)
                | Q(values_statement__icontains=word)
                | Q(area__icontains=word)
            )
    my_tags = list(for_organization.value_tags.values_list("pk", flat=True)) if for_organization else []
    queryset = queryset.annotate(
        matching_tags=Count("value_tags", filter=Q(value_tags__in=my_tags), distinct=True)
        if my_tags
        else Count("pk", filter=Q(pk__in=[]))
    )
    return queryset.order_by("-matching_tags", "-is_verified", "name")
