from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from medmissions.volunteers.choices import (
    AffiliationKind,
    AvailabilityKind,
    CredentialCategory,
    LanguageLevel,
    Proficiency,
    ProfileVisibility,
    VerificationOutcome,
)


class Specialty(models.Model):
    """A node of the seeded profession/specialty tree (e.g. Medicine › Surgery › Orthopaedic surgery).

    Top-level nodes are professions. A requirement or role naming a node also covers every node
    below it.
    """

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

    class Meta:
        verbose_name = _("specialty")
        verbose_name_plural = _("specialties")
        ordering = ["name"]

    def __str__(self) -> str:
        # Seeded names are in the translation catalogue (see the seeding migration).
        return gettext(self.name)


class PersonQuerySet(models.QuerySet["Person"]):
    def active(self) -> PersonQuerySet:
        return self.filter(merged_into__isnull=True, erased_at__isnull=True)

    def visible_to(self, user) -> PersonQuerySet:
        """Oneself; people affiliated with one's organisations; and, where the person allows it,
        people whose home organisation is an active partner of one's organisations."""
        from medmissions.organizations.access import access_for
        from medmissions.partnerships.models import partner_organization_ids

        if user is None or not user.is_authenticated:
            return self.none()
        own = access_for(user).organization_ids()
        partner_ids = partner_organization_ids(own)
        return self.filter(
            Q(user=user)
            | Q(affiliations__organization_id__in=own)
            | Q(
                visibility=ProfileVisibility.PARTNERS,
                affiliations__kind=AffiliationKind.HOME,
                affiliations__organization_id__in=partner_ids,
            )
        ).distinct()


class Person(models.Model):
    """Someone who serves: a visiting clinician, a local health worker, an interpreter, a student…

    Linked to a user account when the person signs in; people imported by an organisation may have
    none until they claim their profile. Merged and erased people remain as placeholders so that
    records pointing at them (reports, audit) stay intact.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="person"
    )
    full_name = models.CharField(_("full name"), max_length=150)
    email = models.EmailField(_("email address"), blank=True, db_index=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    nationality = CountryField(_("nationality"), blank=True)
    profession = models.ForeignKey(
        Specialty,
        verbose_name=_("profession"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"parent__isnull": True},
    )
    years_of_experience = models.PositiveSmallIntegerField(_("years of experience"), null=True, blank=True)
    is_trainee = models.BooleanField(
        _("trainee or student"), default=False, help_text=_("Trainees serve only under a named supervisor.")
    )
    home_employer = models.CharField(_("home employer"), max_length=200, blank=True)
    employer_leave_approved = models.BooleanField(_("employer approved leave"), default=False)
    emergency_contact_name = models.CharField(_("emergency contact"), max_length=150, blank=True)
    emergency_contact_relationship = models.CharField(_("relationship"), max_length=80, blank=True)
    emergency_contact_phone = models.CharField(_("emergency contact phone"), max_length=40, blank=True)
    emergency_contact_email = models.EmailField(_("emergency contact email"), blank=True)
    visibility = models.CharField(
        _("who can see my profile"),
        max_length=20,
        choices=ProfileVisibility.choices,
        default=ProfileVisibility.ORGANISATIONS,
    )
    value_tags = models.ManyToManyField(
        "organizations.ValueTag",
        verbose_name=_("values that matter to me"),
        blank=True,
        related_name="+",
        help_text=_("Opportunity search shows how many of these each organisation shares."),
    )
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_from"
    )
    erased_at = models.DateTimeField(_("erased at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["full_name"]

    def __str__(self) -> str:
        return self.full_name

    def get_absolute_url(self) -> str:
        return reverse("volunteers:person", args=[self.pk])


class Affiliation(models.Model):
    """A person's tie to an organisation: their home organisation, or one they shared their profile
    with for vetting (missions add one when the person applies). Vetting admins of these
    organisations verify the person's credentials and may open their documents."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="affiliations")
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="affiliations"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=AffiliationKind.choices)
    created_at = models.DateTimeField(_("since"), auto_now_add=True)

    class Meta:
        verbose_name = _("affiliation")
        verbose_name_plural = _("affiliations")
        constraints = [
            models.UniqueConstraint(fields=["person", "organization", "kind"], name="affiliation_unique")
        ]

    def __str__(self) -> str:
        return f"{self.person} — {self.organization} ({self.get_kind_display()})"


class PersonSpecialty(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="specialties")
    specialty = models.ForeignKey(
        Specialty, verbose_name=_("specialty"), on_delete=models.PROTECT, related_name="+"
    )
    proficiency = models.PositiveSmallIntegerField(_("proficiency"), choices=Proficiency.choices)

    class Meta:
        verbose_name = _("specialty of a person")
        verbose_name_plural = _("specialties of people")
        constraints = [
            models.UniqueConstraint(fields=["person", "specialty"], name="person_specialty_unique")
        ]

    def __str__(self) -> str:
        return f"{self.specialty} ({self.get_proficiency_display()})"


class PersonLanguage(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="languages")
    language = models.ForeignKey(
        "core.Language", verbose_name=_("language"), on_delete=models.PROTECT, related_name="+"
    )
    speaking = models.PositiveSmallIntegerField(
        _("speaking"), choices=LanguageLevel.choices, default=LanguageLevel.NONE
    )
    reading = models.PositiveSmallIntegerField(
        _("reading"), choices=LanguageLevel.choices, default=LanguageLevel.NONE
    )
    writing = models.PositiveSmallIntegerField(
        _("writing"), choices=LanguageLevel.choices, default=LanguageLevel.NONE
    )

    class Meta:
        verbose_name = _("language of a person")
        verbose_name_plural = _("languages of people")
        constraints = [models.UniqueConstraint(fields=["person", "language"], name="person_language_unique")]

    def __str__(self) -> str:
        return str(self.language)


class AvailabilityWindow(models.Model):
    """A period the person declares themselves available for missions, or unavailable."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="availability")
    kind = models.CharField(_("kind"), max_length=20, choices=AvailabilityKind.choices)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("availability window")
        verbose_name_plural = _("availability windows")
        ordering = ["starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="availability_end_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.starts_on} – {self.ends_on}"


class CredentialType(models.Model):
    """A kind of credential (medical licence, BLS, passport…), seeded. Carries its grace period."""

    slug = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=120)
    category = models.CharField(_("category"), max_length=20, choices=CredentialCategory.choices)
    grace_days = models.PositiveSmallIntegerField(
        _("grace period (days)"),
        default=0,
        help_text=_("How long after expiry the credential still counts. Most have none."),
    )
    issued_by_host_country = models.BooleanField(
        _("must be issued by the host country"),
        default=False,
        help_text=_("E.g. a temporary licence or a work permit only counts in the country that issued it."),
    )
    has_expiry = models.BooleanField(_("expires"), default=True)

    class Meta:
        verbose_name = _("credential type")
        verbose_name_plural = _("credential types")
        ordering = ["name"]

    def __str__(self) -> str:
        return gettext(self.name)


def credential_document_path(credential: Credential, filename: str) -> str:
    return f"credentials/{credential.person_id}/{filename}"


class CredentialQuerySet(models.QuerySet["Credential"]):
    def visible_to(self, user) -> CredentialQuerySet:
        """The owner's credentials and those of people affiliated with the user's organisations.

        Stricter than Person.visible_to: partners who see a profile's professional part do not see
        licence or passport numbers. Documents have a stricter rule still (volunteers.access).
        """
        from medmissions.organizations.access import access_for

        if user is None or not user.is_authenticated:
            return self.none()
        own = access_for(user).organization_ids()
        return self.filter(Q(person__user=user) | Q(person__affiliations__organization_id__in=own)).distinct()


class Credential(models.Model):
    """A licence, certificate, insurance, travel document, vaccination or background check.

    The uploaded document is visible only to its owner and to vetting admins of organisations the
    person is affiliated with; every read by someone else is audited.
    """

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="credentials")
    credential_type = models.ForeignKey(
        CredentialType, verbose_name=_("type"), on_delete=models.PROTECT, related_name="+"
    )
    issuing_body = models.CharField(_("issuing body"), max_length=200)
    country = CountryField(_("country of issue"), blank=True)
    state = models.CharField(_("state or province"), max_length=100, blank=True)
    number = models.CharField(_("number"), max_length=100, blank=True)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    document = models.FileField(_("document"), upload_to=credential_document_path, blank=True)
    document_content_type = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(_("added"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = CredentialQuerySet.as_manager()

    class Meta:
        verbose_name = _("credential")
        verbose_name_plural = _("credentials")
        ordering = ["credential_type__name", "-expires_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(issued_on__isnull=True)
                | Q(expires_on__isnull=True)
                | Q(expires_on__gte=models.F("issued_on")),
                name="credential_expires_after_issue",
            )
        ]

    def __str__(self) -> str:
        label = str(self.credential_type)
        return f"{label} {self.country.code}" if self.country else label


class CredentialVerification(models.Model):
    """One organisation's check of a credential. Editing the credential withdraws verifications."""

    credential = models.ForeignKey(Credential, on_delete=models.CASCADE, related_name="verifications")
    organization = models.ForeignKey("organizations.Organization", on_delete=models.CASCADE, related_name="+")
    outcome = models.CharField(_("outcome"), max_length=20, choices=VerificationOutcome.choices)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    verified_at = models.DateTimeField(_("checked at"))
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("credential verification")
        verbose_name_plural = _("credential verifications")
        constraints = [
            models.UniqueConstraint(
                fields=["credential", "organization"], name="verification_credential_org_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.credential} — {self.organization}: {self.get_outcome_display()}"


class CountryRequirementQuerySet(models.QuerySet["CountryRequirement"]):
    def for_country(self, country: str) -> CountryRequirementQuerySet:
        return self.filter(country=country)


class CountryRequirement(models.Model):
    """What a country requires of people who serve there: a credential type, for everyone or for a
    profession/specialty (and everything below it), obtained at least ``lead_time_days`` before
    arrival."""

    country = CountryField(_("country"))
    specialty = models.ForeignKey(
        Specialty,
        verbose_name=_("profession or specialty"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Leave empty for a rule that applies to everyone."),
    )
    credential_type = models.ForeignKey(
        CredentialType, verbose_name=_("required credential"), on_delete=models.PROTECT, related_name="+"
    )
    lead_time_days = models.PositiveSmallIntegerField(
        _("lead time (days)"), default=0, help_text=_("How many days before arrival it must be in hand.")
    )
    notes = models.TextField(_("notes"), blank=True, help_text=_("Where and how to apply, fees, contacts."))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = CountryRequirementQuerySet.as_manager()

    class Meta:
        verbose_name = _("country requirement")
        verbose_name_plural = _("country requirements")
        ordering = ["country", "specialty__name", "credential_type__name"]
        # Two partial constraints because SQLite cannot treat NULLs as equal in one.
        constraints = [
            models.UniqueConstraint(
                fields=["country", "specialty", "credential_type"],
                condition=Q(specialty__isnull=False),
                name="country_requirement_unique",
            ),
            models.UniqueConstraint(
                fields=["country", "credential_type"],
                condition=Q(specialty__isnull=True),
                name="country_requirement_everyone_unique",
            ),
        ]

    def __str__(self) -> str:
        who = str(self.specialty) if self.specialty_id else gettext("everyone")
        return f"{self.country.code}: {self.credential_type} ({who})"


class ReminderLog(models.Model):
    """What ``send-reminders`` sent, keyed so a re-run (or a second cron job) never sends it twice."""

    key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=40)
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey(
        "organizations.Organization", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    recipient = models.EmailField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("reminder sent")
        verbose_name_plural = _("reminders sent")
        ordering = ["-sent_at"]

    def __str__(self) -> str:
        return self.key
