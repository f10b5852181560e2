"""Field clinics: emergency responses and their teams, consultations recorded with the WHO EMT
Minimum Data Set, daily reports and their submitted versions, referrals to local facilities and
the follow-ups host staff carry out (continuity of care).

No patient names or identifiers are stored anywhere here: a consultation has the team's own
consultation reference (the eDATA ``ID``) and, for follow-up only, an optional pseudonymous
patient reference chosen by the team.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_countries.fields import CountryField

from medmissions.clinics import mds
from medmissions.clinics.choices import (
    AgeGroup,
    AgeUnit,
    ConsultationSource,
    FollowUpStatus,
    ReferralStatus,
    ReferralUrgency,
    ReportStatus,
    ResponseStatus,
    SexCode,
)
from medmissions.missions.choices import TeamType


class ResponseQuerySet(models.QuerySet["Response"]):
    def visible_to(self, user) -> ResponseQuerySet:
        """Responses coordinated by one of the user's organisations, and those one of their teams
        reports to (as a mission party, an assigned team member or the team lead)."""
        from medmissions.organizations.access import access_for

        if user is None or not user.is_authenticated:
            return self.none()
        own = access_for(user).organization_ids()
        return self.filter(
            Q(coordinating_organization_id__in=own) | Q(teams__in=Team.objects.visible_to(user).values("pk"))
        ).distinct()


class Response(models.Model):
    """An emergency response (or a long-running programme) whose teams report the MDS daily to one
    coordinating organisation: the host health authority or the EMT coordination cell."""

    name = models.CharField(_("name"), max_length=200)
    country = CountryField(_("country"))
    description = models.TextField(_("description"), blank=True)
    coordinating_organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("coordinating organisation"),
        on_delete=models.PROTECT,
        related_name="coordinated_responses",
        help_text=_("The host health authority or coordination cell that receives the daily reports."),
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    time_zone = models.CharField(
        _("local time zone"),
        max_length=64,
        default="UTC",
        help_text=_("Where the response is: the day a team without a mission reports for starts here."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ResponseStatus.choices, default=ResponseStatus.ACTIVE
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ResponseQuerySet.as_manager()

    class Meta:
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        ordering = ["-starts_on", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="response_dates_valid",
            )
        ]

    def __str__(self) -> str:
        return self.name


class ItemLabel(models.Model):
    """A response's label for an MDS item: the context-specific diseases 19–22, or, exceptionally,
    another item's replacement label (the item keeps its number and reporting rules)."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="item_labels")
    item = models.PositiveSmallIntegerField(pgettext_lazy("MDS item", "item"))
    label = models.CharField(_("label"), max_length=120)
    icd_code = models.CharField(_("ICD-10 or ICD-11 code"), max_length=20, blank=True)
    active = models.BooleanField(_("in use"), default=True)
    effective_from = models.DateField(_("in use from"), null=True, blank=True)

    class Meta:
        verbose_name = _("item label")
        verbose_name_plural = _("item labels")
        ordering = ["response", "item"]
        constraints = [
            models.UniqueConstraint(fields=["response", "item"], name="item_label_unique"),
            models.CheckConstraint(condition=Q(item__gte=4, item__lte=50), name="item_label_tick_item"),
        ]

    def __str__(self) -> str:
        return f"{self.item}: {self.label}"


class TeamQuerySet(models.QuerySet["Team"]):
    def visible_to(self, user) -> TeamQuerySet:
        """Teams the user works with: parties of the team's mission, its assigned members, its lead,
        and the organisation coordinating its response."""
        from medmissions.missions.choices import AssignmentStatus
        from medmissions.organizations.access import access_for

        if user is None or not user.is_authenticated:
            return self.none()
        own = access_for(user).organization_ids()
        return self.filter(
            Q(lead=user)
            | Q(mission__partnership__parties__organization_id__in=own)
            | Q(mission__assignments__person__user=user, mission__assignments__status=AssignmentStatus.ACTIVE)
            | Q(response__coordinating_organization_id__in=own)
        ).distinct()


class Team(models.Model):
    """An emergency medical team reporting the MDS: a medmissions mission's team, or a team the
    coordination cell registered for a response (whose data arrive as eDATA files)."""

    response = models.ForeignKey(
        Response,
        verbose_name=_("response"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="teams",
    )
    mission = models.OneToOneField(
        "missions.Mission",
        verbose_name=_("mission"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="clinic_team",
    )
    name = models.CharField(_("team name"), max_length=200)
    organization_name = models.CharField(_("organisation"), max_length=200)
    emt_type = models.CharField(
        _("team type"), max_length=20, choices=TeamType.choices, default=TeamType.TYPE_1_FIXED
    )
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("team lead"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_clinic_teams",
        help_text=_("Submits the daily reports and, with the health authority, sees restricted items."),
    )
    contact_name = models.CharField(_("contact person"), max_length=200, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=60, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    departs_on = models.DateField(_("estimated departure"), null=True, blank=True)
    working_hours = models.CharField(_("working hours"), max_length=60, blank=True)
    sites = models.ManyToManyField(
        "sites.Site", verbose_name=_("facilities and sites"), related_name="clinic_teams"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = TeamQuerySet.as_manager()

    class Meta:
        verbose_name = _("clinic team")
        verbose_name_plural = _("clinic teams")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(response__isnull=False) | Q(mission__isnull=False),
                name="team_reports_somewhere",
            ),
            models.UniqueConstraint(
                fields=["response", "name"], condition=Q(response__isnull=False), name="team_name_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class DailyReportQuerySet(models.QuerySet["DailyReport"]):
    def visible_to(self, user) -> DailyReportQuerySet:
        return self.filter(team__in=Team.objects.visible_to(user).values("pk"))


class DailyReport(models.Model):
    """One team's MDS Daily Report for one site and day (emt-mds.md §9).

    Its figures are computed from the day's consultations (``aggregation.py``); the flags and
    comments of items 51–65 are kept in ``issues`` as ``{"51": {"flagged": bool, "comment": str}}``.
    Submitting stores an immutable :class:`DailyReportVersion` and locks the day; a correction
    re-opens it and is submitted as the next version.
    """

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="daily_reports")
    site = models.ForeignKey("sites.Site", verbose_name=_("site"), on_delete=models.PROTECT, related_name="+")
    date = models.DateField(_("date of activity"))
    status = models.CharField(
        _("status"), max_length=20, choices=ReportStatus.choices, default=ReportStatus.OPEN
    )
    issues = models.JSONField(_("issues to report (items 51–65)"), default=dict, blank=True)
    current_version = models.OneToOneField(
        "DailyReportVersion",
        verbose_name=_("official version"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = DailyReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("daily report")
        verbose_name_plural = _("daily reports")
        ordering = ["-date", "team", "site"]
        constraints = [models.UniqueConstraint(fields=["team", "site", "date"], name="daily_report_unique")]
        indexes = [models.Index(fields=["date", "status"], name="daily_report_date_status")]

    def __str__(self) -> str:
        return f"{self.team} — {self.site} — {self.date}"


class DailyReportVersion(models.Model):
    """A submitted daily report, never changed: the figures (``cells``: item → bucket → count),
    the consultations, the flags and comments of items 51–65, the warnings acknowledged with their
    reason, and for a correction, why it was made."""

    report = models.ForeignKey(DailyReport, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField(_("version"))
    consultations = models.PositiveIntegerField(_("consultations"))
    cells = models.JSONField(_("figures"))
    issues = models.JSONField(_("issues to report (items 51–65)"), default=dict)
    item_labels = models.JSONField(_("labels of items set for the emergency"), default=dict)
    warnings = models.JSONField(_("warnings acknowledged"), default=list)
    warnings_reason = models.TextField(_("why the warnings are acceptable"), blank=True)
    correction_reason = models.TextField(_("reason for the correction"), blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted at"))

    class Meta:
        verbose_name = _("daily report version")
        verbose_name_plural = _("daily report versions")
        ordering = ["report", "number"]
        constraints = [
            models.UniqueConstraint(fields=["report", "number"], name="daily_report_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.report} v{self.number}"


class ImportBatch(models.Model):
    """One eDATA CSV file imported for a team: who imported it, the version detected and the
    original file's text, kept for audit (emt-mds.md §10)."""

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="import_batches")
    file_name = models.CharField(_("file name"), max_length=255)
    format_version = models.CharField(_("format"), max_length=20)
    rows = models.PositiveIntegerField(_("rows"))
    original = models.TextField(_("original file"))
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)

    class Meta:
        verbose_name = _("eDATA import")
        verbose_name_plural = _("eDATA imports")
        ordering = ["-imported_at"]

    def __str__(self) -> str:
        return self.file_name


class ConsultationQuerySet(models.QuerySet["Consultation"]):
    def visible_to(self, user) -> ConsultationQuerySet:
        return self.filter(team__in=Team.objects.visible_to(user).values("pk"))


class Consultation(models.Model):
    """One patient contact, recorded with the MDS: age group, sex or pregnancy code and the items
    4–50 ticked (``mds_4`` … ``mds_50``, added below from ``mds.TICK_ITEMS``).

    No names or identifiers: ``reference`` is the team's consultation number (the eDATA ``ID``,
    unique per team) and ``patient_reference`` an optional pseudonym for follow-up only.
    ``client_id`` is generated by the capturing device, so re-sending a batch records nothing twice.
    """

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="consultations")
    report = models.ForeignKey(DailyReport, on_delete=models.PROTECT, related_name="consultations")
    client_id = models.UUIDField(_("client id"), default=uuid.uuid4, unique=True)
    reference = models.CharField(_("consultation reference"), max_length=40)
    patient_reference = models.CharField(
        _("pseudonymous patient reference"),
        max_length=40,
        blank=True,
        help_text=_("Only to find the patient again for follow-up. Never a name or an identity number."),
    )
    age_group = models.PositiveSmallIntegerField(_("age group"), choices=AgeGroup.choices)
    age_value = models.PositiveSmallIntegerField(_("age"), null=True, blank=True)
    age_unit = models.CharField(_("age unit"), max_length=1, choices=AgeUnit.choices, blank=True)
    sex = models.PositiveSmallIntegerField(_("sex and pregnancy"), choices=SexCode.choices)
    note = models.TextField(_("note"), blank=True)
    source = models.CharField(
        _("source"), max_length=20, choices=ConsultationSource.choices, default=ConsultationSource.CAPTURE
    )
    import_batch = models.ForeignKey(
        ImportBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="consultations"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = ConsultationQuerySet.as_manager()

    class Meta:
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        ordering = ["report", "recorded_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["team", "reference"], name="consultation_reference_unique"),
            models.CheckConstraint(
                condition=Q(age_group__gte=0, age_group__lte=5), name="consultation_age_group"
            ),
            models.CheckConstraint(condition=Q(sex__gte=1, sex__lte=3), name="consultation_sex_code"),
            models.CheckConstraint(
                condition=~Q(sex=3, age_group__in=mds.UNDER_FIVE_GROUPS),
                name="consultation_no_pregnancy_under_five",
            ),
            models.CheckConstraint(
                condition=~(
                    Q(age_group__in=mds.UNDER_FIVE_GROUPS)
                    & (Q(mds_33=True) | Q(mds_34=True) | Q(mds_35=True))
                ),
                name="consultation_no_obstetric_under_five",
            ),
        ]
        indexes = [models.Index(fields=["team", "patient_reference"], name="consultation_patient")]

    def __str__(self) -> str:
        return self.reference

    def ticked(self) -> list[int]:
        return [number for number in mds.TICK_ITEMS if getattr(self, f"mds_{number}")]


for _number in mds.TICK_ITEMS:
    Consultation.add_to_class(f"mds_{_number}", models.BooleanField(f"MDS {_number}", default=False))


class ReferralQuerySet(models.QuerySet["Referral"]):
    def visible_to(self, user) -> ReferralQuerySet:
        """Referrals of teams the user works with, and those to facilities their organisation hosts."""
        from medmissions.organizations.access import access_for

        if user is None or not user.is_authenticated:
            return self.none()
        own = access_for(user).organization_ids()
        return self.filter(
            Q(team__in=Team.objects.visible_to(user).values("pk"))
            | Q(facility__host_organization_id__in=own)
            | Q(follow_ups__assignee=user)
        ).distinct()


class Referral(models.Model):
    """A patient sent from a consultation to a local facility, which accepts it and records what
    happened; its follow-ups are carried out by host staff."""

    consultation = models.ForeignKey(Consultation, on_delete=models.PROTECT, related_name="referrals")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="referrals")
    facility = models.ForeignKey(
        "sites.Site", verbose_name=_("referred to"), on_delete=models.PROTECT, related_name="clinic_referrals"
    )
    reason = models.TextField(_("reason"))
    urgency = models.CharField(
        _("urgency"), max_length=20, choices=ReferralUrgency.choices, default=ReferralUrgency.ROUTINE
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ReferralStatus.choices, default=ReferralStatus.SENT
    )
    outcome = models.TextField(_("outcome"), blank=True)
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    referred_at = models.DateTimeField(_("referred at"), auto_now_add=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    responded_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    objects = ReferralQuerySet.as_manager()

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-referred_at"]
        indexes = [models.Index(fields=["facility", "status"], name="referral_facility_status")]

    def __str__(self) -> str:
        return f"{self.consultation} → {self.facility}"


class FollowUp(models.Model):
    """A follow-up of a referred patient assigned to a member of the host's staff, with a due date,
    reminders and an outcome. Handing it over in the mission's handover plan (``handover_task``)
    lets the mission complete while it is still open."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="follow_ups")
    description = models.TextField(_("what to do"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("host staff member"),
        on_delete=models.PROTECT,
        related_name="clinic_follow_ups",
    )
    due_on = models.DateField(_("due on"))
    status = models.CharField(
        _("status"), max_length=20, choices=FollowUpStatus.choices, default=FollowUpStatus.OPEN
    )
    outcome = models.TextField(_("outcome"), blank=True)
    handover_task = models.OneToOneField(
        "missions.FollowUpTask",
        verbose_name=_("handed over as"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="clinic_follow_up",
    )
    last_reminded_on = models.DateField(_("last reminder"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("clinical follow-up")
        verbose_name_plural = _("clinical follow-ups")
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["status", "due_on"], name="follow_up_status_due")]

    def __str__(self) -> str:
        return self.description[:60]


class Dhis2Mapping(models.Model):
    """How a response's daily reports map onto a DHIS2 data set (interop.md §1.9): the data set,
    the code of each data element and category option combo, the org unit of each site and the
    attribute option combo of each team. Codes, not UIDs (``idScheme=code``)."""

    response = models.OneToOneField(Response, on_delete=models.CASCADE, related_name="dhis2_mapping")
    data_set = models.CharField(_("data set code"), max_length=50, default="EMT_MDS_DAILY")
    data_elements = models.JSONField(_("data element codes by item"), default=dict, blank=True)
    category_option_combos = models.JSONField(
        _("category option combo codes by cell"), default=dict, blank=True
    )
    org_units = models.JSONField(_("org unit codes by site"), default=dict, blank=True)
    attribute_option_combos = models.JSONField(
        _("attribute option combo codes by team"), default=dict, blank=True
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("DHIS2 mapping")
        verbose_name_plural = _("DHIS2 mappings")

    def __str__(self) -> str:
        return f"{self.response}: {self.data_set}"
