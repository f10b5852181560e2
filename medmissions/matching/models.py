"""Matching: each organisation's weights for the score, and stored optimisation runs."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# Points per component at full strength; each component is scaled to 0..1 before weighting.
DEFAULT_WEIGHTS: dict[str, int] = {
    "interest": 40,
    "language": 20,
    "continuity": 15,
    "experience": 10,
    "proficiency": 10,
    "local": 15,
    "first_timer": 5,
}


class MatchingWeights(models.Model):
    """How much each soft preference counts for one organisation (defaults in DEFAULT_WEIGHTS)."""

    organization = models.OneToOneField(
        "organizations.Organization", on_delete=models.CASCADE, related_name="matching_weights"
    )
    interest = models.PositiveSmallIntegerField(
        _("interest (applied, invited, in the pool)"), default=DEFAULT_WEIGHTS["interest"]
    )
    language = models.PositiveSmallIntegerField(
        _("languages shared with the site"), default=DEFAULT_WEIGHTS["language"]
    )
    continuity = models.PositiveSmallIntegerField(
        _("served this partnership or site before"), default=DEFAULT_WEIGHTS["continuity"]
    )
    experience = models.PositiveSmallIntegerField(
        _("years of experience"), default=DEFAULT_WEIGHTS["experience"]
    )
    proficiency = models.PositiveSmallIntegerField(
        _("proficiency above the role's minimum"), default=DEFAULT_WEIGHTS["proficiency"]
    )
    local = models.PositiveSmallIntegerField(
        _("local health workers, where the role prefers them"), default=DEFAULT_WEIGHTS["local"]
    )
    first_timer = models.PositiveSmallIntegerField(
        _("fairness to first-timers"), default=DEFAULT_WEIGHTS["first_timer"]
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("matching weights")
        verbose_name_plural = _("matching weights")

    def __str__(self) -> str:
        return str(self.organization)

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in DEFAULT_WEIGHTS}


class RunStatus(models.TextChoices):
    PROPOSED = "proposed", pgettext_lazy("optimisation run status", "Proposed")
    ACCEPTED = "accepted", pgettext_lazy("optimisation run status", "Accepted")
    DISCARDED = "discarded", pgettext_lazy("optimisation run status", "Discarded")


class OptimisationRun(models.Model):
    """One run of the optimiser over one or more missions, kept so it can be reviewed later:
    its inputs (roles, weights, pins, exclusions), its result, and how long each stage took."""

    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="optimisation_runs"
    )
    missions = models.ManyToManyField("missions.Mission", related_name="optimisation_runs")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("run at"), auto_now_add=True)
    inputs = models.JSONField(_("inputs"), default=dict)
    result = models.JSONField(_("result"), default=dict)
    timings = models.JSONField(_("timings (seconds)"), default=dict)
    total_score = models.IntegerField(_("total score"), default=0)
    status = models.CharField(
        _("status"), max_length=20, choices=RunStatus.choices, default=RunStatus.PROPOSED
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("optimisation run")
        verbose_name_plural = _("optimisation runs")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.organization} — {self.created_at:%Y-%m-%d %H:%M}"
