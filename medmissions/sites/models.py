from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField


class SiteKind(models.TextChoices):
    HOSPITAL = "hospital", _("Hospital")
    CLINIC = "clinic", _("Clinic")
    HEALTH_POST = "health_post", _("Health post")
    COMMUNITY = "community", _("Community")
    SCHOOL = "school", _("School")
    MOBILE_OUTREACH = "mobile_outreach", _("Mobile outreach point")
    WAREHOUSE = "warehouse", _("Warehouse")


class SiteQuerySet(models.QuerySet["Site"]):
    def visible_to(self, user) -> SiteQuerySet:
        """Sites of the user's organisations and of their partners (proposed, active or paused).

        Site guidance includes security notes, so sites are not public. Note that a proposal,
        which anyone can make, already reveals the host's sites; whether to wait for the host's
        confirmation is an open decision (see the closing note of 2026-11-21).
        """
        from medmissions.organizations.access import access_for
        from medmissions.partnerships.models import partner_organization_ids

        if user is None or not user.is_authenticated:
            return self.none()
        own = access_for(user).organization_ids()
        if not own:
            return self.none()
        partner_ids = partner_organization_ids(own, include_proposed=True)
        return self.filter(
            Q(host_organization_id__in=own) | Q(host_organization_id__in=partner_ids)
        ).distinct()


class Site(models.Model):
    """A place where work happens: a hospital, clinic, outreach point or warehouse, run by a host."""

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=30, choices=SiteKind.choices)
    host_organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("host organisation"),
        on_delete=models.PROTECT,
        related_name="sites",
    )
    country = CountryField(_("country"))
    admin_level_1 = models.CharField(_("region or province (admin level 1)"), max_length=120, blank=True)
    admin_level_2 = models.CharField(_("district (admin level 2)"), max_length=120, blank=True)
    town = models.CharField(_("town or village"), max_length=120, blank=True)
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(-90)), MaxValueValidator(Decimal(90))],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(-180)), MaxValueValidator(Decimal(180))],
    )
    languages = models.ManyToManyField(
        "core.Language", verbose_name=_("languages spoken"), blank=True, related_name="sites"
    )
    culture_guidance = models.TextField(
        _("culture"), blank=True, help_text=_("What visiting teams should know about local culture.")
    )
    customs_guidance = models.TextField(_("customs and etiquette"), blank=True)
    security_guidance = models.TextField(
        _("security"), blank=True, help_text=_("Visible to the host and its partners only; never published.")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = SiteQuerySet.as_manager()

    class Meta:
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False),
                name="site_coordinates_both_or_neither",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="site_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="site_longitude_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("sites:detail", args=[self.pk])
