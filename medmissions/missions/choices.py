from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class NeedPriority(models.IntegerChoices):
    LOW = 1, _("Low")
    NORMAL = 2, _("Normal")
    HIGH = 3, _("High")
    URGENT = 4, _("Urgent")


class NeedStatus(models.TextChoices):
    """Derived from the missions answering the need, never stored (except withdrawal)."""

    AWAITING_HOST = "awaiting_host", pgettext_lazy("need status", "Awaiting host confirmation")
    OPEN = "open", pgettext_lazy("need status", "Open")
    PARTLY_MET = "partly_met", pgettext_lazy("need status", "Partly met")
    MET = "met", pgettext_lazy("need status", "Met")
    WITHDRAWN = "withdrawn", pgettext_lazy("need status", "Withdrawn")


class TeamType(models.TextChoices):
    TYPE_1_MOBILE = "emt_1_mobile", _("WHO EMT Type 1 mobile")
    TYPE_1_FIXED = "emt_1_fixed", _("WHO EMT Type 1 fixed")
    TYPE_2 = "emt_2", _("WHO EMT Type 2")
    TYPE_3 = "emt_3", _("WHO EMT Type 3")
    SPECIALISED = "specialised", _("Specialised care team")
    NOT_EMERGENCY = "not_emergency", _("Not an emergency team")


class MissionStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("mission status", "Draft")
    AWAITING_HOST = "awaiting_host", pgettext_lazy("mission status", "Awaiting host confirmation")
    RECRUITING = "recruiting", pgettext_lazy("mission status", "Recruiting")
    READY = "ready", pgettext_lazy("mission status", "Ready")
    IN_FIELD = "in_field", pgettext_lazy("mission status", "In the field")
    CLOSING = "closing", pgettext_lazy("mission status", "Closing")
    COMPLETED = "completed", pgettext_lazy("mission status", "Completed")
    EVALUATED = "evaluated", pgettext_lazy("mission status", "Evaluated")
    CANCELLED = "cancelled", pgettext_lazy("mission status", "Cancelled")


# Statuses in which the mission still changes; cancelling is possible from these.
OPEN_MISSION_STATUSES = {
    MissionStatus.DRAFT,
    MissionStatus.AWAITING_HOST,
    MissionStatus.RECRUITING,
    MissionStatus.READY,
    MissionStatus.IN_FIELD,
}


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", pgettext_lazy("application status", "Submitted")
    SHORTLISTED = "shortlisted", pgettext_lazy("application status", "Shortlisted")
    WAITLISTED = "waitlisted", pgettext_lazy("application status", "Waitlisted")
    ACCEPTED = "accepted", pgettext_lazy("application status", "Accepted")
    DECLINED = "declined", pgettext_lazy("application status", "Declined")
    WITHDRAWN = "withdrawn", pgettext_lazy("application status", "Withdrawn")


class InvitationStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("invitation status", "Pending")
    ACCEPTED = "accepted", pgettext_lazy("invitation status", "Accepted")
    DECLINED = "declined", pgettext_lazy("invitation status", "Declined")
    WITHDRAWN = "withdrawn", pgettext_lazy("invitation status", "Withdrawn")


class AssignmentStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("assignment status", "Active")
    WITHDRAWN = "withdrawn", pgettext_lazy("assignment status", "Withdrawn")
    REMOVED = "removed", pgettext_lazy("assignment status", "Removed")


class EvaluationSide(models.TextChoices):
    HOST = "host", _("Host")
    VISITING = "visiting", _("Visiting team")


class FollowUpStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("follow-up status", "Open")
    DONE = "done", pgettext_lazy("follow-up status", "Done")
    CANCELLED = "cancelled", pgettext_lazy("follow-up status", "Cancelled")
