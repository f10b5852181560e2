from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from medmissions.partnerships.choices import (
    ActionItemStatus,
    HealthCheckStatus,
    PartnershipStatus,
    PartyRole,
    Principle,
)

__all__ = [
    "ActionItem",
    "HealthCheck",
    "Partnership",
    "PartnershipParty",
    "PartnershipStatus",
    "PartyRole",
    "PrincipleScore",
    "partner_organization_ids",
]


def partner_organization_ids(organization_ids, *, include_proposed: bool = False) -> models.QuerySet:
    """A subquery of the organisations in an active or paused partnership (optionally also a
    proposed one) with any of ``organization_ids`` — including those organisations themselves."""
    statuses = [PartnershipStatus.ACTIVE, PartnershipStatus.PAUSED]
    if include_proposed:
        statuses.append(PartnershipStatus.PROPOSED)
    return PartnershipParty.objects.filter(
        partnership__parties__organization_id__in=organization_ids, partnership__status__in=statuses
    ).values("organization_id")


class PartnershipQuerySet(models.QuerySet["Partnership"]):
    def visible_to(self, user) -> PartnershipQuerySet:
        """Partnerships the user's organisations are party to, plus public ones."""
        from medmissions.organizations.access import access_for

        if user is None or not user.is_authenticated:
            return self.none()
        own = access_for(user).organization_ids()
        return self.filter(Q(is_public=True) | Q(parties__organization_id__in=own)).distinct()

    def involving(self, organization_ids) -> PartnershipQuerySet:
        return self.filter(parties__organization_id__in=organization_ids).distinct()


class Partnership(models.Model):
    """A standing relationship between two or more organisations, each party with a role.

    A partnership becomes active only once every host party has confirmed it.
    """

    title = models.CharField(_("title"), max_length=200)
    shared_goals = models.TextField(_("shared goals"))
    focus_areas = models.ManyToManyField(
        "organizations.Capability", verbose_name=_("focus areas"), blank=True, related_name="partnerships"
    )
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    next_review_date = models.DateField(_("next review date"), null=True, blank=True)
    mou = models.FileField(_("memorandum of understanding"), upload_to="partnerships/mou/", blank=True)
    mou_content_type = models.CharField(max_length=120, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=PartnershipStatus.choices, default=PartnershipStatus.PROPOSED
    )
    is_public = models.BooleanField(
        _("public"),
        default=False,
        help_text=_("Public partnerships are visible to every signed-in user, not only the parties."),
    )
    status_reason = models.TextField(_("reason for the last status change"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = PartnershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("partnership")
        verbose_name_plural = _("partnerships")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_date__isnull=True)
                | Q(end_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="partnership_end_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("partnerships:detail", args=[self.pk])

    def host_parties(self):
        return [party for party in self.parties.all() if party.role == PartyRole.HOST]


class PartnershipParty(models.Model):
    """One organisation's part in a partnership. Host parties confirm; the time and admin are kept."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="parties")
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="partnership_parties",
    )
    role = models.CharField(_("role"), max_length=20, choices=PartyRole.choices)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("partnership party")
        verbose_name_plural = _("partnership parties")
        ordering = ["role", "organization__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "organization"], name="party_partnership_org_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization} ({self.get_role_display()})"

    @property
    def is_host(self) -> bool:
        return self.role == PartyRole.HOST


class HealthCheckQuerySet(models.QuerySet["HealthCheck"]):
    def visible_to(self, user) -> HealthCheckQuerySet:
        """Health checks are private to the parties, even for public partnerships."""
        from medmissions.organizations.access import access_for

        if user is None or not user.is_authenticated:
            return self.none()
        own = access_for(user).organization_ids()
        return self.filter(partnership__parties__organization_id__in=own).distinct()


class HealthCheck(models.Model):
    """One round of the THET Partnership Health Check: every party scores every principle."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="health_checks")
    round_number = models.PositiveIntegerField(_("round"))
    status = models.CharField(
        _("status"), max_length=20, choices=HealthCheckStatus.choices, default=HealthCheckStatus.OPEN
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField(_("opened"), auto_now_add=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    summary = models.TextField(_("joint summary"), blank=True)

    objects = HealthCheckQuerySet.as_manager()

    class Meta:
        verbose_name = _("health check")
        verbose_name_plural = _("health checks")
        ordering = ["partnership", "-round_number"]
        constraints = [
            models.UniqueConstraint(fields=["partnership", "round_number"], name="healthcheck_round_unique"),
            # One open round at a time keeps the trend honest: rounds are compared in order.
            models.UniqueConstraint(
                fields=["partnership"],
                condition=Q(status="open"),
                name="healthcheck_one_open_per_partnership",
            ),
        ]

    def __str__(self) -> str:
        return _("Health check %(round)s — %(partnership)s") % {
            "round": self.round_number,
            "partnership": self.partnership,
        }

    def get_absolute_url(self) -> str:
        return reverse("partnerships:health_check", args=[self.partnership_id, self.pk])


class PrincipleScore(models.Model):
    """A party's score (1–5) of one principle in one health check, with the evidence behind it."""

    health_check = models.ForeignKey(HealthCheck, on_delete=models.CASCADE, related_name="scores")
    organization = models.ForeignKey("organizations.Organization", on_delete=models.CASCADE, related_name="+")
    principle = models.PositiveSmallIntegerField(_("principle"), choices=Principle.choices)
    score = models.PositiveSmallIntegerField(
        _("score"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    evidence = models.TextField(_("evidence"))
    scored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("principle score")
        verbose_name_plural = _("principle scores")
        ordering = ["principle"]
        constraints = [
            models.UniqueConstraint(
                fields=["health_check", "organization", "principle"], name="score_check_org_principle_unique"
            ),
            models.CheckConstraint(condition=Q(score__gte=1, score__lte=5), name="score_between_1_and_5"),
        ]

    def __str__(self) -> str:
        return f"{self.get_principle_display()}: {self.score}"


class ActionItemQuerySet(models.QuerySet["ActionItem"]):
    def visible_to(self, user) -> ActionItemQuerySet:
        from medmissions.organizations.access import access_for

        if user is None or not user.is_authenticated:
            return self.none()
        own = access_for(user).organization_ids()
        return self.filter(partnership__parties__organization_id__in=own).distinct()

    def outstanding(self) -> ActionItemQuerySet:
        return self.filter(status__in=[ActionItemStatus.OPEN, ActionItemStatus.IN_PROGRESS])


class ActionItem(models.Model):
    """A step of the partnership action plan, usually raised from a health-check gap."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="action_items")
    health_check = models.ForeignKey(
        HealthCheck, null=True, blank=True, on_delete=models.SET_NULL, related_name="action_items"
    )
    principle = models.PositiveSmallIntegerField(
        _("principle"), choices=Principle.choices, null=True, blank=True
    )
    title = models.CharField(_("action"), max_length=200)
    description = models.TextField(_("details"), blank=True)
    owner_organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("owner organisation"),
        on_delete=models.PROTECT,
        related_name="action_items",
    )
    due_date = models.DateField(_("due date"))
    status = models.CharField(
        _("status"), max_length=20, choices=ActionItemStatus.choices, default=ActionItemStatus.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ActionItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("action item")
        verbose_name_plural = _("action items")
        ordering = ["status", "due_date"]

    def __str__(self) -> str:
        return self.title
