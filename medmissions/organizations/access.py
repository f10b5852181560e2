"""Who may see and do what: the one place where tenant scoping and roles are decided.

* Roles are stored on :class:`Membership`. This module maps each role to the capabilities it
  grants; views and services **declare** the capability they need.
* Every model holding private records has a ``visible_to(user)`` queryset method. Views and API
  endpoints load objects only through :func:`get_visible_or_404`, so another organisation's
  private object answers 404, never 403 (which would confirm it exists).
* Services call :func:`require` before changing anything, so the HTML views, the API and the
  management commands enforce exactly the same rules.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import models
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from medmissions.core.errors import NotAllowed
from medmissions.organizations.choices import Role

if TYPE_CHECKING:
    from medmissions.organizations.models import Organization


class Capability(StrEnum):
    VIEW = "view"
    CONTRIBUTE = "contribute"
    MANAGE_SITES = "manage_sites"
    MANAGE_PARTNERSHIPS = "manage_partnerships"
    RUN_HEALTH_CHECKS = "run_health_checks"
    CONFIRM_AS_HOST = "confirm_as_host"
    MANAGE_MEMBERS = "manage_members"
    MANAGE_ORGANIZATION = "manage_organization"
    VIEW_AUDIT = "view_audit"
    VET_VOLUNTEERS = "vet_volunteers"
    EDIT_COUNTRY_REQUIREMENTS = "edit_country_requirements"
    MANAGE_MISSIONS = "manage_missions"
    MANAGE_SUPPLIES = "manage_supplies"
    COORDINATE_RESPONSES = "coordinate_responses"


_VIEWER = {Capability.VIEW}
_MEMBER = _VIEWER | {Capability.CONTRIBUTE}
_COORDINATOR = _MEMBER | {
    Capability.MANAGE_SITES,
    Capability.MANAGE_PARTNERSHIPS,
    Capability.RUN_HEALTH_CHECKS,
    Capability.VET_VOLUNTEERS,
    Capability.MANAGE_MISSIONS,
    Capability.MANAGE_SUPPLIES,
    Capability.COORDINATE_RESPONSES,
    # Only counts in a ministry or district health office, for its own country (volunteers.requirements).
    Capability.EDIT_COUNTRY_REQUIREMENTS,
}
_ADMIN = _COORDINATOR | {
    Capability.CONFIRM_AS_HOST,
    Capability.MANAGE_MEMBERS,
    Capability.MANAGE_ORGANIZATION,
    Capability.VIEW_AUDIT,
}

ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.VIEWER: frozenset(_VIEWER),
    Role.MEMBER: frozenset(_MEMBER),
    Role.COORDINATOR: frozenset(_COORDINATOR),
    Role.ADMIN: frozenset(_ADMIN),
}

CAPABILITY_MESSAGES = {
    Capability.VIEW: gettext_lazy("You are not a member of this organisation."),
    Capability.CONTRIBUTE: gettext_lazy("Viewers cannot change records; ask an admin for the member role."),
    Capability.MANAGE_SITES: gettext_lazy("Only coordinators and admins manage sites."),
    Capability.MANAGE_PARTNERSHIPS: gettext_lazy("Only coordinators and admins manage partnerships."),
    Capability.RUN_HEALTH_CHECKS: gettext_lazy("Only coordinators and admins run health checks."),
    Capability.CONFIRM_AS_HOST: gettext_lazy(
        "Only an admin of the host organisation can confirm a partnership."
    ),
    Capability.MANAGE_MEMBERS: gettext_lazy("Only admins manage members and invitations."),
    Capability.MANAGE_ORGANIZATION: gettext_lazy("Only admins edit the organisation."),
    Capability.VIEW_AUDIT: gettext_lazy("Only admins read the audit trail."),
    Capability.VET_VOLUNTEERS: gettext_lazy(
        "Only coordinators and admins vet volunteers and their credentials."
    ),
    Capability.MANAGE_MISSIONS: gettext_lazy("Only coordinators and admins plan needs and missions."),
    Capability.MANAGE_SUPPLIES: gettext_lazy(
        "Only coordinators and admins receive, move, allocate and ship the organisation's stock."
    ),
    Capability.COORDINATE_RESPONSES: gettext_lazy(
        "Only coordinators and admins of the coordinating organisation run a response, and only they see restricted items."
    ),
    Capability.EDIT_COUNTRY_REQUIREMENTS: gettext_lazy(
        "Only coordinators and admins of a ministry of health or district health office edit its country's requirements."
    ),
}


class Access:
    """The memberships of one user, loaded once per request and asked many times."""

    def __init__(self, user: Any):
        self.user = user
        self._roles: dict[int, str] | None = None

    @property
    def roles(self) -> dict[int, str]:
        """Organisation id → role."""
        if self._roles is None:
            if self.user is None or not self.user.is_authenticated:
                self._roles = {}
            else:
                from medmissions.organizations.models import Membership

                self._roles = dict(
                    Membership.objects.filter(user=self.user).values_list("organization_id", "role")
                )
        return self._roles

    def role_in(self, organization: Organization | int) -> str | None:
        organization_id = organization if isinstance(organization, int) else organization.pk
        return self.roles.get(organization_id)

    def can(self, organization: Organization | int, capability: Capability) -> bool:
        role = self.role_in(organization)
        return role is not None and capability in ROLE_CAPABILITIES[role]

    def organization_ids(self, capability: Capability = Capability.VIEW) -> set[int]:
        return {org_id for org_id, role in self.roles.items() if capability in ROLE_CAPABILITIES[role]}


def access_for(user: Any) -> Access:
    """The cached Access of ``user`` (stored on the user object for the request's lifetime)."""
    if user is None:
        return Access(None)
    cached = getattr(user, "_medmissions_access", None)
    if cached is None:
        cached = Access(user)
        if user.is_authenticated:
            user._medmissions_access = cached
    return cached


def forget_access(user: Any) -> None:
    """Drop the cached memberships after a change to them within the same request."""
    if user is not None and hasattr(user, "_medmissions_access"):
        del user._medmissions_access


def can(user: Any, organization: Organization | int, capability: Capability) -> bool:
    return access_for(user).can(organization, capability)


def require(
    user: Any, organization: Organization | int, capability: Capability, message: str | None = None
) -> None:
    """Raise NotAllowed unless ``user`` holds ``capability`` in ``organization``."""
    if not can(user, organization, capability):
        raise NotAllowed(message or CAPABILITY_MESSAGES[capability])


def require_any(
    user: Any, organizations: list[Any], capability: Capability, message: str | None = None
) -> None:
    """Raise NotAllowed unless ``user`` holds ``capability`` in at least one of ``organizations``."""
    if not any(can(user, organization, capability) for organization in organizations):
        raise NotAllowed(message or CAPABILITY_MESSAGES[capability])


ModelT = TypeVar("ModelT", bound=models.Model)


def visible(model_or_queryset: type[ModelT] | models.QuerySet[ModelT], user: Any) -> models.QuerySet[ModelT]:
    """The rows of a model (or queryset) that ``user`` may see, through its ``visible_to``."""
    queryset = (
        model_or_queryset._default_manager.all() if isinstance(model_or_queryset, type) else model_or_queryset
    )
    return queryset.visible_to(user)  # type: ignore[attr-defined]


def get_visible_or_404(
    model_or_queryset: type[ModelT] | models.QuerySet[ModelT], user: Any, **lookup: Any
) -> ModelT:
    """Load one object the user may see, or raise Http404 as if it did not exist."""
    try:
        return visible(model_or_queryset, user).get(**lookup)
    except (models.ObjectDoesNotExist, ValueError, TypeError) as error:
        raise Http404(_("Not found.")) from error
