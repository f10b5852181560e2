from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganizationKind(models.TextChoices):
    FAITH_BASED_NGO = "faith_based_ngo", _("Faith-based NGO")
    SECULAR_NGO = "secular_ngo", _("Secular NGO")
    HOSPITAL = "hospital", _("Hospital")
    CLINIC = "clinic", _("Clinic or health centre")
    MINISTRY = "ministry", _("Ministry of health or district health office")
    UNIVERSITY = "university", _("University or medical school")
    HEALTH_SYSTEM_EMPLOYER = "health_system_employer", _("Health-system employer (e.g. NHS trust)")
    SUPPLY_DONOR = "supply_donor", _("Medical-supply donor")
    CHURCH = "church", _("Church or congregation")
    FUNDER = "funder", _("Funder")


class Role(models.TextChoices):
    """A person's role in an organisation, from most to least powerful."""

    ADMIN = "admin", _("Admin")
    COORDINATOR = "coordinator", _("Coordinator")
    MEMBER = "member", _("Member")
    VIEWER = "viewer", _("Viewer")


ROLE_DESCRIPTIONS = {
    Role.ADMIN: _(
        "Everything a coordinator can do, plus members, invitations, organisation settings, host confirmations and the audit trail."
    ),
    Role.COORDINATOR: _(
        "Creates and edits sites and partnerships, runs health checks and vets volunteers and their credentials; in a ministry of health, also edits the country's requirements."
    ),
    Role.MEMBER: _("Sees the organisation's records and contributes to health checks and action items."),
    Role.VIEWER: _("Read-only access to the organisation's records."),
}
