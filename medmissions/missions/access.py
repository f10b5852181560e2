"""Who may see and do what on a mission. Every view and API endpoint of the missions app loads
missions, needs and their children through the helpers here, never by bare id.

* **Parties** of the mission's partnership: members of any party organisation see the mission,
  its roles, applications, readiness board, thread and close-out. Coordinators and admins of any
  party manage it (``Capability.MANAGE_MISSIONS``); host admins confirm it and waive requirements.
* **The team**: a person with an active assignment sees the mission, its thread and announcements,
  and their own row of the readiness board.
* **Applicants** see the mission and their own application.
* **Everyone signed in** sees recruiting missions as opportunities (``opportunities()``).

Objects of missions one may not see answer 404; actions one's role does not allow answer 403.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from medmissions.missions.choices import AssignmentStatus, MissionStatus
from medmissions.missions.models import Application, Assignment, Mission, Need, Role
from medmissions.organizations.access import Capability, access_for
from medmissions.partnerships.choices import PartyRole


def opportunities() -> QuerySet[Mission]:
    """Missions any signed-in person may discover and apply to: host-confirmed and recruiting."""
    return Mission.objects.filter(status=MissionStatus.RECRUITING, host_confirmed_at__isnull=False)


def visible_missions(user: Any) -> QuerySet[Mission]:
    return Mission.objects.visible_to(user)


def get_mission_or_404(user: Any, pk: int, *, include_opportunities: bool = False) -> Mission:
    """A mission the user may see (parties, team, applicants); with ``include_opportunities``,
    also any recruiting mission (the opportunity page everyone signed in may read)."""
    if user is None or not user.is_authenticated:
        raise Http404
    queryset = visible_missions(user)
    if include_opportunities:
        # visible_to() is distinct(), which cannot be OR-ed with a plain queryset; combine by id.
        queryset = Mission.objects.filter(
            Q(pk__in=queryset.values("pk")) | Q(pk__in=opportunities().values("pk"))
        )
    mission = queryset.filter(pk=pk).select_related("partnership", "site", "site__host_organization").first()
    if mission is None:
        raise Http404
    return mission


def get_need_or_404(user: Any, pk: int) -> Need:
    need = Need.objects.visible_to(user).filter(pk=pk).select_related("site", "host_organization").first()
    if need is None:
        raise Http404
    return need


@dataclass
class MissionAccess:
    """What ``user`` may do on ``mission``; computed once per request."""

    user: Any
    mission: Mission
    party_roles: dict[int, str] = field(default_factory=dict)  # organisation id → party role

    @classmethod
    def of(cls, user: Any, mission: Mission) -> MissionAccess:
        parties = dict(mission.partnership.parties.values_list("organization_id", "role"))
        return cls(user=user, mission=mission, party_roles=parties)

    @cached_property
    def _access(self):
        return access_for(self.user)

    def _party_ids_with(self, capability: Capability, *, host_only: bool = False) -> list[int]:
        if self.user is None or not self.user.is_authenticated:
            return []
        return [
            organization_id
            for organization_id, role in self.party_roles.items()
            if (not host_only or role == PartyRole.HOST) and self._access.can(organization_id, capability)
        ]

    @cached_property
    def is_party_member(self) -> bool:
        """A member (any role) of an organisation that is party to the partnership."""
        return bool(self._party_ids_with(Capability.VIEW))

    @cached_property
    def manager_organization_ids(self) -> list[int]:
        return self._party_ids_with(Capability.MANAGE_MISSIONS)

    @cached_property
    def can_manage(self) -> bool:
        """Coordinators and admins of any party plan the mission, review applications, announce."""
        return bool(self.manager_organization_ids)

    @cached_property
    def is_host_member(self) -> bool:
        return bool(self._party_ids_with(Capability.VIEW, host_only=True))

    @cached_property
    def is_host_admin(self) -> bool:
        """Host admins confirm the mission and waive readiness requirements."""
        return bool(self._party_ids_with(Capability.CONFIRM_AS_HOST, host_only=True))

    @cached_property
    def own_assignment(self) -> Assignment | None:
        if self.user is None or not self.user.is_authenticated:
            return None
        return (
            self.mission.assignments.filter(person__user=self.user, status=AssignmentStatus.ACTIVE)
            .select_related("role", "person")
            .first()
        )

    @cached_property
    def own_applications(self) -> list[Application]:
        if self.user is None or not self.user.is_authenticated:
            return []
        return list(
            Application.objects.filter(role__mission=self.mission, person__user=self.user).select_related(
                "role"
            )
        )

    @property
    def is_team_member(self) -> bool:
        return self.own_assignment is not None

    @property
    def can_see_team(self) -> bool:
        """Roster, thread, announcements and the readiness board (all rows for parties, own row otherwise)."""
        return self.is_party_member or self.is_team_member

    @property
    def can_see_all_readiness(self) -> bool:
        return self.is_party_member

    def require_team(self) -> None:
        if not self.can_see_team:
            raise Http404


def get_role_or_404(user: Any, pk: int) -> Role:
    role = Role.objects.filter(pk=pk, mission__in=visible_missions(user)).select_related("mission").first()
    if role is None:
        raise Http404
    return role


def get_application_or_404(user: Any, pk: int) -> Application:
    """An application seen by its applicant, or by members of the mission's parties."""
    if user is None or not user.is_authenticated:
        raise Http404
    application = (
        Application.objects.filter(pk=pk).select_related("role__mission__partnership", "person__user").first()
    )
    if application is None:
        raise Http404
    if application.person.user_id == user.pk:
        return application
    if MissionAccess.of(user, application.role.mission).is_party_member:
        return application
    raise Http404


def get_assignment_or_404(user: Any, pk: int) -> Assignment:
    """An assignment seen by its holder, or by members of the mission's parties."""
    if user is None or not user.is_authenticated:
        raise Http404
    assignment = (
        Assignment.objects.filter(pk=pk)
        .select_related("mission__partnership", "role", "person__user")
        .first()
    )
    if assignment is None:
        raise Http404
    if assignment.person.user_id == user.pk:
        return assignment
    if MissionAccess.of(user, assignment.mission).is_party_member:
        return assignment
    raise Http404
