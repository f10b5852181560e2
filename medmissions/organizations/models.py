from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from medmissions.organizations.choices import OrganizationKind, Role


class CapabilityQuerySet(models.QuerySet["Capability"]):
    def with_descendants(self) -> set[int]:
        """Primary keys of these capabilities and of everything below them in the taxonomy."""
        found = set(self.values_list("pk", flat=True))
        frontier = set(found)
        while frontier:
            children = (
                set(Capability.objects.filter(parent__in=frontier).values_list("pk", flat=True)) - found
            )
            found |= children
            frontier = children
        return found


class Capability(models.Model):
    """A service or capability an organisation offers, from a seeded two-level taxonomy."""

    slug = models.SlugField(_("code"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=120)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    objects = CapabilityQuerySet.as_manager()

    class Meta:
        verbose_name = _("capability")
        verbose_name_plural = _("capabilities")
        ordering = ["parent__name", "name"]

    def __str__(self) -> str:
        # Seeded names are in the translation catalogue (see the seeding migration).
        name = gettext(self.name)
        return f"{gettext(self.parent.name)} › {name}" if self.parent else name


class ValueTag(models.Model):
    """A value an organisation declares (e.g. "host-led", "faith-based", "teaching"), used for matching."""

    slug = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=80)

    class Meta:
        verbose_name = _("value tag")
        verbose_name_plural = _("value tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return gettext(self.name)


class OrganizationQuerySet(models.QuerySet["Organization"]):
    def visible_to(self, user) -> OrganizationQuerySet:
        # The partner directory is open to every signed-in person: finding partners is its purpose.
        # Private records (members, audit, sites, partnerships) are scoped separately.
        if user is None or not user.is_authenticated:
            return self.none()
        return self.all()

    def where_member(self, user) -> OrganizationQuerySet:
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(memberships__user=user)


class Organization(models.Model):
    """A partner organisation: a sending NGO, a host hospital, a ministry, a donor, a funder…

    Organisations are the tenants of medmissions: people act through memberships, and private
    records belong to an organisation.
    """

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name in addresses"), max_length=80, unique=True)
    kind = models.CharField(_("kind"), max_length=40, choices=OrganizationKind.choices)
    country = CountryField(_("country"))
    area = models.CharField(
        _("sub-national area"),
        max_length=120,
        blank=True,
        help_text=_("Region, province, state or district."),
    )
    website = models.URLField(_("website"), blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    description = models.TextField(_("description"), blank=True)
    values_statement = models.TextField(_("values statement"), blank=True)
    value_tags = models.ManyToManyField(
        ValueTag, verbose_name=_("value tags"), blank=True, related_name="organizations"
    )
    capabilities = models.ManyToManyField(
        Capability, verbose_name=_("capabilities and services"), blank=True, related_name="organizations"
    )
    languages = models.ManyToManyField(
        "core.Language", verbose_name=_("working languages"), blank=True, related_name="organizations"
    )
    logo = models.ImageField(_("logo"), upload_to="logos/", blank=True)
    is_verified = models.BooleanField(
        _("verified"),
        default=False,
        help_text=_("Set by platform staff after checking the organisation is genuine."),
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), "country", name="organization_name_country_unique")
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("organizations:detail", args=[self.slug])


class Membership(models.Model):
    """A person's role in an organisation. Roles are data; what each role may do is in access.py."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(_("member since"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["organization__name", "user__full_name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="membership_user_org_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.organization} ({self.get_role_display()})"


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def pending(self) -> InvitationQuerySet:
        from django.utils import timezone

        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now())


class Invitation(models.Model):
    """An emailed invitation to join an organisation with a role. Only the token's hash is stored."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("email address"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.MEMBER)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} → {self.organization}"
