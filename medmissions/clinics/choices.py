from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ResponseStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("response status", "Active")
    CLOSED = "closed", pgettext_lazy("response status", "Closed")


class AgeGroup(models.IntegerChoices):
    """WHO EMT MDS v1.0 age groups (``MDSa``); 0 is the legacy JPN1.00 band "5 to 64" that cannot
    be split into 5–17 and 18–64 (imported files only, never captured)."""

    UNDER_ONE = 1, _("Under 1 year")
    ONE_TO_FOUR = 2, _("1–4 years")
    FIVE_TO_SEVENTEEN = 3, _("5–17 years")
    EIGHTEEN_TO_SIXTY_FOUR = 4, _("18–64 years")
    SIXTY_FIVE_AND_OVER = 5, _("65 years and over")
    FIVE_AND_OVER_UNKNOWN = 0, _("5 years and over, band unknown")


class SexCode(models.IntegerChoices):
    """MDS items 1–3, one per consultation."""

    MALE = 1, _("Male")
    FEMALE = 2, _("Female, not pregnant")
    PREGNANT = 3, _("Female, pregnant")


class AgeUnit(models.TextChoices):
    MONTHS = "M", _("months")
    YEARS = "Y", _("years")


class ReportStatus(models.TextChoices):
    """A daily report is open (consultations being recorded), submitted (locked: the snapshot is
    the official report) or being corrected (re-opened by its team; the last submitted version
    stays official until the correction is submitted as a new version)."""

    OPEN = "open", pgettext_lazy("daily report status", "Open")
    SUBMITTED = "submitted", pgettext_lazy("daily report status", "Submitted")
    CORRECTING = "correcting", pgettext_lazy("daily report status", "Being corrected")


class ConsultationSource(models.TextChoices):
    CAPTURE = "capture", _("Recorded in medmissions")
    API = "api", _("Sent through the API")
    IMPORT = "import", _("Imported from an eDATA file")


class ReferralUrgency(models.TextChoices):
    ROUTINE = "routine", pgettext_lazy("referral urgency", "Routine")
    URGENT = "urgent", pgettext_lazy("referral urgency", "Urgent")
    EMERGENCY = "emergency", pgettext_lazy("referral urgency", "Emergency")


# Urgent and emergency referrals block a mission's completion while their follow-ups are open.
URGENT_REFERRALS = frozenset({ReferralUrgency.URGENT, ReferralUrgency.EMERGENCY})


class ReferralStatus(models.TextChoices):
    SENT = "sent", pgettext_lazy("referral status", "Sent")
    ACCEPTED = "accepted", pgettext_lazy("referral status", "Accepted by the facility")
    COMPLETED = "completed", pgettext_lazy("referral status", "Completed")
    DECLINED = "declined", pgettext_lazy("referral status", "Declined by the facility")
    LOST = "lost", pgettext_lazy("referral status", "Lost to follow-up")
    CANCELLED = "cancelled", pgettext_lazy("referral status", "Cancelled")


OPEN_REFERRAL_STATUSES = frozenset({ReferralStatus.SENT, ReferralStatus.ACCEPTED})


class FollowUpStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("clinical follow-up status", "Open")
    DONE = "done", pgettext_lazy("clinical follow-up status", "Done")
    MISSED = "missed", pgettext_lazy("clinical follow-up status", "Missed")
    CANCELLED = "cancelled", pgettext_lazy("clinical follow-up status", "Cancelled")
