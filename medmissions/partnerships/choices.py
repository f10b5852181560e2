from django.db import models
from django.utils.translation import gettext_lazy as _


class PartnershipStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")
    CLOSED = "closed", _("Closed")


class PartyRole(models.TextChoices):
    HOST = "host", _("Host")
    SENDING = "sending", _("Sending")
    SUPPLY = "supply", _("Supply")
    FUNDING = "funding", _("Funding")
    TRAINING = "training", _("Training")
    ACADEMIC = "academic", _("Academic")


class Principle(models.IntegerChoices):
    """THET Principles of Partnership (the last two come from the later edition)."""

    STRATEGIC = 1, _("Strategic")
    HARMONISED = 2, _("Harmonised and aligned")
    EFFECTIVE = 3, _("Effective and sustainable")
    RESPECTFUL = 4, _("Respectful and reciprocal")
    ORGANISED = 5, _("Organised and accountable")
    RESPONSIBLE = 6, _("Responsible")
    FLEXIBLE = 7, _("Flexible, resourceful and innovative")
    JOINT_LEARNING = 8, _("Committed to joint learning")
    EQUITY = 9, _("Equity and inclusion")
    CLIMATE = 10, _("Climate change adaptation and mitigation")


PRINCIPLE_GUIDANCE = {
    Principle.STRATEGIC: _("Objectives are agreed, clear and linked to the work the partners do together."),
    Principle.HARMONISED: _("The work serves local and national health plans and the host's priorities."),
    Principle.EFFECTIVE: _("Results last: handovers, local counterparts and plans beyond each visit."),
    Principle.RESPECTFUL: _("Each partner's knowledge is valued; decisions and records are co-owned."),
    Principle.ORGANISED: _("Roles, agreements, finances and records are clear and open to both sides."),
    Principle.RESPONSIBLE: _("Safeguarding, data protection, safety and ethical practice are in place."),
    Principle.FLEXIBLE: _("The partners adapt to change and make good use of their resources."),
    Principle.JOINT_LEARNING: _("Both sides learn, evaluate together and act on what they learn."),
    Principle.EQUITY: _("Power imbalances are named and addressed; benefits flow both ways."),
    Principle.CLIMATE: _("The partnership considers its environmental footprint and climate resilience."),
}


class HealthCheckStatus(models.TextChoices):
    OPEN = "open", _("Open for scoring")
    COMPLETED = "completed", _("Completed")


class ActionItemStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    DROPPED = "dropped", _("Dropped")


# A principle is highlighted as a gap when any party scores it at or below this value…
LOW_SCORE = 2
# …or when the parties' scores differ by at least this much.
SPREAD_GAP = 2
