from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Count, F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from medmissions.missions.choices import (
    ApplicationStatus,
    AssignmentStatus,
    EvaluationSide,
    FollowUpStatus,
    InvitationStatus,
    MissionStatus,
    NeedPriority,
    TeamType,
)
from medmissions.volunteers.choices import Proficiency


class NeedQuerySet(models.QuerySet["Need"]):
    def visible_to(self, user) -> NeedQuerySet:
        """Needs of the user's organisations (as host or author) and of their partners' hosts."""
        from medmissions.organizations.access import access_for
        from medmissions.partnerships.models import partner_organization_ids

        if user is None or not user.is_authenticated:
            return self.none()
        own = access_for(user).organization_ids()
        partners = partner_organization_ids(own)
        return self.filter(
            Q(host_organization_id__in=own) | Q(authored_by_id__in=own) | Q(host_organization_id__in=partners)
        ).distinct()


class Need(models.Model):
    """A need defined by a host organisation (or proposed by a partner and confirmed by the host).

    Missions answer needs; a need's status (open, partly met, met) is derived from them.
    """

    host_organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("host organisation"),
        on_delete=models.PROTECT,
        related_name="needs",
    )
    authored_by = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("written by"),
        on_delete=models.PROTECT,
        related_name="authored_needs",
        help_text=_("The host itself, or a partner whose proposal the host must confirm."),
    )
    site = models.ForeignKey(
        "sites.Site", verbose_name=_("site"), on_delete=models.PROTECT, related_name="needs"
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    national_plan_reference = models.CharField(
        _("national or district plan served"), max_length=300, blank=True
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=NeedPriority.choices, default=NeedPriority.NORMAL
    )
    earliest_start = models.DateField(_("earliest start"))
    latest_end = models.DateField(_("latest end"))
    languages = models.ManyToManyField(
        "core.Language", verbose_name=_("languages"), blank=True, related_name="+"
    )
    host_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    host_confirmed_at = models.DateTimeField(_("confirmed by the host at"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_reason = models.TextField(_("reason for withdrawal"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = NeedQuerySet.as_manager()

    class Meta:
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        ordering = ["-priority", "earliest_start"]
        constraints = [
            models.CheckConstraint(condition=Q(latest_end__gte=F("earliest_start")), name="need_window_valid")
        ]

    def __str__(self) -> str:
        return self.title


class NeedLine(models.Model):
    """How many people of a specialty (or service) the need asks for."""

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="lines")
    specialty = models.ForeignKey(
        "volunteers.Specialty", verbose_name=_("specialty"), on_delete=models.PROTECT, related_name="+"
    )
    people = models.PositiveSmallIntegerField(_("people"), validators=[MinValueValidator(1)])

    class Meta:
        verbose_name = _("need line")
        verbose_name_plural = _("need lines")
        constraints = [
            models.UniqueConstraint(fields=["need", "specialty"], name="need_line_unique"),
            models.CheckConstraint(condition=Q(people__gte=1), name="need_line_people_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.people} × {self.specialty}"


class MissionQuerySet(models.QuerySet["Mission"]):
    def visible_to(self, user) -> MissionQuerySet:
        """Missions of partnerships the user's organisations are party to.

        Volunteers see the missions they applied to or serve on; opportunity discovery (recruiting
        missions open to everyone signed in) is a separate query.
        """
        from medmissions.organizations.access import access_for

        if user is None or not user.is_authenticated:
            return self.none()
        own = access_for(user).organization_ids()
        return self.filter(
            Q(partnership__parties__organization_id__in=own)
            | Q(roles__applications__person__user=user)
            | Q(assignments__person__user=user)
        ).distinct()


class Mission(models.Model):
    """A visit by a team to a site, within an active partnership, answering host-defined needs."""

    partnership = models.ForeignKey(
        "partnerships.Partnership",
        verbose_name=_("partnership"),
        on_delete=models.PROTECT,
        related_name="missions",
    )
    site = models.ForeignKey(
        "sites.Site", verbose_name=_("site"), on_delete=models.PROTECT, related_name="missions"
    )
    needs = models.ManyToManyField(Need, verbose_name=_("needs answered"), related_name="missions")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    time_zone = models.CharField(_("local time zone"), max_length=64, default="UTC")
    services = models.ManyToManyField(
        "organizations.Capability", verbose_name=_("services"), blank=True, related_name="missions"
    )
    spiritual_care_agreed = models.BooleanField(
        _("host agreed to spiritual-care services"),
        default=False,
        help_text=_(
            "Spiritual care is offered only where the host has agreed, and never as a condition of care."
        ),
    )
    team_type = models.CharField(
        _("team type"), max_length=20, choices=TeamType.choices, default=TeamType.NOT_EMERGENCY
    )
    capacity = models.PositiveSmallIntegerField(_("capacity"), validators=[MinValueValidator(1)])
    status = models.CharField(
        _("status"), max_length=20, choices=MissionStatus.choices, default=MissionStatus.DRAFT
    )
    host_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    host_confirmed_at = models.DateTimeField(_("confirmed by the host at"), null=True, blank=True)
    cancelled_reason = models.TextField(_("reason for cancelling"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = MissionQuerySet.as_manager()

    class Meta:
        verbose_name = _("mission")
        verbose_name_plural = _("missions")
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="mission_dates_valid"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="mission_capacity_positive"),
        ]

    def __str__(self) -> str:
        return self.title


class Course(models.Model):
    """A pre-departure or cultural course. Deliberately simple; the training issue grows it."""

    slug = models.SlugField(_("code"), max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    organization = models.ForeignKey(
        "organizations.Organization", null=True, blank=True, on_delete=models.SET_NULL, related_name="courses"
    )
    valid_for_days = models.PositiveIntegerField(
        _("valid for (days)"),
        null=True,
        blank=True,
        help_text=_("Leave empty if a completion never expires."),
    )

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class Completion(models.Model):
    person = models.ForeignKey(
        "volunteers.Person", on_delete=models.CASCADE, related_name="course_completions"
    )
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="completions")
    completed_on = models.DateField(_("completed on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("course completion")
        verbose_name_plural = _("course completions")
        constraints = [
            models.UniqueConstraint(fields=["person", "course", "completed_on"], name="completion_unique")
        ]

    def __str__(self) -> str:
        return f"{self.person} — {self.course} ({self.completed_on})"


class RoleQuerySet(models.QuerySet["Role"]):
    def with_places(self) -> RoleQuerySet:
        """Annotate what :meth:`Role.places_left` counts, so a list of roles costs one query."""
        return self.annotate(
            taken=Count("assignments", filter=Q(assignments__status=AssignmentStatus.ACTIVE), distinct=True),
            held=Count("invitations", filter=Q(invitations__status=InvitationStatus.PENDING), distinct=True),
        )


class Role(models.Model):
    """A slot on a mission: what kind of person, how many, and what they must hold.

    Its places are taken by active assignments and held by pending invitations; every path that
    counts them (accepting, inviting, changing the places, the opportunity pages, matching) uses
    :meth:`places_taken`, :meth:`places_held` and :meth:`places_left`.
    """

    mission = models.ForeignKey(Mission, on_delete=models.CASCADE, related_name="roles")
    title = models.CharField(_("title"), max_length=200)
    specialty = models.ForeignKey(
        "volunteers.Specialty",
        verbose_name=_("specialty"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("People with this specialty or any specialty below it qualify."),
    )
    minimum_proficiency = models.PositiveSmallIntegerField(
        _("minimum proficiency"), choices=Proficiency.choices, default=Proficiency.COMPETENT
    )
    people_needed = models.PositiveSmallIntegerField(_("people needed"), validators=[MinValueValidator(1)])
    languages = models.ManyToManyField(
        "core.Language", verbose_name=_("languages"), blank=True, related_name="+"
    )
    extra_credentials = models.ManyToManyField(
        "volunteers.CredentialType",
        verbose_name=_("credentials beyond the country's requirements"),
        blank=True,
        related_name="+",
    )
    required_courses = models.ManyToManyField(
        Course, verbose_name=_("required courses"), blank=True, related_name="roles"
    )
    scope_of_practice = models.TextField(
        _("scope of practice"), help_text=_("What people in this role may and may not do at the site.")
    )
    supervisor_required_for_trainees = models.BooleanField(
        _("trainees need a named supervisor"), default=True
    )
    prefers_local_health_workers = models.BooleanField(
        _("prefer local health workers"),
        default=False,
        help_text=_("Matching ranks health workers from the host country higher for this role."),
    )

    objects = RoleQuerySet.as_manager()

    class Meta:
        verbose_name = pgettext_lazy("slot on a mission", "role")
        verbose_name_plural = pgettext_lazy("slots on a mission", "roles")
        ordering = ["mission", "title"]
        constraints = [models.CheckConstraint(condition=Q(people_needed__gte=1), name="role_people_positive")]

    def __str__(self) -> str:
        return f"{self.title} ({self.mission})"

    def places_taken(self) -> int:
        """Active assignments (the ``taken`` annotation of :meth:`RoleQuerySet.with_places` if present)."""
        taken = getattr(self, "taken", None)
        if taken is None:
            taken = self.assignments.filter(status=AssignmentStatus.ACTIVE).count()
        return taken

    def places_held(self, *, except_person_id: int | None = None) -> int:
        """Pending invitations, leaving out ``except_person_id``'s own (it holds their place)."""
        held = getattr(self, "held", None) if except_person_id is None else None
        if held is None:
            pending = self.invitations.filter(status=InvitationStatus.PENDING)
            if except_person_id is not None:
                pending = pending.exclude(person_id=except_person_id)
            held = pending.count()
        return held

    def places_left(self) -> int:
        return max(self.people_needed - self.places_taken() - self.places_held(), 0)


class Application(models.Model):
    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="applications")
    person = models.ForeignKey("volunteers.Person", on_delete=models.CASCADE, related_name="applications")
    motivation = models.TextField(_("motivation"))
    status = models.CharField(
        _("status"), max_length=20, choices=ApplicationStatus.choices, default=ApplicationStatus.SUBMITTED
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    message = models.TextField(_("message to the applicant"), blank=True)
    created_at = models.DateTimeField(_("applied at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["role", "person"], name="application_role_person_unique")
        ]

    def __str__(self) -> str:
        return f"{self.person} → {self.role}"


class Invitation(models.Model):
    """A coordinator's invitation to one person to take a place in a role (sent by hand or by
    accepting an optimisation run). Accepting it gives the person the place, within capacity and
    without overlap, as accepting an application does; a pending invitation holds a place."""

    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="invitations")
    person = models.ForeignKey("volunteers.Person", on_delete=models.CASCADE, related_name="invitations")
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The party organisation the coordinator invited for: named to the person, and whose audit
    # trail records the answer.
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("invited for"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    message = models.TextField(_("message to the person"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=InvitationStatus.choices, default=InvitationStatus.PENDING
    )
    # The optimisation run that proposed it, if any (matching.OptimisationRun's id; the missions
    # app does not depend on matching).
    optimisation_run_id = models.PositiveBigIntegerField(_("optimisation run"), null=True, blank=True)
    response_note = models.TextField(_("note with the answer"), blank=True)
    responded_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    # The place the person took by accepting (through an accepted Application, like any other).
    assignment = models.OneToOneField(
        "Assignment",
        verbose_name=_("assignment"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="invitation",
    )
    created_at = models.DateTimeField(_("invited at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["role", "person"], name="invitation_role_person_unique")
        ]
        # "My invitations", the dashboard and the one-pending-invitation-per-mission check.
        indexes = [models.Index(fields=["person", "status"], name="invitation_person_status")]

    def __str__(self) -> str:
        return f"{self.person} ← {self.role}"


class Assignment(models.Model):
    """A person's place on a mission in a role, created by accepting an application."""

    mission = models.ForeignKey(Mission, on_delete=models.CASCADE, related_name="assignments")
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="assignments")
    person = models.ForeignKey("volunteers.Person", on_delete=models.PROTECT, related_name="assignments")
    application = models.OneToOneField(
        Application, null=True, blank=True, on_delete=models.SET_NULL, related_name="assignment"
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    supervisor = models.ForeignKey(
        "volunteers.Person",
        verbose_name=_("supervisor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="supervised_assignments",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=AssignmentStatus.choices, default=AssignmentStatus.ACTIVE
    )
    removed_reason = models.TextField(_("reason for removal"), blank=True)
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)
    hours = models.DecimalField(
        _("volunteer hours"),
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
        help_text=_(
            "Hours served, logged by the volunteer (or a coordinator) and approved by a coordinator."
        ),
    )
    hours_note = models.TextField(_("note on hours"), blank=True)
    hours_logged_at = models.DateTimeField(_("hours logged at"), null=True, blank=True)
    hours_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    hours_approved_at = models.DateTimeField(_("hours approved at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["starts_on"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="assignment_dates_valid"),
            models.UniqueConstraint(
                fields=["mission", "person"],
                condition=Q(status="active"),
                name="assignment_one_active_per_mission",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} — {self.role}"


class RequirementWaiver(models.Model):
    """The host waives one readiness requirement for one assignment, with a reason (audited)."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="waivers")
    requirement_key = models.CharField(_("requirement"), max_length=120)
    reason = models.TextField(_("reason"))
    waived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    waived_at = models.DateTimeField(_("waived at"), auto_now_add=True)

    class Meta:
        verbose_name = _("requirement waiver")
        verbose_name_plural = _("requirement waivers")
        constraints = [
            models.UniqueConstraint(fields=["assignment", "requirement_key"], name="waiver_unique")
        ]

    def __str__(self) -> str:
        return f"{self.assignment}: {self.requirement_key}"


class HandoverPlan(models.Model):
    """What the visiting team leaves behind: a local lead, referral pathways, supplies, follow-ups."""

    mission = models.OneToOneField(Mission, on_delete=models.CASCADE, related_name="handover_plan")
    local_lead = models.CharField(_("local lead"), max_length=200)
    referral_pathways = models.TextField(_("referral pathways"))
    medicines_left = models.TextField(_("medicines left with the host"), blank=True)
    equipment_left = models.TextField(_("equipment left with the host"), blank=True)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("handover plan")
        verbose_name_plural = _("handover plans")

    def __str__(self) -> str:
        return f"{self.mission}: {self.local_lead}"


class FollowUpTask(models.Model):
    """A task handed to host staff at close-out (no patient identifiers: a pseudonymous reference at most)."""

    handover_plan = models.ForeignKey(HandoverPlan, on_delete=models.CASCADE, related_name="follow_ups")
    description = models.TextField(_("task"))
    assignee = models.CharField(_("host staff member"), max_length=200)
    due_on = models.DateField(_("due on"))
    status = models.CharField(
        _("status"), max_length=20, choices=FollowUpStatus.choices, default=FollowUpStatus.OPEN
    )
    outcome = models.TextField(_("outcome"), blank=True)

    class Meta:
        verbose_name = _("follow-up task")
        verbose_name_plural = _("follow-up tasks")
        ordering = ["due_on"]

    def __str__(self) -> str:
        return self.description[:60]


class Evaluation(models.Model):
    """One side's evaluation of a completed mission (the host and the visiting team each write one)."""

    mission = models.ForeignKey(Mission, on_delete=models.CASCADE, related_name="evaluations")
    side = models.CharField(_("side"), max_length=20, choices=EvaluationSide.choices)
    organization = models.ForeignKey("organizations.Organization", on_delete=models.PROTECT, related_name="+")
    what_went_well = models.TextField(_("what went well"))
    what_to_change = models.TextField(_("what to change"))
    overall_score = models.PositiveSmallIntegerField(_("overall (1–5)"))
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    written_at = models.DateTimeField(_("written at"), auto_now_add=True)

    class Meta:
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        constraints = [
            models.UniqueConstraint(fields=["mission", "side"], name="evaluation_one_per_side"),
            models.CheckConstraint(
                condition=Q(overall_score__gte=1, overall_score__lte=5), name="evaluation_score_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.mission} — {self.get_side_display()}"


class Announcement(models.Model):
    """A message from the coordinators to everyone assigned, sent by email and shown in the app."""

    mission = models.ForeignKey(Mission, on_delete=models.CASCADE, related_name="announcements")
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.subject


class MissionMessage(models.Model):
    """One post in a mission's message thread (the team, its coordinators and the host)."""

    mission = models.ForeignKey(Mission, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(_("message"))
    created_at = models.DateTimeField(_("posted at"), auto_now_add=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.body[:60]


class SavedSearch(models.Model):
    """Opportunity filters a person saved; new recruiting missions that match are emailed to them."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_searches"
    )
    name = models.CharField(_("name"), max_length=120)
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    email_alerts = models.BooleanField(_("email me new matches"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_sent_at = models.DateTimeField(_("last alert sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("saved search")
        verbose_name_plural = _("saved searches")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SavedSearchMatch(models.Model):
    """A mission already sent for a saved search, so each match is emailed once (unique, race-safe)."""

    saved_search = models.ForeignKey(SavedSearch, on_delete=models.CASCADE, related_name="matches")
    mission = models.ForeignKey(Mission, on_delete=models.CASCADE, related_name="+")
    notified_at = models.DateTimeField(_("notified at"), auto_now_add=True)

    class Meta:
        verbose_name = _("saved-search match")
        verbose_name_plural = _("saved-search matches")
        constraints = [
            models.UniqueConstraint(fields=["saved_search", "mission"], name="saved_search_match_unique")
        ]

    def __str__(self) -> str:
        return f"{self.saved_search}: {self.mission_id}"


class CalendarFeed(models.Model):
    """A secret address for a person's assignments as an iCalendar feed (calendar apps cannot sign in).

    The token is the only credential, so it is long and random, reading it is read-only, and the
    owner can replace it at any time, which breaks the old address.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(_("token"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return str(self.user)
