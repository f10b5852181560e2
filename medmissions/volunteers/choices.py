from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Proficiency(models.IntegerChoices):
    TRAINEE = 1, _("Trainee")
    COMPETENT = 2, _("Competent")
    EXPERIENCED = 3, _("Experienced")
    EXPERT = 4, _("Expert")


class LanguageLevel(models.IntegerChoices):
    NONE = 0, _("None")
    BASIC = 1, _("Basic")
    WORKING = 2, _("Working")
    FLUENT = 3, _("Fluent")
    NATIVE = 4, _("Native")


class ProfileVisibility(models.TextChoices):
    ORGANISATIONS = "organisations", _("My organisations and those I share my profile with")
    PARTNERS = "partners", _("Also the active partners of my home organisations")


class AffiliationKind(models.TextChoices):
    HOME = "home", _("Home organisation")
    VETTING = "vetting", _("Shared for vetting")


class AvailabilityKind(models.TextChoices):
    AVAILABLE = "available", _("Available")
    UNAVAILABLE = "unavailable", _("Unavailable")


class CredentialCategory(models.TextChoices):
    REGISTRATION = "registration", _("Professional registration or licence")
    CERTIFICATE = "certificate", _("Certificate")
    INSURANCE = "insurance", _("Insurance")
    TRAVEL = "travel", _("Travel document or permit")
    VACCINATION = "vaccination", _("Vaccination")
    BACKGROUND = "background", _("Background check")


class CredentialStatus(models.TextChoices):
    """Status of a credential on a given day, computed on read, never stored."""

    VALID = "valid", _("Valid")
    RENEWAL_DUE = "renewal_due", _("Valid, renewal due")
    GRACE = "grace", _("Expired, in grace period")
    EXPIRED = "expired", _("Expired")
    UNVERIFIED = "unverified", _("Not verified")
    REJECTED = "rejected", _("Rejected")


# Statuses with which a credential still counts towards requirements.
COUNTING_STATUSES = {CredentialStatus.VALID, CredentialStatus.RENEWAL_DUE, CredentialStatus.GRACE}


class VerificationOutcome(models.TextChoices):
    VERIFIED = "verified", pgettext_lazy("outcome of a credential check", "Verified")
    REJECTED = "rejected", _("Rejected")
