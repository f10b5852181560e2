"""Who may see suggestions and optimisation runs. Views and API endpoints of the matching app load
roles, missions and runs through these helpers, never by bare id.

* **Suggestions** for a role name people of the partnership's organisations and their scores, so
  they are for the mission's coordinators (``Capability.MANAGE_MISSIONS`` in a party
  organisation). Other people who can see the mission get 403; everyone else 404.
* **Optimisation runs** belong to the organisation that ran them: its coordinators and admins see
  and decide them; its other members get 403; other organisations 404.
* **Weights** are an organisation setting: its members read them, its admins change them.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from medmissions.core.errors import NotAllowed
from medmissions.matching.models import OptimisationRun
from medmissions.missions.access import MissionAccess, get_mission_or_404, get_role_or_404
from medmissions.missions.choices import MissionStatus
from medmissions.missions.models import Mission, Role
from medmissions.organizations.access import CAPABILITY_MESSAGES, Capability, access_for
from medmissions.organizations.models import Organization

# Missions whose places can still be filled: the statuses in which applications are accepted.
MATCHABLE_STATUSES = (MissionStatus.RECRUITING, MissionStatus.READY)


def _require_manager(access: MissionAccess) -> None:
    if not access.can_manage:
        raise NotAllowed(CAPABILITY_MESSAGES[Capability.MANAGE_MISSIONS])


def get_managed_mission_or_404(user: Any, pk: int) -> tuple[Mission, MissionAccess]:
    """A mission the user coordinates (404 if they cannot see it, 403 if they only see it)."""
    mission = get_mission_or_404(user, pk)
    access = MissionAccess.of(user, mission)
    _require_manager(access)
    return mission, access


def get_managed_role_or_404(user: Any, pk: int) -> tuple[Role, MissionAccess]:
    """A role of a mission the user coordinates (404 if they cannot see it, 403 if they only see it)."""
    role = get_role_or_404(user, pk)
    mission = get_mission_or_404(user, role.mission_id)
    access = MissionAccess.of(user, mission)
    _require_manager(access)
    role.mission = mission
    return role, access


def managing_organizations(user: Any) -> QuerySet[Organization]:
    """Organisations in which ``user`` coordinates missions (and so may run the optimiser)."""
    if user is None or not user.is_authenticated:
        return Organization.objects.none()
    ids = access_for(user).organization_ids(Capability.MANAGE_MISSIONS)
    return Organization.objects.filter(pk__in=ids).order_by("name")


def matchable_missions(organization: Organization | int) -> QuerySet[Mission]:
    """Recruiting and ready missions of partnerships ``organization`` is party to."""
    organization_id = organization if isinstance(organization, int) else organization.pk
    return (
        Mission.objects.filter(
            status__in=MATCHABLE_STATUSES, partnership__parties__organization_id=organization_id
        )
        .distinct()
        .select_related("site", "partnership")
        .order_by("starts_on", "title", "pk")
    )


def runs_for(user: Any) -> QuerySet[OptimisationRun]:
    """Runs of the organisations in which ``user`` coordinates missions."""
    if user is None or not user.is_authenticated:
        return OptimisationRun.objects.none()
    ids = access_for(user).organization_ids(Capability.MANAGE_MISSIONS)
    return OptimisationRun.objects.filter(organization_id__in=ids).select_related(
        "organization", "created_by", "decided_by"
    )


def get_run_or_404(user: Any, pk: int) -> OptimisationRun:
    """A run of one of the user's organisations: 404 for other organisations, 403 for members
    who do not coordinate missions."""
    if user is None or not user.is_authenticated:
        raise Http404
    run = (
        OptimisationRun.objects.filter(pk=pk, organization_id__in=access_for(user).organization_ids())
        .select_related("organization", "created_by", "decided_by")
        .first()
    )
    if run is None:
        raise Http404
    if not access_for(user).can(run.organization_id, Capability.MANAGE_MISSIONS):
        raise NotAllowed(CAPABILITY_MESSAGES[Capability.MANAGE_MISSIONS])
    return run


def get_member_organization_or_404(user: Any, slug: str) -> Organization:
    """An organisation the user belongs to (any role); others answer 404."""
    if user is None or not user.is_authenticated:
        raise Http404
    organization = Organization.objects.filter(slug=slug, pk__in=access_for(user).organization_ids()).first()
    if organization is None:
        raise Http404
    return organization
